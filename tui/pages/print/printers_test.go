package print_test

import (
	"math"
	"path/filepath"
	"testing"
	"time"

	"vivipass/printing/printtest"
	"vivipass/tui/components/formkit"
	"vivipass/tui/tuitest"
)

// Stampanti: a queue added with its calibration offsets and duplex, its calibration
// page written to a file (a card-size page), the queue made the administrator's
// printer and the comune's; then Stampa proposes it with its offsets.
func TestPrinters(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	d := newDesk(t, svc, "admin")
	d.keys("f4", "6")
	d.shows("Amministrazione › Stampanti", "La tua stampante: nessuna", "Nessuna stampante configurata")
	d.keys("n")
	d.shows("Nuova stampante", "Coda CUPS", "Correzione X (mm, + a destra)", "Fronte-retro")
	d.fits()
	d.typeText("DESK 1")
	d.keys("enter")
	d.shows("nome della coda di stampa \"DESK 1\" non valido")
	d.keys("backspace", "backspace")
	d.typeText("1")
	d.keys("enter")
	d.typeText("Sportello 1")
	d.keys("enter")
	d.clearAndType("1,5")
	d.keys("enter")
	d.clearAndType("40")
	d.keys("enter")
	d.shows("correzione fuori intervallo: al massimo ±30 mm")
	d.clearAndType("-0.5")
	d.keys("enter", "down", "enter")
	d.shows("Stampante DESK1 salvata", "> DESK1 Sportel… +1,5   −0,5   automatico, lato lungo")
	ps, err := svc.Printers(d.a)
	if err != nil || len(ps) != 1 || ps[0].OffsetX != 1.5 || ps[0].OffsetY != -0.5 || ps[0].Duplex != "two-sided-long-edge" {
		t.Fatalf("printers %+v %v", ps, err)
	}

	// The calibration page into a file: a page of the card's size.
	dir := d.stampe
	d.keys("c")
	d.shows("Pagina di calibrazione per DESK1", "X +1,5 mm, Y −0,5 mm", "> stampante DESK1")
	d.keys("down", "enter")
	d.keys("enter") // the document's own name
	d.shows("Pagina di calibrazione per DESK1: salvato in", "Misurare dove cadono i mirini")
	info := printtest.PDFInfoFile(t, filepath.Join(dir, "calibrazione-DESK1.pdf"))
	if info.Pages != 1 || math.Abs(info.W-148) > 0.5 || math.Abs(info.H-106) > 0.5 {
		t.Errorf("calibration page: %d pages of %.1f × %.1f mm", info.Pages, info.W, info.H)
	}

	// The administrator's printer, then the comune's (for mario, who has none).
	d.keys("p")
	d.shows("Stampante predefinita: DESK1", "> te (admin)", "operatore mario (ora: nessuna)", "tutto il comune")
	d.keys("enter")
	d.shows("DESK1 è la stampante di admin.", "La tua stampante: DESK1")
	if q, _ := svc.PrinterFor(d.a); q != "DESK1" {
		t.Errorf("PrinterFor(admin) = %q", q)
	}
	d.keys("p", "down", "down", "enter")
	d.shows("DESK1 è la stampante predefinita del comune.", "admin, comune")
	m := newDesk(t, svc, "mario")
	if q, _ := svc.PrinterFor(m.a); q != "DESK1" {
		t.Errorf("PrinterFor(mario) = %q", q)
	}

	// Delete: asked first.
	d.keys("x")
	d.shows("Eliminare le impostazioni della stampante DESK1?")
	d.keys("s")
	d.shows("Impostazioni della stampante DESK1 eliminate.", "Nessuna stampante configurata")
}

// Issue 3: no redraws on a timer. The editor's text area, the printing forms and the
// preview send nothing while no key is pressed (a blinking cursor would).
func TestIdle(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	cases := []struct {
		name, user string
		keys       []string
		typed      string
		shows      string
	}{
		{"editor", "admin", []string{"f4", "5", "down", "down", "enter", "tab"}, "x", "Tag (invio inserisce)"},
		{"nuovo modulo", "admin", []string{"f4", "5", "n"}, "a", "Nome a"},
		{"stampa", "mario", []string{"f2", "R", "O", "S", "S", "I", " ", "M", "enter", "k", "enter", "enter"}, "x", "Nome del file PDF"},
		{"anteprima", "mario", []string{"f2", "R", "O", "S", "S", "I", " ", "M", "enter", "k", "enter", "enter", "enter"}, "tab", "┌─ Retro"},
		{"promemoria", "mario", []string{"p"}, "1", "Scadenza entro (giorni)"},
		{"stampanti", "admin", []string{"f4", "6", "n"}, "Q", "Coda CUPS"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			d := newDesk(t, svc, c.user)
			d.keys(c.keys...)
			late := tuitest.Idle(d.m, nil, 1200*time.Millisecond, tuitest.Key(c.typed))
			for _, msg := range late {
				what := "a message"
				if formkit.IsBlink(msg) {
					what = "a cursor blink"
				}
				t.Errorf("%s while idle: %#v", what, msg)
			}
			d.shows(c.shows)
		})
	}
}
