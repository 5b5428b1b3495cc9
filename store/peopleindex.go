package store

import (
	"bytes"
	"sort"
	"strings"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
)

// People are found by codice fiscale and by name through their passes' index keys
// when a pass carries them (issue 14.2: in a region nearly every person has a pass, and
// pcf and pname repeated its cf and name keys). pcf and pname hold only the people the
// pass indexes do not find:
//
//	pcf   unless a version of one of the person's passes has the person's codice fiscale;
//	pname unless a listed version of one of the person's passes, in the person's comune,
//	      has the person's name.
//
// The lookups below read both. A person without passes (SavePerson), or whose passes
// carry another name or comune, keeps the keys.

// personKeys are the person's two possible keys, whether written or not.
func personKeys(p *domain.Person) []indexEntry {
	return []indexEntry{
		{"pcf", indexKey(p.ID, p.CodiceFiscale), nil},
		{"pname", indexKey(p.ID, p.Comune, p.FullName()), nil},
	}
}

// coversCF and coversName tell whether pass version v finds person p.
func coversCF(v *domain.Pass, p *domain.Person) bool {
	return v.PersonID == p.ID && v.HolderCF == p.CodiceFiscale
}

func coversName(v *domain.Pass, p *domain.Person) bool {
	return v.PersonID == p.ID && v.Listed() && v.Comune == p.Comune && v.HolderName == p.FullName()
}

// personIndexEntries are the keys person p needs now: those the pass indexes do not
// find.
func (t *Tx) personIndexEntries(p *domain.Person) []indexEntry {
	keys := personKeys(p)
	out := keys[:0]
	if !t.passFinds("cf", prefixKey(p.CodiceFiscale), p, coversCF) {
		out = append(out, keys[0])
	}
	if !t.passFinds("name", prefixKey(p.Comune, p.FullName()), p, coversName) {
		out = append(out, keys[1])
	}
	return out
}

func (t *Tx) passFinds(index string, prefix []byte, p *domain.Person, covers func(*domain.Pass, *domain.Person) bool) bool {
	found := false
	t.scan(index, prefix, func(id uint64, _ []byte) bool {
		v, err := t.Pass(id)
		found = err == nil && covers(&v, p)
		return !found
	})
	return found
}

