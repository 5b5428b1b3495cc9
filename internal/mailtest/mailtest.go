// Package mailtest gives the PEC tests their mail servers and messages: go-imap's
// in-process server (Mem) for fast tests, a real Dovecot started by the test itself
// (Dovecot), a self-signed certificate for both, the shared sample messages with
// their manifest, and generated viviVeneto requests by the hundred.
//
// Nothing here skips a test: a missing sample directory or a missing dovecot fails
// it, saying what to install.
package mailtest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"
)

// Cert is a self-signed certificate for localhost and 127.0.0.1.
type Cert struct {
	TLS     tls.Certificate
	CertPEM []byte
	KeyPEM  []byte
	Pool    *x509.CertPool
}

// NewCert makes a certificate valid for two days.
func NewCert(t testing.TB) Cert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{CommonName: "localhost"},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(48 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	c := Cert{
		CertPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		KeyPEM:  pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}),
		Pool:    x509.NewCertPool(),
	}
	if c.TLS, err = tls.X509KeyPair(c.CertPEM, c.KeyPEM); err != nil {
		t.Fatal(err)
	}
	c.Pool.AppendCertsFromPEM(c.CertPEM)
	return c
}

// FreePort returns a TCP port of 127.0.0.1 nobody listens on (now).
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// SharedDir finds the project's shared directory by walking up from the working
// directory. It fails, never skips: the samples are the contract.
func SharedDir(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		cand := filepath.Join(dir, "shared")
		if st, err := os.Stat(filepath.Join(cand, "samples", "pec", "manifest.tsv")); err == nil && !st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("shared/samples/pec/manifest.tsv not found in any parent directory")
		}
		dir = parent
	}
}

// Sample is one shared sample message and what its manifest says it must become.
type Sample struct {
	File          string
	Raw           []byte
	Kind          string   // request, receipt, anomaly, other, quarantine
	TypeOrReceipt string   // RINNOVO… for requests, the receipt type for receipts
	CF            string   // "" when the manifest says "-"
	Attachments   []string // attachment types (FOTOTESSERA…), nil when "-"
}

