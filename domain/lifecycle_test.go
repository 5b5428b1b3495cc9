package domain

import (
	"reflect"
	"strings"
	"testing"
)

// lcDay is "today" in the life-cycle tests; lcPass is valid 2024-01-15 … 2029-01-15.
var lcDay = MustDate(2026, 6, 1)

func lcPass(mod func(*Pass)) Pass {
	p := Pass{
		ID: 10, Lineage: 10, Number: "L736_2024_00015", Comune: "L736", IssuingComune: "L736",
		PersonID: 3, HolderCF: "RSSMRA80A01L736U", HolderName: "ROSSI MARIO", Kind: Permanente,
		DataRilascio: MustDate(2024, 1, 10), DataDecorrenza: MustDate(2024, 1, 15), DataScadenza: MustDate(2029, 1, 15),
		State: Attivo, Channel: Sportello,
		Plates: []Plate{
			{ID: 1, Number: "AB123CD", Country: Italy, Class: PlateAuto, From: MustDate(2024, 1, 15), Role: RolePrincipale},
		},
		NextPlateID: 1,
		National:    National{Consent: true, CudeID: "CUDE-1", CodiceUnivoco: "U-1", Status: NationalSent},
		Note:        "nota", Version: 4,
	}
	if mod != nil {
		mod(&p)
	}
	return p
}

// lcFixture is a pass in one of the states an action may find it in (P7), with the
// state CheckTransition sees on lcDay.
type lcFixture struct {
	name  string
	p     Pass
	state string // label in the refusal message
}

func lcFixtures() []lcFixture {
	d := MustDate
	return []lcFixture{
		{"attivo", lcPass(nil), "attivo"},
		{"in scadenza", lcPass(func(p *Pass) { p.DataScadenza = lcDay.AddDays(30) }), "attivo"},
		{"on the expiry day", lcPass(func(p *Pass) { p.DataScadenza = lcDay }), "attivo"},
		{"not yet started", lcPass(func(p *Pass) { p.DataDecorrenza, p.DataScadenza = lcDay.AddDays(10), lcDay.AddYears(5) }), "attivo"},
		{"scaduto by date", lcPass(func(p *Pass) { p.DataDecorrenza, p.DataScadenza = d(2020, 1, 1), lcDay.AddDays(-1) }), "scaduto"},
		{"scaduto stored (import)", lcPass(func(p *Pass) { p.State = Scaduto }), "scaduto"},
		{"sospeso", lcPass(func(p *Pass) { p.State, p.StateFrom, p.StateReason = Sospeso, d(2026, 5, 1), "verifica" }), "sospeso dal 01/05/2026"},
		{"sospeso from today", lcPass(func(p *Pass) { p.State, p.StateFrom, p.StateReason = Sospeso, lcDay, "verifica" }), "sospeso dal 01/06/2026"},
		// A suspension or revocation dated in the future is already decided: the actions
		// follow it, though the pass still shows as active (Status) until that date.
		{"sospeso from a future date", lcPass(func(p *Pass) { p.State, p.StateFrom, p.StateReason = Sospeso, d(2026, 7, 1), "verifica" }), "sospeso dal 01/07/2026"},
		{"revocato", lcPass(func(p *Pass) { p.State, p.StateFrom, p.StateReason = Revocato, d(2026, 5, 1), "uso improprio" }), "revocato dal 01/05/2026"},
		{"revocato from a future date", lcPass(func(p *Pass) { p.State, p.StateFrom, p.StateReason = Revocato, d(2026, 7, 1), "uso improprio" }), "revocato dal 01/07/2026"},
		{"rinnovato", lcPass(func(p *Pass) { p.State, p.StateFrom = Rinnovato, d(2026, 5, 1) }), "rinnovato"},
		{"sostituito", lcPass(func(p *Pass) { p.State, p.StateFrom = Sostituito, d(2026, 5, 1) }), "sostituito"},
		{"trasferito", lcPass(func(p *Pass) { p.State, p.StateFrom = Trasferito, d(2026, 5, 1) }), "trasferito"},
		{"trasferito fuori circuito", lcPass(func(p *Pass) { p.State, p.StateFrom = TrasferitoFuori, d(2026, 5, 1) }), "trasferito fuori circuito"},
	}
}

