package httpclient_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"vivipass/national"
	"vivipass/national/httpclient"
	"vivipass/national/nationaltest"
	"vivipass/national/sim"
)

const password = "S3gret0-Venezia!"

var cred = national.Credentials{User: "venezia", Password: password}

// testTLS is the test CA and the loopback certificate.
func testTLS(t testing.TB) (*tls.Config, *x509.CertPool) {
	cfg, pool, _ := nationaltest.TLS(t)
	return cfg, pool
}

type rig struct {
	sim    *sim.Server
	client *httpclient.Client
	url    string
	hs     *httptest.Server
}

// newRig serves sim over real HTTPS on loopback with a test CA; the client trusts only it.
func newRig(t testing.TB, o sim.Options) *rig {
	t.Helper()
	if o.Users == nil {
		o.Users = []sim.User{{Name: "venezia", Password: password, Comune: "L736", Expires: time.Now().AddDate(0, 3, 0)},
			{Name: "padova", Password: "padova-pw", Comune: "G224"}}
	}
	s, err := sim.New(o)
	if err != nil {
		t.Fatal(err)
	}
	cfg, pool := testTLS(t)
	hs := httptest.NewUnstartedServer(s)
	hs.TLS = cfg
	hs.StartTLS()
	t.Cleanup(hs.Close)
	c, err := httpclient.New(hs.URL, httpclient.WithRootCAs(pool), httpclient.WithTimeout(5*time.Second))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Close)
	return &rig{sim: s, client: c, url: hs.URL, hs: hs}
}

func issue(key, number string) national.Change {
	return national.Change{Key: key, Kind: national.KindIssue, Comune: "L736", Number: number,
		CodiceFiscale: "RSSMRA80A01L736X", Cognome: "Rossi", Nome: "Mario",
		DataRilascio: "2026-01-10", DataScadenza: "2031-01-10",
		Plates: []national.Plate{{Number: "AB123CD", Country: "I"}, {Number: "EF456GH", Country: "I"}}}
}

func later(c national.Change, key, kind, cudeID string) national.Change {
	c.Key, c.Kind, c.CudeID = key, kind, cudeID
	return c
}

var (
	cudeRe   = regexp.MustCompile(`^CUDE-[0-9]{10}$`)
	codiceRe = regexp.MustCompile(`^[A-Z0-9]{12}$`)
)

