package service

import (
	"fmt"

	"vivipass/domain"
	"vivipass/store"
)

// PlatePlan is what adding a plate will do (T4): the reconciliation of the other
// plates' windows where the comune has finestra temporale on. Shown to the operator
// and confirmed before AddPlate applies it.
type PlatePlan struct {
	Plate    domain.Plate
	Changes  []domain.PlateChange
	Warnings []string
	Overlaps []string // T2: other passes holding the same plate in an overlapping window (allowed, shown)
}

// PlanPlate computes, without saving, what AddPlate would do.
func (s *Service) PlanPlate(a Actor, c Change, in PlateInput) (PlatePlan, error) {
	var plan PlatePlan
	err := s.view(func(tx *store.Tx) error {
		p, err := loadPassForChange(tx, a, c.PassID, c.Version)
		if err != nil {
			return err
		}
		plan, _, err = s.planPlate(tx, a, p, in)
		return err
	})
	return plan, err
}

func (s *Service) planPlate(tx *store.Tx, a Actor, p domain.Pass, in PlateInput) (PlatePlan, domain.Pass, error) {
	if err := domain.CheckTransition(p, domain.ActPlates, s.Today()); err != nil {
		return PlatePlan{}, p, err
	}
	n := p.Clone()
	pl, warn, err := s.newPlate(&n, in, a)
	if err != nil {
		return PlatePlan{}, p, err
	}
	st, err := tx.ComuneSettings(p.Comune)
	if err != nil {
		return PlatePlan{}, p, err
	}
	plan := PlatePlan{Plate: pl, Warnings: warn}
	if pl.Role != domain.RoleNone {
		for i, o := range n.Plates {
			if o.Role == pl.Role {
				n.Plates[i].Role = domain.RoleNone // the new plate takes the role
				plan.Warnings = append(plan.Warnings, fmt.Sprintf("la targa %s non sarà più %s", o.Number, pl.Role))
			}
		}
	}
	if st.FinestraTemporale {
		f, t := pl.Window(n.DataScadenza)
		plan.Changes = domain.Reconcile(n.Plates, 0, f, t, n.DataScadenza)
		n.Plates = domain.ApplyChanges(n.Plates, plan.Changes)
	}
	n.Plates = append(n.Plates, pl)
	f, t := pl.Window(n.DataScadenza)
	for _, id := range tx.PassIDsByPlate(pl.Number) {
		o, err := tx.Pass(id)
		if err != nil || o.Lineage == p.Lineage || !o.Current() {
			continue
		}
		for _, op := range o.Plates {
			of, ot := op.Window(o.DataScadenza)
			if op.Is(pl.Number, pl.Country) && !ot.Before(f) && !t.Before(of) {
				if !a.Sees(o.Comune) { // #12.7: another comune's pass: neither its number nor its dates
					plan.Overlaps = append(plan.Overlaps, fmt.Sprintf("la targa %s è anche su un contrassegno in uso in un altro comune, in un periodo che si sovrappone", pl.Number))
					continue
				}
				plan.Overlaps = append(plan.Overlaps, fmt.Sprintf("la targa %s è anche sul contrassegno %s (comune %s) dal %s al %s", pl.Number, o.Number, o.Comune, of, ot))
			}
		}
	}
	return plan, n, checkPlates(n, st)
}

// AddPlate adds a plate; when the plan changes other plates, confirmed must be true
// (the operator saw PlanPlate's changes).
func (s *Service) AddPlate(a Actor, c Change, in PlateInput, confirmed bool) (Result, error) {
	var plan PlatePlan
	res, err := s.inPlaceTx(a, c, domain.ActPlates, func(tx *store.Tx, p domain.Pass) (domain.Pass, string, error) {
		var n domain.Pass
		var err error
		plan, n, err = s.planPlate(tx, a, p, in)
		if err != nil {
			return p, "", err
		}
		if len(plan.Changes) > 0 && !confirmed {
			return p, "", &domain.Error{Message: "l'aggiunta modifica i periodi di altre targhe: confermare le modifiche proposte"}
		}
		detail := fmt.Sprintf("aggiunta targa %s dal %s", plan.Plate.Number, plan.Plate.From)
		for _, ch := range plan.Changes {
			detail += "; " + ch.Text
		}
		return n, detail, nil
	})
	res.Warnings = append(res.Warnings, plan.Warnings...)
	res.Warnings = append(res.Warnings, plan.Overlaps...)
	return res, err
}

