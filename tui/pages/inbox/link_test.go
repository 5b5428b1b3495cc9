package inbox_test

import "testing"

// Issue 11.6: linking a request by hand to a person whose codice fiscale is not the
// request's asks, says both codes, and No (the default) links nothing; s links.
func TestLinkToAnotherCodiceFiscaleAsks(t *testing.T) {
	f := newFixture(t, "mario")
	bianchi := f.holderPass("BNCGNN75L63L736M")
	rossi := f.holderPass("RSSMRA80A01L736U")
	it := f.item("DUPLICATO") // BIANCHI GIOVANNA's request
	f.open(it.ID)
	f.key("l", "ctrl+u")
	f.key(runes("RSSMRA80A01L736U")...)
	f.key("enter")
	f.see("people", "ROSSI MARIO · RSSMRA80A01L736U")
	f.key("enter")
	f.see("the question", "Contrassegno di ROSSI MARIO", rossi.Number, "Collegare comunque?",
		"il codice fiscale della richiesta (BNCGNN75L63L736M) è diverso da quello di ROSSI MARIO (RSSMRA80A01L736U)")
	f.key("enter", "enter", "enter") // the pass, No; No to the other number too (#11.11)
	f.see("not linked", "Richiesta non collegata: nessuna modifica.")
	if got := f.reload(it.ID); got.PassID != bianchi.ID {
		t.Fatalf("No changed the link: pass %d, want %d", got.PassID, bianchi.ID)
	}
	f.key("l", "ctrl+u")
	f.key(runes("RSSMRA80A01L736U")...)
	f.key("enter", "enter", "enter", "s", "s") // Sì to the other code, Sì to the other number
	f.see("linked", "Richiesta collegata a ROSSI MARIO e al contrassegno "+rossi.Number)
	if got := f.reload(it.ID); got.PassID != rossi.ID {
		t.Errorf("s did not link: pass %d, want %d", got.PassID, rossi.ID)
	}
	// "crea pratica" on such a link warns again, under the form and before saving.
	f.key("c")
	f.see("crea pratica", "Duplicato da richiesta PEC · "+rossi.Number,
		"Attenzione: la richiesta è di BNCGNN75L63L736M, il titolare di questo contrassegno è RSSMRA80A01L736U.")
}

func runes(s string) []string {
	var out []string
	for _, r := range s {
		out = append(out, string(r))
	}
	return out
}
