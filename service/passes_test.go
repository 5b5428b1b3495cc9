package service_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
)

func TestIssueProposesNumbersPerComuneAndYear(t *testing.T) {
	e := newEnv(t)
	if n, err := e.s.ProposeNumber(mario, "", 2025); err != nil || n != "L736_2025_00001" {
		t.Fatalf("ProposeNumber = %q, %v; want L736_2025_00001", n, err)
	}
	r1 := e.issue(mario, rossi(t))
	r2 := e.issue(mario, bianchi(t))
	r3 := e.issue(giulia, verdi(t))
	for _, c := range []struct {
		got, want string
	}{{r1.Pass.Number, "L736_2025_00001"}, {r2.Pass.Number, "L736_2025_00002"}, {r3.Pass.Number, "G224_2025_00001"}} {
		if c.got != c.want {
			t.Errorf("number %s, want %s", c.got, c.want)
		}
	}
	p := r1.Pass
	if p.State != domain.Attivo || p.Comune != "L736" || p.IssuingComune != "L736" || p.Channel != domain.Sportello ||
		p.Kind != domain.Permanente || p.Version != 1 || p.CreatedBy != "mario" || p.UpdatedBy != "mario" ||
		p.Lineage != p.ID || p.HolderCF != rossi(t).CodiceFiscale || p.HolderName != "ROSSI MARIO" {
		t.Errorf("issued pass = %+v", p)
	}
	if !p.DataRilascio.Equal(today) || !p.DataDecorrenza.Equal(today) || !p.DataScadenza.Equal(date(2030, time.June, 10)) {
		t.Errorf("dates %s %s %s, want 10/06/2025 10/06/2025 10/06/2030", p.DataRilascio, p.DataDecorrenza, p.DataScadenza)
	}
	if len(r1.Warnings) != 0 {
		t.Errorf("warnings for a proposed number: %v", r1.Warnings)
	}
	// The year is the year of issue, not of today.
	r4 := e.issueReq(mario, service.IssueRequest{Person: person(t, "NERI", "ANNA", 'F', date(1950, time.May, 5), "L736"),
		Pass: domain.IssueInput{Kind: domain.Permanente, DataRilascio: date(2024, time.December, 30)}})
	if r4.Pass.Number != "L736_2024_00001" {
		t.Errorf("number issued on 30/12/2024 = %s, want L736_2024_00001", r4.Pass.Number)
	}
	if n, _ := e.s.ProposeNumber(mario, "", 2025); n != "L736_2025_00003" {
		t.Errorf("next proposal = %s, want L736_2025_00003", n)
	}
	v := e.get(mario, p.ID)
	if v.Holder.CodiceFiscale != p.HolderCF || v.Holder.Comune != "L736" || v.Status != domain.Attivo {
		t.Errorf("GetPass: holder %+v status %s", v.Holder, v.Status)
	}
	if len(v.History) != 1 || v.History[0].Action != "rilascio" || v.History[0].Operator != "mario" ||
		!strings.Contains(v.History[0].Detail, "nuova anagrafica") {
		t.Errorf("history = %+v", v.History)
	}
}

func TestIssueManualNumberWarnsAndMovesCounter(t *testing.T) {
	e := newEnv(t)
	e.issue(mario, rossi(t))
	res := e.issueReq(mario, service.IssueRequest{Person: bianchi(t),
		Pass: domain.IssueInput{Kind: domain.Permanente, Number: " l736_2025_00010 "}})
	if res.Pass.Number != "L736_2025_00010" {
		t.Errorf("number = %s, want L736_2025_00010", res.Pass.Number)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "inserito a mano") || !strings.Contains(res.Warnings[0], "da 00002 a 00010") {
		t.Errorf("warnings = %q, want the gap 00002 → 00010", res.Warnings)
	}
	if n, _ := e.s.ProposeNumber(mario, "", 2025); n != "L736_2025_00011" {
		t.Errorf("after the gap the proposal is %s, want L736_2025_00011", n)
	}
	next := e.issue(mario, verdi(t))
	if next.Pass.Number != "L736_2025_00011" {
		t.Errorf("next number %s, want L736_2025_00011", next.Pass.Number)
	}
	// An old-style number is allowed with a warning and leaves the counter alone.
	old := e.issueReq(mario, service.IssueRequest{Person: person(t, "NERI", "ANNA", 'F', date(1950, time.May, 5), "L736"),
		Pass: domain.IssueInput{Kind: domain.Permanente, Number: "VE-77"}})
	if old.Pass.Number != "VE-77" || len(old.Warnings) != 1 || !strings.Contains(old.Warnings[0], "non segue la numerazione") {
		t.Errorf("old-style number: %s %q", old.Pass.Number, old.Warnings)
	}
	if n, _ := e.s.ProposeNumber(mario, "", 2025); n != "L736_2025_00012" {
		t.Errorf("proposal after an old-style number = %s, want L736_2025_00012", n)
	}
}

