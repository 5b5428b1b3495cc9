package formkit

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"strings"
	"sync"

	"vivipass/domain"
)

// Validators: Italian messages, written here (huh's built-in ones are English). Each
// is a func(string) error for huh's Validate; the message is shown under the group
// after "Errore:".

// Required refuses a blank value with msg ("indicare il cognome", "il nome è
// obbligatorio").
func Required(msg string) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return errors.New(msg)
		}
		return nil
	}
}

// Optional accepts a blank value and checks any other with v.
func Optional(v func(string) error) func(string) error {
	return func(s string) error {
		if strings.TrimSpace(s) == "" {
			return nil
		}
		return v(s)
	}
}

// All checks with each validator in turn; the first refusal is the message.
func All(vs ...func(string) error) func(string) error {
	return func(s string) error {
		for _, v := range vs {
			if err := v(s); err != nil {
				return err
			}
		}
		return nil
	}
}

// Date checks a date the form cannot do without (gg/mm/aaaa); what names it ("la data
// di decorrenza").
func Date(what string) func(string) error {
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

// NotAfter checks a date that cannot be after limit (a birth, a death: not in the
// future).
func NotAfter(what string, limit domain.Date) func(string) error {
	return func(s string) error {
		if err := Date(what)(s); err != nil {
			return err
		}
		if d, _ := domain.ParseDate(s); d.After(limit) {
			return fmt.Errorf("%s %s è nel futuro", what, d)
		}
		return nil
	}
}

// ParseDate is a date the validators accepted; zero when empty or wrong (they said why).
func ParseDate(s string) domain.Date {
	d, _ := domain.ParseDate(s)
	return d
}

// CodiceFiscale checks the form of a codice fiscale (A2): length, characters, check
// character. Disagreement with the person's data is not an error here: the forms show
// it and ask for a reason.
func CodiceFiscale(s string) error { return domain.ValidateCFSyntax(s) }

// EmailAddress accepts an empty value or a bare address; label names it in the message
// ("indirizzo e-mail", "indirizzo").
func EmailAddress(label string) func(string) error {
	return func(s string) error {
		s = strings.TrimSpace(s)
		if s == "" {
			return nil
		}
		if a, err := mail.ParseAddress(s); err != nil || a.Address != s || !strings.Contains(s, "@") {
			return fmt.Errorf("%s %q non valido", label, s)
		}
		return nil
	}
}

// Email accepts an empty value or a bare e-mail address.
var Email = EmailAddress("indirizzo e-mail")

var rePhone = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^\+?[0-9][0-9 ./-]{4,19}$`) }) // compiled when first used (issue 14.4)

// Phone accepts an empty value or a telephone number: digits, spaces, . / - and a +
// in front.
func Phone(s string) error {
	s = strings.TrimSpace(s)
	if s != "" && !rePhone().MatchString(s) {
		return fmt.Errorf("numero %q non valido: solo cifre, spazi e un + iniziale", s)
	}
	return nil
}