func TestLifecycleOverHTTPS(t *testing.T) {
	r := newRig(t, sim.Options{})
	ctx := context.Background()
	base := issue("1-1-rilascio", "VE-0001")
	rec, err := r.client.Send(ctx, cred, base)
	if err != nil {
		t.Fatal(err)
	}
	if !cudeRe.MatchString(rec.CudeID) || !codiceRe.MatchString(rec.CodiceUnivoco) || rec.ActivePlate != "AB123CD" {
		t.Fatalf("issue receipt %+v: want a CUDE ID, a codice univoco and the first plate active", rec)
	}
	id, codice := rec.CudeID, rec.CodiceUnivoco

	renew := later(base, "1-2-rinnovo", national.KindRenew, id)
	renew.DataRilascio, renew.DataScadenza = "2031-01-05", "2036-01-05"
	plates := later(renew, "1-3-targhe", national.KindPlates, id)
	plates.Plates = []national.Plate{{Number: "ZZ999ZZ", Country: "I"}}
	suspend := later(plates, "1-4-sospensione", national.KindSuspend, id)
	suspend.Date, suspend.Reason = "2032-02-01", "verifica in corso"
	resume := later(suspend, "1-5-riattivazione", national.KindResume, id)
	resume.Date = "2032-03-01"
	revoke := later(resume, "1-6-revoca", national.KindRevoke, id)
	revoke.Date = "2033-04-01"

	steps := []struct {
		ch     national.Change
		state  string
		active string
	}{
		{renew, sim.StateActive, "AB123CD"},
		{plates, sim.StateActive, "ZZ999ZZ"},
		{suspend, sim.StateSuspended, "ZZ999ZZ"},
		{resume, sim.StateActive, "ZZ999ZZ"},
		{revoke, sim.StateRevoked, "ZZ999ZZ"},
	}
	for _, st := range steps {
		rec, err := r.client.Send(ctx, cred, st.ch)
		if err != nil {
			t.Fatalf("%s: %v", st.ch.Kind, err)
		}
		if rec.CudeID != id || rec.CodiceUnivoco != codice || rec.ActivePlate != st.active {
			t.Fatalf("%s: receipt %+v, want %s %s %s", st.ch.Kind, rec, id, codice, st.active)
		}
		card, _ := r.sim.Card(id)
		if card.State != st.state {
			t.Fatalf("%s: state %q, want %q", st.ch.Kind, card.State, st.state)
		}
	}
	card, _ := r.sim.Card(id)
	if card.DataScadenza != "2036-01-05" || card.StateDate != "2033-04-01" || len(card.Events) != 6 {
		t.Fatalf("card after the lifecycle: %+v", card)
	}
	for i, want := range []string{national.KindIssue, national.KindRenew, national.KindPlates, national.KindSuspend, national.KindResume, national.KindRevoke} {
		if card.Events[i].Kind != want {
			t.Fatalf("event %d is %s, want %s", i, card.Events[i].Kind, want)
		}
	}
	for _, k := range []string{"1-1-rilascio", "1-2-rinnovo", "1-3-targhe", "1-4-sospensione", "1-5-riattivazione", "1-6-revoca"} {
		if n := r.sim.Applied("L736", k); n != 1 {
			t.Fatalf("%s applied %d times", k, n)
		}
	}
	// Closed: nothing more goes through.
	var rej *national.Rejected
	if _, err := r.client.Send(ctx, cred, later(revoke, "1-7-rinnovo", national.KindRenew, id)); !errors.As(err, &rej) || !strings.Contains(rej.Reason, "chiuso") {
		t.Fatalf("a renewal after revocation: %v", err)
	}

	// Another pass: duplicate (new number, new codice univoco), then death.
	rec2, err := r.client.Send(ctx, cred, issue("2-1-rilascio", "VE-0002"))
	if err != nil {
		t.Fatal(err)
	}
	dup := later(issue("", "VE-0003"), "2-2-duplicato", national.KindDuplicate, rec2.CudeID)
	dup.PreviousNumber = "VE-0002"
	rd, err := r.client.Send(ctx, cred, dup)
	if err != nil || rd.CudeID != rec2.CudeID || rd.CodiceUnivoco == rec2.CodiceUnivoco {
		t.Fatalf("duplicate: %+v %v (issue %+v): same CUDE ID, new codice univoco", rd, err, rec2)
	}
	death := later(dup, "2-3-decesso", national.KindDeath, rec2.CudeID)
	death.Date = "2027-05-05"
	if _, err := r.client.Send(ctx, cred, death); err != nil {
		t.Fatal(err)
	}
	if c, _ := r.sim.Card(rec2.CudeID); c.State != sim.StateDeceased || c.StateDate != "2027-05-05" || c.Number != "VE-0003" {
		t.Fatalf("after death: %+v", c)
	}

	// Transfer: Venezia hands a pass to Padova, whose utenza manages it afterwards.
	rec3, err := r.client.Send(ctx, cred, issue("3-1-rilascio", "VE-0004"))
	if err != nil {
		t.Fatal(err)
	}
	tr := later(issue("", "VE-0004"), "3-2-trasferimento", national.KindTransfer, rec3.CudeID)
	tr.Date, tr.Destination = "2026-06-01", "G224"
	if rt, err := r.client.Send(ctx, cred, tr); err != nil || rt.CodiceUnivoco != rec3.CodiceUnivoco {
		t.Fatalf("transfer: %+v %v", rt, err)
	}
	padova := national.Credentials{User: "padova", Password: "padova-pw"}
	pl := later(issue("", "VE-0004"), "p-1-targhe", national.KindPlates, rec3.CudeID)
	pl.Comune, pl.Plates = "G224", []national.Plate{{Number: "PD000AA", Country: "I"}}
	if rp, err := r.client.Send(ctx, padova, pl); err != nil || rp.ActivePlate != "PD000AA" {
		t.Fatalf("plates by the destination: %+v %v", rp, err)
	}
	pl.Key, pl.Comune = "3-3-targhe", "L736"
	if _, err := r.client.Send(ctx, cred, pl); !errors.As(err, &rej) || !strings.Contains(rej.Reason, "G224") {
		t.Fatalf("plates by the old comune after the transfer: %v", err)
	}
}

