package domain

import (
	"reflect"
	"strings"
	"testing"
)

// T4 finestra temporale: the plan that makes a new plate window overlap none of the
// existing ones. The pass runs 2024-01-15 … 2029-01-15.
func TestReconcile(t *testing.T) {
	d := MustDate
	end := d(2029, 1, 15)
	type want struct {
		kind           PlateChangeKind
		id             uint32
		newFrom, newTo Date
		text           string
	}
	tests := []struct {
		name     string
		existing []Plate
		skip     uint32
		from, to Date
		want     []want
	}{
		{
			name:     "new plate inside an open window: the old one closes the day before",
			existing: []Plate{{ID: 1, Number: "AB123CD", From: d(2024, 1, 15)}},
			from:     d(2025, 3, 1),
			want: []want{{ChangeClose, 1, d(2024, 1, 15), d(2025, 2, 28),
				"la targa AB123CD sarà valida fino al 28/02/2025 (invece che fino al 15/01/2029)"}},
		},
		{
			name:     "new plate inside a closed window, ending before it: the tail is given up",
			existing: []Plate{{ID: 1, Number: "AB123CD", From: d(2024, 1, 15), To: d(2026, 12, 31)}},
			from:     d(2025, 3, 1), to: d(2025, 3, 31),
			want: []want{{ChangeClose, 1, d(2024, 1, 15), d(2025, 2, 28),
				"la targa AB123CD sarà valida fino al 28/02/2025 (invece che fino al 31/12/2026)"}},
		},
		{
			name:     "new plate starting the day after the old one ends: untouched",
			existing: []Plate{{ID: 1, Number: "AB123CD", From: d(2024, 1, 15), To: d(2025, 2, 28)}},
			from:     d(2025, 3, 1),
		},
		{
			name:     "new plate ending the day before the old one starts: untouched",
			existing: []Plate{{ID: 1, Number: "AB123CD", From: d(2025, 3, 1)}},
			from:     d(2024, 1, 15), to: d(2025, 2, 28),
		},
		{
			name:     "overlap of a single day (old ends on the new start): closed",
			existing: []Plate{{ID: 1, Number: "AB123CD", From: d(2024, 1, 15), To: d(2025, 3, 1)}},
			from:     d(2025, 3, 1),
			want:     []want{{ChangeClose, 1, d(2024, 1, 15), d(2025, 2, 28), ""}},
		},
		{
			name:     "existing window entirely inside the new one: removed",
			existing: []Plate{{ID: 2, Number: "EF456GH", From: d(2025, 3, 1), To: d(2025, 4, 30)}},
			from:     d(2025, 1, 1), to: d(2025, 12, 31),
			want: []want{{ChangeRemove, 2, Date{}, Date{},
				"la targa EF456GH (dal 01/03/2025 al 30/04/2025) sarà rimossa: il suo periodo è tutto coperto dalla nuova"}},
		},
		{
			name:     "same window as the new one: removed",
			existing: []Plate{{ID: 2, Number: "EF456GH", From: d(2025, 1, 1), To: d(2025, 12, 31)}},
			from:     d(2025, 1, 1), to: d(2025, 12, 31),
			want: []want{{ChangeRemove, 2, Date{}, Date{}, ""}},
		},
		{
			name:     "both open from the same day: the old one removed",
			existing: []Plate{{ID: 2, Number: "EF456GH", From: d(2025, 1, 1)}},
			from:     d(2025, 1, 1),
			want:     []want{{ChangeRemove, 2, Date{}, Date{}, ""}},
		},
		{
			name:     "existing one starting inside the new one and ending after: deferred",
			existing: []Plate{{ID: 3, Number: "IJ789KL", From: d(2025, 6, 1)}},
			from:     d(2025, 3, 1), to: d(2025, 8, 31),
			want: []want{{ChangeDefer, 3, d(2025, 9, 1), end,
				"la targa IJ789KL sarà valida dal 01/09/2025 (invece che dal 01/06/2025)"}},
		},
		{
			name:     "existing one starting with the new one and ending after: deferred",
			existing: []Plate{{ID: 3, Number: "IJ789KL", From: d(2025, 3, 1), To: d(2026, 3, 1)}},
			from:     d(2025, 3, 1), to: d(2025, 8, 31),
			want: []want{{ChangeDefer, 3, d(2025, 9, 1), d(2026, 3, 1), ""}},
		},
		{
			name:     "non-overlapping windows untouched",
			existing: []Plate{{ID: 1, Number: "AB123CD", From: d(2024, 1, 15), To: d(2024, 12, 31)}, {ID: 2, Number: "EF456GH", From: d(2026, 1, 1)}},
			from:     d(2025, 1, 1), to: d(2025, 12, 31),
		},
		{
			name:     "the plate being edited is skipped",
			existing: []Plate{{ID: 1, Number: "AB123CD", From: d(2024, 1, 15)}},
			skip:     1,
			from:     d(2025, 3, 1),
		},
		{
			name: "several plates: close, remove, defer, untouched",
			existing: []Plate{
				{ID: 1, Number: "AA111AA", From: d(2024, 1, 15), To: d(2025, 5, 31)},
				{ID: 2, Number: "BB222BB", From: d(2025, 7, 1), To: d(2025, 7, 31)},
				{ID: 3, Number: "CC333CC", From: d(2025, 9, 1)},
				{ID: 4, Number: "DD444DD", From: d(2023, 1, 1), To: d(2023, 12, 31)},
			},
			from: d(2025, 5, 1), to: d(2025, 9, 30),
			want: []want{
				{ChangeClose, 1, d(2024, 1, 15), d(2025, 4, 30), ""},
				{ChangeRemove, 2, Date{}, Date{}, ""},
				{ChangeDefer, 3, d(2025, 10, 1), end, ""},
			},
		},
		{
			name:     "nothing to reconcile with",
			existing: nil,
			from:     d(2025, 5, 1),
		},
	}
	for _, tt := range tests {
		plan := Reconcile(tt.existing, tt.skip, tt.from, tt.to, end)
		if len(plan) != len(tt.want) {
			t.Errorf("%s: %d changes, want %d: %+v", tt.name, len(plan), len(tt.want), plan)
			continue
		}
		for i, w := range tt.want {
			c := plan[i]
			if c.Kind != w.kind || c.PlateID != w.id || c.NewFrom != w.newFrom || c.NewTo != w.newTo {
				t.Errorf("%s: change %d = %s plate %d %s…%s, want %s plate %d %s…%s", tt.name, i,
					c.Kind, c.PlateID, c.NewFrom, c.NewTo, w.kind, w.id, w.newFrom, w.newTo)
			}
			if w.text != "" && c.Text != w.text {
				t.Errorf("%s: change %d text %q, want %q", tt.name, i, c.Text, w.text)
			}
			if c.Text == "" || !strings.Contains(c.Text, c.Number) {
				t.Errorf("%s: change %d text %q does not name the plate %s", tt.name, i, c.Text, c.Number)
			}
		}
		// Applied, the plan leaves no overlap with the new window (T4) and among the plates.
		// (The skipped plate is the one being replaced by the new window.)
		var after []Plate
		for _, pl := range ApplyChanges(tt.existing, plan) {
			if pl.ID != tt.skip {
				after = append(after, pl)
			}
		}
		after = append(after, Plate{ID: 99, Number: "NEW", From: tt.from, To: tt.to})
		if ov := Overlaps(after, end); len(ov) != 0 {
			t.Errorf("%s: overlaps after applying the plan: %+v", tt.name, ov)
		}
	}
}

