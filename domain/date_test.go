package domain

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// Dates are typed by operators and read from spreadsheets (P1, M1, A1).
func TestParseDateAccepted(t *testing.T) {
	tests := []struct {
		in   string
		want Date
	}{
		{"15/01/2024", MustDate(2024, 1, 15)},    // dd/mm/yyyy
		{"5/1/2024", MustDate(2024, 1, 5)},       // d/m/yyyy
		{"05/1/2024", MustDate(2024, 1, 5)},      // mixed widths
		{"15-01-2024", MustDate(2024, 1, 15)},    // dd-mm-yyyy
		{"15.01.2024", MustDate(2024, 1, 15)},    // dd.mm.yyyy
		{"2024-01-15", MustDate(2024, 1, 15)},    // ISO
		{"2024-1-5", MustDate(2024, 1, 5)},       // ISO without padding
		{"2024/01/15", MustDate(2024, 1, 15)},    // year first with slashes
		{"  15/01/2024 ", MustDate(2024, 1, 15)}, // blanks around
		{"29/02/2024", MustDate(2024, 2, 29)},    // leap year
		{"29/02/2000", MustDate(2000, 2, 29)},    // divisible by 400: leap
		{"31/12/1850", MustDate(1850, 12, 31)},   // lowest year
		{"01/01/2200", MustDate(2200, 1, 1)},     // highest year
		{"31/01/2024", MustDate(2024, 1, 31)},
		{"30/04/2024", MustDate(2024, 4, 30)},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if err != nil {
			t.Errorf("ParseDate(%q): %v", tt.in, err)
			continue
		}
		if got != tt.want {
			t.Errorf("ParseDate(%q) = %s, want %s", tt.in, got.ISO(), tt.want.ISO())
		}
	}
}

func TestParseDateRefused(t *testing.T) {
	tests := []struct {
		in      string
		wantMsg string // a part of the Italian message
	}{
		{"", "data mancante"},
		{"   ", "data mancante"},
		{"31/02/2024", "il giorno 31 non esiste in quel mese"},
		{"30/02/2024", "il giorno 30 non esiste"},
		{"29/02/2023", "il giorno 29 non esiste"},
		{"29/02/1900", "il giorno 29 non esiste"}, // century, not divisible by 400
		{"31/04/2024", "il giorno 31 non esiste"},
		{"00/01/2024", "il giorno 0 non esiste"},
		{"32/01/2024", "il giorno 32 non esiste"},
		{"2023-02-29", "impossibile"},
		{"15/13/2024", "il mese 13 non esiste"},
		{"15/00/2024", "il mese 0 non esiste"},
		{"2024-13-01", "il mese 13 non esiste"},
		{"15/01/24", "quattro cifre"}, // two-digit years are ambiguous
		{"15-01-24", "quattro cifre"},
		{"15.01.24", "quattro cifre"},
		{"24-01-15", "quattro cifre"},
		{"15/01/02024", "quattro cifre"},
		{"15/01/1849", "anno 1849 fuori intervallo"},
		{"15/01/2201", "anno 2201 fuori intervallo"},
		{"0024-01-15", "anno 24 fuori intervallo"},
		{"15012024", "usare gg/mm/aaaa o aaaa-mm-gg"},
		{"15/01", "usare gg/mm/aaaa"},
		{"15/01/2024/1", "usare gg/mm/aaaa"},
		{"15/01-2024", "usare gg/mm/aaaa"},
		{"aa/bb/cccc", "usare gg/mm/aaaa"},
		{"15/-1/2024", "usare gg/mm/aaaa"},
		{"15/01/2024 10:30", "usare gg/mm/aaaa"},
		{"gennaio 2024", "usare gg/mm/aaaa"},
	}
	for _, tt := range tests {
		got, err := ParseDate(tt.in)
		if err == nil {
			t.Errorf("ParseDate(%q) = %s, want an error", tt.in, got.ISO())
			continue
		}
		if !strings.Contains(err.Error(), tt.wantMsg) {
			t.Errorf("ParseDate(%q) error %q, want it to contain %q", tt.in, err, tt.wantMsg)
		}
		if !got.IsZero() {
			t.Errorf("ParseDate(%q) returned %s with the error, want the zero date", tt.in, got.ISO())
		}
	}
}

