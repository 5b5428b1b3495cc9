package forms

import (
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// consentPass is a pass of Venezia issued with the consent and a principale plate: its
// issue waits in the national queue (no platform is configured here).
func (h *harness) consentPass() service.PassView {
	h.t.Helper()
	res, err := h.svc.IssuePass(h.sys, service.IssueRequest{Comune: "L736",
		Person: domain.Person{CodiceFiscale: cf(h.t, "ROSSI", "MARIO", 'M', domain.MustDate(1980, time.January, 1), "L736"),
			Cognome: "ROSSI", Nome: "MARIO", Sesso: "M", DataNascita: domain.MustDate(1980, time.January, 1), LuogoNascita: "L736"},
		Pass:   domain.IssueInput{Kind: domain.Permanente, Consent: true},
		Plates: []service.PlateInput{{Number: "AB123CD", Role: domain.RolePrincipale}}})
	if err != nil {
		h.t.Fatal(err)
	}
	return h.get(res.Pass.ID)
}

// N3, N5 at the desk: the Invio nazionale form says where the pass stands, retries its
// send only once confirmed, and marks it "non inviare" closing the queued send.
func TestNationalFormRetryAndSkip(t *testing.T) {
	h := newHarness(t)
	v := h.consentPass()
	open := func() []service.NationalJob {
		jobs, err := h.svc.NationalQueue(h.sys, true)
		if err != nil {
			t.Fatal(err)
		}
		return jobs
	}
	if jobs := open(); len(jobs) != 1 || jobs[0].State != store.JobPending {
		t.Fatalf("queue after the issue: %+v", jobs)
	}

	// Enter on the question's default (No) changes nothing.
	d := h.open(NewNational(h.ctx, v))
	d.see("Invio nazionale · L736_2025_00001", "Circuito nazionale: in coda", "Ritentare ora l'invio", "Non inviare alla piattaforma")
	d.fits()
	d.press("down", "enter", "enter")
	if notice, _ := d.closed(); notice != "Nessuna modifica all'invio nazionale." {
		t.Errorf("notice %q", notice)
	}
	if jobs := open(); len(jobs) != 1 {
		t.Fatalf("queue after no: %+v", jobs)
	}

	// Retry, confirmed.
	d = h.open(NewNational(h.ctx, v))
	d.press("enter", "s")
	if notice, _ := d.closed(); notice != "L'invio alla piattaforma nazionale riparte ora." {
		t.Errorf("notice %q", notice)
	}

	// Non inviare, confirmed: the send closes, the card says so.
	d = h.open(NewNational(h.ctx, h.get(v.Pass.ID)))
	d.press("down", "enter", "s")
	if notice, _ := d.closed(); !strings.Contains(notice, "non sarà inviato alla piattaforma nazionale") {
		t.Errorf("notice %q", notice)
	}
	if jobs := open(); len(jobs) != 0 {
		t.Errorf("still queued after non inviare: %+v", jobs)
	}
	if n := h.get(v.Pass.ID).Pass.National; n.Status != domain.NationalSkipped {
		t.Errorf("national data %+v", n)
	}
	d = h.open(NewNational(h.ctx, h.get(v.Pass.ID)))
	d.see("Circuito nazionale: non inviare (scelta dell'operatore)")
	d.press("enter", "s")
	d.see("non ha invii alla piattaforma in attesa")
}

// A pass without the consent has nothing to send: the form says so and offers only esc.
func TestNationalFormWithoutConsent(t *testing.T) {
	h := newHarness(t)
	v := h.issue("BIANCHI", "LUCA", domain.MustDate(1970, time.May, 2), today, service.PlateInput{Number: "AB123CD", Role: domain.RolePrincipale})
	d := h.open(NewNational(h.ctx, v))
	d.see("non ha dato il consenso al circuito nazionale")
}
