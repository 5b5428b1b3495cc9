package service

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"vivipass/domain"
	"vivipass/keyring"
	"vivipass/printing"
	"vivipass/store"
)

// Actor is who performs a use case: an operator bound to a comune, or the system (CLI
// on the server, workers) that sees every comune.
type Actor struct {
	Operator string
	Comune   string // "" = every comune (system)
	Role     domain.Role
	Channel  domain.Channel // channel of what the actor creates (default Sportello)
}

// SystemActor is the CLI run on the server by its administrator.
func SystemActor(name string) Actor {
	if name == "" {
		name = "sistema"
	}
	return Actor{Operator: name, Role: domain.RoleAmministratore, Channel: domain.Sportello}
}

// OperatorActor is the actor of an operator's session.
func OperatorActor(op domain.Operator) Actor {
	return Actor{Operator: op.Name, Comune: op.Comune, Role: op.Role, Channel: domain.Sportello}
}

// Admin reports whether the actor may administer.
func (a Actor) Admin() bool { return a.Role == domain.RoleAmministratore }

func (a Actor) channel() domain.Channel {
	if a.Channel == "" {
		return domain.Sportello
	}
	return a.Channel
}

// Sees reports whether the actor may read and change data of comune.
func (a Actor) Sees(comune string) bool { return a.Comune == "" || a.Comune == comune }

// Errors the TUI and CLI show as they are.
var (
	ErrNotFound  = errors.New("non trovato")
	ErrForbidden = errors.New("operazione non consentita al proprio ruolo")
)

// StaleError refuses a change made on an old version (optimistic concurrency).
type StaleError struct {
	What string
	By   string
	At   time.Time
}

func (e *StaleError) Error() string {
	return fmt.Sprintf("%s è stato modificato da %s alle %s: ricaricare e ripetere l'operazione (nessuna modifica salvata)",
		e.What, e.By, e.At.In(domain.Rome).Format("15:04:05 del 02/01/2006"))
}

// Service is the process-wide set of use cases over one database.
type Service struct {
	db  *store.DB
	hub *Hub
	now func() time.Time
	// writeMu serialises writers (bbolt does too); a bulk import holds it while it
	// builds a new file, so no change made meanwhile can be lost when the file is swapped.
	writeMu sync.Mutex
	// spooler hands print jobs to CUPS (WithSpooler).
	spooler printing.Spooler
	// pec holds the mailbox connections and the running PEC worker (pec.go).
	pec pecRuntime
	// copyVerifier checks a backup copy (WithCopyVerifier; default store.VerifyFile).
	copyVerifier CopyVerifier
	// platformFor reaches the national platform of a comune (WithPlatform).
	platformFor PlatformFor
	// ring holds the keys that sign the cards (WithKeyring; beside the database);
	// keyAdopted: the register holds no seed of an older vivipass (checked once).
	ring       *keyring.Ring
	keyAdopted atomic.Bool
	// sealed: the register's audit keys are loaded and its records sealed (seal.go).
	sealed atomic.Bool
	sealMu sync.Mutex
	// tokens are the HTTP clients of the tokens seen (clients.go).
	tokens tokenCache
}

// Option configures a Service.
type Option func(*Service)

// WithClock fixes the clock (tests, demo).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New wraps an open database.
func New(db *store.DB, opts ...Option) *Service {
	s := &Service{db: db, hub: NewHub(), now: time.Now, copyVerifier: store.VerifyFile}
	for _, o := range opts {
		o(s)
	}
	db.SetFeedHook(s.feedHook) // the whitelist's changes, in each change's transaction
	return s
}

// DB is the database (for backup and the CLI's maintenance commands).
func (s *Service) DB() *store.DB { return s.db }

// Hub is where events are published after commit.
func (s *Service) Hub() *Hub { return s.hub }

// Now is the service clock.
func (s *Service) Now() time.Time { return s.now() }

// Today is the civil date in Italy.
func (s *Service) Today() domain.Date { return domain.DateOf(s.now()) }

