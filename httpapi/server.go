// Package httpapi is the circuit's read side over HTTPS for gates, police and services (issue 13; docs/API.md).
package httpapi

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
	"time"

	"vivipass/service"
)

// Limits applied to every request before any handler runs.
const (
	MaxHeaderBytes = 8 << 10 // request line and headers
	MaxPath        = 256     // bytes of the path
	MaxQuery       = 512     // bytes of the query string
	MaxParams      = 4       // query parameters
	MaxBody        = 2 << 10 // bytes of a POST body (a QR code is about 130)
	DefaultRate    = 20      // requests a second per token
	DefaultLogDays = 90      // days the query log keeps
	DefaultConns   = 256     // connections open at once
)

// Config is what the server needs.
type Config struct {
	Svc      *service.Service
	Addr     string // host:port
	CertFile string // TLS certificate (PEM); with KeyFile. Both empty: plain HTTP, loopback only
	KeyFile  string
	Rate     float64 // requests a second per token (0: DefaultRate); a client's own Rate wins
	LogDays  int     // days the query log keeps (0: DefaultLogDays)
	MaxConns int     // connections open at once (0: DefaultConns)
	Log      *slog.Logger
}

// endpoint is one line of the API: method, path (net/http pattern), the name used in
// scopes and in the query log, the kinds of client allowed, and the handler.
type endpoint struct {
	method, path, name string
	kinds              []string
	handle             func(*Server, *call)
}

// endpoints is the API. Adding an endpoint is adding a line.
var endpoints = []endpoint{
	{http.MethodGet, "/v1/targhe/{targa}", "targhe", []string{service.ClientGate, service.ClientPolizia}, (*Server).plate},
	{http.MethodGet, "/v1/whitelist.csv", "whitelist.csv", []string{service.ClientGate}, (*Server).whitelist},
	{http.MethodGet, "/v1/whitelist/changes", "whitelist/changes", []string{service.ClientGate}, (*Server).changes},
	{http.MethodPost, "/v1/verifica", "verifica", []string{service.ClientPolizia}, (*Server).verify},
	{http.MethodGet, "/v1/contrassegni/{numero}", "contrassegni", []string{service.ClientPolizia, service.ClientServizio}, (*Server).card},
}

// Server is the HTTP read side.
type Server struct {
	cfg     Config
	svc     *service.Service
	log     *slog.Logger
	http    *http.Server
	limiter *limiter
	qlog    *queryLog
	lists   *listCache // the full lists in memory (listcache.go)
}

// CheckAddr refuses plain HTTP anywhere but on loopback: tokens and plates would cross
// the network in clear.
func CheckAddr(addr string, tls bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("indirizzo HTTP %q non valido: usare host:porta (es. 127.0.0.1:8080)", addr)
	}
	if tls {
		return nil
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("HTTP senza TLS solo su loopback (127.0.0.1, ::1, localhost): per %s indicare --tls-cert e --tls-key", addr)
}

// New checks the configuration, loads the certificate, prunes the query log and starts
// its writer. Serve answers; Shutdown stops.
func New(cfg Config) (*Server, error) {
	if cfg.Rate <= 0 {
		cfg.Rate = DefaultRate
	}
	if cfg.LogDays <= 0 {
		cfg.LogDays = DefaultLogDays
	}
	if cfg.MaxConns <= 0 {
		cfg.MaxConns = DefaultConns
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if (cfg.CertFile == "") != (cfg.KeyFile == "") {
		return nil, errors.New("indicare insieme il certificato (--tls-cert) e la sua chiave (--tls-key)")
	}
	if err := CheckAddr(cfg.Addr, cfg.CertFile != ""); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, svc: cfg.Svc, log: cfg.Log, limiter: newLimiter(cfg.Rate), lists: newListCache(cfg.Svc)}
	s.http = &http.Server{
		Handler:           s.Handler(),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      2 * time.Minute, // the full list to a slow gate
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(cfg.Log.Handler(), slog.LevelDebug),
	}
	if cfg.CertFile != "" {
		cert, err := tls.LoadX509KeyPair(cfg.CertFile, cfg.KeyFile)
		if err != nil {
			return nil, fmt.Errorf("certificato TLS %s o chiave %s non utilizzabili: %v", cfg.CertFile, cfg.KeyFile, err)
		}
		s.http.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	var err error
	if s.qlog, err = startQueryLog(cfg.Svc, cfg.LogDays, cfg.Log); err != nil {
		return nil, err
	}
	return s, nil
}

// TLS reports whether the server speaks HTTPS.
func (s *Server) TLS() bool { return s.http.TLSConfig != nil }

// Serve answers on ln (at most MaxConns connections at once) until Shutdown.
func (s *Server) Serve(ln net.Listener) error {
	ln = &limitListener{Listener: ln, sem: make(chan struct{}, s.cfg.MaxConns)}
	if s.http.TLSConfig != nil {
		ln = tls.NewListener(ln, s.http.TLSConfig)
	}
	err := s.http.Serve(ln)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops taking requests, waits for those under way, then writes the query log
// still in memory: call it before the database closes.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		s.http.Close() // out of time: cut what is still open
	}
	s.qlog.close()
	return err
}

