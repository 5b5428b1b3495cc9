package service

import "sync"

// Event is a small notice published after a commit: ids, not data.
type Event interface{ Comune() string }

// PassChanged: a pass (lineage) was created or changed in comune.
type PassChanged struct {
	PassID   uint64
	InComune string
}

func (e PassChanged) Comune() string { return e.InComune }

// PersonChanged: a person was created or changed.
type PersonChanged struct {
	PersonID uint64
	InComune string
}

func (e PersonChanged) Comune() string { return e.InComune }

// AdminChanged: operators, settings or bacheca changed ("" = every comune).
type AdminChanged struct{ InComune string }

func (e AdminChanged) Comune() string { return e.InComune }

// OperatorChanged: an operator was registered, changed (role, keys, preferences) or
// removed. The operator's own sessions follow at once: closed when the operator or the
// session's key is gone, with the new role otherwise (tui.Model).
type OperatorChanged struct {
	Name     string
	InComune string
}

func (e OperatorChanged) Comune() string { return e.InComune }

// InboxChanged: the PEC inbox of comune changed (messages stored, a request's state or
// links changed).
type InboxChanged struct{ InComune string }

func (e InboxChanged) Comune() string { return e.InComune }

// Hub fans events out to subscribers. Each subscriber has a small buffer that drops
// its oldest notice when full: a slow or frozen session misses old notices but never
// blocks a writer, and always gets the latest ones. The buffer holds more than one
// use case publishes at once (IssuePass: PassChanged then PersonChanged; TransferPass:
// three): with a single slot the PersonChanged replaced the PassChanged before any
// session could read it, and pass lists never reloaded.
type Hub struct {
	mu   sync.Mutex
	subs map[int]*subscriber
	next int
}

type subscriber struct {
	comune string
	ch     chan Event
}

// subscriberBuffer is the notices a subscriber may fall behind before the oldest go.
const subscriberBuffer = 16

// NewHub makes an empty hub.
func NewHub() *Hub { return &Hub{subs: map[int]*subscriber{}} }

// Subscribe returns a channel of events of comune ("" = all) and a cancel function.
func (h *Hub) Subscribe(comune string) (<-chan Event, func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	id := h.next
	h.next++
	s := &subscriber{comune: comune, ch: make(chan Event, subscriberBuffer)}
	h.subs[id] = s
	return s.ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		if _, ok := h.subs[id]; ok {
			delete(h.subs, id)
			close(s.ch) // ends the session's waiting read; Publish holds the lock, so never sends on it
		}
	}
}

// Publish delivers e to every interested subscriber without blocking.
func (h *Hub) Publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.subs {
		if s.comune != "" && e.Comune() != "" && s.comune != e.Comune() {
			continue
		}
		select {
		case s.ch <- e:
		default: // full: drop the older notice, keep the newest
			select {
			case <-s.ch:
			default:
			}
			select {
			case s.ch <- e:
			default:
			}
		}
	}
}
