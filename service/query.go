package service

import (
	"strings"

	"vivipass/domain"
	"vivipass/lookup"
	"vivipass/store"
)

// PassView is everything the pass card (Scheda contrassegno) shows.
type PassView struct {
	Pass     domain.Pass        `json:"pass"`
	Holder   domain.Person      `json:"holder"`
	Status   domain.State       `json:"status"`
	Versions []domain.Pass      `json:"versions"` // newest first, the pass itself included
	History  []store.AuditEntry `json:"history"`  // oldest first
	Overlaps []string           `json:"plate_overlaps,omitempty"`
}

// GetPass reads a pass with holder, versions and history.
func (s *Service) GetPass(a Actor, id uint64) (PassView, error) {
	var v PassView
	today := s.Today()
	err := s.view(func(tx *store.Tx) error {
		p, err := loadPass(tx, a, id)
		if err != nil {
			return err
		}
		st, err := tx.ComuneSettings(p.Comune)
		if err != nil {
			return err
		}
		v.Pass, v.Status = p, p.Status(today, st.AlertDays)
		if v.Holder, err = tx.Person(p.PersonID); err != nil {
			return err
		}
		if v.Versions, err = tx.Versions(p); err != nil {
			return err
		}
		if v.History, err = tx.History(p.Lineage); err != nil {
			return err
		}
		v.History = scopeHistory(a, v.History)
		for _, o := range domain.Overlaps(p.Plates, p.DataScadenza) {
			if !st.FinestraTemporale {
				break // overlaps are allowed without finestra temporale (T2)
			}
			v.Overlaps = append(v.Overlaps, o[0].Number+" e "+o[1].Number+" hanno periodi sovrapposti")
		}
		return nil
	})
	return v, err
}

// scopeHistory keeps the history an actor may read (M4, P6): the entries of their own
// comune, and everything before the pass was transferred into it (the pass moves with
// its history). What another comune did after taking the pass over stays with that
// comune: without this, the closed "trasferito" version showed the old comune every
// later change of the new one.
func scopeHistory(a Actor, h []store.AuditEntry) []store.AuditEntry {
	if a.Comune == "" {
		return h
	}
	var inherited uint64 // entries before this seq came with a transfer into a.Comune
	for _, e := range h {
		if e.Action == string(domain.ActTransfer) && a.Sees(e.Comune) {
			inherited = e.Seq
		}
	}
	out := h[:0]
	for _, e := range h {
		if a.Sees(e.Comune) || e.Seq < inherited {
			out = append(out, e)
		}
	}
	return out
}

// FindByNumber returns the listed pass with that number in the actor's scope (the
// current version of its lineage when the actor's comune still holds it).
func (s *Service) FindByNumber(a Actor, number string) (domain.Pass, error) {
	number = strings.ToUpper(strings.TrimSpace(number))
	var out domain.Pass
	err := s.view(func(tx *store.Tx) error {
		for _, id := range tx.PassIDsByNumber(number) {
			p, err := tx.Pass(id)
			if err != nil {
				return err
			}
			if a.Sees(p.Comune) && p.Listed() && (out.ID == 0 || p.Current()) {
				out = p
			}
		}
		if out.ID == 0 {
			return &domain.Error{Message: "contrassegno " + number + " non trovato"}
		}
		return nil
	})
	return out, err
}

// The search and its rows are the lookup package's: the command line runs them without
// the service.
type (
	Query        = lookup.Query
	Row          = lookup.Row
	SearchResult = lookup.SearchResult
)

// PlateLabel is a plate as operators read it (lookup.PlateLabel).
func PlateLabel(pl domain.Plate) string { return lookup.PlateLabel(pl) }

// ExpiryRange reads a search typed as an expiry range (lookup.ExpiryRange).
func ExpiryRange(text string) (from, to domain.Date, ok bool) { return lookup.ExpiryRange(text) }

// Search finds passes of the actor's comune (P10): lookup.Search.
func (s *Service) Search(a Actor, q Query) (SearchResult, error) {
	var res SearchResult
	err := s.view(func(tx *store.Tx) error {
		var err error
		res, err = lookup.Search(tx, a.Comune, q, s.Today())
		return err
	})
	return res, err
}

// Expiring lists the passes of the actor's comune expiring within days (P9).
func (s *Service) Expiring(a Actor, days int) ([]Row, error) {
	today := s.Today()
	res, err := s.Search(a, Query{ExpiryFrom: today, ExpiryTo: today.AddDays(days), Sort: "scadenza",
		States: []domain.State{domain.Attivo, domain.InScadenza}, Limit: 100000})
	return res.Rows, err
}

// Counts is the number of listed passes of the actor's comune by state as shown.
func (s *Service) Counts(a Actor) (map[domain.State]int, error) {
	today := s.Today()
	out := map[domain.State]int{}
	err := s.view(func(tx *store.Tx) error {
		comuni, err := lookup.ScopeComuni(tx, a.Comune, "")
		if err != nil {
			return err
		}
		for _, c := range comuni {
			st, err := tx.ComuneSettings(c)
			if err != nil {
				return err
			}
			for state, n := range tx.Counts(c) {
				if state != domain.Attivo && state != domain.Sospeso && state != domain.Revocato {
					out[state] += n
				}
			}
			// Suspended and revoked ones (few) as the list shows them: one dated in the
			// future is still active until then.
			for _, stored := range []domain.State{domain.Sospeso, domain.Revocato} {
				for _, id := range tx.PassIDsByState(c, stored) {
					if p, err := tx.Pass(id); err == nil {
						out[p.Status(today, st.AlertDays)]++
					}
				}
			}
			// Active ones split by date: expired, expiring, active.
			soon := today.AddDays(st.AlertDays)
			exp := len(tx.PassIDsByStateExpiry(c, domain.Attivo, domain.Date{}, today.AddDays(-1)))
			near := len(tx.PassIDsByStateExpiry(c, domain.Attivo, today, soon))
			all := len(tx.PassIDsByState(c, domain.Attivo))
			out[domain.Scaduto] += exp
			out[domain.InScadenza] += near
			out[domain.Attivo] += all - exp - near
		}
		return nil
	})
	return out, err
}

// SearchPeople finds people of the actor's comune by name prefix or codice fiscale.
func (s *Service) SearchPeople(a Actor, text string, limit int) ([]domain.Person, error) {
	if limit <= 0 {
		limit = 200
	}
	text = strings.ToUpper(strings.Join(strings.Fields(text), " "))
	var out []domain.Person
	err := s.view(func(tx *store.Tx) error {
		seen := map[uint64]bool{}
		add := func(ids []uint64) {
			for _, id := range ids {
				if len(out) >= limit || seen[id] {
					continue
				}
				if p, err := tx.Person(id); err == nil && a.Sees(p.Comune) {
					seen[id] = true
					out = append(out, p)
				}
			}
		}
		if text != "" {
			add(tx.PersonIDsByPrefix(strings.ReplaceAll(text, " ", ""), limit*4))
		}
		if a.Comune != "" {
			add(tx.PersonIDsByNamePrefix(a.Comune, text, limit))
		}
		return nil
	})
	return out, err
}
