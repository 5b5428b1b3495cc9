package store

import (
	"fmt"

	"vivipass/domain"
)

// Prepared is a new record of a bulk load made ready before its transaction: its
// stored bytes, the hash its seal takes and, for a pass, its index entries. Preparing
// takes no transaction, so a load can encode the next records on another core while
// its transaction writes the ones before (issue 14.3: the writer only puts bytes).
type Prepared struct {
	raw     []byte
	ref     recordRef
	entries []indexEntry
}

// PreparePass encodes the first version of a pass whose id the caller took with
// NewPassID (Lineage 0 becomes the id, as PutPass does). With part, its index entries
// go there (the load gives part to its Bulk with Take) instead of into the Prepared.
func PreparePass(p *domain.Pass, part *Bulk) (Prepared, error) {
	if p.ID == 0 {
		return Prepared{}, fmt.Errorf("contrassegno senza identificativo")
	}
	if p.Lineage == 0 {
		p.Lineage = p.ID
	}
	raw, err := encodePass(p)
	if err != nil {
		return Prepared{}, err
	}
	e := Prepared{raw: raw, ref: refOf(sealPass, p.ID, raw)}
	if part == nil {
		e.entries = passIndexEntries(p)
	} else {
		for _, x := range passIndexEntries(p) {
			part.add(x.index, x.key, x.val)
		}
	}
	return e, nil
}

// Take moves the index entries held in part into b (one copy of each index's bytes),
// and empties part, keeping its buffers.
func (b *Bulk) Take(part *Bulk) {
	for n, o := range part.indexes {
		if len(o.spans) == 0 {
			continue
		}
		x := b.indexes[n]
		if x == nil {
			x = &bulkIndex{}
			b.indexes[n] = x
		}
		base := uint64(len(x.data)) << 16
		x.data = append(x.data, o.data...)
		for _, sp := range o.spans {
			x.spans = append(x.spans, sp+base)
		}
		x.sorted = false
		o.data, o.spans, o.sorted = o.data[:0], o.spans[:0], false
	}
}

// PreparePerson encodes a new person whose id the caller took with NewPersonID.
func PreparePerson(p *domain.Person) (Prepared, error) {
	if p.ID == 0 {
		return Prepared{}, fmt.Errorf("persona senza identificativo")
	}
	raw, err := encodePerson(p)
	if err != nil {
		return Prepared{}, err
	}
	return Prepared{raw: raw, ref: refOf(sealPerson, p.ID, raw)}, nil
}

// NewPersonID reserves the id of a person about to be written.
func (t *Tx) NewPersonID() (uint64, error) { return t.bucket("people").NextSequence() }

// PutPreparedPass writes the first version of a pass prepared with PreparePass from p
// as it is now, as PutNewPass would.
func (t *Tx) PutPreparedPass(p *domain.Pass, e *Prepared) error {
	if e.ref.kind != sealPass || e.ref.id != p.ID || e.raw == nil {
		return fmt.Errorf("contrassegno %d: record preparato per un altro", p.ID)
	}
	if t.bulk == nil {
		return t.PutNewPass(p) // its index entries are written at once, with its holder's
	}
	if err := t.bucket("passes").Put(u64(p.ID), e.raw); err != nil {
		return err
	}
	t.noteRef(e.ref)
	t.noteFeed(p.Lineage, p.ID, 0)
	for _, x := range e.entries {
		t.bulk.add(x.index, x.key, x.val)
	}
	return t.bulkPass(p)
}

// PutPreparedPerson writes a new person prepared with PreparePerson from p as it is
// now, as PutPerson would.
func (t *Tx) PutPreparedPerson(p *domain.Person, e *Prepared) error {
	if e.ref.kind != sealPerson || e.ref.id != p.ID || e.raw == nil {
		return fmt.Errorf("persona %d: record preparato per un'altra", p.ID)
	}
	if t.bulk == nil {
		return t.PutPerson(p)
	}
	if err := t.bucket("people").Put(u64(p.ID), e.raw); err != nil {
		return err
	}
	t.noteRef(e.ref)
	t.noteFeed(0, 0, p.ID)
	t.bulk.bulkPerson(p) // its keys wait for its pass
	return nil
}

// noteRef notes a record written, for the audit entry that will seal it.
func (t *Tx) noteRef(r recordRef) {
	if t.bulk != nil {
		t.bulk.noteBulk(r)
		return
	}
	t.records = append(t.records, r)
}

// NoEntries drops the index entries of e: they went to a part when it was first
// prepared (a pass prepared again for a field no index has).
func (e *Prepared) NoEntries() { e.entries = nil }
