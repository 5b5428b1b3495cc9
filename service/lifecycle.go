package service

import (
	"fmt"
	"strings"

	"vivipass/domain"
	"vivipass/store"
)

// Change identifies the pass version an operator acted on: ID and the Version they saw
// (0 skips the check: CLI and workers).
type Change struct {
	PassID  uint64
	Version uint64
}

// supersede writes the closed old version and its successor, links them, audits and
// queues the national update, all in the caller's transaction.
func (s *Service) supersede(tx *store.Tx, a Actor, old, next domain.Pass, act domain.Action, detail string) (domain.Pass, error) {
	before, err := tx.Pass(old.ID) // as it was: the history's "before"
	if err != nil {
		return next, err
	}
	s.stamp(&next, a)
	next.Version = 1
	if err := tx.PutPass(&next); err != nil {
		return next, err
	}
	old.NextID = next.ID
	s.stamp(&old, a)
	if err := tx.PutPass(&old); err != nil {
		return next, err
	}
	if err := queueNational(tx, &next, act); err != nil {
		return next, err
	}
	if err := tx.PutPass(&next); err != nil {
		return next, err
	}
	if err := s.keepUndo(tx, a, before, next, true, act); err != nil {
		return next, err
	}
	return next, s.auditPass(tx, a, before, next, string(act), detail)
}

// RenewPass renews a pass (P3): a new version with the same number and new dates.
func (s *Service) RenewPass(a Actor, c Change, in domain.RenewInput) (Result, error) {
	today := s.Today()
	var res Result
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		p, err := loadPassForChange(tx, a, c.PassID, c.Version)
		if err != nil {
			return err
		}
		if in.DataRilascio.IsZero() {
			in.DataRilascio = today
		}
		if in.DataDecorrenza.IsZero() {
			in.DataDecorrenza = p.DataScadenza.AddDays(1)
			if in.DataDecorrenza.Before(today) {
				in.DataDecorrenza = today
			}
		}
		if in.DataScadenza.IsZero() {
			holder, err := tx.Person(p.PersonID)
			if err != nil {
				return err
			}
			st, err := tx.ComuneSettings(p.Comune)
			if err != nil {
				return err
			}
			kind := in.Kind
			if kind == "" {
				kind = p.Kind
			}
			d, ok := domain.DefaultExpiry(kind, in.DataDecorrenza, holder.DataNascita, st.ExpiryRule)
			if !ok {
				return &domain.Error{Message: "per un contrassegno temporaneo la nuova scadenza va indicata"}
			}
			in.DataScadenza = d
		}
		old, next, err := p.Renew(in, today, a.channel())
		if err != nil {
			return err
		}
		if err := newEdition(tx, p, &next); err != nil {
			return err
		}
		res.Pass, err = s.supersede(tx, a, old, next, domain.ActRenew,
			fmt.Sprintf("concessa la nuova validità dal %s al %s (prima scadeva il %s)", next.DataDecorrenza, next.DataScadenza, p.DataScadenza))
		*ev = append(*ev, PassChanged{res.Pass.ID, res.Pass.Comune})
		return err
	})
	return res, err
}

// DuplicatePass issues a duplicate (P4) for theft, loss or wear; number "" keeps the
// same number, another number is checked like a new one. After a theft or a loss the
// police report (number, date, authority) is required and stored with the new version
// and in the history; after wear there is none (the worn card is handed back).
func (s *Service) DuplicatePass(a Actor, c Change, in domain.DuplicateInput) (Result, error) {
	today := s.Today()
	var res Result
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		p, err := loadPassForChange(tx, a, c.PassID, c.Version)
		if err != nil {
			return err
		}
		number := strings.ToUpper(strings.TrimSpace(in.Number))
		if number != "" && number != p.Number {
			if err := numberFree(tx, a, number, p.Lineage); err != nil {
				return err
			}
			if cm, y, n, ok := domain.ParseNumber(number); ok && cm == p.Comune && uint64(n) > tx.Counter(cm, y) {
				if err := tx.SetCounter(cm, y, uint64(n)); err != nil {
					return err
				}
			}
		}
		in.Number = number
		old, next, err := p.MakeDuplicate(in, today, a.channel())
		if err != nil {
			return err
		}
		if err := newEdition(tx, p, &next); err != nil {
			return err
		}
		detail := fmt.Sprintf("emesso per %s con lo stesso numero %s", next.DuplicateReason, next.Number)
		if next.Number != p.Number {
			detail = fmt.Sprintf("emesso per %s con il nuovo numero %s (prima %s)", next.DuplicateReason, next.Number, p.Number)
		}
		if !next.Denuncia.IsZero() {
			detail += "; denuncia " + next.Denuncia.String()
		}
		res.Pass, err = s.supersede(tx, a, old, next, domain.ActDuplicate, detail)
		*ev = append(*ev, PassChanged{res.Pass.ID, res.Pass.Comune})
		return err
	})
	return res, err
}

