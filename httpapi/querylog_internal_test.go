package httpapi

import (
	"testing"

	"vivipass/service"
)

// TestQueryLogDrain (issue 13, speed): when a batch is full, what queued meanwhile
// goes in the same transaction (up to maxBatch), so under load the writer keeps up
// with fewer, larger commits instead of holding the requests; a closed queue is said.
func TestQueryLogDrain(t *testing.T) {
	q := &queryLog{in: make(chan service.QueryEntry, maxBatch)}
	for i := 0; i < maxBatch; i++ {
		q.in <- service.QueryEntry{Client: "varco"}
	}
	batch, closed := q.drain(make([]service.QueryEntry, flushBatch))
	if closed || len(batch) != maxBatch || len(q.in) != flushBatch {
		t.Errorf("drain: %d entries (closed %v), %d left queued; want %d, %d left", len(batch), closed, len(q.in), maxBatch, flushBatch)
	}
	close(q.in)
	batch, closed = q.drain(batch[:0])
	if !closed || len(batch) != flushBatch {
		t.Errorf("drain of a closed queue: %d entries, closed %v; want the %d queued, closed", len(batch), closed, flushBatch)
	}
}
