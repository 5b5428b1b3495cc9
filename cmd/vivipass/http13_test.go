//go:build !lean

package main

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// `vivipass serve --http` and `vivipass client …` as the administrator uses them
// (issue 13): the real binary, a demo register, the client made through the running
// server's socket, and a gate asking over the API.

var apiRe = regexp.MustCompile(`API di consultazione[^:]*: (http://\S+)/v1/`)

// TestServeHTTP (issue 13.1, 13.3): plain HTTP is refused off loopback; on loopback
// a gate made with `client add` gets the same list as `export whitelist` and the same
// verdict as `whitelist check`; `client log` finds its queries; `client revoke` shuts
// it out.
func TestServeHTTP(t *testing.T) {
	db := demoDB(t)
	r := must(t, 2, "serve", "--db", db, "--ssh", "127.0.0.1:0", "--http", "0.0.0.0:0")
	contains(t, "stderr", r.stderr, "HTTP senza TLS solo su loopback", "--tls-cert")
	r = must(t, 2, "serve", "--db", db, "--ssh", "127.0.0.1:0", "--http", "127.0.0.1:0", "--tls-cert", "cert.pem")
	contains(t, "stderr", r.stderr, "insieme --tls-cert e --tls-key")

	s := startServe(t, "--db", db, "--http", "127.0.0.1:0")
	m := apiRe.FindStringSubmatch(s.logs())
	if m == nil {
		t.Fatalf("serve does not say where the API listens:\n%s", s.logs())
	}
	base := m[1]
	r = must(t, 1, "client", "add", "--name", "varco-1", "--kind", "gate", "--db", db)
	contains(t, "stderr", r.stderr, "indicare il comune del cliente")
	r = must(t, 0, "client", "add", "--name", "varco-1", "--kind", "gate", "--comune", "L736", "--db", db)
	token := regexp.MustCompile(`(?m)^vvp_\S+$`).FindString(r.stdout)
	if len(token) < 4+43 {
		t.Fatalf("no token printed:\n%s", r)
	}
	r = must(t, 1, "client", "add", "--name", "varco-mi", "--kind", "gate", "--comune", "F205", "--db", db)
	contains(t, "stderr", r.stderr, "non aderisce al circuito")
	get := func(path string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(http.MethodGet, base+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	st, csv := get("/v1/whitelist.csv")
	if want := must(t, 0, "export", "whitelist", "--db", db).stdout; st != 200 || csv != want {
		t.Errorf("whitelist.csv: %d\n%s\nwant export whitelist:\n%s", st, csv, want)
	}
	st, body := get("/v1/targhe/AB123CD")
	check := must(t, 0, "whitelist", "check", "AB123CD", "--json", "--db", db).stdout
	if st != 200 || !strings.Contains(body, `"autorizzata":true`) || !strings.Contains(check, `"authorised": true`) {
		t.Errorf("AB123CD: %d %s; whitelist check: %s", st, body, check)
	}
	r = must(t, 0, "client", "list", "--db", db)
	contains(t, "client list", r.stdout, "varco-1  varco ZTL, comune di VENEZIA (VE)", "attivo")
	// The log is written within a second or so.
	deadline := time.Now().Add(10 * time.Second)
	for {
		r = must(t, 0, "client", "log", "--client", "varco-1", "--targa", "ab 123 cd", "--db", db)
		if strings.Contains(r.stdout, "varco-1  targhe AB123CD") || time.Now().After(deadline) {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	contains(t, "client log", r.stdout, "varco-1  targhe AB123CD", "200  autorizzata: contrassegno ")
	if strings.Contains(r.stdout, "whitelist.csv") {
		t.Errorf("client log --targa lists the list's download:\n%s", r.stdout)
	}
	must(t, 0, "client", "revoke", "varco-1", "--db", db)
	if st, body := get("/v1/targhe/AB123CD"); st != 401 || !strings.Contains(body, "token revocato") {
		t.Errorf("after revoke: %d %s", st, body)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d:\n%s", code, s.logs())
	}
	// Neither the HTTP side nor the socket's lines (whitelist check, client log --targa) log a plate.
	for _, l := range strings.Split(s.logs(), "\n") {
		if strings.Contains(l, "AB123CD") {
			t.Errorf("a plate in the server's log: %s", l)
		}
	}
}