func TestIssueRefusesNumberOfAnotherPass(t *testing.T) {
	e := newEnv(t)
	first := e.issue(mario, rossi(t))
	audits := e.auditCount()
	_, err := e.s.IssuePass(mario, service.IssueRequest{Person: bianchi(t),
		Pass: domain.IssueInput{Kind: domain.Permanente, Number: first.Pass.Number}})
	wantErr(t, "number in use", err, "L736_2025_00001", "già usato")
	// The same number in another comune's hands is refused too: numbers are circuit-wide.
	_, err = e.s.IssuePass(giulia, service.IssueRequest{Person: verdi(t),
		Pass: domain.IssueInput{Kind: domain.Permanente, Number: first.Pass.Number}})
	wantErr(t, "number in use, other comune", err, "L736_2025_00001", "in uso in un altro comune") // issue 12.7: not which
	// Nothing of the refused issues was written: no person, no counter move, no audit.
	if ps, _ := e.s.SearchPeople(mario, "BIANCHI", 0); len(ps) != 0 {
		t.Errorf("refused issue left a person: %+v", ps)
	}
	if n, _ := e.s.ProposeNumber(mario, "", 2025); n != "L736_2025_00002" {
		t.Errorf("proposal = %s, want L736_2025_00002", n)
	}
	if got := e.auditCount(); got != audits {
		t.Errorf("audit entries %d → %d after refused issues", audits, got)
	}
}

func TestOneActivePassPerCodiceFiscale(t *testing.T) {
	e := newEnv(t)
	first := e.issue(mario, rossi(t))
	_, err := e.s.IssuePass(mario, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "second pass, same comune", err, "contrassegno attivo", "L736_2025_00001", rossi(t).CodiceFiscale)
	// Across comuni: Padova cannot issue to a holder Venezia already serves.
	_, err = e.s.IssuePass(giulia, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "second pass, other comune", err, "contrassegno attivo", "in un altro comune del circuito") // neither its number (issue #8) nor the comune (issue 12.7)
	_, err = e.s.IssuePass(admin, service.IssueRequest{Comune: "G224", Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "second pass, system actor", err, "L736_2025_00001")
	// A suspended pass still counts.
	sus, err := e.s.SuspendPass(mario, change(first.Pass), today, "verifica")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.IssuePass(giulia, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "suspended pass", err, "contrassegno attivo")
	// Once revoked, Padova may issue.
	if _, err := e.s.RevokePass(mario, change(sus.Pass), today, "trasferito di residenza"); err != nil {
		t.Fatal(err)
	}
	res := e.issue(giulia, rossi(t))
	if res.Pass.Number != "G224_2025_00001" || res.Pass.Comune != "G224" {
		t.Errorf("after revocation: %s in %s", res.Pass.Number, res.Pass.Comune)
	}
	people, _ := e.s.SearchPeople(giulia, rossi(t).CodiceFiscale, 0)
	if len(people) != 1 || people[0].Comune != "G224" {
		t.Errorf("Padova's people = %+v, want one record of its own", people)
	}
}

func TestDefaultExpiryRules(t *testing.T) {
	e := newEnv(t)
	r := e.issue(mario, rossi(t))
	if want := date(2030, time.June, 10); !r.Pass.DataScadenza.Equal(want) {
		t.Errorf("5 years: expiry %s, want %s", r.Pass.DataScadenza, want)
	}
	// An operator may not change the comune's settings.
	st, err := e.s.Settings(mario, "")
	if err != nil {
		t.Fatal(err)
	}
	if st.Code != "L736" || st.ExpiryRule != domain.ExpiryFiveYears || st.AlertDays != 60 || st.FinestraTemporale {
		t.Errorf("default settings %+v", st)
	}
	st.ExpiryRule = domain.ExpiryBirthday
	if _, err := e.s.SaveSettings(mario, st); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("operator SaveSettings: err = %v, want ErrForbidden", err)
	}
	if _, err := e.s.SaveSettings(capo, domain.ComuneSettings{Code: "G224", ExpiryRule: domain.ExpiryBirthday, AlertDays: 60}); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("Venezia's administrator saving Padova: err = %v, want ErrForbidden", err)
	}
	saved, err := e.s.SaveSettings(capo, st)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Version != 1 {
		t.Errorf("saved version %d", saved.Version)
	}
	// Saving again from the old copy is stale.
	var stale *service.StaleError
	if _, err := e.s.SaveSettings(capo, st); !errors.As(err, &stale) {
		t.Errorf("second save of version 0: err = %v, want StaleError", err)
	}
	// Born 23/07: five years from 10/06/2025 is 10/06/2030, next birthday 23/07/2030.
	b := e.issue(mario, bianchi(t))
	if want := date(2030, time.July, 23); !b.Pass.DataScadenza.Equal(want) {
		t.Errorf("birthday rule, birthday later in the year: %s, want %s", b.Pass.DataScadenza, want)
	}
	// Born 15/03: the birthday of 2030 is before 10/06/2030, so 15/03/2031.
	v := e.issue(mario, verdi(t))
	if want := date(2031, time.March, 15); !v.Pass.DataScadenza.Equal(want) {
		t.Errorf("birthday rule, birthday earlier in the year: %s, want %s", v.Pass.DataScadenza, want)
	}
	// Padova keeps the five years.
	n := e.issue(giulia, person(t, "NERI", "ANNA", 'F', date(1950, time.May, 5), "L736"))
	if want := date(2030, time.June, 10); !n.Pass.DataScadenza.Equal(want) {
		t.Errorf("Padova (5 anni): %s, want %s", n.Pass.DataScadenza, want)
	}
	// A temporary pass needs its expiry from the medical certificate.
	_, err = e.s.IssuePass(mario, service.IssueRequest{Person: person(t, "GIALLI", "PIETRO", 'M', date(1960, time.February, 2), "L736"),
		Pass: domain.IssueInput{Kind: domain.Temporaneo}})
	wantErr(t, "temporary without expiry", err, "temporaneo", "scadenza")
	tmp := e.issueReq(mario, service.IssueRequest{Person: person(t, "GIALLI", "PIETRO", 'M', date(1960, time.February, 2), "L736"),
		Pass: domain.IssueInput{Kind: domain.Temporaneo, DataScadenza: date(2025, time.December, 31)}})
	if !tmp.Pass.DataScadenza.Equal(date(2025, time.December, 31)) || tmp.Pass.Kind != domain.Temporaneo {
		t.Errorf("temporary pass %+v", tmp.Pass)
	}
}

