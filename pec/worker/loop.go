package worker

import (
	"context"
	"errors"
	"time"
)

// Defaults of Loop.
const (
	DefaultInterval   = 5 * time.Minute
	DefaultMinBackoff = 5 * time.Second
	DefaultMaxBackoff = 5 * time.Minute
)

// ErrLoopStopped is returned by Now when the loop is not running (any more).
var ErrLoopStopped = errors.New("lettura della casella PEC non attiva")

// Loop runs Sync on a timer and on demand, one at a time, with backoff after failures.
type Loop struct {
	// Sync is one attempt; its error decides the next wait.
	Sync func(ctx context.Context) error
	// Interval is the wait after a success (default 5 minutes).
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait after failures: MinBackoff after the
	// first, doubling up to MaxBackoff (defaults 5 s and 5 minutes).
	MinBackoff, MaxBackoff time.Duration
	// OnResult, if set, is told the outcome of each attempt and the wait before the
	// next (for the log and the status line).
	OnResult func(err error, next time.Duration)

	kick    chan chan error
	started chan struct{}
	done    chan struct{}
}

// NewLoop makes a loop around sync.
func NewLoop(sync func(ctx context.Context) error) *Loop {
	return &Loop{Sync: sync, kick: make(chan chan error), started: make(chan struct{}), done: make(chan struct{})}
}

// Run syncs at once, then after each Interval (or backoff), and whenever Now asks,
// until ctx ends. A loop runs once.
func (l *Loop) Run(ctx context.Context) {
	interval, minB, maxB := l.Interval, l.MinBackoff, l.MaxBackoff
	if interval <= 0 {
		interval = DefaultInterval
	}
	if minB <= 0 {
		minB = DefaultMinBackoff
	}
	if maxB < minB {
		maxB = max(DefaultMaxBackoff, minB)
	}
	close(l.started)
	defer close(l.done)
	failures := 0
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		var reply chan error
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		case reply = <-l.kick:
			if !timer.Stop() {
				select {
				case <-timer.C:
				default:
				}
			}
		}
		err := l.Sync(ctx)
		if ctx.Err() != nil {
			if reply != nil {
				reply <- ctx.Err()
			}
			return
		}
		next := interval
		if err != nil {
			next = backoff(failures, minB, maxB)
			failures++
		} else {
			failures = 0
		}
		if l.OnResult != nil {
			l.OnResult(err, next)
		}
		if reply != nil {
			reply <- err
		}
		timer.Reset(next)
	}
}

// Now asks the running loop for a sync at once and waits for its outcome.
func (l *Loop) Now(ctx context.Context) error {
	select {
	case <-l.started:
	default:
		return ErrLoopStopped
	}
	reply := make(chan error, 1)
	select {
	case l.kick <- reply:
	case <-l.done:
		return ErrLoopStopped
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-l.done:
		return ErrLoopStopped
	case <-ctx.Done():
		return ctx.Err()
	}
}

// backoff is the wait after the (n+1)-th failure in a row.
func backoff(n int, minB, maxB time.Duration) time.Duration {
	d := minB
	for i := 0; i < n && d < maxB; i++ {
		d *= 2
	}
	return min(d, maxB)
}
