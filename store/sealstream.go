package store

import (
	"encoding/binary"
	"fmt"
)

// sealList is the side list of a bulk load's records (packRefs' compact form, the
// bytes the import's audit entry will hold), built as the records are written: about
// 18 bytes a record where a recordRef takes 32, and moved to the spill file with each
// run (issue 14.3: a region import held 25 MB of them at 480,000 passes). Its bytes
// are exactly packRefs' of the same records, so the seal verifies as before.
type sealList struct {
	buf  []byte // the bytes not moved to the file yet
	n    int
	prev [2]uint64 // the previous id of each kind: passes, people
	s    *Spill
	segs []spillRun // where the moved bytes are in s's file, in order
	size int        // the list's bytes, moved or not
}

// add appends r; false (and nothing added) when the compact form cannot hold it.
func (l *sealList) add(r recordRef) bool {
	k := uint64(0)
	switch r.kind {
	case sealPass:
	case sealPerson:
		k = 1
	default:
		return false
	}
	d := int64(r.id - l.prev[k])
	zz := uint64(d<<1 ^ d>>63)
	if zz>>63 != 0 {
		return false
	}
	n := len(l.buf)
	if l.n == 0 {
		l.buf = append(l.buf, magicSideList)
	}
	l.prev[k] = r.id
	l.buf = binary.AppendUvarint(l.buf, zz<<1|k)
	l.buf = append(l.buf, r.hash[:]...)
	l.size += len(l.buf) - n
	l.n++
	return true
}

// moveTo appends the bytes still held to the spill's file.
func (l *sealList) moveTo(s *Spill) error {
	if len(l.buf) == 0 {
		return nil
	}
	start := s.size
	n, err := s.w.Write(l.buf)
	s.size += int64(n)
	if err != nil {
		return fmt.Errorf("scrittura del file temporaneo dell'import non riuscita: %w", err)
	}
	l.s = s
	l.segs = append(l.segs, spillRun{start, int64(n)})
	l.buf = l.buf[:0]
	return nil
}

// take is the whole list's bytes, and empties it (Spill.Add flushed what it moved).
func (l *sealList) take() ([]byte, error) {
	out := make([]byte, 0, l.size)
	for _, sg := range l.segs {
		at := len(out)
		out = out[:at+int(sg.n)]
		if _, err := l.s.f.ReadAt(out[at:], sg.off); err != nil {
			return nil, fmt.Errorf("lettura del file temporaneo dell'import non riuscita: %w", err)
		}
	}
	out = append(out, l.buf...)
	*l = sealList{}
	return out, nil
}

// noteBulk notes a record a bulk load wrote: in the list, or after it once the list
// could not hold one (their order is the order of the writes).
func (b *Bulk) noteBulk(r recordRef) {
	if len(b.records) == 0 && b.seal.add(r) {
		return
	}
	b.records = append(b.records, r)
}

// takeRecords is every record b noted, in order, and forgets them.
func (b *Bulk) takeRecords() ([]recordRef, error) {
	var refs []recordRef
	if n := b.seal.n; n > 0 {
		side, err := b.seal.take()
		if err != nil {
			return nil, err
		}
		refs = make([]recordRef, 0, n+len(b.records))
		if !unpackRefs(side, func(r recordRef) { refs = append(refs, r) }) {
			return nil, fmt.Errorf("elenco dei record dell'import illeggibile")
		}
	}
	refs = append(refs, b.records...)
	b.records = nil
	return refs, nil
}
