package store

import (
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

// PutUndo records the undo of a change, replacing the lineage's previous one, and
// drops the entries older than keep: the bucket holds the last minutes only.
func (t *Tx) PutUndo(e UndoEntry, keep time.Duration) error {
	b := t.bucket("undo")
	cutoff := e.At.Add(-keep)
	c := b.Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var old UndoEntry
		if err := json.Unmarshal(v, &old); err != nil || old.At.Before(cutoff) || old.Lineage == e.Lineage {
			if err := c.Delete(); err != nil {
				return err
			}
		}
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	e.Seq = seq
	return put(t, "undo", u64(seq), e)
}

// Undo reads the lineage's undo entry (ErrNotFound: none left).
func (t *Tx) Undo(lineage uint64) (UndoEntry, error) {
	c := t.bucket("undo").Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var e UndoEntry
		if err := json.Unmarshal(v, &e); err != nil {
			return e, fmt.Errorf("annullamento %d illeggibile: %w", readU64(k), err)
		}
		if e.Lineage == lineage {
			return e, nil
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
