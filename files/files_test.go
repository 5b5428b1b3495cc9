//go:build linux || darwin || freebsd || netbsd || openbsd

package files

// The folder as an attacker sees it: names from outside that try to leave it, symlinks,
// a FIFO and a device planted inside (by someone with a shell on the server), files too
// big for the limit or the quota, names that already exist.

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// setup is a store with a comune (Venezia) and a file outside every folder, the
// "secret" an attacker is after.
func setup(t *testing.T, l Limits) (s *Store, f *Folder, outside string) {
	t.Helper()
	root := t.TempDir()
	outside = filepath.Join(root, "segreto.txt")
	must(t, os.WriteFile(outside, []byte("segreto"), 0o600))
	s, err := NewWithLimits(filepath.Join(root, "file"), l)
	must(t, err)
	f, err = s.Comune("L736")
	must(t, err)
	return s, f, outside
}

// tree is every name under dir (relative), for "nothing else was created".
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

func TestLayout(t *testing.T) {
	root := t.TempDir()
	base := filepath.Join(root, "a", "file")
	s, err := New(base)
	must(t, err)
	if l := s.Limits(); l.File != DefaultMaxFile || l.Comune != DefaultQuota {
		t.Errorf("default limits %+v", l)
	}
	fi, err := os.Stat(base)
	must(t, err)
	if fi.Mode().Perm() != 0o700 {
		t.Errorf("base %v, want 0700", fi.Mode().Perm())
	}
	f, err := s.Comune(" l736 ")
	must(t, err)
	if f.Code() != "L736" || f.Path() != filepath.Join(base, "L736") {
		t.Errorf("Code %q Path %q", f.Code(), f.Path())
	}
	for _, sub := range Subfolders {
		fi, err := os.Lstat(filepath.Join(base, "L736", sub))
		must(t, err)
		if !fi.IsDir() || fi.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v", sub, fi.Mode())
		}
	}
	again, err := s.Comune("L736")
	must(t, err)
	if again != f {
		t.Error("Comune gives a new Folder for the same comune: the quota would be counted twice")
	}
	dirs, err := f.Dirs()
	must(t, err)
	if len(dirs) != len(Subfolders) || dirs[0].Name != "foto" || dirs[0].ModTime.IsZero() {
		t.Errorf("Dirs = %+v", dirs)
	}
	for _, bad := range []string{"", "N123", "L73", "L7366", "l73a", "../L736", "L736/..", "Z00", "A12B", "L7\n36", "Ľ736"} {
		if _, err := s.Comune(bad); !errors.Is(err, fs.ErrInvalid) {
			t.Errorf("Comune(%q): %v", bad, err)
		}
	}
	if _, err := s.Comune("Z404"); err != nil {
		t.Errorf("a foreign state's code: %v", err)
	}
	if got := tree(t, base); !slices.Contains(got, "Z404/moduli") || len(got) != 1+2*(1+len(Subfolders)) {
		t.Errorf("tree: %v", got)
	}
	if _, err := f.List("Foto"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("List(Foto): %v", err)
	}
	for _, sub := range []string{"", ".", "..", "../L736/foto", "foto/"} {
		if _, err := f.Create(sub, "x.txt", []byte("x")); err == nil {
			t.Errorf("Create in %q accepted", sub)
		}
	}
}

