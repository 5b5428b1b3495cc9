package forms

import (
	"testing"
	"time"

	"vivipass/domain"
)

// issue 11.11: a temporary pass longer than the law allows is said while typed and
// asked about before saving; No goes back with everything typed and saves nothing, Sì
// saves it as typed.
func TestIssueTemporaryTooLongAsks(t *testing.T) {
	h := newHarness(t)
	birth := domain.MustDate(1975, time.July, 23)
	p, err := h.svc.SavePerson(h.sys, domain.Person{Comune: "L736", CodiceFiscale: cf(t, "BIANCHI", "GIOVANNA", 'F', birth, "L736"),
		Cognome: "BIANCHI", Nome: "GIOVANNA", Sesso: "F", DataNascita: birth, LuogoNascita: "L736"}, "")
	if err != nil {
		t.Fatal(err)
	}
	d := h.open(NewIssueFor(h.ctx, p.ID))
	d.press("right") // temporaneo
	d.enter(3)
	d.typ("10/06/2035") // a year typed wrong: the certificate says 2026
	const warning = "Attenzione: un temporaneo di 10 anni supera i 5 anni del permanente: controllare la scadenza del certificato."
	d.see(warning)
	d.fits()
	d.enter(2)
	d.press("n") // no consent
	d.enter(3)   // no plate
	d.stillOpen()
	d.see("Salvare comunque?", warning, "Sì salva così; No torna ai dati per correggerli.")
	d.fits()
	if ps, err := h.svc.PersonPasses(h.sys, p.ID); err != nil || len(ps) != 0 {
		t.Fatalf("saved before the confirmation: %v %v", ps, err)
	}
	d.press("n")
	d.stillOpen()
	d.see("Non salvato: correggere i dati, oppure esc per uscire.", "temporaneo", "10/06/2035", warning)
	d.notSee("Salvare comunque?")

	// Saved again: asked again; Sì saves what was typed.
	d.enter(5) // from Tipo to the consent
	d.press("n")
	d.enter(3)
	d.see("Salvare comunque?")
	d.press("s")
	_, id := d.closed()
	if v := h.get(id); v.Pass.Kind != domain.Temporaneo || v.Pass.DataScadenza != domain.MustDate(2035, time.June, 10) {
		t.Errorf("pass %+v", v.Pass)
	}
}

// issue 11.11: a renewal of a pass that expires in years (the wrong pass opened) is said
// when the form opens and asked about before saving.
func TestRenewYearsBeforeExpiryAsks(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), domain.MustDate(2024, time.March, 1))
	d := h.open(NewRenew(h.ctx, v))
	const warning = "Attenzione: scade tra 3 anni e 8 mesi (01/03/2029): è il contrassegno da rinnovare?"
	d.see(warning)
	d.fits()
	d.enter(5)
	d.see("Salvare comunque?", warning)
	d.fits()
	d.press("n")
	d.stillOpen()
	d.see("Non salvato")
	if p := h.get(v.Pass.ID).Pass; p.State == domain.Rinnovato || p.Version != v.Pass.Version {
		t.Fatalf("renewed without the confirmation: %+v", p)
	}
	d.enter(5)
	d.press("s")
	notice, _ := d.closed()
	if notice != "Contrassegno L736_2024_00001 rinnovato: valido dal 02/03/2029 al 02/03/2034" {
		t.Errorf("notice %q", notice)
	}
	if p := h.get(v.Pass.ID).Pass; p.State != domain.Rinnovato {
		t.Errorf("old version %s", p.State)
	}
}

// issue 11.11: the thresholds. A temporary pass of five years, a renewal within six
// months (or within the comune's alert window, when longer) are not warned about.
func TestPlausibilityThresholds(t *testing.T) {
	d := func(y int, m time.Month, day int) domain.Date { return domain.MustDate(y, m, day) }
	if w := domain.TemporaryTooLong(domain.Temporaneo, d(2025, 6, 10), d(2030, 6, 10)); w != "" {
		t.Errorf("five years warned: %q", w)
	}
	if w := domain.TemporaryTooLong(domain.Temporaneo, d(2025, 6, 10), d(2030, 6, 11)); w == "" {
		t.Error("five years and a day not warned")
	}
	if w := domain.TemporaryTooLong(domain.Permanente, d(2025, 6, 10), d(2031, 6, 10)); w != "" {
		t.Errorf("permanent warned: %q", w)
	}
	if w := domain.EarlyRenewal(d(2025, 6, 10), d(2025, 12, 10), 60); w != "" {
		t.Errorf("six months warned: %q", w)
	}
	if w := domain.EarlyRenewal(d(2025, 6, 10), d(2025, 12, 11), 60); w != "scade tra 6 mesi (11/12/2025): è il contrassegno da rinnovare?" {
		t.Errorf("six months and a day: %q", w)
	}
	if w := domain.EarlyRenewal(d(2025, 6, 10), d(2026, 1, 15), 240); w != "" {
		t.Errorf("inside an alert window of 240 days warned: %q", w)
	}
	for _, c := range []struct {
		from, to domain.Date
		want     string
	}{
		{d(2025, 6, 10), d(2025, 6, 22), "12 giorni"},
		{d(2025, 6, 10), d(2025, 7, 10), "1 mese"},
		{d(2025, 6, 10), d(2026, 6, 10), "1 anno"},
		{d(2025, 6, 10), d(2030, 4, 9), "4 anni e 9 mesi"},
		{d(2025, 6, 10), d(2027, 7, 10), "2 anni e 1 mese"},
	} {
		if got := domain.Span(c.from, c.to); got != c.want {
			t.Errorf("Span(%s, %s) = %q, want %q", c.from, c.to, got, c.want)
		}
	}
}
