package domain

import (
	"fmt"
	"unicode/utf8"
)

// CheckText refuses the control characters in a text an operator types or a file
// brings (names, addresses, notes, reasons): the C0 controls, DEL and the C1 controls
// U+0080-U+009F. ESC (and the C1 CSI) start the escape sequences that move a
// terminal's cursor, change its colours or its title, or fake other output when the
// text is printed (issue 12.10); no name or note needs them. multiline allows line
// breaks and tabs (notes typed on several lines). what names the field in the message
// ("il cognome").
func CheckText(what, s string, multiline bool) error {
	pos := 0
	for i, r := range s {
		pos++
		if r == utf8.RuneError {
			if _, n := utf8.DecodeRuneInString(s[i:]); n == 1 {
				return errorf("%s contiene un byte non valido (non UTF-8) al carattere %d: riscrivere il testo", what, pos)
			}
		}
		if !IsControl(r) || (multiline && (r == '\n' || r == '\t')) {
			continue
		}
		return errorf("%s contiene un carattere di controllo (%s) al carattere %d: non si scrive con la tastiera, arriva di solito da un copia-incolla; cancellarlo e riscrivere il testo", what, ControlName(r), pos)
	}
	return nil
}

// IsControl reports the characters CheckText refuses: C0, DEL and C1.
func IsControl(r rune) bool { return r < 0x20 || (r >= 0x7F && r <= 0x9F) }

// ControlName names a control character for a message: "ESC", "a capo", "U+009B"…
func ControlName(r rune) string {
	switch r {
	case 0x1B:
		return "ESC"
	case '\n':
		return "a capo"
	case '\r':
		return "ritorno carrello, CR"
	case '\t':
		return "tabulazione"
	case 0:
		return "NUL"
	case 0x7F:
		return "DEL"
	}
	return fmt.Sprintf("U+%04X", r)
}