func TestRenewKeepsNumberAndHistory(t *testing.T) {
	e := newEnv(t)
	// Issued 01/07/2020: expires 01/07/2025, three weeks from today.
	first := e.issueReq(mario, service.IssueRequest{Person: rossi(t), Plates: []service.PlateInput{plate("AB123CD")},
		Pass: domain.IssueInput{Kind: domain.Permanente, DataRilascio: date(2020, time.July, 1)}})
	if first.Pass.Number != "L736_2020_00001" || !first.Pass.DataScadenza.Equal(date(2025, time.July, 1)) {
		t.Fatalf("issued %s until %s", first.Pass.Number, first.Pass.DataScadenza)
	}
	if v := e.get(mario, first.Pass.ID); v.Status != domain.InScadenza {
		t.Errorf("status three weeks before expiry = %s, want in_scadenza", v.Status)
	}
	res, err := e.s.RenewPass(anna, change(first.Pass), domain.RenewInput{})
	if err != nil {
		t.Fatalf("RenewPass: %v", err)
	}
	n := res.Pass
	if n.Number != first.Pass.Number || n.PreviousNumber != first.Pass.Number || n.ID == first.Pass.ID ||
		n.Lineage != first.Pass.ID || n.PrevID != first.Pass.ID || n.State != domain.Attivo || n.Version != 1 || n.Duplicate {
		t.Errorf("renewed version %+v", n)
	}
	if !n.DataRilascio.Equal(today) || !n.DataDecorrenza.Equal(date(2025, time.July, 2)) || !n.DataScadenza.Equal(date(2030, time.July, 2)) {
		t.Errorf("renewal dates %s %s %s, want 10/06/2025 02/07/2025 02/07/2030", n.DataRilascio, n.DataDecorrenza, n.DataScadenza)
	}
	if len(n.Plates) != 1 || n.Plates[0].Number != "AB123CD" {
		t.Errorf("plates did not follow: %+v", n.Plates)
	}
	v := e.get(mario, n.ID)
	if len(v.Versions) != 2 || v.Versions[0].ID != n.ID || v.Versions[1].ID != first.Pass.ID {
		t.Fatalf("versions %+v", v.Versions)
	}
	old := v.Versions[1]
	if old.State != domain.Rinnovato || !old.StateFrom.Equal(date(2025, time.July, 2)) || old.NextID != n.ID || old.UpdatedBy != "anna" {
		t.Errorf("old version %+v", old)
	}
	if got := actions(v.History); !slices.Equal(got, []string{"rilascio", "rinnovo"}) {
		t.Errorf("history %v", got)
	}
	if h := v.History[1]; h.Operator != "anna" || h.Channel != domain.Sportello || !strings.Contains(h.Detail, "02/07/2030") {
		t.Errorf("renewal audit %+v", h)
	}
	// The old version is history: it can be read, not changed, and is not listed.
	ov := e.get(mario, first.Pass.ID)
	if ov.Status != domain.Rinnovato || len(ov.History) != 2 {
		t.Errorf("old version view: %s, %d history entries", ov.Status, len(ov.History))
	}
	_, err = e.s.RenewPass(mario, service.Change{PassID: first.Pass.ID}, domain.RenewInput{})
	wantErr(t, "renew the old version", err, "rinnovato", "storico")
	rows, _ := e.s.Search(mario, service.Query{Text: "ROSSI"})
	if len(rows.Rows) != 1 || rows.Rows[0].ID != n.ID {
		t.Errorf("search shows %+v, want only the new version", rows.Rows)
	}
	// Renewing to an earlier expiry is refused.
	_, err = e.s.RenewPass(mario, change(n), domain.RenewInput{DataScadenza: date(2029, time.January, 1)})
	wantErr(t, "renewal to an earlier expiry", err, "successiva")
	// P5 still holds across the renewal.
	_, err = e.s.IssuePass(giulia, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "issue after renewal", err, "contrassegno attivo")
}

