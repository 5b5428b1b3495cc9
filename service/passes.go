package service

import (
	"fmt"
	"strings"

	"vivipass/domain"
	"vivipass/store"
)

// PlateInput is a plate as typed by an operator or read from a request.
type PlateInput struct {
	Number  string
	Country string
	From    domain.Date
	To      domain.Date
	Role    domain.PlateRole
}

// IssueRequest is a new pass (P1) for an existing person (PersonID) or a new one.
type IssueRequest struct {
	Comune     string // required for the system actor; ignored for operators
	PersonID   uint64
	Person     domain.Person
	CFOverride string
	Pass       domain.IssueInput // Number "" = the proposed one; DataScadenza zero = the comune's rule
	Plates     []PlateInput
}

// Result is a saved pass and what the operator should be told.
type Result struct {
	Pass     domain.Pass
	Warnings []string
}

func (a Actor) targetComune(c string) (string, error) {
	if a.Comune != "" {
		return a.Comune, nil
	}
	if _, ok := domain.ComuneByCode(c); !ok {
		return "", &domain.Error{Message: fmt.Sprintf("comune %q sconosciuto", c)}
	}
	return c, nil
}

// ProposeNumber is the number the next pass of comune issued in year would get (P2).
func (s *Service) ProposeNumber(a Actor, comune string, year int) (string, error) {
	comune, err := a.targetComune(comune)
	if err != nil {
		return "", err
	}
	var n string
	err = s.view(func(tx *store.Tx) error { n, _ = proposeNumber(tx, comune, year); return nil })
	return n, err
}

func proposeNumber(tx *store.Tx, comune string, year int) (string, uint64) {
	seq := tx.Counter(comune, year)
	for {
		seq++
		n := domain.FormatNumber(comune, year, int(seq))
		if len(tx.PassIDsByNumber(n)) == 0 {
			return n, seq
		}
	}
}

// claimNumber assigns or checks the number of a new lineage and advances the counter.
// Beyond P2: a number another pass already uses is refused.
func claimNumber(tx *store.Tx, a Actor, comune string, in *domain.IssueInput, lineage uint64) ([]string, error) {
	year := in.DataRilascio.Year()
	proposed, seq := proposeNumber(tx, comune, year)
	in.Number = strings.ToUpper(strings.TrimSpace(in.Number))
	if in.Number == "" {
		in.Number = proposed
		return nil, tx.SetCounter(comune, year, seq)
	}
	if err := numberFree(tx, a, in.Number, lineage); err != nil {
		return nil, err
	}
	var warn []string
	if w := domain.ManualNumberWarning(in.Number, proposed); w != "" {
		warn = append(warn, w)
	}
	if c, y, n, ok := domain.ParseNumber(in.Number); ok && c == comune && uint64(n) > tx.Counter(c, y) {
		if err := tx.SetCounter(c, y, uint64(n)); err != nil {
			return nil, err
		}
	} else if in.Number == proposed {
		return nil, tx.SetCounter(comune, year, seq)
	}
	return warn, nil
}

// numberFree refuses a number used by a pass of another lineage. The pass is named to
// an actor who sees its comune; to another comune's only that the number is in use
// elsewhere (#12.7, M4: not which comune).
func numberFree(tx *store.Tx, a Actor, number string, lineage uint64) error {
	for _, id := range tx.PassIDsByNumber(number) {
		other, err := tx.Pass(id)
		if err != nil {
			return err
		}
		if lineage == 0 || other.Lineage != lineage {
			if !a.Sees(other.Comune) {
				return &domain.Error{Message: fmt.Sprintf("il numero %s è già in uso in un altro comune: sceglierne un altro", number)}
			}
			return &domain.Error{Message: fmt.Sprintf("il numero %s è già usato da un altro contrassegno (comune %s): sceglierne un altro", number, other.Comune)}
		}
	}
	return nil
}

// activePassOf finds the active pass of a codice fiscale anywhere in the circuit (P5).
func activePassOf(tx *store.Tx, cf string, day domain.Date, exceptLineage uint64) (domain.Pass, bool, error) {
	for _, id := range tx.PassIDsByCF(cf) {
		p, err := tx.Pass(id)
		if err != nil {
			return p, false, err
		}
		if p.Lineage != exceptLineage && p.HoldsActive(day) {
			return p, true, nil
		}
	}
	return domain.Pass{}, false, nil
}

