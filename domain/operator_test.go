package domain

import (
	"strings"
	"testing"
)

// M4: roles.
func TestParseRole(t *testing.T) {
	tests := []struct {
		in   string
		want Role
		ok   bool
	}{
		{"operatore", RoleOperatore, true},
		{" OPERATORE ", RoleOperatore, true},
		{"Amministratore", RoleAmministratore, true},
		{"admin", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		got, ok := ParseRole(tt.in)
		if got != tt.want || ok != tt.ok {
			t.Errorf("ParseRole(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.ok)
		}
	}
}

// M4: the operator name is the SSH user name.
func TestCheckOperatorName(t *testing.T) {
	tests := []struct {
		in string
		ok bool
	}{
		{"mrossi", true},
		{"m.rossi", true},
		{"m_rossi-2", true},
		{"ab", true},
		{"a" + strings.Repeat("b", 31), true}, // 32 characters
		{"a", false},
		{"a" + strings.Repeat("b", 32), false}, // 33 characters
		{"", false},
		{"MRossi", false},
		{"1rossi", false},
		{".rossi", false},
		{"m rossi", false},
		{"m@rossi", false},
		{"mròssi", false},
		{"rossi\n", false},
	}
	for _, tt := range tests {
		err := CheckOperatorName(tt.in)
		if (err == nil) != tt.ok {
			t.Errorf("CheckOperatorName(%q) = %v, want ok %v", tt.in, err, tt.ok)
		}
		if err != nil && (!IsRule(err) || !strings.Contains(err.Error(), "nome operatore")) {
			t.Errorf("CheckOperatorName(%q): message %q", tt.in, err)
		}
	}
}