func TestDuplicateWithFreshNumber(t *testing.T) {
	e := newEnv(t)
	first := e.issue(mario, rossi(t), plate("AB123CD"))
	fresh, err := e.s.ProposeNumber(mario, "", 2025)
	if err != nil || fresh != "L736_2025_00002" {
		t.Fatalf("ProposeNumber = %s, %v", fresh, err)
	}
	res, err := e.s.DuplicatePass(mario, change(first.Pass), domain.DuplicateInput{Reason: domain.Furto, Number: fresh, Denuncia: mestre})
	if err != nil {
		t.Fatalf("DuplicatePass: %v", err)
	}
	d := res.Pass
	if d.Number != "L736_2025_00002" || d.PreviousNumber != "L736_2025_00001" || !d.Duplicate || d.DuplicateReason != domain.Furto ||
		d.Lineage != first.Pass.ID || d.State != domain.Attivo || !d.DataRilascio.Equal(today) || !d.DataScadenza.Equal(first.Pass.DataScadenza) {
		t.Errorf("duplicate %+v", d)
	}
	v := e.get(mario, d.ID)
	old := v.Versions[1]
	if old.State != domain.Sostituito || !old.StateFrom.Equal(today) || !strings.Contains(old.StateReason, "furto") {
		t.Errorf("replaced version %+v", old)
	}
	if got := actions(v.History); !slices.Equal(got, []string{"rilascio", "duplicato"}) {
		t.Errorf("history %v", got)
	}
	// The fresh number is taken: the counter moved past it.
	if n, _ := e.s.ProposeNumber(mario, "", 2025); n != "L736_2025_00003" {
		t.Errorf("proposal after the duplicate = %s, want L736_2025_00003", n)
	}
	// Both numbers find the lineage; the replaced card no longer opens the gate.
	if p, err := e.s.FindByNumber(mario, "l736_2025_00002"); err != nil || p.ID != d.ID {
		t.Errorf("FindByNumber(new) = %d, %v", p.ID, err)
	}
	w, err := e.s.Whitelist("AB123CD", "IT", e.clk.now())
	if err != nil || !w.Authorised || w.Number != "L736_2025_00002" {
		t.Errorf("whitelist after duplicate = %+v, %v", w, err)
	}
	// A second duplicate, keeping the number, for loss.
	res2, err := e.s.DuplicatePass(mario, change(d), domain.DuplicateInput{Reason: domain.Smarrimento, Denuncia: mestre})
	if err != nil {
		t.Fatal(err)
	}
	if res2.Pass.Number != d.Number || res2.Pass.PreviousNumber != d.Number || res2.Pass.DuplicateReason != domain.Smarrimento {
		t.Errorf("second duplicate %+v", res2.Pass)
	}
	_, err = e.s.DuplicatePass(mario, change(res2.Pass), domain.DuplicateInput{Reason: "sbadataggine"})
	wantErr(t, "bad reason", err, "motivo del duplicato")
	other := e.issue(mario, bianchi(t))
	_, err = e.s.DuplicatePass(mario, change(res2.Pass), domain.DuplicateInput{Reason: domain.Deterioramento, Number: other.Pass.Number})
	wantErr(t, "number of another pass", err, "già usato")
}