func TestSameKeyReplayedAppliedOnce(t *testing.T) {
	r := newRig(t, sim.Options{})
	ctx := context.Background()
	ch := issue("9-1-rilascio", "VE-0009")
	a, err := r.client.Send(ctx, cred, ch)
	if err != nil {
		t.Fatal(err)
	}
	b, err := r.client.Send(ctx, cred, ch)
	if err != nil || a != b {
		t.Fatalf("second send: %+v %v, want %+v", b, err, a)
	}
	if n := r.sim.Applied("L736", ch.Key); n != 1 || len(r.sim.Cards()) != 1 {
		t.Fatalf("applied %d times, %d cards", n, len(r.sim.Cards()))
	}
	// Byte for byte, with the same status, on the wire.
	raw := func() (int, string) {
		body := `{"chiave_idempotenza":"9-1-rilascio","tipo":"rilascio","comune":"L736","numero_contrassegno":"VE-0009","codice_fiscale":"RSSMRA80A01L736X","cognome":"Rossi","nome":"Mario","data_rilascio":"2026-01-10","data_scadenza":"2031-01-10","targhe":[{"targa":"AB123CD","nazione":"I"},{"targa":"EF456GH","nazione":"I"}]}`
		req, _ := http.NewRequest(http.MethodPost, r.url+national.ChangesPath, strings.NewReader(body))
		req.SetBasicAuth("venezia", password)
		req.Header.Set("Idempotency-Key", "9-1-rilascio")
		resp, err := r.hs.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var sb strings.Builder
		_, _ = fmt.Fprint(&sb, mustRead(t, resp))
		return resp.StatusCode, sb.String()
	}
	s1, b1 := raw()
	s2, b2 := raw()
	if s1 != 200 || s1 != s2 || b1 != b2 || !strings.Contains(b1, a.CodiceUnivoco) {
		t.Fatalf("replays: %d %q / %d %q", s1, b1, s2, b2)
	}
	// The same key with another body is refused, and changes nothing.
	other := ch
	other.Cognome = "Bianchi"
	var rej *national.Rejected
	if _, err := r.client.Send(ctx, cred, other); !errors.As(err, &rej) || !strings.Contains(rej.Reason, "già stata usata") {
		t.Fatalf("same key, other body: %v", err)
	}
	if c, _ := r.sim.Card(a.CudeID); c.Cognome != "Rossi" || r.sim.Applied("L736", ch.Key) != 1 {
		t.Fatalf("after a reused key: %+v", c)
	}
}

func mustRead(t *testing.T, resp *http.Response) string {
	t.Helper()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}

func TestLostAnswerRetriedAppliedOnce(t *testing.T) {
	r := newRig(t, sim.Options{FailRate: 1, FailAfter: true, Seed: 7})
	ctx := context.Background()
	ch := issue("5-1-rilascio", "VE-0005")
	if _, err := r.client.Send(ctx, cred, ch); !errors.Is(err, national.ErrUnavailable) || !national.Retryable(err) {
		t.Fatalf("lost answer: %v", err)
	}
	if err := r.sim.SetFailRate(0); err != nil {
		t.Fatal(err)
	}
	rec, err := r.client.Send(ctx, cred, ch)
	if err != nil || !cudeRe.MatchString(rec.CudeID) {
		t.Fatalf("retry: %+v %v", rec, err)
	}
	if n := r.sim.Applied("L736", ch.Key); n != 1 || len(r.sim.Cards()) != 1 {
		t.Fatalf("applied %d times, %d cards", n, len(r.sim.Cards()))
	}
}

