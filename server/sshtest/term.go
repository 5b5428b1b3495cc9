package sshtest

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync"
	"time"

	gossh "golang.org/x/crypto/ssh"
)

// Keys pressed, as a terminal sends them (xterm).
const (
	Enter     = "\r"
	Tab       = "\t"
	Esc       = "\x1b"
	Backspace = "\x7f"
	Up        = "\x1b[A"
	Down      = "\x1b[B"
	CtrlC     = "\x03"
	F1        = "\x1bOP"
	F2        = "\x1bOQ"
	F3        = "\x1bOR"
	F4        = "\x1bOS"
)

// NewKey makes an ed25519 key: its signer, and its authorized_keys line.
func NewKey() (gossh.Signer, []byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	return KeyFromSeed(priv.Seed())
}

// KeyFromSeed makes the ed25519 key of a 32-byte seed (the same key every run).
func KeyFromSeed(seed []byte) (gossh.Signer, []byte, error) {
	signer, err := gossh.NewSignerFromKey(ed25519.NewKeyFromSeed(seed))
	if err != nil {
		return nil, nil, err
	}
	return signer, gossh.MarshalAuthorizedKey(signer.PublicKey()), nil
}

// Options of a connection.
type Options struct {
	User   string
	Auth   []gossh.AuthMethod // e.g. gossh.PublicKeys(signer)
	Env    map[string]string  // sent with "env" requests before the shell
	Term   string             // PTY terminal type; default xterm-256color
	Width  int                // PTY size; default 80×24
	Height int
	NoPTY  bool // open the shell without a PTY
	// ScreenWidth×ScreenHeight is the virtual screen's size; default the PTY's (a test
	// asking for a huge PTY need not pay for a huge screen).
	ScreenWidth, ScreenHeight int
}

// Term is one connection with a shell session, its output played on a Screen.
type Term struct {
	Client  *gossh.Client
	Session *gossh.Session
	Screen  *Screen
	stdin   io.WriteCloser

	mu      sync.Mutex
	changed chan struct{} // closed and replaced at every chunk of output
	raw     bytes.Buffer
	stderr  bytes.Buffer
	total   int64
	eof     bool
	readErr error
}

// Dial connects to addr, opens a session (with a PTY unless NoPTY) and starts the shell.
func Dial(addr string, o Options) (*Term, error) {
	if o.Term == "" {
		o.Term = "xterm-256color"
	}
	if o.Width == 0 {
		o.Width, o.Height = 80, 24
	}
	client, err := gossh.Dial("tcp", addr, &gossh.ClientConfig{User: o.User, Auth: o.Auth,
		HostKeyCallback: gossh.InsecureIgnoreHostKey(), Timeout: 10 * time.Second})
	if err != nil {
		return nil, err
	}
	t, err := Open(client, o)
	if err != nil {
		client.Close()
		return nil, err
	}
	return t, nil
}

// Open starts a shell session on an existing connection.
func Open(client *gossh.Client, o Options) (*Term, error) {
	if o.Term == "" {
		o.Term = "xterm-256color"
	}
	if o.Width == 0 {
		o.Width, o.Height = 80, 24
	}
	sess, err := client.NewSession()
	if err != nil {
		return nil, err
	}
	for k, v := range o.Env {
		if err := sess.Setenv(k, v); err != nil {
			sess.Close()
			return nil, fmt.Errorf("setenv %s: %w", k, err)
		}
	}
	if !o.NoPTY {
		if err := sess.RequestPty(o.Term, o.Height, o.Width, gossh.TerminalModes{}); err != nil {
			sess.Close()
			return nil, err
		}
	}
	if o.ScreenWidth == 0 {
		o.ScreenWidth, o.ScreenHeight = o.Width, o.Height
	}
	t := &Term{Client: client, Session: sess, Screen: NewScreen(o.ScreenWidth, o.ScreenHeight), changed: make(chan struct{})}
	stdout, err := sess.StdoutPipe()
	if err != nil {
		sess.Close()
		return nil, err
	}
	sess.Stderr = lockedWriter{&t.mu, &t.stderr, t}
	if t.stdin, err = sess.StdinPipe(); err != nil {
		sess.Close()
		return nil, err
	}
	if err := sess.Shell(); err != nil {
		sess.Close()
		return nil, err
	}
	go t.read(stdout)
	return t, nil
}

