package server

import (
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"charm.land/ssh"
)

// The largest window a session's desk is drawn for: a client may ask for any PTY size
// (10000×10000 is 100 million cells for the renderer), so the PTY's size and every
// window change are clamped to this before the Bubble Tea program sees them. A bigger
// terminal shows the desk in its top-left corner.
const (
	MaxWidth  = 500
	MaxHeight = 200
)

// clampWindow bounds a window size to MaxWidth×MaxHeight (and to at least 1×1).
func clampWindow(w, h int) (int, int) {
	return min(max(w, 1), MaxWidth), min(max(h, 1), MaxHeight)
}

// Refused connections (no registered key, no handshake) are logged one line each, up to
// refusalBurst in a refusalWindow per remote host. Beyond that the host's new connections
// are closed before the handshake until its window ends, and one line then tells how
// many were turned away: a flood of attempts costs neither log nor CPU.
const (
	refusalBurst = 20
	maxHosts     = 10000 // hosts followed at once; beyond, the others share one count
	maxUserLog   = 64    // bytes of a refused user name in the log
	maxErrLog    = 200   // bytes of a handshake error (it can quote what the client sent)
	maxPathLog   = 300   // bytes of an SFTP path, or of an error quoting one
)

// refusalWindow is a variable for the tests.
var refusalWindow = time.Minute

// hostRefusals counts one host's refused connections in its current window.
type hostRefusals struct {
	n      int       // refused connections
	turned int       // of which closed at once or not logged
	ends   time.Time // the window's end
}

// hostOf is the key of a remote address: its IP, or its /64 for IPv6 (one client owns a
// whole /64).
func hostOf(a net.Addr) string {
	host := a.String()
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	if ip := net.ParseIP(host); ip != nil && ip.To4() == nil {
		return ip.Mask(net.CIDRMask(64, 128)).String() + "/64"
	}
	return host
}

// Connections still in their handshake: at most maxPendingHost from one host and
// maxPending in all (as OpenSSH's MaxStartups, and per host). Each holds goroutines and
// buffers until it gets in or HandshakeTimeout drops it, and the runtime keeps for
// good the room of the most goroutines it ever ran at once (issue 14.5): thousands of
// silent connections would grow the server for good. A connection is pending from its
// accept to its key's acceptance or its end; the operators of an office behind one
// address get in one after another, a few milliseconds each.
const (
	maxPendingHost = 10
	maxPending     = 100
)

// handshaking is a connection still in its handshake.
type handshaking struct {
	net.Conn
	s      *Server
	host   string
	remote string
	once   sync.Once
}

// Close ends the connection, and its pending state if the handshake never ended.
func (h *handshaking) Close() error {
	h.done()
	return h.Conn.Close()
}

// done: the connection is no longer pending (it got in, or it ended).
func (h *handshaking) done() {
	h.once.Do(func() {
		h.s.mu.Lock()
		defer h.s.mu.Unlock()
		if h.s.pending[h.host]--; h.s.pending[h.host] <= 0 {
			delete(h.s.pending, h.host)
		}
		h.s.pendingAll--
		delete(h.s.handshakes, h.remote)
		if len(h.s.handshakes) == 0 { // the room a burst grew, given back
			h.s.pending, h.s.handshakes = map[string]int{}, map[string]*handshaking{}
		}
	})
}

// handshakeDone is called when a connection's key is accepted.
func (s *Server) handshakeDone(remote string) {
	s.mu.Lock()
	h := s.handshakes[remote]
	s.mu.Unlock()
	if h != nil {
		h.done()
	}
}

// connAccepted (ssh.Server.ConnCallback) closes at once a connection from a host over
// its refusals' limit, or over the limit of connections in their handshake.
func (s *Server) connAccepted(_ ssh.Context, c net.Conn) net.Conn {
	host := hostOf(c.RemoteAddr())
	s.mu.Lock()
	r := s.byHost[host]
	if r == nil && len(s.byHost) >= maxHosts {
		r = s.byHost[""]
	}
	if r != nil && r.n >= refusalBurst {
		r.n++
		r.turned++
		s.mu.Unlock()
		return nil
	}
	if s.pending[host] >= maxPendingHost || s.pendingAll >= maxPending {
		s.mu.Unlock()
		if s.countRefusal(host) {
			s.log.Info("accesso rifiutato", "remoto", c.RemoteAddr().String(), "errore",
				fmt.Sprintf("troppe connessioni in attesa di accesso (%d da questo indirizzo, %d in tutto al più)", maxPendingHost, maxPending))
		}
		return nil
	}
	h := &handshaking{Conn: c, s: s, host: host, remote: c.RemoteAddr().String()}
	s.pending[host]++
	s.pendingAll++
	s.handshakes[h.remote] = h
	s.mu.Unlock()
	return h
}

