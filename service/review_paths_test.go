package service_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"vivipass/domain"
	"vivipass/files"
	"vivipass/printing"
	"vivipass/service"
)

// A path typed in an operator's session is not trusted: printing to a "file PDF sul
// server" never replaces a file that is already there. Without this an operator of
// Padova, printing a card of her own comune, could overwrite Venezia's PEC password
// file or the region's register itself (the rename left the live database on an
// unlinked inode: every comune's data gone at the next restart). Issue 12.3: a session
// writes no path of the server at all, not even a new file (an authorized_keys, a file
// in another comune's folder): only its comune's stampe/.
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
	out := filepath.Join(t.TempDir(), "carta.pdf")
	keys := filepath.Join(t.TempDir(), ".ssh", "authorized_keys")
	if err := os.MkdirAll(filepath.Dir(keys), 0o700); err != nil {
		t.Fatal(err)
	}
	for _, target := range []string{secret, register, out, keys} {
		_, err := e.s.Deliver(context.Background(), giulia, doc, service.Target{File: target})
		wantErr(t, "giulia prints to "+target, err, "cartella stampe/ del comune", "riga di comando")
	}
	if b, _ := os.ReadFile(secret); string(b) != "segreto-di-venezia\n" {
		t.Errorf("Venezia's password file now holds %d bytes of a PDF", len(b))
	}
	if b, _ := os.ReadFile(register); !bytes.Equal(b, before) {
		t.Errorf("the register file was replaced (%d bytes, was %d)", len(b), len(before))
	}
	for _, p := range []string{out, keys} {
		if _, err := os.Lstat(p); err == nil {
			t.Errorf("a session created %s", p)
		}
	}
	if h := e.get(giulia, p.ID).History; len(h) != history {
		t.Errorf("a refused print is in the history: %+v", h[len(h)-1])
	}
	left, _ := filepath.Glob(filepath.Join(e.dir, ".vivipass-*"))
	if len(left) != 0 {
		t.Errorf("temporary files left behind: %v", left)
	}
	// Nor into another comune's folder.
	store, err := files.New(filepath.Join(e.dir, "file"))
	if err != nil {
		t.Fatal(err)
	}
	venezia, err := store.Comune("L736")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Deliver(context.Background(), giulia, doc, service.Target{Folder: venezia, Name: "carta"}); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("giulia prints into Venezia's stampe/: %v", err)
	}
	if l, _ := venezia.List("stampe"); len(l) != 0 {
		t.Errorf("Venezia's stampe/: %+v", l)
	}

	// The command line's paths are the administrator's: `vivipass print --out` writes
	// and may replace its own earlier output.
	for range 2 {
		if _, err := e.s.Deliver(context.Background(), admin, doc, service.Target{File: out}); err != nil {
			t.Errorf("the administrator writes a PDF: %v", err)
		}
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, doc.PDF) {
		t.Errorf("the administrator's PDF: %d bytes", len(b))
	}
}

// Home counts passes as the list shows them: a suspension dated in the future leaves the
// pass active until that date (it used to count as sospeso at once).
func TestCountsFutureSuspension(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t)).Pass
	before, err := e.s.Counts(mario)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.SuspendPass(mario, service.Change{PassID: p.ID}, e.s.Today().AddDays(10), "verifica programmata"); err != nil {
		t.Fatal(err)
	}
	after, err := e.s.Counts(mario)
	if err != nil {
		t.Fatal(err)
	}
	if after[domain.Sospeso] != before[domain.Sospeso] || after[domain.Attivo]+after[domain.InScadenza] != before[domain.Attivo]+before[domain.InScadenza] {
		t.Fatalf("counts before %v, after a suspension from in 10 days %v", before, after)
	}
	res, err := e.s.Search(mario, service.Query{States: []domain.State{domain.Attivo, domain.InScadenza}})
	if err != nil || len(res.Rows) != after[domain.Attivo]+after[domain.InScadenza] {
		t.Fatalf("the list shows %d active, the counts %v (%v)", len(res.Rows), after, err)
	}
}

// A deaths file that names a holder twice marks them once; twice with different dates is
// an error of the later line, and nothing is written.
func TestImportDeceasedRepeatedLines(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t)).Pass
	day := e.s.Today().AddDays(-3).String()
	rep, err := e.s.ImportDeceased(mario, []byte(p.HolderCF+";"+day+"\n"+p.HolderCF+";"+day+"\n"))
	if err != nil || rep.Marked != 1 || rep.Revoked != 1 {
		t.Fatalf("the same line twice: %+v %v", rep, err)
	}
	e2 := newEnv(t)
	p2 := e2.issue(mario, rossi(t)).Pass
	rep, err = e2.s.ImportDeceased(mario, []byte(p2.HolderCF+";"+day+"\n"+p2.HolderCF+";"+e2.s.Today().AddDays(-5).String()+"\n"))
	if err == nil || len(rep.Errors) != 1 || rep.Errors[0].Line != 2 || rep.Marked != 0 {
		t.Fatalf("two dates for one holder: %+v %v", rep, err)
	}
	if v, _ := e2.s.GetPass(mario, p2.ID); v.Pass.State != domain.Attivo {
		t.Fatalf("written despite the error: %s", v.Pass.State)
	}
}
