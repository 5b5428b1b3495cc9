// Package httpclient is the national CUDE platform spoken over HTTPS, with the contract
// of docs/NATIONAL.md.
package httpclient

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"vivipass/domain"
	"vivipass/national"
)

// DefaultMaxResponse bounds the body read from the platform.
const DefaultMaxResponse = 1 << 20

// DefaultTimeout bounds one send, connection to last byte.
const DefaultTimeout = 30 * time.Second

// Client is the Platform over HTTPS with the contract of docs/NATIONAL.md.
type Client struct {
	endpoint string
	http     *http.Client
	max      int64
}

var _ national.Platform = (*Client)(nil)

type clientConfig struct {
	roots   *x509.CertPool
	timeout time.Duration
	max     int64
}

// Option configures New.
type Option func(*clientConfig) error

// WithRootCAs trusts these certificate authorities instead of the system's (tests, a
// private CA).
func WithRootCAs(pool *x509.CertPool) Option {
	return func(c *clientConfig) error {
		if pool == nil {
			return errors.New("piattaforma nazionale: insieme di certificati CA vuoto")
		}
		c.roots = pool
		return nil
	}
}

// WithCAFile trusts the PEM certificates in file instead of the system's.
func WithCAFile(file string) Option {
	return func(c *clientConfig) error {
		b, err := os.ReadFile(file)
		if err != nil {
			return fmt.Errorf("piattaforma nazionale: certificato CA non leggibile: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(b) {
			return fmt.Errorf("piattaforma nazionale: nessun certificato PEM in %s", file)
		}
		c.roots = pool
		return nil
	}
}

// WithTimeout bounds each send (default DefaultTimeout).
func WithTimeout(d time.Duration) Option {
	return func(c *clientConfig) error {
		if d <= 0 {
			return fmt.Errorf("piattaforma nazionale: tempo massimo non valido (%s)", d)
		}
		c.timeout = d
		return nil
	}
}

// WithMaxResponse bounds the response body read (default DefaultMaxResponse).
func WithMaxResponse(n int64) Option {
	return func(c *clientConfig) error {
		if n <= 0 {
			return fmt.Errorf("piattaforma nazionale: dimensione massima della risposta non valida (%d)", n)
		}
		c.max = n
		return nil
	}
}

// New makes a client for the platform at baseURL ("https://host[:port][/path]").
// Plain http:// is accepted only towards this computer (the simulator): loopback
// addresses and localhost.
func New(baseURL string, opts ...Option) (*Client, error) {
	cfg := clientConfig{timeout: DefaultTimeout, max: DefaultMaxResponse}
	for _, o := range opts {
		if err := o(&cfg); err != nil {
			return nil, err
		}
	}
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil || u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("indirizzo della piattaforma nazionale non valido: %q (atteso https://host[:porta])", redactURL(baseURL))
	}
	switch {
	case u.User != nil:
		return nil, errors.New("indirizzo della piattaforma nazionale non valido: utenza e password non vanno nell'indirizzo")
	case u.RawQuery != "" || u.Fragment != "":
		return nil, fmt.Errorf("indirizzo della piattaforma nazionale non valido: %q (niente ? o #)", u.Redacted())
	}
	plain := false
	switch u.Scheme {
	case "https":
	case "http":
		if !loopbackHost(u.Hostname()) {
			return nil, fmt.Errorf("indirizzo della piattaforma nazionale %q: http:// senza cifratura è ammesso solo verso questo computer (127.0.0.1, ::1, localhost); per la piattaforma serve https://", u.Redacted())
		}
		plain = true
	default:
		return nil, fmt.Errorf("indirizzo della piattaforma nazionale %q: serve https://", u.Redacted())
	}
	dialer := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       &tls.Config{RootCAs: cfg.roots, MinVersion: tls.VersionTLS12},
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          16,
		MaxIdleConnsPerHost:   16,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: cfg.timeout,
	}
	if plain {
		// Plain HTTP never leaves this computer, whatever "localhost" resolves to.
		tr.Proxy = nil
		tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
			conn, err := dialer.DialContext(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			if a, ok := conn.RemoteAddr().(*net.TCPAddr); !ok || !a.IP.IsLoopback() {
				conn.Close()
				return nil, fmt.Errorf("http:// senza cifratura verso %s rifiutato: non è questo computer", addr)
			}
			return conn, nil
		}
	}
	return &Client{
		endpoint: strings.TrimSuffix(u.String(), "/") + national.ChangesPath,
		max:      cfg.max,
		http: &http.Client{
			Transport: tr,
			Timeout:   cfg.timeout,
			// A redirect is not in the contract: it is reported, never followed with
			// the credentials.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
	}, nil
}

