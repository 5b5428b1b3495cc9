package server

import (
	"net"
	"strings"

	"charm.land/ssh"
	gossh "golang.org/x/crypto/ssh"

	"vivipass/domain"
)

// operatorKey is where the auth callback leaves the operator of the accepted key.
type operatorKey struct{}

// authPublicKey accepts a key registered for an operator. The register is read on
// every attempt: a key added or removed takes effect at once.
func (s *Server) authPublicKey(ctx ssh.Context, key ssh.PublicKey) bool {
	fp := gossh.FingerprintSHA256(key)
	op, ok := s.cfg.Svc.Authenticate(fp)
	if !ok {
		s.noteRefused(ctx.RemoteAddr().String(), ctx.User(), key.Type()+" "+fp)
		return false
	}
	s.forgetRefused(ctx.RemoteAddr().String())
	s.handshakeDone(ctx.RemoteAddr().String()) // in: no longer counted as pending (limits.go)
	// Only on success: a client offers several keys, and a refused one must leave
	// nothing behind. The session still finds its operator again from the key the
	// connection authenticated with (operatorOf).
	ctx.SetValue(operatorKey{}, op)
	return true
}

// operatorOf is the operator of the key the session's connection authenticated with,
// read from the register again now. The value the auth callback left on the context
// is not trusted alone: golang.org/x/crypto/ssh caches callback answers per key, so a
// client can be asked about key A, then key B, and finish with A's signature; the
// context would then hold B's operator. The key itself is the authority. Reading the
// register again also ends here a key removed between the handshake and the session.
func (s *Server) operatorOf(sess ssh.Session) (domain.Operator, bool) {
	pk := sess.PublicKey()
	if pk == nil {
		return domain.Operator{}, false
	}
	return s.cfg.Svc.Authenticate(gossh.FingerprintSHA256(pk))
}

// refusal is what a connection offered before it was refused, logged once when the
// connection fails: a client offers every key it has, and a line per key would bury the
// one that matters. Fingerprints are public (they are what the administrator
// registers): they let the administrator find a key an operator forgot to register.
type refusal struct {
	user string
	keys []string
}

func (s *Server) noteRefused(remote, user, key string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.refused[remote]
	if r == nil {
		r = &refusal{}
		s.refused[remote] = r
	}
	r.user = clip(user, maxUserLog) // the client chooses it, up to the packet's size
	if len(r.keys) < 8 {
		r.keys = append(r.keys, key)
	}
}

func (s *Server) forgetRefused(remote string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.dropRefused(remote)
}

// dropRefused (s.mu held) forgets a connection's refusals; the table is made again
// when it empties, so that what a burst of connections grew is given back.
func (s *Server) dropRefused(remote string) {
	delete(s.refused, remote)
	if len(s.refused) == 0 {
		s.refused = map[string]*refusal{}
	}
}

// connectionFailed logs a connection that did not get in, with the keys it offered:
// within its host's limit (limits.go), and every value the client chose clipped.
func (s *Server) connectionFailed(c net.Conn, err error) {
	remote := c.RemoteAddr().String()
	s.mu.Lock()
	r := s.refused[remote]
	s.dropRefused(remote)
	s.mu.Unlock()
	if !s.countRefusal(hostOf(c.RemoteAddr())) {
		return
	}
	attrs := []any{"remoto", remote, "errore", clip(err.Error(), maxErrLog)}
	if r != nil {
		attrs = append(attrs, "utente", r.user, "chiavi_non_registrate", strings.Join(r.keys, ", "))
	}
	s.log.Info("accesso rifiutato", attrs...)
}
