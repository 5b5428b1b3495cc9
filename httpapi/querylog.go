package httpapi

import (
	"log/slog"
	"sync"
	"time"

	"vivipass/service"
)

// queryLog writes the queries to the register in batches (one transaction a second,
// not one per request), and prunes what is older than the days kept: at start and
// every hour. Plates are personal data: they go to the register only, never to slog.
type queryLog struct {
	svc    *service.Service
	days   int
	log    *slog.Logger
	in     chan service.QueryEntry
	done   chan struct{}
	mu     sync.RWMutex // held to send; closing takes it whole
	closed bool
}

const (
	flushEvery = time.Second
	flushBatch = 1024
	maxBatch   = 16 * flushBatch // one transaction at most, when the queue is long
	pruneEvery = time.Hour
)

func startQueryLog(svc *service.Service, days int, log *slog.Logger) (*queryLog, error) {
	q := &queryLog{svc: svc, days: days, log: log, in: make(chan service.QueryEntry, maxBatch), done: make(chan struct{})}
	if err := q.prune(); err != nil {
		return nil, err
	}
	go q.run()
	return q, nil
}

// add queues an entry; when the queue is full the request waits for the writer:
// every query is logged.
// A request still running after Shutdown gave up waiting is logged with slog only.
func (q *queryLog) add(e service.QueryEntry) {
	q.mu.RLock()
	defer q.mu.RUnlock()
	if q.closed {
		q.log.Warn("http: interrogazione dopo la chiusura, non registrata", "cliente", e.Client, "richiesta", e.Endpoint)
		return
	}
	q.in <- e
}

func (q *queryLog) run() {
	defer close(q.done)
	tick := time.NewTicker(flushEvery)
	defer tick.Stop()
	lastPrune := time.Now()
	var batch []service.QueryEntry
	flush := func() {
		if err := q.svc.LogQueries(batch); err != nil {
			q.log.Error("http: registro delle interrogazioni non scritto", "voci", len(batch), "errore", err.Error())
		}
		batch = batch[:0]
	}
	for {
		select {
		case e, ok := <-q.in:
			if !ok {
				flush()
				return
			}
			if batch = append(batch, e); len(batch) >= flushBatch {
				// What came while the last batch was written goes in the same
				// transaction: under load the writer keeps up by writing more at once,
				// not by making the requests wait for each commit.
				var closed bool
				batch, closed = q.drain(batch)
				flush()
				if closed {
					return
				}
			}
		case <-tick.C:
			flush()
			if time.Since(lastPrune) >= pruneEvery {
				lastPrune = time.Now()
				if err := q.prune(); err != nil {
					q.log.Error("http: pulizia del registro delle interrogazioni non riuscita", "errore", err.Error())
				}
			}
		}
	}
}

// drain adds to batch what is queued now, up to maxBatch; closed when the queue was
// closed meanwhile.
func (q *queryLog) drain(batch []service.QueryEntry) ([]service.QueryEntry, bool) {
	for len(batch) < maxBatch {
		select {
		case e, ok := <-q.in:
			if !ok {
				return batch, true
			}
			batch = append(batch, e)
		default:
			return batch, false
		}
	}
	return batch, false
}

func (q *queryLog) prune() error {
	n, err := q.svc.PruneQueryLog(q.days)
	if err == nil && n > 0 {
		q.log.Info("http: interrogazioni più vecchie del periodo di conservazione eliminate", "voci", n, "giorni", q.days)
	}
	return err
}

// close writes what is queued and stops the writer (after the HTTP server stopped).
func (q *queryLog) close() {
	q.mu.Lock()
	if !q.closed {
		q.closed = true
		close(q.in)
	}
	q.mu.Unlock()
	<-q.done
}
