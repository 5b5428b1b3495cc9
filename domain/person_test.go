package domain

import (
	"reflect"
	"strings"
	"testing"
)

var personToday = MustDate(2025, 6, 1)

// rossi is a person whose data agree with the codice fiscale (domain-facts.md vector).
func rossi(mod func(*Person)) Person {
	p := Person{
		Comune: "L736", CodiceFiscale: "RSSMRA80A01L736U", Cognome: "ROSSI", Nome: "MARIO", Sesso: "M",
		DataNascita: MustDate(1980, 1, 1), LuogoNascita: "L736", ComuneResidenza: "L736",
		Indirizzo: "SAN MARCO 1", Email: "mario.rossi@example.it", Telefono: "+39 333 1234567",
	}
	if mod != nil {
		mod(&p)
	}
	return p
}

func fields(errs []FieldError) []string {
	var out []string
	for _, e := range errs {
		out = append(out, e.Field)
	}
	return out
}

// A1, A2: what blocks saving a person, and what only asks for a reason.
func TestCheckPerson(t *testing.T) {
	tests := []struct {
		name       string
		p          Person
		errors     []string // fields, in order
		mismatches []string
		msgPart    string // in the first error or mismatch
	}{
		{"all agree", rossi(nil), nil, nil, ""},
		{"only the required fields", Person{CodiceFiscale: "RSSMRA80A01L736U", Cognome: "ROSSI", Nome: "MARIO"}, nil, nil, ""},
		{"omocode CF agrees", rossi(func(p *Person) { p.CodiceFiscale = "RSSMRA80A01L73SR" }), nil, nil, ""},
		{"woman", Person{CodiceFiscale: "BNCGNN75L63L736M", Cognome: "BIANCHI", Nome: "GIOVANNA", Sesso: "F",
			DataNascita: MustDate(1975, 7, 23), LuogoNascita: "VENEZIA"}, nil, nil, ""},
		// required fields
		{"no surname", rossi(func(p *Person) { p.Cognome = "" }), []string{"cognome"}, nil, "il cognome è obbligatorio"},
		{"no name", rossi(func(p *Person) { p.Nome = "" }), []string{"nome"}, nil, "il nome è obbligatorio"},
		{"no codice fiscale", rossi(func(p *Person) { p.CodiceFiscale = "" }), []string{"codice_fiscale"}, nil, "codice fiscale mancante"},
		{"nothing at all", Person{}, []string{"cognome", "nome", "codice_fiscale"}, nil, "il cognome è obbligatorio"},
		// fields with a wrong value
		{"sex not M/F", rossi(func(p *Person) { p.Sesso = "X" }), []string{"sesso"}, nil, `sesso "X" non valido`},
		{"birth date in the future", rossi(func(p *Person) { p.DataNascita = personToday.AddDays(1) }),
			[]string{"data_nascita"}, []string{"data_nascita"}, "la data di nascita 02/06/2025 è nel futuro"},
		{"born today", Person{CodiceFiscale: "RSSMRA25H01L736B", Cognome: "ROSSI", Nome: "MARIO", DataNascita: personToday}, nil, nil, ""},
		{"death in the future", rossi(func(p *Person) { p.DataDecesso = personToday.AddDays(1) }), []string{"deceduto_il"}, nil, "nel futuro"},
		{"death before birth", rossi(func(p *Person) { p.DataDecesso = MustDate(1979, 12, 31) }), []string{"deceduto_il"}, nil, "precede la nascita"},
		{"death today", rossi(func(p *Person) { p.DataDecesso = personToday }), nil, nil, ""},
		{"e-mail without @", rossi(func(p *Person) { p.Email = "mario.rossi.example.it" }), []string{"email"}, nil, "indirizzo e-mail"},
		{"e-mail with blanks", rossi(func(p *Person) { p.Email = "mario rossi@example.it" }), []string{"email"}, nil, "indirizzo e-mail"},
		{"e-mail with two addresses", rossi(func(p *Person) { p.Email = "a@example.it, b@example.it" }), []string{"email"}, nil, "indirizzo e-mail"},
		{"e-mail with a display name", rossi(func(p *Person) { p.Email = "Mario Rossi <mario.rossi@example.it>" }), []string{"email"}, nil, "indirizzo e-mail"},
		{"e-mail in angle brackets", rossi(func(p *Person) { p.Email = "<mario.rossi@example.it>" }), []string{"email"}, nil, "indirizzo e-mail"},
		{"no e-mail", rossi(func(p *Person) { p.Email = "" }), nil, nil, ""},
		{"unknown comune of residence", rossi(func(p *Person) { p.ComuneResidenza = "Q999" }), []string{"comune_residenza"}, nil, `comune di residenza "Q999" sconosciuto`},
		{"invalid CF syntax is an error", rossi(func(p *Person) { p.CodiceFiscale = "RSSMRA80A01L736" }), []string{"codice_fiscale"}, nil, "lunghezza 15 invece di 16"},
		{"wrong check character is an error", rossi(func(p *Person) { p.CodiceFiscale = "RSSMRA80A01L736A" }), []string{"codice_fiscale"}, nil, "codice fiscale non valido"},
		// A2: a mismatch between the code and the data is not an error but a warning to override
		{"name mismatch", rossi(func(p *Person) { p.Nome = "LUIGI" }), nil, []string{"nome"}, "il nome LUIGI dà LGU, nel codice fiscale c'è MRA"},
		{"surname mismatch", rossi(func(p *Person) { p.Cognome = "BIANCHI" }), nil, []string{"cognome"}, "il cognome BIANCHI dà BNC, nel codice fiscale c'è RSS"},
		{"sex mismatch", rossi(func(p *Person) { p.Sesso = "F" }), nil, []string{"sesso"}, "sesso M"},
		{"birth date mismatch", rossi(func(p *Person) { p.DataNascita = MustDate(1980, 1, 2) }), nil, []string{"data_nascita"}, "non corrisponde"},
		{"birthplace mismatch", rossi(func(p *Person) { p.LuogoNascita = "G224" }), nil, []string{"luogo_nascita"}, "G224"},
		{"several mismatches", rossi(func(p *Person) { p.Nome, p.Sesso = "LUIGI", "F" }), nil, []string{"nome", "sesso"}, "LUIGI"},
		{"errors and mismatches together", rossi(func(p *Person) { p.Email, p.Nome = "x", "LUIGI" }), []string{"email"}, []string{"nome"}, "indirizzo e-mail"},
	}
	for _, tt := range tests {
		c := CheckPerson(tt.p, personToday)
		if got := fields(c.Errors); !reflect.DeepEqual(got, tt.errors) {
			t.Errorf("%s: error fields %v, want %v (%v)", tt.name, got, tt.errors, c.Errors)
		}
		if got := fields(c.Mismatches); !reflect.DeepEqual(got, tt.mismatches) {
			t.Errorf("%s: mismatch fields %v, want %v (%v)", tt.name, got, tt.mismatches, c.Mismatches)
		}
		if all := c.All(); len(all) != len(c.Errors)+len(c.Mismatches) {
			t.Errorf("%s: All() has %d, want %d", tt.name, len(all), len(c.Errors)+len(c.Mismatches))
		} else if tt.msgPart != "" && (len(all) == 0 || !strings.Contains(all[0].Message, tt.msgPart)) {
			t.Errorf("%s: first problem %v, want it to contain %q", tt.name, all, tt.msgPart)
		}
		// OK: errors always block; mismatches only without a reason (A2).
		wantOK := len(tt.errors) == 0 && len(tt.mismatches) == 0
		if got := c.OK(""); got != wantOK {
			t.Errorf("%s: OK(\"\") = %v, want %v", tt.name, got, wantOK)
		}
		wantOverride := len(tt.errors) == 0
		if got := c.OK("tessera sanitaria diversa"); got != wantOverride {
			t.Errorf("%s: OK(reason) = %v, want %v", tt.name, got, wantOverride)
		}
		if len(tt.mismatches) > 0 && c.OK("   ") {
			t.Errorf("%s: a blank reason overrides a mismatch", tt.name)
		}
	}
}