// Endpoint is the URL the changes are posted to.
func (c *Client) Endpoint() string { return c.endpoint }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// platformError is the JSON body of an error answer.
type platformError struct {
	Code   string `json:"codice"`
	Reason string `json:"motivo"`
}

// Send posts the change and maps every failure to ErrUnavailable (retry),
// ErrPasswordExpired, ErrCredentials or *Rejected. No error carries the password.
func (c *Client) Send(ctx context.Context, cred national.Credentials, ch national.Change) (national.Receipt, error) {
	if err := ch.Check(); err != nil {
		return national.Receipt{}, err
	}
	if cred.User == "" || cred.Password == "" {
		return national.Receipt{}, fmt.Errorf("%w: utenza CUDE del comune %s non configurata", national.ErrCredentials, ch.Comune)
	}
	rec, err := c.send(ctx, cred, ch)
	if err != nil {
		return national.Receipt{}, redactErr(err, string(cred.Password))
	}
	return rec, nil
}

func (c *Client) send(ctx context.Context, cred national.Credentials, ch national.Change) (national.Receipt, error) {
	body, err := json.Marshal(ch)
	if err != nil {
		return national.Receipt{}, fmt.Errorf("invio nazionale non codificabile: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.endpoint, bytes.NewReader(body))
	if err != nil {
		return national.Receipt{}, fmt.Errorf("%w: %v", national.ErrUnavailable, err)
	}
	req.SetBasicAuth(cred.User, string(cred.Password))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	req.Header.Set("Idempotency-Key", ch.Key)
	req.Header.Set("User-Agent", "vivipass")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return national.Receipt{}, fmt.Errorf("%w: invio interrotto: %w", national.ErrUnavailable, ctx.Err())
		}
		return national.Receipt{}, fmt.Errorf("%w: %s", national.ErrUnavailable, netReason(err))
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.max+1))
	if err != nil {
		return national.Receipt{}, fmt.Errorf("%w: risposta interrotta (HTTP %d): %s", national.ErrUnavailable, resp.StatusCode, netReason(err))
	}
	if int64(len(data)) > c.max {
		return national.Receipt{}, fmt.Errorf("%w: risposta oltre %d byte (HTTP %d), scartata", national.ErrUnavailable, c.max, resp.StatusCode)
	}
	st := resp.StatusCode
	if st == http.StatusOK || st == http.StatusCreated {
		return decodeReceipt(data, ch)
	}
	var pe platformError
	_ = json.Unmarshal(data, &pe) // an error without our JSON body is still classified by status
	detail := fmt.Sprintf("HTTP %d", st)
	if pe.Reason != "" {
		detail += ": " + clip(pe.Reason)
	} else if pe.Code != "" {
		detail += ": " + clip(pe.Code)
	}
	switch {
	case st == http.StatusUnauthorized && pe.Code == national.CodePasswordExpired:
		return national.Receipt{}, national.ErrPasswordExpired
	case st == http.StatusUnauthorized || st == http.StatusForbidden:
		return national.Receipt{}, fmt.Errorf("%w (%s)", national.ErrCredentials, detail)
	case st == http.StatusConflict || st == http.StatusUnprocessableEntity ||
		st == http.StatusBadRequest || st == http.StatusRequestEntityTooLarge:
		reason := clip(pe.Reason)
		if reason == "" {
			reason = fmt.Sprintf("richiesta non accettata (HTTP %d%s)", st, codeSuffix(pe.Code))
		}
		return national.Receipt{}, &national.Rejected{Reason: reason}
	case st >= 500, st == http.StatusRequestTimeout, st == http.StatusTooManyRequests, st == http.StatusTooEarly:
		return national.Receipt{}, fmt.Errorf("%w (%s)", national.ErrUnavailable, detail)
	default:
		// 3xx, 404, 405, 415…: not the contract; likely a wrong address. Nothing was
		// applied, so the send stays queued and the error says what came back.
		return national.Receipt{}, fmt.Errorf("%w: risposta inattesa (%s): l'indirizzo della piattaforma è corretto?", national.ErrUnavailable, detail)
	}
}