// Samples reads ../shared/samples/pec and its manifest.tsv.
func Samples(t testing.TB) []Sample {
	t.Helper()
	dir := filepath.Join(SharedDir(t), "samples", "pec")
	man, err := os.ReadFile(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	var out []Sample
	for i, line := range strings.Split(strings.TrimSpace(string(man)), "\n") {
		if i == 0 || strings.TrimSpace(line) == "" {
			continue
		}
		f := strings.Split(strings.TrimRight(line, "\r"), "\t")
		if len(f) < 5 {
			t.Fatalf("manifest.tsv line %d: %q", i+1, line)
		}
		raw, err := os.ReadFile(filepath.Join(dir, f[0]))
		if err != nil {
			t.Fatal(err)
		}
		s := Sample{File: f[0], Raw: raw, Kind: f[1], TypeOrReceipt: dash(f[2]), CF: dash(f[3])}
		if a := dash(f[4]); a != "" {
			s.Attachments = strings.Split(a, ",")
		}
		out = append(out, s)
	}
	if len(out) < 4 {
		t.Fatalf("manifest.tsv lists %d samples", len(out))
	}
	return out
}

func dash(s string) string {
	if s = strings.TrimSpace(s); s == "-" {
		return ""
	}
	return s
}

// Requests makes n distinct certified viviVeneto renewal requests from a trusted
// sender, each the size of the shared sample 001-rinnovo.eml (about 16 KB, with its
// photo): the istanza id is VV-9000-<start+i>, the Message-IDs are unique.
func Requests(t testing.TB, start, n int) [][]byte {
	t.Helper()
	return RequestsFrom(t, filepath.Join(SharedDir(t), "samples", "pec", "001-rinnovo.eml"), start, n)
}

// RequestsFrom is Requests from the sample at path (for tools outside tests).
func RequestsFrom(t testing.TB, path string, start, n int) [][]byte {
	tmpl, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := MakeRequests(tmpl, start, n)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// MakeRequests rewrites the sample renewal tmpl into n distinct requests.
func MakeRequests(tmpl []byte, start, n int) ([][]byte, error) {
	const outerID = "opec21.20261120101507.12345.67.1.1@pec.aruba.it"
	const innerID = "179565363391.21734.6736216272823064935@viviveneto.regione.veneto.it"
	const oldIstanza = "<id>VV-2026-000101</id>"
	tmpl = bytes.ReplaceAll(tmpl, []byte("\r\n"), []byte("\n"))
	mark := []byte("filename=\"istanza.xml\"\n\n")
	i := bytes.Index(tmpl, mark)
	if i < 0 {
		return nil, fmt.Errorf("sample: istanza.xml part not found")
	}
	bodyStart := i + len(mark)
	bodyEnd := bodyStart + bytes.Index(tmpl[bodyStart:], []byte("\n\n"))
	xml, err := base64.StdEncoding.DecodeString(strings.ReplaceAll(string(tmpl[bodyStart:bodyEnd]), "\n", ""))
	if err != nil || !bytes.Contains(xml, []byte(oldIstanza)) {
		return nil, fmt.Errorf("sample: istanza.xml unreadable (%v)", err)
	}
	out := make([][]byte, 0, n)
	for k := start; k < start+n; k++ {
		id := fmt.Sprintf("VV-9000-%06d", k)
		x := bytes.Replace(xml, []byte(oldIstanza), []byte("<id>"+id+"</id>"), 1)
		enc := base64.StdEncoding.EncodeToString(x)
		var b64 strings.Builder
		for len(enc) > 76 {
			b64.WriteString(enc[:76] + "\n")
			enc = enc[76:]
		}
		b64.WriteString(enc)
		var m bytes.Buffer
		m.Write(tmpl[:bodyStart])
		m.WriteString(b64.String())
		m.Write(tmpl[bodyEnd:])
		msg := bytes.ReplaceAll(m.Bytes(), []byte(outerID), []byte(fmt.Sprintf("opec21.bulk.%06d@pec.aruba.it", k)))
		msg = bytes.ReplaceAll(msg, []byte(innerID), []byte(fmt.Sprintf("bulk.%06d@viviveneto.regione.veneto.it", k)))
		out = append(out, bytes.ReplaceAll(msg, []byte("\n"), []byte("\r\n")))
	}
	return out, nil
}

// Plain makes a small ordinary mail (KindOther) with a unique Message-ID.
func Plain(n int, subject string) []byte {
	return []byte(fmt.Sprintf("From: cittadino%d@example.it\r\nTo: protocollo@pec.comune.it\r\n"+
		"Subject: %s\r\nMessage-ID: <plain.%d@example.it>\r\nDate: Mon, 2 Nov 2026 10:00:00 +0100\r\n\r\n"+
		"Buongiorno, una domanda.\r\n", n, subject, n))
}

// Client opens a plain IMAP connection to inspect or change a mailbox from a test.
func Client(t testing.TB, addr, user, pass string) *imapclient.Client {
	t.Helper()
	c, err := imapclient.DialInsecure(addr, nil)
	if err != nil {
		t.Fatalf("test client: %v", err)
	}
	if err := c.Login(user, pass).Wait(); err != nil {
		c.Close()
		t.Fatalf("test client login: %v", err)
	}
	return c
}

// MessageInfo is what a test checks of a message on the server.
type MessageInfo struct {
	UID   uint32
	Flags []string
	Raw   []byte
}

// Has reports whether the message carries the flag.
func (m MessageInfo) Has(flag string) bool {
	for _, f := range m.Flags {
		if strings.EqualFold(f, flag) {
			return true
		}
	}
	return false
}

// Messages lists a folder's messages with flags and bodies (BODY.PEEK, EXAMINE: the
// look changes nothing), in UID order.
func Messages(t testing.TB, c *imapclient.Client, folder string) []MessageInfo {
	t.Helper()
	sel, err := c.Select(folder, &imap.SelectOptions{ReadOnly: true}).Wait()
	if err != nil {
		t.Fatalf("EXAMINE %s: %v", folder, err)
	}
	if sel.NumMessages == 0 {
		return nil
	}
	sec := &imap.FetchItemBodySection{Peek: true}
	var all imap.SeqSet
	all.AddRange(1, 0)
	bufs, err := c.Fetch(all, &imap.FetchOptions{UID: true, Flags: true, BodySection: []*imap.FetchItemBodySection{sec}}).Collect()
	if err != nil {
		t.Fatalf("FETCH %s: %v", folder, err)
	}
	var out []MessageInfo
	for _, b := range bufs {
		mi := MessageInfo{UID: uint32(b.UID), Raw: b.FindBodySection(sec)}
		for _, f := range b.Flags {
			mi.Flags = append(mi.Flags, string(f))
		}
		out = append(out, mi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].UID < out[j].UID })
	return out
}

// Append adds messages to a folder through IMAP (pipelined: hundreds per second).
func Append(t testing.TB, c *imapclient.Client, folder string, raws ...[]byte) {
	t.Helper()
	var cmds []*imapclient.AppendCommand
	for _, raw := range raws {
		ap := c.Append(folder, int64(len(raw)), nil)
		if _, err := ap.Write(raw); err != nil {
			t.Fatalf("APPEND: %v", err)
		}
		if err := ap.Close(); err != nil {
			t.Fatalf("APPEND: %v", err)
		}
		cmds = append(cmds, ap)
		if len(cmds) == 50 {
			for _, a := range cmds {
				if _, err := a.Wait(); err != nil {
					t.Fatalf("APPEND: %v", err)
				}
			}
			cmds = cmds[:0]
		}
	}
	for _, a := range cmds {
		if _, err := a.Wait(); err != nil {
			t.Fatalf("APPEND: %v", err)
		}
	}
}