func TestPersonCheckAllOrder(t *testing.T) {
	c := PersonCheck{
		Errors:     []FieldError{{"email", "a"}},
		Mismatches: []FieldError{{"nome", "b"}},
	}
	all := c.All()
	if !reflect.DeepEqual(all, []FieldError{{"email", "a"}, {"nome", "b"}}) {
		t.Errorf("All() = %v", all)
	}
	all[0].Message = "changed"
	if c.Errors[0].Message != "a" {
		t.Error("All() shares the Errors slice")
	}
	if got := (FieldError{"email", "indirizzo non valido"}).Error(); got != "email: indirizzo non valido" {
		t.Errorf("FieldError.Error() = %q", got)
	}
}

// legacy-csv: sex, birth date and birthplace derived from the codice fiscale when empty.
func TestFillFromCF(t *testing.T) {
	tests := []struct {
		name string
		in   Person
		want Person
	}{
		{"all empty", Person{CodiceFiscale: "BNCGNN75L63L736M"},
			Person{CodiceFiscale: "BNCGNN75L63L736M", Sesso: "F", DataNascita: MustDate(1975, 7, 23), LuogoNascita: "L736"}},
		{"omocode", Person{CodiceFiscale: "RSSMRA80A01L73SR"},
			Person{CodiceFiscale: "RSSMRA80A01L73SR", Sesso: "M", DataNascita: MustDate(1980, 1, 1), LuogoNascita: "L736"}},
		{"born abroad", Person{CodiceFiscale: "MLLKLS65H10Z112F"},
			Person{CodiceFiscale: "MLLKLS65H10Z112F", Sesso: "M", DataNascita: MustDate(1965, 6, 10), LuogoNascita: "Z112"}},
		{"what is there is kept", Person{CodiceFiscale: "BNCGNN75L63L736M", Sesso: "M", DataNascita: MustDate(1975, 7, 24), LuogoNascita: "VENEZIA"},
			Person{CodiceFiscale: "BNCGNN75L63L736M", Sesso: "M", DataNascita: MustDate(1975, 7, 24), LuogoNascita: "VENEZIA"}},
		{"invalid code: nothing filled", Person{CodiceFiscale: "BNCGNN75L63L736X"}, Person{CodiceFiscale: "BNCGNN75L63L736X"}},
		{"no code", Person{}, Person{}},
		{"a code of someone born after today: the century before", Person{CodiceFiscale: "RSSMRA25H02L736G"},
			Person{CodiceFiscale: "RSSMRA25H02L736G", Sesso: "M", DataNascita: MustDate(1925, 6, 2), LuogoNascita: "L736"}},
	}
	for _, tt := range tests {
		p := tt.in
		FillFromCF(&p, personToday)
		if !reflect.DeepEqual(p, tt.want) {
			t.Errorf("%s: FillFromCF = %+v, want %+v", tt.name, p, tt.want)
		}
	}
}

