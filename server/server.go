// Package server serves the desk over SSH (wish): every operator connects with
// `ssh -p PORT name@host` and gets their own Bubble Tea program over the process's one
// service and database.
//
// The pieces, in the order a connection meets them:
//
//   - auth (auth.go): public keys only. The key's SHA256 fingerprint is looked up in the
//     register on every attempt (service.Authenticate), so a key added or removed with
//     `vivipass operator` takes effect at the next connection without a restart.
//     Passwords and keyboard-interactive are not offered at all.
//   - limits (limits.go): refused connections are logged within a limit per remote
//     host, whose further connections are then closed for a minute; what a client
//     chose (user name, terminal, handshake error) is clipped in the log. At most 10
//     connections from one host, 100 in all, may be in their handshake at once.
//   - session (session.go): the operator is found again from the key the connection
//     actually authenticated with (never from a value left by an earlier attempt), a PTY
//     is required, commands are refused; then one tea.Program is built
//     with the root model of the desk (tui.New with the options of Config.Desk, the same
//     wiring as the local terminal) and the session's colour profile: Ascii when the
//     session's NO_COLOR is set to anything, or the operator is in plain mode.
//   - guard: a panic in the desk's Init, Update or View ends that session alone, logged
//     with its stack, and the operator is told; the other sessions carry on.
//   - size: the PTY's size and every window change reach the program clamped to
//     MaxWidth×MaxHeight; the program ends when the client goes (the connection, or
//     only the session's channel, closed).
//   - frames (frames.go): the session draws its own frames, by whole rows, as soon as
//     the model changed (Bubble Tea's renderer keeps two grids of cells the size of the
//     terminal, 450 KB a session: issue 14.5); rows the terminal already shows are not
//     written again, a table that scrolled is scrolled by the terminal. With
//     Config.TeaTerminal, Bubble Tea's renderer writes frames on a ticker at up to 120
//     fps (DefaultFPS).
//   - keys (input.go): the session reads its keys with the decoder Bubble Tea's reader
//     uses, without the table of legacy sequences that reader builds for every
//     program (136 KB a session, issue 14.5).
//   - idle: a session with no key pressed for Config.IdleTimeout ends with a message
//     (the SSH connection's own idle timeout cannot tell an operator away from a screen
//     that other operators' changes keep redrawing).
//   - sftp (sftp.go): the "sftp" subsystem, when Config.Files is set, serves the
//     operator's comune folder (files.Folder) and nothing else; every other subsystem is
//     refused.
//   - shutdown (Shutdown): new connections stop, every session is told and its program
//     quits, SFTP sessions are closed (an upload in progress leaves nothing), then the
//     connections close; the caller closes the database afterwards.
//
// Every session's root model is Closed when the session ends, whatever ended it, so no
// subscription to the service's events outlives its session.
package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"charm.land/wish/v2"
	gossh "golang.org/x/crypto/ssh"

	"vivipass/domain"
	"vivipass/files"
	"vivipass/service"
	"vivipass/tui"
)

// DefaultIdleTimeout ends a session nobody typed in for this long.
const DefaultIdleTimeout = 30 * time.Minute

// DefaultFPS is the highest frame rate of a session. Bubble Tea writes frames on a
// ticker: at its default of 60 a key waits up to 16.7 ms for the next frame on top of
// its own work; at 120 the wait is at most 8.3 ms. A tick with nothing changed writes
// nothing.
const DefaultFPS = 120

// HostKeyName is the host key's file name, kept next to the database.
const HostKeyName = "host_ed25519"

// Config of a server.
type Config struct {
	Svc *service.Service
	// Desk builds the options of an operator's session: the same wiring as the desk on
	// the local terminal (sections, forms, warnings). plain is NO_COLOR or the
	// operator's plain mode.
	Desk func(op domain.Operator, plain bool) tui.Options
	// Addr to listen on (ListenAndServe); default ":2222".
	Addr string
	// HostKeyPath is the server's private key, created (ed25519) when missing.
	HostKeyPath string
	// IdleTimeout ends a session with no key pressed for that long: 0 means
	// DefaultIdleTimeout, a negative value never.
	IdleTimeout time.Duration
	// FPS is the highest frame rate of a session; 0 means DefaultFPS. It paces Bubble
	// Tea's renderer only (TeaTerminal): the session's own draws a frame as soon as the
	// model changed.
	FPS int
	// TeaTerminal draws the sessions and reads their keys with Bubble Tea's renderer and
	// reader, which keep two grids of cells the size of the terminal (450 KB a session
	// at 80×24) and a table of key sequences (136 KB), instead of the session's own
	// (frames.go, input.go). For comparisons.
	TeaTerminal bool
	// Log receives one line per connection, refusal and session end, and per SFTP
	// session and transfer; nil discards.
	Log *slog.Logger
	// Files holds the comuni's folders, served over SFTP (each operator sees their
	// comune's); nil refuses SFTP.
	Files *files.Store
}

