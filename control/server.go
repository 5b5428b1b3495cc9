package control

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Peer is who is at the other end of a connection, as the kernel says (SO_PEERCRED).
type Peer struct {
	UID, GID uint32
	PID      int32
}

// Call is one command to run: the request, who sent it, and its streams.
type Call struct {
	Request
	Peer   Peer
	Stdin  io.Reader // asks the client for its stdin at the first Read; at most MaxStdin bytes
	Stdout io.Writer // fails once the command is cancelled: a long output stops there
	Stderr io.Writer
}

// Handler runs a command and returns its exit code. ctx is cancelled when the client
// presses ctrl+c or goes away, and when the server shuts down.
type Handler func(ctx context.Context, c *Call) int

// Config is a control server.
type Config struct {
	Path    string // the socket (SocketPath of the database)
	Handler Handler
	Log     *slog.Logger
	// Allow says whether a user may run commands; nil: the user running the server and root.
	Allow func(uid uint32) bool

	requestWithin time.Duration // tests: the wait for the request (default requestWithin)
	maxStdin      int           // tests: the bound on stdin (default MaxStdin)
}

// Server serves the control socket.
type Server struct {
	cfg    Config
	ln     *net.UnixListener
	slots  chan struct{}
	ctx    context.Context // parent of every command: cancelled at Shutdown
	cancel context.CancelFunc
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
}

// Listen creates the socket (mode 0600) and serves it. The caller must hold the
// database: a socket file already at the path is then stale (a server killed without
// removing it) and is replaced, unless something still answers on it.
func Listen(cfg Config) (*Server, error) {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if cfg.Allow == nil {
		self := uint32(os.Getuid())
		cfg.Allow = func(uid uint32) bool { return uid == self || uid == 0 }
	}
	if cfg.maxStdin == 0 {
		cfg.maxStdin = MaxStdin
	}
	if cfg.requestWithin == 0 {
		cfg.requestWithin = requestWithin
	}
	ln, err := listen(cfg.Path)
	if err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, ln: ln, slots: make(chan struct{}, MaxConns), conns: map[net.Conn]struct{}{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.wg.Add(1)
	go s.accept()
	return s, nil
}

// listen binds the socket in a private folder (0700) and renames it into place once
// it is 0600: at no moment can another user connect to it.
func listen(path string) (*net.UnixListener, error) {
	if fi, err := os.Lstat(path); err == nil {
		if fi.Mode().Type() != fs.ModeSocket {
			return nil, fmt.Errorf("%s esiste e non è un socket: spostarlo o rimuoverlo", path)
		}
		if c, err := dial(path, 500*time.Millisecond); err == nil {
			c.Close()
			return nil, fmt.Errorf("un altro server risponde già sul socket %s", path)
		}
	}
	tmp, err := os.MkdirTemp(filepath.Dir(path), ".vivipass-ctl-")
	if err != nil {
		return nil, fmt.Errorf("impossibile creare il socket di controllo: %w", err)
	}
	defer os.RemoveAll(tmp)
	bound := filepath.Join(tmp, "s")
	addr, release, err := shortPath(bound)
	if err != nil {
		return nil, err
	}
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: addr, Net: "unix"})
	release()
	if err != nil {
		return nil, fmt.Errorf("impossibile creare il socket di controllo %s: %w", path, err)
	}
	ln.SetUnlinkOnClose(false) // its name moves; Shutdown removes it
	if err = os.Chmod(bound, 0o600); err == nil {
		err = os.Rename(bound, path) // replaces a stale socket
	}
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("impossibile creare il socket di controllo %s: %w", path, err)
	}
	return ln, nil
}

// Path is the socket's path.
func (s *Server) Path() string { return s.cfg.Path }

// Shutdown stops accepting, removes the socket, cancels the commands running and
// waits for them up to timeout; then it cuts the connections left.
func (s *Server) Shutdown(timeout time.Duration) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.ln.Close()
	os.Remove(s.cfg.Path)
	s.cancel()
	done := make(chan struct{})
	go func() { s.wg.Wait(); close(done) }()
	select {
	case <-done:
		return
	case <-time.After(timeout):
	}
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	select {
	case <-done:
	case <-time.After(time.Second):
		s.cfg.Log.Warn("comandi dal socket ancora in corso alla chiusura")
	}
}