func TestCreateNeverReplaces(t *testing.T) {
	_, f, _ := setup(t, Limits{})
	var names []string
	for i := range 4 {
		n, err := f.Create("foto", "ritratto.jpg", []byte{byte('a' + i)})
		must(t, err)
		names = append(names, n)
	}
	if want := []string{"ritratto.jpg", "ritratto-1.jpg", "ritratto-2.jpg", "ritratto-3.jpg"}; !slices.Equal(names, want) {
		t.Errorf("names %v, want %v", names, want)
	}
	for i, n := range names {
		data, err := f.Read("foto", n, 0)
		must(t, err)
		if !bytes.Equal(data, []byte{byte('a' + i)}) {
			t.Errorf("%s = %q", n, data)
		}
	}
	// Rename never replaces either.
	if _, err := f.Rename("foto", "ritratto-1.jpg", "foto", "ritratto.jpg"); !errors.Is(err, fs.ErrExist) {
		t.Errorf("rename onto a file: %v", err)
	}
	if data, _ := f.Read("foto", "ritratto.jpg", 0); string(data) != "a" {
		t.Errorf("ritratto.jpg = %q after a refused rename", data)
	}
	n, err := f.Rename("foto", "ritratto-1.jpg", "allegati", "../documento?.jpg")
	must(t, err)
	if n != "_documento_.jpg" {
		t.Errorf("renamed to %q", n)
	}
	if data, _ := f.Read("allegati", n, 0); string(data) != "b" {
		t.Errorf("moved file = %q", data)
	}
	if _, err := f.Stat("foto", "ritratto-1.jpg"); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the old name is still there: %v", err)
	}
}

func TestNamesFromOutside(t *testing.T) {
	s, f, outside := setup(t, Limits{})
	parent := filepath.Dir(s.Base())
	for _, name := range []string{
		"../../segreto.txt", "../segreto.txt", outside, "/etc/passwd", "..", ".", "", "foto/../../x",
		"a\x00b.txt", "riga\nnuova.txt", "\x1b]0;titolo\x07.txt", "ritratto\u202Egpj.exe",
		strings.Repeat("ß", 200) + ".png", `..\..\segreto.txt`, ".vivipass-upload-0000",
	} {
		got, err := f.Create("foto", name, []byte("dato"))
		if err != nil {
			t.Errorf("Create(%q): %v", name, err)
			continue
		}
		if got != SafeName(name) && !strings.HasPrefix(got, strings.TrimSuffix(SafeName(name), filepath.Ext(SafeName(name)))) {
			t.Errorf("Create(%q) = %q, SafeName gives %q", name, got, SafeName(name))
		}
		if _, err := os.Lstat(filepath.Join(f.Path(), "foto", got)); err != nil {
			t.Errorf("Create(%q) = %q not in foto/: %v", name, got, err)
		}
	}
	// Nothing next to the folders, the secret untouched.
	if got := tree(t, parent); len(got) != 3+len(Subfolders)+1+15 {
		t.Errorf("tree under %s:\n%s", parent, strings.Join(got, "\n"))
	}
	if data, _ := os.ReadFile(outside); string(data) != "segreto" {
		t.Errorf("the file outside changed: %q", data)
	}
	// Reading by such a name never reaches the secret.
	for _, name := range []string{"../../segreto.txt", outside, "../../../../../../" + outside} {
		if data, err := f.Read("foto", name, 0); err == nil && string(data) == "segreto" {
			t.Errorf("Read(%q) read the file outside", name)
		}
		if err := f.Remove("foto", name); err == nil {
			if _, err := os.Stat(outside); err != nil {
				t.Fatalf("Remove(%q) removed the file outside", name)
			}
		}
	}
	// Listed names are exactly what SafeName gives: the picker can pass them back.
	list, err := f.List("foto")
	must(t, err)
	for _, e := range list {
		if SafeName(e.Name) != e.Name {
			t.Errorf("listed %q", e.Name)
		}
		if _, err := f.Read("foto", e.Name, 0); err != nil {
			t.Errorf("Read(listed %q): %v", e.Name, err)
		}
	}
}