// errActive refuses a second active pass (P5). The existing pass is named to an actor
// who sees its comune; to another comune's operator only that it exists in another
// comune (M4, #12.7: neither its number, its expiry nor which comune, that comune's
// data).
func errActive(a Actor, cf string, p domain.Pass) error {
	if a.Sees(p.Comune) {
		return &domain.Error{Message: fmt.Sprintf("il codice fiscale %s ha già un contrassegno attivo: %s (comune %s, scadenza %s)",
			cf, p.Number, p.Comune, p.DataScadenza)}
	}
	return &domain.Error{Message: fmt.Sprintf("il codice fiscale %s ha già un contrassegno attivo in un altro comune del circuito: "+
		"una persona può averne uno solo; per un nuovo contrassegno il comune che lo ha rilasciato deve prima trasferirlo o chiuderlo", cf)}
}

// IssuePass issues a new pass (P1, P2, P5).
func (s *Service) IssuePass(a Actor, req IssueRequest) (Result, error) {
	comune, err := a.targetComune(req.Comune)
	if err != nil {
		return Result{}, err
	}
	today := s.Today()
	var res Result
	err = s.update(func(tx *store.Tx, ev *[]Event) error {
		res = Result{}
		settings, err := tx.ComuneSettings(comune)
		if err != nil {
			return err
		}
		holder, created, err := s.holderFor(tx, a, comune, req, today)
		if err != nil {
			return err
		}
		if holder.Deceased(today) {
			return &domain.Error{Message: fmt.Sprintf("%s risulta %s il %s", holder.FullName(), holder.Agree("deceduto", "deceduta"), holder.DataDecesso)}
		}
		if p, ok, err := activePassOf(tx, holder.CodiceFiscale, today, 0); err != nil {
			return err
		} else if ok {
			return errActive(a, holder.CodiceFiscale, p)
		}
		in := req.Pass
		if in.DataRilascio.IsZero() {
			in.DataRilascio = today
		}
		if in.DataDecorrenza.IsZero() {
			in.DataDecorrenza = in.DataRilascio
		}
		if in.DataScadenza.IsZero() {
			d, ok := domain.DefaultExpiry(in.Kind, in.DataDecorrenza, holder.DataNascita, settings.ExpiryRule)
			if !ok {
				return &domain.Error{Message: "per un contrassegno temporaneo la scadenza va indicata (periodo del certificato medico)"}
			}
			in.DataScadenza = d
		}
		warn, err := claimNumber(tx, a, comune, &in, 0)
		if err != nil {
			return err
		}
		res.Warnings = append(res.Warnings, warn...)
		p, err := domain.NewPass(in, comune, holder, a.channel())
		if err != nil {
			return err
		}
		for _, pi := range req.Plates {
			pl, w, err := s.newPlate(&p, pi, a)
			if err != nil {
				return err
			}
			res.Warnings = append(res.Warnings, w...)
			p.Plates = append(p.Plates, pl)
		}
		if err := checkPlates(p, settings); err != nil {
			return err
		}
		s.stamp(&p, a)
		if err := tx.PutPass(&p); err != nil { // gives the ID national() needs
			return err
		}
		if err := queueNational(tx, &p, domain.ActIssue); err != nil {
			return err
		}
		if err := tx.PutPass(&p); err != nil {
			return err
		}
		detail := fmt.Sprintf("contrassegno %s intestato a %s (%s), con scadenza il %s", p.Kind.Label(), holder.FullName(), holder.CodiceFiscale, p.DataScadenza)
		if created {
			detail += "; creata la nuova anagrafica"
		}
		if err := s.auditPass(tx, a, domain.Pass{}, p, string(domain.ActIssue), detail); err != nil {
			return err
		}
		res.Pass = p
		*ev = append(*ev, PassChanged{p.ID, comune}, PersonChanged{holder.ID, comune})
		return nil
	})
	return res, err
}

// holderFor finds or creates the person a new pass is for.
func (s *Service) holderFor(tx *store.Tx, a Actor, comune string, req IssueRequest, today domain.Date) (domain.Person, bool, error) {
	if req.PersonID != 0 {
		p, err := loadPerson(tx, a, req.PersonID)
		if err == nil && p.Comune != comune {
			err = fmt.Errorf("persona %w", ErrNotFound)
		}
		return p, false, err
	}
	p := req.Person
	domain.NormalizePerson(&p)
	for _, id := range tx.PersonIDsByCF(p.CodiceFiscale) {
		if other, err := tx.Person(id); err == nil && other.Comune == comune {
			return other, false, nil
		}
	}
	p.Comune = comune
	if err := s.checkAndStampPerson(&p, req.CFOverride, a, today); err != nil {
		return p, false, err
	}
	return p, true, tx.PutPerson(&p)
}

