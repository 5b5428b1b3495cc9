package inbox_test

import (
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vivipass/service"
	"vivipass/tui/tuitest"
)

// Issue 12, point 3: a PEC attachment named "../../../../root/.ssh/authorized_keys"
// (and one named plainly "authorized_keys", where a link to the server's
// authorized_keys was planted in allegati/) is saved with s into the comune's
// allegati/ only, under a plain name: nothing is written outside the folder, nothing
// through the link, no .ssh folder anywhere.
func TestAttachmentNamedAsAPathStaysInAllegati(t *testing.T) {
	f := newFixture(t, "mario")
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "pec", "parse", "testdata", "nomi-pericolosi.eml"))
	if err != nil {
		t.Fatal(err)
	}
	msg := strings.Replace(string(raw), `filename="../../etc/passwd"`, `filename="../../../../root/.ssh/authorized_keys"`, 1)
	msg = strings.Replace(msg, `filename="C:\\evil\\x.exe"`, `filename="authorized_keys"`, 1)
	if msg == string(raw) || !strings.Contains(msg, `filename="authorized_keys"`) {
		t.Fatal("the sample changed: the hostile names were not put in")
	}
	f.mem.Seed("INBOX", []byte(msg))
	if rep, err := f.svc.PECSync(context.Background(), sys, "L736", service.PECSyncOptions{}); err != nil || rep.New != 1 {
		t.Fatalf("sync: %+v %v", rep, err)
	}

	folder, err := tuitest.Files(t).Comune("L736")
	if err != nil {
		t.Fatal(err)
	}
	server := t.TempDir()
	keys := filepath.Join(server, "authorized_keys")
	if err := os.WriteFile(keys, []byte("ssh-ed25519 AAAA originale\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	allegati := filepath.Join(folder.Path(), "allegati")
	if err := os.Symlink(keys, filepath.Join(allegati, "authorized_keys")); err != nil {
		t.Fatal(err)
	}

	it := f.item("VV-2026-000912")
	atts, err := f.svc.PECAttachments(sys, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.open(it.ID)
	f.key("s")
	f.see("saved", "Salvati in allegati/:")
	entries, err := folder.List("allegati")
	if err != nil || len(entries) != len(atts) {
		t.Fatalf("%d files in allegati/ (%v), want %d", len(entries), err, len(atts))
	}
	names := map[string]bool{}
	for _, e := range entries {
		names[e.Name] = true
		if e.Name == "authorized_keys" || strings.Contains(e.Name, "/") {
			t.Errorf("saved as %q", e.Name)
		}
	}
	// Both reduced to "authorized_keys", taken by the link: new names beside it.
	if !names["authorized_keys-1"] || !names["authorized_keys-2"] {
		t.Errorf("saved as %v, want authorized_keys-1 and -2 beside the link", names)
	}
	if got, _ := os.ReadFile(keys); string(got) != "ssh-ed25519 AAAA originale\n" {
		t.Errorf("written through the link: %q", got)
	}
	if err := filepath.WalkDir(filepath.Dir(tuitest.Files(t).Base()), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Name() == ".ssh" {
			t.Errorf("created %s", p)
		}
		if d.Type().IsRegular() && filepath.Dir(p) != allegati {
			t.Errorf("written outside allegati/: %s", p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}