func TestTransferToAnotherComune(t *testing.T) {
	e := newEnv(t)
	first := e.issue(mario, rossi(t), plate("AB123CD"))
	res, err := e.s.TransferPass(mario, change(first.Pass), "g224")
	if err != nil {
		t.Fatalf("TransferPass: %v", err)
	}
	moved := res.Pass
	if moved.Comune != "G224" || moved.IssuingComune != "L736" || moved.Number != first.Pass.Number ||
		moved.State != domain.Attivo || moved.Lineage != first.Pass.ID || moved.PersonID == first.Pass.PersonID ||
		len(moved.Plates) != 1 {
		t.Errorf("transferred version %+v", moved)
	}
	// Venezia: the new version is out of reach.
	_, err = e.s.GetPass(mario, moved.ID)
	wantNotFound(t, "Venezia reads Padova's version", err)
	_, err = e.s.SuspendPass(mario, change(moved), today, "prova")
	wantNotFound(t, "Venezia suspends Padova's version", err)
	_, err = e.s.EditPass(mario, service.Change{PassID: moved.ID}, service.PassEdit{Note: ptr("x")})
	wantNotFound(t, "Venezia edits Padova's version", err)
	// … but its own closed version stays visible as trasferito.
	rows, err := e.s.Search(mario, service.Query{Text: "ROSSI"})
	if err != nil || len(rows.Rows) != 1 || rows.Rows[0].ID != first.Pass.ID || rows.Rows[0].Status != domain.Trasferito || rows.Rows[0].Comune != "L736" {
		t.Errorf("Venezia's search = %+v, %v", rows.Rows, err)
	}
	ov := e.get(mario, first.Pass.ID)
	if ov.Pass.State != domain.Trasferito || !ov.Pass.StateFrom.Equal(today) || !strings.Contains(ov.Pass.StateReason, "G224") {
		t.Errorf("Venezia's version %+v", ov.Pass)
	}
	_, err = e.s.SuspendPass(mario, service.Change{PassID: first.Pass.ID}, today, "prova")
	wantErr(t, "change the trasferito version", err, "trasferito")
	// Padova sees and manages it, with the holder copied.
	v := e.get(giulia, moved.ID)
	if v.Holder.Comune != "G224" || v.Holder.CodiceFiscale != rossi(t).CodiceFiscale || v.Holder.ID != moved.PersonID ||
		v.Holder.Cognome != "ROSSI" || !v.Holder.DataNascita.Equal(rossi(t).DataNascita) {
		t.Errorf("copied holder %+v", v.Holder)
	}
	if len(v.Versions) != 2 || v.Versions[1].State != domain.Trasferito {
		t.Errorf("Padova's versions %+v", v.Versions)
	}
	if got := actions(v.History); !slices.Equal(got, []string{"rilascio", "trasferimento"}) {
		t.Errorf("history %v", got)
	}
	_, err = e.s.GetPass(giulia, first.Pass.ID)
	wantNotFound(t, "Padova reads Venezia's closed version", err)
	if ps, _ := e.s.SearchPeople(giulia, "ROSSI", 0); len(ps) != 1 || ps[0].Comune != "G224" {
		t.Errorf("Padova's people %+v", ps)
	}
	if ps, _ := e.s.SearchPeople(mario, "ROSSI", 0); len(ps) != 1 || ps[0].Comune != "L736" || ps[0].ID != first.Pass.PersonID {
		t.Errorf("Venezia's people %+v", ps)
	}
	w, _ := e.s.Whitelist("AB123CD", "IT", e.clk.now())
	if !w.Authorised || w.Comune != "G224" || w.PassID != moved.ID {
		t.Errorf("whitelist after transfer %+v", w)
	}
	sus, err := e.s.SuspendPass(giulia, change(moved), today, "verifica")
	if err != nil || sus.Pass.State != domain.Sospeso || sus.Pass.UpdatedBy != "giulia" {
		t.Errorf("Padova suspends: %+v, %v", sus.Pass, err)
	}
	_, err = e.s.TransferPass(giulia, change(sus.Pass), "G224")
	wantErr(t, "transfer to itself", err, "già del comune")
}