func TestNewDate(t *testing.T) {
	tests := []struct {
		y, m, d int
		ok      bool
	}{
		{2024, 2, 29, true},
		{2023, 2, 29, false},
		{2024, 2, 30, false},
		{2024, 4, 31, false},
		{2024, 13, 1, false},
		{2024, 0, 1, false},
		{2024, 1, 0, false},
		{2024, 12, 31, true},
	}
	for _, tt := range tests {
		got, ok := NewDate(tt.y, time.Month(tt.m), tt.d)
		if ok != tt.ok {
			t.Errorf("NewDate(%d, %d, %d) ok = %v, want %v", tt.y, tt.m, tt.d, ok, tt.ok)
		}
		if !ok && !got.IsZero() {
			t.Errorf("NewDate(%d, %d, %d) = %s with ok false, want the zero date", tt.y, tt.m, tt.d, got.ISO())
		}
		if ok && (got.Year() != tt.y || int(got.Month()) != tt.m || got.Day() != tt.d) {
			t.Errorf("NewDate(%d, %d, %d) = %s", tt.y, tt.m, tt.d, got.ISO())
		}
	}
}

func TestMustDatePanicsOnImpossibleDate(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("MustDate(2023, 2, 29) did not panic")
		}
	}()
	MustDate(2023, 2, 29)
}

// Expiry dates are computed with AddYears (P1): 29 February never slips to March.
func TestAddYears(t *testing.T) {
	tests := []struct {
		from Date
		n    int
		want Date
	}{
		{MustDate(2024, 2, 29), 5, MustDate(2029, 2, 28)},   // common year: 28 February
		{MustDate(2024, 2, 29), 4, MustDate(2028, 2, 29)},   // leap year: stays 29
		{MustDate(2024, 2, 29), 1, MustDate(2025, 2, 28)},   // not 1 March
		{MustDate(2024, 2, 29), -1, MustDate(2023, 2, 28)},  // backwards too
		{MustDate(2024, 2, 29), 76, MustDate(2100, 2, 28)},  // 2100 is not leap
		{MustDate(2024, 2, 29), 376, MustDate(2400, 2, 29)}, // 2400 is
		{MustDate(2024, 2, 28), 5, MustDate(2029, 2, 28)},
		{MustDate(2024, 3, 1), 5, MustDate(2029, 3, 1)},
		{MustDate(2024, 12, 31), 5, MustDate(2029, 12, 31)},
		{MustDate(2024, 1, 15), 0, MustDate(2024, 1, 15)},
	}
	for _, tt := range tests {
		if got := tt.from.AddYears(tt.n); got != tt.want {
			t.Errorf("%s.AddYears(%d) = %s, want %s", tt.from.ISO(), tt.n, got.ISO(), tt.want.ISO())
		}
	}
}

func TestAddDaysAndDaysUntil(t *testing.T) {
	tests := []struct {
		from Date
		n    int
		want Date
	}{
		{MustDate(2024, 2, 28), 1, MustDate(2024, 2, 29)},
		{MustDate(2023, 2, 28), 1, MustDate(2023, 3, 1)},
		{MustDate(2024, 12, 31), 1, MustDate(2025, 1, 1)},
		{MustDate(2024, 1, 1), -1, MustDate(2023, 12, 31)},
		{MustDate(2024, 3, 30), 2, MustDate(2024, 4, 1)}, // across the DST change in Italy: no effect on dates
		{MustDate(2024, 1, 1), 366, MustDate(2025, 1, 1)},
		{MustDate(1850, 1, 1), 127834, MustDate(2199, 12, 31)}, // the whole range ParseDate accepts
	}
	for _, tt := range tests {
		if got := tt.from.AddDays(tt.n); got != tt.want {
			t.Errorf("%s.AddDays(%d) = %s, want %s", tt.from.ISO(), tt.n, got.ISO(), tt.want.ISO())
		}
		if got := tt.from.DaysUntil(tt.want); got != tt.n {
			t.Errorf("%s.DaysUntil(%s) = %d, want %d", tt.from.ISO(), tt.want.ISO(), got, tt.n)
		}
		if got := tt.want.DaysUntil(tt.from); got != -tt.n {
			t.Errorf("%s.DaysUntil(%s) = %d, want %d", tt.want.ISO(), tt.from.ISO(), got, -tt.n)
		}
	}
}