// P1–P8: every action from every state. allowed lists, per action, the fixtures
// (by the state CheckTransition sees) it may start from.
func TestCheckTransitionMatrix(t *testing.T) {
	attivo := []string{"attivo"}
	allowed := map[Action][]string{
		ActIssue:     nil, // not an action on an existing pass
		ActRenew:     append(attivo, "scaduto"),
		ActDuplicate: attivo,
		ActTransfer:  append(attivo, "sospeso"),
		ActSuspend:   attivo,
		ActResume:    {"sospeso"},
		ActRevoke:    append(attivo, "scaduto", "sospeso"),
		ActDeceased:  append(attivo, "scaduto", "sospeso"),
		ActPlates:    append(attivo, "scaduto", "sospeso"),
		ActEdit:      append(attivo, "scaduto", "sospeso"),
	}
	actions := []Action{ActIssue, ActRenew, ActDuplicate, ActTransfer, ActSuspend, ActResume, ActRevoke, ActDeceased, ActPlates, ActEdit}
	if len(actions) != len(allowed) {
		t.Fatal("the matrix misses an action")
	}
	for _, a := range actions {
		for _, f := range lcFixtures() {
			base, _, _ := strings.Cut(f.state, " dal ")
			want := false
			for _, s := range allowed[a] {
				want = want || s == base
			}
			err := CheckTransition(f.p, a, lcDay)
			if want {
				if err != nil {
					t.Errorf("%s from %s: refused (%v), want allowed", a, f.name, err)
				}
				continue
			}
			if err == nil {
				t.Errorf("%s from %s: allowed, want refused", a, f.name)
				continue
			}
			msg := err.Error()
			if !IsRule(err) {
				t.Errorf("%s from %s: %v is not a domain rule error", a, f.name, err)
			}
			// The message names the action, the pass and its state, in Italian.
			for _, part := range []string{a.notAllowed(), "L736_2024_00015 è " + f.state + " "} {
				if !strings.Contains(msg+" ", part) {
					t.Errorf("%s from %s: message %q, want it to contain %q", a, f.name, msg, part)
				}
			}
			// The transition itself refuses the same way, and changes nothing.
			if terr := runAction(f.p, a); terr != nil && terr.Error() != msg {
				t.Errorf("%s from %s: the transition says %q, CheckTransition %q", a, f.name, terr, msg)
			} else if terr == nil && hasMethod(a) {
				t.Errorf("%s from %s: the transition went through", a, f.name)
			}
		}
	}
}

func hasMethod(a Action) bool {
	switch a {
	case ActRenew, ActDuplicate, ActTransfer, ActSuspend, ActResume, ActRevoke, ActDeceased:
		return true
	}
	return false
}

// runAction runs the transition of a with valid input; nil for actions without one.
func runAction(p Pass, a Action) error {
	var err error
	switch a {
	case ActRenew:
		_, _, err = p.Renew(RenewInput{DataRilascio: lcDay, DataDecorrenza: lcDay, DataScadenza: lcDay.AddYears(5)}, lcDay, Sportello)
	case ActDuplicate:
		_, _, err = p.MakeDuplicate(DuplicateInput{Reason: Smarrimento, Denuncia: lcReport}, lcDay, Sportello)
	case ActTransfer:
		_, _, err = p.Transfer("G224", lcDay)
	case ActSuspend:
		_, err = p.Suspend(lcDay, "verifica", lcDay)
	case ActResume:
		_, err = p.Resume(lcDay)
	case ActRevoke:
		_, err = p.Revoke(lcDay, "uso improprio", lcDay)
	case ActDeceased:
		_, _, err = p.HolderDeceased(lcDay, lcDay)
	}
	return err
}

func TestCheckTransitionMessage(t *testing.T) {
	p := lcPass(func(p *Pass) { p.State, p.StateFrom = Rinnovato, MustDate(2026, 5, 1) })
	err := CheckTransition(p, ActRevoke, lcDay)
	want := "revoca non consentita: il contrassegno L736_2024_00015 è rinnovato (consentito solo se attivo, scaduto o sospeso)"
	if err == nil || err.Error() != want {
		t.Errorf("CheckTransition = %v,\nwant %s", err, want)
	}
	err = CheckTransition(lcPass(nil), ActResume, lcDay)
	want = "riattivazione non consentita: il contrassegno L736_2024_00015 è attivo (consentito solo se sospeso)"
	if err == nil || err.Error() != want {
		t.Errorf("CheckTransition = %v,\nwant %s", err, want)
	}
	// A suspension dated in the future: the pass shows active, but it is the suspension
	// that blocks a renewal (the successor would forget it).
	p = lcPass(func(p *Pass) { p.State, p.StateFrom = Sospeso, MustDate(2026, 7, 1) })
	if st := p.Status(lcDay, 60); st != Attivo {
		t.Errorf("Status = %s, want attivo before the suspension", st)
	}
	err = CheckTransition(p, ActRenew, lcDay)
	want = "rinnovo non consentito: il contrassegno L736_2024_00015 è sospeso dal 01/07/2026 (consentito solo se attivo o scaduto)"
	if err == nil || err.Error() != want {
		t.Errorf("CheckTransition = %v,\nwant %s", err, want)
	}
	err = CheckTransition(lcPass(nil), ActIssue, lcDay)
	want = "rilascio non consentito su un contrassegno esistente: il contrassegno L736_2024_00015 è attivo"
	if err == nil || err.Error() != want {
		t.Errorf("CheckTransition = %v,\nwant %s", err, want)
	}
}

