package inbox_test

import (
	"strings"
	"testing"

	"vivipass/service"
	"vivipass/tui/tuitest"
)

// confirmWarnings presses enter through a form (at most n times) until it asks about
// its warnings (#11.11), checks they are said, and answers Sì.
func (f *fixture) confirmWarnings(n int, warnings ...string) {
	f.t.Helper()
	for range n {
		if strings.Contains(tuitest.Screen(f.m), "Salvare comunque?") {
			break
		}
		f.key("enter")
	}
	f.see("the warnings before saving", append(warnings, "Salvare comunque?", "Sì salva così; No torna ai dati per correggerli.")...)
	f.key("s")
}

// issue 11.16: the receipts of the comune's own mail that arrived (the shared sample's
// avvenuta consegna, the parser's accettazione and presa in carico, read from the
// mailbox) are not requests to handle: Home does not count them, the list of those to
// handle does not show them; they are kept, listed with a and under tipo ricevuta, and
// their detail says so. A receipt of a failure (mancata consegna) stays to handle.
func TestReceiptsAreNotRequestsToHandle(t *testing.T) {
	f := newFixture(t, "mario", "ricevuta-accettazione.eml", "ricevuta-errore-consegna.eml", "ricevuta-presa-in-carico.eml")
	f.see("home", "Attenzione: 3 nuove richieste PEC da viviVeneto (alt+5)")
	f.key("alt+5")
	s := f.see("to handle", "Stato: tutti · tipo: tutti · solo da gestire · 4 messaggi",
		"nuova       ricevuta   20/11/2026 mancata consegna", "nuova       rinnovo", "nuova       duplicato", "nuova       targhe")
	for _, routine := range []string{"avvenuta consegna", "accettazione", "presa in carico"} {
		if strings.Contains(s, routine) {
			t.Errorf("the list of those to handle shows the receipt %q:\n%s", routine, s)
		}
	}
	f.key("a")
	f.see("all", "anche evase, respinte e ricevute · 7 messaggi", "ricevuta   20/11/2026 avvenuta consegna",
		"ricevuta   20/11/2026 accettazione", "ricevuta   20/11/2026 presa in carico", "ricevuta   20/11/2026 mancata consegna")
	f.key("a", "t", "t")
	f.see("kind ricevuta", "tipo: ricevuta", "4 messaggi", "avvenuta consegna", "accettazione", "presa in carico", "mancata consegna")
	f.key("t", "t", "t", "t")
	f.see("back to every kind", "tipo: tutti · solo da gestire · 4 messaggi")

	// Kept as they came, and the detail says why they are not listed.
	f.open2(f.item("receipt").ID)
	f.see("a receipt's detail", "Ricevuta di", "Da gestire no: ricevuta della posta inviata dal comune, conservata")
	items, err := f.svc.PECList(f.actor(), service.PECFilter{Kind: "receipt"})
	if err != nil || len(items) != 4 {
		t.Fatalf("receipts stored: %d %v, want 4", len(items), err)
	}
}