type lockedWriter struct {
	mu *sync.Mutex
	b  *bytes.Buffer
	t  *Term
}

func (w lockedWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	w.b.Write(p)
	w.t.notifyLocked()
	w.mu.Unlock()
	return len(p), nil
}

func (t *Term) notifyLocked() {
	close(t.changed)
	t.changed = make(chan struct{})
}

func (t *Term) read(r io.Reader) {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		if n > 0 {
			t.Screen.Write(buf[:n])
			t.mu.Lock()
			t.raw.Write(buf[:n])
			t.total += int64(n)
			t.notifyLocked()
			t.mu.Unlock()
		}
		if err != nil {
			t.mu.Lock()
			t.eof = true
			if err != io.EOF {
				t.readErr = err
			}
			t.notifyLocked()
			t.mu.Unlock()
			return
		}
	}
}

// Send writes keys (see the constants) or text to the session.
func (t *Term) Send(keys ...string) error {
	for _, k := range keys {
		if _, err := io.WriteString(t.stdin, k); err != nil {
			return err
		}
	}
	return nil
}

// Type sends the runes of s one write each, as a person types.
func (t *Term) Type(s string) error {
	for _, r := range s {
		if err := t.Send(string(r)); err != nil {
			return err
		}
	}
	return nil
}

// Resize sends a window change and resizes the screen.
func (t *Term) Resize(w, h int) error {
	t.Screen.Resize(w, h)
	return t.Session.WindowChange(h, w)
}

// Bytes is how many bytes of output arrived so far.
func (t *Term) Bytes() int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.total
}

// Raw is the whole output stream so far.
func (t *Term) Raw() []byte {
	t.mu.Lock()
	defer t.mu.Unlock()
	return bytes.Clone(t.raw.Bytes())
}

// Stderr is what the server wrote on the session's error stream.
func (t *Term) Stderr() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.stderr.String()
}

// Ended reports whether the output ended (the server closed the session).
func (t *Term) Ended() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.eof
}

// ErrTimeout is returned by the waits when the deadline passes.
var ErrTimeout = errors.New("sshtest: tempo scaduto")

// WaitUntil waits until cond holds on the screen's text, or the timeout passes. The
// error of a timeout shows the screen.
func (t *Term) WaitUntil(timeout time.Duration, what string, cond func(screen string) bool) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		t.mu.Lock()
		ch, eof := t.changed, t.eof
		t.mu.Unlock()
		text := t.Screen.Text()
		if cond(text) {
			return nil
		}
		if eof {
			return fmt.Errorf("sshtest: la sessione è finita aspettando %s; schermo:\n%s\nstderr: %s", what, text, t.Stderr())
		}
		select {
		case <-ch:
		case <-deadline.C:
			return fmt.Errorf("%w aspettando %s; schermo:\n%s", ErrTimeout, what, text)
		}
	}
}

// WaitFor waits until every text appears on the screen.
func (t *Term) WaitFor(timeout time.Duration, texts ...string) error {
	return t.WaitUntil(timeout, fmt.Sprintf("%q", texts), func(s string) bool {
		for _, x := range texts {
			if !strings.Contains(s, x) {
				return false
			}
		}
		return true
	})
}

// WaitEnd waits until the server closes the session's output.
func (t *Term) WaitEnd(timeout time.Duration) error {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		t.mu.Lock()
		ch, eof := t.changed, t.eof
		t.mu.Unlock()
		if eof {
			return nil
		}
		select {
		case <-ch:
		case <-deadline.C:
			return fmt.Errorf("%w aspettando la fine della sessione; schermo:\n%s", ErrTimeout, t.Screen.Text())
		}
	}
}

// Close ends the session and the connection.
func (t *Term) Close() error {
	t.Session.Close()
	return t.Client.Close()
}
