package domain

import (
	"strings"
	"time"
	"unicode"
)

// Role of an operator (M4).
type Role string

const (
	RoleOperatore      Role = "operatore"
	RoleAmministratore Role = "amministratore"
)

// ParseRole accepts the two roles.
func ParseRole(s string) (Role, bool) {
	switch Role(strings.ToLower(strings.TrimSpace(s))) {
	case RoleOperatore:
		return RoleOperatore, true
	case RoleAmministratore:
		return RoleAmministratore, true
	}
	return "", false
}

// OperatorKey is one registered SSH public key.
type OperatorKey struct {
	Fingerprint   string    `json:"fingerprint"` // SHA256:…
	AuthorizedKey string    `json:"authorized_key"`
	Comment       string    `json:"comment,omitempty"`
	AddedAt       time.Time `json:"added_at"`
}

// Operator is a person at the counter (M4): they see and change only Comune's data.
type Operator struct {
	Name      string        `json:"name"`
	FullName  string        `json:"full_name,omitempty"` // "Nome Cognome", printed instead of the login ("" on older records)
	Role      Role          `json:"role"`
	Comune    string        `json:"comune"`
	Keys      []OperatorKey `json:"keys"`
	Plain     bool          `json:"plain,omitempty"` // no colours, for thin terminals
	Printer   string        `json:"printer,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	Version   uint64        `json:"version"`
}

var reOperatorName = lazyRegexp(`^[a-z][a-z0-9._-]{1,31}$`)

// CheckOperatorName: the name is the SSH user name, so lower-case letters, digits, . _ -.
func CheckOperatorName(n string) error {
	if !reOperatorName().MatchString(n) {
		return errorf("nome operatore %q non valido: da 2 a 32 caratteri, minuscole, cifre, . _ -, iniziando con una lettera", n)
	}
	return nil
}

// Label is who the operator is on paper: the full name, else the login.
func (o Operator) Label() string {
	if o.FullName != "" {
		return o.FullName
	}
	return o.Name
}

// NormalizeFullName trims a full name and closes up its inner spaces.
func NormalizeFullName(s string) string { return strings.Join(strings.Fields(s), " ") }

// CheckFullName checks an operator's "Nome Cognome" as typed: optional, else at least a
// name and a surname of letters (accents, apostrophes, hyphens and dots allowed), at
// most 80 characters.
func CheckFullName(s string) error {
	s = NormalizeFullName(s)
	if s == "" {
		return nil
	}
	if len([]rune(s)) > 80 {
		return errorf("nome e cognome troppo lunghi: al massimo 80 caratteri")
	}
	for _, r := range s {
		if !unicode.IsLetter(r) && !strings.ContainsRune(" '’-.", r) {
			return errorf("nome e cognome %q: solo lettere, spazi, apostrofi, trattini e punti", s)
		}
	}
	if !strings.Contains(s, " ") {
		return errorf("indicare nome e cognome (es. Mario Rossi), non solo %q", s)
	}
	return nil
}
