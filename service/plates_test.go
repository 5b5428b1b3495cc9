package service_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
)

func finestraTemporale(t *testing.T, e *env, comune string) {
	t.Helper()
	st, err := e.s.Settings(admin, comune)
	if err != nil {
		t.Fatal(err)
	}
	st.FinestraTemporale = true
	if _, err := e.s.SaveSettings(admin, st); err != nil {
		t.Fatalf("SaveSettings: %v", err)
	}
}

func TestAddPlateFinestraTemporaleNeedsConfirmation(t *testing.T) {
	e := newEnv(t)
	finestraTemporale(t, e, "L736")
	r := e.issue(mario, rossi(t), plate("AB123CD"))
	start := today.AddDays(30) // 10/07/2025
	in := service.PlateInput{Number: "fg-456-hj", From: start}

	plan, err := e.s.PlanPlate(mario, change(r.Pass), in)
	if err != nil {
		t.Fatalf("PlanPlate: %v", err)
	}
	if plan.Plate.Number != "FG456HJ" || !plan.Plate.From.Equal(start) || len(plan.Changes) != 1 {
		t.Fatalf("plan %+v", plan)
	}
	ch := plan.Changes[0]
	if ch.Kind != domain.ChangeClose || ch.Number != "AB123CD" || !ch.NewTo.Equal(date(2025, time.July, 9)) ||
		!strings.Contains(ch.Text, "AB123CD sarà valida fino al 09/07/2025") {
		t.Errorf("change %+v", ch)
	}

	_, err = e.s.AddPlate(mario, change(r.Pass), in, false)
	wantErr(t, "AddPlate without confirmation", err, "confermare")
	if v := e.get(mario, r.Pass.ID); v.Pass.Version != 1 || len(v.Pass.Plates) != 1 || !v.Pass.Plates[0].To.IsZero() {
		t.Errorf("unconfirmed AddPlate changed the pass: %+v", v.Pass)
	}

	res, err := e.s.AddPlate(mario, change(r.Pass), in, true)
	if err != nil {
		t.Fatalf("confirmed AddPlate: %v", err)
	}
	ps := res.Pass.Plates
	if len(ps) != 2 || ps[0].Number != "AB123CD" || !ps[0].To.Equal(date(2025, time.July, 9)) ||
		ps[1].Number != "FG456HJ" || !ps[1].From.Equal(start) || !ps[1].To.IsZero() || ps[1].AddedBy != "mario" || ps[1].ID != 2 {
		t.Errorf("plates after the plan %+v", ps)
	}
	v := e.get(mario, r.Pass.ID)
	if len(v.Overlaps) != 0 {
		t.Errorf("overlaps after reconciliation: %v", v.Overlaps)
	}
	if h := v.History[len(v.History)-1]; h.Action != "targhe" || !strings.Contains(h.Detail, "aggiunta targa FG456HJ dal 10/07/2025") ||
		!strings.Contains(h.Detail, "fino al 09/07/2025") {
		t.Errorf("audit %+v", h)
	}
	// One valid plate at any moment, for the gates too.
	noon := func(d domain.Date) time.Time { return d.Time().Add(12 * time.Hour) }
	for _, c := range []struct {
		plate string
		day   domain.Date
		ok    bool
	}{
		{"AB123CD", date(2025, time.July, 9), true},
		{"AB123CD", start, false},
		{"FG456HJ", date(2025, time.July, 9), false},
		{"FG456HJ", start, true},
	} {
		w, err := e.s.Whitelist(c.plate, "IT", noon(c.day))
		if err != nil || w.Authorised != c.ok {
			t.Errorf("Whitelist(%s, %s) = %+v, %v; want authorised %v", c.plate, c.day, w, err, c.ok)
		}
	}
	// Without finestra temporale (Padova) overlapping plates are allowed, and shown.
	g := e.issue(giulia, verdi(t), plate("KL789MN"))
	res2, err := e.s.AddPlate(giulia, change(g.Pass), plate("EF456GH"), false)
	if err != nil || len(res2.Pass.Plates) != 2 || !res2.Pass.Plates[0].To.IsZero() {
		t.Errorf("AddPlate without finestra: %+v, %v", res2.Pass.Plates, err)
	}
}

func TestAddPlateSharedWithAnotherPassIsShown(t *testing.T) {
	e := newEnv(t)
	a := e.issue(mario, rossi(t), plate("AB123CD"))
	b := e.issue(mario, bianchi(t))
	res, err := e.s.AddPlate(mario, change(b.Pass), plate("AB123CD"), false)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], a.Pass.Number) {
		t.Errorf("warnings %q, want the other pass %s named (T2)", res.Warnings, a.Pass.Number)
	}
	res2, err := e.s.AddPlate(mario, change(res.Pass), plate("ZZ9"), false)
	if err != nil || len(res2.Warnings) != 1 || !strings.Contains(res2.Warnings[0], "non riconosciuto") {
		t.Errorf("unknown Italian format: %q, %v", res2.Warnings, err)
	}
	_, err = e.s.AddPlate(mario, change(res2.Pass), plate("A$B"), false)
	wantErr(t, "bad plate", err, "non valida")
	_, err = e.s.AddPlate(mario, change(res2.Pass), service.PlateInput{Number: "CZ771PR", From: today.AddDays(10), To: today}, false)
	wantErr(t, "window ending before it starts", err, "precede")
}

