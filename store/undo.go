package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
)

// UndoEntry is what undoing the last change of a pass lineage needs, kept for a short
// time (issue 11.4): the version as it was before the change, and what the change
// wrote. Undo writes a new version from it; nothing is erased.
type UndoEntry struct {
	Seq      uint64    `json:"seq"`
	Lineage  uint64    `json:"lineage"`
	Operator string    `json:"operator"`
	At       time.Time `json:"at"`
	Action   string    `json:"action"` // domain.Action of the change
	// Before is the version the change started from, as it was.
	Before domain.Pass `json:"before"`
	// After is the version the change left current: its ID, and a digest of what an
	// operator may change on it (the platform's answers do not count): undo applies
	// only while nothing changed it since. Created: the change made it (a renewal, a
	// duplicate, a transfer); otherwise it is Before's own record, changed in place.
	AfterID     uint64 `json:"after_id"`
	AfterDigest string `json:"after_digest"`
	Created     bool   `json:"created,omitempty"`
	// Jobs are the national platform's jobs the change queued.
	Jobs []uint64 `json:"jobs,omitempty"`
}

// An undo value is a 16-byte head, the lineage and the time in Unix nanoseconds, then
// the entry's JSON: PutUndo and Undo read only the heads, so a burst of changes (every
// entry of the last quarter of an hour scanned at each) stays cheap. Values written
// before the head (JSON alone) are still read.
const undoHead = 16

func undoValue(e UndoEntry) ([]byte, error) {
	raw, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	v := make([]byte, undoHead, undoHead+len(raw))
	binary.BigEndian.PutUint64(v, e.Lineage)
	binary.BigEndian.PutUint64(v[8:], uint64(e.At.UnixNano()))
	return append(v, raw...), nil
}

// undoHeadOf is a value's lineage and time (a value without head is decoded whole).
func undoHeadOf(v []byte) (lineage uint64, at time.Time, ok bool) {
	if len(v) > 0 && v[0] == '{' {
		var e UndoEntry
		if json.Unmarshal(v, &e) != nil {
			return 0, time.Time{}, false
		}
		return e.Lineage, e.At, true
	}
	if len(v) < undoHead {
		return 0, time.Time{}, false
	}
	return binary.BigEndian.Uint64(v), time.Unix(0, int64(binary.BigEndian.Uint64(v[8:]))), true
}

func decodeUndo(k, v []byte) (UndoEntry, error) {
	var e UndoEntry
	if len(v) > 0 && v[0] != '{' && len(v) >= undoHead {
		v = v[undoHead:]
	}
	if err := json.Unmarshal(v, &e); err != nil {
		return e, fmt.Errorf("annullamento %d illeggibile: %w", readU64(k), err)
	}
	return e, nil
}

// PutUndo records the undo of a change, replacing the lineage's previous one, and
// drops the entries older than keep: the bucket holds the last minutes only.
func (t *Tx) PutUndo(e UndoEntry, keep time.Duration) error {
	b := t.bucket("undo")
	cutoff := e.At.Add(-keep)
	var drop [][]byte
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		lineage, at, ok := undoHeadOf(v)
		if !ok || at.Before(cutoff) || lineage == e.Lineage {
			drop = append(drop, append([]byte(nil), k...))
		}
	}
	for _, k := range drop {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	v, err := undoValue(e)
	if err != nil {
		return err
	}
	return b.Put(u64(seq), v)
}

// Undo reads the lineage's undo entry (ErrNotFound: none left).
func (t *Tx) Undo(lineage uint64) (UndoEntry, error) {
	c := t.bucket("undo").Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		if l, _, ok := undoHeadOf(v); ok && l == lineage {
			return decodeUndo(k, v)
		}
	}
	return UndoEntry{}, ErrNotFound
}

// DeleteUndo forgets an entry (it was used).
func (t *Tx) DeleteUndo(seq uint64) error { return t.bucket("undo").Delete(u64(seq)) }

// WrittenJobs are the outbox jobs this transaction wrote.
func (t *Tx) WrittenJobs() []uint64 {
	var out []uint64
	for seq := range t.jobs {
		out = append(out, seq)
	}
	return out
}

// createUndo is migration 8: the bucket of the changes that may still be undone.
func createUndo(tx *bolt.Tx) error { return createBuckets(tx, "undo") }
