package print_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vivipass/tui/tuitest"
)

// Issue 12, points 2 and 3: Gestione moduli as an attacker at the desk. Import offers
// and reads only regular files of the comune's moduli/: links planted there (to
// /proc/self/environ, to a password file of the server, to another comune's folder)
// are neither offered nor followed, and a path typed names nothing. Export writes only
// into moduli/, under a safe name: "../.ssh/authorized_keys" and an absolute path are
// plain names there, and a link planted under the chosen name is never written through.
func TestTemplateFilesStayInModuli(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	d := newDesk(t, svc, "admin") // Venezia's administrator
	moduli := filepath.Join(filepath.Dir(d.stampe), "moduli")
	base := tuitest.Files(t).Base()

	// What the attacker is after: a password file of the server, an authorized_keys
	// to plant a key in, Padova's own template.
	server := t.TempDir()
	password := filepath.Join(server, "pec-G224.password")
	keys := filepath.Join(server, "authorized_keys")
	for p, data := range map[string]string{password: "Pw-Padova-segreta", keys: "ssh-ed25519 AAAA originale"} {
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	padova, err := tuitest.Files(t).Comune("G224")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := padova.Create("moduli", "segreto.txt", []byte("modulo riservato di Padova")); err != nil {
		t.Fatal(err)
	}
	for name, target := range map[string]string{
		"environ.txt":     "/proc/self/environ",
		"password.txt":    password,
		"padova.txt":      filepath.Join(padova.Path(), "moduli", "segreto.txt"),
		"relativo.txt":    "../../G224/moduli/segreto.txt",
		"authorized_keys": keys,
	} {
		if err := os.Symlink(target, filepath.Join(moduli, name)); err != nil {
			t.Fatal(err)
		}
	}

	// Import: nothing to choose, and a path typed in the list is no file.
	d.keys("f4", "5")
	d.shows("Amministrazione › Gestione moduli")
	d.keys("i")
	s := d.shows("File del modulo", "La cartella moduli/ del comune è vuota")
	for _, name := range []string{"environ", "password", "padova", "relativo", "authorized_keys"} {
		if strings.Contains(s, name) {
			t.Errorf("import offers %s:\n%s", name, s)
		}
	}
	d.typeText("../../x")
	d.keys("enter")
	s = d.shows("nessun file da scegliere in moduli/")
	for _, leak := range []string{"Pw-Padova", "riservato", "VIVIPASS_", "PATH="} {
		if strings.Contains(s, leak) {
			t.Errorf("import shows %q:\n%s", leak, s)
		}
	}
	d.keys("esc")
	d.shows("Uscire senza salvare?")
	d.keys("s")
	if s := d.screen(); strings.Contains(s, "Gestione moduli: importa") || strings.Contains(s, "Gestione moduli › Modulo") {
		t.Fatalf("the import is still open, or opened a template:\n%s", s)
	}

	// Export under hostile names: each lands in moduli/ under a plain name.
	for _, c := range []struct{ typed, saved string }{
		{"../.ssh/authorized_keys", "_.ssh_authorized_keys"},
		{"/root/.ssh/authorized_keys", "_root_.ssh_authorized_keys"},
		{"../../G224/moduli/segreto.txt", "_.._G224_moduli_segreto.txt"},
		{"authorized_keys", "authorized_keys-1"}, // the planted link keeps its name
	} {
		d.events()
		d.keys("e")
		d.shows("Esporta il modulo", "Nome del file")
		d.clearAndType(c.typed)
		d.keys("enter")
		d.shows("esportato in moduli/" + c.saved)
		if st, err := os.Lstat(filepath.Join(moduli, c.saved)); err != nil || !st.Mode().IsRegular() {
			t.Errorf("export as %q: moduli/%s %v %v", c.typed, c.saved, st, err)
		}
	}
	// Nothing written outside moduli/: no .ssh anywhere, the targets unchanged.
	if err := filepath.WalkDir(filepath.Dir(base), func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if e.Name() == ".ssh" {
			t.Errorf("created %s", p)
		}
		if !e.IsDir() && e.Type().IsRegular() && filepath.Dir(p) != moduli && !strings.HasPrefix(p, padova.Path()) &&
			!strings.HasPrefix(p, filepath.Join(filepath.Dir(moduli), "stampe")) {
			t.Errorf("written outside moduli/: %s", p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	for p, want := range map[string]string{password: "Pw-Padova-segreta", keys: "ssh-ed25519 AAAA originale"} {
		if got := string(mustRead(t, p)); got != want {
			t.Errorf("%s changed: %q", p, got)
		}
	}
	if got, _ := padova.Read("moduli", "segreto.txt", 0); string(got) != "modulo riservato di Padova" {
		t.Errorf("Padova's template changed: %q", got)
	}
	if l, _ := padova.List("moduli"); len(l) != 1 {
		t.Errorf("Padova's moduli/: %+v", l)
	}
}
