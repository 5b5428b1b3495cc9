package httpapi

import (
	"errors"
	"math"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"vivipass/service"
)

// authenticate finds the client of the request's bearer token: status 0 when found,
// else 401 (no token, unknown, revoked) or 403 (a gate whose comune left the circuit).
func (s *Server) authenticate(r *http.Request) (service.Client, int, string) {
	h := r.Header.Get("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return service.Client{}, http.StatusUnauthorized, "token mancante: intestazione Authorization: Bearer TOKEN"
	}
	if len(token) > 100 || !strings.HasPrefix(token, service.TokenPrefix) {
		return service.Client{}, http.StatusUnauthorized, "token sconosciuto"
	}
	c, err := s.svc.ClientByToken(token)
	switch {
	case err == nil:
		return c, 0, ""
	case errors.Is(err, service.ErrTokenUnknown):
		return c, http.StatusUnauthorized, "token sconosciuto"
	case errors.Is(err, service.ErrTokenRevoked):
		return c, http.StatusUnauthorized, "token revocato: chiedere un nuovo token all'amministratore"
	case errors.Is(err, service.ErrNotMember):
		return c, http.StatusForbidden, "il comune del varco non aderisce al circuito: non può interrogarlo"
	}
	s.log.Error("http: lettura dei clienti non riuscita", "errore", err.Error())
	return c, http.StatusInternalServerError, "errore interno del server"
}

// limiter is a token bucket per client: rate requests a second (the client's own, or
// the server's), bursts of up to twice that (at least 1).
type limiter struct {
	rate    float64
	mu      sync.Mutex
	buckets map[string]*bucket
	now     func() time.Time
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter(rate float64) *limiter {
	return &limiter{rate: rate, buckets: map[string]*bucket{}, now: time.Now}
}

// take spends one request of c's bucket; when it is empty, wait is how long until one.
func (l *limiter) take(c service.Client) (wait time.Duration, ok bool) {
	rate := l.rate
	if c.Rate > 0 {
		rate = c.Rate
	}
	burst := math.Max(1, 2*rate)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[c.Name]
	if b == nil {
		b = &bucket{tokens: burst, last: now}
		l.buckets[c.Name] = b
	}
	b.tokens = math.Min(burst, b.tokens+now.Sub(b.last).Seconds()*rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return 0, true
	}
	return time.Duration((1 - b.tokens) / rate * float64(time.Second)), false
}

func unescape(s string) (string, error) { return url.QueryUnescape(s) }
