package sim_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"vivipass/national"
	"vivipass/national/httpclient"
	"vivipass/national/sim"
)

// syncBuf is a writer the command and the test share.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

var addrRe = regexp.MustCompile(`in ascolto su (https?://\S+)`)

// start runs the command until the test ends; it returns the URL it printed.
func start(t *testing.T, args ...string) (url string, stdout, stderr *syncBuf, stop func() int) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stdout, stderr = &syncBuf{}, &syncBuf{}
	code := make(chan int, 1)
	go func() { code <- sim.Run(ctx, args, stdout, stderr) }()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if m := addrRe.FindStringSubmatch(stdout.String()); m != nil {
			url = m[1]
			break
		}
		select {
		case c := <-code:
			cancel()
			t.Fatalf("the command ended with %d: %s", c, stderr)
		case <-time.After(10 * time.Millisecond):
		}
	}
	if url == "" {
		cancel()
		t.Fatalf("no address printed: %q %q", stdout, stderr)
	}
	var once sync.Once
	var rc int
	stop = func() int {
		once.Do(func() { cancel(); rc = <-code })
		return rc
	}
	t.Cleanup(func() { stop() })
	return url, stdout, stderr, stop
}

func change(key string) national.Change {
	return national.Change{Key: key, Kind: national.KindIssue, Comune: "H501", Number: "RM-" + key,
		CodiceFiscale: "RSSMRA80A01H501U", Cognome: "Rossi", Nome: "Maria",
		DataRilascio: "2026-02-01", DataScadenza: "2031-02-01", Plates: []national.Plate{{Number: "AA111AA", Country: "I"}}}
}

func TestCommandHTTPWithUsersAndState(t *testing.T) {
	dir := t.TempDir()
	users := filepath.Join(dir, "utenze.txt")
	if err := os.WriteFile(users, []byte("# prova\nroma;pw-roma;h501;2099-12-31\nvecchio;pw-v;H501;2020-01-01\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "stato.json")
	url, stdout, _, stop := start(t, "--addr", "127.0.0.1:0", "--user-file", users, "--state", state)
	if !strings.HasPrefix(url, "http://127.0.0.1:") || !strings.Contains(stdout.String(), "utenza roma per il comune H501") {
		t.Fatalf("output: %s", stdout)
	}
	c, err := httpclient.New(url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	rec, err := c.Send(context.Background(), national.Credentials{User: "roma", Password: "pw-roma"}, change("k1"))
	if err != nil || rec.CudeID == "" {
		t.Fatalf("send: %+v %v", rec, err)
	}
	if _, err := c.Send(context.Background(), national.Credentials{User: "vecchio", Password: "pw-v"}, change("k2")); err != national.ErrPasswordExpired {
		t.Fatalf("expired user: %v", err)
	}
	if rc := stop(); rc != 0 || !strings.Contains(stdout.String(), "simulatore fermato") {
		t.Fatalf("stop: %d %s", rc, stdout)
	}
	// Started again on the same state: the card is there.
	s, err := sim.New(sim.Options{State: state})
	if err != nil {
		t.Fatal(err)
	}
	if card, ok := s.Card(rec.CudeID); !ok || card.CodiceUnivoco != rec.CodiceUnivoco {
		t.Fatalf("state after restart: %+v %v", card, ok)
	}
}

func TestCommandHTTPSAndDown(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile, pool := writeCert(t, dir)
	url, _, _, _ := start(t, "--addr", "127.0.0.1:0", "--cert", certFile, "--key", keyFile, "--down")
	if !strings.HasPrefix(url, "https://") {
		t.Fatalf("url %s", url)
	}
	c, err := httpclient.New(url, httpclient.WithRootCAs(pool))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_, err = c.Send(context.Background(), national.Credentials{User: "venezia", Password: "venezia"}, change("d1"))
	if !national.Retryable(err) {
		t.Fatalf("down over HTTPS: %v", err)
	}
}

func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--addr", "0.0.0.0:8790"}, "solo su questo computer"},
		{[]string{"--cert", "x.pem"}, "--cert e --key"},
		{[]string{"--fail-rate", "2"}, "tra 0 e 1"},
		{[]string{"avanti"}, "argomento inatteso"},
		{[]string{"--boh"}, "flag provided but not defined"},
	} {
		var out, errb bytes.Buffer
		if rc := sim.Run(context.Background(), tc.args, &out, &errb); rc != 2 || !strings.Contains(errb.String(), tc.want) {
			t.Errorf("%v: %d %q", tc.args, rc, errb.String())
		}
	}
	var out, errb bytes.Buffer
	if rc := sim.Run(context.Background(), []string{"--user-file", filepath.Join(t.TempDir(), "nessuno")}, &out, &errb); rc != 1 || !strings.Contains(errb.String(), "utenze non leggibile") {
		t.Errorf("missing user file: %d %q", rc, errb.String())
	}
}

// writeCert writes a self-signed certificate for 127.0.0.1 and its key.
func writeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	pool = x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, pool
}
