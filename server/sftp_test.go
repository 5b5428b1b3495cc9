package server_test

// SFTP into the comune's folder, as an attacker would try it: with OpenSSH's sftp
// client (what an operator runs) and with github.com/pkg/sftp's client over
// golang.org/x/crypto/ssh (for what the command line cannot send).

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/pem"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"
	"golang.org/x/sys/unix"

	"vivipass/domain"
	"vivipass/files"
	"vivipass/server"
)

// newFilesFixture is newFixture with a files store (limits l) served over SFTP.
func newFilesFixture(t *testing.T, l files.Limits) (*fixture, *files.Store) {
	t.Helper()
	st, err := files.NewWithLimits(filepath.Join(t.TempDir(), "file"), l)
	must(t, err)
	return newFixture(t, server.Config{Files: st}), st
}

// keyFile writes a private key where OpenSSH reads it.
func keyFile(t *testing.T, dir, name string, priv ed25519.PrivateKey) string {
	t.Helper()
	block, err := gossh.MarshalPrivateKey(priv, "")
	must(t, err)
	p := filepath.Join(dir, "id_"+name)
	must(t, os.WriteFile(p, pem.EncodeToMemory(block), 0o600))
	return p
}

// openSSHSFTP runs OpenSSH's sftp as an operator would (`sftp -P PORT name@host`), in
// batch mode, in dir: it returns the output and the exit status (a failed command ends
// the batch with 1; 255 is a connection refused).
func (f *fixture) openSSHSFTP(user string, priv ed25519.PrivateKey, dir, batch string) (string, int) {
	f.t.Helper()
	return f.openSSH("sftp", user, priv, dir, batch, "-b", "-", user+"@127.0.0.1")
}

// openSSH runs an OpenSSH client (sftp, scp) with the operator's key and args.
func (f *fixture) openSSH(name, user string, priv ed25519.PrivateKey, dir, stdin string, args ...string) (string, int) {
	f.t.Helper()
	bin, err := exec.LookPath(name)
	if err != nil {
		f.t.Fatalf("the OpenSSH %s client is needed: .ci/run installs openssh-client", name)
	}
	_, port, _ := net.SplitHostPort(f.addr)
	cmd := exec.Command(bin, append([]string{"-P", port, "-i", keyFile(f.t, f.dir, user, priv), "-F", "/dev/null",
		"-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "IdentitiesOnly=yes",
		"-o", "IdentityAgent=none", "-o", "BatchMode=yes", "-o", "LogLevel=ERROR", "-o", "ConnectTimeout=10"}, args...)...)
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return string(out), 0
	case errors.As(err, &exit):
		return string(out), exit.ExitCode()
	}
	f.t.Fatalf("%s: %v\n%s", name, err, out)
	return "", -1
}

// tree lists every path under dir, relative.
func tree(t *testing.T, dir string) []string {
	t.Helper()
	var out []string
	must(t, filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		out = append(out, rel)
		return nil
	}))
	return out
}

func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	_, err := rand.Read(b)
	must(t, err)
	return b
}