// Server is the SSH server of the desk.
type Server struct {
	cfg  Config
	ssh  *ssh.Server
	log  *slog.Logger
	idle time.Duration

	mu       sync.Mutex
	closing  bool
	sessions map[ssh.Session]*session
	sftp     map[*sftpSession]struct{}
	refused  map[string]*refusal      // by remote address, until the connection fails or gets in
	byHost   map[string]*hostRefusals // refused connections by remote host, for a minute (limits.go)
	windows  *time.Timer              // the next end of hosts' windows in byHost (limits.go)

	pending    map[string]int          // connections in their handshake, by remote host (limits.go)
	pendingAll int                     // in all
	handshakes map[string]*handshaking // by remote address
	listeners  []net.Listener
	wg         sync.WaitGroup // running sessions, desk and SFTP

	releaseTimer *time.Timer  // a release of ended sessions' memory pending (release.go)
	releases     atomic.Int64 // releases done, for tests
}

// New makes a server; it listens when Serve or ListenAndServe is called.
func New(cfg Config) (*Server, error) {
	if cfg.Svc == nil || cfg.Desk == nil {
		return nil, errors.New("server: Svc e Desk sono obbligatori")
	}
	if cfg.HostKeyPath == "" {
		return nil, errors.New("server: manca il percorso della chiave dell'host")
	}
	if cfg.Addr == "" {
		cfg.Addr = ":2222"
	}
	if cfg.FPS == 0 {
		cfg.FPS = DefaultFPS
	}
	s := &Server{cfg: cfg, log: cfg.Log, idle: cfg.IdleTimeout, sessions: map[ssh.Session]*session{},
		sftp: map[*sftpSession]struct{}{}, refused: map[string]*refusal{}, byHost: map[string]*hostRefusals{},
		pending: map[string]int{}, handshakes: map[string]*handshaking{}}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if s.idle == 0 {
		s.idle = DefaultIdleTimeout
	}
	opts := []ssh.Option{
		wish.WithAddress(cfg.Addr),
		wish.WithHostKeyPath(cfg.HostKeyPath),
		wish.WithPublicKeyAuth(s.authPublicKey),
		// No password or keyboard-interactive handler: those methods are not offered.
		// Middlewares: the last listed runs first.
		wish.WithMiddleware(s.runDesk, s.sessionMiddleware),
		func(srv *ssh.Server) error {
			// A connection that does not finish the handshake in time is dropped.
			srv.HandshakeTimeout = 30 * time.Second
			srv.ConnectionFailedCallback = s.connectionFailed
			srv.ConnCallback = s.connAccepted // a host over its refusals' limit is turned away (limits.go)
			// Subsystems other than these are refused.
			srv.SubsystemHandlers = map[string]ssh.SubsystemHandler{}
			if cfg.Files != nil {
				srv.SubsystemHandlers["sftp"] = s.sftpHandler
			}
			return nil
		},
	}
	if s.idle > 0 {
		// A backstop for connections that stopped answering: the sessions' own idle
		// timer (keys only) ends a session first, with a message.
		opts = append(opts, wish.WithIdleTimeout(s.idle+time.Minute))
	}
	srv, err := wish.NewServer(opts...)
	if err != nil {
		return nil, fmt.Errorf("server SSH: %w", err)
	}
	s.ssh = srv
	return s, nil
}

// ListenAndServe listens on Config.Addr and serves until Shutdown.
func (s *Server) ListenAndServe() error {
	ln, err := net.Listen("tcp", s.cfg.Addr)
	if err != nil {
		return err
	}
	return s.Serve(ln)
}

