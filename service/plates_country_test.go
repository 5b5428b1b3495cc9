package service_test

import (
	"strings"
	"testing"

	"vivipass/service"
)

// Issue #8, point 5: an Italian AB123CD and a French AB123CD are two vehicles, in the
// whitelist, in the overlap warnings and in search.
func TestPlateCountryTellsVehiclesApart(t *testing.T) {
	e := newEnv(t)
	it := e.issue(mario, rossi(t), plate("AB123CD"))
	fr := e.issue(mario, bianchi(t), service.PlateInput{Number: "ab-123-cd", Country: "fr"})
	if _, err := e.s.SuspendPass(mario, change(it.Pass), today, "verifica"); err != nil {
		t.Fatal(err)
	}
	w, err := e.s.Whitelist("AB123CD", "FR", e.clk.now())
	if err != nil || !w.Authorised || w.PassID != fr.Pass.ID || w.Country != "FR" {
		t.Errorf("French plate: %+v, %v; want authorised by %s", w, err, fr.Pass.Number)
	}
	w, err = e.s.Whitelist("AB123CD", "", e.clk.now())
	if err != nil || w.Authorised || !strings.Contains(w.Reason, "sospeso") || w.Number != it.Pass.Number {
		t.Errorf("Italian plate: %+v, %v; want refused for the suspended %s", w, err, it.Pass.Number)
	}
	if w, _ := e.s.Whitelist("AB123CD", "CH", e.clk.now()); w.Authorised || w.Number != "" {
		t.Errorf("Swiss plate: %+v, want no pass at all", w)
	}

	// Adding the Italian plate to a third pass warns of the Italian pass only.
	third := e.issue(mario, verdi(t))
	plan, err := e.s.PlanPlate(mario, change(third.Pass), plate("AB123CD"))
	if err != nil || len(plan.Overlaps) != 1 || !strings.Contains(plan.Overlaps[0], it.Pass.Number) {
		t.Errorf("overlaps %q, %v; want only %s", plan.Overlaps, err, it.Pass.Number)
	}
	plan, err = e.s.PlanPlate(mario, change(third.Pass), service.PlateInput{Number: "AB123CD", Country: "D"})
	if err != nil || len(plan.Overlaps) != 0 {
		t.Errorf("a German plate overlaps %q, %v; want none", plan.Overlaps, err)
	}

	search := func(text string) []string {
		res, err := e.s.Search(mario, service.Query{Text: text})
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, r := range res.Rows {
			out = append(out, r.Number+" "+strings.Join(r.Plates, ","))
		}
		return out
	}
	if got := search("AB123CD"); len(got) != 2 {
		t.Errorf("search AB123CD: %q, want both passes", got)
	}
	if got := search("ab123cd (fr)"); len(got) != 1 || got[0] != fr.Pass.Number+" AB123CD (FR)" {
		t.Errorf("search AB123CD (FR): %q, want only %s with its country shown", got, fr.Pass.Number)
	}
	if got := search("AB123CD (IT)"); len(got) != 1 || got[0] != it.Pass.Number+" AB123CD" {
		t.Errorf("search AB123CD (IT): %q, want only %s", got, it.Pass.Number)
	}
}
