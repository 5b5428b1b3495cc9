package service

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"vivipass/domain"
	"vivipass/store"
)

// UndoWindow is how long after a change of a pass its author may undo it (issue 11.4:
// a wrong revoke, transfer or duplicate noticed at the counter).
const UndoWindow = 15 * time.Minute

// ActUndo is the history's name of an undo.
const ActUndo = "annullamento"

// keepUndo records what undoing the change needs, in the change's transaction:
// before is the version the change started from; after the version it left current
// (created: a new record, not before's own changed in place).
func (s *Service) keepUndo(tx *store.Tx, a Actor, before, after domain.Pass, created bool, act domain.Action) error {
	return tx.PutUndo(store.UndoEntry{Lineage: before.Lineage, Operator: a.Operator, At: s.now().UTC(), Action: string(act),
		Before: before, AfterID: after.ID, AfterDigest: digest(after), Created: created, Jobs: tx.WrittenJobs()}, UndoWindow)
}

// digest is what an operator may change on a version, hashed: the platform's answers
// (national data, and the version and stamp they bump) left out.
func digest(p domain.Pass) string {
	p.National, p.Version, p.UpdatedAt, p.UpdatedBy = domain.National{}, 0, time.Time{}, ""
	b, _ := json.Marshal(p)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// Undoable is the last change of a pass its operator may undo now.
type Undoable struct {
	Action string    // domain.Action: revoca, duplicato, trasferimento…
	At     time.Time // when it was made
	Number string    // the pass number before it
}

// LastUndoable says which change of the pass's lineage a would undo, or why none can be.
func (s *Service) LastUndoable(a Actor, passID uint64) (Undoable, error) {
	var u Undoable
	err := s.view(func(tx *store.Tx) error {
		e, _, err := s.undoEntry(tx, a, passID)
		if err != nil {
			return err
		}
		if err := irreversible(tx, e); err != nil { // said before the question, not after
			return err
		}
		u = Undoable{Action: e.Action, At: e.At, Number: e.Before.Number}
		return nil
	})
	return u, err
}

// undoEntry finds the lineage's undo entry and checks that a may use it now: theirs,
// recent, nothing changed since. It returns the version the change left current.
func (s *Service) undoEntry(tx *store.Tx, a Actor, passID uint64) (store.UndoEntry, domain.Pass, error) {
	p, err := tx.Pass(passID)
	if err == nil && !a.Sees(p.Comune) {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.UndoEntry{}, p, fmt.Errorf("contrassegno %w", ErrNotFound)
	}
	none := &domain.Error{Message: fmt.Sprintf("nessuna operazione da annullare sul contrassegno %s: si annulla solo la propria ultima modifica, entro %d minuti", p.Number, int(UndoWindow.Minutes()))}
	e, err := tx.Undo(p.Lineage)
	if errors.Is(err, store.ErrNotFound) {
		return e, p, none
	}
	if err != nil {
		return e, p, err
	}
	if e.Operator != a.Operator || s.now().Sub(e.At) > UndoWindow {
		return e, p, none
	}
	cur, err := tx.Pass(e.AfterID)
	if err != nil {
		return e, p, err
	}
	if digest(cur) != e.AfterDigest || !cur.Current() {
		return e, p, &domain.Error{Message: fmt.Sprintf("il contrassegno %s è stato modificato dopo la %s: non si annulla più", cur.Number, e.Action)}
	}
	return e, cur, nil
}

// UndoLast undoes a's last change of the pass's lineage, made within UndoWindow: a new
// version as the pass was before it, and a history entry; nothing is erased (issue
// 11.4). A change the national platform has not yet received is not sent; one it has
// received is followed by the change that puts it back, where the platform allows it
// (a revocation or a death cannot be taken back there: the undo is refused).
func (s *Service) UndoLast(a Actor, passID uint64) (Result, error) {
	today := s.Today()
	var res Result
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		e, cur, err := s.undoEntry(tx, a, passID)
		if err != nil {
			return err
		}
		sent := false
		for _, seq := range e.Jobs {
			j, err := tx.Job(seq)
			if err != nil {
				return err
			}
			switch {
			case j.Open():
				j.State, j.LastError, j.Done = store.JobSkipped, "operazione annullata prima dell'invio", s.now().UTC()
				if err := tx.PutJob(j); err != nil {
					return err
				}
			case j.State == store.JobDone:
				sent = true
			}
		}
		if err := irreversible(tx, e); err != nil {
			return err
		}
		act := domain.Action(e.Action)
		back := e.Before
		back.National = cur.National // what the platform answered since stays
		if e.Created {
			// The version the change made closes, replaced by the one restored.
			back.ID, back.PrevID, back.NextID, back.Version = 0, cur.ID, 0, 0
			s.stamp(&back, a)
			back.Version = 1
			if err := tx.PutPass(&back); err != nil {
				return err
			}
			closed := cur
			closed.State, closed.StateFrom, closed.StateReason, closed.NextID = domain.Sostituito, today, "operazione annullata", back.ID
			s.stamp(&closed, a)
			if err := tx.PutPass(&closed); err != nil {
				return err
			}
			*ev = append(*ev, PassChanged{closed.ID, closed.Comune})
		} else {
			back.Version = cur.Version
			s.stamp(&back, a)
		}
		if sent {
			if err := queueNational(tx, &back, inverse(act)); err != nil {
				return err
			}
		} else { // its send skipped: the platform's state as it was before the change
			back.National.Status, back.National.LastError = e.Before.National.Status, e.Before.National.LastError
		}
		if err := tx.PutPass(&back); err != nil {
			return err
		}
		if err := tx.DeleteUndo(e.Seq); err != nil {
			return err
		}
		res.Pass = back
		*ev = append(*ev, PassChanged{back.ID, back.Comune})
		detail := fmt.Sprintf("annullata la %s del %s alle %s", e.Action, domain.DateOf(e.At), e.At.In(domain.Rome).Format("15:04"))
		if sent {
			detail += "; la piattaforma nazionale riceve la correzione"
		}
		return s.auditPass(tx, a, cur, back, ActUndo, detail)
	})
	return res, err
}

// irreversible refuses the undo of a revocation (or a death) the national platform
// has received: it cannot take one back.
func irreversible(tx *store.Tx, e store.UndoEntry) error {
	if act := domain.Action(e.Action); act != domain.ActRevoke && act != domain.ActDeceased {
		return nil
	}
	for _, seq := range e.Jobs {
		if j, err := tx.Job(seq); err == nil && j.State == store.JobDone {
			return &domain.Error{Message: fmt.Sprintf("la %s è già stata comunicata alla piattaforma nazionale, che non consente di annullarla: il contrassegno resta revocato", e.Action)}
		}
	}
	return nil
}

// inverse is the change the national platform hears when a change it received is
// undone: what puts its card back as it was.
func inverse(a domain.Action) domain.Action {
	switch a {
	case domain.ActSuspend:
		return domain.ActResume
	case domain.ActResume:
		return domain.ActSuspend
	}
	return a // a renewal, a duplicate, plates, a transfer: sent again as they are now
}
