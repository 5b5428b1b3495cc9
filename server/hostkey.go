package server

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	gossh "golang.org/x/crypto/ssh"
)

// EnsureHostKey creates the host key at path (ed25519, OpenSSH format, 0600, with
// path.pub beside it) when it is missing. The key is written by us, not by the SSH
// library at New: the library would also chmod the folder to 0700, and that folder is
// the administrator's (a shared 1777 folder must keep its mode, #12 point 6). The
// folder must exist; a key already there is left as it is.
func EnsureHostKey(path string) error {
	if _, err := os.Lstat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return err
	}
	block, err := gossh.MarshalPrivateKey(priv, "")
	if err != nil {
		return err
	}
	pub, err := gossh.NewPublicKey(priv.Public())
	if err != nil {
		return err
	}
	if err := writeNew(path, pem.EncodeToMemory(block)); errors.Is(err, fs.ErrExist) {
		return nil // another start wrote it first: that one is used
	} else if err != nil {
		return fmt.Errorf("impossibile creare la chiave dell'host %s: %w", path, err)
	}
	if err := writeNew(path+".pub", gossh.MarshalAuthorizedKey(pub)); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("impossibile scrivere la chiave pubblica dell'host %s.pub: %w", path, err)
	}
	return nil
}

// writeNew writes data under a temporary name and links it to path (0600): a reader
// never sees half a key, and a file written meanwhile by another start is kept (the
// link fails with fs.ErrExist).
func writeNew(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+"-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Link(tmp.Name(), path)
	}
	return err
}
