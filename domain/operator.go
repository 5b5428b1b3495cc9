package domain

import (
	"regexp"
	"strings"
	"time"
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
	Role      Role          `json:"role"`
	Comune    string        `json:"comune"`
	Keys      []OperatorKey `json:"keys"`
	Plain     bool          `json:"plain,omitempty"` // no colours, for thin terminals
	Printer   string        `json:"printer,omitempty"`
	CreatedAt time.Time     `json:"created_at"`
	Version   uint64        `json:"version"`
}

var reOperatorName = regexp.MustCompile(`^[a-z][a-z0-9._-]{1,31}$`)

// CheckOperatorName: the name is the SSH user name, so lower-case letters, digits, . _ -.
func CheckOperatorName(n string) error {
	if !reOperatorName.MatchString(n) {
		return errorf("nome operatore %q non valido: da 2 a 32 caratteri, minuscole, cifre, . _ -, iniziando con una lettera", n)
	}
	return nil
}