// InCircuit reports whether a comune is a member of the circuit on this server (its
// settings say so; by default the comuni of the circuit's region): a pass moved there
// is handed over, a pass moved elsewhere ends here (P6).
func (s *Service) InCircuit(comune string) (bool, error) {
	var member bool
	err := s.view(func(tx *store.Tx) error {
		st, err := tx.ComuneSettings(strings.ToUpper(strings.TrimSpace(comune)))
		member = st.CircuitMember
		return err
	})
	return member, err
}

// TransferPass hands a pass, with plates and history, to another comune of the circuit
// (P6): the only door between comuni. The holder's record is copied to (or found in)
// the new comune. To a comune outside the circuit the pass ends here instead
// (domain.Pass.TransferOut), and the result says so in a warning.
func (s *Service) TransferPass(a Actor, c Change, to string) (Result, error) {
	today := s.Today()
	to = strings.ToUpper(strings.TrimSpace(to))
	var res Result
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		p, err := loadPassForChange(tx, a, c.PassID, c.Version)
		if err != nil {
			return err
		}
		if dest, err := tx.ComuneSettings(to); err != nil {
			return err
		} else if !dest.CircuitMember {
			return s.transferOut(tx, a, p, to, today, &res, ev)
		}
		old, next, err := p.Transfer(to, today)
		if err != nil {
			return err
		}
		holder, err := tx.Person(p.PersonID)
		if err != nil {
			return err
		}
		dest := domain.Person{}
		for _, id := range tx.PersonIDsByCF(holder.CodiceFiscale) {
			if o, err := tx.Person(id); err == nil && o.Comune == to {
				dest = o
			}
		}
		if dest.ID == 0 {
			dest = holder
			dest.ID, dest.Comune, dest.Version = 0, to, 1
			dest.UpdatedAt, dest.UpdatedBy = s.now().UTC(), a.Operator
			if err := tx.PutPerson(&dest); err != nil {
				return err
			}
			if img := tx.Photo(holder.ID); img != nil {
				if err := tx.PutPhoto(dest.ID, img); err != nil {
					return err
				}
			}
		}
		next.PersonID = dest.ID
		res.Pass, err = s.supersede(tx, a, old, next, domain.ActTransfer,
			fmt.Sprintf("trasferito dal comune %s al comune %s", p.Comune, to))
		if err == nil {
			// On the lineage too, so that the old comune's history (scoped to it) shows
			// the handover.
			err = s.audit(tx, a, p.Comune, string(domain.ActTransfer), "contrassegno "+p.Number, p.Lineage,
				fmt.Sprintf("consegnato al comune %s", to))
		}
		*ev = append(*ev, PassChanged{res.Pass.ID, to}, PassChanged{old.ID, p.Comune}, PersonChanged{dest.ID, to})
		return err
	})
	return res, err
}

// transferOut closes a pass whose holder moved outside the circuit: in place, with the
// national platform told and the handover on the history.
func (s *Service) transferOut(tx *store.Tx, a Actor, p domain.Pass, to string, today domain.Date, res *Result, ev *[]Event) error {
	n, err := p.TransferOut(to, today)
	if err != nil {
		return err
	}
	s.stamp(&n, a)
	if err := queueNational(tx, &n, domain.ActTransfer); err != nil {
		return err
	}
	if err := tx.PutPass(&n); err != nil {
		return err
	}
	if err := s.keepUndo(tx, a, p, n, false, domain.ActTransfer); err != nil {
		return err
	}
	res.Pass = n
	res.Warnings = append(res.Warnings, fmt.Sprintf("il comune %s non aderisce al circuito: il contrassegno %s è chiuso qui come trasferito fuori circuito dal %s e le sue targhe escono dalla whitelist",
		to, n.Number, today))
	*ev = append(*ev, PassChanged{n.ID, n.Comune})
	return s.auditPass(tx, a, p, n, string(domain.ActTransfer), n.StateReason)
}

// SuspendPass suspends from a date with a reason.
func (s *Service) SuspendPass(a Actor, c Change, from domain.Date, reason string) (Result, error) {
	return s.inPlace(a, c, domain.ActSuspend, func(p domain.Pass, today domain.Date) (domain.Pass, string, error) {
		n, err := p.Suspend(from, reason, today)
		return n, fmt.Sprintf("sospeso dal %s: %s", from, reason), err
	})
}

