package domain

import "testing"

func TestRequestTransition(t *testing.T) {
	tests := []struct {
		from, to RequestState
		note     string
		ok       bool
	}{
		{RequestNuova, RequestInLavorazione, "", true},
		{RequestNuova, RequestEvasa, "", true},
		{RequestInLavorazione, RequestEvasa, "rinnovo L736_2026_00001", true},
		{RequestNuova, RequestRespinta, "", false},
		{RequestNuova, RequestRespinta, "  ", false},
		{RequestNuova, RequestRespinta, "non residente", true},
		{RequestNuova, RequestIntegrazione, "", false},
		{RequestNuova, RequestIntegrazione, "manca la fototessera", true},
		{RequestIntegrazione, RequestEvasa, "", true},
		{RequestEvasa, RequestRespinta, "errore", false},
		{RequestEvasa, RequestInLavorazione, "", false},
		{RequestEvasa, RequestInLavorazione, "chiusa per errore", true},
		{RequestInLavorazione, RequestNuova, "x", false},
		{RequestNuova, RequestNuova, "", false},
		{RequestNuova, RequestState("chiusa"), "", false},
	}
	for _, tc := range tests {
		err := RequestTransition(tc.from, tc.to, tc.note)
		if (err == nil) != tc.ok {
			t.Errorf("%s → %s (%q): err %v, want ok %v", tc.from, tc.to, tc.note, err, tc.ok)
		}
		if err != nil && !IsRule(err) {
			t.Errorf("%s → %s: %v is not a rule error", tc.from, tc.to, err)
		}
	}
}

func TestParseRequestState(t *testing.T) {
	for in, want := range map[string]RequestState{
		"nuova": RequestNuova, "In lavorazione": RequestInLavorazione, "EVASA": RequestEvasa,
		"respinta": RequestRespinta, "integrazione richiesta": RequestIntegrazione,
		"integrazione_richiesta": RequestIntegrazione, "integrazione": RequestIntegrazione,
	} {
		if got, ok := ParseRequestState(in); !ok || got != want {
			t.Errorf("ParseRequestState(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	if _, ok := ParseRequestState("chiusa"); ok {
		t.Error("ParseRequestState(chiusa) accepted")
	}
	for _, s := range RequestStates() {
		if s.Label() == "" || !s.Valid() {
			t.Errorf("state %q: label %q valid %v", s, s.Label(), s.Valid())
		}
	}
}
