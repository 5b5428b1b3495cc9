package legacy

import (
	"time"

	"vivipass/domain"
)

// Fast paths for the values found on nearly every row of a region-sized file. Each one
// either gives exactly what the domain function would, or declines (ok = false) and
// the caller asks the domain: so the rules (and the messages) stay in package domain,
// and the tests compare both on many inputs.

// fastDate parses the plain forms "dd/mm/yyyy", "d/m/yyyy", "dd-mm-yyyy", "dd.mm.yyyy"
// and "yyyy-mm-dd" (digits and exactly two of one separator, nothing else), as
// domain.ParseDate does but without allocating. Anything else, and every error, is left
// to domain.ParseDate.
func fastDate(s string) (domain.Date, bool) {
	if len(s) < 8 || len(s) > 10 {
		return domain.Date{}, false
	}
	var sep byte
	var g [3]int // values of the three groups
	var n [3]int // their lengths
	k := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			g[k] = g[k]*10 + int(c-'0')
			n[k]++
		case (c == '/' || c == '-' || c == '.') && (sep == 0 || c == sep) && k < 2:
			sep = c
			k++
		default:
			return domain.Date{}, false
		}
	}
	if k != 2 || n[0] == 0 || n[1] == 0 || n[2] == 0 || n[1] > 2 {
		return domain.Date{}, false
	}
	y, m, d := g[2], g[1], g[0]
	switch {
	case n[0] == 4 && n[2] <= 2:
		y, d = g[0], g[2]
	case n[0] <= 2 && n[2] == 4:
	default:
		return domain.Date{}, false
	}
	if y < 1850 || y > 2200 || m < 1 || m > 12 {
		return domain.Date{}, false
	}
	return domain.NewDate(y, time.Month(m), d)
}

// parseDate is domain.ParseDate with the fast path.
func parseDate(s string) (domain.Date, error) {
	if d, ok := fastDate(s); ok {
		return d, nil
	}
	return domain.ParseDate(s)
}

// plateLetter reports the letters of post-1994 plates (no I, O, Q, U).
func plateLetter(c byte) bool {
	return c >= 'A' && c <= 'Z' && c != 'I' && c != 'O' && c != 'Q' && c != 'U'
}

func digit(c byte) bool { return c >= '0' && c <= '9' }

// fastPlateClass recognises the two formats nearly every plate has, a car AA000AA (not
// starting with X: XA000AA is a trailer) and a motorcycle AA00000, as
// domain.ClassifyPlate would for an Italian plate (such a number also passes
// domain.CheckPlateNumber). ok is false for anything else.
func fastPlateClass(p string) (domain.PlateClass, bool) {
	if len(p) != 7 || !plateLetter(p[0]) || !plateLetter(p[1]) || !digit(p[2]) || !digit(p[3]) || !digit(p[4]) {
		return "", false
	}
	switch {
	case p[0] != 'X' && plateLetter(p[5]) && plateLetter(p[6]):
		return domain.PlateAuto, true
	case digit(p[5]) && digit(p[6]):
		return domain.PlateMoto, true
	}
	return "", false
}

// normalText reports whether domain.NormalizePerson would leave a name or address as it
// is: printable ASCII with no lower-case letter and single spaces between words only.
func normalText(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c > '~' || (c >= 'a' && c <= 'z') || (c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' ')) {
			return false
		}
	}
	return true
}

// normalCode reports whether a code (codice fiscale, sex) is already upper-case ASCII
// letters and digits, as NormalizePerson makes it.
func normalCode(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !(c >= 'A' && c <= 'Z') && !digit(c) {
			return false
		}
	}
	return true
}

// normalTrimmed reports whether e-mail and phone are already trimmed (they are, coming
// from the reader) and ASCII, so that NormalizePerson's TrimSpace leaves them.
func normalTrimmed(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c <= ' ' || c > '~' {
			return false
		}
	}
	return true
}

// normalizePerson is domain.NormalizePerson, skipped when it would change nothing.
func normalizePerson(p *domain.Person) {
	if normalCode(p.CodiceFiscale) && normalText(p.Cognome) && normalText(p.Nome) && normalCode(p.Sesso) &&
		normalText(p.Indirizzo) && normalTrimmed(p.Email) && normalTrimmed(p.Telefono) &&
		p.LuogoNascita == "" && p.ComuneResidenza == "" {
		return
	}
	domain.NormalizePerson(p)
}

// numberOK reports what domain.CheckNumber accepts (a letter or digit, then up to 39
// letters, digits, _ . / -), without the regular expression; false is confirmed by
// domain.CheckNumber, which gives the message.
func numberOK(n string) bool {
	if n == "" || len(n) > 40 {
		return false
	}
	for i := 0; i < len(n); i++ {
		c := n[i]
		switch {
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', digit(c):
		case i > 0 && (c == '_' || c == '.' || c == '/' || c == '-'):
		default:
			return false
		}
	}
	return true
}

// checkNumber is domain.CheckNumber with the fast path.
func checkNumber(n string) error {
	if numberOK(n) {
		return nil
	}
	return domain.CheckNumber(n)
}

// cfPlace is the birthplace code of a codice fiscale without omocodia in it
// (letter A-M or Z and three digits at positions 12-15), or "".
func cfPlace(cf string) string {
	if len(cf) != 16 {
		return ""
	}
	if c := cf[11]; ((c >= 'A' && c <= 'M') || c == 'Z') && digit(cf[12]) && digit(cf[13]) && digit(cf[14]) {
		return cf[11:15]
	}
	return ""
}
