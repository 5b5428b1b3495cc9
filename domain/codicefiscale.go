package domain

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Codice fiscale of a person (A2): 16 characters SSS NNN YY M DD LLLL C. See
// ../shared/spec/domain-facts.md for the rules; every message here is for the operator.

const (
	// cfMonths are the month letters, January to December.
	cfMonths = "ABCDEHLMPRST"
	// cfOmocodia are the letters that replace the digits 0…9 in an omocode code.
	cfOmocodia = "LMNPQRSTUV"
	// cfOddValues gives the value of a character in an odd position (1st, 3rd…): the
	// letter at index i encodes the value of 'A'+i, and digit d counts as 'A'+d does.
	cfOddValues = "BAFHJNPRTVCESULDGIMOQKWZYX"
)

// cfDigitPositions are the 0-based positions (7, 8, 10, 11, 13, 14, 15 in 1-based terms)
// that hold digits, or omocodia letters in their place, from left to right.
func cfDigitPositions() [7]int { return [7]int{6, 7, 9, 10, 12, 13, 14} }

// CFInfo is what a codice fiscale says about its holder.
type CFInfo struct {
	CF         string // the code as given, normalised
	Canonical  string // the code with omocodia undone and its check character recomputed
	Omocode    bool   // some digits were replaced by letters
	Sex        byte   // 'M' or 'F'
	Birth      Date   // century inferred: the latest date not after "today"
	BirthPlace string // codice catastale or Z code, omocodia undone: "L736"
	Foreign    bool   // born abroad (Z code)
}

// CFPerson is what a person record says; empty fields are not checked against the code.
type CFPerson struct {
	Surname    string
	Name       string
	Sex        byte // 'M' or 'F'; 0 = not given
	Birth      Date
	BirthPlace string // codice catastale or Z code (a name is looked up too)
}

// CFMismatch is a disagreement between a codice fiscale and a person's data, for one
// field: cognome, nome, sesso, data_nascita, luogo_nascita (or codice_fiscale when the
// code itself is not valid). It is a warning an operator may override with a reason,
// unless Note: then it only informs (a birthplace code that exists but was not in force
// at the birth date is common in real codes, and the Agenzia accepts them).
type CFMismatch struct {
	Field    string
	Message  string // Italian, for the operator
	Expected string // what the person's data give (may be empty)
	Found    string // what the codice fiscale says (may be empty)
	Note     bool   // informative: needs no override reason
}

func (m CFMismatch) Error() string { return m.Field + ": " + m.Message }

// NormalizeCF upper-cases a codice fiscale and removes blanks: " rss mra80a01 l736u" →
// "RSSMRA80A01L736U".
func NormalizeCF(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		if unicode.IsSpace(r) {
			continue
		}
		b.WriteRune(unicode.ToUpper(r))
	}
	return b.String()
}

// cfParts is a syntactically valid code taken apart.
type cfParts struct {
	canonical string // de-omocodised, with its check character
	omocode   bool
	year2     int // 0-99
	month     time.Month
	day       int // 1-31 (the +40 removed)
	sex       byte
	place     string // de-omocodised
}

// ValidateCFSyntax checks the form of a codice fiscale (normalised first with
// NormalizeCF): length, letters and digits in their places (omocodia letters allowed in
// any of the digit places), month letter, day 1-31 or 41-71, a date
// that exists, a place code starting A-M or Z, and the check character. The error is in
// Italian and says precisely what is wrong.
func ValidateCFSyntax(cf string) error {
	_, err := parseCF(NormalizeCF(cf))
	return err
}

func cfInvalid(format string, a ...any) error {
	return errorf("codice fiscale non valido: "+format, a...)
}

