package server

import (
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
		// The fingerprint is public (it is what the administrator registers): logging
		// it lets them find a key an operator forgot to register.
		s.log.Info("chiave non registrata", "utente", ctx.User(), "remoto", ctx.RemoteAddr().String(),
			"tipo", key.Type(), "impronta", fp)
		return false
	}
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