// TestSFTPOpenSSH: Venezia's operator with `sftp`: lists "/", uploads a photo to foto/
// and downloads it back identical; every way out fails and leaves nothing; Padova's
// operator does not see Venezia's files; an unregistered key does not get in.
func TestSFTPOpenSSH(t *testing.T) {
	f, st := newFilesFixture(t, files.Limits{})
	local := t.TempDir()
	photo := randomBytes(t, 300<<10)
	must(t, os.WriteFile(filepath.Join(local, "ritratto.jpg"), photo, 0o600))
	padova, err := st.Comune("G224")
	must(t, err)
	_, err = padova.Create("foto", "padova.jpg", []byte("di Padova"))
	must(t, err)
	secret := filepath.Join(filepath.Dir(st.Base()), "segreto.txt")
	must(t, os.WriteFile(secret, []byte("segreto"), 0o600))

	out, code := f.openSSHSFTP("mario", f.priv["mario"], local,
		"ls /\nput ritratto.jpg /foto/ritratto.jpg\nget /foto/ritratto.jpg copia.jpg\ncd foto\nls -l\npwd\n")
	if code != 0 {
		t.Fatalf("exit %d:\n%s", code, out)
	}
	for _, sub := range files.Subfolders {
		if !strings.Contains(out, "/"+sub) {
			t.Errorf("ls / does not show %s:\n%s", sub, out)
		}
	}
	if !strings.Contains(out, "ritratto.jpg") || !strings.Contains(out, "Remote working directory: /foto") {
		t.Errorf("output:\n%s", out)
	}
	copied, err := os.ReadFile(filepath.Join(local, "copia.jpg"))
	must(t, err)
	if !bytes.Equal(copied, photo) {
		t.Errorf("downloaded %d bytes, not the %d uploaded", len(copied), len(photo))
	}
	venezia, err := st.Comune("L736")
	must(t, err)
	if onDisk, err := venezia.Read("foto", "ritratto.jpg", 0); err != nil || !bytes.Equal(onDisk, photo) {
		t.Errorf("on the server: %d bytes, %v", len(onDisk), err)
	}
	before := tree(t, filepath.Dir(st.Base()))

	// "cd .." at the top stays at the top.
	out, code = f.openSSHSFTP("mario", f.priv["mario"], local, "cd ..\npwd\ncd /../..\npwd\nls\n")
	if code != 0 || strings.Count(out, "Remote working directory: /\n") != 2 || strings.Contains(out, "G224") {
		t.Errorf("cd ..: exit %d:\n%s", code, out)
	}
	// Each of these fails (the batch ends with status 1) and changes nothing.
	for _, cmd := range []string{
		"get /etc/passwd passwd",
		"get ../G224/foto/padova.jpg padova.jpg",
		"get /../G224/foto/padova.jpg padova.jpg",
		"get ../segreto.txt segreto.txt",
		"get ../../segreto.txt segreto.txt",
		"ls /G224",
		"put ritratto.jpg /ritratto.jpg",
		"put ritratto.jpg ../ritratto.jpg",
		"put ritratto.jpg /foto/sotto/ritratto.jpg",
		"put ritratto.jpg /G224/foto/ritratto.jpg",
		"put ritratto.jpg /foto/ritratto.jpg", // exists: never replaced
		"symlink /foto/ritratto.jpg /foto/collegamento.jpg",
		"symlink /etc/passwd /foto/passwd",
		"ln /foto/ritratto.jpg /foto/fisso.jpg",
		"mkdir /nuova",
		"mkdir /foto/nuova",
		"rmdir /foto",
		"rename /foto/ritratto.jpg /ritratto.jpg",
		"rm /foto",
	} {
		out, code := f.openSSHSFTP("mario", f.priv["mario"], local, cmd+"\n")
		if code != 1 {
			t.Errorf("%s: exit %d, want 1:\n%s", cmd, code, out)
		}
	}
	if after := tree(t, filepath.Dir(st.Base())); !slices.Equal(after, before) {
		t.Errorf("the server's files changed:\nbefore %v\nafter  %v", before, after)
	}
	for _, n := range []string{"passwd", "padova.jpg", "segreto.txt"} {
		if _, err := os.Stat(filepath.Join(local, n)); err == nil {
			t.Errorf("%s was downloaded", n)
		}
	}
	if onDisk, _ := venezia.Read("foto", "ritratto.jpg", 0); !bytes.Equal(onDisk, photo) {
		t.Error("ritratto.jpg was replaced")
	}
	// chmod is accepted and changes nothing.
	out, code = f.openSSHSFTP("mario", f.priv["mario"], local, "chmod 777 /foto/ritratto.jpg\n")
	if fi, err := os.Stat(filepath.Join(venezia.Path(), "foto", "ritratto.jpg")); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("chmod (exit %d, %s): mode %v %v", code, out, fi.Mode(), err)
	}

	// scp (the SFTP protocol in OpenSSH ≥ 9) works the same way.
	out, code = f.openSSH("scp", "mario", f.priv["mario"], local, "", "ritratto.jpg", "mario@127.0.0.1:stampe/")
	if code != 0 {
		t.Errorf("scp up: exit %d:\n%s", code, out)
	}
	out, code = f.openSSH("scp", "mario", f.priv["mario"], local, "", "mario@127.0.0.1:/stampe/ritratto.jpg", "scp.jpg")
	if data, _ := os.ReadFile(filepath.Join(local, "scp.jpg")); code != 0 || !bytes.Equal(data, photo) {
		t.Errorf("scp down: exit %d, %d bytes:\n%s", code, len(data), out)
	}
	for _, args := range [][]string{{"ritratto.jpg", "mario@127.0.0.1:/"}, {"mario@127.0.0.1:../../segreto.txt", "s.txt"}} {
		if out, code := f.openSSH("scp", "mario", f.priv["mario"], local, "", args...); code == 0 {
			t.Errorf("scp %v: exit 0:\n%s", args, out)
		}
	}

	// Padova's operator sees Padova's folder only.
	out, code = f.openSSHSFTP("giulia", f.priv["giulia"], local, "ls /foto\n")
	if code != 0 || !strings.Contains(out, "padova.jpg") || strings.Contains(out, "ritratto.jpg") {
		t.Errorf("giulia's ls: exit %d:\n%s", code, out)
	}
	out, code = f.openSSHSFTP("giulia", f.priv["giulia"], local, "get /foto/ritratto.jpg rubata.jpg\n")
	if code != 1 {
		t.Errorf("giulia got Venezia's photo: exit %d:\n%s", code, out)
	}

	// A key nobody registered does not get in.
	_, stranger, err := ed25519.GenerateKey(nil)
	must(t, err)
	out, code = f.openSSHSFTP("mario", stranger, local, "ls /\n")
	if code != 255 || !strings.Contains(out, "Permission denied") {
		t.Errorf("unregistered key: exit %d:\n%s", code, out)
	}

	// Every transfer is in the log with who, from where, with which key.
	log := f.log.String()
	fp := gossh.FingerprintSHA256(f.keys["mario"].PublicKey())
	for _, want := range []string{
		`msg="sftp aperta" operatore=mario comune=L736 remoto=127.0.0.1:`,
		`msg="sftp caricamento" operatore=mario comune=L736`,
		"chiave=" + fp + " file=foto/ritratto.jpg byte=307200",
		`msg="sftp scaricamento" operatore=mario`,
		`msg="sftp rifiutato" operatore=mario`,
		`msg="sftp chiusa" operatore=giulia comune=G224`,
	} {
		if !strings.Contains(log, want) {
			t.Errorf("the log has no %q:\n%s", want, log)
		}
	}
}