// P1: the date rules of every version.
func TestCheckDates(t *testing.T) {
	d := MustDate
	ril, dec := d(2024, 1, 10), d(2024, 1, 15)
	tests := []struct {
		name          string
		kind          Kind
		ril, dec, sca Date
		wantMsg       string // "" = accepted
	}{
		{"permanente 5 anni", Permanente, ril, dec, d(2029, 1, 15), ""},
		{"permanente up to the birthday after 5 years", Permanente, ril, dec, d(2030, 1, 14), ""},
		{"permanente, 6 years exactly", Permanente, ril, dec, d(2030, 1, 15), ""},
		{"permanente, longer than 6 years", Permanente, ril, dec, d(2030, 1, 16), "un contrassegno permanente vale al più 5 anni"},
		{"temporaneo, a few months", Temporaneo, ril, dec, d(2024, 6, 30), ""},
		{"temporaneo, one day", Temporaneo, ril, dec, d(2024, 1, 16), ""},
		{"temporaneo, long", Temporaneo, ril, dec, d(2034, 1, 15), ""}, // the certificate decides
		{"issued after decorrenza", Permanente, d(2024, 2, 1), dec, d(2029, 1, 15), ""},
		{"no kind", "", ril, dec, d(2029, 1, 15), "tipo di contrassegno"},
		{"wrong kind", "X", ril, dec, d(2029, 1, 15), `tipo di contrassegno "X" non valido`},
		{"no rilascio", Permanente, Date{}, dec, d(2029, 1, 15), "la data di rilascio è obbligatoria"},
		{"no decorrenza", Permanente, ril, Date{}, d(2029, 1, 15), "la data di decorrenza è obbligatoria"},
		{"no scadenza", Permanente, ril, dec, Date{}, "la data di scadenza è obbligatoria"},
		{"scadenza = decorrenza", Temporaneo, ril, dec, dec, "la scadenza 15/01/2024 non è successiva alla decorrenza 15/01/2024"},
		{"scadenza before decorrenza", Temporaneo, ril, dec, d(2024, 1, 14), "non è successiva alla decorrenza"},
		{"scadenza before rilascio", Temporaneo, d(2024, 3, 1), dec, d(2024, 2, 1), "la scadenza 01/02/2024 precede il rilascio 01/03/2024"},
	}
	for _, tt := range tests {
		err := CheckDates(tt.kind, tt.ril, tt.dec, tt.sca)
		switch {
		case tt.wantMsg == "" && err != nil:
			t.Errorf("%s: %v, want accepted", tt.name, err)
		case tt.wantMsg != "" && err == nil:
			t.Errorf("%s: accepted, want %q", tt.name, tt.wantMsg)
		case tt.wantMsg != "" && !strings.Contains(err.Error(), tt.wantMsg):
			t.Errorf("%s: %q, want it to contain %q", tt.name, err, tt.wantMsg)
		}
	}
}

// P1: a new pass.
func TestNewPass(t *testing.T) {
	holder := Person{ID: 3, CodiceFiscale: "RSSMRA80A01L736U", Cognome: "ROSSI", Nome: "MARIO"}
	in := IssueInput{
		Number: "L736_2024_00015", Kind: Permanente,
		DataRilascio: MustDate(2024, 1, 10), DataDecorrenza: MustDate(2024, 1, 15), DataScadenza: MustDate(2029, 1, 15),
		PreviousNumber: " VE-1234 ", Consent: true, Note: "  prima emissione ",
	}
	got, err := NewPass(in, "L736", holder, App)
	if err != nil {
		t.Fatal(err)
	}
	want := Pass{
		Number: "L736_2024_00015", PreviousNumber: "VE-1234", Comune: "L736", IssuingComune: "L736",
		PersonID: 3, HolderCF: "RSSMRA80A01L736U", HolderName: "ROSSI MARIO", Kind: Permanente,
		DataRilascio: in.DataRilascio, DataDecorrenza: in.DataDecorrenza, DataScadenza: in.DataScadenza,
		State: Attivo, Edition: 1, Channel: App, National: National{Consent: true}, Note: "prima emissione",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("NewPass = %+v,\nwant %+v", got, want)
	}
	bad := []struct {
		name    string
		mod     func(*IssueInput)
		wantMsg string
	}{
		{"no number", func(i *IssueInput) { i.Number = "" }, "il numero del contrassegno è obbligatorio"},
		{"bad number", func(i *IssueInput) { i.Number = "L736 2024" }, "non valido"},
		{"no kind", func(i *IssueInput) { i.Kind = "" }, "tipo di contrassegno"},
		{"expiry before start", func(i *IssueInput) { i.DataScadenza = MustDate(2024, 1, 1) }, "non è successiva"},
	}
	for _, tt := range bad {
		in2 := in
		tt.mod(&in2)
		if _, err := NewPass(in2, "L736", holder, App); err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("%s: NewPass error %v, want %q", tt.name, err, tt.wantMsg)
		}
	}
}