func TestOtherComuneCannotReadOrChange(t *testing.T) {
	e := newEnv(t)
	r := e.issue(mario, rossi(t), plate("AB123CD"))
	p := r.Pass
	c := change(p)
	_, err := e.s.GetPass(giulia, p.ID)
	wantNotFound(t, "GetPass", err)
	_, err = e.s.FindByNumber(giulia, p.Number)
	wantErr(t, "FindByNumber", err, "non trovato")
	for _, q := range []service.Query{{Text: p.Number}, {Text: "ROSSI"}, {Text: "AB123CD"}, {Text: p.HolderCF}, {}} {
		rows, err := e.s.Search(giulia, q)
		if err != nil || len(rows.Rows) != 0 {
			t.Errorf("Search(%q) as Padova = %+v, %v", q.Text, rows.Rows, err)
		}
	}
	_, err = e.s.Person(giulia, p.PersonID)
	wantNotFound(t, "Person", err)
	checks := map[string]func() error{
		"SuspendPass": func() error { _, err := e.s.SuspendPass(giulia, c, today, "x"); return err },
		"RevokePass":  func() error { _, err := e.s.RevokePass(giulia, c, today, "x"); return err },
		"RenewPass":   func() error { _, err := e.s.RenewPass(giulia, c, domain.RenewInput{}); return err },
		"DuplicatePass": func() error {
			_, err := e.s.DuplicatePass(giulia, c, domain.DuplicateInput{Reason: domain.Furto, Denuncia: mestre})
			return err
		},
		"TransferPass": func() error { _, err := e.s.TransferPass(giulia, c, "G224"); return err },
		"EditPass":     func() error { _, err := e.s.EditPass(giulia, c, service.PassEdit{Note: ptr("x")}); return err },
		"AddPlate":     func() error { _, err := e.s.AddPlate(giulia, c, plate("FG456HJ"), true); return err },
		"PlanPlate":    func() error { _, err := e.s.PlanPlate(giulia, c, plate("FG456HJ")); return err },
		"ClosePlate":   func() error { _, err := e.s.ClosePlate(giulia, c, 1, today); return err },
		"RemovePlate":  func() error { _, err := e.s.RemovePlate(giulia, c, 1); return err },
		"SetPlateRole": func() error { _, err := e.s.SetPlateRole(giulia, c, 1, domain.RolePrincipale); return err },
		"MarkDeceased": func() error { _, err := e.s.MarkDeceased(giulia, p.PersonID, today); return err },
		"SetPhoto":     func() error { return e.s.SetPhoto(giulia, p.PersonID, nil) },
		"SavePerson": func() error {
			h := e.get(mario, p.ID).Holder
			h.Note = "x"
			_, err := e.s.SavePerson(giulia, h, "")
			return err
		},
		"IssuePass for Venezia's person": func() error {
			_, err := e.s.IssuePass(giulia, service.IssueRequest{PersonID: p.PersonID, Pass: domain.IssueInput{Kind: domain.Permanente}})
			return err
		},
	}
	for name, f := range checks {
		wantNotFound(t, name, f())
	}
	v := e.get(mario, p.ID)
	if v.Pass.Version != 1 || v.Pass.State != domain.Attivo || len(v.Pass.Plates) != 1 || len(v.History) != 1 || v.Holder.Note != "" {
		t.Errorf("Padova's attempts changed the pass: %+v, %d history", v.Pass, len(v.History))
	}
}

func ptr[T any](v T) *T { return &v }