// Reconcile only plans: the caller's plates are unchanged until ApplyChanges, which
// works on a copy.
func TestApplyChanges(t *testing.T) {
	d := MustDate
	plates := []Plate{
		{ID: 1, Number: "AA111AA", From: d(2024, 1, 15)},
		{ID: 2, Number: "BB222BB", From: d(2025, 7, 1), To: d(2025, 7, 31)},
		{ID: 3, Number: "CC333CC", From: d(2025, 9, 1)},
		{ID: 4, Number: "DD444DD", From: d(2023, 1, 1), To: d(2023, 12, 31)},
	}
	orig := append([]Plate(nil), plates...)
	plan := Reconcile(plates, 0, d(2025, 5, 1), d(2025, 9, 30), d(2029, 1, 15))
	if !reflect.DeepEqual(plates, orig) {
		t.Fatal("Reconcile changed the plates")
	}
	got := ApplyChanges(plates, plan)
	want := []Plate{
		{ID: 1, Number: "AA111AA", From: d(2024, 1, 15), To: d(2025, 4, 30)},
		{ID: 3, Number: "CC333CC", From: d(2025, 10, 1)}, // still open ended
		{ID: 4, Number: "DD444DD", From: d(2023, 1, 1), To: d(2023, 12, 31)},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("ApplyChanges = %+v,\nwant %+v", got, want)
	}
	if !reflect.DeepEqual(plates, orig) {
		t.Error("ApplyChanges changed its input")
	}
	if got := ApplyChanges(plates, nil); !reflect.DeepEqual(got, plates) {
		t.Errorf("ApplyChanges with an empty plan = %+v", got)
	}
	if got := ApplyChanges(nil, plan); len(got) != 0 {
		t.Errorf("ApplyChanges on no plates = %+v", got)
	}
	// A change for a plate that is not there does nothing.
	if got := ApplyChanges(plates, []PlateChange{{Kind: ChangeRemove, PlateID: 42}}); !reflect.DeepEqual(got, plates) {
		t.Errorf("ApplyChanges with an unknown plate ID = %+v", got)
	}
}