// checkAndStampPerson applies A1/A2 before a person is saved.
func (s *Service) checkAndStampPerson(p *domain.Person, override string, a Actor, today domain.Date) error {
	domain.FillFromCF(p, today)
	chk := domain.CheckPerson(*p, today)
	if len(chk.Errors) > 0 {
		return fieldErrors(chk.Errors)
	}
	if len(chk.Mismatches) > 0 {
		if strings.TrimSpace(override) == "" {
			return &MismatchError{Mismatches: chk.Mismatches}
		}
		if err := domain.CheckText("il motivo", override, true); err != nil { // issue 12.10
			return err
		}
		p.CFOverride = strings.TrimSpace(override)
	} else {
		p.CFOverride = ""
	}
	p.Version++
	p.UpdatedAt, p.UpdatedBy = s.now().UTC(), a.Operator
	return nil
}

// MismatchError: the codice fiscale disagrees with the data; saving needs a reason (A2).
type MismatchError struct{ Mismatches []domain.FieldError }

func (e *MismatchError) Error() string {
	var parts []string
	for _, m := range e.Mismatches {
		parts = append(parts, m.Message)
	}
	return "il codice fiscale non concorda con i dati (" + strings.Join(parts, "; ") + "): per salvare comunque indicare il motivo"
}

// FieldErrors are validation errors of a form, field by field.
type FieldErrors []domain.FieldError

func (e FieldErrors) Error() string {
	var parts []string
	for _, f := range e {
		parts = append(parts, f.Field+": "+f.Message)
	}
	return strings.Join(parts, "; ")
}

func fieldErrors(fe []domain.FieldError) error { return FieldErrors(fe) }

// newPlate validates a plate input for pass p and gives it the next plate id.
func (s *Service) newPlate(p *domain.Pass, in PlateInput, a Actor) (domain.Plate, []string, error) {
	num := domain.NormalizePlate(in.Number)
	if err := domain.CheckPlateNumber(num); err != nil {
		return domain.Plate{}, nil, err
	}
	country := domain.NormalizeCountry(in.Country)
	class, w := domain.ClassifyPlate(num, country)
	var warn []string
	if w != "" {
		warn = append(warn, num+": "+w)
	}
	from := in.From
	if from.IsZero() {
		from = p.DataDecorrenza
	}
	to := in.To
	if to.Equal(p.DataScadenza) {
		to = domain.Date{}
	}
	if !to.IsZero() && to.Before(from) {
		return domain.Plate{}, nil, &domain.Error{Message: fmt.Sprintf("targa %s: la fine %s precede l'inizio %s", num, to, from)}
	}
	if from.After(p.DataScadenza) {
		return domain.Plate{}, nil, &domain.Error{Message: fmt.Sprintf("targa %s: l'inizio %s è oltre la scadenza del contrassegno %s", num, from, p.DataScadenza)}
	}
	p.NextPlateID++
	return domain.Plate{ID: p.NextPlateID, Number: num, Country: country, Class: class, From: from, To: to,
		Role: in.Role, AddedAt: s.now().UTC(), AddedBy: a.Operator, Channel: a.channel()}, warn, nil
}

// checkPlates enforces T3 (one principale, one secondaria) and, where the comune has
// finestra temporale on, T4 (no overlapping windows between regional plates: a
// national plate is never reconciled away, domain.Reconcile).
func checkPlates(p domain.Pass, st domain.ComuneSettings) error {
	roles := map[domain.PlateRole]string{}
	for _, pl := range p.Plates {
		if pl.Role == domain.RoleNone {
			continue
		}
		if other, ok := roles[pl.Role]; ok {
			return &domain.Error{Message: fmt.Sprintf("circuito nazionale: al massimo una targa %s (già %s, ora anche %s)", pl.Role, other, pl.Number)}
		}
		roles[pl.Role] = pl.Number
	}
	if _, ok := roles[domain.RoleSecondaria]; ok {
		if _, ok := roles[domain.RolePrincipale]; !ok {
			return &domain.Error{Message: "circuito nazionale: una targa secondaria richiede una principale"}
		}
	}
	if st.FinestraTemporale {
		if ov := domain.RegionalOverlaps(p.Plates, p.DataScadenza); len(ov) > 0 {
			return &domain.Error{Message: fmt.Sprintf("finestra temporale attiva: le targhe %s e %s hanno periodi sovrapposti", ov[0][0].Number, ov[0][1].Number)}
		}
	}
	return nil
}