func TestErrorClasses(t *testing.T) {
	r := newRig(t, sim.Options{})
	ctx := context.Background()

	r.sim.SetDown(true)
	_, err := r.client.Send(ctx, cred, issue("e-1", "VE-0100"))
	if !errors.Is(err, national.ErrUnavailable) || !national.Retryable(err) {
		t.Fatalf("down: %v", err)
	}
	r.sim.SetDown(false)

	r.sim.SetUser(sim.User{Name: "venezia", Password: password, Comune: "L736", Expires: time.Now().Add(-time.Minute)})
	if _, err = r.client.Send(ctx, cred, issue("e-2", "VE-0101")); !errors.Is(err, national.ErrPasswordExpired) || national.Retryable(err) {
		t.Fatalf("expired: %v", err)
	}
	r.sim.SetUser(sim.User{Name: "venezia", Password: password, Comune: "L736"})

	wrong := national.Credentials{User: "venezia", Password: "sbagliata-123"}
	if _, err = r.client.Send(ctx, wrong, issue("e-3", "VE-0102")); !errors.Is(err, national.ErrCredentials) || errors.Is(err, national.ErrPasswordExpired) {
		t.Fatalf("wrong password: %v", err)
	}
	if _, err = r.client.Send(ctx, national.Credentials{User: "nessuno", Password: "x"}, issue("e-4", "VE-0103")); !errors.Is(err, national.ErrCredentials) {
		t.Fatalf("unknown user: %v", err)
	}
	// Padova's utenza cannot send for Venezia.
	if _, err = r.client.Send(ctx, national.Credentials{User: "padova", Password: "padova-pw"}, issue("e-5", "VE-0104")); !errors.Is(err, national.ErrCredentials) {
		t.Fatalf("another comune's utenza: %v", err)
	}

	three := issue("e-6", "VE-0105")
	three.Plates = append(three.Plates, national.Plate{Number: "XX000XX", Country: "I"})
	noID := later(issue("", "VE-0106"), "e-7", national.KindRenew, "")
	rejects := []struct {
		name string
		ch   national.Change
		want string
	}{
		{"three plates", three, "al massimo due targhe"},
		{"no CUDE ID", noID, "manca il CUDE ID"},
		{"unknown CUDE ID", later(issue("", "VE-0107"), "e-8", national.KindRenew, "CUDE-0000000001"), "CUDE ID CUDE-0000000001 sconosciuto"},
		{"issue without plates", func() national.Change { c := issue("e-9", "VE-0108"); c.Plates = nil; return c }(), "senza targa"},
		{"revocation without date", later(issue("", "VE-0109"), "e-10", national.KindRevoke, "CUDE-0000000002"), "senza data_evento"},
	}
	for _, tc := range rejects {
		_, err := r.client.Send(ctx, cred, tc.ch)
		var rej *national.Rejected
		if !errors.As(err, &rej) || !strings.Contains(rej.Reason, tc.want) || national.Retryable(err) {
			t.Errorf("%s: %v, want *Rejected with %q", tc.name, err, tc.want)
		}
	}
	// Rejections the client sees before the network reach the simulator the same way:
	// the platform refuses them too (a client without Check).
	before := r.sim.Requests()
	_, _ = r.client.Send(ctx, cred, three)
	if r.sim.Requests() != before {
		t.Fatal("three plates went on the network")
	}
	// Issued twice under two keys: a conflict.
	if _, err := r.client.Send(ctx, cred, issue("e-11", "VE-0110")); err != nil {
		t.Fatal(err)
	}
	var rej *national.Rejected
	if _, err := r.client.Send(ctx, cred, issue("e-12", "VE-0110")); !errors.As(err, &rej) || !strings.Contains(rej.Reason, "già sulla piattaforma") {
		t.Fatalf("issued twice: %v", err)
	}
}

