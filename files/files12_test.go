//go:build linux

package files

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// issue 12.2: procfs says a file has 0 bytes and gives more: the size the system
// reports never decides alone, the reading is bounded.
func TestReadBoundDoesNotTrustTheSize(t *testing.T) {
	p, err := os.Open("/proc/self/maps")
	must(t, err)
	defer p.Close()
	st, err := p.Stat()
	must(t, err)
	if st.Size() != 0 {
		t.Fatalf("/proc/self/maps says %d bytes: the premise of the test (procfs says 0) does not hold", st.Size())
	}
	_, err = readAtMost(p, "moduli", Entry{Name: "maps", Size: st.Size()}, 64)
	if !errors.Is(err, ErrTooLarge) || !strings.Contains(err.Error(), "moduli/maps") {
		t.Errorf("procfs file of size 0 read past 64 bytes: %v", err)
	}
	// A file that grew after its size was read: the same.
	_, err = readAtMost(strings.NewReader(strings.Repeat("x", 2000)), "import", Entry{Name: "cresce.csv", Size: 10}, 1000)
	if !errors.Is(err, ErrTooLarge) {
		t.Errorf("a file longer than its size: %v", err)
	}
	data, err := readAtMost(strings.NewReader("abc"), "import", Entry{Name: "ok.csv", Size: 0}, 3)
	if err != nil || string(data) != "abc" {
		t.Errorf("a file of exactly the limit: %q, %v", data, err)
	}
}

// issue 12.2: links planted in a comune's folder towards /proc/self/environ (the
// server's secrets in its environment), another comune's file, another comune's
// subfolder: nothing reads through them, nothing writes through them.
func TestLinksToServerAndOtherComuniRefused(t *testing.T) {
	s, venezia, _ := setup(t, Limits{})
	padova, err := s.Comune("G224")
	must(t, err)
	_, err = padova.Create("moduli", "riservato.txt", []byte("di Padova"))
	must(t, err)
	for name, target := range map[string]string{
		"environ.txt": "/proc/self/environ",
		"padova.txt":  filepath.Join(padova.Path(), "moduli", "riservato.txt"),
		"rel.txt":     "../../G224/moduli/riservato.txt",
	} {
		must(t, os.Symlink(target, filepath.Join(venezia.Path(), "moduli", name)))
		if data, err := venezia.Read("moduli", name, 0); err == nil || !errors.Is(err, fs.ErrPermission) {
			t.Errorf("Read(%s): %q, %v", name, data, err)
		}
		if f, _, err := venezia.Open("moduli", name); err == nil {
			f.Close()
			t.Errorf("Open(%s) opened it", name)
		}
		got, err := venezia.Create("moduli", name, []byte("sovrascritto"))
		if err != nil || got == name {
			t.Errorf("Create(%s) = %q, %v: want a new name beside the link", name, got, err)
		}
	}
	if list, _ := venezia.List("moduli"); len(list) != 3 {
		t.Errorf("List shows %+v, want only the three files Create made", list)
	}
	// Venezia's moduli/ swapped for a link to Padova's.
	must(t, os.RemoveAll(filepath.Join(venezia.Path(), "moduli")))
	must(t, os.Symlink(filepath.Join(padova.Path(), "moduli"), filepath.Join(venezia.Path(), "moduli")))
	if _, err := venezia.List("moduli"); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("List through a link to Padova's folder: %v", err)
	}
	if data, err := venezia.Read("moduli", "riservato.txt", 0); err == nil {
		t.Errorf("Read through a link to Padova's folder: %q", data)
	}
	if _, err := venezia.Create("moduli", "x.txt", []byte("x")); !errors.Is(err, fs.ErrPermission) {
		t.Errorf("Create through a link to Padova's folder: %v", err)
	}
	if got, _ := padova.Read("moduli", "riservato.txt", 0); string(got) != "di Padova" {
		t.Errorf("Padova's file: %q", got)
	}
	if list, _ := padova.List("moduli"); len(list) != 1 {
		t.Errorf("Padova's moduli/: %+v", list)
	}
}
