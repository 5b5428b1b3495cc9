package store

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sort"

	"vivipass/domain"
)

type indexEntry struct {
	index string
	key   []byte
	val   []byte // nil for most indexes; the plate index carries a value (platevalue.go)
}

// passIndexEntries lists the index keys of one pass version (see doc.go).
func passIndexEntries(p *domain.Pass) []indexEntry {
	e := make([]indexEntry, 0, 5+len(p.Plates))
	e = append(e, indexEntry{"cf", indexKey(p.ID, p.HolderCF), nil}, indexEntry{"number", indexKey(p.ID, p.Number), nil})
	for i, pl := range p.Plates {
		if !slices.ContainsFunc(p.Plates[:i], func(o domain.Plate) bool { return o.Number == pl.Number }) {
			e = append(e, indexEntry{"plate", indexKey(p.ID, pl.Number), plateValue(p, pl.Number)})
		}
	}
	if p.Listed() {
		e = append(e,
			indexEntry{"name", indexKey(p.ID, p.Comune, p.HolderName), nil},
			indexEntry{"state", indexKey(p.ID, p.Comune, string(p.State), p.DataScadenza.Key()), nil},
			indexEntry{"channel", indexKey(p.ID, p.Comune, string(p.Channel)), nil},
		)
	}
	return e
}

// Pass reads one pass version.
func (t *Tx) Pass(id uint64) (domain.Pass, error) {
	var p domain.Pass
	k := u64(id)
	raw := t.bucket("passes").Get(k)
	if raw == nil {
		return p, ErrNotFound
	}
	if err := decodePass(raw, &p); err != nil {
		return p, recordError("passes", k, err)
	}
	return p, nil
}

// Person reads one person.
func (t *Tx) Person(id uint64) (domain.Person, error) {
	var p domain.Person
	k := u64(id)
	raw := t.bucket("people").Get(k)
	if raw == nil {
		return p, ErrNotFound
	}
	if err := decodePerson(raw, &p); err != nil {
		return p, recordError("people", k, err)
	}
	return p, nil
}

// PutPass writes a pass version and its index entries; ID 0 gets a new id (and, for a
// first version, Lineage = ID).
func (t *Tx) PutPass(p *domain.Pass) error { return t.putPass(p, false) }

// PutNewPass writes the first version of a pass whose id the caller took with
// NewPassID (an import: its outbox job names it): no previous version is looked for.
func (t *Tx) PutNewPass(p *domain.Pass) error { return t.putPass(p, true) }

func (t *Tx) putPass(p *domain.Pass, fresh bool) error {
	var old []indexEntry
	var prevPerson uint64
	if p.ID == 0 {
		id, err := t.NewPassID()
		if err != nil {
			return err
		}
		p.ID = id
	} else if !fresh {
		if prev, err := t.Pass(p.ID); err == nil {
			old, prevPerson = passIndexEntries(&prev), prev.PersonID
		}
	}
	if p.Lineage == 0 {
		p.Lineage = p.ID
	}
	raw, err := encodePass(p)
	if err != nil {
		return err
	}
	if err := t.bucket("passes").Put(u64(p.ID), raw); err != nil {
		return err
	}
	t.noteRecord(sealPass, p.ID, raw)
	t.noteFeed(p.Lineage, p.ID, 0)
	if err := t.replaceIndex(old, passIndexEntries(p)); err != nil {
		return err
	}
	// The holder's pcf and pname keys depend on what their passes carry (peopleindex.go).
	if t.bulk != nil && len(old) == 0 {
		return t.bulkPass(p)
	}
	if prevPerson != 0 && prevPerson != p.PersonID {
		if err := t.refreshPerson(prevPerson); err != nil {
			return err
		}
	}
	return t.refreshPerson(p.PersonID)
}

// PutPerson writes a person and its index entries; ID 0 gets a new id.
func (t *Tx) PutPerson(p *domain.Person) error {
	var old []indexEntry
	if p.ID == 0 {
		id, err := t.bucket("people").NextSequence()
		if err != nil {
			return err
		}
		p.ID = id
	} else if prev, err := t.Person(p.ID); err == nil {
		old = personKeys(&prev)
	}
	raw, err := encodePerson(p)
	if err != nil {
		return err
	}
	if err := t.bucket("people").Put(u64(p.ID), raw); err != nil {
		return err
	}
	t.noteRecord(sealPerson, p.ID, raw)
	t.noteFeed(0, 0, p.ID)
	if t.bulk != nil && len(old) == 0 {
		t.bulk.bulkPerson(p) // its keys wait for its pass
		return nil
	}
	return t.replaceIndex(old, t.personIndexEntries(p))
}