func TestStaleVersionRefused(t *testing.T) {
	e := newEnv(t)
	r := e.issue(mario, rossi(t))
	seenByMario := e.get(mario, r.Pass.ID).Pass
	seenByAnna := e.get(anna, r.Pass.ID).Pass
	if seenByMario.Version != 1 || seenByAnna.Version != 1 {
		t.Fatalf("versions %d %d", seenByMario.Version, seenByAnna.Version)
	}
	e.clk.set(today) // 10:30
	if _, err := e.s.SuspendPass(mario, change(seenByMario), today, "verifica dei requisiti"); err != nil {
		t.Fatalf("first change: %v", err)
	}
	_, err := e.s.EditPass(anna, change(seenByAnna), service.PassEdit{Note: ptr("nota di anna")})
	var stale *service.StaleError
	if !errors.As(err, &stale) {
		t.Fatalf("second change on the old version: err = %v, want *StaleError", err)
	}
	if stale.By != "mario" || !strings.Contains(err.Error(), "mario") || !strings.Contains(err.Error(), "L736_2025_00001") ||
		!strings.Contains(err.Error(), "10:30:00 del 10/06/2025") || !strings.Contains(err.Error(), "nessuna modifica salvata") {
		t.Errorf("stale error %q (by %q)", err, stale.By)
	}
	v := e.get(mario, r.Pass.ID)
	if v.Pass.Note != "" || v.Pass.State != domain.Sospeso || v.Pass.Version != 2 || v.Pass.UpdatedBy != "mario" {
		t.Errorf("after the refused change: %+v", v.Pass)
	}
	if got := actions(v.History); !slices.Equal(got, []string{"rilascio", "sospensione"}) {
		t.Errorf("history %v", got)
	}
	// With the current version anna's edit goes through.
	res, err := e.s.EditPass(anna, change(v.Pass), service.PassEdit{Note: ptr("nota di anna")})
	if err != nil || res.Pass.Note != "nota di anna" || res.Pass.Version != 3 {
		t.Errorf("edit on the current version: %+v, %v", res.Pass, err)
	}
	_, err = e.s.EditPass(anna, change(res.Pass), service.PassEdit{Note: ptr("nota di anna")})
	wantErr(t, "edit with nothing to change", err, "nessuna modifica")
}

func TestSuspendResumeRevoke(t *testing.T) {
	e := newEnv(t)
	r := e.issue(mario, rossi(t), plate("AB123CD"))
	_, err := e.s.SuspendPass(mario, change(r.Pass), today, "  ")
	wantErr(t, "suspend without reason", err, "motivo")
	_, err = e.s.SuspendPass(mario, change(r.Pass), domain.Date{}, "verifica")
	wantErr(t, "suspend without date", err, "data")
	_, err = e.s.ResumePass(mario, change(r.Pass))
	wantErr(t, "resume an active pass", err, "riattivazione", "non consentit", "attivo")

	from := today.AddDays(5)
	s1, err := e.s.SuspendPass(mario, change(r.Pass), from, "verifica dei requisiti")
	if err != nil {
		t.Fatal(err)
	}
	if s1.Pass.State != domain.Sospeso || !s1.Pass.StateFrom.Equal(from) || s1.Pass.StateReason != "verifica dei requisiti" {
		t.Errorf("suspended %+v", s1.Pass)
	}
	// Dated in the future: active until then, for the card and for the gates.
	if v := e.get(mario, r.Pass.ID); v.Status != domain.Attivo {
		t.Errorf("status before the suspension starts = %s", v.Status)
	}
	if w, _ := e.s.Whitelist("AB123CD", "IT", e.clk.now()); !w.Authorised {
		t.Errorf("whitelist before the suspension starts: %+v", w)
	}
	if w, _ := e.s.Whitelist("AB123CD", "IT", from.Time().Add(12*time.Hour)); w.Authorised || !strings.Contains(w.Reason, "sospeso dal 15/06/2025") {
		t.Errorf("whitelist during the suspension: %+v", w)
	}
	e.clk.set(from)
	if v := e.get(mario, r.Pass.ID); v.Status != domain.Sospeso {
		t.Errorf("status on the suspension day = %s", v.Status)
	}
	res, err := e.s.ResumePass(mario, change(s1.Pass))
	if err != nil {
		t.Fatal(err)
	}
	if res.Pass.State != domain.Attivo || !res.Pass.StateFrom.IsZero() || res.Pass.StateReason != "" {
		t.Errorf("resumed %+v", res.Pass)
	}
	rev, err := e.s.RevokePass(anna, change(res.Pass), from, "requisiti non più presenti")
	if err != nil {
		t.Fatal(err)
	}
	if rev.Pass.State != domain.Revocato || !rev.Pass.StateFrom.Equal(from) || rev.Pass.StateReason != "requisiti non più presenti" {
		t.Errorf("revoked %+v", rev.Pass)
	}
	c := change(rev.Pass)
	_, err = e.s.RenewPass(mario, c, domain.RenewInput{})
	wantErr(t, "renew a revoked pass", err, "rinnovo", "non consentit", "revocato")
	_, err = e.s.SuspendPass(mario, c, from, "x")
	wantErr(t, "suspend a revoked pass", err, "sospensione", "non consentit", "revocato")
	_, err = e.s.ResumePass(mario, c)
	wantErr(t, "resume a revoked pass", err, "riattivazione", "non consentit", "revocato")
	_, err = e.s.DuplicatePass(mario, c, domain.DuplicateInput{Reason: domain.Furto, Denuncia: mestre})
	wantErr(t, "duplicate a revoked pass", err, "duplicato", "non consentit")
	_, err = e.s.TransferPass(mario, c, "G224")
	wantErr(t, "transfer a revoked pass", err, "trasferimento", "non consentit")
	_, err = e.s.AddPlate(mario, c, plate("FG456HJ"), true)
	wantErr(t, "plates on a revoked pass", err, "targhe", "non consentit")
	_, err = e.s.RevokePass(mario, c, from, "ancora")
	wantErr(t, "revoke twice", err, "revoca", "non consentit")

	v := e.get(mario, r.Pass.ID)
	if v.Status != domain.Revocato || v.Pass.Version != 4 {
		t.Errorf("final %s version %d", v.Status, v.Pass.Version)
	}
	if got := actions(v.History); !slices.Equal(got, []string{"rilascio", "sospensione", "riattivazione", "revoca"}) {
		t.Errorf("history %v", got)
	}
	if d := v.History[1].Detail; !strings.Contains(d, "15/06/2025") || !strings.Contains(d, "verifica dei requisiti") {
		t.Errorf("suspension audit detail %q", d)
	}
	if h := v.History[3]; h.Operator != "anna" || !strings.Contains(h.Detail, "revocato dal 15/06/2025: requisiti non più presenti") {
		t.Errorf("revocation audit %+v", h)
	}
	// A revoked pass no longer counts for P5.
	e.issue(giulia, rossi(t))
}