// countRefusal counts a refused connection from host, and reports whether it is to be
// logged (the first refusalBurst of the window).
func (s *Server) countRefusal(host string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.byHost[host]; !ok && len(s.byHost) >= maxHosts {
		host = ""
	}
	r := s.byHost[host]
	if r == nil {
		r = &hostRefusals{ends: time.Now().Add(refusalWindow)}
		s.byHost[host] = r
		if s.windows == nil && !s.closing {
			s.windows = time.AfterFunc(refusalWindow, s.closeWindows)
		}
	}
	r.n++
	if r.n > refusalBurst {
		r.turned++
		return false
	}
	return true
}

// closeWindows ends the hosts' windows that are over, with one line for each that had
// connections turned away, and plans the next look. One timer for the whole table, not
// one per host: a flood from thousands of addresses would otherwise end thousands of
// windows at once, each on a goroutine of its own, and the runtime keeps the room of
// the most goroutines it ever ran at once (issue 14.5). Looks are at least a tenth of a
// window apart (a window ends up to that much late), so a table of maxHosts is read a
// few times a window, not once per host.
func (s *Server) closeWindows() {
	now := time.Now()
	type over struct {
		host string
		r    *hostRefusals
	}
	var ended []over
	s.mu.Lock()
	next := time.Time{}
	for host, r := range s.byHost {
		if !r.ends.After(now) {
			delete(s.byHost, host)
			if r.turned > 0 {
				ended = append(ended, over{host, r})
			}
		} else if next.IsZero() || r.ends.Before(next) {
			next = r.ends
		}
	}
	s.windows = nil
	if len(s.byHost) == 0 {
		// A map keeps the room it grew to: after a flood from thousands of hosts the
		// empty table would hold it for good.
		s.byHost = map[string]*hostRefusals{}
	} else if !s.closing {
		s.windows = time.AfterFunc(max(next.Sub(now), refusalWindow/10), s.closeWindows)
	}
	s.mu.Unlock()
	for _, e := range ended {
		host := e.host
		if host == "" {
			host = "altri indirizzi"
		}
		s.log.Warn("troppi accessi rifiutati: tentativi respinti senza registrarli uno per uno",
			"remoto", host, "rifiutati", e.r.n, "non_registrati", e.r.turned, "in", refusalWindow.String())
	}
}

// clip is s for the log: control and invisible characters escaped as in Go (\n, \x1b,
// \u2028), cut to at most n bytes and "…" when longer. A client chooses its user name,
// its terminal's name, and what a failed handshake quotes.
func clip(s string, n int) string {
	var b strings.Builder
	for _, r := range s {
		e := string(r)
		if !unicode.IsGraphic(r) || r == '\\' {
			q := strconv.QuoteRuneToASCII(r)
			e = q[1 : len(q)-1]
		}
		if b.Len()+len(e) > n {
			b.WriteString("…")
			break
		}
		b.WriteString(e)
	}
	return b.String()
}

// maxPaste bounds a bracketed paste: the terminal reader keeps a paste whole until its
// end marker (then four bytes a character), so a client that starts one and never ends
// it would grow the server without bound. Past maxPaste bytes the paste is ended for the
// client, and the rest of it is dropped until its own end marker.
const maxPaste = 1 << 20

const pasteEnd = "\x1b[201~"

// pasteLimit is a session's input with its bracketed pastes bounded to maxPaste.
type pasteLimit struct {
	r        io.Reader
	m        int  // bytes matched of "\x1b[20", then 5 after its '0' or '1'
	start    bool // the marker being matched is a paste's start
	in       bool // inside a paste
	dropping bool // past maxPaste: dropping until the paste's end
	size     int
	inject   []byte // the end marker given for the client, still to read
	rest     []byte // what followed it in the same read, still to scan
	err      error
}

func (l *pasteLimit) Read(p []byte) (int, error) {
	if len(l.inject) > 0 {
		n := copy(p, l.inject)
		l.inject = l.inject[n:]
		return n, nil
	}
	var n int
	switch {
	case len(l.rest) > 0:
		n = copy(p, l.rest)
		l.rest = l.rest[n:]
	case l.err != nil:
		return 0, l.err
	default:
		n, l.err = l.r.Read(p)
	}
	out := 0
	for i, b := range p[:n] {
		drop := l.dropping
		l.step(b)
		if !drop {
			p[out] = b
			out++
		}
		if l.dropping && !drop { // the limit, at this byte
			l.inject = []byte(pasteEnd)
			l.rest = append(append([]byte(nil), p[i+1:n]...), l.rest...)
			return out, nil
		}
	}
	if len(l.rest) > 0 {
		return out, nil
	}
	return out, l.err
}

// step follows the paste markers and the size of the paste through one byte.
func (l *pasteLimit) step(b byte) {
	switch {
	case l.m == 4 && (b == '0' || b == '1'):
		l.m, l.start = 5, b == '0'
	case l.m == 5 && b == '~':
		l.m = 0
		if l.start && !l.dropping {
			l.in, l.size = true, 0
		} else if !l.start {
			l.in, l.dropping = false, false
		}
		return
	case l.m < 4 && b == "\x1b[20"[l.m]:
		l.m++
	case b == '\x1b':
		l.m = 1
	default:
		l.m = 0
	}
	if l.in && !l.dropping {
		if l.size++; l.size > maxPaste {
			l.dropping = true
		}
	}
}