// TestSFTPLimitsOpenSSH: an upload over the limit per file, or past the comune's
// quota, fails and leaves nothing.
func TestSFTPLimitsOpenSSH(t *testing.T) {
	f, st := newFilesFixture(t, files.Limits{File: 64 << 10, Comune: 150 << 10})
	local := t.TempDir()
	must(t, os.WriteFile(filepath.Join(local, "grande.pdf"), randomBytes(t, 100<<10), 0o600))
	must(t, os.WriteFile(filepath.Join(local, "piccolo.pdf"), randomBytes(t, 60<<10), 0o600))
	venezia, err := st.Comune("L736")
	must(t, err)

	out, code := f.openSSHSFTP("mario", f.priv["mario"], local, "put grande.pdf /stampe/grande.pdf\n")
	if code != 1 {
		t.Errorf("over the limit per file: exit %d:\n%s", code, out)
	}
	out, code = f.openSSHSFTP("mario", f.priv["mario"], local,
		"put piccolo.pdf /stampe/uno.pdf\nput piccolo.pdf /allegati/due.pdf\nput piccolo.pdf /moduli/tre.pdf\n")
	if code != 1 || !strings.Contains(out, "tre.pdf") {
		t.Errorf("past the quota: exit %d:\n%s", code, out)
	}
	if got, want := tree(t, venezia.Path()), []string{".", "allegati", "allegati/due.pdf", "foto", "import", "moduli", "stampe", "stampe/uno.pdf"}; !slices.Equal(got, want) {
		t.Errorf("files left: %v, want %v", got, want)
	}
	if !strings.Contains(f.log.String(), `msg="sftp caricamento non riuscito" operatore=mario`) {
		t.Errorf("no failed upload in the log:\n%s", f.log.String())
	}
}

