package worker

import (
	"context"
	"sync"
)

// Mailbox keeps one logged-in session across syncs (the worker owns the connection)
// and opens a new one when the settings changed, the connection died, or the last
// sync failed. Safe for concurrent use: syncs run one at a time.
type Mailbox struct {
	// Config reads the current settings, the password included, at each sync.
	Config func() (Config, error)

	mu   sync.Mutex
	sess *Session
}

// Sync runs one sync, connecting first if needed.
func (m *Mailbox) Sync(ctx context.Context, sink Sink, progress Progress) (Stats, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	cfg, err := m.Config()
	if err != nil {
		m.drop()
		return Stats{}, err
	}
	if err := cfg.Validate(); err != nil {
		m.drop()
		return Stats{}, err
	}
	if m.sess != nil && !sameServer(m.sess.cfg, cfg) {
		m.sess.Close()
		m.sess = nil
	}
	if m.sess != nil && !m.sess.Alive(ctx) {
		m.drop()
	}
	if m.sess == nil {
		if m.sess, err = Dial(ctx, cfg); err != nil {
			return Stats{}, err
		}
	}
	if m.sess.cfg.Mark != cfg.Mark || m.sess.cfg.ArchiveFolder != cfg.ArchiveFolder {
		m.sess.archiveReady = false
	}
	m.sess.cfg = cfg
	st, err := m.sess.Sync(ctx, sink, progress)
	if err != nil {
		m.drop() // half way through a command: never reuse it
	}
	return st, err
}

// Close logs out.
func (m *Mailbox) Close() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.sess != nil {
		m.sess.Close()
		m.sess = nil
	}
}

func (m *Mailbox) drop() {
	if m.sess != nil {
		m.sess.c.Close()
		m.sess = nil
	}
}

func sameServer(a, b Config) bool {
	return a.Host == b.Host && a.Port == b.Port && a.User == b.User && a.Password == b.Password &&
		a.Security == b.Security && a.RootCAs.Equal(b.RootCAs)
}
