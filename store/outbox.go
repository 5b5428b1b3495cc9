package store

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// JobState is where an outbox job stands.
type JobState string

const (
	JobPending  JobState = "in_coda"
	JobDone     JobState = "completato"
	JobRejected JobState = "rifiutato"   // the platform refused it: an operator must act, then retry
	JobManual   JobState = "a_mano"      // done by hand on the portal (manual mode)
	JobSkipped  JobState = "non_inviare" // the pass is marked "non inviare"
)

// Label is the state as operators read it ("in coda", not "in_coda").
func (s JobState) Label() string {
	switch s {
	case JobPending:
		return "in coda"
	case JobManual:
		return "a mano"
	case JobSkipped:
		return "non inviare"
	}
	return string(s)
}

// OutboxJob is one message for the national platform (N1–N3), written in the same
// transaction as the change it reports, so no change is lost across a crash; the
// national worker drains it. Key is the idempotency key the platform sees (lineage and
// pass version), so a job retried after a lost answer is not applied twice.
type OutboxJob struct {
	Seq       uint64    `json:"seq"`
	Key       string    `json:"key"`
	Kind      string    `json:"kind"` // domain.Action: rilascio, rinnovo, targhe, sospensione, revoca, decesso…
	PassID    uint64    `json:"pass_id"`
	Lineage   uint64    `json:"lineage"`
	Comune    string    `json:"comune"`
	Created   time.Time `json:"created"`
	State     JobState  `json:"state"`
	Attempts  int       `json:"attempts"`
	LastError string    `json:"last_error,omitempty"`
	NextTry   time.Time `json:"next_try"`
	Done      time.Time `json:"done,omitzero"`
	// Change is the message as it was when the change was made (national.Change, JSON);
	// jobs written before schema 5 have none and are built from the pass when sent.
	Change json.RawMessage `json:"change,omitempty"`
}

// Job reads one job.
func (t *Tx) Job(seq uint64) (OutboxJob, error) {
	var j OutboxJob
	raw := t.bucket("outbox").Get(u64(seq))
	if raw == nil {
		return j, ErrNotFound
	}
	if err := decodeJob(raw, &j, true); err != nil {
		return j, recordError("outbox", u64(seq), err)
	}
	return j, nil
}

// Enqueue adds a job for the national platform.
func (t *Tx) Enqueue(kind string, passID, lineage, version uint64, comune string, change []byte) (OutboxJob, error) {
	seq, err := t.bucket("outbox").NextSequence()
	if err != nil {
		return OutboxJob{}, err
	}
	now := time.Now().UTC().Truncate(time.Second) // shown, never compared: seconds do (#14.1)
	j := OutboxJob{Seq: seq, Key: fmt.Sprintf("%d-%d-%s", lineage, version, kind), Kind: kind,
		PassID: passID, Lineage: lineage, Comune: comune, Created: now, State: JobPending, Change: change} // NextTry zero: at once
	t.enqueued = append(t.enqueued, comune)
	return j, t.PutJob(j)
}

// Enqueued lists the comuni of the jobs this transaction wrote (the national worker is
// woken for them once it commits).
func (t *Tx) Enqueued() []string { return t.enqueued }

// Open reports whether the job still waits: pending, or rejected and waiting for an
// operator.
func (j OutboxJob) Open() bool { return j.State == JobPending || j.State == JobRejected }

// PutJob saves a job's new state; the set of open jobs follows at commit.
func (t *Tx) PutJob(j OutboxJob) error {
	raw, err := encodeJob(&j)
	if err != nil {
		return err
	}
	if err := t.bucket("outbox").Put(u64(j.Seq), raw); err != nil {
		return err
	}
	if t.jobs == nil {
		t.jobs = map[uint64]bool{}
	}
	t.jobs[j.Seq] = j.Open()
	return nil
}

// Jobs lists the jobs in order: all, or only the open ones. The open ones come from
// the set kept in memory (openJobs): the drain after every change reads only those,
// not years of done jobs.
func (t *Tx) Jobs(openOnly bool) ([]OutboxJob, error) {
	var out []OutboxJob
	if !openOnly {
		c := t.bucket("outbox").Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var j OutboxJob
			if err := decodeJob(v, &j, true); err != nil {
				return nil, recordError("outbox", k, err)
			}
			out = append(out, j)
		}
		return out, nil
	}
	seqs, err := t.db.open.seqs(t.db)
	if err != nil {
		return nil, err
	}
	for seq, open := range t.jobs { // this transaction's own writes, not yet committed
		if open {
			seqs = append(seqs, seq)
		}
	}
	slices.Sort(seqs)
	seqs = slices.Compact(seqs)
	for _, seq := range seqs {
		v := t.bucket("outbox").Get(u64(seq))
		if v == nil {
			continue // written by a commit after this transaction began
		}
		var j OutboxJob
		if err := decodeJob(v, &j, true); err != nil {
			return nil, fmt.Errorf("invio %d illeggibile: %w", seq, err)
		}
		if j.Open() { // closed by this transaction, or by a commit the set saw first
			out = append(out, j)
		}
	}
	return out, nil
}