func TestNothingListening(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, pool := testTLS(t)
	c, err := httpclient.New("https://"+addr, httpclient.WithRootCAs(pool))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Send(context.Background(), cred, issue("n-1", "VE-0200")); !errors.Is(err, national.ErrUnavailable) {
		t.Fatalf("connection refused: %v", err)
	}
	// A server that never answers: the timeout.
	stop := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-stop:
		}
	}))
	defer hang.Close()
	defer close(stop)
	c2, err := httpclient.New(hang.URL, httpclient.WithTimeout(200*time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Send(context.Background(), cred, issue("n-2", "VE-0201")); !errors.Is(err, national.ErrUnavailable) {
		t.Fatalf("timeout: %v", err)
	}
	// An unknown CA: unavailable, with the certificate named.
	r := newRig(t, sim.Options{})
	c3, err := httpclient.New(r.url)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c3.Send(context.Background(), cred, issue("n-3", "VE-0202")); !errors.Is(err, national.ErrUnavailable) || !strings.Contains(err.Error(), "certificato") {
		t.Fatalf("unknown CA: %v", err)
	}
}

func TestAddressRules(t *testing.T) {
	for _, u := range []string{"http://10.0.0.1:8080", "http://piattaforma.example.it", "ftp://127.0.0.1", "127.0.0.1:80", "https://user:pw@example.it", "http://[::2]:80"} {
		if _, err := httpclient.New(u); err == nil {
			t.Errorf("%s accepted", u)
		} else if strings.Contains(err.Error(), "pw@") {
			t.Errorf("%s: the error repeats the password: %v", u, err)
		}
	}
	_, err := httpclient.New("http://10.0.0.1:8080")
	if err == nil || !strings.Contains(err.Error(), "solo verso questo computer") {
		t.Fatalf("http to a non-loopback host: %v", err)
	}
	for _, u := range []string{"http://127.0.0.1:8790", "http://localhost:1", "http://[::1]:2", "https://cude.example.it/api/"} {
		if _, err := httpclient.New(u); err != nil {
			t.Errorf("%s refused: %v", u, err)
		}
	}
	c, _ := httpclient.New("https://cude.example.it/api/")
	if c.Endpoint() != "https://cude.example.it/api/v1/cude/changes" {
		t.Fatalf("endpoint %s", c.Endpoint())
	}
}

func TestPasswordNeverInErrors(t *testing.T) {
	// A hostile or buggy platform echoing the password in every answer.
	echo := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, pw, _ := r.BasicAuth()
		status := map[string]int{"k401": 401, "k422": 422, "k503": 503, "k404": 404, "k200": 200, "k403": 403}[r.Header.Get("Idempotency-Key")]
		w.WriteHeader(status)
		fmt.Fprintf(w, `{"codice":"%s","motivo":"la password %s non va"}`, pw, pw)
	})
	hs := httptest.NewServer(echo)
	defer hs.Close()
	c, err := httpclient.New(hs.URL)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"k401", "k422", "k503", "k404", "k200", "k403"} {
		_, err := c.Send(context.Background(), cred, issue(k, "VE-0300"))
		if err == nil {
			t.Fatalf("%s: no error", k)
		}
		if strings.Contains(err.Error(), password) || strings.Contains(fmt.Sprintf("%+v %#v", err, err), password) {
			t.Fatalf("%s: the password is in the error: %v", k, err)
		}
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			if strings.Contains(e.Error(), password) {
				t.Fatalf("%s: the password is in a wrapped error", k)
			}
		}
	}
	// And the typed classes survive the redaction.
	if _, err := c.Send(context.Background(), cred, issue("k503", "VE-0300")); !errors.Is(err, national.ErrUnavailable) {
		t.Fatalf("503 redacted: %v", err)
	}
	if _, err := c.Send(context.Background(), cred, issue("k401", "VE-0300")); !errors.Is(err, national.ErrCredentials) {
		t.Fatalf("401 redacted: %v", err)
	}
	// The simulator's own errors, over HTTPS.
	r := newRig(t, sim.Options{})
	for _, cr := range []national.Credentials{cred, {User: "venezia", Password: password + "x"}} {
		r.sim.SetDown(true)
		_, err := r.client.Send(context.Background(), cr, issue("p-1", "VE-0301"))
		r.sim.SetDown(false)
		_, err2 := r.client.Send(context.Background(), cr, later(issue("", "VE-0301"), "p-2", national.KindRenew, "CUDE-0000000009"))
		for _, e := range []error{err, err2} {
			if e == nil || strings.Contains(e.Error(), string(cr.Password)) {
				t.Fatalf("error %v", e)
			}
		}
	}
	if fmt.Sprint(cred) == "" || strings.Contains(fmt.Sprintf("%v %+v %#v", cred, cred, cred), password) {
		t.Fatal("Credentials print the password")
	}
}