func TestSymlinksAndSpecialFiles(t *testing.T) {
	s, f, outside := setup(t, Limits{})
	foto := filepath.Join(f.Path(), "foto")
	must(t, os.Symlink(outside, filepath.Join(foto, "link.txt")))
	must(t, os.Symlink("ritratto.jpg", filepath.Join(foto, "interno.jpg"))) // pointing inside: refused all the same
	must(t, os.Symlink("/dev/zero", filepath.Join(foto, "zero.bin")))
	must(t, unix.Mkfifo(filepath.Join(foto, "tubo"), 0o600))
	must(t, os.Mkdir(filepath.Join(foto, "cartella"), 0o700))
	_, err := f.Create("foto", "ritratto.jpg", []byte("foto"))
	must(t, err)

	list, err := f.List("foto")
	must(t, err)
	if len(list) != 1 || list[0].Name != "ritratto.jpg" {
		t.Errorf("List shows %+v, want only ritratto.jpg", list)
	}
	for _, name := range []string{"link.txt", "interno.jpg", "zero.bin", "tubo", "cartella"} {
		done := make(chan error, 1)
		go func() { _, err := f.Read("foto", name, 0); done <- err }()
		select {
		case err := <-done:
			if !errors.Is(err, fs.ErrPermission) || !strings.Contains(err.Error(), "non è un file ordinario") {
				t.Errorf("Read(%s): %v", name, err)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Read(%s) blocked", name)
		}
		if _, err := f.Stat("foto", name); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Stat(%s): %v", name, err)
		}
		if err := f.Remove("foto", name); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Remove(%s): %v", name, err)
		}
		if _, err := f.Rename("foto", name, "allegati", "preso.txt"); !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Rename(%s): %v", name, err)
		}
	}
	// Creating by a symlink's name never writes through it.
	got, err := f.Create("foto", "link.txt", []byte("sovrascritto"))
	must(t, err)
	if got != "link-1.txt" {
		t.Errorf("Create over a symlink: %q", got)
	}
	if data, _ := os.ReadFile(outside); string(data) != "segreto" {
		t.Errorf("the file outside changed: %q", data)
	}

	// A subfolder swapped for a symlink to a directory outside.
	elsewhere := t.TempDir()
	allegati := filepath.Join(f.Path(), "allegati")
	must(t, os.Remove(allegati))
	must(t, os.Symlink(elsewhere, allegati))
	if _, err := f.List("allegati"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("List through a symlinked subfolder: %v", err)
	}
	if _, err := f.Create("allegati", "x.txt", []byte("x")); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Create through a symlinked subfolder: %v", err)
	}
	if _, err := f.Rename("foto", "ritratto.jpg", "allegati", "x.jpg"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Rename into a symlinked subfolder: %v", err)
	}
	if _, err := s.Comune("L736"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Comune with a symlinked subfolder: %v", err)
	}
	if got := tree(t, elsewhere); len(got) != 1 {
		t.Errorf("written outside: %v", got)
	}

	// A comune's folder that is a symlink (to another comune's, or anywhere).
	must(t, os.Symlink(f.Path(), filepath.Join(s.Base(), "G224")))
	if _, err := s.Comune("G224"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Comune through a symlink: %v", err)
	}
}

