package files

import (
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestModesWhateverUmask (issue 12.6): with umask 000 a comune's folders are created
// 0700 and its files 0600; a base folder that exists keeps its mode (a shared 1777
// folder stays 1777).
func TestModesWhateverUmask(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	root := t.TempDir()
	shared := filepath.Join(root, "condivisa")
	if err := os.Mkdir(shared, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(shared, 0o777|fs.ModeSticky); err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{shared, filepath.Join(root, "nuova", "file")} {
		s, err := New(base)
		if err != nil {
			t.Fatal(err)
		}
		f, err := s.Comune("L736")
		if err != nil {
			t.Fatal(err)
		}
		name, err := f.Create("stampe", "carta.pdf", []byte("%PDF-1.7"))
		if err != nil {
			t.Fatal(err)
		}
		u, err := f.NewUpload("foto", "ritratto.jpg")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := u.WriteAt([]byte("jpeg"), 0); err != nil {
			t.Fatal(err)
		}
		photo, err := u.Commit()
		if err != nil {
			t.Fatal(err)
		}
		want := map[string]fs.FileMode{
			f.Path():                                fs.ModeDir | 0o700,
			filepath.Join(f.Path(), "stampe", name): 0o600,
			filepath.Join(f.Path(), "foto", photo):  0o600,
			filepath.Join(f.Path(), "import"):       fs.ModeDir | 0o700,
			shared:                                  fs.ModeDir | fs.ModeSticky | 0o777,
		}
		if base != shared {
			want[base] = fs.ModeDir | 0o700
			want[filepath.Join(root, "nuova")] = fs.ModeDir | 0o700
		}
		for p, m := range want {
			fi, err := os.Stat(p)
			if err != nil {
				t.Errorf("%s: %v", p, err)
			} else if fi.Mode() != m {
				t.Errorf("%s: mode %v, want %v", p, fi.Mode(), m)
			}
		}
	}
}