func TestNationalRolesPrincipaleSecondaria(t *testing.T) {
	e := newEnv(t)
	_, err := e.s.IssuePass(mario, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente},
		Plates: []service.PlateInput{{Number: "AB123CD", Role: domain.RolePrincipale}, {Number: "FG456HJ", Role: domain.RolePrincipale}}})
	wantErr(t, "two principale", err, "al massimo una targa principale", "AB123CD", "FG456HJ")
	_, err = e.s.IssuePass(mario, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente},
		Plates: []service.PlateInput{{Number: "AB123CD", Role: domain.RoleSecondaria}}})
	wantErr(t, "secondaria alone", err, "secondaria richiede una principale")

	r := e.issue(mario, rossi(t), service.PlateInput{Number: "AB123CD", Role: domain.RolePrincipale})
	// A new principale takes the role from the old one.
	res, err := e.s.AddPlate(mario, change(r.Pass), service.PlateInput{Number: "FG456HJ", Role: domain.RolePrincipale}, false)
	if err != nil {
		t.Fatal(err)
	}
	if roles := rolesOf(res.Pass); !slices.Equal(roles, []string{"AB123CD:", "FG456HJ:principale"}) {
		t.Errorf("roles %v", roles)
	}
	if !slices.ContainsFunc(res.Warnings, func(w string) bool { return strings.Contains(w, "AB123CD non sarà più principale") }) {
		t.Errorf("warnings %q", res.Warnings)
	}
	res, err = e.s.SetPlateRole(mario, change(res.Pass), 1, domain.RoleSecondaria)
	if err != nil {
		t.Fatal(err)
	}
	if roles := rolesOf(res.Pass); !slices.Equal(roles, []string{"AB123CD:secondaria", "FG456HJ:principale"}) {
		t.Errorf("roles %v", roles)
	}
	// Making the principale secondaria would leave a secondaria without principale.
	_, err = e.s.SetPlateRole(mario, change(res.Pass), 2, domain.RoleSecondaria)
	wantErr(t, "secondaria without principale", err, "richiede una principale")
	res, err = e.s.SetPlateRole(mario, change(res.Pass), 1, domain.RolePrincipale)
	if err != nil {
		t.Fatal(err)
	}
	if roles := rolesOf(res.Pass); !slices.Equal(roles, []string{"AB123CD:principale", "FG456HJ:"}) {
		t.Errorf("roles after the swap %v", roles)
	}
	res, err = e.s.SetPlateRole(mario, change(res.Pass), 1, domain.RoleNone)
	if err != nil {
		t.Fatal(err)
	}
	if roles := rolesOf(res.Pass); !slices.Equal(roles, []string{"AB123CD:", "FG456HJ:"}) {
		t.Errorf("roles after clearing %v", roles)
	}
	h := e.get(mario, r.Pass.ID).History
	if d := h[len(h)-1].Detail; d != "targa AB123CD lasciata al solo circuito regionale" {
		t.Errorf("audit detail %q", d)
	}
	_, err = e.s.SetPlateRole(mario, change(res.Pass), 9, domain.RolePrincipale)
	wantErr(t, "unknown plate", err, "targa non trovata")
}

func rolesOf(p domain.Pass) []string {
	var out []string
	for _, pl := range p.Plates {
		out = append(out, pl.Number+":"+string(pl.Role))
	}
	return out
}

func TestPlateChangesInHistoryWithWhoAndChannel(t *testing.T) {
	e := newEnv(t)
	r := e.issue(mario, rossi(t), plate("AB123CD"), plate("FG456HJ"))
	closeOn := today.AddDays(10)
	_, err := e.s.ClosePlate(mario, change(r.Pass), 2, today.AddDays(-1))
	wantErr(t, "close before the start", err, "precede", "rimuoverla")
	res, err := e.s.ClosePlate(mario, change(r.Pass), 2, closeOn)
	if err != nil {
		t.Fatal(err)
	}
	if pl := res.Pass.Plates[1]; pl.Number != "FG456HJ" || !pl.To.Equal(closeOn) {
		t.Errorf("closed plate %+v", pl)
	}
	app := anna
	app.Channel = domain.App // a request from viviVeneto handled by anna
	res, err = e.s.RemovePlate(app, change(res.Pass), 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Pass.Plates) != 1 || res.Pass.Plates[0].Number != "FG456HJ" {
		t.Errorf("plates after removal %+v", res.Pass.Plates)
	}
	_, err = e.s.RemovePlate(mario, change(res.Pass), 1)
	wantErr(t, "remove twice", err, "targa non trovata")

	h := e.get(mario, r.Pass.ID).History
	if got := actions(h); !slices.Equal(got, []string{"rilascio", "targhe", "targhe"}) {
		t.Fatalf("history %v", got)
	}
	closed, removed := h[1], h[2]
	if closed.Operator != "mario" || closed.Channel != domain.Sportello || closed.Detail != "targa FG456HJ chiusa al 20/06/2025" ||
		closed.Subject != "contrassegno L736_2025_00001" || closed.At.IsZero() {
		t.Errorf("close entry %+v", closed)
	}
	if removed.Operator != "anna" || removed.Channel != domain.App ||
		removed.Detail != "rimossa targa AB123CD (era valida dal 10/06/2025 al 10/06/2030)" {
		t.Errorf("remove entry %+v", removed)
	}
	if w, _ := e.s.Whitelist("AB123CD", "IT", e.clk.now()); w.Authorised {
		t.Errorf("removed plate still authorised: %+v", w)
	}
}
