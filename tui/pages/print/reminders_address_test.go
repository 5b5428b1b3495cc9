package print_test

import (
	"strings"
	"testing"

	"vivipass/printing/printtest"
	"vivipass/tui/tuitest"
)

// issue 11.15: the letters go to the holder's residence; a holder of an expiring pass
// with no address on record is named when the letters are made (from Home, p), so the
// operator completes the record before mailing them.
func TestRemindersSayWhichHaveNoAddress(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	d := newDesk(t, svc, "mario")
	rows, err := svc.Expiring(d.a, 400)
	if err != nil || len(rows) < 2 {
		t.Fatalf("expiring within 400 days: %d, %v", len(rows), err)
	}
	v, err := svc.GetPass(d.a, rows[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	h := v.Holder
	h.Indirizzo = ""
	if _, err := svc.SavePerson(d.a, h, h.CFOverride); err != nil {
		t.Fatal(err)
	}
	d.keys("p")
	d.clearAndType("400")
	d.keys("enter", "enter", "enter")
	s := strings.Join(strings.Fields(d.shows("salvate in")), " ")
	if want := "Attenzione: 1 lettera senza indirizzo (" + h.FullName() + "): completare la residenza in Anagrafica (F3)."; !strings.Contains(s, want) {
		t.Errorf("the outcome does not say %q:\n%s", want, d.screen())
	}
	d.fits()
	// The others are addressed: street, then comune.
	other, err := svc.GetPass(d.a, rows[1].ID)
	if err != nil {
		t.Fatal(err)
	}
	pdf := mustRead(t, d.stampe+"/promemoria-entro-400-giorni-2026-11-26.pdf")
	text := strings.Join(strings.Fields(printtest.Text(t, pdf)), " ")
	if want := other.Holder.Nome + " " + other.Holder.Cognome + " " + other.Holder.Indirizzo + " VENEZIA (VE)"; !strings.Contains(text, want) {
		t.Errorf("no address block %q in the letters", want)
	}
}
