package store

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"

	"vivipass/domain"
)

// Problem is one inconsistency found by Verify.
type Problem struct {
	Index   string
	Message string
}

// Verify checks every index against the records, and the audit chain. It reports, in
// Italian, what is missing or left over. It holds no set of keys (issue 14.3: a region
// took 440 MB), so its memory does not grow with the register: per index, the sum of
// a hash of every entry the records make is compared with the sum over the index's
// keys (a multiset hash, seeded at random at each run); only an index whose sums
// differ is then checked key by key: each record's entries looked up in it (missing),
// each of its keys against the record its id names (left over).
func (t *Tx) Verify() ([]Problem, error) {
	var problems []Problem
	seeds := [2]maphash.Seed{maphash.MakeSeed(), maphash.MakeSeed()}
	type sum struct {
		a, b uint64
		n    int
	}
	var hs [2]maphash.Hash
	hs[0].SetSeed(seeds[0])
	hs[1].SetSeed(seeds[1])
	// An entry is its key and its value (the plate index carries the whitelist's
	// windows: a stale value is as wrong as a missing key).
	entryHash := func(h *maphash.Hash, k, v []byte) uint64 {
		h.Reset()
		var n [8]byte
		binary.BigEndian.PutUint64(n[:], uint64(len(k)))
		h.Write(n[:])
		h.Write(k)
		h.Write(v)
		return h.Sum64()
	}
	add := func(s *sum, k, v []byte) {
		s.a += entryHash(&hs[0], k, v)
		s.b += entryHash(&hs[1], k, v)
		s.n++
	}
	names := append(liveIndexNames(), pecIndexNames...)
	want := make(map[string]*sum, len(names))
	for _, n := range names {
		want[n] = &sum{}
	}
	pecKeys := map[string]uint64{} // the inbox's items: a few per request, kept small by the retention
	records := 0
	if err := t.recordEntries(func(es []indexEntry) {
		if records++; records%8192 == 0 {
			t.releaseMapped() // the file's pages read so far: see releaseMapped
		}
		for _, e := range es {
			if s := want[e.index]; s != nil {
				add(s, e.key, e.val)
			}
		}
	}, func(it *PECItem) {
		k := it.Comune + "\x00" + pecKey(it.Key)
		if first, dup := pecKeys[k]; dup {
			problems = append(problems, Problem{"pec_items", fmt.Sprintf("messaggio %d doppio di %d (chiave %q)", it.ID, first, printable([]byte(it.Key)))})
		} else {
			pecKeys[k] = it.ID
		}
		if t.bucket("pec_raw").Get(u64(it.ID)) == nil {
			problems = append(problems, Problem{"pec_raw", fmt.Sprintf("messaggio %d senza il testo originale", it.ID)})
		}
	}); err != nil {
		return nil, err
	}
	suspect := map[string]bool{}
	for _, n := range names {
		var have sum
		c := t.index(n).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			add(&have, k, v)
		}
		if have != *want[n] {
			suspect[n] = true
		}
		t.releaseMapped()
	}
	if len(suspect) > 0 {
		if err := t.recordEntries(func(es []indexEntry) {
			for _, e := range es {
				if !suspect[e.index] {
					continue
				}
				switch v := t.index(e.index).Get(e.key); {
				case v == nil:
					problems = append(problems, Problem{e.index, fmt.Sprintf("voce mancante %q", printable(e.key))})
				case !bytes.Equal(v, e.val):
					problems = append(problems, Problem{e.index, fmt.Sprintf("voce %q con un valore diverso dal record", printable(e.key))})
				}
			}
		}, nil); err != nil {
			return nil, err
		}
		for _, n := range names {
			if !suspect[n] {
				continue
			}
			c := t.index(n).Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if !t.indexKeyOwned(n, k, v) {
					problems = append(problems, Problem{n, fmt.Sprintf("voce di troppo %q", printable(k))})
				}
			}
		}
	}
	if _, ap := t.VerifyAudit(); len(ap) > 0 {
		for _, p := range ap {
			problems = append(problems, Problem{"audit", fmt.Sprintf("voce %d: %s", p.Seq, p.Message)})
		}
	}
	return problems, nil
}

