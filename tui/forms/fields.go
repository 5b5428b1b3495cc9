package forms

import (
	"errors"
	"fmt"
	"net/mail"
	"strings"

	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
)

// labelWidth aligns the inline fields: label, then the value on the same line.
const labelWidth = 24

// pad makes a label labelWidth cells wide.
func pad(s string) string {
	if n := ansi.StringWidth(s); n < labelWidth {
		return s + strings.Repeat(" ", labelWidth-n)
	}
	return s + " "
}

// text is a one-line input with its label on the same line.
func text(title string, v *string) *huh.Input {
	return huh.NewInput().Title(pad(title)).Inline(true).Prompt("").Value(v)
}

// dateField is a dd/mm/yyyy input.
func dateField(title string, v *string) *huh.Input {
	return text(title, v).CharLimit(10).Placeholder("gg/mm/aaaa")
}

// yesNo is a Sì/No choice on one line.
func yesNo(title string, v *bool) *huh.Confirm {
	// One cell less: the buttons have a cell of padding.
	return huh.NewConfirm().Title(pad(title)[:len(pad(title))-1]).Inline(true).Affirmative("Sì").Negative("No").
		WithButtonAlignment(lipgloss.Left).Value(v)
}

// choice is a choice among few options on one line (←/→).
func choice[T comparable](title string, v *T, opts ...huh.Option[T]) *huh.Select[T] {
	return huh.NewSelect[T]().Title(title).Inline(true).Options(opts...).Value(v)
}

// list is a choice shown as a list (↑/↓).
func list[T comparable](title string, v *T, opts ...huh.Option[T]) *huh.Select[T] {
	return huh.NewSelect[T]().Title(title).Options(opts...).Value(v)
}

// Validators: Italian messages, written here (huh's built-ins are English).

// required refuses a blank value with msg.
func required(msg string) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(msg)
		}
		return nil
	}
}

// dateRequired checks a date the form cannot do without; what names it ("la data di
// decorrenza").
func dateRequired(what string) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return fmt.Errorf("indicare %s (gg/mm/aaaa)", what)
		}
		if _, err := domain.ParseDate(s); err != nil {
			return fmt.Errorf("%s: %v", what, err)
		}
		return nil
	}
}

// dateOptional checks a date that may be left empty.
func dateOptional(what string) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		if _, err := domain.ParseDate(s); err != nil {
			return fmt.Errorf("%s: %v", what, err)
		}
		return nil
	}
}

// notAfter refuses a date after limit (a death or a birth in the future).
func notAfter(what string, limit domain.Date) func(string) error {
	return func(s string) error {
		if err := dateRequired(what)(s); err != nil {
			return err
		}
		if d, _ := domain.ParseDate(s); d.After(limit) {
			return fmt.Errorf("%s %s è nel futuro", what, d)
		}
		return nil
	}
}

// parseDate is a checked date, zero when empty or wrong (validators said why).
func parseDate(s string) domain.Date {
	d, _ := domain.ParseDate(s)
	return d
}

// codiceFiscale checks the form of a codice fiscale (A2): length, characters, check
// character. Disagreement with the person's data is not an error here: the form shows
// it and asks for a reason.
func codiceFiscale(s string) error { return domain.ValidateCFSyntax(s) }

// email accepts an empty value or a bare address.
func email(s string) error {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	if a, err := mail.ParseAddress(s); err != nil || a.Address != s || !strings.Contains(s, "@") {
		return fmt.Errorf("indirizzo e-mail %q non valido", s)
	}
	return nil
}

// phone accepts digits, spaces, + and /.
func phone(s string) error {
	for _, r := range strings.TrimSpace(s) {
		if !(r >= '0' && r <= '9') && r != ' ' && r != '+' && r != '/' && r != '.' && r != '-' {
			return fmt.Errorf("telefono %q non valido: solo cifre, spazi e +", s)
		}
	}
	return nil
}

// passNumber checks a pass number as typed.
func passNumber(s string) error {
	return domain.CheckNumber(strings.ToUpper(strings.TrimSpace(s)))
}

// plateNumber checks a plate as typed (normalised first).
func plateNumber(s string) error {
	return domain.CheckPlateNumber(domain.NormalizePlate(s))
}

// country checks a plate's country: IT, or two or three letters.
func country(s string) error {
	c := domain.NormalizeCountry(s)
	if len(c) < 2 || len(c) > 3 || strings.IndexFunc(c, func(r rune) bool { return r < 'A' || r > 'Z' }) >= 0 {
		return fmt.Errorf("nazione %q non valida: sigla di 2 o 3 lettere (IT, D, F, CH…)", s)
	}
	return nil
}

// place resolves a comune or foreign state typed as name or code at a date.
func place(s string, at domain.Date) (domain.Place, error) { return domain.LookupPlace(s, at) }

// comune resolves an Italian comune existing on day (residence, transfer).
func comune(s string, day domain.Date) (domain.Place, error) {
	pl, err := domain.LookupPlace(s, day)
	if err != nil {
		return pl, err
	}
	if pl.Foreign {
		return pl, fmt.Errorf("%s è uno stato estero: serve un comune italiano", pl.Name)
	}
	if !pl.ValidAt(day) {
		return pl, fmt.Errorf("il comune %s (%s) non esiste più", pl.Name, pl.Code)
	}
	return pl, nil
}

// joinWarnings puts the service's warnings after a notice.
func joinWarnings(notice string, warnings []string) string {
	if len(warnings) == 0 {
		return notice
	}
	return notice + ". Attenzione: " + strings.Join(warnings, "; ")
}

// escapeNote protects text from the note field's markup (_ and * are styles there).
func escapeNote(s string) string {
	r := strings.NewReplacer(`\`, `\\`, "_", `\_`, "*", `\*`, "`", "\\`")
	return r.Replace(s)
}
