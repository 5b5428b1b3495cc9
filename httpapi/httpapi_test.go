package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"io"
	"log/slog"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/httpapi"
	"vivipass/service"
	"vivipass/store"
)

// The HTTP read side as gates, police and services use it (issue 13): real HTTPS with
// a certificate made here, a real bbolt register with the demo's passes.

var sys = service.SystemActor("test")

// api is a running server and what the tests ask it with.
type api struct {
	t       *testing.T
	svc     *service.Service
	srv     *httpapi.Server
	base    string
	client  *http.Client
	logs    *syncBuf
	clock   *clock
	tokens  map[string]string // client name → token
	stopped bool
}

type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// newAPI opens a demo register, registers one client of each kind and serves HTTPS.
func newAPI(t *testing.T, rate float64) *api {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "vivipass.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Date(2026, 12, 3, 10, 30, 0, 0, domain.Rome)}
	svc := service.New(db, service.WithClock(clk.now))
	if _, err := svc.LoadDemo(sys); err != nil {
		t.Fatal(err)
	}
	cert, key, pool := makeCert(t, dir)
	a := &api{t: t, svc: svc, logs: &syncBuf{}, clock: clk, tokens: map[string]string{}}
	for _, in := range []service.ClientInput{
		{Name: "varco-venezia", Kind: service.ClientGate, Comune: "L736"},
		{Name: "varco-padova", Kind: service.ClientGate, Comune: "G224"},
		{Name: "polizia-regione", Kind: service.ClientPolizia, Circuit: true},
		{Name: "parcheggi-venezia", Kind: service.ClientServizio, Comune: "L736"},
	} {
		a.addClient(in)
	}
	a.srv, err = httpapi.New(httpapi.Config{Svc: svc, Addr: "127.0.0.1:0", CertFile: cert, KeyFile: key, Rate: rate,
		Log: slog.New(slog.NewTextHandler(a.logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go a.srv.Serve(ln)
	a.base = "https://" + ln.Addr().String()
	a.client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: pool}, DisableCompression: true}}
	t.Cleanup(func() { a.stop(); db.Close() })
	return a
}

func (a *api) addClient(in service.ClientInput) {
	a.t.Helper()
	_, token, err := a.svc.AddClient(sys, in)
	if err != nil {
		a.t.Fatalf("AddClient %s: %v", in.Name, err)
	}
	a.tokens[in.Name] = token
}

// stop shuts the server down: the query log is written.
func (a *api) stop() {
	if !a.stopped {
		a.stopped = true
		a.srv.Shutdown(a.t.Context())
	}
}

// do sends a request as client ("" = no token) and returns status, headers and body.
func (a *api) do(client, method, path string, body io.Reader, hdr ...string) (int, http.Header, []byte) {
	a.t.Helper()
	req, err := http.NewRequest(method, a.base+path, body)
	if err != nil {
		a.t.Fatal(err)
	}
	if client != "" {
		tok, ok := a.tokens[client]
		if !ok {
			tok = client // a literal token
		}
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := a.client.Do(req)
	if err != nil {
		a.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		a.t.Fatalf("%s %s: reading the body: %v", method, path, err)
	}
	return resp.StatusCode, resp.Header, b
}

func (a *api) get(client, path string, hdr ...string) (int, []byte) {
	a.t.Helper()
	st, _, b := a.do(client, http.MethodGet, path, nil, hdr...)
	return st, b
}

// wantError checks an error answer: status, JSON {"errore": …} containing want.
func wantError(t *testing.T, what string, status int, body []byte, wantStatus int, want string) {
	t.Helper()
	var e struct {
		Errore string `json:"errore"`
	}
	if status != wantStatus || json.Unmarshal(body, &e) != nil || !strings.Contains(e.Errore, want) {
		t.Errorf("%s: %d %s, want %d with an errore containing %q", what, status, body, wantStatus, want)
	}
}

// makeCert writes a self-signed certificate for 127.0.0.1 and its key.
func makeCert(t *testing.T, dir string) (certFile, keyFile string, pool *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(13), Subject: pkix.Name{CommonName: "vivipass test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}, IsCA: true, BasicConstraintsValid: true}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(c)
	return certFile, keyFile, pool
}

// row finds a demo pass by its holder's surname.
func (a *api) row(surname string) service.Row {
	a.t.Helper()
	res, err := a.svc.Search(sys, service.Query{Text: surname})
	if err != nil || len(res.Rows) == 0 {
		a.t.Fatalf("demo pass of %s: %v, %+v", surname, err, res)
	}
	return res.Rows[0]
}

// TestPlateCheck (issue 13.1): GET /v1/targhe/{targa} answers as `whitelist check`,
// for now, for a past instant and for a foreign plate; malformed plates, instants and
// countries answer 400 with an Italian message.
func TestPlateCheck(t *testing.T) {
	a := newAPI(t, 1000)
	type answer struct {
		Targa, Nazione, Istante, Giorno, Contrassegno, Comune, Motivo string
		Autorizzata                                                   bool
	}
	for _, tc := range []struct{ path, plate, country, at string }{
		{"/v1/targhe/AB123CD", "AB123CD", "", ""},                                                // ROSSI's, active
		{"/v1/targhe/ab%20123%20cd?at=2019-01-01", "AB123CD", "", "2019-01-01"},                  // before the pass
		{"/v1/targhe/GB612TV", "GB612TV", "", ""},                                                // BERTO's, revoked
		{"/v1/targhe/GB612TV?at=2026-10-01T10:00:00%2B02:00", "GB612TV", "", "2026-10-01T10:00"}, // before the revocation
		{"/v1/targhe/AB123CD?nazione=FR", "AB123CD", "FR", ""},                                   // another vehicle
		{"/v1/targhe/ZZ999ZZ", "ZZ999ZZ", "", ""},                                                // nobody's
	} {
		st, body := a.get("varco-venezia", tc.path)
		var got answer
		if st != http.StatusOK || json.Unmarshal(body, &got) != nil {
			t.Fatalf("%s: %d %s", tc.path, st, body)
		}
		at := a.svc.Now()
		if tc.at != "" {
			var err error
			if at, err = time.ParseInLocation("2006-01-02T15:04", tc.at, domain.Rome); err != nil {
				d, _ := domain.ParseDate(tc.at)
				at = time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, domain.Rome)
			}
		}
		v, err := a.svc.Whitelist(tc.plate, tc.country, at)
		if err != nil {
			t.Fatal(err)
		}
		if got.Autorizzata != v.Authorised || got.Contrassegno != v.Number || got.Comune != v.Comune || got.Motivo != v.Reason ||
			got.Giorno != v.Day.ISO() || got.Targa != v.Plate || got.Nazione != v.Country {
			t.Errorf("%s: %+v, want the verdict of whitelist check %+v", tc.path, got, v)
		}
	}
	// The cases above really differ: ROSSI's plate authorised now, not in 2019.
	if _, b := a.get("varco-venezia", "/v1/targhe/AB123CD"); !strings.Contains(string(b), `"autorizzata":true`) {
		t.Errorf("AB123CD now: %s, want authorised", b)
	}
	if _, b := a.get("varco-venezia", "/v1/targhe/AB123CD?at=2019-01-01"); !strings.Contains(string(b), `"autorizzata":false`) {
		t.Errorf("AB123CD in 2019: %s, want not authorised", b)
	}
	for _, tc := range []struct{ path, want string }{
		{"/v1/targhe/AB%21%21", "targa"},
		{"/v1/targhe/" + strings.Repeat("A", 13), "targa"},
		{"/v1/targhe/AB123CD?at=ieri", "istante \"ieri\" non valido"},
		{"/v1/targhe/AB123CD?at=2026-13-45", "non valido"},
		{"/v1/targhe/AB123CD?nazione=FR4NCIA", "nazione"},
		{"/v1/targhe/AB123CD?quando=oggi", "parametro \"quando\" sconosciuto"},
		{"/v1/targhe/AB123CD?at=2026-01-01&at=2026-01-02", "ripetuto"},
	} {
		st, body := a.get("varco-venezia", tc.path)
		wantError(t, tc.path, st, body, http.StatusBadRequest, tc.want)
	}
}

// TestWhitelistCSV (issue 13.1): the full list is byte for byte `export whitelist`,
// gzip when asked, with an ETag that answers 304 until the register changes.
func TestWhitelistCSV(t *testing.T) {
	a := newAPI(t, 1000)
	export := func(day domain.Date) []byte {
		var b bytes.Buffer
		if _, err := a.svc.Export(sys, "whitelist", day, &b); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	st, hdr, body := a.do("varco-venezia", http.MethodGet, "/v1/whitelist.csv", nil)
	want := export(a.svc.Today())
	if st != http.StatusOK || !bytes.Equal(body, want) || !strings.HasPrefix(hdr.Get("Content-Type"), "text/csv") {
		t.Fatalf("whitelist.csv: %d %s\n%s\nwant export whitelist:\n%s", st, hdr, body, want)
	}
	if n := bytes.Count(want, []byte("\n")); n < 5 {
		t.Fatalf("the demo's whitelist has %d lines: the comparison proves little", n)
	}
	etag := hdr.Get("ETag")
	if etag == "" {
		t.Fatal("no ETag")
	}
	// A past day: another list, the same as export --at.
	st, _, body = a.do("varco-venezia", http.MethodGet, "/v1/whitelist.csv?at=2024-06-01", nil)
	if past := export(domain.MustDate(2024, time.June, 1)); st != http.StatusOK || !bytes.Equal(body, past) || bytes.Equal(past, want) {
		t.Errorf("whitelist.csv?at=2024-06-01: %d, equal to export --at: %v, differs from today's: %v", st, bytes.Equal(body, past), !bytes.Equal(past, want))
	}
	// gzip.
	st, hdr, body = a.do("varco-venezia", http.MethodGet, "/v1/whitelist.csv", nil, "Accept-Encoding", "gzip")
	if st != http.StatusOK || hdr.Get("Content-Encoding") != "gzip" {
		t.Fatalf("gzip: %d %v", st, hdr)
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || !bytes.Equal(plain, want) {
		t.Errorf("gunzipped list differs from export whitelist (%v)", err)
	}
	// 304 with either tag, until something changes.
	for _, tag := range []string{etag, hdr.Get("ETag"), `"x", ` + etag} {
		if st, _, body := a.do("varco-venezia", http.MethodGet, "/v1/whitelist.csv", nil, "If-None-Match", tag); st != http.StatusNotModified || len(body) != 0 {
			t.Errorf("If-None-Match %s: %d %q, want 304 and no body", tag, st, body)
		}
	}
	r := a.row("ROSSI MARIO")
	if _, err := a.svc.SuspendPass(sys, service.Change{PassID: r.ID, Version: r.Version}, a.svc.Today(), "verifica"); err != nil {
		t.Fatal(err)
	}
	st, hdr, body = a.do("varco-venezia", http.MethodGet, "/v1/whitelist.csv", nil, "If-None-Match", etag)
	if st != http.StatusOK || hdr.Get("ETag") == etag || !bytes.Equal(body, export(a.svc.Today())) || bytes.Contains(body, []byte("AB123CD")) {
		t.Errorf("after a suspension: %d, ETag %s (was %s), want 200, a new tag and the list without AB123CD", st, hdr.Get("ETag"), etag)
	}
	st, body = a.get("varco-venezia", "/v1/whitelist.csv?at=domani")
	wantError(t, "at=domani", st, body, http.StatusBadRequest, "data \"domani\" non valida")
}

// verifyAnswer is POST /v1/verifica's body.
type verifyAnswer struct {
	FirmaValida  bool   `json:"firma_valida"`
	Contrassegno string `json:"contrassegno"`
	Scadenza     string `json:"scadenza"`
	NelRegistro  bool   `json:"nel_registro"`
	Stato        string `json:"stato"`
	Valido       bool   `json:"valido"`
	Nota         string `json:"nota"`
}

func (a *api) verify(body, contentType string) (int, verifyAnswer, []byte) {
	a.t.Helper()
	st, _, b := a.do("polizia-regione", http.MethodPost, "/v1/verifica", strings.NewReader(body), "Content-Type", contentType)
	var v verifyAnswer
	json.Unmarshal(b, &v)
	return st, v, b
}

// TestVerifica (issue 13.1): the QR code of a card the program prints verifies, with
// the card's state in the register; a forged one does not; a revoked pass's card is
// not valid; what is not a QR code answers 400.
func TestVerifica(t *testing.T) {
	a := newAPI(t, 1000)
	r := a.row("ROSSI MARIO")
	card, err := a.svc.CardPreview(sys, r.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	qr := card.Data.QR
	st, v, body := a.verify(qr, "text/plain")
	if st != http.StatusOK || !v.FirmaValida || !v.NelRegistro || !v.Valido || v.Contrassegno != r.Number || v.Stato != string(r.Status) {
		t.Fatalf("the printed card: %d %s, want a valid signature, a valid card %s (%s)", st, body, r.Number, r.Status)
	}
	js, _ := json.Marshal(map[string]string{"qr": qr})
	if st, v, body := a.verify(string(js), "application/json"); st != http.StatusOK || !v.Valido {
		t.Errorf("as JSON: %d %s", st, body)
	}
	// Forged: another number, the same signature.
	forged := strings.Replace(qr, r.Number, r.Number[:len(r.Number)-1]+"9", 1)
	if st, v, body := a.verify(forged, "text/plain"); st != http.StatusOK || v.FirmaValida || v.Valido || !strings.Contains(v.Nota, "FIRMA NON VALIDA") {
		t.Errorf("forged card: %d %s, want firma_valida false with the reason", st, body)
	}
	// A card of a pass revoked since.
	if _, err := a.svc.RevokePass(sys, service.Change{PassID: r.ID, Version: r.Version}, a.svc.Today(), "requisiti non più presenti"); err != nil {
		t.Fatal(err)
	}
	if st, v, body := a.verify(qr, "text/plain"); st != http.StatusOK || !v.FirmaValida || v.Valido || v.Stato != "revocato" || !strings.Contains(v.Nota, "requisiti") {
		t.Errorf("card of a revoked pass: %d %s, want a valid signature, stato revocato, not valid", st, body)
	}
	for _, tc := range []struct{ body, ct, want string }{
		{"ciao", "text/plain", "non è il codice QR"},
		{"", "text/plain", "non è il codice QR"},
		{"CUDE1;a;b;c", "text/plain", "6 parti"},
		{`{"qr": 12}`, "application/json", "JSON non valido"},
		{`{"qr": "x", "altro": 1}`, "application/json", "JSON non valido"},
		{"{", "application/json", "JSON non valido"},
	} {
		st, _, body := a.verify(tc.body, tc.ct)
		wantError(t, "verifica "+tc.body, st, body, http.StatusBadRequest, tc.want)
	}
	st, _, body = a.verify(strings.Repeat("A", httpapi.MaxBody+1), "text/plain")
	wantError(t, "an oversized QR code", st, body, http.StatusRequestEntityTooLarge, "troppo grande")
}

// TestContrassegni (issue 13.1): a service learns valid or not and until when, only of
// its comune's passes and only with the holder's surname (case and accents do not
// matter); a wrong surname answers exactly as an unknown number.
func TestContrassegni(t *testing.T) {
	a := newAPI(t, 1000)
	zanon := a.row("ZANON") // ZANON NICOLÒ, Venezia
	type answer struct {
		Contrassegno string `json:"contrassegno"`
		Valido       bool   `json:"valido"`
		ValidoFinoAl string `json:"valido_fino_al"`
	}
	st, body := a.get("parcheggi-venezia", "/v1/contrassegni/"+zanon.Number+"?cognome=zanòn")
	var got answer
	if st != http.StatusOK || json.Unmarshal(body, &got) != nil || got.Valido != (zanon.Status == domain.Attivo || zanon.Status == domain.InScadenza) {
		t.Fatalf("ZANON's pass: %d %s (status %s)", st, body, zanon.Status)
	}
	var fields map[string]any
	json.Unmarshal(body, &fields)
	if got.Valido && (got.ValidoFinoAl != zanon.Scadenza.ISO() || len(fields) != 3) {
		t.Errorf("ZANON's pass: %s, want valid until %s and nothing else", body, zanon.Scadenza.ISO())
	}
	berto := a.row("BERTO") // revoked
	if st, body := a.get("parcheggi-venezia", "/v1/contrassegni/"+berto.Number+"?cognome=Berto"); st != http.StatusOK || string(body) != `{"contrassegno":"`+berto.Number+`","valido":false}`+"\n" {
		t.Errorf("BERTO's revoked pass: %d %s, want not valid and nothing else", st, body)
	}
	_, unknown := a.get("parcheggi-venezia", "/v1/contrassegni/L736_2020_99999?cognome=Zanon")
	_, wrong := a.get("parcheggi-venezia", "/v1/contrassegni/"+zanon.Number+"?cognome=Rossi")
	wantError(t, "unknown number", http.StatusNotFound, unknown, http.StatusNotFound, "non trovato")
	if st, _ := a.get("parcheggi-venezia", "/v1/contrassegni/"+zanon.Number+"?cognome=Rossi"); st != http.StatusNotFound || !bytes.Equal(wrong, unknown) {
		t.Errorf("wrong surname: %d %s, want exactly the unknown number's answer %s", st, wrong, unknown)
	}
	// Padova's pass: not for Venezia's parking office; the circuit's police sees it.
	trevisan := a.row("TREVISAN")
	if trevisan.Comune != "G224" {
		t.Fatalf("TREVISAN's pass is in %s, want Padova", trevisan.Comune)
	}
	if st, b := a.get("parcheggi-venezia", "/v1/contrassegni/"+trevisan.Number+"?cognome=Trevisan"); st != http.StatusNotFound || !bytes.Equal(b, unknown) {
		t.Errorf("another comune's pass for a comune's service: %d %s, want the unknown number's answer", st, b)
	}
	if st, b := a.get("polizia-regione", "/v1/contrassegni/"+trevisan.Number+"?cognome=TREVISAN"); st != http.StatusOK {
		t.Errorf("the circuit's police on Padova's pass: %d %s", st, b)
	}
	st, body = a.get("parcheggi-venezia", "/v1/contrassegni/"+zanon.Number)
	wantError(t, "no surname", st, body, http.StatusBadRequest, "cognome")
	st, body = a.get("parcheggi-venezia", "/v1/contrassegni/L736%3B2020?cognome=Zanon")
	wantError(t, "a number with ';'", st, body, http.StatusBadRequest, "numero di contrassegno non valido")
}

// TestScopes (issue 13.3): each kind of client reaches its endpoints and nothing
// else; no token, an unknown and a revoked one answer 401; a gate of a comune outside
// the circuit is refused when made, and refused when its comune leaves.
func TestScopes(t *testing.T) {
	a := newAPI(t, 1000)
	zanon := a.row("ZANON")
	qr, err := a.svc.CardPreview(sys, zanon.ID, "")
	if err != nil {
		t.Fatal(err)
	}
	paths := map[string]func(client string) int{
		"targhe":        func(c string) int { st, _ := a.get(c, "/v1/targhe/AB123CD"); return st },
		"whitelist.csv": func(c string) int { st, _ := a.get(c, "/v1/whitelist.csv"); return st },
		"verifica": func(c string) int {
			st, _, _ := a.do(c, http.MethodPost, "/v1/verifica", strings.NewReader(qr.Data.QR))
			return st
		},
		"contrassegni": func(c string) int { st, _ := a.get(c, "/v1/contrassegni/"+zanon.Number+"?cognome=Zanon"); return st },
	}
	can := map[string][]string{
		"varco-venezia":     {"targhe", "whitelist.csv"},
		"polizia-regione":   {"targhe", "verifica", "contrassegni"},
		"parcheggi-venezia": {"contrassegni"},
	}
	for client, allowed := range can {
		for ep, call := range paths {
			want := http.StatusForbidden
			for _, e := range allowed {
				if e == ep {
					want = http.StatusOK
				}
			}
			if got := call(client); got != want {
				t.Errorf("%s on %s: %d, want %d", client, ep, got, want)
			}
		}
	}
	st, body := a.get("parcheggi-venezia", "/v1/targhe/AB123CD")
	wantError(t, "a service asking a plate", st, body, http.StatusForbidden, "non può usare targhe")
	st, body = a.get("", "/v1/targhe/AB123CD")
	wantError(t, "no token", st, body, http.StatusUnauthorized, "token mancante")
	st, body = a.get(service.TokenPrefix+"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "/v1/targhe/AB123CD")
	wantError(t, "an unknown token", st, body, http.StatusUnauthorized, "token sconosciuto")
	st, body = a.get("non-un-token", "/v1/targhe/AB123CD")
	wantError(t, "garbage", st, body, http.StatusUnauthorized, "token sconosciuto")
	if err := a.svc.RevokeClient(sys, "varco-venezia"); err != nil {
		t.Fatal(err)
	}
	st, body = a.get("varco-venezia", "/v1/targhe/AB123CD")
	wantError(t, "a revoked token", st, body, http.StatusUnauthorized, "token revocato")
	// Milano is not in the circuit: its gate is refused.
	if _, _, err := a.svc.AddClient(sys, service.ClientInput{Name: "varco-milano", Kind: service.ClientGate, Comune: "F205"}); err == nil ||
		!strings.Contains(err.Error(), "non aderisce al circuito") {
		t.Errorf("a gate of Milano: %v, want refused, not a member of the circuit", err)
	}
	// Padova leaves the circuit: its gate's token no longer opens anything.
	if st, _ := a.get("varco-padova", "/v1/targhe/AB123CD"); st != http.StatusOK {
		t.Fatalf("Padova's gate before: %d", st)
	}
	pd, err := a.svc.Settings(sys, "G224")
	if err != nil {
		t.Fatal(err)
	}
	pd.CircuitMember = false
	if _, err := a.svc.SaveSettings(sys, pd); err != nil {
		t.Fatal(err)
	}
	st, body = a.get("varco-padova", "/v1/targhe/AB123CD")
	wantError(t, "the gate of a comune that left", st, body, http.StatusForbidden, "non aderisce al circuito")
	// A service of a comune cannot be made circuit-wide by that comune's administrator.
	venice := service.Actor{Operator: "admin", Comune: "L736", Role: domain.RoleAmministratore}
	if _, _, err := a.svc.AddClient(venice, service.ClientInput{Name: "x-tutti", Kind: service.ClientServizio, Circuit: true}); err == nil {
		t.Error("a comune's administrator made a circuit-wide client")
	}
	if cs, err := a.svc.Clients(venice); err != nil || len(cs) != 2 {
		t.Errorf("Venezia's administrator lists %d clients (%v), want its 2", len(cs), err)
	}
}

// TestLimits (issue 13.1): what comes from outside is bounded: path, query, headers,
// body, method, and requests a second per token (429 with Retry-After).
func TestLimits(t *testing.T) {
	a := newAPI(t, 2) // bursts of 4
	st, body := a.get("polizia-regione", "/v1/targhe/"+strings.Repeat("A", httpapi.MaxPath))
	wantError(t, "a long path", st, body, http.StatusRequestURITooLong, "indirizzo troppo lungo")
	st, body = a.get("polizia-regione", "/v1/targhe/AB123CD?at="+strings.Repeat("1", httpapi.MaxQuery))
	wantError(t, "a long query", st, body, http.StatusRequestURITooLong, "parametri troppo lunghi")
	st, body = a.get("polizia-regione", "/v1/targhe/AB123CD?a=1&b=2&c=3&d=4&e=5")
	wantError(t, "many parameters", st, body, http.StatusBadRequest, "troppi parametri")
	st, _, _ = a.do("polizia-regione", http.MethodGet, "/v1/targhe/AB123CD", nil, "X-Riempitivo", strings.Repeat("x", 2*httpapi.MaxHeaderBytes))
	if st != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("oversized headers: %d, want 431", st)
	}
	st, hdr, body := a.do("polizia-regione", http.MethodDelete, "/v1/targhe/AB123CD", nil)
	wantError(t, "DELETE", st, body, http.StatusMethodNotAllowed, "metodo DELETE non consentito")
	if hdr.Get("Allow") != http.MethodGet {
		t.Errorf("Allow: %q", hdr.Get("Allow"))
	}
	st, body = a.get("polizia-regione", "/v2/targhe/AB123CD")
	wantError(t, "an unknown path", st, body, http.StatusNotFound, "risorsa inesistente")
	// The burst of the previous requests is spent (4 of 4 by the calls that passed the
	// token check): the next is refused until the bucket refills.
	var got429 bool
	for range 6 {
		st, hdr, body := a.do("polizia-regione", http.MethodGet, "/v1/targhe/AB123CD", nil)
		if st == http.StatusTooManyRequests {
			got429 = true
			wantError(t, "over the limit", st, body, http.StatusTooManyRequests, "troppe richieste")
			if hdr.Get("Retry-After") == "" {
				t.Error("429 without Retry-After")
			}
			break
		}
	}
	if !got429 {
		t.Error("no 429 after 6 quick requests at 2 a second")
	}
	// Another client has its own bucket.
	if st, _ := a.get("varco-venezia", "/v1/targhe/AB123CD"); st != http.StatusOK {
		t.Errorf("another client: %d", st)
	}
	// A client's own limit wins over the server's: one request every 2 s, no burst.
	a.addClient(service.ClientInput{Name: "lento", Kind: service.ClientGate, Comune: "L736", Rate: 0.5})
	if st, _ := a.get("lento", "/v1/targhe/AB123CD"); st != http.StatusOK {
		t.Errorf("the slow client's first request: %d", st)
	}
	st, hdr, body = a.do("lento", http.MethodGet, "/v1/targhe/AB123CD", nil)
	wantError(t, "the slow client's second request", st, body, http.StatusTooManyRequests, "riprovare tra 2 s")
	if hdr.Get("Retry-After") != "2" {
		t.Errorf("Retry-After %q, want 2", hdr.Get("Retry-After"))
	}
	// Plain HTTP is for loopback only.
	if _, err := httpapi.New(httpapi.Config{Svc: a.svc, Addr: "0.0.0.0:8080"}); err == nil || !strings.Contains(err.Error(), "solo su loopback") {
		t.Errorf("plain HTTP on every address: %v", err)
	}
	if err := httpapi.CheckAddr("[::1]:8080", false); err != nil {
		t.Errorf("plain HTTP on ::1: %v", err)
	}
}

// TestQueryLog (issue 13.3): every query is in the register (client, plate or number,
// instant, answer), searchable by the administrator, pruned after the days kept;
// plates never reach the server's log.
func TestQueryLog(t *testing.T) {
	a := newAPI(t, 1000)
	a.get("varco-venezia", "/v1/targhe/AB123CD?at=2026-11-30")
	a.get("varco-venezia", "/v1/targhe/AB%21")
	a.get("parcheggi-venezia", "/v1/targhe/FG456HJ") // refused: logged too
	a.get("polizia-regione", "/v1/targhe/KL789MN")
	a.stop() // writes what is in memory
	es, more, err := a.svc.QueryLog(sys, service.QueryFilter{})
	if err != nil || more || len(es) != 4 {
		t.Fatalf("query log: %d entries, more %v, %v", len(es), more, err)
	}
	first := es[len(es)-1]
	if first.Client != "varco-venezia" || first.Endpoint != "targhe" || first.Subject != "AB123CD" ||
		!strings.HasPrefix(first.Instant, "2026-11-30T12:00:00") || first.Status != 200 || !strings.HasPrefix(first.Answer, "autorizzata") {
		t.Errorf("first entry: %+v", first)
	}
	if es[2].Status != 400 || es[1].Status != 403 || es[1].Client != "parcheggi-venezia" {
		t.Errorf("refusals: %+v, %+v", es[2], es[1])
	}
	if got, _, _ := a.svc.QueryLog(sys, service.QueryFilter{Subject: "kl 789 mn"}); len(got) != 1 || got[0].Client != "polizia-regione" {
		t.Errorf("by plate: %+v", got)
	}
	if got, _, _ := a.svc.QueryLog(sys, service.QueryFilter{Client: "varco-venezia"}); len(got) != 2 {
		t.Errorf("by client: %+v", got)
	}
	today := a.svc.Today()
	if got, _, _ := a.svc.QueryLog(sys, service.QueryFilter{From: today.AddDays(1)}); len(got) != 0 {
		t.Errorf("from tomorrow: %+v", got)
	}
	if got, _, _ := a.svc.QueryLog(sys, service.QueryFilter{From: today, To: today, Limit: 3}); len(got) != 3 {
		t.Errorf("today, 3 at most: %d", len(got))
	}
	// Venezia's administrator sees its clients' queries only.
	venice := service.Actor{Operator: "admin", Comune: "L736", Role: domain.RoleAmministratore}
	if got, _, _ := a.svc.QueryLog(venice, service.QueryFilter{}); len(got) != 3 {
		t.Errorf("Venezia's administrator: %d entries, want 3 (not the circuit's police)", len(got))
	}
	for _, plate := range []string{"AB123CD", "FG456HJ", "KL789MN"} {
		if strings.Contains(a.logs.String(), plate) {
			t.Errorf("the plate %s is in the server's log:\n%s", plate, a.logs.String())
		}
	}
	// 91 days later the entries are gone.
	a.clock.add(91 * 24 * time.Hour)
	if n, err := a.svc.PruneQueryLog(httpapi.DefaultLogDays); err != nil || n != 4 {
		t.Errorf("pruned %d (%v), want 4", n, err)
	}
}

// TestQueryLogPrunedAtStart (issue 13.3): a server starting prunes the queries older
// than the days it keeps, and keeps the others.
func TestQueryLogPrunedAtStart(t *testing.T) {
	a := newAPI(t, 1000)
	now := a.svc.Now().UTC()
	if err := a.svc.LogQueries([]service.QueryEntry{
		{At: now.AddDate(0, 0, -40), Client: "varco-venezia", Endpoint: "targhe", Subject: "AB123CD", Status: 200, Answer: "vecchia"},
		{At: now.AddDate(0, 0, -2), Client: "varco-venezia", Endpoint: "targhe", Subject: "AB123CD", Status: 200, Answer: "recente"},
	}); err != nil {
		t.Fatal(err)
	}
	a.stop()
	srv, err := httpapi.New(httpapi.Config{Svc: a.svc, Addr: "127.0.0.1:0", LogDays: 30})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown(t.Context())
	es, _, err := a.svc.QueryLog(sys, service.QueryFilter{})
	if err != nil || len(es) != 1 || es[0].Answer != "recente" {
		t.Errorf("after a start keeping 30 days: %+v, %v; want the recent one only", es, err)
	}
}