func (t *Tx) replaceIndex(old, new []indexEntry) error {
	if t.bulk != nil && len(old) == 0 {
		for _, e := range new {
			t.bulk.add(e.index, e.key, e.val)
		}
		return nil
	}
	keep := make(map[string]bool, len(new))
	for _, e := range new {
		keep[e.index+"\x01"+string(e.key)] = true
	}
	for _, e := range old {
		if !keep[e.index+"\x01"+string(e.key)] {
			if err := t.index(e.index).Delete(e.key); err != nil {
				return err
			}
		}
	}
	for _, e := range new {
		if err := t.index(e.index).Put(e.key, e.val); err != nil {
			return err
		}
	}
	return nil
}

// Bulk holds the index entries of the records a bulk load (import) writes, to write
// them later in key order. bbolt keeps a transaction's nodes in memory until commit:
// random inserts into a huge node cost a memmove each (an import went quadratic), and
// random inserts spread over many transactions rewrite every index page each time.
// In key order, each transaction only fills the next pages.
type Bulk struct {
	indexes map[string]*bulkIndex
	// seal lists the records written, for the audit entry that ends the load, in the
	// entry's side form (sealstream.go); records are those written after one it could
	// not hold.
	seal    sealList
	records []recordRef
	pending *pendingPerson // a new person whose pass is not written yet (in pendBuf)
	pendBuf pendingPerson
	drop    map[string]bool // index 0 key: people's keys a later pass made useless
}

// bulkIndex packs one index's entries in one buffer (a region import holds over a
// million keys: one allocation each doubled the memory they take): each key, then its
// value's length (uvarint) and the value.
type bulkIndex struct {
	data   []byte
	spans  []uint64 // start<<16 | key length, in data
	sorted bool
}

func (x *bulkIndex) key(i int) []byte {
	sp := x.spans[i]
	start := sp >> 16
	return x.data[start : start+sp&0xffff]
}

// sort puts the entries in key order (keys are unique: each ends with its record's id).
func (x *bulkIndex) sort() {
	slices.SortFunc(x.spans, func(a, b uint64) int {
		return bytes.Compare(x.data[a>>16:a>>16+a&0xffff], x.data[b>>16:b>>16+b&0xffff])
	})
	x.sorted = true
}

// value is the value of the i-th entry (nil if empty).
func (x *bulkIndex) value(i int) []byte {
	sp := x.spans[i]
	rest := x.data[sp>>16+sp&0xffff:]
	n, w := binary.Uvarint(rest)
	if n == 0 {
		return nil
	}
	return rest[w : w+int(n)]
}

// NewBulk starts an empty bulk load.
func NewBulk() *Bulk { return &Bulk{indexes: map[string]*bulkIndex{}} }

func (b *Bulk) add(index string, key, val []byte) {
	x := b.indexes[index]
	if x == nil {
		x = &bulkIndex{}
		b.indexes[index] = x
	}
	x.spans = append(x.spans, uint64(len(x.data))<<16|uint64(len(key)))
	x.data = append(x.data, key...)
	x.data = binary.AppendUvarint(x.data, uint64(len(val)))
	x.data = append(x.data, val...)
	x.sorted = false
}

// Collect makes the transaction hold new records' index entries in b instead of
// writing them. Until b is flushed, the indexes do not know those records.
func (t *Tx) Collect(b *Bulk) { t.bulk = b }

// Pending is the number of index entries still to write.
func (b *Bulk) Pending() int {
	b.settle()
	n := 0
	for _, x := range b.indexes {
		n += len(x.spans)
	}
	return n
}