func TestHugeResponseBounded(t *testing.T) {
	big := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(200)
		chunk := []byte(strings.Repeat("x", 64<<10))
		for range 64 { // 4 MiB
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	hs := httptest.NewServer(big)
	defer hs.Close()
	c, err := httpclient.New(hs.URL, httpclient.WithMaxResponse(1<<20))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Send(context.Background(), cred, issue("h-1", "VE-0400"))
	if !errors.Is(err, national.ErrUnavailable) || !strings.Contains(err.Error(), "oltre") {
		t.Fatalf("huge body: %v", err)
	}
}

func TestStateSurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "cude.json")
	r := newRig(t, sim.Options{State: file})
	ctx := context.Background()
	ch := issue("s-1-rilascio", "VE-0500")
	rec, err := r.client.Send(ctx, cred, ch)
	if err != nil {
		t.Fatal(err)
	}
	r.hs.Close()

	r2 := newRig(t, sim.Options{State: file})
	again, err := r2.client.Send(ctx, cred, ch)
	if err != nil || again != rec {
		t.Fatalf("replay after restart: %+v %v, want %+v", again, err, rec)
	}
	if r2.sim.Applied("L736", ch.Key) != 1 || len(r2.sim.Cards()) != 1 {
		t.Fatalf("after restart: applied %d, %d cards", r2.sim.Applied("L736", ch.Key), len(r2.sim.Cards()))
	}
	sus := later(ch, "s-2-sospensione", national.KindSuspend, rec.CudeID)
	sus.Date = "2026-09-09"
	if _, err := r2.client.Send(ctx, cred, sus); err != nil {
		t.Fatal(err)
	}
	r3, err := sim.New(sim.Options{State: file})
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := r3.Card(rec.CudeID); !ok || c.State != sim.StateSuspended || c.CodiceUnivoco != rec.CodiceUnivoco {
		t.Fatalf("third start: %+v", c)
	}
}

func TestConcurrentDistinctKeys(t *testing.T) {
	r := newRig(t, sim.Options{FailRate: 0.2, Seed: 42, State: filepath.Join(t.TempDir(), "s.json")})
	const workers, each = 16, 12
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				ch := issue(fmt.Sprintf("c-%d-%d", w, i), fmt.Sprintf("VE-%d-%d", w, i))
				for attempt := 0; ; attempt++ { // the worker's retry, compressed
					_, err := r.client.Send(context.Background(), cred, ch)
					if err == nil {
						break
					}
					if !national.Retryable(err) || attempt > 50 {
						errs <- err
						break
					}
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(r.sim.Cards()); n != workers*each {
		t.Fatalf("%d cards, want %d", n, workers*each)
	}
	seen := map[string]bool{}
	for _, c := range r.sim.Cards() {
		if seen[c.CodiceUnivoco] {
			t.Fatalf("codice univoco %s twice", c.CodiceUnivoco)
		}
		seen[c.CodiceUnivoco] = true
	}
	for w := range workers {
		for i := range each {
			if n := r.sim.Applied("L736", fmt.Sprintf("c-%d-%d", w, i)); n != 1 {
				t.Fatalf("c-%d-%d applied %d times", w, i, n)
			}
		}
	}
}

func TestContextAndLatency(t *testing.T) {
	r := newRig(t, sim.Options{Latency: 2 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_, err := r.client.Send(ctx, cred, issue("x-1", "VE-0600"))
	if !errors.Is(err, national.ErrUnavailable) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("deadline: %v", err)
	}
	r.sim.SetLatency(0)
	if _, err := r.client.Send(context.Background(), cred, issue("x-1", "VE-0600")); err != nil {
		t.Fatal(err)
	}
	if n := r.sim.Applied("L736", "x-1"); n != 1 {
		t.Fatalf("applied %d", n)
	}
}
