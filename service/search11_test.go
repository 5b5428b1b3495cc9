package service_test

import (
	"strings"
	"testing"

	"vivipass/service"
)

// Issue 11.12: the search finds a holder by any word of the surname ("ros": DE ROSSI),
// the passes of a year by "2025", a codice fiscale from its first 4 characters, and an
// expiry range typed in the box.
func TestSearchAsTheCounterTypes(t *testing.T) {
	e := newEnv(t)
	if _, err := e.s.LoadDemo(admin); err != nil {
		t.Fatal(err)
	}
	find := func(text string) []service.Row {
		t.Helper()
		res, err := e.s.Search(mario, service.Query{Text: text})
		if err != nil {
			t.Fatalf("%q: %v", text, err)
		}
		return res.Rows
	}
	holders := func(rows []service.Row) string {
		var hs []string
		for _, r := range rows {
			hs = append(hs, r.Holder)
		}
		return strings.Join(hs, ", ")
	}
	if got := holders(find("ros")); !strings.Contains(got, "DE ROSSI PAOLO") || !strings.Contains(got, "ROSSI MARIO") {
		t.Errorf("ros: %s", got)
	}
	if got := holders(find("andrea")); !strings.Contains(got, "D'ANDREA LUCIA") {
		t.Errorf("andrea: %s", got)
	}
	rows := find("2025")
	if len(rows) == 0 {
		t.Fatal("2025 finds nothing")
	}
	for _, r := range rows {
		if !strings.Contains(r.Number, "_2025_") {
			t.Errorf("2025 finds %s", r.Number)
		}
	}
	if got := holders(find("rssm")); got != "ROSSI MARIO" {
		t.Errorf("rssm: %s", got)
	}
	all := find("")
	var want int
	for _, r := range all {
		if r.Scadenza.Year() == 2027 {
			want++
		}
	}
	in2027 := find("01/01/2027-31/12/2027")
	if len(in2027) != want || want == 0 {
		t.Errorf("expiry in 2027: %d rows, want %d", len(in2027), want)
	}
	for _, r := range in2027 {
		if r.Scadenza.Year() != 2027 {
			t.Errorf("range finds %s expiring %s", r.Number, r.Scadenza)
		}
	}
	if a, b := len(find("dal 01/01/2027 al 31/12/2027")), len(find("03/2027")); a != want || b > want {
		t.Errorf("dal…al: %d (want %d); 03/2027: %d", a, want, b)
	}
}