// update runs fn in a write transaction and publishes events after commit.
func (s *Service) update(fn func(tx *store.Tx, ev *[]Event) error) error {
	if err := s.ensureSealed(true); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	var events []Event
	var last *store.Tx
	err := s.db.Update(func(tx *store.Tx) error {
		events, last = events[:0], tx
		return fn(tx, &events)
	})
	if err == nil {
		for _, e := range events {
			s.hub.Publish(e)
		}
		seen := map[string]bool{}
		for _, c := range last.Enqueued() { // jobs for the national platform: its worker sends them now
			if !seen[c] {
				seen[c] = true
				s.hub.Publish(NationalQueued{c})
			}
		}
	}
	return err
}

func (s *Service) view(fn func(tx *store.Tx) error) error { return s.db.View(fn) }

// loadPass reads a pass the actor may see.
func loadPass(tx *store.Tx, a Actor, id uint64) (domain.Pass, error) {
	p, err := tx.Pass(id)
	if err == store.ErrNotFound || (err == nil && !a.Sees(p.Comune)) {
		return p, fmt.Errorf("contrassegno %w", ErrNotFound)
	}
	return p, err
}

// loadPassForChange also checks the version the operator saw (0 = do not check: CLI).
func loadPassForChange(tx *store.Tx, a Actor, id, version uint64) (domain.Pass, error) {
	p, err := loadPass(tx, a, id)
	if err != nil {
		return p, err
	}
	if version != 0 && p.Version != version {
		return p, &StaleError{What: "il contrassegno " + p.Number, By: p.UpdatedBy, At: p.UpdatedAt}
	}
	if !p.Current() {
		return p, &domain.Error{Message: fmt.Sprintf("il contrassegno %s è %s: è storico, non si modifica", p.Number, p.State.Label())}
	}
	return p, nil
}

func loadPerson(tx *store.Tx, a Actor, id uint64) (domain.Person, error) {
	p, err := tx.Person(id)
	if err == store.ErrNotFound || (err == nil && !a.Sees(p.Comune)) {
		return p, fmt.Errorf("persona %w", ErrNotFound)
	}
	return p, err
}

// stamp sets who and when on a version about to be written.
func (s *Service) stamp(p *domain.Pass, a Actor) {
	now := s.now().UTC().Truncate(time.Second)
	if p.ID == 0 {
		p.CreatedAt, p.CreatedBy = now, a.Operator
	}
	p.UpdatedAt, p.UpdatedBy = now, a.Operator
	p.Version++
}

func (s *Service) audit(tx *store.Tx, a Actor, comune, action, subject string, lineage uint64, detail string) error {
	_, err := tx.Audit(store.AuditEntry{At: s.now(), Operator: a.Operator, Comune: comune, Channel: a.channel(),
		Action: action, Subject: subject, Lineage: lineage, Detail: detail})
	return err
}

// queueNational queues the change for the national platform when the holder consented
// (N1–N3): an issue needs a principale plate; later changes go once the pass is known
// there or already queued.
func queueNational(tx *store.Tx, p *domain.Pass, act domain.Action) error {
	if !p.National.Consent || p.National.Status == domain.NationalSkipped {
		return nil
	}
	// A card the platform never heard of and that has no plate yet is not sent; once its
	// issue is queued, every later change follows it (a death before the first send too).
	if _, ok := p.Principale(); !ok && p.National.CudeID == "" && p.National.Status == domain.NationalNone {
		return nil
	}
	kind := act
	if p.National.CudeID == "" && p.National.Status == domain.NationalNone {
		kind = domain.ActIssue // first time the platform hears of it
	} else if act == domain.ActEdit {
		return nil // notes and manual national data are not sent
	}
	// The message as of now: a later change to this version must not alter it.
	c, err := changeOf(tx, *p, string(kind))
	if err != nil {
		return err
	}
	snapshot, err := json.Marshal(c)
	if err != nil {
		return err
	}
	if _, err := tx.Enqueue(string(kind), p.ID, p.Lineage, p.Version, p.Comune, snapshot); err != nil {
		return err
	}
	p.National.Status = domain.NationalPending
	return nil
}