func TestSearchFindCountsExpiring(t *testing.T) {
	e := newEnv(t)
	a := e.issue(mario, rossi(t), plate("AB123CD"))
	b := e.issueReq(mario, service.IssueRequest{Person: bianchi(t), Plates: []service.PlateInput{plate("FG456HJ")},
		Pass: domain.IssueInput{Kind: domain.Permanente, DataRilascio: date(2020, time.July, 1)}}) // expires 01/07/2025
	e.issue(giulia, verdi(t))
	if _, err := e.s.SuspendPass(mario, change(a.Pass), today, "verifica"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		q    service.Query
		want []string
	}{
		{service.Query{Text: "rossi m"}, []string{a.Pass.Number}},
		{service.Query{Text: "L736_2020"}, []string{b.Pass.Number}},
		{service.Query{Text: "fg 456"}, []string{b.Pass.Number}},
		{service.Query{Text: b.Pass.HolderCF[:6]}, []string{b.Pass.Number}},
		{service.Query{States: []domain.State{domain.InScadenza}}, []string{b.Pass.Number}},
		{service.Query{States: []domain.State{domain.Sospeso}}, []string{a.Pass.Number}},
		{service.Query{Sort: "numero"}, []string{b.Pass.Number, a.Pass.Number}},
		{service.Query{Channel: domain.App}, nil},
		{service.Query{ExpiryTo: date(2026, time.January, 1)}, []string{b.Pass.Number}},
	} {
		res, err := e.s.Search(mario, c.q)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, r := range res.Rows {
			got = append(got, r.Number)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("Search(%+v) = %v, want %v", c.q, got, c.want)
		}
	}
	all, _ := e.s.Search(admin, service.Query{})
	if len(all.Rows) != 3 {
		t.Errorf("system search sees %d passes, want 3", len(all.Rows))
	}
	limited, _ := e.s.Search(admin, service.Query{Limit: 2})
	if len(limited.Rows) != 2 || !limited.More {
		t.Errorf("limit 2: %d rows, more %v", len(limited.Rows), limited.More)
	}
	counts, err := e.s.Counts(mario)
	if err != nil {
		t.Fatal(err)
	}
	if counts[domain.Sospeso] != 1 || counts[domain.InScadenza] != 1 || counts[domain.Attivo] != 0 {
		t.Errorf("counts %v", counts)
	}
	exp, err := e.s.Expiring(mario, 30)
	if err != nil || len(exp) != 1 || exp[0].Number != b.Pass.Number || exp[0].Status != domain.InScadenza {
		t.Errorf("Expiring(30) = %+v, %v", exp, err)
	}
	if p, err := e.s.FindByNumber(mario, " "+strings.ToLower(a.Pass.Number)); err != nil || p.ID != a.Pass.ID {
		t.Errorf("FindByNumber = %d, %v", p.ID, err)
	}
	_, err = e.s.FindByNumber(mario, "L736_1999_00001")
	wantErr(t, "FindByNumber unknown", err, "non trovato")
}