// sftpClient connects with pkg/sftp's client as an operator.
func (f *fixture) sftpClient(name string) (*sftp.Client, *gossh.Client) {
	f.t.Helper()
	conn, err := gossh.Dial("tcp", f.addr, &gossh.ClientConfig{User: name,
		Auth: []gossh.AuthMethod{gossh.PublicKeys(f.keys[name])}, HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	must(f.t, err)
	c, err := sftp.NewClient(conn)
	if err != nil {
		conn.Close()
		f.t.Fatalf("%s: sftp: %v", name, err)
	}
	f.t.Cleanup(func() { c.Close(); conn.Close() })
	return c, conn
}

func put(t *testing.T, c *sftp.Client, p string, data []byte) error {
	t.Helper()
	w, err := c.Create(p)
	if err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		w.Close()
		return err
	}
	return w.Close()
}

func get(c *sftp.Client, p string) ([]byte, error) {
	r, err := c.Open(p)
	if err != nil {
		return nil, err
	}
	defer r.Close()
	return io.ReadAll(r)
}

// isStatus: the SFTP status of err is code (pkg/sftp's client turns "no such file"
// and "permission denied" into fs.ErrNotExist and fs.ErrPermission).
func isStatus(err error, code uint32) bool {
	switch code {
	case fxNoSuchFile:
		return errors.Is(err, fs.ErrNotExist)
	case fxPermissionDenied:
		return errors.Is(err, fs.ErrPermission)
	}
	var se *sftp.StatusError
	return errors.As(err, &se) && se.Code == code
}

const (
	fxNoSuchFile       = 2
	fxPermissionDenied = 3
	fxFailure          = 4
)

// TestSFTPClient: the finer points, with a client that sends whatever it is told.
func TestSFTPClient(t *testing.T) {
	f, st := newFilesFixture(t, files.Limits{File: 256 << 10, Comune: 600 << 10})
	venezia, err := st.Comune("L736")
	must(t, err)
	c, _ := f.sftpClient("mario")

	// The top: five folders, nothing else.
	ents, err := c.ReadDir("/")
	must(t, err)
	var names []string
	for _, e := range ents {
		if !e.IsDir() {
			t.Errorf("%s is not a folder", e.Name())
		}
		names = append(names, e.Name())
	}
	if !slices.Equal(names, files.Subfolders) {
		t.Errorf("/ = %v", names)
	}
	for _, p := range []string{"/", "/..", "/foto", "foto", "/foto/../allegati"} {
		if fi, err := c.Stat(p); err != nil || !fi.IsDir() {
			t.Errorf("Stat(%s): %v %v", p, fi, err)
		}
	}
	if wd, err := c.Getwd(); err != nil || wd != "/" {
		t.Errorf("Getwd = %q %v", wd, err)
	}
	if rp, err := c.RealPath("../../.."); err != nil || rp != "/" {
		t.Errorf("RealPath(../../..) = %q %v", rp, err)
	}

	// Upload, download, no replacing, names made safe.
	must(t, put(t, c, "/foto/a.txt", []byte("uno")))
	if err := put(t, c, "/foto/a.txt", []byte("due")); !isStatus(err, fxPermissionDenied) {
		t.Errorf("replacing a file: %v", err)
	}
	for _, flags := range []int{os.O_WRONLY | os.O_APPEND, os.O_RDWR, os.O_WRONLY | os.O_TRUNC, os.O_WRONLY | os.O_CREATE | os.O_EXCL} {
		if w, err := c.OpenFile("/foto/a.txt", flags); err == nil {
			w.Write([]byte("x"))
			w.Close()
			t.Errorf("OpenFile(a.txt, %#x) accepted", flags)
		}
	}
	if data, _ := get(c, "/foto/a.txt"); string(data) != "uno" {
		t.Errorf("a.txt = %q", data)
	}
	for _, p := range []string{"/x.txt", "/../x.txt", "/G224/foto/x.txt", "/foto/sotto/x.txt", "/foto"} {
		if err := put(t, c, p, []byte("x")); !isStatus(err, fxPermissionDenied) {
			t.Errorf("put %s: %v", p, err)
		}
	}
	// The handle being written: its size may be set to what was written, no other.
	w, err := c.Create("/foto/handle.txt")
	must(t, err)
	_, err = w.Write([]byte("0123456789"))
	must(t, err)
	must(t, w.Truncate(10))
	must(t, w.Chmod(0o644))
	if err := w.Truncate(4); !isStatus(err, fxPermissionDenied) {
		t.Errorf("truncating an upload: %v", err)
	}
	must(t, w.Close())
	if data, _ := get(c, "/foto/handle.txt"); string(data) != "0123456789" {
		t.Errorf("handle.txt = %q", data)
	}
	if _, err := c.OpenFile("/foto/nuovo.txt", os.O_WRONLY); !isStatus(err, fxNoSuchFile) {
		t.Errorf("write without create: %v", err)
	}
	for in, want := range map[string]string{
		"/allegati/riga\nnuova.txt":                     "riga nuova.txt",
		"/allegati/nul\x00.txt":                         "nul.txt",
		"/allegati/però è già.pdf":                      "però è già.pdf",
		"/allegati/fattura\u202Egpj.exe":                "fatturagpj.exe",
		"/allegati/.nascosto":                           "nascosto",
		"/allegati/" + strings.Repeat("ü", 90) + ".odt": files.SafeName(strings.Repeat("ü", 90) + ".odt"),
	} {
		if err := put(t, c, in, []byte(want)); err != nil {
			t.Errorf("put %q: %v", in, err)
			continue
		}
		if data, err := venezia.Read("allegati", want, 0); err != nil || string(data) != want {
			t.Errorf("put %q: on disk as %q: %q %v", in, want, data, err)
		}
		if data, err := get(c, in); err != nil || string(data) != want { // the same name reaches it
			t.Errorf("get %q: %q %v", in, data, err)
		}
	}

	// Rename: within the folders, never replacing.
	must(t, put(t, c, "/foto/b.txt", []byte("bi")))
	if err := c.Rename("/foto/b.txt", "/foto/a.txt"); !isStatus(err, fxPermissionDenied) {
		t.Errorf("rename onto a file: %v", err)
	}
	if err := c.PosixRename("/foto/b.txt", "/foto/a.txt"); !isStatus(err, fxPermissionDenied) {
		t.Errorf("posix-rename onto a file: %v", err)
	}
	for _, to := range []string{"/b.txt", "/foto/x/b.txt", "/../b.txt", "/foto"} {
		if err := c.Rename("/foto/b.txt", to); err == nil {
			t.Errorf("rename to %s accepted", to)
		}
	}
	must(t, c.Rename("/foto/b.txt", "/stampe/b.txt"))
	if data, _ := get(c, "/stampe/b.txt"); string(data) != "bi" {
		t.Errorf("moved: %q", data)
	}

	// No folders, no links, no change of size; chmod, chown and times change nothing.
	for what, err := range map[string]error{
		"mkdir /x":           c.Mkdir("/x"),
		"mkdir /foto/x":      c.Mkdir("/foto/x"),
		"mkdirall":           c.MkdirAll("/foto/x/y"),
		"rmdir /foto":        c.RemoveDirectory("/foto"),
		"remove /foto":       c.Remove("/foto"),
		"symlink":            c.Symlink("/foto/a.txt", "/foto/l.txt"),
		"symlink outside":    c.Symlink("/etc/passwd", "/foto/passwd"),
		"link":               c.Link("/foto/a.txt", "/foto/h.txt"),
		"truncate":           c.Truncate("/foto/a.txt", 1),
		"chmod of a missing": c.Chmod("/foto/manca.txt", 0o777),
	} {
		if err == nil {
			t.Errorf("%s accepted", what)
		}
	}
	if _, err := c.ReadLink("/foto/a.txt"); err == nil {
		t.Error("readlink answered")
	}
	must(t, c.Truncate("/foto/a.txt", 3)) // the size it has: nothing to do
	must(t, c.Chmod("/foto/a.txt", 0o777))
	must(t, c.Chown("/foto/a.txt", 0, 0))
	must(t, c.Chtimes("/foto/a.txt", time.Unix(0, 0), time.Unix(0, 0)))
	fi, err := os.Stat(filepath.Join(venezia.Path(), "foto", "a.txt"))
	must(t, err)
	if fi.Mode().Perm() != 0o600 || fi.ModTime().Year() < 2000 || fi.Size() != 3 {
		t.Errorf("a.txt changed: %v %v %d", fi.Mode(), fi.ModTime(), fi.Size())
	}

	// Planted on the server: a symlink out, a symlink to /dev/zero, a FIFO. Invisible,
	// unreadable, not removable, nothing blocks.
	foto := filepath.Join(venezia.Path(), "foto")
	secret := filepath.Join(t.TempDir(), "segreto.txt")
	must(t, os.WriteFile(secret, []byte("segreto"), 0o600))
	must(t, os.Symlink(secret, filepath.Join(foto, "fuori.txt")))
	must(t, os.Symlink("/dev/zero", filepath.Join(foto, "zero.bin")))
	must(t, unix.Mkfifo(filepath.Join(foto, "tubo"), 0o600))
	ents, err = c.ReadDir("/foto")
	must(t, err)
	names = nil
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"a.txt", "handle.txt"}) {
		t.Errorf("/foto lists %v", names)
	}
	for _, n := range []string{"fuori.txt", "zero.bin", "tubo"} {
		done := make(chan error, 1)
		go func() { _, err := get(c, "/foto/"+n); done <- err }()
		select {
		case err := <-done:
			if !isStatus(err, fxPermissionDenied) {
				t.Errorf("get %s: %v", n, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("get %s blocked", n)
		}
		if err := c.Remove("/foto/" + n); err == nil {
			t.Errorf("remove %s accepted", n)
		}
		if err := c.Rename("/foto/"+n, "/foto/preso.txt"); err == nil {
			t.Errorf("rename %s accepted", n)
		}
	}
	if data, err := os.ReadFile(secret); err != nil || string(data) != "segreto" {
		t.Errorf("the file outside: %q %v", data, err)
	}

	// Limits: a file over the limit, a sparse write far away, the quota; nothing left.
	if err := put(t, c, "/import/grande.csv", make([]byte, 300<<10)); !isStatus(err, fxFailure) {
		t.Errorf("over the limit: %v", err)
	}
	w, err = c.Create("/import/buco.csv")
	must(t, err)
	if _, err := w.WriteAt([]byte("x"), 1<<40); err == nil {
		t.Error("a write at 1 TB accepted")
	}
	if err := w.Close(); err == nil {
		t.Error("closing the refused upload succeeded")
	}
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() { errs[i] = put(t, c, "/import/parte"+string(rune('a'+i))+".csv", make([]byte, 200<<10)) })
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
		} else if !isStatus(err, fxFailure) {
			t.Errorf("concurrent upload: %v", err)
		}
	}
	// Counted while written: the first to pass the quota fails and makes room for the others.
	if used, _ := venezia.Usage(); ok != 2 || used > 600<<10 {
		t.Errorf("%d of 4 uploads of 200 KB went in, %d bytes used of 600 KB", ok, used)
	}
	for _, sub := range files.Subfolders {
		list, _ := os.ReadDir(filepath.Join(venezia.Path(), sub))
		for _, e := range list {
			if strings.HasPrefix(e.Name(), ".") {
				t.Errorf("left behind: %s/%s", sub, e.Name())
			}
		}
	}

	// df: the quota and what is left of it.
	vfs, err := c.StatVFS("/foto")
	must(t, err)
	if used, _ := venezia.Usage(); vfs.TotalSpace() != 600<<10 || vfs.FreeSpace() != uint64((600<<10-used)/4096*4096) {
		t.Errorf("statvfs: total %d free %d, used %d", vfs.TotalSpace(), vfs.FreeSpace(), used)
	}

	// Remove, logged.
	must(t, c.Remove("/stampe/b.txt"))
	if _, err := c.Stat("/stampe/b.txt"); !isStatus(err, fxNoSuchFile) {
		t.Errorf("after remove: %v", err)
	}
	for _, want := range []string{`msg="sftp eliminazione" operatore=mario comune=L736`, "file=stampe/b.txt byte=2",
		`msg="sftp rinomina"`, "file=foto/b.txt nuovo_nome=stampe/b.txt"} {
		if !strings.Contains(f.log.String(), want) {
			t.Errorf("the log has no %q", want)
		}
	}
}