// Flush writes up to max held entries (max <= 0: all) in key order, and forgets them.
func (b *Bulk) Flush(t *Tx, max int) error {
	b.settle()
	names := make([]string, 0, len(b.indexes))
	for n := range b.indexes {
		names = append(names, n)
	}
	sort.Strings(names)
	written := 0
	for _, n := range names {
		x := b.indexes[n]
		if !x.sorted {
			x.sort()
		}
		bk := t.index(n)
		if k, _ := bk.Cursor().First(); k == nil || bytes.Compare(x.key(0), k) > 0 {
			bk.FillPercent = 0.9 // appending past the last key: fill the pages
		}
		i := 0
		for ; i < len(x.spans) && (max <= 0 || written < max); i++ {
			if b.drop != nil && b.drop[n+"\x00"+string(x.key(i))] {
				continue
			}
			if err := bk.Put(x.key(i), x.value(i)); err != nil {
				return err
			}
			written++
		}
		if i == len(x.spans) {
			delete(b.indexes, n)
		} else {
			x.spans = x.spans[i:]
			return nil
		}
	}
	return nil
}

// NewPassID reserves the id of a pass about to be written (the outbox job needs it).
func (t *Tx) NewPassID() (uint64, error) { return t.bucket("passes").NextSequence() }

// scan calls fn with the id of every key of index that starts with prefix, in key
// order, until fn returns false.
func (t *Tx) scan(index string, prefix []byte, fn func(id uint64, key []byte) bool) {
	c := t.index(index).Cursor()
	for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
		if !fn(idFromKey(k), k) {
			return
		}
	}
}

func (t *Tx) ids(index string, prefix []byte) []uint64 {
	var out []uint64
	t.scan(index, prefix, func(id uint64, _ []byte) bool { out = append(out, id); return true })
	return out
}

// PassIDsByCF lists every pass version of a codice fiscale (all comuni).
func (t *Tx) PassIDsByCF(cf string) []uint64 { return t.ids("cf", prefixKey(cf)) }

// PassIDsByNumber lists every pass version with that number (all comuni).
func (t *Tx) PassIDsByNumber(n string) []uint64 { return t.ids("number", prefixKey(n)) }

// PassIDsByPlate lists every pass version that has (or had) the plate.
func (t *Tx) PassIDsByPlate(plate string) []uint64 { return t.ids("plate", prefixKey(plate)) }

// PassIDsByNamePrefix lists current passes of comune whose "COGNOME NOME" starts with
// prefix, in name order, at most limit (0 = all).
func (t *Tx) PassIDsByNamePrefix(comune, prefix string, limit int) []uint64 {
	return t.limited("name", append(prefixKey(comune), prefix...), limit)
}

// PassIDsByNameWord lists listed passes of comune whose holder's name has a later word
// starting with text ("ROS" finds DE ROSSI PAOLO, "ANDREA" D'ANDREA LUCIA): a scan of
// the comune's keys of the name index, no pass read.
func (t *Tx) PassIDsByNameWord(comune, text string, limit int) []uint64 {
	pre := prefixKey(comune)
	space, apos := []byte(" "+text), []byte("'"+text)
	var out []uint64
	t.scan("name", pre, func(id uint64, k []byte) bool {
		if len(k) < len(pre)+9 {
			return true
		}
		name := k[len(pre) : len(k)-9] // the name, before its 0 and the id
		if bytes.Contains(name, space) || bytes.Contains(name, apos) {
			out = append(out, id)
		}
		return limit <= 0 || len(out) < limit
	})
	return out
}

// PassIDsByState lists current passes of comune in a stored state.
func (t *Tx) PassIDsByState(comune string, st domain.State) []uint64 {
	return t.ids("state", prefixKey(comune, string(st)))
}

// PassIDsByChannel lists current passes of comune from a channel.
func (t *Tx) PassIDsByChannel(comune string, ch domain.Channel) []uint64 {
	return t.ids("channel", prefixKey(comune, string(ch)))
}

// PassIDsByExpiry lists listed passes of comune expiring in [from, to], by expiry. The
// state index has the expiry after the state (schema 12 dropped the expiry index that
// repeated it, issue 14.2): one date range per state, merged.
func (t *Tx) PassIDsByExpiry(comune string, from, to domain.Date) []uint64 {
	pre := prefixKey(comune)
	type hit struct {
		day string // YYYYMMDD
		id  uint64
	}
	var hits []hit
	c := t.index("state").Cursor()
	for k, _ := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); {
		rest := k[len(pre):]
		i := bytes.IndexByte(rest, 0)
		if i < 0 {
			break
		}
		st := string(rest[:i])
		n := len(pre) + i + 1 // the state's prefix: comune 0 state 0
		t.scanDates("state", k[:n:n], from, to, func(day []byte, id uint64) { hits = append(hits, hit{string(day), id}) })
		k, _ = c.Seek(append(prefixKey(comune), append([]byte(st), 1)...)) // the next state
	}
	sort.Slice(hits, func(i, j int) bool {
		if hits[i].day != hits[j].day {
			return hits[i].day < hits[j].day
		}
		return hits[i].id < hits[j].id
	})
	out := make([]uint64, len(hits))
	for i, h := range hits {
		out[i] = h.id
	}
	return out
}

