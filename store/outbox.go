package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
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
func (t *Tx) Job(seq uint64) (OutboxJob, error) { return get[OutboxJob](t, "outbox", u64(seq)) }

// Enqueue adds a job for the national platform.
func (t *Tx) Enqueue(kind string, passID, lineage, version uint64, comune string, change []byte) (OutboxJob, error) {
	seq, err := t.bucket("outbox").NextSequence()
	if err != nil {
		return OutboxJob{}, err
	}
	now := time.Now().UTC()
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

// PutJob saves a job's new state, and keeps it in the index of open jobs or out of it.
func (t *Tx) PutJob(j OutboxJob) error {
	if err := put(t, "outbox", u64(j.Seq), j); err != nil {
		return err
	}
	if j.Open() {
		return t.index("jobopen").Put(u64(j.Seq), nil)
	}
	return t.index("jobopen").Delete(u64(j.Seq))
}

// Jobs lists the jobs in order: all, or only the open ones. The open ones come from
// their index: the drain after every change reads only those, not years of done jobs.
func (t *Tx) Jobs(openOnly bool) ([]OutboxJob, error) {
	var out []OutboxJob
	if !openOnly {
		err := forEach(t, "outbox", func(j OutboxJob) bool { out = append(out, j); return true })
		return out, err
	}
	c := t.index("jobopen").Cursor()
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		j, err := get[OutboxJob](t, "outbox", k)
		if err != nil {
			return nil, fmt.Errorf("indice degli invii aperti: invio %d: %w", readU64(k), err)
		}
		out = append(out, j)
	}
	return out, nil
}

// JobsNewestFirst calls fn on the jobs from the newest back, until it returns false:
// the queue page shows the latest closed jobs without reading years of them.
func (t *Tx) JobsNewestFirst(fn func(OutboxJob) bool) error {
	c := t.bucket("outbox").Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var j OutboxJob
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("invio %d illeggibile: %w", readU64(k), err)
		}
		if !fn(j) {
			return nil
		}
	}
	return nil
}

// indexOpenJobs is migration 6: the index of the open jobs, filled from the outbox.
func indexOpenJobs(tx *bolt.Tx) error {
	idx, err := tx.Bucket(bIdx).CreateBucketIfNotExists([]byte("jobopen"))
	if err != nil {
		return err
	}
	return tx.Bucket([]byte("outbox")).ForEach(func(k, v []byte) error {
		var j OutboxJob
		if err := json.Unmarshal(v, &j); err != nil {
			return fmt.Errorf("invio %d illeggibile: %w", readU64(k), err)
		}
		if j.Open() {
			return idx.Put(k, nil)
		}
		return nil
	})
}
