package store

import (
	"encoding/json"
	"fmt"
	"time"
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
	return j, put(t, "outbox", u64(seq), j)
}

// Enqueued lists the comuni of the jobs this transaction wrote (the national worker is
// woken for them once it commits).
func (t *Tx) Enqueued() []string { return t.enqueued }

// PutJob saves a job's new state.
func (t *Tx) PutJob(j OutboxJob) error { return put(t, "outbox", u64(j.Seq), j) }

// Jobs lists the jobs in order: all, or only the open ones (pending, or rejected and
// waiting for an operator).
func (t *Tx) Jobs(openOnly bool) ([]OutboxJob, error) {
	var out []OutboxJob
	err := forEach(t, "outbox", func(j OutboxJob) bool {
		if !openOnly || j.State == JobPending || j.State == JobRejected {
			out = append(out, j)
		}
		return true
	})
	return out, err
}