// T2, T4: overlapping plate windows of one pass (shown; an error only with finestra temporale).
func TestOverlaps(t *testing.T) {
	d := MustDate
	end := d(2029, 1, 15)
	a := Plate{ID: 1, Number: "AA111AA", From: d(2024, 1, 15), To: d(2025, 2, 28)}
	b := Plate{ID: 2, Number: "BB222BB", From: d(2025, 3, 1)}                      // the day after a
	c := Plate{ID: 3, Number: "CC333CC", From: d(2025, 2, 28), To: d(2025, 3, 10)} // touches a and b
	e := Plate{ID: 4, Number: "EE444EE", From: d(2029, 1, 15)}                     // open: a single day, the expiry
	tests := []struct {
		name   string
		plates []Plate
		want   [][2]uint32
	}{
		{"none", nil, nil},
		{"one plate", []Plate{a}, nil},
		{"consecutive windows", []Plate{a, b}, nil},
		{"a shared day is an overlap", []Plate{a, b, c}, [][2]uint32{{1, 3}, {2, 3}}},
		{"open windows overlap at the pass end", []Plate{b, e}, [][2]uint32{{2, 4}}},
		{"same plate twice", []Plate{a, {ID: 5, Number: "AA111AA", From: d(2024, 6, 1), To: d(2024, 6, 30)}}, [][2]uint32{{1, 5}}},
	}
	for _, tt := range tests {
		var got [][2]uint32
		for _, o := range Overlaps(tt.plates, end) {
			got = append(got, [2]uint32{o[0].ID, o[1].ID})
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: Overlaps = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// Issue #8, point 7 (T3, T4): reconciliation never closes or removes the principale or
// the secondaria; the plan keeps them and says the setting cannot be honoured.
func TestReconcileKeepsNationalPlates(t *testing.T) {
	d := MustDate
	end := d(2029, 3, 1)
	plates := []Plate{
		{ID: 1, Number: "AB123CD", From: d(2024, 3, 1), Role: RolePrincipale},
		{ID: 2, Number: "EF456GH", From: d(2024, 3, 1), Role: RoleSecondaria},
		{ID: 3, Number: "GH789JK", From: d(2024, 3, 1)},
		{ID: 4, Number: "KL012MN", From: d(2025, 7, 1), To: d(2025, 7, 10)},
	}
	plan := Reconcile(plates, 0, d(2025, 7, 1), d(2025, 7, 10), end)
	kinds := map[uint32]PlateChangeKind{}
	for _, c := range plan {
		kinds[c.PlateID] = c.Kind
	}
	if kinds[1] != ChangeKeep || kinds[2] != ChangeKeep || kinds[3] != ChangeClose || kinds[4] != ChangeRemove || Honoured(plan) {
		t.Fatalf("plan %+v", plan)
	}
	after := ApplyChanges(plates, plan)
	if len(after) != 3 || after[0] != plates[0] || after[1] != plates[1] || after[2].To != d(2025, 6, 30) {
		t.Errorf("after %+v", after)
	}
	if ov := RegionalOverlaps(append(after, Plate{ID: 5, Number: "XY", From: d(2025, 7, 1), To: d(2025, 7, 10)}), end); len(ov) != 0 {
		t.Errorf("regional overlaps %+v", ov)
	}
	if !Honoured(Reconcile(plates[2:3], 0, d(2025, 7, 1), d(2025, 7, 10), end)) {
		t.Error("a regional plate only: the plan is honoured")
	}
	for _, c := range plan {
		if c.Kind == ChangeKeep && !strings.Contains(c.Text, "non si chiude né si rimuove") {
			t.Errorf("text %q", c.Text)
		}
	}
}