// ResumePass lifts a suspension.
func (s *Service) ResumePass(a Actor, c Change) (Result, error) {
	return s.inPlace(a, c, domain.ActResume, func(p domain.Pass, today domain.Date) (domain.Pass, string, error) {
		n, err := p.Resume(today)
		return n, "sospensione revocata", err
	})
}

// RevokePass revokes from a date with a reason.
func (s *Service) RevokePass(a Actor, c Change, from domain.Date, reason string) (Result, error) {
	return s.inPlace(a, c, domain.ActRevoke, func(p domain.Pass, today domain.Date) (domain.Pass, string, error) {
		n, err := p.Revoke(from, reason, today)
		return n, fmt.Sprintf("revocato dal %s: %s", from, reason), err
	})
}

// PassEdit is what may change on a pass without a new version.
type PassEdit struct {
	Note           *string
	Consent        *bool
	PreviousNumber *string
	CudeID         *string // manual mode of the national platform (N5)
	CodiceUnivoco  *string
}

// EditPass changes notes, consent and national data. A CUDE ID and a codice univoco
// typed by hand (manual mode, N5) close the pass's sends not done: done on the portal.
func (s *Service) EditPass(a Actor, c Change, e PassEdit) (Result, error) {
	return s.inPlaceTx(a, c, domain.ActEdit, func(tx *store.Tx, p domain.Pass) (domain.Pass, string, error) {
		for _, f := range []struct {
			what string
			s    *string
		}{{"la nota", e.Note}, {"il numero precedente", e.PreviousNumber}, {"il CUDE ID", e.CudeID}, {"il codice univoco", e.CodiceUnivoco}} {
			if f.s != nil { // issue 12.10
				if err := domain.CheckText(f.what, *f.s, f.what == "la nota"); err != nil {
					return p, "", err
				}
			}
		}
		n := p.Clone()
		var what []string
		if e.Note != nil && *e.Note != p.Note {
			n.Note = strings.TrimSpace(*e.Note)
			what = append(what, "note")
		}
		if e.PreviousNumber != nil && *e.PreviousNumber != p.PreviousNumber {
			n.PreviousNumber = strings.TrimSpace(*e.PreviousNumber)
			what = append(what, "numero precedente "+n.PreviousNumber)
		}
		if e.Consent != nil && *e.Consent != p.National.Consent {
			n.National.Consent = *e.Consent
			what = append(what, fmt.Sprintf("consenso circuito nazionale %s", siNo(*e.Consent)))
		}
		if e.CudeID != nil && *e.CudeID != p.National.CudeID {
			n.National.CudeID = strings.TrimSpace(*e.CudeID)
			what = append(what, "CUDE ID "+n.National.CudeID)
		}
		if e.CodiceUnivoco != nil && *e.CodiceUnivoco != p.National.CodiceUnivoco {
			n.National.CodiceUnivoco = strings.TrimSpace(*e.CodiceUnivoco)
			what = append(what, "codice univoco "+n.National.CodiceUnivoco)
		}
		if len(what) == 0 {
			return p, "", &domain.Error{Message: "nessuna modifica da salvare"}
		}
		if (e.CudeID != nil || e.CodiceUnivoco != nil) && n.National.CudeID != "" && n.National.CodiceUnivoco != "" {
			jobs, err := tx.Jobs(true)
			if err != nil {
				return p, "", err
			}
			for _, j := range jobs {
				if j.Lineage == p.Lineage {
					j.State, j.Done = store.JobManual, s.now().UTC()
					if err := tx.PutJob(j); err != nil {
						return p, "", err
					}
				}
			}
			n.National.Status, n.National.LastError = domain.NationalSent, ""
		}
		return n, "aggiornati: " + strings.Join(what, ", "), nil
	})
}

func siNo(b bool) string {
	if b {
		return "sì"
	}
	return "no"
}

// inPlace applies a change that keeps the version (suspend, resume, revoke, edit).
func (s *Service) inPlace(a Actor, c Change, act domain.Action, fn func(p domain.Pass, today domain.Date) (domain.Pass, string, error)) (Result, error) {
	today := s.Today()
	return s.inPlaceTx(a, c, act, func(_ *store.Tx, p domain.Pass) (domain.Pass, string, error) {
		return fn(p, today)
	})
}

// newEdition makes next's card edition higher than every edition of the versions
// before it: an undone duplicate stays in the chain with its edition, and the next
// duplicate must not print a card with the same one (issue 13.2: the undone card would
// verify as the current).
func newEdition(tx *store.Tx, p domain.Pass, next *domain.Pass) error {
	versions, err := tx.Versions(p)
	if err != nil {
		return err
	}
	for _, v := range versions {
		if v.CardEdition() >= next.Edition {
			next.Edition = v.CardEdition() + 1
		}
	}
	return nil
}