// TestSFTPSessions: without a files store SFTP is refused; a key removed ends the next
// SFTP session on a connection already open; an upload cut off leaves nothing;
// Shutdown closes SFTP sessions.
func TestSFTPSessions(t *testing.T) {
	plain := newFixture(t, server.Config{})
	conn, err := gossh.Dial("tcp", plain.addr, &gossh.ClientConfig{User: "mario",
		Auth: []gossh.AuthMethod{gossh.PublicKeys(plain.keys["mario"])}, HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	must(t, err)
	if c, err := sftp.NewClient(conn); err == nil {
		c.Close()
		t.Error("SFTP served without a files store")
	}
	conn.Close()

	f, st := newFilesFixture(t, files.Limits{})
	venezia, err := st.Comune("L736")
	must(t, err)
	// Another subsystem is refused.
	_, conn = f.sftpClient("admin")
	sess, err := conn.NewSession()
	must(t, err)
	if err := sess.RequestSubsystem("shell"); err == nil {
		t.Error("subsystem shell accepted")
	}
	sess.Close()

	// Cut off mid-upload: nothing left.
	c, conn := f.sftpClient("mario")
	w, err := c.Create("/foto/meta.jpg")
	must(t, err)
	_, err = w.Write(make([]byte, 100<<10))
	must(t, err)
	conn.Close()
	deadline := time.Now().Add(wait)
	for f.srv.SFTPSessions() > 1 { // admin's is still open
		if time.Now().After(deadline) {
			t.Fatalf("SFTPSessions() = %d", f.srv.SFTPSessions())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if got := tree(t, filepath.Join(venezia.Path(), "foto")); len(got) != 1 {
		t.Errorf("left after a cut upload: %v", got)
	}
	if !strings.Contains(f.log.String(), `msg="sftp caricamento non riuscito" operatore=mario`) {
		t.Errorf("the cut upload is not in the log:\n%s", f.log.String())
	}

	// A key removed while its connection is open: the next SFTP session is refused.
	f.register(domain.Operator{Name: "luca", Role: domain.RoleOperatore, Comune: "L736"})
	_, conn = f.sftpClient("luca")
	must(t, f.svc.RemoveOperator(system, "luca"))
	if c, err := sftp.NewClient(conn); err == nil {
		c.Close()
		t.Error("a removed key opened an SFTP session")
	}

	// An open SFTP session ends when its operator is removed (sessions follow the
	// register, like the desk's); another operator's goes on.
	f.register(domain.Operator{Name: "sara", Role: domain.RoleOperatore, Comune: "L736"})
	sara, _ := f.sftpClient("sara")
	if _, err := sara.ReadDir("/foto"); err != nil {
		t.Fatalf("sara's session: %v", err)
	}
	must(t, f.svc.RemoveOperator(system, "sara"))
	deadline = time.Now().Add(wait)
	for {
		if _, err := sara.ReadDir("/foto"); err != nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the removed operator's SFTP session still answers")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if !strings.Contains(f.log.String(), `msg="sftp chiusa: accesso revocato" operatore=sara`) {
		t.Errorf("the revocation is not in the log:\n%s", f.log.String())
	}

	// Shutdown closes the open sessions.
	c, _ = f.sftpClient("giulia")
	for deadline = time.Now().Add(wait); f.srv.SFTPSessions() != 2 && time.Now().Before(deadline); {
		time.Sleep(10 * time.Millisecond)
	}
	if n := f.srv.SFTPSessions(); n != 2 { // admin's and giulia's (luca's and sara's ended with their removal)
		t.Errorf("SFTPSessions() = %d, want 2", n)
	}
	start := time.Now()
	f.stop()
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Shutdown with SFTP sessions took %v", d)
	}
	if _, err := c.ReadDir("/"); err == nil {
		t.Error("an SFTP session still answers after Shutdown")
	}
	if f.srv.SFTPSessions() != 0 {
		t.Errorf("SFTPSessions() = %d after Shutdown", f.srv.SFTPSessions())
	}
}