// recordEntries calls fn with the index entries of every record: pass versions,
// people, operators' keys, audit entries of a lineage, inbox items (and pec, if not
// nil, with each item).
func (t *Tx) recordEntries(fn func([]indexEntry), pec func(*PECItem)) error {
	if err := t.ForEachPass(func(p domain.Pass) bool { fn(passIndexEntries(&p)); return true }); err != nil {
		return err
	}
	if err := t.ForEachPerson(func(p domain.Person) bool { fn(t.personIndexEntries(&p)); return true }); err != nil {
		return err
	}
	ops, err := t.Operators()
	if err != nil {
		return err
	}
	for _, op := range ops {
		for _, k := range op.Keys {
			fn([]indexEntry{{"opkey", []byte(k.Fingerprint), []byte(op.Name)}})
		}
	}
	if err := forEach(t, "audit", func(e AuditEntry) bool {
		if e.Lineage != 0 {
			fn([]indexEntry{{"auditpass", append(u64(e.Lineage), u64(e.Seq)...), nil}})
		}
		return true
	}); err != nil {
		return err
	}
	return t.ForEachPECItem(func(it PECItem) bool {
		fn(pecIndexEntries(&it))
		if pec != nil {
			pec(&it)
		}
		return true
	})
}

// indexKeyOwned reports whether the record an index key names has that key among its
// entries.
func (t *Tx) indexKeyOwned(index string, k, v []byte) bool {
	has := func(es []indexEntry) bool {
		for _, e := range es {
			if e.index == index && bytes.Equal(e.key, k) {
				return true
			}
		}
		return false
	}
	switch index {
	case "opkey":
		op, err := t.Operator(string(v))
		if err != nil {
			return false
		}
		for _, key := range op.Keys {
			if key.Fingerprint == string(k) {
				return true
			}
		}
		return false
	case "auditpass":
		if len(k) != 16 {
			return false
		}
		e, err := get[AuditEntry](t, "audit", k[8:])
		return err == nil && e.Lineage != 0 && e.Lineage == readU64(k[:8])
	case "pcf", "pname":
		p, err := t.Person(idFromKey(k))
		return err == nil && has(t.personIndexEntries(&p))
	case "peckey", "pecstate", "peccf":
		it, err := t.PECItem(idFromKey(k))
		return err == nil && has(pecIndexEntries(&it))
	}
	p, err := t.Pass(idFromKey(k))
	return err == nil && has(passIndexEntries(&p))
}

func printable(k []byte) string {
	out := make([]byte, 0, len(k))
	for _, c := range k {
		if c < 32 || c > 126 {
			out = append(out, '.')
		} else {
			out = append(out, c)
		}
	}
	return string(out)
}

// VerifyFile opens a copy of the register read-only (a backup) and verifies it as
// Verify does: every index and the audit chain. A copy too damaged to read is an error,
// not a crash: bbolt maps the file, and a corrupt page faults (the guard turns the fault
// into an error; the copy's read transaction is then left open until the process ends).
func VerifyFile(path string) (problems []Problem, passes int, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			problems, err = nil, fmt.Errorf("la copia %s è danneggiata (%v)", path, r)
		}
	}()
	db, err := Open(path, Options{ReadOnly: true})
	if errors.Is(err, ErrOlderSchema) {
		// A backup from before an upgrade: verify a migrated temporary copy of it (what a
		// restore would open); the backup itself stays as it is.
		var tmp string
		if tmp, err = migratedCopy(path); err == nil {
			defer os.Remove(tmp)
			db, err = Open(tmp, Options{ReadOnly: true})
		}
	}
	if err != nil {
		return nil, 0, fmt.Errorf("la copia %s non è utilizzabile: %w", path, err)
	}
	err = db.View(func(tx *Tx) error {
		var err error
		if problems, err = tx.Verify(); err != nil {
			return err
		}
		passes = tx.PassCount()
		return nil
	})
	db.Close() // not deferred: after a fault the read transaction stays open and Close would wait on it
	if err != nil {
		return nil, 0, fmt.Errorf("la copia %s non è leggibile: %w", path, err)
	}
	return problems, passes, nil
}

// migratedCopy copies the register at path beside it (or in the temporary folder) and
// brings the copy to this vivipass's schema; the caller removes it.
func migratedCopy(path string) (string, error) {
	src, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer src.Close()
	dst, err := os.CreateTemp(filepath.Dir(path), ".verifica-*.db")
	if err != nil {
		if dst, err = os.CreateTemp("", "vivipass-verifica-*.db"); err != nil {
			return "", err
		}
	}
	tmp := dst.Name()
	_, err = io.Copy(dst, src)
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		var db *DB
		if db, err = Open(tmp, Options{NoSync: true}); err == nil {
			err = db.Close()
		}
	}
	if err != nil {
		os.Remove(tmp)
		return "", fmt.Errorf("aggiornamento di una copia temporanea non riuscito: %w", err)
	}
	return tmp, nil
}

// PassCount is the number of pass versions in the register.
func (t *Tx) PassCount() int { return t.bucket("passes").Stats().KeyN }
