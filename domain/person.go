package domain

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Person is a holder (A1). A person record belongs to one comune (the one that manages
// their pass); the same codice fiscale may have records in several comuni, but at most
// one active pass in the whole circuit (P5).
type Person struct {
	ID              uint64    `json:"id"`
	Comune          string    `json:"comune"`
	CodiceFiscale   string    `json:"codice_fiscale"`
	Cognome         string    `json:"cognome"`
	Nome            string    `json:"nome"`
	Sesso           string    `json:"sesso,omitempty"` // "M" or "F"
	DataNascita     Date      `json:"data_nascita,omitzero"`
	LuogoNascita    string    `json:"luogo_nascita,omitempty"` // codice catastale or Z-code
	ComuneResidenza string    `json:"comune_residenza,omitempty"`
	Indirizzo       string    `json:"indirizzo,omitempty"`
	CAP             string    `json:"cap,omitempty"` // of the residence, for letters (#11.15)
	Email           string    `json:"email,omitempty"`
	Telefono        string    `json:"telefono,omitempty"`
	Note            string    `json:"note,omitempty"`
	HasPhoto        bool      `json:"has_photo,omitempty"`
	DataDecesso     Date      `json:"data_decesso,omitzero"` // zero = alive (A4)
	CFOverride      string    `json:"cf_override,omitempty"` // why an operator accepted a CF mismatch (A2)
	Version         uint64    `json:"version"`
	UpdatedAt       time.Time `json:"updated_at,omitzero"`
	UpdatedBy       string    `json:"updated_by,omitempty"`
}

// Deceased reports whether the holder had died on or before day.
func (p Person) Deceased(day Date) bool {
	return !p.DataDecesso.IsZero() && !day.Before(p.DataDecesso)
}

// FullName is "COGNOME NOME".
func (p Person) FullName() string { return strings.TrimSpace(p.Cognome + " " + p.Nome) }

// FieldError is a problem with one field, in Italian, for forms and import reports.
type FieldError struct {
	Field   string `json:"column"`
	Message string `json:"message"`
}

func (e FieldError) Error() string { return e.Field + ": " + e.Message }

// PersonCheck is the outcome of checking a person: errors block saving, CF mismatches
// block it too unless the operator gives a reason (CFOverride); notes only inform.
type PersonCheck struct {
	Errors     []FieldError
	Mismatches []FieldError
	Notes      []FieldError
}

// OK reports whether the person can be saved as it is.
func (c PersonCheck) OK(override string) bool {
	return len(c.Errors) == 0 && (len(c.Mismatches) == 0 || strings.TrimSpace(override) != "")
}

// All is errors then mismatches.
func (c PersonCheck) All() []FieldError {
	return append(append([]FieldError{}, c.Errors...), c.Mismatches...)
}

// NormalizePerson trims and upper-cases what is stored upper-case.
func NormalizePerson(p *Person) {
	p.CodiceFiscale = NormalizeCF(p.CodiceFiscale)
	p.Cognome = strings.ToUpper(collapseSpaces(p.Cognome))
	p.Nome = strings.ToUpper(collapseSpaces(p.Nome))
	p.Sesso = strings.ToUpper(strings.TrimSpace(p.Sesso))
	p.LuogoNascita = strings.ToUpper(strings.TrimSpace(p.LuogoNascita))
	p.ComuneResidenza = strings.ToUpper(strings.TrimSpace(p.ComuneResidenza))
	p.Indirizzo = strings.ToUpper(collapseSpaces(p.Indirizzo))
	p.CAP = strings.TrimSpace(p.CAP)
	p.Email = strings.TrimSpace(p.Email)
	p.Telefono = strings.TrimSpace(p.Telefono)
}

func collapseSpaces(s string) string { return strings.Join(strings.Fields(s), " ") }

// CheckPerson applies A1/A2: required fields, codice fiscale syntax and agreement.
func CheckPerson(p Person, today Date) PersonCheck {
	var c PersonCheck
	add := func(f, format string, a ...any) {
		c.Errors = append(c.Errors, FieldError{f, fmt.Sprintf(format, a...)})
	}
	if p.Cognome == "" {
		add("cognome", "il cognome è obbligatorio")
	}
	if p.Nome == "" {
		add("nome", "il nome è obbligatorio")
	}
	for _, f := range []struct{ field, what, s string }{ // issue 12.10: no control characters
		{"cognome", "il cognome", p.Cognome}, {"nome", "il nome", p.Nome}, {"indirizzo", "l'indirizzo", p.Indirizzo},
		{"email", "l'e-mail", p.Email}, {"telefono", "il telefono", p.Telefono}, {"note", "la nota", p.Note},
	} {
		if err := CheckText(f.what, f.s, f.field == "note"); err != nil {
			add(f.field, "%s", err.Error())
		}
	}
	if p.Sesso != "" && p.Sesso != "M" && p.Sesso != "F" {
		add("sesso", "sesso %q non valido: usare M o F", p.Sesso)
	}
	if !p.DataNascita.IsZero() && p.DataNascita.After(today) {
		add("data_nascita", "la data di nascita %s è nel futuro", p.DataNascita)
	}
	if !p.DataDecesso.IsZero() {
		if p.DataDecesso.After(today) {
			add("deceduto_il", "la data di decesso %s è nel futuro", p.DataDecesso)
		}
		if !p.DataNascita.IsZero() && p.DataDecesso.Before(p.DataNascita) {
			add("deceduto_il", "la data di decesso %s precede la nascita", p.DataDecesso)
		}
	}
	if p.Email != "" {
		// ParseAddress also accepts "Mario Rossi <m@example.it>": only a bare address is an e-mail.
		if a, err := mail.ParseAddress(p.Email); err != nil || a.Address != p.Email || !strings.Contains(p.Email, "@") {
			add("email", "indirizzo e-mail %q non valido", p.Email)
		}
	}
	if err := CheckCAP(p.CAP); err != nil {
		add("cap", "%s", err.Error())
	}
	if p.ComuneResidenza != "" {
		if _, ok := ComuneByCode(p.ComuneResidenza); !ok {
			add("comune_residenza", "comune di residenza %q sconosciuto", p.ComuneResidenza)
		}
	}
	if err := ValidateCFSyntax(p.CodiceFiscale); err != nil {
		add("codice_fiscale", "%s", err.Error())
		return c
	}
	sex := byte(0)
	if p.Sesso == "M" || p.Sesso == "F" { // another value is already an error above: not a mismatch too
		sex = p.Sesso[0]
	}
	for _, m := range CheckCFAgreement(p.CodiceFiscale, CFPerson{
		Surname: p.Cognome, Name: p.Nome, Sex: sex, Birth: p.DataNascita, BirthPlace: p.LuogoNascita,
	}, today) {
		if m.Note {
			c.Notes = append(c.Notes, FieldError{m.Field, m.Message})
		} else {
			c.Mismatches = append(c.Mismatches, FieldError{m.Field, m.Message})
		}
	}
	return c
}

// FillFromCF completes sex, birth date and birthplace from the codice fiscale when they
// are empty (legacy-csv: "derived from the codice fiscale when empty").
func FillFromCF(p *Person, today Date) {
	info, err := DecodeCF(p.CodiceFiscale, today)
	if err != nil {
		return
	}
	if p.Sesso == "" {
		p.Sesso = string(info.Sex)
	}
	if p.DataNascita.IsZero() {
		p.DataNascita = info.Birth
	}
	if p.LuogoNascita == "" {
		p.LuogoNascita = info.BirthPlace
	}
}

// CheckCAP accepts an empty CAP or one of five digits.
func CheckCAP(c string) error {
	if c == "" {
		return nil
	}
	if len(c) != 5 || strings.Trim(c, "0123456789") != "" {
		return errorf("CAP %q non valido: 5 cifre (es. 30124)", c)
	}
	return nil
}

// BornLabel is "Nato il" or "Nata il" as the person's sex says ("Nato/a il" unknown).
func (p Person) BornLabel() string {
	switch p.Sesso {
	case "F":
		return "Nata il"
	case "M":
		return "Nato il"
	}
	return "Nato/a il"
}

// BirthPlace is where the person was born as a sentence goes on: "a VENEZIA (VE)" for
// a comune, "in GERMANIA" for a foreign state ("" when not known).
func (p Person) BirthPlace() string {
	name := PlaceName(p.LuogoNascita, p.DataNascita)
	switch {
	case name == "":
		return ""
	case strings.HasPrefix(normCode(p.LuogoNascita), "Z"):
		return "in " + name
	}
	return "a " + name
}

// Born is "Nata il 05/05/1951 a VERONA (VR)", "Nato il 01/01/1960 in GERMANIA".
func (p Person) Born() string {
	return strings.TrimSpace(p.BornLabel() + " " + p.DataNascita.String() + " " + p.BirthPlace())
}

// Agree is the word that agrees with the person's sex: p.Agree("deceduto",
// "deceduta"); the masculine when the sex is not known.
func (p Person) Agree(masculine, feminine string) string {
	if p.Sesso == "F" {
		return feminine
	}
	return masculine
}