// renewPass has plates in every situation a renewal meets (P3, T1).
func renewPass() Pass {
	d := MustDate
	return lcPass(func(p *Pass) {
		p.Duplicate, p.DuplicateReason = true, Furto // the current card is a duplicate
		p.PreviousNumber = "VE-1234"
		p.ImportFile = "registro.csv"
		p.Plates = []Plate{
			{ID: 1, Number: "AB123CD", From: d(2024, 1, 15), Role: RolePrincipale},                    // open: follows the pass
			{ID: 2, Number: "EF456GH", From: d(2025, 1, 1), To: d(2029, 1, 15)},                       // ends with the pass
			{ID: 3, Number: "IJ789KL", From: d(2024, 1, 15), To: d(2025, 12, 31)},                     // closed earlier
			{ID: 4, Number: "MN012PR", From: d(2026, 1, 1), To: d(2028, 6, 30), Role: RoleSecondaria}, // closed later
		}
		p.NextPlateID = 4
	})
}

// P3: renewal keeps the number, records the previous one, closes the old version.
func TestRenew(t *testing.T) {
	d := MustDate
	p := renewPass()
	orig := p.Clone()
	today := d(2028, 12, 1)
	in := RenewInput{DataRilascio: today, DataDecorrenza: d(2029, 1, 16), DataScadenza: d(2034, 1, 16)}
	old, next, err := p.Renew(in, today, App)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, orig) {
		t.Error("Renew changed the caller's pass")
	}

	wantOld := orig.Clone()
	wantOld.State, wantOld.StateFrom, wantOld.StateReason = Rinnovato, d(2029, 1, 16), "rinnovo"
	if !reflect.DeepEqual(old, wantOld) {
		t.Errorf("old version = %+v,\nwant %+v", old, wantOld)
	}

	wantNext := orig.Clone()
	wantNext.ID, wantNext.PrevID, wantNext.Version, wantNext.ImportFile = 0, 10, 0, ""
	wantNext.Kind, wantNext.DataRilascio, wantNext.DataDecorrenza, wantNext.DataScadenza = Permanente, today, d(2029, 1, 16), d(2034, 1, 16)
	wantNext.PreviousNumber = "L736_2024_00015" // proposed: the number itself
	wantNext.Duplicate, wantNext.DuplicateReason, wantNext.Channel = false, "", App
	wantNext.Edition = 3           // a new card (issue 13.2); the old version, recorded before editions, a duplicate: 2
	wantNext.Plates[1].To = Date{} // ended with the old expiry: now follows the new one
	if !reflect.DeepEqual(next, wantNext) {
		t.Errorf("new version = %+v,\nwant %+v", next, wantNext)
	}
	if next.Number != p.Number || next.Lineage != p.Lineage || next.State != Attivo || !next.StateFrom.IsZero() {
		t.Errorf("new version: number %s lineage %d state %s from %s", next.Number, next.Lineage, next.State, next.StateFrom)
	}
	// The open plate windows now reach the new expiry.
	for _, id := range []uint32{1, 2} {
		i, _ := next.PlateByID(id)
		if _, to := next.Plates[i].Window(next.DataScadenza); to != d(2034, 1, 16) {
			t.Errorf("plate %d ends %s after the renewal, want 16/01/2034", id, to)
		}
	}
	// Closed windows stay closed.
	for id, end := range map[uint32]Date{3: d(2025, 12, 31), 4: d(2028, 6, 30)} {
		i, _ := next.PlateByID(id)
		if _, to := next.Plates[i].Window(next.DataScadenza); to != end {
			t.Errorf("plate %d ends %s after the renewal, want %s", id, to, end)
		}
	}
	// Changing next does not change old.
	next.Plates[0].Number = "ZZ999ZZ"
	if old.Plates[0].Number != "AB123CD" {
		t.Error("old and new versions share plates")
	}
}

