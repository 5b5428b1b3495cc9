package mailtest

import (
	"bytes"
	"crypto/tls"
	"net"
	"sync"
	"testing"
	"time"

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
	// The first listeners are bound on port 0 and kept: a port picked, closed and
	// bound again could be taken in between by another test's connection.
	plain, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		plain.Close()
		t.Fatal(err)
	}
	m.PlainAddr, m.TLSAddr = plain.Addr().String(), raw.Addr().String()
	m.serve(plain, raw)
	t.Cleanup(m.Stop)
	return m
}

// listenAgain binds addr again after a Stop, trying for a while: the kernel may
// still hold the port, or a client of another test may have got it meanwhile.
func listenAgain(addr string) (net.Listener, error) {
	var err error
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil || time.Now().After(deadline) {
			return ln, err
		}
	}
}

type quietLogger struct{}

func (quietLogger) Printf(string, ...any) {}

// Start starts listening again after Stop, on the same addresses.
func (m *Mem) Start() {
	m.t.Helper()
	m.mu.Lock()
	running := m.srv != nil
	m.mu.Unlock()
	if running {
		return
	}
	plain, err := listenAgain(m.PlainAddr)
	if err != nil {
		m.t.Fatalf("listen %s: %v", m.PlainAddr, err)
	}
	raw, err := listenAgain(m.TLSAddr)
	if err != nil {
		plain.Close()
		m.t.Fatalf("listen %s: %v", m.TLSAddr, err)
	}
	m.serve(plain, raw)
}

// serve runs a new server on the two listeners, the second one with TLS.
func (m *Mem) serve(plain, raw net.Listener) {
	m.mu.Lock()
	defer m.mu.Unlock()
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
