package domain

import "fmt"

// PlateChangeKind is one step of a finestra temporale reconciliation.
type PlateChangeKind string

const (
	ChangeClose  PlateChangeKind = "chiudi"    // end the window earlier
	ChangeDefer  PlateChangeKind = "posticipa" // start the window later
	ChangeRemove PlateChangeKind = "rimuovi"   // the window disappears entirely
	// ChangeKeep: a plate of the national circuit overlaps the new window. It is never
	// closed or removed (the platform knows it, T3): both stay valid, against the
	// finestra temporale, and the operator is told and asked.
	ChangeKeep PlateChangeKind = "mantieni"
)

// PlateChange says what reconciliation does to one existing plate, in Italian for the
// confirmation screen (T4).
type PlateChange struct {
	Kind     PlateChangeKind `json:"kind"`
	PlateID  uint32          `json:"plate_id"`
	Number   string          `json:"number"`
	From, To Date            `json:"-"`
	NewFrom  Date            `json:"new_from"`
	NewTo    Date            `json:"new_to"`
	Text     string          `json:"text"`
}

// Reconcile computes how the existing plates of a pass must change so that the new
// window [from, to] overlaps none of them (finestra temporale: one valid plate at any
// moment). passEnd resolves open windows. The principale and the secondaria of the
// national circuit are never touched: an overlap with one of them is a ChangeKeep, so
// the plan says the setting cannot be honoured. It changes nothing: the caller shows
// the plan, asks for confirmation, then applies it with ApplyChanges.
func Reconcile(existing []Plate, skipID uint32, from, to, passEnd Date) []PlateChange {
	if to.IsZero() {
		to = passEnd
	}
	var plan []PlateChange
	for _, pl := range existing {
		if pl.ID == skipID {
			continue
		}
		f, t := pl.Window(passEnd)
		if t.Before(from) || f.After(to) {
			continue // no overlap
		}
		if pl.Role != RoleNone {
			of, ot := maxDate(f, from), minDate(t, to)
			plan = append(plan, PlateChange{ChangeKeep, pl.ID, pl.Number, f, t, f, t,
				fmt.Sprintf("la targa %s è %s per il circuito nazionale e non si chiude né si rimuove: dal %s al %s sarà valida insieme alla nuova, contro la finestra temporale", pl.Number, pl.Role, of, ot)})
			continue
		}
		switch {
		case f.Before(from):
			// Starts earlier: close it the day before the new one starts. (If it also
			// reaches past the new window, the tail after it is given up: one plate at a time.)
			nt := from.AddDays(-1)
			plan = append(plan, PlateChange{ChangeClose, pl.ID, pl.Number, f, t, f, nt,
				fmt.Sprintf("la targa %s sarà valida fino al %s (invece che fino al %s)", pl.Number, nt, t)})
		case t.After(to):
			nf := to.AddDays(1)
			plan = append(plan, PlateChange{ChangeDefer, pl.ID, pl.Number, f, t, nf, t,
				fmt.Sprintf("la targa %s sarà valida dal %s (invece che dal %s)", pl.Number, nf, f)})
		default:
			plan = append(plan, PlateChange{ChangeRemove, pl.ID, pl.Number, f, t, Date{}, Date{},
				fmt.Sprintf("la targa %s (dal %s al %s) sarà rimossa: il suo periodo è tutto coperto dalla nuova", pl.Number, f, t)})
		}
	}
	return plan
}

func maxDate(a, b Date) Date {
	if a.After(b) {
		return a
	}
	return b
}

func minDate(a, b Date) Date {
	if a.Before(b) {
		return a
	}
	return b
}

// Honoured reports whether a plan keeps one valid plate at a time (no ChangeKeep).
func Honoured(plan []PlateChange) bool {
	for _, c := range plan {
		if c.Kind == ChangeKeep {
			return false
		}
	}
	return true
}

// ApplyChanges applies a reconciliation plan to a copy of the plates (ChangeKeep
// changes nothing).
func ApplyChanges(plates []Plate, plan []PlateChange) []Plate {
	out := make([]Plate, 0, len(plates))
	for _, pl := range plates {
		keep := true
		for _, c := range plan {
			if c.PlateID != pl.ID {
				continue
			}
			switch c.Kind {
			case ChangeClose:
				pl.To = c.NewTo
			case ChangeDefer:
				pl.From = c.NewFrom
			case ChangeRemove:
				keep = false
			}
		}
		if keep {
			out = append(out, pl)
		}
	}
	return out
}

// RegionalOverlaps is Overlaps without the pairs that hold a national plate: those the
// finestra temporale may not reconcile (Reconcile keeps them, the operator confirms).
func RegionalOverlaps(plates []Plate, passEnd Date) [][2]Plate {
	var out [][2]Plate
	for _, pair := range Overlaps(plates, passEnd) {
		if pair[0].Role == RoleNone && pair[1].Role == RoleNone {
			out = append(out, pair)
		}
	}
	return out
}

// Overlaps lists pairs of plates of a pass whose windows overlap (shown to operators;
// an error only where finestra temporale is on, between plates of the regional circuit
// only: see RegionalOverlaps).
func Overlaps(plates []Plate, passEnd Date) [][2]Plate {
	var out [][2]Plate
	for i := range plates {
		for j := i + 1; j < len(plates); j++ {
			f1, t1 := plates[i].Window(passEnd)
			f2, t2 := plates[j].Window(passEnd)
			if !t1.Before(f2) && !t2.Before(f1) {
				out = append(out, [2]Plate{plates[i], plates[j]})
			}
		}
	}
	return out
}