// Serve serves connections from ln until Shutdown; it then returns nil. A Shutdown
// that comes first (even before this goroutine ran) closes ln too.
func (s *Server) Serve(ln net.Listener) error {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		ln.Close()
		return nil
	}
	// ssh.Server tracks a listener only once its Serve runs, and a Serve after its
	// Shutdown serves again: Shutdown closes the listeners it finds here.
	s.listeners = append(s.listeners, ln)
	s.mu.Unlock()
	s.log.Info("server SSH in ascolto", "indirizzo", ln.Addr().String(), "inattività", s.idleText())
	err := s.ssh.Serve(ln)
	s.mu.Lock()
	closing := s.closing
	s.mu.Unlock()
	if closing || errors.Is(err, ssh.ErrServerClosed) {
		return nil
	}
	return err
}

// Sessions is the number of open sessions.
func (s *Server) Sessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions)
}

// Typing reports whether an operator pressed a key in the last d: background work (a
// backup's verification) waits while people type.
func (s *Server) Typing(d time.Duration) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	since := time.Now().Add(-d).UnixNano()
	for _, se := range s.sessions {
		if se.lastInput.Load() > since {
			return true
		}
	}
	return false
}

// Shutdown stops accepting connections, tells every session the server is closing and
// ends it, waits for the sessions (until ctx is done), then closes every connection.
// The database may be closed when it returns.
func (s *Server) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	if s.releaseTimer != nil {
		s.releaseTimer.Stop()
		s.releaseTimer = nil
	}
	if s.windows != nil {
		s.windows.Stop()
		s.windows = nil
	}
	open := make([]*session, 0, len(s.sessions))
	for _, se := range s.sessions {
		open = append(open, se)
	}
	transfers := make([]*sftpSession, 0, len(s.sftp))
	for ss := range s.sftp {
		transfers = append(transfers, ss)
	}
	listeners := s.listeners
	s.listeners = nil
	s.mu.Unlock()
	for _, ln := range listeners {
		ln.Close()
	}

	// Close the listeners now; the connections are closed below, after the sessions
	// had their goodbye. (ssh.Server.Shutdown would wait for the clients to hang up.)
	stopped, cancel := context.WithCancel(context.Background())
	cancel()
	_ = s.ssh.Shutdown(stopped)

	s.log.Info("chiusura del server", "sessioni", len(open), "sessioni_sftp", len(transfers))
	for _, se := range open {
		se.end(endShutdown)
	}
	for _, ss := range transfers {
		_ = ss.rs.Close() // its Serve returns; open uploads are dropped
	}
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	var err error
	select {
	case <-done:
	case <-ctx.Done():
		err = fmt.Errorf("chiusura: sessioni ancora aperte: %w", ctx.Err())
	}
	if cerr := s.ssh.Close(); cerr != nil && !errors.Is(cerr, ssh.ErrServerClosed) && err == nil {
		err = cerr
	}
	return err
}

func (s *Server) idleText() string {
	if s.idle < 0 {
		return "nessun limite"
	}
	return s.idle.String()
}

// register adds a session unless the server is closing.
func (s *Server) register(sess ssh.Session, se *session) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sessions[sess] = se
	s.wg.Add(1)
	s.scheduleRelease()
	return true
}

func (s *Server) unregister(sess ssh.Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sessions[sess]; ok {
		delete(s.sessions, sess)
		s.wg.Done()
		s.scheduleRelease()
	}
}

func (s *Server) lookup(sess ssh.Session) *session {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions[sess]
}

// HostKey is the SHA256 fingerprint of the server's host key, for operators to check
// the first time they connect.
func (s *Server) HostKey() string {
	if len(s.ssh.HostSigners) == 0 {
		return ""
	}
	return gossh.FingerprintSHA256(s.ssh.HostSigners[0].PublicKey())
}

// TuneGC sets the collector of a serving process: the live heap is small (sessions and
// their pages, a few MB), and collecting when it has grown 4× instead of 1× cuts the
// collections that take CPU from the keys being typed (ten sessions typing at once on
// two cores: key → frame p99 34 ms at the default, 14 ms so). GOGC set in the
// environment wins; a big import lowers it for its own duration.
func TuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
}
