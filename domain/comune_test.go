package domain

import (
	"reflect"
	"strings"
	"testing"
)

// M5: the settings of a comune nobody has configured yet.
func TestDefaultComuneSettings(t *testing.T) {
	got := DefaultComuneSettings("L736")
	want := ComuneSettings{
		Code: "L736", CircuitMember: true, ExpiryRule: ExpiryFiveYears, AlertDays: 60, // P9: default 60 days
		TrustedSenders: []string{DefaultTrustedSender},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("DefaultComuneSettings = %+v, want %+v", got, want)
	}
	if err := got.Validate(); err != nil {
		t.Errorf("the default settings are not valid: %v", err)
	}
	// Each call has its own slice.
	got.TrustedSenders[0] = "x@example.it"
	if DefaultComuneSettings("L736").TrustedSenders[0] != DefaultTrustedSender {
		t.Error("DefaultComuneSettings shares its TrustedSenders slice")
	}
}

func TestComuneSettingsValidate(t *testing.T) {
	tests := []struct {
		name    string
		mod     func(*ComuneSettings)
		wantMsg string // "" = valid
	}{
		{"default", func(*ComuneSettings) {}, ""},
		{"birthday rule", func(s *ComuneSettings) { s.ExpiryRule = ExpiryBirthday }, ""},
		{"no alerts", func(s *ComuneSettings) { s.AlertDays = 0 }, ""},
		{"a year of alerts", func(s *ComuneSettings) { s.AlertDays = 365 }, ""},
		{"finestra temporale on", func(s *ComuneSettings) { s.FinestraTemporale = true }, ""},
		{"unknown comune", func(s *ComuneSettings) { s.Code = "Q999" }, `comune "Q999" sconosciuto`},
		{"no comune", func(s *ComuneSettings) { s.Code = "" }, "sconosciuto"},
		{"unknown rule", func(s *ComuneSettings) { s.ExpiryRule = "10anni" }, `regola di scadenza "10anni" non valida`},
		{"empty rule", func(s *ComuneSettings) { s.ExpiryRule = "" }, "regola di scadenza"},
		{"negative alert days", func(s *ComuneSettings) { s.AlertDays = -1 }, "giorni di preavviso -1 fuori intervallo"},
		{"too many alert days", func(s *ComuneSettings) { s.AlertDays = 366 }, "giorni di preavviso 366 fuori intervallo"},
	}
	for _, tt := range tests {
		s := DefaultComuneSettings("L736")
		tt.mod(&s)
		err := s.Validate()
		switch {
		case tt.wantMsg == "" && err != nil:
			t.Errorf("%s: %v, want valid", tt.name, err)
		case tt.wantMsg != "" && (err == nil || !strings.Contains(err.Error(), tt.wantMsg)):
			t.Errorf("%s: %v, want %q", tt.name, err, tt.wantMsg)
		}
	}
}

func TestExpiryRuleLabel(t *testing.T) {
	tests := map[ExpiryRule]string{
		ExpiryFiveYears: "5 anni dalla decorrenza",
		ExpiryBirthday:  "compleanno dopo il quinto anno",
		"":              "5 anni dalla decorrenza",
	}
	for r, want := range tests {
		if got := r.Label(); got != want {
			t.Errorf("%q.Label() = %q, want %q", r, got, want)
		}
	}
}
