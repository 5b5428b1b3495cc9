package server_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"vivipass/server"
)

// TestEnsureHostKey (issue 12.6): the host key is created 0600 (with umask 000) in the
// folder given, whose mode is left as it was (a shared 1777 folder stays 1777), and a
// key already there is kept.
func TestEnsureHostKey(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := filepath.Join(t.TempDir(), "condivisa")
	if err := os.Mkdir(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(dir, 0o777|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, server.HostKeyName)
	if err := server.EnsureHostKey(path); err != nil {
		t.Fatal(err)
	}
	first, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := gossh.ParsePrivateKey(first)
	if err != nil || signer.PublicKey().Type() != gossh.KeyAlgoED25519 {
		t.Fatalf("host key: %v", err)
	}
	pub, err := os.ReadFile(path + ".pub")
	if err != nil || !bytes.Equal(pub, gossh.MarshalAuthorizedKey(signer.PublicKey())) {
		t.Errorf("public key %q: %v", pub, err)
	}
	for p, want := range map[string]fs.FileMode{path: 0o600, path + ".pub": 0o600, dir: fs.ModeDir | fs.ModeSticky | 0o777} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(p), err)
		} else if fi.Mode() != want {
			t.Errorf("%s: mode %v, want %v", filepath.Base(p), fi.Mode(), want)
		}
	}
	if err := server.EnsureHostKey(path); err != nil {
		t.Fatal(err)
	}
	if again, _ := os.ReadFile(path); !bytes.Equal(again, first) {
		t.Error("a second call replaced the key")
	}
	if names, _ := os.ReadDir(dir); len(names) != 2 {
		t.Errorf("the folder holds %d files, want the key and its .pub", len(names))
	}
}
