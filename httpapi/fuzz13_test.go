package httpapi_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"vivipass/domain"
	"vivipass/httpapi"
	"vivipass/service"
	"vivipass/store"
)

// demoHandler is the API's handler, in-process, on the demo register of 3 December 2026
// with the clients asked for (their tokens in order) and no rate limit to speak of.
func demoHandler(tb testing.TB, clients ...service.ClientInput) (http.Handler, []string) {
	tb.Helper()
	db, err := store.Open(filepath.Join(tb.TempDir(), "vivipass.db"), store.Options{})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { db.Close() })
	now := time.Date(2026, 12, 3, 10, 30, 0, 0, domain.Rome)
	svc := service.New(db, service.WithClock(func() time.Time { return now }))
	if _, err := svc.LoadDemo(sys); err != nil {
		tb.Fatal(err)
	}
	var tokens []string
	for _, in := range clients {
		_, token, err := svc.AddClient(sys, in)
		if err != nil {
			tb.Fatal(err)
		}
		tokens = append(tokens, token)
	}
	srv, err := httpapi.New(httpapi.Config{Svc: svc, Addr: "127.0.0.1:0", Rate: 1e9, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { srv.Shutdown(context.Background()) }) // before db.Close: cleanups run last first
	return srv.Handler(), tokens
}

// FuzzRequest sends whatever a client could put on the wire (request target, method,
// token, body) through the API's handler on the demo register (issue 13, S-hardening:
// what comes from outside is bounded and answered). Every request the HTTP parser
// accepts gets one of the API's statuses, JSON (the list: CSV) with the content type
// it says, and every error an Italian message without control characters; nothing
// panics.
func FuzzRequest(f *testing.F) {
	h, tokens := demoHandler(f,
		service.ClientInput{Name: "varco", Kind: service.ClientGate, Comune: "L736"},
		service.ClientInput{Name: "polizia", Kind: service.ClientPolizia, Circuit: true},
		service.ClientInput{Name: "parcheggi", Kind: service.ClientServizio, Comune: "L736"})

	for _, s := range []struct {
		method, target string
		token          byte
		body           string
	}{
		{"GET", "/v1/targhe/AB123CD", 0, ""},
		{"GET", "/v1/targhe/ab%20123-cd?at=2026-12-03T10:00&nazione=IT", 1, ""},
		{"GET", "/v1/targhe/AB123CD?at=31/02/2026", 0, ""},
		{"GET", "/v1/whitelist.csv?at=2026-12-03", 0, ""},
		{"GET", "/v1/whitelist/changes?since=0&max=10", 0, ""},
		{"POST", "/v1/verifica", 1, `{"qr":"CUDE2;k;L736_2026_00001;2031-10-04;L736;1;sig"}`},
		{"GET", "/v1/contrassegni/L736_2026_00001?cognome=ROSSI", 2, ""},
		{"GET", "/v1/contrassegni/%00?cognome=%ff", 2, ""},
		{"DELETE", "/v1/targhe/AB123CD", 3, ""},
		{"GET", "/v1/targhe/AB123CD?at=1&at=2&x=%zz", 0, ""},
		{"GET", "/v1//targhe/../targhe/AB123CD", 0, ""},
	} {
		f.Add(s.method, s.target, s.token, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, method, target string, token byte, body []byte) {
		raw := method + " " + target + " HTTP/1.1\r\nHost: varco.example\r\n"
		if int(token) < len(tokens) {
			raw += "Authorization: Bearer " + tokens[token] + "\r\n"
		}
		if len(body) > 0 {
			raw += "Content-Type: application/json\r\nContent-Length: " + itoa(len(body)) + "\r\n"
		}
		req, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw + "\r\n" + string(body))))
		if err != nil {
			return // net/http answers it before the API sees it
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		switch w.Code {
		case 200, 304, 400, 401, 403, 404, 405, 410, 413, 414, 429:
		default:
			t.Fatalf("%s %q: status %d\n%s", method, target, w.Code, w.Body)
		}
		ct := w.Header().Get("Content-Type")
		if strings.HasPrefix(ct, "text/csv") && w.Code == 200 {
			return
		}
		if !strings.HasPrefix(ct, "application/json") {
			t.Fatalf("%s %q: status %d, content type %q", method, target, w.Code, ct)
		}
		var answer map[string]any
		if err := json.Unmarshal(w.Body.Bytes(), &answer); err != nil {
			t.Fatalf("%s %q: status %d, body not JSON: %v\n%s", method, target, w.Code, err, w.Body)
		}
		if w.Code >= 400 {
			msg, _ := answer["errore"].(string)
			if msg == "" || !utf8.ValidString(msg) || strings.ContainsFunc(msg, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
				t.Fatalf("%s %q: status %d, error %q", method, target, w.Code, msg)
			}
		}
		if w.Body.Len() > 1<<20 || bytes.Contains(w.Body.Bytes(), []byte("\x1b")) {
			t.Fatalf("%s %q: body of %d bytes, or with ESC", method, target, w.Body.Len())
		}
	})
}

func itoa(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		if n /= 10; n == 0 {
			return string(b[i:])
		}
	}
}
