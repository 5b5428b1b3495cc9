package service

import (
	"errors"
	"io"

	"vivipass/domain"
	"vivipass/store"
)

// The whitelist's change feed (T6, issue 13.1): see store/feed.go. A change carries a
// pass lineage's rows as windows (valido_dal…valido_al), every version's, so a gate
// evaluates any day itself: at day D the list is the rows with dal <= D <= al, the
// first of each lineage and plate in the order given, exactly what `export whitelist
// --at D` writes (without its stato column).

// feedHook computes the changes of a committing transaction: the lineages of the
// passes it wrote, and those of the people it wrote (a death ends their passes' rows).
func (s *Service) feedHook(tx *store.Tx, passes, people []uint64) ([]store.FeedChange, error) {
	newest := map[uint64]uint64{} // lineage → newest version
	var order []uint64
	add := func(p domain.Pass) {
		if id, ok := newest[p.Lineage]; !ok || p.ID > id {
			if !ok {
				order = append(order, p.Lineage)
			}
			newest[p.Lineage] = p.ID
		}
	}
	for _, id := range passes {
		p, err := tx.Pass(id)
		if err != nil {
			return nil, err
		}
		add(p)
	}
	for _, pid := range people {
		h, err := tx.Person(pid)
		if err != nil {
			return nil, err
		}
		for _, id := range tx.PassIDsByCF(h.CodiceFiscale) {
			if p, err := tx.Pass(id); err == nil && p.PersonID == pid {
				add(p)
			}
		}
	}
	today := s.Today()
	out := make([]store.FeedChange, 0, len(order))
	for _, lineage := range order {
		p, err := tx.Pass(newest[lineage])
		if err != nil {
			return nil, err
		}
		versions, err := tx.Versions(p)
		if err != nil {
			return nil, err
		}
		out = append(out, feedChange(tx, lineage, versions, today))
	}
	return out, nil
}

// feedChange is a lineage's rows, oldest version first (the order export whitelist
// reads them in), leaving out windows that ended before today.
func feedChange(tx *store.Tx, lineage uint64, newestFirst []domain.Pass, today domain.Date) store.FeedChange {
	c := store.FeedChange{Lineage: lineage, Rows: []store.FeedRow{}}
	seen := map[string]bool{}
	deaths := map[uint64]domain.Date{}
	for i := len(newestFirst) - 1; i >= 0; i-- {
		p := newestFirst[i]
		if !seen[p.Number] {
			seen[p.Number] = true
			c.Numbers = append(c.Numbers, p.Number)
		}
		died, ok := deaths[p.PersonID]
		if !ok {
			if h, err := tx.Person(p.PersonID); err == nil {
				died = h.DataDecesso
			}
			deaths[p.PersonID] = died
		}
		for _, r := range whitelistWindows(p, died) {
			if !r.to.Before(today) {
				c.Rows = append(c.Rows, store.FeedRow{Plate: r.pl.Number, Country: r.pl.Country, From: r.from.ISO(), To: r.to.ISO(),
					Class: string(r.pl.Class), Number: p.Number, Comune: p.IssuingComune})
			}
		}
	}
	return c
}

type window struct {
	pl       domain.Plate
	from, to domain.Date
}

// whitelistWindows are the days each plate of one pass version is authorised: the
// plate's window within the pass's validity, ended by a change of state or the
// holder's death (what domain.Authorise answers, day by day).
func whitelistWindows(p domain.Pass, died domain.Date) []window {
	switch {
	case p.State == domain.Scaduto:
		return nil // never authorises
	case p.State != domain.Attivo && p.StateFrom.IsZero():
		return nil // suspended, revoked or closed with no date: refused on every day
	}
	end := validUntil(p, died)
	var out []window
	for _, pl := range p.Plates {
		f, t := pl.Window(p.DataScadenza)
		if f.Before(p.DataDecorrenza) {
			f = p.DataDecorrenza
		}
		if t.After(end) {
			t = end
		}
		if !t.Before(f) {
			out = append(out, window{pl, f, t})
		}
	}
	return out
}

// FeedPage is a page of the feed: the changes after Since, the last sequence, and
// whether more follow.
type FeedPage struct {
	Since   uint64             `json:"dal"`
	Head    uint64             `json:"ultima"`
	More    bool               `json:"altre"`
	Changes []store.FeedChange `json:"modifiche"`
}

// MaxFeedPage is the most changes one request returns.
const MaxFeedPage = 10_000

// ErrFeedGone: the gate asked for changes older than what is kept (HTTP 410).
var ErrFeedGone = store.ErrFeedGone

// WhitelistChanges is the feed after since, at most max changes (T6). Circuit-wide,
// as the whitelist a gate holds.
func (s *Service) WhitelistChanges(since uint64, max int) (FeedPage, error) {
	if max <= 0 || max > MaxFeedPage {
		max = MaxFeedPage
	}
	pg := FeedPage{Since: since}
	err := s.view(func(tx *store.Tx) error {
		var err error
		pg.Changes, pg.Head, err = tx.Feed(since, max)
		return err
	})
	if errors.Is(err, store.ErrFeedGone) {
		return pg, ErrFeedGone
	}
	if err != nil {
		return pg, &domain.Error{Message: err.Error()}
	}
	if n := len(pg.Changes); n > 0 && pg.Changes[n-1].Seq < pg.Head {
		pg.More = true
	}
	return pg, nil
}

// ExportWhitelist is Export of the whitelist, calling start, before anything is
// written, with the feed's last sequence in the same snapshot as the rows: a gate
// that takes the list follows the feed from there.
func (s *Service) ExportWhitelist(a Actor, at domain.Date, w io.Writer, start func(feedSeq uint64)) (int, error) {
	return s.export(a, "whitelist", at, w, start)
}