func TestRenewInputs(t *testing.T) {
	d := MustDate
	today := d(2028, 12, 1)
	base := RenewInput{DataRilascio: today, DataDecorrenza: d(2029, 1, 16), DataScadenza: d(2034, 1, 16)}
	tests := []struct {
		name     string
		p        Pass
		mod      func(*RenewInput)
		day      Date
		wantMsg  string
		wantPrev string
		wantKind Kind
	}{
		{"previous number edited", lcPass(nil), func(i *RenewInput) { i.PreviousNumber = " VE-1234 " }, today, "", "VE-1234", Permanente},
		{"kind changed to temporaneo", lcPass(nil), func(i *RenewInput) { i.Kind, i.DataScadenza = Temporaneo, d(2029, 7, 16) }, today, "", "L736_2024_00015", Temporaneo},
		{"temporaneo keeps its kind", lcPass(func(p *Pass) { p.Kind = Temporaneo }), func(i *RenewInput) { i.DataScadenza = d(2029, 7, 16) }, today, "", "L736_2024_00015", Temporaneo},
		{"renewal of an expired pass", lcPass(nil), func(i *RenewInput) {
			i.DataRilascio, i.DataDecorrenza, i.DataScadenza = d(2029, 3, 1), d(2029, 3, 1), d(2034, 3, 1)
		}, d(2029, 3, 1), "", "L736_2024_00015", Permanente},
		{"new expiry not later", lcPass(nil), func(i *RenewInput) { i.DataDecorrenza, i.DataScadenza = d(2024, 6, 1), d(2029, 1, 15) }, today,
			"la nuova scadenza 15/01/2029 deve essere successiva a quella attuale 15/01/2029", "", ""},
		{"new expiry earlier", lcPass(nil), func(i *RenewInput) { i.Kind, i.DataScadenza = Temporaneo, d(2029, 1, 10) }, today, "non è successiva alla decorrenza", "", ""},
		{"no rilascio", lcPass(nil), func(i *RenewInput) { i.DataRilascio = Date{} }, today, "la data di rilascio è obbligatoria", "", ""},
		{"permanente too long", lcPass(nil), func(i *RenewInput) { i.DataScadenza = d(2036, 1, 1) }, today, "al più 5 anni", "", ""},
		{"bad kind", lcPass(nil), func(i *RenewInput) { i.Kind = "Z" }, today, "tipo di contrassegno", "", ""},
	}
	for _, tt := range tests {
		in := base
		tt.mod(&in)
		_, next, err := tt.p.Renew(in, tt.day, Sportello)
		if tt.wantMsg != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if next.PreviousNumber != tt.wantPrev || next.Kind != tt.wantKind {
			t.Errorf("%s: previous number %q kind %s, want %q %s", tt.name, next.PreviousNumber, next.Kind, tt.wantPrev, tt.wantKind)
		}
	}
}

// P4: a duplicate closes the card from today and opens one that prints DUPLICATO.
func TestMakeDuplicate(t *testing.T) {
	p := renewPass()
	orig := p.Clone()
	old, next, err := p.MakeDuplicate(DuplicateInput{Reason: Furto, Denuncia: lcReport}, lcDay, App)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, orig) {
		t.Error("MakeDuplicate changed the caller's pass")
	}
	wantOld := orig.Clone()
	wantOld.State, wantOld.StateFrom, wantOld.StateReason = Sostituito, lcDay, "duplicato per furto"
	if !reflect.DeepEqual(old, wantOld) {
		t.Errorf("old version = %+v,\nwant %+v", old, wantOld)
	}
	wantNext := orig.Clone()
	wantNext.ID, wantNext.PrevID, wantNext.Version, wantNext.ImportFile = 0, 10, 0, ""
	wantNext.PreviousNumber = "L736_2024_00015"
	wantNext.DataRilascio, wantNext.DataDecorrenza = lcDay, lcDay // valid from today; same expiry
	wantNext.Duplicate, wantNext.DuplicateReason, wantNext.Denuncia, wantNext.Channel = true, Furto, lcReport, App
	wantNext.Edition = 3 // issue 13.2: the next card; renewPass is a duplicate recorded before editions (2)
	if !reflect.DeepEqual(next, wantNext) {
		t.Errorf("duplicate = %+v,\nwant %+v", next, wantNext)
	}

	tests := []struct {
		name       string
		p          Pass
		reason     DuplicateReason
		number     string
		wantMsg    string
		wantNumber string
		wantReason DuplicateReason
		wantDec    Date
	}{
		{"fresh number after a theft", lcPass(nil), Furto, "L736_2026_00042", "", "L736_2026_00042", Furto, lcDay},
		{"blank number: the same", lcPass(nil), Smarrimento, "  ", "", "L736_2024_00015", Smarrimento, lcDay},
		{"number trimmed", lcPass(nil), Deterioramento, " L736_2026_00042 ", "", "L736_2026_00042", Deterioramento, lcDay},
		{"reason in capitals stored canonical", lcPass(nil), "FURTO", "", "", "L736_2024_00015", Furto, lcDay},
		{"reason synonym stored canonical", lcPass(nil), "usura", "", "", "L736_2024_00015", Deterioramento, lcDay},
		{"pass not yet started keeps its decorrenza", lcPass(func(p *Pass) { p.DataDecorrenza, p.DataScadenza = MustDate(2026, 7, 1), MustDate(2031, 7, 1) }),
			Smarrimento, "", "", "L736_2024_00015", Smarrimento, MustDate(2026, 7, 1)},
		{"bad reason", lcPass(nil), "rapina", "", `motivo del duplicato "rapina" non valido`, "", "", Date{}},
		{"no reason", lcPass(nil), "", "", "motivo del duplicato", "", "", Date{}},
		{"bad number", lcPass(nil), Furto, "L736 2026", "non valido", "", "", Date{}},
	}
	for _, tt := range tests {
		old, next, err := tt.p.MakeDuplicate(DuplicateInput{Reason: tt.reason, Number: tt.number, Denuncia: reportFor(tt.reason)}, lcDay, Sportello)
		if tt.wantMsg != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if next.Number != tt.wantNumber || next.PreviousNumber != "L736_2024_00015" || next.DuplicateReason != tt.wantReason ||
			!next.Duplicate || next.DataDecorrenza != tt.wantDec || next.DataRilascio != lcDay {
			t.Errorf("%s: duplicate number %q prev %q reason %q dup %v dec %s ril %s", tt.name,
				next.Number, next.PreviousNumber, next.DuplicateReason, next.Duplicate, next.DataDecorrenza, next.DataRilascio)
		}
		if want := "duplicato per " + string(tt.wantReason); old.StateReason != want || old.State != Sostituito || old.StateFrom != lcDay {
			t.Errorf("%s: old %s from %s reason %q, want sostituito from %s reason %q", tt.name, old.State, old.StateFrom, old.StateReason, lcDay, want)
		}
	}
}