func parseCF(cf string) (cfParts, error) {
	var p cfParts
	if cf == "" {
		return p, errorf("codice fiscale mancante")
	}
	if n := utf8.RuneCountInString(cf); n != 16 {
		return p, cfInvalid("lunghezza %d invece di 16", n)
	}
	for i, r := range []rune(cf) {
		if !(r >= 'A' && r <= 'Z') && !(r >= '0' && r <= '9') {
			return p, cfInvalid("carattere %q non ammesso in posizione %d", string(r), i+1)
		}
	}
	// From here on cf is 16 ASCII letters and digits.
	isDigitPos := [16]bool{}
	for _, i := range cfDigitPositions() {
		isDigitPos[i] = true
	}
	for i := 0; i < 16; i++ {
		c := cf[i]
		switch {
		case isDigitPos[i]:
			if !isDigitASCII(c) && strings.IndexByte(cfOmocodia, c) < 0 {
				return p, cfInvalid("in posizione %d ci vuole una cifra (o una lettera di omocodia L, M, N, P, Q, R, S, T, U, V), non %q", i+1, string(c))
			}
		case !isUpperASCII(c):
			return p, cfInvalid("in posizione %d ci vuole una lettera, non %q", i+1, string(c))
		}
	}
	// Undo omocodia. The Agenzia substitutes from the right, but real codes carry a
	// letter in any subset of the seven places (CNTFNC84R44H5L1E): every one is valid
	// when its check character is right (domain-facts.md, codice fiscale point 8).
	plain := []byte(cf)
	for _, i := range cfDigitPositions() {
		if c := cf[i]; !isDigitASCII(c) {
			plain[i] = '0' + byte(strings.IndexByte(cfOmocodia, c))
			p.omocode = true
		}
	}
	m := strings.IndexByte(cfMonths, cf[8])
	if m < 0 {
		return p, cfInvalid("in posizione 9 %q non è una lettera di mese valida (A B C D E H L M P R S T)", string(cf[8]))
	}
	p.month = time.Month(m + 1)
	p.year2 = int(plain[6]-'0')*10 + int(plain[7]-'0')
	day := int(plain[9]-'0')*10 + int(plain[10]-'0')
	switch {
	case day >= 1 && day <= 31:
		p.day, p.sex = day, 'M'
	case day >= 41 && day <= 71:
		p.day, p.sex = day-40, 'F'
	default:
		return p, cfInvalid("giorno di nascita %02d impossibile: 01-31 per gli uomini, 41-71 per le donne", day)
	}
	if p.day > daysIn(p.month, p.year2) {
		if p.month == time.February && p.day == 29 {
			return p, cfInvalid("data di nascita impossibile: 29 febbraio in un anno (…%02d) non bisestile", p.year2)
		}
		return p, cfInvalid("data di nascita impossibile: %d %s", p.day, italianMonth(p.month))
	}
	if c := cf[11]; !(c >= 'A' && c <= 'M') && c != 'Z' {
		return p, cfInvalid("in posizione 12 %q non può iniziare un codice catastale (A-M per i comuni, Z per gli stati esteri)", string(c))
	}
	if want := cfCheckChar(cf[:15]); cf[15] != want {
		return p, cfInvalid("il carattere di controllo dovrebbe essere %c, non %c", want, cf[15])
	}
	p.place = string(plain[11:15])
	p.canonical = string(plain[:15]) + string(cfCheckChar(string(plain[:15])))
	return p, nil
}