func TestLimits(t *testing.T) {
	_, f, _ := setup(t, Limits{File: 1000, Comune: 2500})
	noTemp := func() {
		t.Helper()
		for _, sub := range Subfolders {
			ents, err := os.ReadDir(filepath.Join(f.Path(), sub))
			must(t, err)
			for _, e := range ents {
				if strings.HasPrefix(e.Name(), ".") {
					t.Errorf("left behind: %s/%s", sub, e.Name())
				}
			}
		}
	}
	if _, err := f.Create("foto", "grande.jpg", make([]byte, 1001)); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "1000 byte") {
		t.Errorf("a file over the limit: %v", err)
	}
	// Written in blocks, as SFTP does: the block past the limit fails, and so does Commit.
	u, err := f.NewUpload("foto", "blocchi.jpg")
	must(t, err)
	_, err = u.WriteAt(make([]byte, 600), 0)
	must(t, err)
	if _, err := u.WriteAt(make([]byte, 600), 600); !errors.Is(err, ErrTooLarge) {
		t.Errorf("second block: %v", err)
	}
	if _, err := u.Commit(); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Commit after a failure: %v", err)
	}
	// A sparse write far away is counted by where it ends.
	u, err = f.NewUpload("foto", "buco.jpg")
	must(t, err)
	if _, err := u.WriteAt([]byte("x"), 1<<40); !errors.Is(err, ErrTooLarge) {
		t.Errorf("sparse write: %v", err)
	}
	if _, err := u.WriteAt([]byte("x"), -5); err == nil {
		t.Error("negative offset accepted")
	}
	u.Abort()
	noTemp()
	if list, _ := f.List("foto"); len(list) != 0 {
		t.Errorf("files after failed uploads: %+v", list)
	}

	// The quota covers every subfolder.
	for i, sub := range []string{"foto", "allegati"} {
		if _, err := f.Create(sub, "pieno.bin", make([]byte, 900)); err != nil {
			t.Fatalf("file %d: %v", i, err)
		}
	}
	if used, _ := f.Usage(); used != 1800 {
		t.Errorf("Usage = %d", used)
	}
	if _, err := f.Create("stampe", "troppo.pdf", make([]byte, 701)); !errors.Is(err, ErrQuota) || !strings.Contains(err.Error(), "spazio esaurito") {
		t.Errorf("over the quota: %v", err)
	}
	noTemp()
	// Two uploads at once: their bytes count together while they are written.
	a, err := f.NewUpload("stampe", "a.pdf")
	must(t, err)
	b, err := f.NewUpload("stampe", "b.pdf")
	must(t, err)
	_, err = a.WriteAt(make([]byte, 500), 0)
	must(t, err)
	_, err = b.WriteAt(make([]byte, 100), 0)
	must(t, err)
	if _, err := b.WriteAt(make([]byte, 500), 100); !errors.Is(err, ErrQuota) {
		t.Errorf("second upload past the quota: %v", err)
	}
	// The refused one gives its room back at once: a third fits beside the first.
	c, err := f.NewUpload("stampe", "c.pdf")
	must(t, err)
	if _, err := c.WriteAt(make([]byte, 200), 0); err != nil {
		t.Errorf("after a refused upload: %v", err)
	}
	c.Abort()
	_, err = a.Commit()
	must(t, err)
	if _, err := b.Commit(); !errors.Is(err, ErrQuota) {
		t.Errorf("Commit of the refused upload: %v", err)
	}
	noTemp()
	// Full: a new upload is refused at once; removing a file makes room.
	_, err = f.Create("foto", "ultimo.bin", make([]byte, 200))
	must(t, err)
	if _, err := f.NewUpload("foto", "altro.bin"); !errors.Is(err, ErrQuota) {
		t.Errorf("upload into a full folder: %v", err)
	}
	must(t, f.Remove("foto", "pieno.bin"))
	_, err = f.Create("foto", "altro.bin", make([]byte, 800))
	must(t, err)
	// A file put there by hand counts too.
	must(t, os.WriteFile(filepath.Join(f.Path(), "moduli", "a-mano.odt"), make([]byte, 300), 0o600))
	if _, err := f.Create("foto", "x.bin", make([]byte, 1)); !errors.Is(err, ErrQuota) {
		t.Errorf("quota with a file put by hand: %v", err)
	}
}

func TestReadLimits(t *testing.T) {
	_, f, _ := setup(t, Limits{})
	_, err := f.Create("import", "registro.csv", []byte("uno;due\n"))
	must(t, err)
	if _, err := f.Read("import", "registro.csv", 4); !errors.Is(err, ErrTooLarge) {
		t.Errorf("Read over max: %v", err)
	}
	// A huge (sparse) file put on the server: refused without reading it.
	huge := filepath.Join(f.Path(), "import", "enorme.csv")
	h, err := os.Create(huge)
	must(t, err)
	must(t, h.Truncate(8<<30))
	h.Close()
	start := time.Now()
	if _, err := f.Read("import", "enorme.csv", 0); !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "8 GB") {
		t.Errorf("Read of 8 GB: %v", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("refusing a huge file took %v", d)
	}
	e, err := f.Stat("import", "enorme.csv")
	must(t, err)
	if e.Size != 8<<30 {
		t.Errorf("Stat size %d", e.Size)
	}
	if _, err := f.Read("import", "manca.csv", 0); !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "non esiste") {
		t.Errorf("missing file: %v", err)
	}
}

