package service

import (
	"context"
	"time"

	"vivipass/domain"
	"vivipass/service/legacy"
	"vivipass/store"
)

// importWriter writes checked rows, in one or several transactions.
type importWriter struct {
	s     *Service
	a     Actor
	file  string
	today domain.Date
	now   time.Time
	// people: comune|CF → index in ids of the holder this import gave passes to (its
	// name and death date are read back from the record when a later row needs them).
	people   *legacy.KeyTable
	peopleID []uint64
	key      []byte
	bulk     *store.Bulk
	done     int
	total    int
	progress func(done, total int)
	ctx      context.Context
	// ids are the ids reserved in the register for a big import (importLarge);
	// existing are the people already in the register its passes were given to.
	ids      *store.IDs
	existing map[uint64]bool
}

func (w *importWriter) personKey(comune, cf string) []byte {
	w.key = append(append(append(w.key[:0], comune...), '|'), cf...)
	return w.key
}

// person is the holder this import gave passes to in comune with cf.
func (w *importWriter) person(comune, cf string) (uint64, bool) {
	i, ok := w.people.Get(w.personKey(comune, cf))
	if !ok {
		return 0, false
	}
	return w.peopleID[i], true
}

// personRef is what a pass needs of its holder.
type personRef struct {
	id       uint64
	cf, name string
	died     domain.Date
}

// counterKey is a comune's numbering of a year (P2).
type counterKey struct {
	comune string
	year   int
}

// writeChunk writes a chunk of rows and raises the counters of the numbers it used:
// once per chunk, not per row (issue 14.3).
func (w *importWriter) writeChunk(tx *store.Tx, rows []importRow, counters map[counterKey]uint64) error {
	clear(counters)
	if err := w.writeRows(tx, rows, counters); err != nil {
		return err
	}
	for k, n := range counters {
		if n > tx.Counter(k.comune, k.year) {
			if err := tx.SetCounter(k.comune, k.year, n); err != nil {
				return err
			}
		}
	}
	return nil
}

// write writes the records of rows; their index entries wait in w.bulk.
func (w *importWriter) write(tx *store.Tx, rows []importRow) error {
	return w.writeChunk(tx, rows, map[counterKey]uint64{})
}

// writeRows writes the records of rows and notes in counters the highest number of
// each comune and year.
func (w *importWriter) writeRows(tx *store.Tx, rows []importRow, counters map[counterKey]uint64) error {
	a, now, today, file := w.a, w.now, w.today, w.file
	tx.Collect(w.bulk)
	if w.ids != nil {
		tx.UseIDs(w.ids)
	}
	for _, r := range rows {
		if w.done%100 == 0 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
		}
		var holder personRef
		ok := false
		if id, mine := w.person(r.comune, r.Person.CodiceFiscale); mine {
			o, err := tx.Person(id)
			if err != nil {
				return err
			}
			holder, ok = personRef{o.ID, o.CodiceFiscale, o.FullName(), o.DataDecesso}, true
		} else if w.ids == nil || !w.ids.Fresh("people") {
			// People already in the register are in the index (this import's are told
			// apart by their ids once its entries are written).
			for _, id := range tx.PersonIDsByCF(r.Person.CodiceFiscale) {
				if w.ids != nil && w.ids.Reserved("people", id) {
					continue
				}
				if o, err := tx.Person(id); err == nil && o.Comune == r.comune {
					holder, ok = personRef{o.ID, o.CodiceFiscale, o.FullName(), o.DataDecesso}, true
					w.existing[o.ID] = true
				}
			}
		}
		if !ok {
			np := r.Person
			np.Comune, np.CFOverride = r.comune, r.CFWarning
			np.Version, np.UpdatedAt, np.UpdatedBy = 1, now, a.Operator
			if err := tx.PutPerson(&np); err != nil {
				return err
			}
			holder = personRef{np.ID, np.CodiceFiscale, np.FullName(), np.DataDecesso}
		}
		if _, known := w.people.Get(w.personKey(r.comune, r.Person.CodiceFiscale)); !known {
			w.people.Put(w.key, int32(len(w.peopleID)))
			w.peopleID = append(w.peopleID, holder.id)
		}
		p := domain.Pass{
			Number: r.Number, PreviousNumber: r.PreviousNumber, Comune: r.comune, IssuingComune: r.comune,
			PersonID: holder.id, HolderCF: holder.cf, HolderName: holder.name, Kind: r.Kind,
			DataRilascio: r.DataRilascio, DataDecorrenza: r.DataDecorrenza, DataScadenza: r.DataScadenza,
			State: r.State, Channel: domain.Import, Note: r.Note, ImportFile: file,
			National: domain.National{Consent: r.Consent, CudeID: r.CudeID, CodiceUnivoco: r.CodiceUnivoco},
			Version:  1, CreatedAt: now, CreatedBy: a.Operator, UpdatedAt: now, UpdatedBy: a.Operator,
		}
		if p.National.CudeID != "" {
			p.National.Status = domain.NationalSent
		}
		switch p.State {
		case domain.Sospeso, domain.Revocato:
			p.StateReason = string(p.State) + " nel registro precedente"
		}
		for j, pl := range r.Plates {
			pl.ID, pl.AddedAt, pl.AddedBy, pl.Channel = uint32(j+1), now, a.Operator, domain.Import
			p.Plates = append(p.Plates, pl)
		}
		p.NextPlateID = uint32(len(p.Plates))
		if died := holder.died; !died.IsZero() && (p.State == domain.Attivo || p.State == domain.Sospeso) {
			if n, _, err := p.HolderDeceased(died, today); err == nil {
				p = n
			}
		}
		id, err := tx.NewPassID()
		if err != nil {
			return err
		}
		p.ID, p.Lineage = id, id
		if p.National.Consent && p.National.Status == domain.NationalNone && p.HoldsActive(today) {
			if err := queueNational(tx, &p, domain.ActIssue); err != nil {
				return err
			}
		}
		if err := tx.PutNewPass(&p); err != nil { // its id is new: no version to read
			return err
		}
		if c, y, n, ok := domain.ParseNumber(p.Number); ok && c == p.Comune {
			if k := (counterKey{c, y}); uint64(n) > counters[k] {
				counters[k] = uint64(n)
			}
		}
		w.done++
		if w.progress != nil && (w.done%1000 == 0 || w.done == w.total) {
			w.progress(w.done, w.total)
		}
	}
	return nil
}