// PassIDsByStateExpiry lists listed passes of comune in a stored state expiring in
// [from, to] (the state index is ordered by expiry within a state).
func (t *Tx) PassIDsByStateExpiry(comune string, st domain.State, from, to domain.Date) []uint64 {
	return t.dateRange("state", prefixKey(comune, string(st)), from, to)
}

// PassIDsByPrefix scans a global index (number, cf, plate) by key prefix, at most limit.
func (t *Tx) PassIDsByPrefix(index, prefix string, limit int) []uint64 {
	return t.limited(index, []byte(prefix), limit)
}

func (t *Tx) dateRange(index string, pre []byte, from, to domain.Date) []uint64 {
	var out []uint64
	t.scanDates(index, pre, from, to, func(_ []byte, id uint64) { out = append(out, id) })
	return out
}

// scanDates calls fn with the day (YYYYMMDD) and id of every key pre YYYYMMDD 0 id(8)
// of index in [from, to], in key order.
func (t *Tx) scanDates(index string, pre []byte, from, to domain.Date, fn func(day []byte, id uint64)) {
	c := t.index(index).Cursor()
	lo := append(append([]byte{}, pre...), from.Key()...)
	hi := append(append([]byte{}, pre...), to.Key()...)
	hi = append(hi, 1) // past every id of the last day
	for k, _ := c.Seek(lo); k != nil && bytes.Compare(k, hi) < 0; k, _ = c.Next() {
		if len(k) >= len(pre)+8 {
			fn(k[len(pre):len(pre)+8], idFromKey(k))
		}
	}
}

func (t *Tx) limited(index string, prefix []byte, limit int) []uint64 {
	var out []uint64
	t.scan(index, prefix, func(id uint64, _ []byte) bool {
		out = append(out, id)
		return limit <= 0 || len(out) < limit
	})
	return out
}

// Comuni lists the comuni that have current passes, from the state index.
func (t *Tx) ComuniWithPasses() []string {
	var out []string
	c := t.index("state").Cursor()
	for k, _ := c.First(); k != nil; {
		i := bytes.IndexByte(k, 0)
		if i < 0 {
			break
		}
		com := string(k[:i])
		out = append(out, com)
		k, _ = c.Seek(append([]byte(com), 1))
	}
	return out
}

// ForEachPass calls fn for every pass version in id order until fn returns false.
func (t *Tx) ForEachPass(fn func(p domain.Pass) bool) error {
	c := t.bucket("passes").Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var p domain.Pass
		if err := decodePass(v, &p); err != nil {
			return recordError("passes", k, err)
		}
		if !fn(p) {
			return nil
		}
	}
	return nil
}

// ForEachPerson calls fn for every person in id order until fn returns false.
func (t *Tx) ForEachPerson(fn func(p domain.Person) bool) error {
	c := t.bucket("people").Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var p domain.Person
		if err := decodePerson(v, &p); err != nil {
			return recordError("people", k, err)
		}
		if !fn(p) {
			return nil
		}
	}
	return nil
}

// Versions is the chain of versions ending with p, newest first.
func (t *Tx) Versions(p domain.Pass) ([]domain.Pass, error) {
	out := []domain.Pass{p}
	for p.PrevID != 0 && len(out) < 1000 {
		prev, err := t.Pass(p.PrevID)
		if err != nil {
			return out, err
		}
		out = append(out, prev)
		p = prev
	}
	return out, nil
}

// Counts returns the number of current passes of comune per stored state.
func (t *Tx) Counts(comune string) map[domain.State]int {
	out := map[domain.State]int{}
	pre := prefixKey(comune)
	t.scan("state", pre, func(_ uint64, k []byte) bool {
		rest := k[len(pre):]
		if i := bytes.IndexByte(rest, 0); i >= 0 {
			out[domain.State(rest[:i])]++
		}
		return true
	})
	return out
}

func sortedIDs(ids []uint64) []uint64 {
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return ids
}
