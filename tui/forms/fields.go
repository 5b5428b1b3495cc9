package forms

import (
	"fmt"
	"strings"

	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/tui/components/formkit"
)

// The fields of the pass forms; the validators shared with the other forms of the desk
// (required, dates, codice fiscale, e-mail, telephone) are in formkit.

// labelWidth aligns the inline fields: label, then the value on the same line.
const labelWidth = 24

// pad makes a label labelWidth cells wide.
func pad(s string) string { return formkit.Pad(s, labelWidth) }

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
	return formkit.YesNo(strings.TrimSuffix(pad(title), " "), v)
}

// choice is a choice among few options on one line (←/→).
func choice[T comparable](title string, v *T, opts ...huh.Option[T]) *huh.Select[T] {
	return huh.NewSelect[T]().Title(title).Inline(true).Options(opts...).Value(v)
}

// list is a choice shown as a list (↑/↓).
func list[T comparable](title string, v *T, opts ...huh.Option[T]) *huh.Select[T] {
	return huh.NewSelect[T]().Title(title).Options(opts...).Value(v)
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
