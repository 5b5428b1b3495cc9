package server

import (
	"net"
	"strconv"
	"strings"
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
)

// refusalWindow is a variable for the tests.
var refusalWindow = time.Minute

// hostRefusals counts one host's refused connections in its current window.
type hostRefusals struct {
	n      int // refused connections
	turned int // of which closed at once or not logged
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

// connAccepted (ssh.Server.ConnCallback) closes at once a connection from a host over
// its refusals' limit.
func (s *Server) connAccepted(_ ssh.Context, c net.Conn) net.Conn {
	host := hostOf(c.RemoteAddr())
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.byHost[host]
	if r == nil && len(s.byHost) >= maxHosts {
		r = s.byHost[""]
	}
	if r != nil && r.n >= refusalBurst {
		r.n++
		r.turned++
		return nil
	}
	return c
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
		r = &hostRefusals{}
		s.byHost[host] = r
		time.AfterFunc(refusalWindow, func() { s.closeWindow(host) })
	}
	r.n++
	if r.n > refusalBurst {
		r.turned++
		return false
	}
	return true
}

// closeWindow ends a host's window, with one line when connections were turned away.
func (s *Server) closeWindow(host string) {
	s.mu.Lock()
	r := s.byHost[host]
	delete(s.byHost, host)
	s.mu.Unlock()
	if r == nil || r.turned == 0 {
		return
	}
	if host == "" {
		host = "altri indirizzi"
	}
	s.log.Warn("troppi accessi rifiutati: tentativi respinti senza registrarli uno per uno",
		"remoto", host, "rifiutati", r.n, "non_registrati", r.turned, "in", refusalWindow.String())
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