// P6: a transfer hands the pass, plates and history to another comune.
func TestTransfer(t *testing.T) {
	p := renewPass()
	orig := p.Clone()
	old, next, err := p.Transfer("G224", lcDay)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, orig) {
		t.Error("Transfer changed the caller's pass")
	}
	wantOld := orig.Clone()
	wantOld.State, wantOld.StateFrom, wantOld.StateReason, wantOld.TransferredTo = Trasferito, lcDay, "trasferito al comune G224", "G224"
	if !reflect.DeepEqual(old, wantOld) {
		t.Errorf("old version = %+v,\nwant %+v", old, wantOld)
	}
	wantNext := orig.Clone()
	wantNext.ID, wantNext.PrevID, wantNext.Version, wantNext.ImportFile = 0, 10, 0, ""
	wantNext.Comune = "G224" // IssuingComune stays: the card is not reprinted
	if !reflect.DeepEqual(next, wantNext) {
		t.Errorf("new version = %+v,\nwant %+v", next, wantNext)
	}

	// A suspended pass stays suspended in the new comune.
	susp := lcPass(func(p *Pass) { p.State, p.StateFrom, p.StateReason = Sospeso, MustDate(2026, 5, 1), "verifica" })
	_, next, err = susp.Transfer("G224", lcDay)
	if err != nil {
		t.Fatal(err)
	}
	if next.State != Sospeso || next.StateFrom != MustDate(2026, 5, 1) || next.StateReason != "verifica" || next.Comune != "G224" {
		t.Errorf("transferred suspended pass: %s from %s %q in %s", next.State, next.StateFrom, next.StateReason, next.Comune)
	}

	tests := []struct {
		to, wantMsg, wantComune string
	}{
		{"g224", "", "G224"}, // codes are stored upper case
		{" L781 ", "", "L781"},
		{"L736", "il contrassegno è già del comune L736", ""},
		{"l736", "il contrassegno è già del comune L736", ""},
		{"Q999", `comune di destinazione "Q999" sconosciuto`, ""},
		{"", "comune di destinazione", ""},
		{"A012", "cessato", ""}, // Abetone, merged into Abetone Cutigliano in 2017
	}
	for _, tt := range tests {
		_, next, err := lcPass(nil).Transfer(tt.to, lcDay)
		if tt.wantMsg != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("Transfer(%q): error %v, want %q", tt.to, err, tt.wantMsg)
			}
			continue
		}
		if err != nil || next.Comune != tt.wantComune {
			t.Errorf("Transfer(%q) = comune %q, %v; want %q", tt.to, next.Comune, err, tt.wantComune)
		}
	}
}

// P6, issue #8: a holder who moves outside the circuit: the pass ends here, with no
// successor, its plates out of the whitelist from that day.
func TestTransferOut(t *testing.T) {
	p := lcPass(nil)
	orig := p.Clone()
	n, err := p.TransferOut("f205", lcDay) // Milano
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, orig) {
		t.Error("TransferOut changed the caller's pass")
	}
	if n.State != TrasferitoFuori || n.StateFrom != lcDay || n.StateReason != "trasferito al comune MILANO (MI), fuori dal circuito" ||
		n.Comune != p.Comune || !n.Current() || !n.State.Closed() || n.HoldsActive(lcDay) {
		t.Errorf("after TransferOut: %+v", n)
	}
	if st := n.Status(lcDay, 60); st != TrasferitoFuori {
		t.Errorf("Status = %s", st)
	}
	pl := p.Plates[0].Number
	if v := Authorise(pl, Italy, lcDay.AddDays(-1), []Holding{{Pass: n}}); !v.Authorised {
		t.Errorf("the day before: %+v", v)
	}
	if v := Authorise(pl, Italy, lcDay, []Holding{{Pass: n}}); v.Authorised || !strings.Contains(v.Reason, "trasferito fuori circuito dal") {
		t.Errorf("from the day of the transfer: %+v", v)
	}
	for _, to := range []string{"L736", "Q999", "A012"} {
		if _, err := p.TransferOut(to, lcDay); err == nil {
			t.Errorf("TransferOut(%s) accepted", to)
		}
	}
	if _, err := n.TransferOut("F205", lcDay); err == nil {
		t.Error("a pass already transferred out was transferred again")
	}
}

