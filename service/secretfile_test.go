package service

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vivipass/store"
)

// TestPasswordFileMode (issue 12.6): at each read (a PEC connection, a send to the
// national platform) a password file the group or other users may read is refused,
// saying which file and the command that fixes it; at 0600 (or 0400) it is read.
func TestPasswordFileMode(t *testing.T) {
	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte("segreta\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for mode, who := range map[os.FileMode]string{0o644: "dagli altri utenti", 0o604: "dagli altri utenti", 0o640: "dal gruppo"} {
		if err := os.Chmod(pw, mode); err != nil {
			t.Fatal(err)
		}
		_, perr := readPasswordFile(pw)
		_, nerr := nationalPassword(store.NationalConfig{Comune: "L736", PasswordFile: pw})
		for _, err := range []error{perr, nerr} {
			if err == nil {
				t.Fatalf("mode %o: read", mode)
			}
			for _, want := range []string{"il file della password " + pw + " è leggibile " + who, "rifiutato", "chmod 600 " + pw} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("mode %o: %q does not say %q", mode, err, want)
				}
			}
		}
	}
	for _, mode := range []os.FileMode{0o600, 0o400} {
		if err := os.Chmod(pw, mode); err != nil {
			t.Fatal(err)
		}
		if p, err := readPasswordFile(pw); err != nil || p != "segreta" {
			t.Errorf("mode %o: PEC %q %v", mode, p, err)
		}
		if p, err := nationalPassword(store.NationalConfig{Comune: "L736", PasswordFile: pw}); err != nil || p != "segreta" {
			t.Errorf("mode %o: national %q %v", mode, p, err)
		}
	}
	if _, err := readPasswordFile(filepath.Dir(pw)); err == nil || !strings.Contains(err.Error(), "non è un file ordinario") {
		t.Errorf("a folder as password file: %v", err)
	}
}