func TestNormalizePerson(t *testing.T) {
	p := Person{
		CodiceFiscale: " rss mra80a01 l736u", Cognome: "  de   luca ", Nome: "maria  rosa", Sesso: " f ",
		LuogoNascita: " l736 ", ComuneResidenza: "g224 ", Indirizzo: " via  roma   1 ", Email: " m@example.it ", Telefono: " 333 ",
	}
	NormalizePerson(&p)
	want := Person{
		CodiceFiscale: "RSSMRA80A01L736U", Cognome: "DE LUCA", Nome: "MARIA ROSA", Sesso: "F",
		LuogoNascita: "L736", ComuneResidenza: "G224", Indirizzo: "VIA ROMA 1", Email: "m@example.it", Telefono: "333",
	}
	if !reflect.DeepEqual(p, want) {
		t.Errorf("NormalizePerson = %+v,\nwant %+v", p, want)
	}
}

// A4: the deceased flag.
func TestPersonDeceasedAndFullName(t *testing.T) {
	died := MustDate(2025, 3, 10)
	p := Person{Cognome: "ROSSI", Nome: "MARIO", DataDecesso: died}
	for _, tt := range []struct {
		day  Date
		want bool
	}{{died.AddDays(-1), false}, {died, true}, {died.AddDays(1), true}} {
		if got := p.Deceased(tt.day); got != tt.want {
			t.Errorf("Deceased(%s) = %v, want %v", tt.day, got, tt.want)
		}
	}
	if (Person{}).Deceased(died) {
		t.Error("a person without a date of death is deceased")
	}
	if got := p.FullName(); got != "ROSSI MARIO" {
		t.Errorf("FullName = %q", got)
	}
	if got := (Person{Cognome: "ROSSI"}).FullName(); got != "ROSSI" {
		t.Errorf("FullName without name = %q", got)
	}
}

// Issue 11.10: "Nata il" for a woman, "in GERMANIA" for a foreign state.
func TestBornAgreesAndPlaces(t *testing.T) {
	for _, c := range []struct {
		p    Person
		want string
	}{
		{Person{Sesso: "F", DataNascita: MustDate(1951, 5, 5), LuogoNascita: "L781"}, "Nata il 05/05/1951 a VERONA (VR)"},
		{Person{Sesso: "M", DataNascita: MustDate(1960, 1, 1), LuogoNascita: "Z112"}, "Nato il 01/01/1960 in GERMANIA"},
		{Person{DataNascita: MustDate(1960, 1, 1)}, "Nato/a il 01/01/1960"},
	} {
		if got := c.p.Born(); got != c.want {
			t.Errorf("Born() = %q, want %q", got, c.want)
		}
	}
}

// Issue 11.10: words agree with the holder's sex.
func TestAgree(t *testing.T) {
	if got := (Person{Sesso: "F"}).Agree("deceduto", "deceduta"); got != "deceduta" {
		t.Errorf("F: %q", got)
	}
	if got := (Person{Sesso: "M"}).Agree("deceduto", "deceduta"); got != "deceduto" {
		t.Errorf("M: %q", got)
	}
}