func (s *Server) accept() {
	defer s.wg.Done()
	for {
		c, err := s.ln.AcceptUnix()
		if err != nil {
			s.mu.Lock()
			closed := s.closed
			s.mu.Unlock()
			if closed {
				return
			}
			s.cfg.Log.Warn("socket di controllo: accept", "errore", err.Error())
			time.Sleep(100 * time.Millisecond) // out of descriptors: do not spin
			continue
		}
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			c.Close()
			return
		}
		s.conns[c] = struct{}{}
		s.wg.Add(1)
		s.mu.Unlock()
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.serve(c)
		}()
	}
}

// serve runs the one command of a connection.
func (s *Server) serve(c *net.UnixConn) {
	log := s.cfg.Log
	sess := &session{conn: c}
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	default:
		log.Warn("comando rifiutato: troppi comandi in corso", "massimo", MaxConns)
		sess.fail(fmt.Sprintf("errore: troppi comandi in corso sul server (al massimo %d): riprovare fra poco\n", MaxConns))
		return
	}
	peer, err := peerOf(c)
	if err != nil {
		log.Warn("socket di controllo: credenziali del processo chiamante illeggibili", "errore", err.Error())
		return
	}
	c.SetReadDeadline(time.Now().Add(s.cfg.requestWithin))
	br := bufio.NewReader(c)
	typ, p, err := readFrame(br, MaxRequest)
	var req Request
	if err == nil && typ != frameRequest {
		err = fmt.Errorf("primo frame %q invece della richiesta", typ)
	}
	if err == nil {
		req, err = decodeRequest(p)
	}
	if !s.cfg.Allow(peer.UID) {
		// One line: who, and what they tried (when they said it).
		log.Warn("comando rifiutato: utente non autorizzato", "uid", peer.UID, "pid", peer.PID, "comando", Summary(req.Args))
		sess.fail(fmt.Sprintf("errore: comando rifiutato: %s (server avviato dall'utente %d, richiesta dall'utente %d)\n",
			ErrPermission, os.Getuid(), peer.UID))
		return
	}
	if err != nil {
		log.Warn("socket di controllo: richiesta non valida", "uid", peer.UID, "pid", peer.PID, "errore", err.Error())
		sess.fail("errore: richiesta non valida: " + err.Error() + "\n")
		return
	}
	c.SetReadDeadline(time.Time{})

	ctx, cancel := context.WithCancel(s.ctx)
	defer cancel()
	sess.ctx = ctx
	sess.stdin = &inbox{ctx: ctx, max: s.cfg.maxStdin, wake: make(chan struct{}, 1), ask: func() { sess.send(frameWant, nil) }}
	read := make(chan struct{})
	go func() { defer close(read); sess.readLoop(br, cancel) }()

	call := &Call{Request: req, Peer: peer, Stdin: sess.stdin,
		Stdout: stream{sess, frameStdout, true}, Stderr: stream{sess, frameStderr, false}}
	start := time.Now()
	code := s.run(ctx, call)
	if ctx.Err() != nil && code == 0 {
		code = 1 // cancelled: never report success for what may not have been done
	}
	log.Info("comando dal socket", "uid", peer.UID, "pid", peer.PID, "comando", Summary(req.Args), "uscita", code,
		"durata", time.Since(start).Round(time.Millisecond).String())
	var b [4]byte
	b[0], b[1], b[2], b[3] = byte(code>>24), byte(code>>16), byte(code>>8), byte(code)
	sess.send(frameExit, b[:])
	c.CloseRead() // the reader ends; a client that never closes holds nothing
	<-read
}

// run calls the handler; a panic ends the command, not the server and its sessions.
func (s *Server) run(ctx context.Context, c *Call) (code int) {
	defer func() {
		if r := recover(); r != nil {
			s.cfg.Log.Error("comando dal socket interrotto da un errore interno", "comando", Summary(c.Args), "panic", fmt.Sprint(r),
				"stack", string(debug.Stack()))
			fmt.Fprintf(c.Stderr, "errore interno del server: %v\n", r)
			code = 1
		}
	}()
	return s.cfg.Handler(ctx, c)
}

// Summary is a command line as the log shows it: the command, its subcommand and
// the names of the flags; each value (a plate, a name, a file) is "…". Bounded.
func Summary(args []string) string {
	var b strings.Builder
	for i, a := range args {
		if i > 0 {
			b.WriteByte(' ')
		}
		switch {
		case i == 0 && reVerb().MatchString(a), i == 1 && subcommands[a]:
			b.WriteString(a)
		case reFlag().MatchString(a):
			name, _, _ := strings.Cut(a, "=")
			b.WriteString(name)
		default:
			b.WriteString("…") // a value: a plate, a name, a file (personal data stay out of the log)
		}
		if b.Len() > 200 {
			return b.String() + " …"
		}
	}
	return b.String()
}