// ClosePlate ends a plate's window on a date.
func (s *Service) ClosePlate(a Actor, c Change, plateID uint32, to domain.Date) (Result, error) {
	return s.inPlaceTx(a, c, domain.ActPlates, func(tx *store.Tx, p domain.Pass) (domain.Pass, string, error) {
		n := p.Clone()
		i, ok := n.PlateByID(plateID)
		if !ok {
			return p, "", &domain.Error{Message: "targa non trovata sul contrassegno"}
		}
		pl := &n.Plates[i]
		if to.Before(pl.From) {
			return p, "", &domain.Error{Message: fmt.Sprintf("la data di chiusura %s precede l'inizio %s della targa %s: rimuoverla invece", to, pl.From, pl.Number)}
		}
		pl.To = to
		return n, fmt.Sprintf("targa %s chiusa al %s", pl.Number, to), nil
	})
}

// RemovePlate removes a plate from the pass (the history keeps it).
func (s *Service) RemovePlate(a Actor, c Change, plateID uint32) (Result, error) {
	return s.inPlaceTx(a, c, domain.ActPlates, func(tx *store.Tx, p domain.Pass) (domain.Pass, string, error) {
		n := p.Clone()
		i, ok := n.PlateByID(plateID)
		if !ok {
			return p, "", &domain.Error{Message: "targa non trovata sul contrassegno"}
		}
		pl := n.Plates[i]
		n.Plates = append(n.Plates[:i], n.Plates[i+1:]...)
		f, t := pl.Window(p.DataScadenza)
		return n, fmt.Sprintf("rimossa targa %s (era valida dal %s al %s)", pl.Number, f, t), nil
	})
}

// SetPlateRole makes a plate principale, secondaria or regional only (T3); the plate
// that had the role loses it.
func (s *Service) SetPlateRole(a Actor, c Change, plateID uint32, role domain.PlateRole) (Result, error) {
	return s.inPlaceTx(a, c, domain.ActPlates, func(tx *store.Tx, p domain.Pass) (domain.Pass, string, error) {
		n := p.Clone()
		i, ok := n.PlateByID(plateID)
		if !ok {
			return p, "", &domain.Error{Message: "targa non trovata sul contrassegno"}
		}
		for j := range n.Plates {
			if j != i && role != domain.RoleNone && n.Plates[j].Role == role {
				n.Plates[j].Role = domain.RoleNone
			}
		}
		n.Plates[i].Role = role
		label := "resa " + string(role)
		if role == domain.RoleNone {
			label = "lasciata al solo circuito regionale"
		}
		return n, fmt.Sprintf("targa %s %s", n.Plates[i].Number, label), nil
	})
}

// inPlaceTx is inPlace with the transaction at hand (plate rules read other passes).
func (s *Service) inPlaceTx(a Actor, c Change, act domain.Action, fn func(tx *store.Tx, p domain.Pass) (domain.Pass, string, error)) (Result, error) {
	today := s.Today()
	var res Result
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		p, err := loadPassForChange(tx, a, c.PassID, c.Version)
		if err != nil {
			return err
		}
		if err := domain.CheckTransition(p, act, today); err != nil {
			return err
		}
		n, detail, err := fn(tx, p)
		if err != nil {
			return err
		}
		st, err := tx.ComuneSettings(n.Comune)
		if err != nil {
			return err
		}
		if err := checkPlates(n, st); err != nil {
			return err
		}
		s.stamp(&n, a)
		if err := queueNational(tx, &n, act); err != nil {
			return err
		}
		if err := tx.PutPass(&n); err != nil {
			return err
		}
		if err := s.keepUndo(tx, a, p, n, false, act); err != nil {
			return err
		}
		res.Pass = n
		*ev = append(*ev, PassChanged{n.ID, n.Comune})
		return s.auditPass(tx, a, p, n, string(act), detail)
	})
	return res, err
}