// The circuit is Veneto's: its comuni are members by default, others are not (P6).
func TestDefaultCircuitMember(t *testing.T) {
	for code, want := range map[string]bool{"L736": true, "G224": true, "L781": true, "F205": false, "H501": false} {
		if got := DefaultComuneSettings(code).CircuitMember; got != want {
			t.Errorf("DefaultComuneSettings(%s).CircuitMember = %v, want %v", code, got, want)
		}
	}
}

// P7: suspension, revocation (with date and reason) and resumption change one version.
func TestSuspendRevokeResume(t *testing.T) {
	d := MustDate
	p := renewPass()
	orig := p.Clone()

	s, err := p.Suspend(d(2026, 6, 15), "  verifica requisiti ", lcDay)
	if err != nil {
		t.Fatal(err)
	}
	want := orig.Clone()
	want.State, want.StateFrom, want.StateReason = Sospeso, d(2026, 6, 15), "verifica requisiti"
	if !reflect.DeepEqual(s, want) {
		t.Errorf("Suspend = %+v,\nwant %+v", s, want)
	}

	r, err := p.Revoke(d(2026, 5, 1), "uso improprio", lcDay)
	if err != nil {
		t.Fatal(err)
	}
	want = orig.Clone()
	want.State, want.StateFrom, want.StateReason = Revocato, d(2026, 5, 1), "uso improprio"
	if !reflect.DeepEqual(r, want) {
		t.Errorf("Revoke = %+v,\nwant %+v", r, want)
	}
	if !reflect.DeepEqual(p, orig) {
		t.Error("Suspend/Revoke changed the caller's pass")
	}

	// A suspended pass resumes (even before the suspension starts) or is revoked.
	for _, from := range []Date{d(2026, 5, 1), lcDay, d(2026, 6, 15)} {
		susp := lcPass(func(p *Pass) { p.State, p.StateFrom, p.StateReason = Sospeso, from, "verifica" })
		res, err := susp.Resume(lcDay)
		if err != nil {
			t.Errorf("Resume of a suspension from %s: %v", from, err)
			continue
		}
		if !reflect.DeepEqual(res, lcPass(nil)) {
			t.Errorf("Resume of a suspension from %s = %+v", from, res)
		}
		rev, err := susp.Revoke(lcDay, "decadenza", lcDay)
		if err != nil || rev.State != Revocato || rev.StateFrom != lcDay || rev.StateReason != "decadenza" {
			t.Errorf("Revoke of a suspended pass = %s %s %q, %v", rev.State, rev.StateFrom, rev.StateReason, err)
		}
	}

	bad := []struct {
		name    string
		run     func() (Pass, error)
		wantMsg string
	}{
		{"suspension without date", func() (Pass, error) { return p.Suspend(Date{}, "x", lcDay) }, "la data di sospensione è obbligatoria"},
		{"suspension without reason", func() (Pass, error) { return p.Suspend(lcDay, "  ", lcDay) }, "il motivo della sospensione è obbligatorio"},
		{"revocation without date", func() (Pass, error) { return p.Revoke(Date{}, "x", lcDay) }, "la data di revoca è obbligatoria"},
		{"revocation without reason", func() (Pass, error) { return p.Revoke(lcDay, "", lcDay) }, "il motivo della revoca è obbligatorio"},
	}
	for _, tt := range bad {
		got, err := tt.run()
		if err == nil || err.Error() != tt.wantMsg || !IsRule(err) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantMsg)
		}
		if !reflect.DeepEqual(got, Pass{}) {
			t.Errorf("%s: returned a pass with the error", tt.name)
		}
	}
}

