package domain

import "testing"

// Issue 13.2: the edition of a pass's card. The first card is 1; a duplicate and a
// renewal print a new card, +1; the other new versions (transfer, suspension) keep it;
// a version recorded before editions counts as 1, or 2 when it is a duplicate.
func TestCardEdition(t *testing.T) {
	for _, tt := range []struct {
		name string
		p    Pass
		want int
	}{
		{"recorded before editions", Pass{}, 1},
		{"a duplicate recorded before editions", Pass{Duplicate: true}, 2},
		{"stored", Pass{Edition: 5, Duplicate: true}, 5},
	} {
		if got := tt.p.CardEdition(); got != tt.want {
			t.Errorf("%s: CardEdition = %d, want %d", tt.name, got, tt.want)
		}
	}

	p, err := NewPass(IssueInput{Number: "L736_2024_00015", Kind: Permanente, DataRilascio: MustDate(2024, 1, 10),
		DataDecorrenza: MustDate(2024, 1, 15), DataScadenza: MustDate(2029, 1, 15)}, "L736", Person{ID: 3}, Sportello)
	if err != nil || p.CardEdition() != 1 || p.Edition != 1 {
		t.Fatalf("NewPass: edition %d (stored %d), %v; want 1", p.CardEdition(), p.Edition, err)
	}
	p.ID, p.Lineage = 10, 10
	step := func(what string, next Pass, err error, want int) Pass {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if next.CardEdition() != want {
			t.Fatalf("%s: edition %d, want %d", what, next.CardEdition(), want)
		}
		next.ID = p.ID + 1
		return next
	}
	old, dup, err := p.MakeDuplicate(DuplicateInput{Reason: Furto, Denuncia: lcReport}, lcDay, App)
	if old.CardEdition() != 1 {
		t.Errorf("the replaced version: edition %d, want 1 (its card)", old.CardEdition())
	}
	p = step("duplicate", dup, err, 2)
	_, moved, err := p.Transfer("G224", lcDay)
	p = step("transfer", moved, err, 2)
	susp, err := p.Suspend(lcDay, "verifica", lcDay)
	step("suspension", susp, err, 2)
	_, renewed, err := p.Renew(RenewInput{DataRilascio: MustDate(2028, 12, 1), DataDecorrenza: MustDate(2029, 1, 16),
		DataScadenza: MustDate(2034, 1, 16)}, MustDate(2028, 12, 1), Sportello)
	p = step("renewal", renewed, err, 3)
	_, dup, err = p.MakeDuplicate(DuplicateInput{Reason: Deterioramento, Number: "L736_2029_00001"}, MustDate(2029, 2, 1), Sportello)
	step("duplicate with a new number", dup, err, 4)
}
