package forms

import (
	"strings"
	"testing"
	"time"

	"vivipass/domain"
)

// issue 11.13: a duplicate after a loss asks for the police report, with clear messages
// for what is missing or wrong (a date in the future, a two-digit year), and stores it;
// nothing typed is lost on a refusal.
func TestDuplicateAsksPoliceReport(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today)
	d := h.open(NewDuplicate(h.ctx, v))
	d.see("> smarrimento (serve la denuncia)", "furto (serve la denuncia)", "deterioramento (si ritira il contrassegno rovinato)",
		"Per smarrimento serve la denuncia: numero, data e autorità restano registrati con il duplicato.")
	d.fits()
	d.enter(2) // smarrimento, same number
	d.see("Denuncia", "Numero della denuncia", "Data della denuncia", "Autorità", "es. Carabinieri – Stazione di Mestre")
	d.fits()
	d.press("enter")
	d.see("Errore: indicare il numero della denuncia")
	d.typ("417/2025")
	d.press("enter")
	d.press("enter")
	d.see("Errore: indicare la data della denuncia (gg/mm/aaaa)")
	d.typ("11/06/2025")
	d.press("enter")
	d.see("Errore: la data della denuncia 11/06/2025 è nel futuro")
	d.replace("09/06/25")
	d.press("enter")
	d.see("l'anno va scritto con quattro cifre")
	d.replace("09/06/2025")
	d.press("enter")
	d.press("enter")
	d.see("Errore: indicare l'autorità che ha ricevuto la denuncia (es. Carabinieri – Stazione di Mestre)")
	d.typ("Carabinieri – Stazione di Mestre")
	d.fits()
	d.press("enter")
	notice, _ := d.closed()
	if notice != "Duplicato L736_2025_00001 emesso per smarrimento: la stampa riporterà DUPLICATO" {
		t.Errorf("notice %q", notice)
	}
	old := h.get(v.Pass.ID)
	next := h.get(old.Pass.NextID)
	want := domain.PoliceReport{Numero: "417/2025", Data: domain.MustDate(2025, time.June, 9), Autorita: "Carabinieri – Stazione di Mestre"}
	if next.Pass.Denuncia != want || next.Pass.DuplicateReason != domain.Smarrimento {
		t.Errorf("duplicate %+v, want the report %+v", next.Pass, want)
	}
	if e := next.History[len(next.History)-1]; !strings.Contains(e.Detail, "denuncia n. 417/2025 del 09/06/2025, Carabinieri – Stazione di Mestre") {
		t.Errorf("history entry %+v", e)
	}
}

// issue 11.13: deterioramento asks for no report (the worn card is handed back), even
// after the operator had started typing one for another reason.
func TestDuplicateWearNoReport(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today)
	d := h.open(NewDuplicate(h.ctx, v))
	d.press("down") // furto
	d.enter(2)
	d.see("Numero della denuncia")
	d.typ("12/2025")
	d.press("shift+tab", "shift+tab") // back to the reason
	d.see("> furto")
	d.press("down") // deterioramento
	d.see("Deterioramento: nessuna denuncia; ritirare il contrassegno deteriorato.")
	d.notSee("serve la denuncia:")
	d.enter(2)
	notice, _ := d.closed()
	if notice != "Duplicato L736_2025_00001 emesso per deterioramento: la stampa riporterà DUPLICATO" {
		t.Errorf("notice %q", notice)
	}
	next := h.get(h.get(v.Pass.ID).Pass.NextID).Pass
	if !next.Denuncia.IsZero() || next.DuplicateReason != domain.Deterioramento {
		t.Errorf("wear duplicate %+v", next)
	}
}
