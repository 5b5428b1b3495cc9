package domain

import (
	"fmt"
	"strconv"
)

// The circuit's numbering (P2): <codice catastale>_<year of issue>_<5-digit progressive>,
// e.g. L736_2024_00015. The progressive counts per comune and year.
var reNumber = lazyRegexp(`^([A-Z][0-9]{3})_([0-9]{4})_([0-9]{5})$`)

// FormatNumber builds a circuit number.
func FormatNumber(comune string, year, seq int) string {
	return fmt.Sprintf("%s_%04d_%05d", comune, year, seq)
}

// ParseNumber splits a circuit number; ok is false for other formats (old numbers).
func ParseNumber(n string) (comune string, year, seq int, ok bool) {
	m := reNumber().FindStringSubmatch(n)
	if m == nil {
		return "", 0, 0, false
	}
	year, _ = strconv.Atoi(m[2])
	seq, _ = strconv.Atoi(m[3])
	return m[1], year, seq, true
}

var reAnyNumber = lazyRegexp(`^[A-Za-z0-9][A-Za-z0-9_./-]{0,39}$`)

// CheckNumber accepts any number a comune has used (legacy numbers stay as they were),
// but only printable letters, digits and _ . / - , at most 40 characters.
func CheckNumber(n string) error {
	if n == "" {
		return errorf("il numero del contrassegno è obbligatorio")
	}
	if !reAnyNumber().MatchString(n) {
		return errorf("numero di contrassegno %q non valido: solo lettere, cifre e _ . / -, al massimo 40 caratteri", n)
	}
	return nil
}

// ManualNumberWarning is the P2 warning for a number the operator typed instead of the
// proposed one; "" when the number is the proposed one.
func ManualNumberWarning(typed, proposed string) string {
	if typed == proposed {
		return ""
	}
	c1, y1, s1, ok1 := ParseNumber(typed)
	c2, y2, s2, ok2 := ParseNumber(proposed)
	if ok1 && ok2 && c1 == c2 && y1 == y2 && s1 > s2 {
		return fmt.Sprintf("numero inserito a mano: la numerazione salterà da %05d a %05d", s2, s1)
	}
	return "numero inserito a mano: non segue la numerazione automatica del circuito"
}
