package service_test

import (
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// changeOf is the change of field in an entry (ok false: the field did not change).
func changeOf(e store.AuditEntry, field string) (store.FieldChange, bool) {
	for _, c := range e.Changes {
		if c.Field == field {
			return c, true
		}
	}
	return store.FieldChange{}, false
}

// wantChange fails unless the entry says field went from before to after.
func wantChange(t *testing.T, e store.AuditEntry, field, before, after string) {
	t.Helper()
	c, ok := changeOf(e, field)
	if !ok || c.Before != before || c.After != after {
		t.Errorf("%s: change of %q = %+v (found %v), want %q → %q; all: %+v", e.Action, field, c, ok, before, after, e.Changes)
	}
}

// doubledWord is the first word repeated right after itself in s ("rinnovo: rinnovo:"),
// or "".
func doubledWord(s string) string {
	words := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return r == ' ' || r == ':' || r == ',' || r == ';' || r == '(' || r == ')'
	})
	for i := 1; i < len(words); i++ {
		if words[i] == words[i-1] {
			return words[i]
		}
	}
	return ""
}

// issue 11.7: every change of a pass records the fields it touched, before and after,
// so that the Storico's detail says what changed; issue 11.10: the stored texts are in
// the past tense and, read after the action as the Storico shows them, repeat no word.
func TestHistoryRecordsBeforeAndAfter(t *testing.T) {
	e := newEnv(t)
	// Issued 01/07/2020: expires 01/07/2025.
	first := e.issueReq(mario, service.IssueRequest{Person: rossi(t), Plates: []service.PlateInput{plate("AB123CD")},
		Pass: domain.IssueInput{Kind: domain.Permanente, DataRilascio: date(2020, time.July, 1)}})
	res, err := e.s.RenewPass(anna, change(first.Pass), domain.RenewInput{})
	if err != nil {
		t.Fatalf("RenewPass: %v", err)
	}
	res, err = e.s.SuspendPass(mario, change(res.Pass), today, "verifica dei requisiti")
	if err != nil {
		t.Fatalf("SuspendPass: %v", err)
	}
	res, err = e.s.ResumePass(mario, change(res.Pass))
	if err != nil {
		t.Fatalf("ResumePass: %v", err)
	}
	note := "titolare avvisato"
	res, err = e.s.EditPass(mario, change(res.Pass), service.PassEdit{Note: &note})
	if err != nil {
		t.Fatalf("EditPass: %v", err)
	}
	res, err = e.s.AddPlate(mario, change(res.Pass), service.PlateInput{Number: "FG456HJ", From: today}, true)
	if err != nil {
		t.Fatalf("AddPlate: %v", err)
	}
	if res, err = e.s.RemovePlate(mario, change(res.Pass), res.Pass.Plates[len(res.Pass.Plates)-1].ID); err != nil {
		t.Fatalf("RemovePlate: %v", err)
	}
	if res, err = e.s.DuplicatePass(mario, change(res.Pass), domain.DuplicateInput{Reason: domain.Deterioramento, Number: "L736_2025_00007"}); err != nil {
		t.Fatalf("DuplicatePass: %v", err)
	}
	h := e.get(mario, res.Pass.ID).History
	if len(h) != 8 {
		t.Fatalf("history has %d entries, want 8: %+v", len(h), h)
	}
	issued, renewed, suspended, resumed, edited, added, removed, duplicated := h[0], h[1], h[2], h[3], h[4], h[5], h[6], h[7]

	// The issue: every field it set, with no before.
	wantChange(t, issued, "Numero", "", "L736_2020_00001")
	wantChange(t, issued, "Scadenza", "", "01/07/2025")
	wantChange(t, issued, "Titolare", "", "ROSSI MARIO ("+rossi(t).CodiceFiscale+")")
	if c, ok := changeOf(issued, "Targa AB123CD"); !ok || c.Before != "" || !strings.HasPrefix(c.After, "dal 01/07/2020") {
		t.Errorf("issue: plate change %+v", c)
	}
	// The renewal: the dates, before and after; nothing that stayed the same.
	wantChange(t, renewed, "Decorrenza", "01/07/2020", "02/07/2025")
	wantChange(t, renewed, "Scadenza", "01/07/2025", "02/07/2030")
	wantChange(t, renewed, "Numero precedente", "", "L736_2020_00001")
	if _, ok := changeOf(renewed, "Numero"); ok {
		t.Errorf("renewal: the number did not change, yet %+v", renewed.Changes)
	}
	if renewed.Detail != "concessa la nuova validità dal 02/07/2025 al 02/07/2030 (prima scadeva il 01/07/2025)" {
		t.Errorf("renewal detail %q", renewed.Detail)
	}
	wantChange(t, suspended, "Stato", "attivo", "sospeso dal 10/06/2025")
	wantChange(t, suspended, "Motivo dello stato", "", "verifica dei requisiti")
	wantChange(t, resumed, "Stato", "sospeso dal 10/06/2025", "attivo")
	wantChange(t, edited, "Note", "", "titolare avvisato")
	if edited.Detail != "aggiornati: note" {
		t.Errorf("edit detail %q", edited.Detail)
	}
	wantChange(t, added, "Targa FG456HJ", "", "dal 10/06/2025 alla scadenza del contrassegno, solo circuito regionale")
	wantChange(t, removed, "Targa FG456HJ", "dal 10/06/2025 alla scadenza del contrassegno, solo circuito regionale", "")

	wantChange(t, duplicated, "Numero", "L736_2020_00001", "L736_2025_00007")
	wantChange(t, duplicated, "Duplicato", "no", "sì, per deterioramento")
	if duplicated.Detail != "emesso per deterioramento con il nuovo numero L736_2025_00007 (prima L736_2020_00001)" {
		t.Errorf("duplicate detail %q", duplicated.Detail)
	}

	for _, x := range h {
		if len(x.Changes) == 0 {
			t.Errorf("%s: no field recorded", x.Action)
		}
		for _, c := range x.Changes {
			if c.Before == c.After {
				t.Errorf("%s: %q listed with nothing changed", x.Action, c.Field)
			}
		}
		line := x.Action + ": " + x.Detail // as the Storico reads it
		if w := doubledWord(line); w != "" {
			t.Errorf("%q repeats %q", line, w)
		}
		if first := strings.Fields(x.Detail)[0]; strings.EqualFold(strings.Trim(first, ":"), x.Action) {
			t.Errorf("%q repeats the action", line)
		}
	}
	// "Non inviare" (N5): the national status, before and after.
	withConsent := e.issueReq(mario, service.IssueRequest{Person: bianchi(t), Plates: []service.PlateInput{plate("FG456HJ")},
		Pass: domain.IssueInput{Kind: domain.Permanente, Consent: true}})
	if _, err := e.s.NationalSkip(mario, withConsent.Pass.ID); err != nil {
		t.Fatalf("NationalSkip: %v", err)
	}
	nh := e.get(mario, withConsent.Pass.ID).History
	skipped := nh[len(nh)-1]
	wantChange(t, skipped, "Invio alla piattaforma nazionale", "non inviato", "non inviare (scelta dell'operatore)")
	if line := skipped.Action + ": " + skipped.Detail; line != "piattaforma nazionale: scelto di non inviare il contrassegno" {
		t.Errorf("non inviare reads %q", line)
	}
	if issued.Detail != "contrassegno permanente intestato a ROSSI MARIO ("+rossi(t).CodiceFiscale+"), con scadenza il 01/07/2025; creata la nuova anagrafica" {
		t.Errorf("issue detail %q", issued.Detail)
	}
}