// openJobs is the set of the outbox jobs still open, kept in memory rather than as an
// index in the file: a save with the consent then writes no index page for its job
// (the index made it 15–27 % slower than a save without). It is built by one scan of
// the outbox when first asked for, then every commit applies its jobs to it.
type openJobs struct {
	mu     sync.Mutex
	loaded bool
	set    map[uint64]struct{}
}

// seqs returns the open jobs, scanning the outbox the first time. The scan runs in a
// transaction of its own under the lock, and commits apply under the same lock, so
// no commit falls between the scan and the set.
func (o *openJobs) seqs(db *DB) ([]uint64, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.loaded {
		set := map[uint64]struct{}{}
		if err := db.bolt.View(func(tx *bolt.Tx) error {
			return tx.Bucket([]byte("outbox")).ForEach(func(k, v []byte) error {
				open, err := jobOpen(v)
				if err != nil {
					return fmt.Errorf("invio %d illeggibile: %w", readU64(k), err)
				}
				if open {
					set[readU64(k)] = struct{}{}
				}
				return nil
			})
		}); err != nil {
			return nil, err
		}
		o.set, o.loaded = set, true
	}
	out := make([]uint64, 0, len(o.set))
	for seq := range o.set {
		out = append(out, seq)
	}
	return out, nil
}

// jobOpen reads only a stored job's state: a compact job without its message; in a
// JSON one (earlier versions), encoding/json writes the fields in order and "state"
// comes before the message, and a quote inside a string is escaped, so the first
// `"state":"` is the job's own; anything else is decoded in full.
func jobOpen(v []byte) (bool, error) {
	if len(v) > 0 && v[0] != '{' {
		var j OutboxJob
		err := decodeJob(v, &j, false)
		return j.Open(), err
	}
	const field = `"state":"`
	if i := bytes.Index(v, []byte(field)); i >= 0 {
		rest := v[i+len(field):]
		if end := bytes.IndexByte(rest, '"'); end >= 0 {
			return OutboxJob{State: JobState(rest[:end])}.Open(), nil
		}
	}
	var j OutboxJob
	if err := json.Unmarshal(v, &j); err != nil {
		return false, err
	}
	return j.Open(), nil
}

// apply records a committed transaction's jobs (nothing until the set is built).
func (o *openJobs) apply(jobs map[uint64]bool) {
	if len(jobs) == 0 {
		return
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !o.loaded {
		return
	}
	for seq, open := range jobs {
		if open {
			o.set[seq] = struct{}{}
		} else {
			delete(o.set, seq)
		}
	}
}

// reset forgets the set: the file under it was replaced.
func (o *openJobs) reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.loaded, o.set = false, nil
}

// JobsNewestFirst calls fn on the jobs from the newest back, until it returns false:
// the queue page shows the latest closed jobs without reading years of them.
func (t *Tx) JobsNewestFirst(fn func(OutboxJob) bool) error {
	c := t.bucket("outbox").Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var j OutboxJob
		if err := decodeJob(v, &j, true); err != nil {
			return fmt.Errorf("invio %d illeggibile: %w", readU64(k), err)
		}
		if !fn(j) {
			return nil
		}
	}
	return nil
}

// indexOpenJobs is migration 6: the index of the open jobs, filled from the outbox
// (dropped by migration 7 for the set in memory).
func indexOpenJobs(tx *bolt.Tx) error {
	idx, err := tx.Bucket(bIdx).CreateBucketIfNotExists([]byte("jobopen"))
	if err != nil {
		return err
	}
	return tx.Bucket([]byte("outbox")).ForEach(func(k, v []byte) error {
		var j OutboxJob
		if err := decodeJob(v, &j, false); err != nil {
			return fmt.Errorf("invio %d illeggibile: %w", readU64(k), err)
		}
		if j.Open() {
			return idx.Put(k, nil)
		}
		return nil
	})
}

// dropOpenJobsIndex is migration 7: the open jobs are a set in memory (openJobs).
func dropOpenJobsIndex(tx *bolt.Tx) error {
	if err := tx.Bucket(bIdx).DeleteBucket([]byte("jobopen")); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
		return err
	}
	return nil
}