// Handler is the API with its limits, for Serve (and tests).
func (s *Server) Handler() http.Handler {
	mux := http.NewServeMux()
	for _, ep := range endpoints {
		mux.HandleFunc(ep.path, func(w http.ResponseWriter, r *http.Request) { s.serve(ep, w, r) })
	}
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "risorsa inesistente: vedere docs/API.md (le richieste iniziano con /v1/)")
	})
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case len(r.URL.EscapedPath()) > MaxPath:
			writeError(w, http.StatusRequestURITooLong, fmt.Sprintf("indirizzo troppo lungo: al massimo %d caratteri", MaxPath))
		case len(r.URL.RawQuery) > MaxQuery:
			writeError(w, http.StatusRequestURITooLong, fmt.Sprintf("parametri troppo lunghi: al massimo %d caratteri", MaxQuery))
		case !cleanPath(r.URL.Path):
			// The mux would answer a redirect in HTML; a gate wants the API's answer.
			writeError(w, http.StatusNotFound, "indirizzo non valido: senza //, /./ o /../ (vedere docs/API.md)")
		case r.ContentLength > MaxBody:
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Sprintf("richiesta troppo grande: al massimo %d byte", MaxBody))
		default:
			r.Body = http.MaxBytesReader(w, r.Body, MaxBody)
			mux.ServeHTTP(w, r)
		}
	})
}

// cleanPath reports whether p is a path as the mux takes it without a redirect:
// absolute, and already clean (a trailing / kept).
func cleanPath(p string) bool {
	if p == "" || p[0] != '/' {
		return false
	}
	c := path.Clean(p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c == p
}

// call is one request under way: who asks, and what goes in the query log.
type call struct {
	w      http.ResponseWriter
	r      *http.Request
	client service.Client
	entry  service.QueryEntry
	params map[string]string
}

// serve runs the checks every endpoint shares: method, parameters, token, scope, rate;
// then the endpoint, then the log.
func (s *Server) serve(ep endpoint, w http.ResponseWriter, r *http.Request) {
	if r.Method != ep.method {
		w.Header().Set("Allow", ep.method)
		writeError(w, http.StatusMethodNotAllowed, fmt.Sprintf("metodo %s non consentito: usare %s", r.Method, ep.method))
		return
	}
	params, msg := queryParams(r)
	if msg != "" {
		writeError(w, http.StatusBadRequest, msg)
		return
	}
	c, status, msg := s.authenticate(r)
	if status != 0 {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="vivipass"`)
		}
		writeError(w, status, msg)
		return
	}
	cl := &call{w: w, r: r, client: c, params: params,
		entry: service.QueryEntry{At: s.svc.Now().UTC(), Client: c.Name, Endpoint: ep.name}} // the service clock, as every date it compares with
	if !allowed(ep, c.Kind) {
		cl.fail(http.StatusForbidden, fmt.Sprintf("il cliente %s (%s) non può usare %s", c.Name, service.ClientKindLabel(c.Kind), ep.name))
		s.qlog.add(cl.entry)
		return
	}
	if wait, ok := s.limiter.take(c); !ok {
		secs := max(1, int(math.Ceil(wait.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		writeError(w, http.StatusTooManyRequests, fmt.Sprintf("troppe richieste per il cliente %s: riprovare tra %d s", c.Name, secs))
		return // not logged: a flood must not fill the register
	}
	ep.handle(s, cl)
	s.qlog.add(cl.entry)
}

func allowed(ep endpoint, kind string) bool {
	for _, k := range ep.kinds {
		if k == kind {
			return true
		}
	}
	return false
}

// queryParams reads the query string: at most MaxParams parameters, each once.
func queryParams(r *http.Request) (map[string]string, string) {
	out := map[string]string{}
	if r.URL.RawQuery == "" {
		return out, ""
	}
	parts := strings.Split(r.URL.RawQuery, "&")
	if len(parts) > MaxParams {
		return nil, fmt.Sprintf("troppi parametri: al massimo %d", MaxParams)
	}
	for _, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		key, err1 := unescape(k)
		val, err2 := unescape(v)
		if err1 != nil || err2 != nil {
			return nil, "parametri non leggibili: codifica non valida"
		}
		if _, dup := out[key]; dup {
			return nil, fmt.Sprintf("parametro %q ripetuto", key)
		}
		out[key] = val
	}
	return out, ""
}

// json writes v with status and records the answer.
func (c *call) json(status int, v any, answer string) {
	c.entry.Status, c.entry.Answer = status, answer
	writeJSON(c.w, status, v)
}

// fail answers an error and records it.
func (c *call) fail(status int, msg string) {
	c.entry.Status, c.entry.Answer = status, msg
	writeError(c.w, status, msg)
}

// only refuses a parameter the endpoint does not know.
func (c *call) only(names ...string) bool {
	for k := range c.params {
		known := false
		for _, n := range names {
			known = known || k == n
		}
		if !known {
			c.fail(http.StatusBadRequest, fmt.Sprintf("parametro %q sconosciuto per %s", k, c.entry.Endpoint))
			return false
		}
	}
	return true
}

// Header values shared by every answer (set as slices: Header.Set allocates one each
// time; nothing changes them).
var (
	jsonType = []string{"application/json; charset=utf-8"}
	noStore  = []string{"no-store"}
)

func writeJSON(w http.ResponseWriter, status int, v any) {
	h := w.Header()
	h["Content-Type"], h["Cache-Control"] = jsonType, noStore
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// apiError is every error's body.
type apiError struct {
	Errore string `json:"errore"`
}

func writeError(w http.ResponseWriter, status int, msg string) {
	writeJSON(w, status, apiError{msg})
}

// limitListener accepts at most cap(sem) connections open at once; the others wait in
// the kernel's backlog.
type limitListener struct {
	net.Listener
	sem chan struct{}
}

func (l *limitListener) Accept() (net.Conn, error) {
	l.sem <- struct{}{}
	c, err := l.Listener.Accept()
	if err != nil {
		<-l.sem
		return nil, err
	}
	return &limitConn{Conn: c, release: func() { <-l.sem }}, nil
}

type limitConn struct {
	net.Conn
	once    sync.Once
	release func()
}

func (c *limitConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
