package worker

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"slices"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Session is one logged-in IMAP connection. It is not safe for concurrent use: one
// sync at a time (Loop and the service see to it).
type Session struct {
	c            *imapclient.Client
	cfg          Config
	archiveReady bool // the archive folder exists (move mode)
}

// Dial connects and logs in. Every error has the password blanked out.
func Dial(ctx context.Context, cfg Config) (*Session, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	s, err := dial(ctx, cfg)
	return s, redact(err, cfg.Password)
}

func dial(ctx context.Context, cfg Config) (*Session, error) {
	dctx, cancel := context.WithTimeout(ctx, cfg.DialTimeout)
	defer cancel()
	nd := &net.Dialer{Timeout: cfg.DialTimeout}
	opts := &imapclient.Options{TLSConfig: cfg.tlsConfig()}
	addr := cfg.Addr()
	var c *imapclient.Client
	switch cfg.Security {
	case SecurityTLS:
		tc := cfg.tlsConfig()
		tc.NextProtos = []string{"imap"}
		conn, err := (&tls.Dialer{NetDialer: nd, Config: tc}).DialContext(dctx, "tcp", addr)
		if err != nil {
			return nil, connErr(addr, err)
		}
		c = imapclient.New(conn, opts)
	case SecurityStartTLS:
		conn, err := nd.DialContext(dctx, "tcp", addr)
		if err != nil {
			return nil, connErr(addr, err)
		}
		// NewStartTLS blocks on the server: bound it like the dial.
		conn.SetDeadline(time.Now().Add(cfg.DialTimeout))
		stop := context.AfterFunc(dctx, func() { conn.Close() })
		c, err = imapclient.NewStartTLS(conn, opts)
		stop()
		if err != nil {
			return nil, fmt.Errorf("STARTTLS con %s non riuscito: %w", addr, err)
		}
		conn.SetDeadline(time.Time{})
	case SecurityPlain:
		conn, err := nd.DialContext(dctx, "tcp", addr)
		if err != nil {
			return nil, connErr(addr, err)
		}
		c = imapclient.New(conn, opts)
	default:
		return nil, fmt.Errorf("sicurezza %q non valida", cfg.Security)
	}
	s := &Session{c: c, cfg: cfg}
	err := s.guard(dctx, func() error {
		if err := c.WaitGreeting(); err != nil {
			return fmt.Errorf("il server %s non risponde come un server IMAP: %w", addr, err)
		}
		if err := c.Login(cfg.User, cfg.Password.reveal()).Wait(); err != nil {
			return fmt.Errorf("accesso alla casella %s su %s rifiutato: %w", cfg.User, addr, err)
		}
		return nil
	})
	if err != nil {
		c.Close()
		return nil, err
	}
	return s, nil
}

func connErr(addr string, err error) error {
	return fmt.Errorf("connessione a %s non riuscita: %w", addr, err)
}

// guard runs fn, closing the connection if ctx ends first (IMAP commands do not take
// a context: closing the connection is what stops them).
func (s *Session) guard(ctx context.Context, fn func() error) error {
	stop := context.AfterFunc(ctx, func() { s.c.Close() })
	err := fn()
	if !stop() && ctx.Err() != nil {
		return fmt.Errorf("%w (%v)", ctx.Err(), err)
	}
	return err
}

// Config is the configuration the session was opened with.
func (s *Session) Config() Config { return s.cfg }

// Alive checks the connection with a NOOP.
func (s *Session) Alive(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return s.guard(ctx, func() error { return s.c.Noop().Wait() }) == nil
}

// Close logs out (briefly) and closes the connection.
func (s *Session) Close() error {
	done := make(chan struct{})
	go func() {
		s.c.Logout().Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
	}
	return s.c.Close()
}

// Raw gives the underlying client (tests seed and inspect mailboxes with it).
func (s *Session) Raw() *imapclient.Client { return s.c }

// uidSize is one message of a listing.
type uidSize struct {
	uid  imap.UID
	size int64
}

// list returns UID and size of the messages with UID > last, in UID order.
func (s *Session) list(last imap.UID) ([]uidSize, error) {
	var set imap.UIDSet
	set.AddRange(last+1, 0) // last+1:*
	cmd := s.c.Fetch(set, &imap.FetchOptions{UID: true, RFC822Size: true})
	var out []uidSize
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		var it uidSize
		for item := m.Next(); item != nil; item = m.Next() {
			switch d := item.(type) {
			case imapclient.FetchItemDataUID:
				it.uid = d.UID
			case imapclient.FetchItemDataRFC822Size:
				it.size = d.Size
			}
		}
		// "n:*" always matches the highest UID, even when it is below n.
		if it.uid > last {
			out = append(out, it)
		}
	}
	if err := cmd.Close(); err != nil {
		return nil, fmt.Errorf("elenco dei messaggi non riuscito: %w", err)
	}
	slices.SortFunc(out, func(a, b uidSize) int { return int(a.uid) - int(b.uid) })
	return out, nil
}

// mark marks stored messages on the server: a keyword, or a move to the archive
// folder. Never \Deleted, never EXPUNGE (see canMove).
func (s *Session) mark(uids []imap.UID) error {
	if len(uids) == 0 {
		return nil
	}
	set := imap.UIDSetNum(uids...)
	switch s.cfg.Mark {
	case MarkMove:
		if _, err := s.c.Move(set, s.cfg.ArchiveFolder).Wait(); err != nil {
			return fmt.Errorf("spostamento in %s non riuscito: %w", s.cfg.ArchiveFolder, err)
		}
	default:
		err := s.c.Store(set, &imap.StoreFlags{Op: imap.StoreFlagsAdd, Silent: true,
			Flags: []imap.Flag{imap.Flag(s.cfg.Keyword)}}, nil).Close()
		if err != nil {
			return fmt.Errorf("marcatura con %s non riuscita: %w", s.cfg.Keyword, err)
		}
	}
	return nil
}

// prepare checks, before anything is fetched, that stored messages can be marked.
func (s *Session) prepare(sel *imap.SelectData) error {
	switch s.cfg.Mark {
	case MarkMove:
		caps := s.c.Caps()
		if !caps.Has(imap.CapMove) && !caps.Has(imap.CapUIDPlus) {
			// Without MOVE, go-imap falls back to COPY, \Deleted and EXPUNGE; without
			// UIDPLUS that EXPUNGE would remove every \Deleted message of the folder.
			return errors.New("il server non offre MOVE né UIDPLUS: non si può spostare senza rischiare di cancellare altri messaggi; usare la parola chiave (senza --archive-folder)")
		}
		if !s.archiveReady {
			err := s.c.Create(s.cfg.ArchiveFolder, nil).Wait()
			var ie *imap.Error
			if err != nil && !(errors.As(err, &ie) && ie.Code == imap.ResponseCodeAlreadyExists) {
				// Some servers answer NO without the code: check that it exists.
				if _, serr := s.c.Status(s.cfg.ArchiveFolder, &imap.StatusOptions{NumMessages: true}).Wait(); serr != nil {
					return fmt.Errorf("cartella di archivio %s non disponibile: %w", s.cfg.ArchiveFolder, err)
				}
			}
			s.archiveReady = true
		}
	default:
		ok := false
		for _, f := range sel.PermanentFlags {
			if f == imap.FlagWildcard || f == imap.Flag(s.cfg.Keyword) {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("il server non conserva la parola chiave %s sui messaggi (PERMANENTFLAGS): indicare una cartella di archivio", s.cfg.Keyword)
		}
	}
	return nil
}
