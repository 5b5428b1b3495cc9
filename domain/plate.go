package domain

import (
	"strings"
	"time"
)

// PlateClass is what an Italian plate's format says about the vehicle (T1).
type PlateClass string

const (
	PlateAuto        PlateClass = "autoveicolo"          // AA 000 AA, since 1994
	PlateMoto        PlateClass = "motoveicolo"          // AA 00000, since 1999
	PlateRimorchio   PlateClass = "rimorchio"            // XA 000 AA series, since 2013
	PlateCiclomotore PlateClass = "ciclomotore"          // 6 characters: X + 5 (1999), AA 000 A (current series: BX983C)
	PlateEE          PlateClass = "escursionisti esteri" // EE 000 AA: vehicles of people living abroad
	PlateProvinciale PlateClass = "provinciale"          // old provincial plates: MI 3A5678, ROMA…
	PlateEstera      PlateClass = "estera"               // foreign: any format, with a country
	PlateUnknown     PlateClass = "sconosciuto"          // unrecognised Italian format: a warning, not an error
)

// PlateRole is the plate's place on the national circuit (T3).
type PlateRole string

const (
	RoleNone       PlateRole = ""
	RolePrincipale PlateRole = "principale"
	RoleSecondaria PlateRole = "secondaria"
)

// Italy is the country of plates with no country given.
const Italy = "IT"

// Plate is a vehicle plate tied to a pass, with its validity window (T1). A zero To
// means "until the pass expires", so a renewal carries it over.
type Plate struct {
	ID      uint32     `json:"id"`
	Number  string     `json:"number"`
	Country string     `json:"country"`
	Class   PlateClass `json:"class"`
	From    Date       `json:"from,omitzero"`
	To      Date       `json:"to,omitzero"`
	Role    PlateRole  `json:"role,omitempty"`
	AddedAt time.Time  `json:"added_at,omitzero"`
	AddedBy string     `json:"added_by,omitempty"`
	Channel Channel    `json:"channel,omitempty"`
}

// Is reports whether the plate is that vehicle: the same number and the same country
// (an Italian AB123CD and a French AB123CD are two vehicles).
func (p Plate) Is(number, country string) bool {
	return p.Number == number && NormalizeCountry(p.Country) == NormalizeCountry(country)
}

// Window is the plate window with the open end resolved to the pass expiry.
func (p Plate) Window(passEnd Date) (Date, Date) {
	if p.To.IsZero() {
		return p.From, passEnd
	}
	return p.From, p.To
}

// NormalizePlate upper-cases and drops spaces, dashes and dots: "ab 123-cd" → "AB123CD".
func NormalizePlate(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		switch {
		case r >= 'A' && r <= 'Z', r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == ' ', r == '-', r == '.', r == '\t', r == '·':
		default:
			b.WriteRune(r) // kept so that validation can point at it
		}
	}
	return b.String()
}

// NormalizeCountry maps empty and common spellings of Italy to "IT".
func NormalizeCountry(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	switch s {
	case "", "I", "IT", "ITA", "ITALIA":
		return Italy
	}
	return s
}

// Letters I, O, Q, U never appear on post-1994 plates.
const plateLetter = `[A-HJ-NPR-TVWXYZ]`

var (
	reAuto        = lazyRegexp(`^` + plateLetter + `{2}[0-9]{3}` + plateLetter + `{2}$`)
	reRimorchio   = lazyRegexp(`^X` + plateLetter + `[0-9]{3}` + plateLetter + `{2}$`)
	reMoto        = lazyRegexp(`^` + plateLetter + `{2}[0-9]{5}$`)
	reCiclomotore = lazyRegexp(`^X[0-9A-Z]{5}$|^` + plateLetter + `{2}[0-9]{3}` + plateLetter + `$`)
	reEE          = lazyRegexp(`^EE[0-9]{3}` + plateLetter + `{2}$`)
	reProvinciale = lazyRegexp(`^(AG|AL|AN|AO|AP|AQ|AR|AT|AV|BA|BG|BL|BN|BO|BR|BS|BZ|CA|CB|CE|CH|CL|CN|CO|CR|CS|CT|CZ|EN|FE|FG|FI|FO|FR|GE|GO|GR|IM|IS|LE|LI|LT|LU|MC|ME|MI|MN|MO|MS|MT|NA|NO|NU|OR|PA|PC|PD|PE|PG|PI|PN|PR|PS|PT|PV|PZ|RA|RC|RE|RG|RI|RM|ROMA|RO|SA|SI|SO|SP|SR|SS|SV|TA|TE|TN|TO|TP|TR|TS|TV|UD|VA|VC|VE|VI|VR|VT|AO|KR|VV|BI|LO|LC|PO|RN|CI|VS|OG|OT|MB|FM|BT)[0-9][0-9A-Z]{3,5}$`)
	rePlateChars  = lazyRegexp(`^[A-Z0-9]{2,12}$`)
)

// ClassifyPlate says what a normalised plate looks like. For Italian plates an
// unrecognised format gives PlateUnknown and a warning in Italian; foreign plates are
// accepted in any format of 2–12 letters and digits.
func ClassifyPlate(number, country string) (PlateClass, string) {
	if NormalizeCountry(country) != Italy {
		return PlateEstera, ""
	}
	switch {
	case reEE().MatchString(number): // before autoveicolo: the EE series is not issued to residents
		return PlateEE, ""
	case reRimorchio().MatchString(number):
		return PlateRimorchio, ""
	case reAuto().MatchString(number):
		return PlateAuto, ""
	case reMoto().MatchString(number):
		return PlateMoto, ""
	case reCiclomotore().MatchString(number):
		return PlateCiclomotore, ""
	case reProvinciale().MatchString(number):
		return PlateProvinciale, ""
	}
	return PlateUnknown, "formato di targa italiana non riconosciuto: verificare"
}

// CheckPlateNumber rejects what cannot be a plate at all (empty, symbols, too long).
func CheckPlateNumber(number string) error {
	if number == "" {
		return errorf("targa mancante")
	}
	if !rePlateChars().MatchString(number) {
		return errorf("targa %q non valida: solo lettere e cifre, da 2 a 12 caratteri", number)
	}
	return nil
}