func decodeReceipt(data []byte, ch national.Change) (national.Receipt, error) {
	var r national.Receipt
	if err := json.Unmarshal(data, &r); err != nil {
		return national.Receipt{}, fmt.Errorf("%w: ricevuta non leggibile: %s", national.ErrUnavailable, jsonProblem(err))
	}
	// What the platform answers is written on the pass and shown at the desk: an id of
	// control characters or kilobytes is not one (issue 12.13).
	for _, f := range []struct{ what, v string }{{"il CUDE ID", r.CudeID}, {"il codice univoco", r.CodiceUnivoco}, {"la targa attiva", r.ActivePlate}} {
		if err := domain.CheckText(f.what, f.v, false); err != nil {
			return national.Receipt{}, fmt.Errorf("%w: ricevuta non valida: %v", national.ErrUnavailable, err)
		}
		if len(f.v) > maxReceiptField {
			return national.Receipt{}, fmt.Errorf("%w: ricevuta non valida: %s è lungo %d byte (al massimo %d)", national.ErrUnavailable, f.what, len(f.v), maxReceiptField)
		}
	}
	switch {
	case r.CudeID == "":
		return national.Receipt{}, fmt.Errorf("%w: ricevuta senza CUDE ID", national.ErrUnavailable)
	case r.CodiceUnivoco == "":
		return national.Receipt{}, fmt.Errorf("%w: ricevuta senza codice univoco", national.ErrUnavailable)
	case ch.Kind != national.KindIssue && r.CudeID != ch.CudeID:
		return national.Receipt{}, fmt.Errorf("%w: la ricevuta riguarda il CUDE ID %s, non %s", national.ErrUnavailable, clip(r.CudeID), ch.CudeID)
	}
	return r, nil
}

// maxReceiptField bounds each value of a receipt (a CUDE ID is "CUDE-" and 10 digits).
const maxReceiptField = 64

// jsonProblem says in Italian where a receipt is not the JSON expected (the decoder's
// own message is in English).
func jsonProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("JSON non valido al byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("il campo %q non è del tipo atteso", clip(te.Field))
	}
	return "non è il JSON atteso"
}

// netReason says in Italian why the platform was not reached.
func netReason(err error) string {
	var ne net.Error
	var oe *net.OpError
	var ce *tls.CertificateVerificationError
	var ue x509.UnknownAuthorityError
	var he x509.HostnameError
	switch {
	case errors.As(err, &ne) && ne.Timeout():
		return "nessuna risposta nel tempo massimo"
	case errors.As(err, &ue), errors.As(err, &he), errors.As(err, &ce):
		return "certificato del server non valido: " + err.Error()
	case errors.As(err, &oe) && oe.Op == "dial":
		return "connessione non riuscita: " + err.Error()
	}
	return err.Error()
}

func codeSuffix(code string) string {
	if code == "" {
		return ""
	}
	return ", " + clip(code)
}

// clip bounds text from the platform that goes into an error.
func clip(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 300 {
		return strings.ToValidUTF8(s[:300], "") + "…"
	}
	return s
}

// redactErr keeps the password out of the error text, whatever the server echoed.
func redactErr(err error, password string) error {
	if password == "" || !strings.Contains(err.Error(), password) {
		return err
	}
	var r *national.Rejected
	if errors.As(err, &r) {
		return &national.Rejected{Reason: strings.ReplaceAll(r.Reason, password, "****")}
	}
	var classes []error
	for _, c := range []error{national.ErrUnavailable, national.ErrPasswordExpired, national.ErrCredentials, context.Canceled, context.DeadlineExceeded} {
		if errors.Is(err, c) {
			classes = append(classes, c)
		}
	}
	return &redacted{msg: strings.ReplaceAll(err.Error(), password, "****"), classes: classes}
}

// redacted is an error whose text had the password replaced. It unwraps to its classes
// (ErrUnavailable…) only: the original error, which held the password, is dropped.
type redacted struct {
	msg     string
	classes []error
}

func (r *redacted) Error() string   { return r.msg }
func (r *redacted) Unwrap() []error { return r.classes }

func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

func redactURL(s string) string {
	if u, err := url.Parse(s); err == nil {
		return u.Redacted()
	}
	if i := strings.LastIndex(s, "@"); i >= 0 {
		return "…" + s[i:]
	}
	return s
}