// daysIn is the length of a month; the century is unknown, so February has 29 days in
// any year whose last two digits are a multiple of 4 (1900 is the one exception, and a
// code cannot tell it from 2000).
func daysIn(m time.Month, year2 int) int {
	switch m {
	case time.February:
		if year2%4 == 0 {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

func italianMonth(m time.Month) string {
	names := [12]string{"gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno",
		"luglio", "agosto", "settembre", "ottobre", "novembre", "dicembre"}
	if m < 1 || m > 12 {
		return fmt.Sprint(int(m))
	}
	return names[m-1]
}

// cfCheckChar computes the check character of the first 15 characters (upper-case
// ASCII letters and digits).
func cfCheckChar(s15 string) byte {
	sum := 0
	for i := 0; i < 15; i++ {
		c := s15[i]
		idx := int(c - 'A')
		if isDigitASCII(c) {
			idx = int(c - '0')
		}
		if i%2 == 0 { // 1st, 3rd… character: odd position
			sum += int(cfOddValues[idx] - 'A')
		} else {
			sum += idx
		}
	}
	return byte('A' + sum%26)
}

// DecodeCF reads sex, birth date and birthplace from a codice fiscale, undoing
// omocodia. The code gives only two digits of the year: the century is the one that
// makes the birthplace valid at that date (Gallico, ceased in 1927, in
// MCHFDA07A01D877A means 1907), else the latest one not after notAfter (today, or an
// earlier day known to follow the birth, such as the issue of a pass). notAfter is
// required (the domain reads no clock).
func DecodeCF(cf string, notAfter Date) (CFInfo, error) {
	cf = NormalizeCF(cf)
	p, err := parseCF(cf)
	if err != nil {
		return CFInfo{}, err
	}
	birth, err := p.birth(notAfter)
	if err != nil {
		return CFInfo{}, err
	}
	return CFInfo{
		CF: cf, Canonical: p.canonical, Omocode: p.omocode, Sex: p.sex, Birth: birth,
		BirthPlace: p.place, Foreign: p.place[0] == 'Z',
	}, nil
}

// cfMaxAge bounds the centuries tried: nobody with a pass is older.
const cfMaxAge = 125

// birth picks the century (domain-facts.md, codice fiscale point 9): among the dates
// with these two year digits not after notAfter and within cfMaxAge years of it, the
// latest at which the birthplace code was valid, else simply the latest.
func (p cfParts) birth(notAfter Date) (Date, error) {
	if notAfter.IsZero() {
		return Date{}, errorf("data odierna mancante: impossibile stabilire il secolo di nascita")
	}
	var candidates []Date
	y := notAfter.Year() - notAfter.Year()%100 + p.year2
	for ; y > notAfter.Year()-cfMaxAge-1; y -= 100 {
		if d, ok := NewDate(y, p.month, p.day); ok && !d.After(notAfter) && notAfter.Year()-y <= cfMaxAge {
			candidates = append(candidates, d)
		}
	}
	if len(candidates) == 0 {
		return Date{}, cfInvalid("data di nascita impossibile: %d %s %02d", p.day, italianMonth(p.month), p.year2)
	}
	for _, d := range candidates {
		if valid, known := placeValidAt(p.place, d); known && valid {
			return d, nil
		}
	}
	return candidates[0], nil
}

// placeValidAt reports whether a birthplace code (codice catastale or Z code) was in
// force on day; known is false for a code of no table.
func placeValidAt(code string, day Date) (valid, known bool) {
	if code[0] == 'Z' {
		st, ok := StateAt(code, Date{})
		return ok && st.ValidAt(day), ok
	}
	lo, hi := comuneSpan(code)
	for i := lo; i < hi; i++ {
		if comuneRows[i].validAt(day) {
			return true, true
		}
	}
	return false, lo < hi
}

// ComputeCF builds the codice fiscale from the data (without omocodia: only the Agenzia
// delle Entrate assigns omocode codes). Accents are dropped (NICOLÒ → NICOLO) and
// apostrophes, spaces and hyphens ignored (D'ANDREA → DANDREA); sex is 'M' or 'F';
// placeCode is the codice catastale valid at the birth date, or the Z code of the
// foreign state.
func ComputeCF(surname, name string, sex byte, birth Date, placeCode string) (string, error) {
	sc, err := cfSurnameCode(surname)
	if err != nil {
		return "", err
	}
	nc, err := cfNameCode(name)
	if err != nil {
		return "", err
	}
	sex, err = cfSex(sex)
	if err != nil {
		return "", err
	}
	if birth.IsZero() {
		return "", errorf("data di nascita mancante")
	}
	place := normCode(placeCode)
	if place == "" {
		return "", errorf("luogo di nascita mancante")
	}
	if !isPlaceCode(place) {
		return "", errorf("codice del luogo di nascita %q non valido: serve un codice catastale (es. L736) o il codice di uno stato estero (es. Z110)", placeCode)
	}
	day := birth.Day()
	if sex == 'F' {
		day += 40
	}
	s15 := fmt.Sprintf("%s%s%02d%c%02d%s", sc, nc, birth.Year()%100, cfMonths[birth.Month()-1], day, place)
	return s15 + string(cfCheckChar(s15)), nil
}

func cfSex(sex byte) (byte, error) {
	switch sex {
	case 'M', 'm':
		return 'M', nil
	case 'F', 'f':
		return 'F', nil
	case 0:
		return 0, errorf("sesso mancante")
	}
	return 0, errorf("sesso %q non valido: usare M o F", string(sex))
}

// cfLetters is the letters of a surname or name as the code uses them: upper case,
// accents dropped, blanks and punctuation (apostrophes, hyphens, dots) ignored. A
// character with no Latin form, or a digit, is an error.
func cfLetters(s, field string) (consonants, vowels []byte, err error) {
	for _, r := range foldUpper(s) {
		switch {
		case r >= 'A' && r <= 'Z':
			if strings.ContainsRune("AEIOU", r) {
				vowels = append(vowels, byte(r))
			} else {
				consonants = append(consonants, byte(r))
			}
		case unicode.IsSpace(r) || unicode.IsPunct(r) || unicode.IsSymbol(r):
			// D'ANDREA, DE-LUCA, ST. JOHN: separators do not count
		default:
			return nil, nil, errorf("il %s contiene il carattere %q, che il codice fiscale non può rappresentare", field, string(r))
		}
	}
	if len(consonants)+len(vowels) == 0 {
		return nil, nil, errorf("%s mancante", field)
	}
	return consonants, vowels, nil
}

// cfSurnameCode is the first three of consonants, vowels, X X X: ROSSI → RSS, FO → FOX.
func cfSurnameCode(surname string) (string, error) {
	cons, vows, err := cfLetters(surname, "cognome")
	if err != nil {
		return "", err
	}
	return cfTriplet(cons, vows), nil
}

// cfNameCode is like the surname's, but with four or more consonants it takes the 1st,
// 3rd and 4th: GIANFRANCO → GFR.
func cfNameCode(name string) (string, error) {
	cons, vows, err := cfLetters(name, "nome")
	if err != nil {
		return "", err
	}
	if len(cons) >= 4 {
		return string([]byte{cons[0], cons[2], cons[3]}), nil
	}
	return cfTriplet(cons, vows), nil
}

func cfTriplet(cons, vows []byte) string {
	b := append(append(append(make([]byte, 0, len(cons)+len(vows)+3), cons...), vows...), 'X', 'X', 'X')
	return string(b[:3])
}

// CheckCFAgreement compares a codice fiscale with a person's data, field by field, and
// returns the disagreements (none when all agree). Fields left empty or zero in p are
// not checked. An omocode code agrees when its de-omocodised form does. The birthplace
// (a code, or a name looked up at the birth date) must be the one in the code; a code
// that exists but was not in force at the birth date (of p, or decoded from the code
// when p has none) gives a Note, not a mismatch. Codes of foreign states missing from
// every table are accepted as they are. A code that is not valid at all gives a single
// mismatch on field codice_fiscale.
func CheckCFAgreement(cf string, p CFPerson, today Date) []CFMismatch {
	cf = NormalizeCF(cf)
	parts, err := parseCF(cf)
	if err != nil {
		return []CFMismatch{{Field: "codice_fiscale", Message: err.Error()}}
	}
	var out []CFMismatch
	add := func(field, expected, found, format string, a ...any) {
		out = append(out, CFMismatch{Field: field, Message: fmt.Sprintf(format, a...), Expected: expected, Found: found})
	}

	if strings.TrimSpace(p.Surname) != "" {
		if code, err := cfSurnameCode(p.Surname); err != nil {
			add("cognome", "", cf[0:3], "%s", err.Error())
		} else if code != cf[0:3] {
			add("cognome", code, cf[0:3], "il cognome %s dà %s, nel codice fiscale c'è %s",
				strings.ToUpper(strings.TrimSpace(p.Surname)), code, cf[0:3])
		}
	}
	if strings.TrimSpace(p.Name) != "" {
		if code, err := cfNameCode(p.Name); err != nil {
			add("nome", "", cf[3:6], "%s", err.Error())
		} else if code != cf[3:6] {
			add("nome", code, cf[3:6], "il nome %s dà %s, nel codice fiscale c'è %s",
				strings.ToUpper(strings.TrimSpace(p.Name)), code, cf[3:6])
		}
	}
	if p.Sex != 0 {
		if sex, err := cfSex(p.Sex); err != nil {
			add("sesso", string(p.Sex), string(parts.sex), "%s", err.Error())
		} else if sex != parts.sex {
			add("sesso", string(sex), string(parts.sex), "il codice fiscale è di una persona di sesso %c, nei dati il sesso è %c",
				parts.sex, sex)
		}
	}
	if !p.Birth.IsZero() {
		if p.Birth.Year()%100 != parts.year2 || p.Birth.Month() != parts.month || p.Birth.Day() != parts.day {
			found := fmt.Sprintf("%02d/%02d/%02d", parts.day, int(parts.month), parts.year2)
			add("data_nascita", p.Birth.String(), found,
				"la data di nascita %s non corrisponde al codice fiscale, che indica il %s", p.Birth, found)
		}
	}
	if strings.TrimSpace(p.BirthPlace) != "" {
		birth := p.Birth
		if birth.IsZero() {
			birth, _ = parts.birth(today) // zero if today is missing: validity unchecked
		}
		if m, ok := checkCFPlace(parts.place, p.BirthPlace, birth); !ok {
			out = append(out, m)
		}
	}
	return out
}

// checkCFPlace compares the code's birthplace with the person's and checks the code was
// valid on the birth date (when known).
func checkCFPlace(inCF, given string, birth Date) (CFMismatch, bool) {
	code := normCode(given)
	if !isPlaceCode(code) {
		pl, err := LookupPlace(given, birth)
		if err != nil {
			return CFMismatch{Field: "luogo_nascita", Message: err.Error(), Found: inCF}, false
		}
		code = pl.Code
	}
	if code != inCF {
		return CFMismatch{
			Field: "luogo_nascita", Expected: code, Found: inCF,
			Message: fmt.Sprintf("il luogo di nascita è %s%s, nel codice fiscale c'è %s%s",
				code, parenthesised(describePlace(code, birth)), inCF, parenthesised(describePlace(inCF, birth))),
		}, false
	}
	if birth.IsZero() {
		return CFMismatch{}, true
	}
	if code[0] == 'Z' {
		if st, known := StateAt(code, Date{}); known && !st.ValidAt(birth) {
			return CFMismatch{
				Field: "luogo_nascita", Expected: code, Found: inCF, Note: true,
				Message: fmt.Sprintf("il codice %s (%s, %s) non era in vigore alla data di nascita %s; il codice fiscale resta valido",
					code, st.Name, validityText(st), birth),
			}, false
		}
		return CFMismatch{}, true
	}
	lo, hi := comuneSpan(code)
	if lo == hi {
		return CFMismatch{
			Field: "luogo_nascita", Expected: code, Found: inCF,
			Message: fmt.Sprintf("il codice catastale %s non esiste", code),
		}, false
	}
	for i := lo; i < hi; i++ {
		if comuneRows[i].validAt(birth) {
			return CFMismatch{}, true
		}
	}
	rows := comuneRowsOf(code)
	// The periods of the code, contiguous rows merged: "dal 17/03/1861 al 11/05/1928 e
	// dal 10/12/1991" (a note must fit under the form at 80×24).
	var periods []string
	from := rows[0].From
	for i, r := range rows {
		if i+1 < len(rows) && !r.To.IsZero() && rows[i+1].From.Equal(r.To.AddDays(1)) {
			continue
		}
		periods = append(periods, validityText(Place{From: from, To: r.To}))
		if i+1 < len(rows) {
			from = rows[i+1].From
		}
	}
	return CFMismatch{
		Field: "luogo_nascita", Expected: code, Found: inCF, Note: true,
		Message: fmt.Sprintf("il codice catastale %s (%s) non era in vigore alla data di nascita %s (in vigore %s); il codice fiscale resta valido",
			code, rows[len(rows)-1].Name, birth, strings.Join(periods, " e ")),
	}, false
}

func validityText(p Place) string {
	if p.To.IsZero() {
		return "dal " + p.From.String()
	}
	return "dal " + p.From.String() + " al " + p.To.String()
}

// describePlace names a place code for a message: "VENEZIA (VE)", "GERMANIA", or "".
func describePlace(code string, at Date) string {
	if code[0] == 'Z' {
		if st, ok := StateAt(code, Date{}); ok {
			return st.Name
		}
		return unlistedState(code).Name
	}
	if rows := comuneRowsOf(code); len(rows) > 0 {
		return nearestRow(rows, at).Label()
	}
	return ""
}

func parenthesised(s string) string {
	if s == "" {
		return ""
	}
	return " (" + s + ")"
}
