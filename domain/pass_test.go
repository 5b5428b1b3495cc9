package domain

import (
	"testing"
)

func TestParseKind(t *testing.T) {
	tests := []struct {
		in   string
		want Kind
		ok   bool
	}{
		{"P", Permanente, true},
		{"p", Permanente, true},
		{" permanente ", Permanente, true},
		{"PERMANENTE", Permanente, true},
		{"T", Temporaneo, true},
		{"Temporaneo", Temporaneo, true},
		{"", "", false},
		{"X", "", false},
		{"perm", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseKind(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseKind(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
	if Permanente.Label() != "permanente" || Temporaneo.Label() != "temporaneo" || Kind("Z").Label() != "Z" {
		t.Error("Kind.Label wrong")
	}
}

// P7: the states, their labels, and which ones are history.
func TestStates(t *testing.T) {
	tests := []struct {
		st      State
		label   string
		closed  bool
		parseIn string
	}{
		{Attivo, "attivo", false, "ATTIVO"},
		{InScadenza, "in scadenza", false, "In Scadenza"},
		{Scaduto, "scaduto", false, " scaduto "},
		{Sospeso, "sospeso", false, "Sospeso"},
		{Revocato, "revocato", true, "revocato"},
		{Rinnovato, "rinnovato", true, "RINNOVATO"},
		{Sostituito, "sostituito", true, "sostituito"},
		{Trasferito, "trasferito", true, "trasferito"},
		{TrasferitoFuori, "trasferito fuori circuito", true, "Trasferito fuori circuito"},
	}
	if len(AllStates()) != len(tests) {
		t.Fatalf("AllStates() has %d states, the test knows %d", len(AllStates()), len(tests))
	}
	for i, tt := range tests {
		if AllStates()[i] != tt.st {
			t.Errorf("AllStates()[%d] = %s, want %s", i, AllStates()[i], tt.st)
		}
		if got := tt.st.Label(); got != tt.label {
			t.Errorf("%s.Label() = %q, want %q", tt.st, got, tt.label)
		}
		if got := tt.st.Closed(); got != tt.closed {
			t.Errorf("%s.Closed() = %v, want %v", tt.st, got, tt.closed)
		}
		if got, ok := ParseState(tt.parseIn); !ok || got != tt.st {
			t.Errorf("ParseState(%q) = %q, %v; want %q", tt.parseIn, got, ok, tt.st)
		}
		if got, ok := ParseState(tt.label); !ok || got != tt.st {
			t.Errorf("ParseState(label %q) = %q, %v; want %q", tt.label, got, ok, tt.st)
		}
	}
	for _, bad := range []string{"", "attiva", "annullato"} {
		if got, ok := ParseState(bad); ok {
			t.Errorf("ParseState(%q) = %q, want refused", bad, got)
		}
	}
	if State("").Label() != "" {
		t.Error(`State("").Label() not empty`)
	}
}

// P11: channels.
func TestChannels(t *testing.T) {
	tests := []struct {
		in    string
		want  Channel
		ok    bool
		label string
	}{
		{"sportello", Sportello, true, "Sportello"},
		{" APP ", App, true, "App"},
		{"Import", Import, true, "Import"},
		{"pec", "", false, ""},
		{"", "", false, ""},
	}
	for _, tt := range tests {
		got, ok := ParseChannel(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseChannel(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
		if ok && got.Label() != tt.label {
			t.Errorf("%s.Label() = %q, want %q", got, got.Label(), tt.label)
		}
	}
	if Channel("altro").Label() != "altro" {
		t.Error("unknown channel label")
	}
}

// P4: the reasons of a duplicate.
func TestParseDuplicateReason(t *testing.T) {
	tests := []struct {
		in   string
		want DuplicateReason
		ok   bool
	}{
		{"furto", Furto, true},
		{"FURTO", Furto, true},
		{" Smarrimento ", Smarrimento, true},
		{"deterioramento", Deterioramento, true},
		{"degrado", Deterioramento, true},
		{"usura", Deterioramento, true},
		{"rapina", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseDuplicateReason(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseDuplicateReason(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

func TestNationalStatusLabel(t *testing.T) {
	tests := map[NationalStatus]string{
		NationalNone:    "non inviato",
		NationalPending: "in coda",
		NationalSent:    "inviato",
		NationalFailed:  "errore, in attesa di nuovo tentativo",
		"altro":         "altro",
	}
	for s, want := range tests {
		if got := s.Label(); got != want {
			t.Errorf("%q.Label() = %q, want %q", s, got, want)
		}
	}
}

// statusPass is a permanent pass valid 2024-01-15 … 2029-01-15.
func statusPass(st State, from Date) Pass {
	return Pass{
		Number: "L736_2024_00015", Kind: Permanente, State: st, StateFrom: from,
		DataRilascio: MustDate(2024, 1, 10), DataDecorrenza: MustDate(2024, 1, 15), DataScadenza: MustDate(2029, 1, 15),
	}
}

// P7, P9: the state an operator sees on a day.
func TestPassStatus(t *testing.T) {
	exp := MustDate(2029, 1, 15)
	tests := []struct {
		name  string
		p     Pass
		day   Date
		alert int
		want  State
	}{
		{"active", statusPass(Attivo, Date{}), MustDate(2026, 1, 1), 60, Attivo},
		{"not yet started counts as active", statusPass(Attivo, Date{}), MustDate(2024, 1, 1), 60, Attivo},
		{"61 days before expiry", statusPass(Attivo, Date{}), exp.AddDays(-61), 60, Attivo},
		{"60 days before expiry: in scadenza (P9)", statusPass(Attivo, Date{}), exp.AddDays(-60), 60, InScadenza},
		{"on the expiry day still in scadenza", statusPass(Attivo, Date{}), exp, 60, InScadenza},
		{"the day after expiry: scaduto", statusPass(Attivo, Date{}), exp.AddDays(1), 60, Scaduto},
		{"alert 0: the day before expiry active", statusPass(Attivo, Date{}), exp.AddDays(-1), 0, Attivo},
		{"alert 0: expiry day", statusPass(Attivo, Date{}), exp, 0, InScadenza},
		{"stored scaduto (import)", statusPass(Scaduto, Date{}), MustDate(2026, 1, 1), 60, Scaduto},
		{"suspended", statusPass(Sospeso, MustDate(2025, 1, 1)), MustDate(2026, 1, 1), 60, Sospeso},
		{"suspended from today", statusPass(Sospeso, MustDate(2026, 1, 1)), MustDate(2026, 1, 1), 60, Sospeso},
		{"suspension dated in the future: active until then", statusPass(Sospeso, MustDate(2026, 2, 1)), MustDate(2026, 1, 1), 60, Attivo},
		{"suspension without date", statusPass(Sospeso, Date{}), MustDate(2026, 1, 1), 60, Sospeso},
		{"revoked", statusPass(Revocato, MustDate(2025, 1, 1)), MustDate(2026, 1, 1), 60, Revocato},
		{"revocation dated in the future: active until then", statusPass(Revocato, MustDate(2026, 2, 1)), MustDate(2026, 1, 1), 60, Attivo},
		// A future-dated suspension or revocation does not hide the expiry.
		{"future revocation, near expiry: in scadenza", statusPass(Revocato, MustDate(2029, 6, 1)), exp.AddDays(-10), 60, InScadenza},
		{"future revocation, past expiry: scaduto", statusPass(Revocato, MustDate(2029, 6, 1)), exp.AddDays(10), 60, Scaduto},
		{"future suspension, past expiry: scaduto", statusPass(Sospeso, MustDate(2029, 6, 1)), exp.AddDays(10), 60, Scaduto},
		{"renewed", statusPass(Rinnovato, MustDate(2026, 1, 1)), MustDate(2025, 1, 1), 60, Rinnovato},
		{"replaced", statusPass(Sostituito, MustDate(2026, 1, 1)), MustDate(2026, 1, 1), 60, Sostituito},
		{"transferred", statusPass(Trasferito, MustDate(2026, 1, 1)), MustDate(2026, 1, 1), 60, Trasferito},
	}
	for _, tt := range tests {
		if got := tt.p.Status(tt.day, tt.alert); got != tt.want {
			t.Errorf("%s: Status(%s, %d) = %s, want %s", tt.name, tt.day, tt.alert, got, tt.want)
		}
	}
}

// P5: which versions count as the holder's active pass.
func TestHoldsActiveCurrentListed(t *testing.T) {
	day := MustDate(2026, 1, 1)
	tests := []struct {
		name                   string
		p                      Pass
		holds, current, listed bool
	}{
		{"active", statusPass(Attivo, Date{}), true, true, true},
		{"in scadenza", Pass{State: Attivo, DataDecorrenza: MustDate(2021, 1, 1), DataScadenza: day.AddDays(10)}, true, true, true},
		{"expired by date", Pass{State: Attivo, DataDecorrenza: MustDate(2020, 1, 1), DataScadenza: day.AddDays(-1)}, false, true, true},
		{"stored scaduto", statusPass(Scaduto, Date{}), false, true, true},
		{"suspended", statusPass(Sospeso, MustDate(2025, 6, 1)), true, true, true},
		{"revoked", statusPass(Revocato, MustDate(2025, 6, 1)), false, true, true},
		{"revocation in the future", statusPass(Revocato, MustDate(2026, 6, 1)), true, true, true},
		{"renewed", statusPass(Rinnovato, MustDate(2025, 6, 1)), false, false, false},
		{"replaced by a duplicate", statusPass(Sostituito, MustDate(2025, 6, 1)), false, false, false},
		{"transferred: listed by the old comune", statusPass(Trasferito, MustDate(2025, 6, 1)), false, false, true},
	}
	for _, tt := range tests {
		if got := tt.p.HoldsActive(day); got != tt.holds {
			t.Errorf("%s: HoldsActive = %v, want %v", tt.name, got, tt.holds)
		}
		if got := tt.p.Current(); got != tt.current {
			t.Errorf("%s: Current = %v, want %v", tt.name, got, tt.current)
		}
		if got := tt.p.Listed(); got != tt.listed {
			t.Errorf("%s: Listed = %v, want %v", tt.name, got, tt.listed)
		}
	}
}

// T3: the principale plate; plates by ID.
func TestPrincipaleAndPlateByID(t *testing.T) {
	p := Pass{Plates: []Plate{
		{ID: 1, Number: "AB123CD", Role: RoleSecondaria},
		{ID: 2, Number: "EF456GH", Role: RolePrincipale},
		{ID: 5, Number: "XY999ZZ"},
	}}
	if pl, ok := p.Principale(); !ok || pl.Number != "EF456GH" {
		t.Errorf("Principale() = %+v, %v", pl, ok)
	}
	if _, ok := (Pass{Plates: []Plate{{ID: 1, Role: RoleSecondaria}}}).Principale(); ok {
		t.Error("Principale() found one in a pass without")
	}
	for _, tt := range []struct {
		id uint32
		i  int
		ok bool
	}{{1, 0, true}, {2, 1, true}, {5, 2, true}, {3, -1, false}, {0, -1, false}} {
		if i, ok := p.PlateByID(tt.id); i != tt.i || ok != tt.ok {
			t.Errorf("PlateByID(%d) = %d, %v; want %d, %v", tt.id, i, ok, tt.i, tt.ok)
		}
	}
}

// A transition never changes the caller's value.
func TestCloneIsDeep(t *testing.T) {
	p := Pass{Number: "A1", Plates: []Plate{{ID: 1, Number: "AB123CD"}}}
	c := p.Clone()
	c.Plates[0].Number = "ZZ999ZZ"
	c.Plates = append(c.Plates, Plate{ID: 2})
	c.Number = "B2"
	if p.Plates[0].Number != "AB123CD" || len(p.Plates) != 1 || p.Number != "A1" {
		t.Errorf("Clone shares data with the original: %+v", p)
	}
	if (Pass{}).Clone().Plates != nil {
		t.Error("Clone of a pass without plates has plates")
	}
}