// refreshPerson rewrites the keys of person id after one of their passes changed
// (a person not written yet gets them when written).
func (t *Tx) refreshPerson(id uint64) error {
	p, err := t.Person(id)
	if err != nil {
		return nil
	}
	want := t.personIndexEntries(&p)
	for _, k := range personKeys(&p) {
		needed := false
		for _, w := range want {
			needed = needed || w.index == k.index
		}
		if needed {
			err = t.index(k.index).Put(k.key, nil)
		} else {
			err = t.index(k.index).Delete(k.key)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// A bulk load writes a person, then the pass that finds them; until that pass the
// person's keys wait in the Bulk (pendingPerson). A later pass of a person already
// settled removes the keys it makes useless (drop).
type pendingPerson struct {
	person              domain.Person
	coveredCF, coveredN bool
}

// bulkPerson holds new person p's keys until their pass is written.
func (b *Bulk) bulkPerson(p *domain.Person) {
	b.settle()
	b.pendBuf = pendingPerson{person: *p} // one for the whole load: settle is done with the last
	b.pending = &b.pendBuf
}

// settle writes the waiting person's keys the passes written so far did not make
// useless.
func (b *Bulk) settle() {
	pp := b.pending
	if pp == nil {
		return
	}
	b.pending = nil
	keys := personKeys(&pp.person)
	if !pp.coveredCF {
		b.add(keys[0].index, keys[0].key, nil)
	}
	if !pp.coveredN {
		b.add(keys[1].index, keys[1].key, nil)
	}
}

// bulkPass notes a new pass version written in bulk: it may find its holder.
func (t *Tx) bulkPass(v *domain.Pass) error {
	b := t.bulk
	if pp := b.pending; pp != nil && pp.person.ID == v.PersonID {
		pp.coveredCF = pp.coveredCF || coversCF(v, &pp.person)
		pp.coveredN = pp.coveredN || coversName(v, &pp.person)
		if pp.coveredCF && pp.coveredN {
			b.pending = nil // nothing to write
		}
		return nil
	}
	p, err := t.Person(v.PersonID)
	if err != nil {
		return nil // written later: PutPerson sees this pass in the indexes
	}
	keys := personKeys(&p)
	for i, covers := range []func(*domain.Pass, *domain.Person) bool{coversCF, coversName} {
		if covers(v, &p) {
			if b.drop == nil {
				b.drop = map[string]bool{}
			}
			b.drop[keys[i].index+"\x00"+string(keys[i].key)] = true
			if err := t.index(keys[i].index).Delete(keys[i].key); err != nil {
				return err
			}
		}
	}
	return nil
}

// PersonIDsByCF lists the people with codice fiscale cf (one per comune at most),
// from pcf and from their passes.
func (t *Tx) PersonIDsByCF(cf string) []uint64 {
	return t.peopleBy("pcf", "cf", prefixKey(cf), 0, func(p *domain.Person) bool { return p.CodiceFiscale == cf })
}

// PersonIDsByPrefix lists people whose codice fiscale starts with prefix, at most
// limit, in codice fiscale order.
func (t *Tx) PersonIDsByPrefix(prefix string, limit int) []uint64 {
	return t.peopleBy("pcf", "cf", []byte(prefix), limit, func(p *domain.Person) bool {
		return strings.HasPrefix(p.CodiceFiscale, prefix)
	})
}

// PersonIDsByNamePrefix lists people of comune whose "COGNOME NOME" starts with
// prefix, at most limit (0 = all), in name order.
func (t *Tx) PersonIDsByNamePrefix(comune, prefix string, limit int) []uint64 {
	return t.peopleBy("pname", "name", append(prefixKey(comune), prefix...), limit, func(p *domain.Person) bool {
		return p.Comune == comune && strings.HasPrefix(p.FullName(), prefix)
	})
}

// peopleBy merges the people index's keys under prefix with the holders of the pass
// index's keys under it, in key order, keeping people that match; at most limit.
func (t *Tx) peopleBy(people, passes string, prefix []byte, limit int, match func(*domain.Person) bool) []uint64 {
	type hit struct {
		key []byte // the index key without its id: the order
		id  uint64
	}
	var hits []hit
	seen := map[uint64]bool{}
	t.scan(people, prefix, func(id uint64, k []byte) bool {
		seen[id] = true
		hits = append(hits, hit{bytes.Clone(k[:len(k)-8]), id})
		return limit <= 0 || len(hits) < limit
	})
	found := 0
	t.scan(passes, prefix, func(id uint64, k []byte) bool {
		v, err := t.Pass(id)
		if err != nil || seen[v.PersonID] {
			return true
		}
		p, err := t.Person(v.PersonID)
		if err != nil || !match(&p) || !(coversCF(&v, &p) || coversName(&v, &p)) {
			return true
		}
		seen[p.ID] = true
		hits = append(hits, hit{bytes.Clone(k[:len(k)-8]), p.ID})
		found++
		return limit <= 0 || found < limit
	})
	sort.SliceStable(hits, func(i, j int) bool {
		if c := bytes.Compare(hits[i].key, hits[j].key); c != 0 {
			return c < 0
		}
		return hits[i].id < hits[j].id
	})
	if limit > 0 && len(hits) > limit {
		hits = hits[:limit]
	}
	out := make([]uint64, len(hits))
	for i, h := range hits {
		out[i] = h.id
	}
	return out
}

// dropFoundPeopleKeys is migration 14: the pcf and pname keys of people their passes
// find go. One pass over the passes notes what each finds (a region's people each
// scanned their passes: 10 s), then pcf and pname are written anew with the others.
func dropFoundPeopleKeys(btx *bolt.Tx) error {
	t := &Tx{tx: btx}
	type found struct {
		person uint64
		what   string // "c" + codice fiscale, or "n" + comune 0 name
	}
	finds := map[found]bool{}
	if err := t.ForEachPass(func(v domain.Pass) bool {
		finds[found{v.PersonID, "c" + v.HolderCF}] = true
		if v.Listed() {
			finds[found{v.PersonID, "n" + v.Comune + "\x00" + v.HolderName}] = true
		}
		return true
	}); err != nil {
		return err
	}
	idx := btx.Bucket(bIdx)
	for _, n := range []string{"pcf", "pname"} {
		if err := idx.DeleteBucket([]byte(n)); err != nil {
			return err
		}
		if _, err := idx.CreateBucket([]byte(n)); err != nil {
			return err
		}
	}
	var err error
	ferr := t.ForEachPerson(func(p domain.Person) bool {
		keys := personKeys(&p)
		if !finds[found{p.ID, "c" + p.CodiceFiscale}] {
			err = t.index("pcf").Put(keys[0].key, nil)
		}
		if err == nil && !finds[found{p.ID, "n" + p.Comune + "\x00" + p.FullName()}] {
			err = t.index("pname").Put(keys[1].key, nil)
		}
		return err == nil
	})
	if ferr != nil {
		return ferr
	}
	return err
}
