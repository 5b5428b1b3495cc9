package service_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"vivipass/printing"
	"vivipass/service"
)

// A path typed in an operator's session is not trusted: printing to a "file PDF sul
// server" never replaces a file that is already there. Without this an operator of
// Padova, printing a card of her own comune, could overwrite Venezia's PEC password
// file or the region's register itself (the rename left the live database on an
// unlinked inode: every comune's data gone at the next restart).
func TestOperatorPrintNeverReplacesAFile(t *testing.T) {
	e := newEnv(t)
	p := e.issue(giulia, verdi(t)).Pass
	doc, err := e.s.CardDocument(giulia, p.ID, printing.ModeFronte, "")
	if err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(e.dir, "pec-L736.password")
	if err := os.WriteFile(secret, []byte("segreto-di-venezia\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	register := filepath.Join(e.dir, "vivipass.db")
	before, err := os.ReadFile(register)
	if err != nil {
		t.Fatal(err)
	}
	history := len(e.get(giulia, p.ID).History)
	for _, target := range []string{secret, register} {
		_, err := e.s.Deliver(context.Background(), giulia, doc, service.Target{File: target})
		wantErr(t, "giulia prints over "+filepath.Base(target), err, "esiste già", "non viene sovrascritto")
	}
	if b, _ := os.ReadFile(secret); string(b) != "segreto-di-venezia\n" {
		t.Errorf("Venezia's password file now holds %d bytes of a PDF", len(b))
	}
	if b, _ := os.ReadFile(register); !bytes.Equal(b, before) {
		t.Errorf("the register file was replaced (%d bytes, was %d)", len(b), len(before))
	}
	if h := e.get(giulia, p.ID).History; len(h) != history {
		t.Errorf("a refused print is in the history: %+v", h[len(h)-1])
	}
	left, _ := filepath.Glob(filepath.Join(e.dir, ".vivipass-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}

	// A new file is written as before; the same name again is refused, the first kept.
	out := filepath.Join(t.TempDir(), "carta.pdf")
	if _, err := e.s.Deliver(context.Background(), giulia, doc, service.Target{File: out}); err != nil {
		t.Fatal(err)
	}
	_, err = e.s.Deliver(context.Background(), giulia, doc, service.Target{File: out})
	wantErr(t, "the same file twice", err, "esiste già")
	if b, _ := os.ReadFile(out); !bytes.Equal(b, doc.PDF) {
		t.Errorf("the first PDF was lost (%d bytes)", len(b))
	}

	// The command line's paths are the administrator's: `vivipass print --out` may
	// replace its own earlier output.
	if _, err := e.s.Deliver(context.Background(), admin, doc, service.Target{File: out}); err != nil {
		t.Errorf("the administrator replaces a PDF: %v", err)
	}
}
