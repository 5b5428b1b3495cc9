package service

import (
	"context"
	"hash/maphash"
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
	// people: hash of comune|CF → index in peopleID of the holder this import gave
	// passes to. No key is kept: a hit is read back (from created, or from the record
	// written by an earlier chunk) and compared, which also gives the name and death
	// date a later row needs (issue 14.3: ~20-30 B a holder, slots and id, where a table
	// of keys took ~50).
	people     legacy.IndexTable
	peopleID   []uint64
	peopleSeed maphash.Seed
	key        []byte
	bulk       *store.Bulk
	done       int
	total      int
	progress   func(done, total int)
	ctx        context.Context
	// ids are the ids reserved in the register for a big import (importLarge);
	// existing are the people already in the register its passes were given to.
	ids      *store.IDs
	existing map[uint64]bool
	// prep and newPeople are a chunk's prepared rows and new holders, kept for the next.
	prep      []preparedRow
	newPeople []domain.Person
	parts     []*store.Bulk // the index entries of each batch, prepared
	created   map[uint64]personRef
}

func (w *importWriter) personHash(comune, cf string) uint64 {
	w.key = append(append(append(w.key[:0], comune...), '|'), cf...)
	return maphash.Bytes(w.peopleSeed, w.key)
}

// holder is the holder this import gave passes to in comune with cf: one this chunk
// created (in created), or one written before (read back).
func (w *importWriter) holder(tx *store.Tx, h uint64, comune, cf string) (personRef, bool, error) {
	var found personRef
	var err error
	_, ok := w.people.Find(h, func(i int32) bool {
		id := w.peopleID[i]
		ref, mine := w.created[id]
		if !mine && err == nil {
			var o domain.Person
			if o, err = tx.Person(id); err == nil {
				ref, mine = refOf(o), true
			}
		}
		if !mine || ref.comune != comune || ref.cf != cf { // another key with the same hash
			return false
		}
		found = ref
		return true
	})
	return found, ok, err
}

// personRef is what a pass needs of its holder.
type personRef struct {
	id               uint64
	comune, cf, name string
	died             domain.Date
}

func refOf(p domain.Person) personRef {
	return personRef{p.ID, p.Comune, p.CodiceFiscale, p.FullName(), p.DataDecesso}
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

// prepBatch rows are prepared (encoded, hashed, their index entries made) at a time
// on another goroutine while the writer puts the batches before.
const prepBatch = 256

// preparedRow is a row made into its records: the holder it creates (nil: one already
// written), the pass, and their stored bytes once prepared.
type preparedRow struct {
	person   *domain.Person
	pass     domain.Pass
	job      bool // a national job is queued for the pass (its status already says so)
	pe, pp   store.Prepared
	prepared error
	counted  bool       // the pass's number is in a numbering of its comune:
	counter  counterKey // this one,
	n        uint64     // at n
}

// writeRows writes the records of rows and notes in counters the highest number of
// each comune and year. The writer resolves the holders and takes the ids, in row
// order; a second goroutine encodes and hashes the records a batch at a time; the
// writer then puts their bytes in the same order (issue 14.3: the two cores share what
// one did, the register ends as written one record at a time).
func (w *importWriter) writeRows(tx *store.Tx, rows []importRow, counters map[counterKey]uint64) error {
	tx.Collect(w.bulk)
	if w.ids != nil {
		tx.UseIDs(w.ids)
	}
	prep := w.prep[:0]
	w.prep = nil // given back below once every batch is written
	if cap(prep) < len(rows) {
		prep = make([]preparedRow, len(rows))
	}
	prep = prep[:len(rows)]
	people := w.newPeople[:0]
	if cap(people) < len(rows) {
		people = make([]domain.Person, 0, len(rows))
	}
	nb := (len(rows) + prepBatch - 1) / prepBatch
	for len(w.parts) < nb {
		w.parts = append(w.parts, store.NewBulk())
	}
	todo, ready := make(chan int, nb), make(chan int, nb)
	go func() {
		defer close(ready)
		for b := range todo {
			for i := b * prepBatch; i < min(len(prep), (b+1)*prepBatch); i++ {
				r := &prep[i]
				if r.person != nil {
					if r.pe, r.prepared = store.PreparePerson(r.person); r.prepared != nil {
						continue
					}
				}
				r.pp, r.prepared = store.PreparePass(&r.pass, w.parts[b])
				if c, y, n, ok := domain.ParseNumber(r.pass.Number); ok && c == r.pass.Comune {
					r.counted, r.counter, r.n = true, counterKey{c, y}, uint64(n)
				}
			}
			ready <- b
		}
	}()
	sent := false
	defer func() {
		if !sent { // stopped before every row was made: the goroutine ends with its batches
			close(todo)
			w.parts = nil
		}
	}()
	// The holders this chunk creates, not written yet when a later row finds them.
	if w.created == nil {
		w.created = map[uint64]personRef{}
	}
	created := w.created
	clear(created)
	for i, r := range rows {
		if i%100 == 0 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
		}
		pr := &prep[i]
		*pr = preparedRow{}
		h := w.personHash(r.comune, r.Person.CodiceFiscale)
		holder, known, err := w.holder(tx, h, r.comune, r.Person.CodiceFiscale)
		if err != nil {
			return err
		}
		ok := known
		if !ok && (w.ids == nil || !w.ids.Fresh("people")) {
			// People already in the register are in the index (this import's are told
			// apart by their ids once its entries are written).
			for _, id := range tx.PersonIDsByCF(r.Person.CodiceFiscale) {
				if w.ids != nil && w.ids.Reserved("people", id) {
					continue
				}
				if o, err := tx.Person(id); err == nil && o.Comune == r.comune {
					holder, ok = refOf(o), true
					w.existing[o.ID] = true
				}
			}
		}
		if !ok {
			people = append(people, r.Person)
			np := &people[len(people)-1]
			np.Comune, np.CFOverride = r.comune, r.CFWarning
			np.Version, np.UpdatedAt, np.UpdatedBy = 1, w.now, w.a.Operator
			id, err := tx.NewPersonID()
			if err != nil {
				return err
			}
			np.ID = id
			pr.person = np
			holder = refOf(*np)
			created[id] = holder
		}
		if !known {
			w.people.Put(h, int32(len(w.peopleID)))
			w.peopleID = append(w.peopleID, holder.id)
		}
		if err := w.pass(tx, &r, holder, pr); err != nil {
			return err
		}
		if end := i + 1; end%prepBatch == 0 || end == len(rows) {
			todo <- (end - 1) / prepBatch
		}
	}
	close(todo)
	sent = true
	i := 0
	for b := range ready {
		for ; i < min(len(prep), (b+1)*prepBatch); i++ {
			if err := w.put(tx, &prep[i], counters); err != nil {
				for range ready { // the preparing goroutine ends with its batches
				}
				w.parts = nil // entries of batches not written may be left in them
				return err
			}
		}
		w.bulk.Take(w.parts[b]) // the batch's index entries
	}
	clear(prep)
	clear(people)
	w.prep, w.newPeople = prep, people[:0]
	return nil
}

