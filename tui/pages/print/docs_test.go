package print_test

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"vivipass/tui/tuitest"

	"vivipass/printing/printtest"
)

// Moduli from the scheda: the ricevuta di consegna (preselected) into a PDF file on the
// server; then the autorizzazione. A4 pages with the pass's data.
func TestModulesToFile(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	d := newDesk(t, svc, "mario")
	v := passBy(t, svc, d.a, "ROSSI M")
	d.openPass("ROSSI M")
	d.keys("l")
	d.shows("Moduli per il contrassegno "+v.Pass.Number, "> Ricevuta di consegna", "Autorizzazione", "> file PDF nella cartella stampe/")
	d.fits()
	dir := d.stampe
	d.keys("enter", "enter")
	d.keys("enter") // the name left empty: the document's own
	file := filepath.Join(dir, "ricevuta-"+v.Pass.Number+".pdf")
	d.shows("Modulo «Ricevuta di consegna", "salvato in", filepath.Base(file), "invio per un altro modulo")
	info := printtest.PDFInfoFile(t, file)
	if math.Abs(info.W-210) > 0.5 || math.Abs(info.H-297) > 0.5 {
		t.Errorf("ricevuta: %.1f × %.1f mm, want A4", info.W, info.H)
	}
	if text := printtest.Text(t, mustRead(t, file)); !strings.Contains(text, "RICEVUTA DI CONSEGNA") || !strings.Contains(text, v.Pass.Number) {
		t.Errorf("ricevuta text:\n%s", text)
	}
	// Another: the autorizzazione (first in the list), to a file named by the operator.
	d.keys("enter")
	d.shows("Modulo")
	d.keys("up", "up", "enter", "enter")
	d.clearAndType("aut")
	d.keys("enter")
	d.shows("Modulo «Autorizzazione", "aut.pdf")
	if text := printtest.Text(t, mustRead(t, filepath.Join(dir, "aut.pdf"))); !strings.Contains(text, "ROSSI") {
		t.Errorf("autorizzazione text:\n%s", text)
	}
	// The same name again never replaces the file: the new one is aut-1.pdf; a name
	// that tries to leave the folder stays in it.
	d.keys("enter", "enter", "enter")
	d.clearAndType("aut.pdf")
	d.keys("enter")
	d.shows("aut-1.pdf")
	if text := printtest.Text(t, mustRead(t, filepath.Join(dir, "aut.pdf"))); !strings.Contains(text, "ROSSI") {
		t.Error("aut.pdf was replaced")
	}
	d.keys("enter", "enter", "enter")
	d.clearAndType("../../../../tmp/fuori.pdf")
	d.keys("enter")
	d.shows("Modulo «Autorizzazione", "salvato in")
	if _, err := os.Stat("/tmp/fuori.pdf"); err == nil {
		t.Error("a PDF was written outside stampe/")
	}
	d.keys("esc")
	d.shows("Storico")
}

// The reminder letters from Home (p): N starts at the comune's alert days; the letters
// of every pass expiring within N days in one PDF, and how many.
func TestReminders(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	d := newDesk(t, svc, "mario")
	d.shows("p promemoria")
	d.keys("p")
	alert, err := svc.Expiring(d.a, 60)
	if err != nil {
		t.Fatal(err)
	}
	d.shows(fmt.Sprintf("Oggi %d contrassegn", len(alert)), "entro 60 giorni (il preavviso del comune)", "Scadenza entro (giorni) > 60")
	d.fits()
	rows, err := svc.Expiring(d.a, 400)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) < 2 {
		t.Fatalf("the demo has %d passes expiring within 400 days: the test wants more than one", len(rows))
	}
	dir := d.stampe
	d.clearAndType("400")
	d.keys("enter", "enter")
	d.keys("enter") // the document's own name
	file := filepath.Join(dir, "promemoria-entro-400-giorni-2026-11-26.pdf")
	d.shows(fmt.Sprintf("%d lettere di promemoria (contrassegni in scadenza entro 400 giorni) salvate in", len(rows)), filepath.Base(file))
	pdf := mustRead(t, file)
	text := printtest.Text(t, pdf)
	for _, r := range rows {
		if !strings.Contains(text, r.Number) {
			t.Errorf("no letter for %s", r.Number)
		}
	}
	if info := printtest.PDFInfoFile(t, file); info.Pages < len(rows) || math.Abs(info.W-210) > 0.5 {
		t.Errorf("%d pages of %.1f mm for %d letters", info.Pages, info.W, len(rows))
	}
	// None within 0 days: said, nothing written.
	d.keys("enter")
	d.clearAndType("0")
	d.keys("enter", "enter", "enter")
	d.shows("Errore: nessun contrassegno scade entro 0 giorni")
	// A number that is not one.
	d.keys("shift+tab", "shift+tab")
	d.clearAndType("abc")
	d.keys("enter")
	d.shows("giorni: un numero da 0 a 3660")
}
