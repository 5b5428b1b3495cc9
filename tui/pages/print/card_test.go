package print_test

import (
	"math"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"vivipass/tui/tuitest"

	"vivipass/printing"
	"vivipass/printing/printtest"
	"vivipass/service"
)

// Stampa from the scheda of a duplicate into a PDF file on the server: the form (mode,
// printer), the preview with the number, the expiry and DUPLICATO in their boxes, the
// confirmation, the outcome; the file is a card of 148×106 mm with two pages, and the
// print is in the pass's history.
func TestCardToFile(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	d := newDesk(t, svc, "mario")
	v := passBy(t, svc, d.a, "BIANCHI")
	if !v.Pass.Duplicate {
		t.Fatalf("the demo's BIANCHI is no longer a duplicate: %+v", v.Pass)
	}
	d.openPass("BIA")
	d.shows("k stampa")
	d.keys("k")
	d.shows("Stampa del contrassegno "+v.Pass.Number, "Modalità", "> fronte-retro", "> file PDF nella cartella stampe/")
	d.fits()
	dir := d.stampe
	d.keys("enter", "enter") // mode (fronte-retro), destination (no printer: the file)
	d.shows("Nome del file PDF", "cartella stampe/")
	d.keys("enter") // empty: the document's own name
	file := filepath.Join(dir, "contrassegno-"+v.Pass.Number+"-fronte-retro.pdf")
	s := d.shows("┌─ Fronte", "["+v.Pass.Number, "["+v.Pass.DataScadenza.String(), "Destinazione: file stampe/",
		"invio stampa", "tab: retro", "│  QR")
	if !regexp.MustCompile(`│ *\[ *DUPLICATO *\] *│`).MatchString(s) {
		t.Errorf("no DUPLICATO box inside the card:\n%s", s)
	}
	d.fits()
	if _, err := os.Stat(file); err == nil {
		t.Fatal("the file exists before the confirmation")
	}
	d.keys("tab")
	d.shows("┌─ Retro", "[BIANCHI", "[GIOVANNA", "│no foto│", "firma")
	d.keys("enter")
	d.shows("Fatto: salvato in", filepath.Base(file))
	info := printtest.PDFInfoFile(t, file)
	if info.Pages != 2 || math.Abs(info.W-148) > 0.5 || math.Abs(info.H-106) > 0.5 {
		t.Errorf("%s: %d pages of %.1f × %.1f mm, want 2 of 148 × 106", file, info.Pages, info.W, info.H)
	}
	if !strings.Contains(printtest.Text(t, mustRead(t, file)), "DUPLICATO") {
		t.Error("the duplicate's card lacks DUPLICATO")
	}
	h := passBy(t, svc, d.a, "BIANCHI").History
	if last := h[len(h)-1]; last.Action != "stampa" || !strings.Contains(last.Detail, "contrassegno fronte-retro nel file") || last.Operator != "mario" {
		t.Errorf("history: %+v", last)
	}

	// m goes back to the choices: fronte only, into a file named by the operator.
	d.keys("m")
	d.shows("Modalità")
	d.keys("up", "up", "enter", "enter")
	d.clearAndType("solo-fronte")
	d.keys("enter")
	d.shows("Modalità fronte ·", "┌─ Fronte")
	if strings.Contains(d.screen(), "tab: retro") {
		t.Error("fronte only: the preview offers the retro")
	}
	d.keys("enter")
	d.shows("Fatto: salvato in", "solo-fronte.pdf")
	if info := printtest.PDFInfoFile(t, filepath.Join(dir, "solo-fronte.pdf")); info.Pages != 1 {
		t.Errorf("fronte: %d pages", info.Pages)
	}
	// esc closes Stampa: the scheda again, with the prints in its history.
	d.keys("esc")
	d.events()
	d.keys("tab", "tab")
	d.shows("Modifiche (4)", "mario · Sportello · stampa", "contrassegno fronte nel file", "contrassegno fronte-retro nel file")
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A pass that cannot be printed (revoked) says why and offers nothing.
func TestCardRefused(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	d := newDesk(t, svc, "mario")
	d.openPass("BERTO")
	d.shows("revocato")
	d.keys("k")
	d.shows("Errore: ", "revocato: la carta non si stampa", "esc per tornare")
	d.keys("enter")
	d.shows("revocato: la carta non si stampa")
	d.keys("esc")
	d.shows("Storico")
}

// The printer comes preselected (the operator's), its calibration and duplex show in
// the preview, and a print to CUPS that fails says why in Italian.
func TestCardPrinterPreselected(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	sys := service.SystemActor("test")
	if _, err := svc.SavePrinter(service.OperatorActor(tuitest.Operator(t, svc, "admin")), service.Printer{Queue: "DESK1", OffsetX: 1.5, OffsetY: -0.5, Duplex: "two-sided-long-edge"}); err != nil {
		t.Fatal(err)
	}
	if err := svc.SetOperatorPrinter(sys, "mario", "DESK1"); err != nil {
		t.Fatal(err)
	}
	d := newDesk(t, svc, "mario")
	d.openPass("ROSSI M")
	d.keys("k")
	d.shows("> stampante DESK1 (la tua)", "file PDF nella cartella stampe/")
	d.keys("enter", "enter")
	d.shows("calibrazione X +1,5 mm, Y −0,5 mm", "Destinazione: stampante DESK1 · fronte-retro automatico, lato lungo")
	d.fits()
}

// A real print through CUPS from the TUI (a private cupsd with a cups-pdf queue, the
// operator's printer): the outcome names the job, cups-pdf writes a card of 148×106 mm;
// a queue that does not exist is refused in Italian.
func TestCardToCUPS(t *testing.T) {
	cups := printtest.StartCUPS(t)
	svc := tuitest.Demo(t, fixedNow, service.WithSpooler(printing.Spooler{Server: cups.Addr, Timeout: time.Minute}))
	if err := svc.SetOperatorPrinter(service.SystemActor("test"), "mario", cups.Queue); err != nil {
		t.Fatal(err)
	}
	d := newDesk(t, svc, "mario")
	d.openPass("ROSSI M")
	d.keys("k")
	d.shows("> stampante " + cups.Queue + " (la tua)")
	d.keys("up", "up", "enter", "enter") // fronte, on the queue
	d.shows("Destinazione: stampante "+cups.Queue, "invio stampa")
	d.keys("enter")
	s := d.shows("Fatto: ", "completato")
	if strings.Contains(s, "Errore") {
		t.Fatalf("print failed:\n%s\n%s", s, cups.Log())
	}
	info := printtest.PDFInfoFile(t, cups.Output(t, 30*time.Second))
	if info.Pages != 1 || math.Abs(info.W-148) > 0.5 || math.Abs(info.H-106) > 0.5 {
		t.Errorf("cups-pdf wrote %d pages of %.1f × %.1f mm", info.Pages, info.W, info.H)
	}

	// A queue nobody installed: CUPS's refusal, in Italian, under the card.
	if err := svc.SetOperatorPrinter(service.SystemActor("test"), "mario", "NESSUNA"); err != nil {
		t.Fatal(err)
	}
	d.keys("esc", "k", "enter", "enter", "enter")
	d.shows("Errore: ", "NESSUNA", "non esiste")
}

// Issue 11.9: a print that fails says why in Italian and what to do; once the cause is
// gone, enter tries again (here the stampe/ folder could not be written, then could).
func TestFailedPrintRetriesOnEnter(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	d := newDesk(t, svc, "mario")
	v := passBy(t, svc, d.a, "ROSSI M")
	d.openPass("ROSSI M")
	d.keys("k", "enter", "enter", "enter")
	d.shows("invio stampa")
	dir := d.stampe
	// The folder is in the way: a plain file where the folder should be.
	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	d.keys("enter")
	s := d.shows("Errore: ", "invio riprova la stampa")
	for _, raw := range []string{"not a directory", "no such file", "open "} {
		if strings.Contains(s, raw) {
			t.Errorf("raw English in the error: %q\n%s", raw, s)
		}
	}
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	d.keys("enter")
	d.shows("Fatto: salvato in", "contrassegno-"+v.Pass.Number)
}
