package mailtest

import (
	"bytes"
	"crypto/tls"
	"net"
	"sync"
	"testing"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapserver"
	"github.com/emersion/go-imap/v2/imapserver/imapmemserver"
)

// Mem is go-imap's in-process server with one user, listening on 127.0.0.1: plain
// (with STARTTLS) on PlainAddr, implicit TLS on TLSAddr. Stop and Start take it down
// and up again on the same ports, with the same mailboxes.
type Mem struct {
	Username, Password string
	User               *imapmemserver.User
	Cert               Cert
	PlainAddr, TLSAddr string
	// Caps are the capabilities advertised (default IMAP4rev1 + IMAP4rev2: MOVE,
	// UIDPLUS…). Set before Start to take some away.
	Caps imap.CapSet

	t    testing.TB
	mem  *imapmemserver.Server
	mu   sync.Mutex
	srv  *imapserver.Server
	lns  []net.Listener
	wg   sync.WaitGroup
	down bool
}

// NewMem starts a server whose user has an INBOX; it stops at the end of the test.
func NewMem(t testing.TB, user, password string) *Mem {
	t.Helper()
	m := &Mem{Username: user, Password: password, Cert: NewCert(t), t: t,
		Caps: imap.CapSet{imap.CapIMAP4rev1: {}, imap.CapIMAP4rev2: {}}}
	m.mem = imapmemserver.New()
	m.User = imapmemserver.NewUser(user, password)
	if err := m.User.Create("INBOX", nil); err != nil {
		t.Fatal(err)
	}
	m.mem.AddUser(m.User)
	m.PlainAddr = listenAddr(t)
	m.TLSAddr = listenAddr(t)
	m.Start()
	t.Cleanup(m.Stop)
	return m
}

func listenAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// Start (re)starts listening.
func (m *Mem) Start() {
	m.t.Helper()
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.srv != nil {
		return
	}
	tlsCfg := &tls.Config{Certificates: []tls.Certificate{m.Cert.TLS}}
	m.srv = imapserver.New(&imapserver.Options{
		NewSession: func(*imapserver.Conn) (imapserver.Session, *imapserver.GreetingData, error) {
			return m.mem.NewSession(), nil, nil
		},
		Caps:         m.Caps,
		TLSConfig:    tlsCfg,
		InsecureAuth: true,
		Logger:       quietLogger{},
	})
	plain, err := net.Listen("tcp", m.PlainAddr)
	if err != nil {
		m.t.Fatalf("listen %s: %v", m.PlainAddr, err)
	}
	raw, err := net.Listen("tcp", m.TLSAddr)
	if err != nil {
		plain.Close()
		m.t.Fatalf("listen %s: %v", m.TLSAddr, err)
	}
	m.lns = []net.Listener{plain, tls.NewListener(raw, tlsCfg)}
	for _, ln := range m.lns {
		m.wg.Add(1)
		go func() {
			defer m.wg.Done()
			m.srv.Serve(ln)
		}()
	}
}

// Stop closes the listeners and every connection.
func (m *Mem) Stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.srv == nil {
		return
	}
	m.srv.Close()
	for _, ln := range m.lns {
		ln.Close()
	}
	m.wg.Wait()
	m.srv, m.lns = nil, nil
}

// Seed appends messages to a folder on the server side, without IMAP.
func (m *Mem) Seed(folder string, raws ...[]byte) {
	m.t.Helper()
	for _, raw := range raws {
		if _, err := m.User.Append(folder, literalReader{bytes.NewReader(raw)}, &imap.AppendOptions{}); err != nil {
			m.t.Fatalf("seed %s: %v", folder, err)
		}
	}
}

type literalReader struct {
	*bytes.Reader
}

func (l literalReader) Size() int64 { return l.Reader.Size() }
