package worker

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"
	"time"

	"vivipass/pec/parse"
)

// Security modes.
const (
	SecurityTLS      = "tls"      // implicit TLS (IMAPS, port 993)
	SecurityStartTLS = "starttls" // plain connection upgraded with STARTTLS (port 143)
	SecurityPlain    = "plain"    // no encryption: loopback hosts only (local tests)
)

// Mark modes: how a stored message is marked on the server.
const (
	MarkKeyword = "keyword"
	MarkMove    = "move"
)

// DefaultKeyword is the keyword of MarkKeyword when Config.Keyword is empty.
const DefaultKeyword = "$VivipassArchiviato"

// Defaults of the batches.
const (
	DefaultBatchMessages = 200
	DefaultBatchBytes    = 16 << 20
)

// Secret is a password. It never prints: fmt, %v, %+v, %#v and JSON all give "****".
type Secret string

func (Secret) String() string                { return "****" }
func (Secret) GoString() string              { return `"****"` }
func (Secret) MarshalText() ([]byte, error)  { return []byte("****"), nil }
func (s Secret) reveal() string              { return string(s) }
func (Secret) Format(f fmt.State, verb rune) { f.Write([]byte("****")) }

// Config is everything one mailbox connection needs.
type Config struct {
	Host     string
	Port     int
	User     string
	Password Secret
	Security string
	// Folder is the folder read (default INBOX).
	Folder string
	// Mark is MarkKeyword (default) or MarkMove; Keyword and ArchiveFolder go with them.
	Mark          string
	Keyword       string
	ArchiveFolder string
	// RootCAs are the certificates trusted for the server (nil: the system's).
	RootCAs *x509.CertPool
	// DialTimeout bounds connecting and the TLS handshake (default 30 s).
	DialTimeout time.Duration
	// Parse are the parser's options (trusted senders, size limit).
	Parse parse.Options
	// BatchMessages and BatchBytes bound one batch (0 = the defaults).
	BatchMessages int
	BatchBytes    int64
}

// Validate checks the settings and fills the defaults.
func (c *Config) Validate() error {
	c.Host = strings.TrimSpace(c.Host)
	if c.Host == "" {
		return errors.New("indicare il server IMAP (host)")
	}
	if c.Port <= 0 || c.Port > 65535 {
		return fmt.Errorf("porta %d non valida", c.Port)
	}
	if strings.TrimSpace(c.User) == "" {
		return errors.New("indicare l'utente della casella PEC")
	}
	switch c.Security {
	case SecurityTLS, SecurityStartTLS:
	case SecurityPlain:
		if !IsLoopback(c.Host) {
			return fmt.Errorf("connessione senza cifratura (plain) consentita solo verso questo computer (localhost), non verso %s: usare tls o starttls", c.Host)
		}
	default:
		return fmt.Errorf("sicurezza %q non valida: tls, starttls o plain", c.Security)
	}
	if c.Folder == "" {
		c.Folder = "INBOX"
	}
	switch c.Mark {
	case "", MarkKeyword:
		c.Mark = MarkKeyword
		if c.Keyword == "" {
			c.Keyword = DefaultKeyword
		}
		if strings.ContainsAny(c.Keyword, " ()[]{%*\"\\]") || strings.HasPrefix(c.Keyword, "\\") {
			return fmt.Errorf("parola chiave %q non valida per IMAP", c.Keyword)
		}
	case MarkMove:
		if strings.TrimSpace(c.ArchiveFolder) == "" {
			return errors.New("indicare la cartella in cui spostare i messaggi archiviati")
		}
		if c.ArchiveFolder == c.Folder {
			return errors.New("la cartella di archivio deve essere diversa da quella letta")
		}
	default:
		return fmt.Errorf("modo di marcatura %q non valido: keyword o move", c.Mark)
	}
	if c.DialTimeout <= 0 {
		c.DialTimeout = 30 * time.Second
	}
	if c.BatchMessages <= 0 {
		c.BatchMessages = DefaultBatchMessages
	}
	if c.BatchBytes <= 0 {
		c.BatchBytes = DefaultBatchBytes
	}
	if c.Parse.MaxSize <= 0 {
		c.Parse.MaxSize = parse.DefaultMaxSize
	}
	return nil
}

// Addr is host:port.
func (c *Config) Addr() string { return net.JoinHostPort(c.Host, strconv.Itoa(c.Port)) }

func (c *Config) tlsConfig() *tls.Config {
	return &tls.Config{ServerName: c.Host, RootCAs: c.RootCAs, MinVersion: tls.VersionTLS12}
}

// IsLoopback reports whether host names this computer.
func IsLoopback(host string) bool {
	h := strings.Trim(strings.ToLower(strings.TrimSpace(host)), "[]")
	if h == "localhost" {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// redact blanks the password out of an error's text: whatever a server or a library
// writes into an error, the password never reaches a log or a screen.
func redact(err error, pw Secret) error {
	if err == nil || len(pw) < 1 {
		return err
	}
	msg := err.Error()
	if !strings.Contains(msg, pw.reveal()) {
		return err
	}
	return &redactedError{msg: strings.ReplaceAll(msg, pw.reveal(), "****"), err: err}
}

// redactedError hides its cause: no Unwrap, so errors.As cannot reach the text that
// held the password; errors.Is still answers for sentinels (context.Canceled…).
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string        { return e.msg }
func (e *redactedError) Is(target error) bool { return errors.Is(e.err, target) }