// pass is the pass of row r for holder, its id taken, in pr.
func (w *importWriter) pass(tx *store.Tx, r *importRow, holder personRef, pr *preparedRow) error {
	a, now := w.a, w.now
	p := &pr.pass
	*p = domain.Pass{
		Number: r.Number, PreviousNumber: r.PreviousNumber, Comune: r.comune, IssuingComune: r.comune,
		PersonID: holder.id, HolderCF: holder.cf, HolderName: holder.name, Kind: r.Kind,
		DataRilascio: r.DataRilascio, DataDecorrenza: r.DataDecorrenza, DataScadenza: r.DataScadenza,
		State: r.State, Channel: domain.Import, Note: r.Note, ImportFile: w.file,
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
	p.Plates = make([]domain.Plate, 0, len(r.Plates))
	for j, pl := range r.Plates {
		pl.ID, pl.AddedAt, pl.AddedBy, pl.Channel = uint32(j+1), now, a.Operator, domain.Import
		p.Plates = append(p.Plates, pl)
	}
	p.NextPlateID = uint32(len(p.Plates))
	if died := holder.died; !died.IsZero() && (p.State == domain.Attivo || p.State == domain.Sospeso) {
		if n, _, err := p.HolderDeceased(died, w.today); err == nil {
			*p = n
		}
	}
	id, err := tx.NewPassID()
	if err != nil {
		return err
	}
	p.ID, p.Lineage = id, id
	// queueNational queues the issue of an active pass with consent and a plate, and
	// marks it pending: the record is encoded as it will be (put checks it).
	if p.National.Consent && p.National.Status == domain.NationalNone && p.HoldsActive(w.today) {
		if _, plate := p.Principale(); plate {
			pr.job = true
			p.National.Status = domain.NationalPending
		}
	}
	return nil
}

// put writes a prepared row: its new holder, its national job, its pass.
func (w *importWriter) put(tx *store.Tx, pr *preparedRow, counters map[counterKey]uint64) error {
	if pr.prepared != nil {
		return pr.prepared
	}
	if pr.person != nil {
		if err := tx.PutPreparedPerson(pr.person, &pr.pe); err != nil {
			return err
		}
	}
	p := &pr.pass
	if pr.job {
		q := *p
		q.National.Status = domain.NationalNone
		if err := queueNational(tx, &q, domain.ActIssue); err != nil {
			return err
		}
		if q.National.Status != p.National.Status { // not what pass foresaw: encoded here
			p.National.Status = q.National.Status
			var err error
			if pr.pp, err = store.PreparePass(p, nil); err != nil {
				return err
			}
			pr.pp.NoEntries() // they are in the batch's part already (the status is in none)
		}
	}
	if err := tx.PutPreparedPass(p, &pr.pp); err != nil { // its id is new: no version to read
		return err
	}
	if k := pr.counter; pr.counted && pr.n > counters[k] {
		counters[k] = pr.n
	}
	w.done++
	if w.progress != nil && (w.done%1000 == 0 || w.done == w.total) {
		w.progress(w.done, w.total)
	}
	return nil
}