// issue 11.7 and 11.10: the platform's answer is in the history with what it set
// (CUDE ID, codice univoco, the send's state), and its line does not say "piattaforma
// nazionale" twice (who, then the action).
func TestHistoryOfTheNationalAnswer(t *testing.T) {
	e, _, a := nationalEnv(t)
	first := consentIssue(t, e, a, rossi(t))
	if rep := drain(t, e); rep.Sent != 1 {
		t.Fatalf("drain %+v", rep)
	}
	h := e.get(a, first.Pass.ID).History
	last := h[len(h)-1]
	if last.Operator != "piattaforma nazionale" || last.Action != "esito dell'invio" ||
		last.Detail != "comunicazione di rilascio accettata; assegnati CUDE ID CUDE-0000000001 e codice univoco" {
		t.Errorf("the platform's answer in the history: %+v", last)
	}
	wantChange(t, last, "CUDE ID", "", "CUDE-0000000001")
	wantChange(t, last, "Codice univoco", "", "CU0000000001")
	wantChange(t, last, "Invio alla piattaforma nazionale", "in coda", "inviato")
	if line := last.Operator + " " + last.Action + ": " + last.Detail; strings.Count(line, "piattaforma") != 1 {
		t.Errorf("%q names the platform twice", line)
	}
}