// P8: the holder's death revokes the pass from that date and closes its plates.
func TestHolderDeceased(t *testing.T) {
	d := MustDate
	died := d(2026, 5, 20)
	last := d(2026, 5, 19)
	p := lcPass(func(p *Pass) {
		p.Plates = []Plate{
			{ID: 1, Number: "AA111AA", From: d(2024, 1, 15)},                     // open: closed the day before
			{ID: 2, Number: "BB222BB", From: d(2024, 1, 15), To: d(2025, 6, 30)}, // ended before: unchanged
			{ID: 3, Number: "CC333CC", From: d(2025, 7, 1), To: d(2027, 1, 1)},   // runs past: closed
			{ID: 4, Number: "DD444DD", From: died},                               // starts that day: dropped
			{ID: 5, Number: "EE555EE", From: d(2026, 9, 1)},                      // starts later: dropped
			{ID: 6, Number: "FF666FF", From: d(2025, 1, 1), To: last},            // ends the day before: unchanged
			{ID: 7, Number: "GG777GG", From: d(2025, 1, 1), To: died},            // ends that day: closed
		}
		p.NextPlateID = 7
	})
	orig := p.Clone()
	n, dropped, err := p.HolderDeceased(died, lcDay)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p, orig) {
		t.Error("HolderDeceased changed the caller's pass")
	}
	want := orig.Clone()
	want.State, want.StateFrom, want.StateReason = Revocato, died, "decesso del titolare"
	want.Plates = []Plate{
		{ID: 1, Number: "AA111AA", From: d(2024, 1, 15), To: last},
		{ID: 2, Number: "BB222BB", From: d(2024, 1, 15), To: d(2025, 6, 30)},
		{ID: 3, Number: "CC333CC", From: d(2025, 7, 1), To: last},
		{ID: 6, Number: "FF666FF", From: d(2025, 1, 1), To: last},
		{ID: 7, Number: "GG777GG", From: d(2025, 1, 1), To: last},
	}
	if !reflect.DeepEqual(n, want) {
		t.Errorf("HolderDeceased = %+v,\nwant %+v", n, want)
	}
	if !reflect.DeepEqual(dropped, []Plate{orig.Plates[3], orig.Plates[4]}) {
		t.Errorf("dropped = %+v, want plates 4 and 5", dropped)
	}
	if ov := Authorise("AA111AA", Italy, died, []Holding{{Pass: n}}); ov.Authorised {
		t.Error("a plate of a deceased holder is authorised on the day of death")
	}

	tests := []struct {
		name        string
		p           Pass
		died        Date
		wantMsg     string
		wantPlates  int
		wantDropped int
	}{
		{"suspended pass", lcPass(func(p *Pass) { p.State, p.StateFrom = Sospeso, d(2026, 1, 1) }), died, "", 1, 0},
		{"expired pass: plates already ended", lcPass(func(p *Pass) { p.DataScadenza = d(2026, 1, 1) }), died, "", 1, 0},
		{"death before the pass started: all plates dropped", lcPass(func(p *Pass) {
			p.DataDecorrenza, p.DataScadenza, p.Plates[0].From = d(2026, 6, 1), d(2031, 6, 1), d(2026, 6, 1)
		}), d(2026, 5, 1), "", 0, 1},
		{"no date of death", lcPass(nil), Date{}, "la data di decesso è obbligatoria", 0, 0},
	}
	for _, tt := range tests {
		n, dropped, err := tt.p.HolderDeceased(tt.died, lcDay)
		if tt.wantMsg != "" {
			if err == nil || err.Error() != tt.wantMsg {
				t.Errorf("%s: error %v, want %q", tt.name, err, tt.wantMsg)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if n.State != Revocato || n.StateFrom != tt.died || len(n.Plates) != tt.wantPlates || len(dropped) != tt.wantDropped {
			t.Errorf("%s: %s from %s, %d plates, %d dropped; want revocato from %s, %d, %d", tt.name,
				n.State, n.StateFrom, len(n.Plates), len(dropped), tt.died, tt.wantPlates, tt.wantDropped)
		}
		if tt.name == "expired pass: plates already ended" && !n.Plates[0].To.IsZero() {
			t.Errorf("%s: the open plate was closed on %s after the pass had expired", tt.name, n.Plates[0].To)
		}
	}
}

// A lineage: issue, renew, duplicate, transfer, each version linked to the previous one.
func TestLineageChain(t *testing.T) {
	d := MustDate
	v1 := lcPass(nil)
	_, v2, err := v1.Renew(RenewInput{DataRilascio: d(2028, 12, 1), DataDecorrenza: d(2029, 1, 16), DataScadenza: d(2034, 1, 16)}, d(2028, 12, 1), Sportello)
	if err != nil {
		t.Fatal(err)
	}
	v2.ID = 11
	_, v3, err := v2.MakeDuplicate(DuplicateInput{Reason: Smarrimento, Denuncia: lcReport}, d(2030, 2, 1), Sportello)
	if err != nil {
		t.Fatal(err)
	}
	v3.ID = 12
	_, v4, err := v3.Transfer("L781", d(2031, 3, 1))
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range []Pass{v2, v3, v4} {
		if v.Lineage != 10 || v.Number != "L736_2024_00015" {
			t.Errorf("version %d: lineage %d number %s", i+2, v.Lineage, v.Number)
		}
	}
	if v2.PrevID != 10 || v3.PrevID != 11 || v4.PrevID != 12 {
		t.Errorf("PrevIDs %d %d %d, want 10 11 12", v2.PrevID, v3.PrevID, v4.PrevID)
	}
	if !v3.Duplicate || !v4.Duplicate || v4.DuplicateReason != Smarrimento {
		t.Error("a transfer lost the DUPLICATO mark of the card")
	}
	if v4.Comune != "L781" || v4.IssuingComune != "L736" {
		t.Errorf("after transfer: comune %s, issuing %s", v4.Comune, v4.IssuingComune)
	}
}

func TestActionLabels(t *testing.T) {
	want := map[Action]string{
		ActIssue: "rilascio", ActRenew: "rinnovo", ActDuplicate: "duplicato", ActTransfer: "trasferimento",
		ActSuspend: "sospensione", ActResume: "riattivazione", ActRevoke: "revoca", ActDeceased: "decesso",
		ActPlates: "targhe", ActEdit: "modifica",
	}
	for a, l := range want {
		if a.Label() != l {
			t.Errorf("%s.Label() = %q, want %q", a, a.Label(), l)
		}
	}
}