func TestDateComparisons(t *testing.T) {
	a, b := MustDate(2024, 5, 1), MustDate(2024, 5, 2)
	if !a.Before(b) || a.After(b) || a.Equal(b) || a.Compare(b) != -1 {
		t.Errorf("%s vs %s: Before/After/Equal/Compare wrong", a.ISO(), b.ISO())
	}
	if !b.After(a) || b.Compare(a) != 1 {
		t.Errorf("%s vs %s: After/Compare wrong", b.ISO(), a.ISO())
	}
	if !a.Equal(MustDate(2024, 5, 1)) || a.Compare(MustDate(2024, 5, 1)) != 0 || a != MustDate(2024, 5, 1) {
		t.Errorf("%s: Equal/Compare/== wrong for the same day", a.ISO())
	}
	if got := MustDate(2024, 5, 1).Weekday(); got != time.Wednesday {
		t.Errorf("Weekday of 2024-05-01 = %v, want Wednesday", got)
	}
	if got := a.Time(); !got.Equal(time.Date(2024, 5, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %v", got)
	}
}

func TestInRange(t *testing.T) {
	from, to := MustDate(2024, 1, 10), MustDate(2024, 1, 20)
	tests := []struct {
		day      Date
		from, to Date
		want     bool
	}{
		{MustDate(2024, 1, 9), from, to, false},
		{MustDate(2024, 1, 10), from, to, true}, // both ends included
		{MustDate(2024, 1, 15), from, to, true},
		{MustDate(2024, 1, 20), from, to, true},
		{MustDate(2024, 1, 21), from, to, false},
		{MustDate(2099, 1, 1), from, Date{}, true}, // zero end: open ended
		{MustDate(2024, 1, 9), from, Date{}, false},
	}
	for _, tt := range tests {
		if got := tt.day.InRange(tt.from, tt.to); got != tt.want {
			t.Errorf("%s.InRange(%s, %s) = %v, want %v", tt.day.ISO(), tt.from.ISO(), tt.to.ISO(), got, tt.want)
		}
	}
}

func TestDateFormats(t *testing.T) {
	tests := []struct {
		d             Date
		iso, str, key string
	}{
		{MustDate(2024, 1, 5), "2024-01-05", "05/01/2024", "20240105"},
		{MustDate(1931, 12, 31), "1931-12-31", "31/12/1931", "19311231"},
		{Date{}, "", "", "00000000"}, // the zero date means "no date"
	}
	for _, tt := range tests {
		if got := tt.d.ISO(); got != tt.iso {
			t.Errorf("ISO() = %q, want %q", got, tt.iso)
		}
		if got := tt.d.String(); got != tt.str {
			t.Errorf("String() = %q, want %q", got, tt.str)
		}
		if got := tt.d.Key(); got != tt.key {
			t.Errorf("Key() = %q, want %q", got, tt.key)
		}
	}
	// Key sorts as the dates do (store indexes, P10 expiry range).
	if !(MustDate(2024, 1, 5).Key() < MustDate(2024, 10, 1).Key() && Date{}.Key() < MustDate(1850, 1, 1).Key()) {
		t.Error("Key() does not sort as the dates")
	}
	if !(Date{}).IsZero() || MustDate(2024, 1, 1).IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestDateJSONRoundTrip(t *testing.T) {
	type rec struct {
		D Date `json:"d"`
		E Date `json:"e"`
	}
	in := rec{D: MustDate(2024, 2, 29)}
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != `{"d":"2024-02-29","e":""}` {
		t.Errorf("json = %s", b)
	}
	var out rec
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	if out != in {
		t.Errorf("round trip: %+v, want %+v", out, in)
	}
	// The Italian form is read too; nonsense and impossible dates are refused.
	if err := json.Unmarshal([]byte(`{"d":"29/02/2024"}`), &out); err != nil || out.D != MustDate(2024, 2, 29) {
		t.Errorf("Unmarshal Italian form: %v, %s", err, out.D.ISO())
	}
	for _, bad := range []string{`{"d":"2023-02-29"}`, `{"d":"domani"}`} {
		if err := json.Unmarshal([]byte(bad), &out); err == nil {
			t.Errorf("Unmarshal(%s) accepted", bad)
		}
	}
	// null leaves the date as it was, "" clears it.
	out = rec{D: MustDate(2024, 1, 1)}
	if err := json.Unmarshal([]byte(`{"d":null}`), &out); err != nil || out.D != MustDate(2024, 1, 1) {
		t.Errorf("Unmarshal null = %s, %v; want the date unchanged", out.D.ISO(), err)
	}
	if err := json.Unmarshal([]byte(`{"d":""}`), &out); err != nil || !out.D.IsZero() {
		t.Errorf(`Unmarshal "" = %s, %v; want the zero date`, out.D.ISO(), err)
	}
}

// Instants (whitelist checks, T6) become civil dates in Italy, whatever the server zone.
func TestDateOfUsesRome(t *testing.T) {
	tests := []struct {
		instant string
		want    Date
	}{
		{"2026-06-30T23:30:00Z", MustDate(2026, 7, 1)},  // CEST, UTC+2
		{"2026-06-30T21:59:59Z", MustDate(2026, 6, 30)}, // 23:59:59 in Rome
		{"2026-06-30T22:00:00Z", MustDate(2026, 7, 1)},  // midnight in Rome
		{"2026-01-15T22:59:59Z", MustDate(2026, 1, 15)}, // CET, UTC+1
		{"2026-01-15T23:00:00Z", MustDate(2026, 1, 16)},
		{"2026-12-31T23:30:00Z", MustDate(2027, 1, 1)}, // new year in Italy first
		{"2026-07-01T00:30:00+05:00", MustDate(2026, 6, 30)},
		{"2026-03-29T00:30:00Z", MustDate(2026, 3, 29)}, // the night of the DST change
	}
	for _, tt := range tests {
		inst, err := time.Parse(time.RFC3339, tt.instant)
		if err != nil {
			t.Fatal(err)
		}
		if got := DateOf(inst); got != tt.want {
			t.Errorf("DateOf(%s) = %s, want %s", tt.instant, got.ISO(), tt.want.ISO())
		}
	}
	if Rome.String() != "Europe/Rome" {
		t.Errorf("Rome = %s", Rome)
	}
	if Today().IsZero() {
		t.Error("Today() is zero")
	}
}

// ParseInstant reads the forms of `whitelist check --at` and of the API's ?at=: a date
// is noon in Italy; a wrong one is refused in Italian, quoting at most 40 bytes of it.
func TestParseInstant(t *testing.T) {
	rome := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, Rome) }
	for in, want := range map[string]time.Time{
		"2026-12-03":                rome(2026, 12, 3, 12, 0),
		"03/12/2026":                rome(2026, 12, 3, 12, 0),
		" 2026-12-03T08:30 ":        rome(2026, 12, 3, 8, 30),
		"2026-12-03 08:30":          rome(2026, 12, 3, 8, 30),
		"03/12/2026 23:59":          rome(2026, 12, 3, 23, 59),
		"2026-07-01T10:00:00+02:00": rome(2026, 7, 1, 10, 0),
		"2026-12-03T09:00:00Z":      rome(2026, 12, 3, 10, 0),
	} {
		got, err := ParseInstant(in)
		if err != nil || !got.Equal(want) {
			t.Errorf("ParseInstant(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ieri", "31/02/2026", "2026-13-01T10:00", strings.Repeat("è", 100)} {
		_, err := ParseInstant(in)
		if err == nil || !strings.HasPrefix(err.Error(), "istante ") || !strings.Contains(err.Error(), "non valido: usare") {
			t.Errorf("ParseInstant(%q): %v", in, err)
		} else if len(err.Error()) > 200 || !utf8.ValidString(err.Error()) {
			t.Errorf("ParseInstant(%q): message of %d bytes, valid UTF-8 %v", in, len(err.Error()), utf8.ValidString(err.Error()))
		}
	}
}