// The log of the socket says the command, its subcommand and the names of its flags;
// every other word is a value and is written as "…".
var (
	reVerb      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z-]{0,30}$`) })                 // compiled when first used (issue 14.4)
	reFlag      = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^--?[A-Za-z][A-Za-z0-9-]{0,30}(=|$)`) }) // compiled when first used (issue 14.4)
	subcommands = map[string]bool{}
)

func init() {
	for _, w := range strings.Fields(`add attachments calibration card check configure export full-name import
		key-remove list log manual module passes plain plates queue reminders remove retry revoke role rotate set
		show skip state status sync verify whitelist`) {
		subcommands[w] = true
	}
}

// peerOf reads the credentials of the process that connected.
func peerOf(c *net.UnixConn) (Peer, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return Peer{}, err
	}
	var cred *syscall.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = syscall.GetsockoptUcred(int(fd), syscall.SOL_SOCKET, syscall.SO_PEERCRED)
	}); err != nil {
		return Peer{}, err
	}
	if cerr != nil {
		return Peer{}, cerr
	}
	return Peer{UID: cred.Uid, GID: cred.Gid, PID: cred.Pid}, nil
}

// session is the server's side of one connection.
type session struct {
	conn  net.Conn
	ctx   context.Context
	stdin *inbox
	wmu   sync.Mutex // one frame at a time
}

func (s *session) send(typ byte, p []byte) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return writeFrame(s.conn, typ, p)
}

// fail ends a connection refused before its command ran: a message and exit code 1.
func (s *session) fail(msg string) {
	s.conn.SetWriteDeadline(time.Now().Add(requestWithin))
	s.send(frameStderr, []byte(msg))
	s.send(frameExit, []byte{0, 0, 0, 1})
}

// readLoop takes stdin and cancel frames until the client goes away.
func (s *session) readLoop(r io.Reader, cancel context.CancelFunc) {
	defer cancel() // a client gone (killed, ctrl+c twice) cancels its command
	for {
		typ, p, err := readFrame(r, maxFrame)
		if err != nil {
			s.stdin.end(errGone)
			return
		}
		switch typ {
		case frameStdin:
			s.stdin.add(p)
		case frameCancel:
			cancel()
		default:
			s.stdin.end(fmt.Errorf("frame %q inatteso dal client", typ))
			return
		}
	}
}

// stream writes a command's output as frames.
type stream struct {
	s      *session
	typ    byte
	cancel bool // fail once the command is cancelled
}

func (w stream) Write(p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		if w.cancel {
			if err := w.s.ctx.Err(); err != nil {
				return n, err
			}
		}
		part := p[:min(len(p), chunk)]
		if err := w.s.send(w.typ, part); err != nil {
			return n, err
		}
		n += len(part)
		p = p[len(part):]
	}
	return n, nil
}

// inbox is a command's stdin: asked of the client at the first Read, buffered as it
// arrives (the reader must not block: it also carries the cancel frame), at most MaxStdin.
type inbox struct {
	ctx   context.Context
	max   int
	ask   func()
	wake  chan struct{}
	mu    sync.Mutex
	asked bool
	buf   []byte
	total int
	err   error // io.EOF at the end of stdin
}

func (in *inbox) add(p []byte) {
	in.mu.Lock()
	switch {
	case in.err != nil: // ended or over the limit: dropped
	case len(p) == 0:
		in.err = io.EOF
	case in.total+len(p) > in.max:
		in.err, in.buf = fmt.Errorf("l'ingresso standard supera %d MiB", in.max>>20), nil
	default:
		in.buf = append(in.buf, p...)
		in.total += len(p)
	}
	in.mu.Unlock()
	in.signal()
}

func (in *inbox) end(err error) {
	in.mu.Lock()
	if in.err == nil {
		in.err = err
	}
	in.mu.Unlock()
	in.signal()
}

func (in *inbox) signal() {
	select {
	case in.wake <- struct{}{}:
	default:
	}
}

func (in *inbox) Read(p []byte) (int, error) {
	for {
		in.mu.Lock()
		ask := !in.asked
		in.asked = true
		if len(in.buf) > 0 {
			n := copy(p, in.buf)
			in.buf = in.buf[n:]
			if len(in.buf) == 0 {
				in.buf = nil
			}
			in.mu.Unlock()
			return n, nil
		}
		err := in.err
		in.mu.Unlock()
		if err != nil {
			return 0, err
		}
		if ask {
			in.ask()
		}
		select {
		case <-in.wake:
		case <-in.ctx.Done():
			return 0, in.ctx.Err()
		}
	}
}