func TestListOrder(t *testing.T) {
	_, f, _ := setup(t, Limits{})
	now := time.Now()
	for i, n := range []string{"vecchio.txt", "nuovo.txt", "medio.txt", "medio-bis.txt"} {
		got, err := f.Create("moduli", n, []byte(n))
		must(t, err)
		at := now.Add(-time.Duration([]int{3, 1, 2, 2}[i]) * time.Hour)
		must(t, os.Chtimes(filepath.Join(f.Path(), "moduli", got), at, at))
	}
	// Not listed: hidden files, unsafe names, uploads in progress, directories.
	for _, n := range []string{".nascosto", "due:punti.txt", tmpPrefix + "abc"} {
		must(t, os.WriteFile(filepath.Join(f.Path(), "moduli", n), []byte("x"), 0o600))
	}
	must(t, os.Mkdir(filepath.Join(f.Path(), "moduli", "sotto"), 0o700))
	list, err := f.List("moduli")
	must(t, err)
	var names []string
	for _, e := range list {
		names = append(names, e.Name)
	}
	if want := []string{"nuovo.txt", "medio-bis.txt", "medio.txt", "vecchio.txt"}; !slices.Equal(names, want) {
		t.Errorf("List = %v, want %v", names, want)
	}
	if list[0].Size != int64(len("nuovo.txt")) {
		t.Errorf("size %d", list[0].Size)
	}
}

func TestUploadsLeftBehind(t *testing.T) {
	root := t.TempDir()
	s, err := New(root)
	must(t, err)
	f, err := s.Comune("G224")
	must(t, err)
	// An interrupted upload leaves nothing.
	u, err := f.NewUpload("foto", "a.jpg")
	must(t, err)
	_, err = u.WriteAt([]byte("metà"), 0)
	must(t, err)
	u.Fail(errors.New("connessione persa"))
	if _, err := u.Commit(); err == nil || !strings.Contains(err.Error(), "interrotto") {
		t.Errorf("Commit after Fail: %v", err)
	}
	u.Abort() // after Commit: nothing
	// What a killed process left: removed by the next process's store, unless recent.
	foto := filepath.Join(f.Path(), "foto")
	old, fresh := filepath.Join(foto, tmpPrefix+"vecchio"), filepath.Join(foto, tmpPrefix+"recente")
	must(t, os.WriteFile(old, []byte("x"), 0o600))
	must(t, os.WriteFile(fresh, []byte("x"), 0o600))
	at := time.Now().Add(-2 * staleUpload)
	must(t, os.Chtimes(old, at, at))
	s2, err := New(root)
	must(t, err)
	_, err = s2.Comune("G224")
	must(t, err)
	if _, err := os.Lstat(old); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("stale upload kept: %v", err)
	}
	if _, err := os.Lstat(fresh); err != nil {
		t.Errorf("recent upload removed: %v", err)
	}
}

func TestConcurrentCreate(t *testing.T) {
	_, f, _ := setup(t, Limits{})
	var wg sync.WaitGroup
	names := make([]string, 8)
	for i := range names {
		wg.Go(func() {
			n, err := f.Create("stampe", "lettera.pdf", []byte{byte(i)})
			if err != nil {
				t.Error(err)
			}
			names[i] = n
		})
	}
	wg.Wait()
	slices.Sort(names)
	if len(slices.Compact(names)) != 8 {
		t.Errorf("names %v: two uploads got the same name", names)
	}
}

func TestBytes(t *testing.T) {
	for n, want := range map[int64]string{0: "0 byte", 1023: "1023 byte", 1024: "1 KB", 1536: "1,5 KB", 32 << 20: "32 MB", 1 << 30: "1 GB"} {
		if got := Bytes(n); got != want {
			t.Errorf("Bytes(%d) = %q, want %q", n, got, want)
		}
	}
}
