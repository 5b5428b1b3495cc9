//go:build !lean

package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"vivipass/internal/mailtest"
)

const (
	cliPecUser = "protocollo"
	// cliPecPassword is distinctive so that a leak is found by a plain search.
	cliPecPassword = "Pw-Cli-Segreta-4410"
)

// pecItem is one object of `pec list --json` (README).
type pecItem struct {
	ID            uint64   `json:"id"`
	Comune        string   `json:"comune"`
	Kind          string   `json:"kind"`
	Type          string   `json:"type"`
	State         string   `json:"state"`
	Note          string   `json:"note"`
	CodiceFiscale string   `json:"codice_fiscale"`
	RequestID     string   `json:"request_id"`
	Attachments   []string `json:"attachments"`
	Reason        string   `json:"reason"`
	ReceiptType   string   `json:"receipt_type"`
	PassID        uint64   `json:"pass_id"`
	Channel       string   `json:"channel"`
}

var pecListKeys = []string{"id", "comune", "kind", "type", "state", "note", "codice_fiscale", "cognome", "nome",
	"request_id", "pass_number", "attachments", "reason", "sportello_reason", "receipt_type", "subject", "sender",
	"sender_trusted", "certified", "warnings", "received", "sent", "person_id", "pass_id", "channel", "size",
	"truncated", "version"}

func pecListJSON(t *testing.T, db string) []pecItem {
	t.Helper()
	r := must(t, 0, "pec", "list", "--json", "--db", db)
	var raw []json.RawMessage
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil {
		t.Fatalf("pec list --json: not an array: %v\n%s", err, r.stdout)
	}
	items := make([]pecItem, len(raw))
	for i, obj := range raw {
		checkKeys(t, "pec list --json item", string(obj), pecListKeys, nil)
		if err := json.Unmarshal(obj, &items[i]); err != nil {
			t.Fatal(err)
		}
	}
	return items
}

// pecDB makes a database for Venezia whose mailbox is d (TLS to localhost, the
// test certificate trusted, the password in a file).
func pecDB(t *testing.T, d *mailtest.Dovecot, extra ...string) string {
	t.Helper()
	db := newDB(t, "L736")
	pw := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(pw, []byte(cliPecPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args := append([]string{"pec", "configure", "--comune", "L736", "--host", "localhost", "--port", strconv.Itoa(d.TLSPort),
		"--user", cliPecUser, "--password-file", pw, "--security", "tls", "--ca-file", d.CertFile, "--db", db}, extra...)
	r := must(t, 0, args...)
	contains(t, "configure", r.stdout, "L736", "$VivipassArchiviato", "non salvata nel database")
	if strings.Contains(r.stdout+r.stderr, cliPecPassword) {
		t.Errorf("configure shows the password:\n%s", r)
	}
	return db
}

// TestPecCommands: configure, sync the shared samples, list them as the manifest says,
// sync again for nothing, show, change a state, save the attachments, status; the
// password shows nowhere.
func TestPecCommands(t *testing.T) {
	t.Parallel()
	d := mailtest.StartDovecot(t, cliPecUser, cliPecPassword)
	samples := mailtest.Samples(t)
	for _, s := range samples {
		d.Save("INBOX", s.Raw)
	}
	db := pecDB(t, d)

	r := must(t, 0, "pec", "sync", "--once", "--json", "--db", db)
	var reps []map[string]any
	strictJSON(t, r.stdout, &reps)
	if len(reps) != 1 || reps[0]["new"] != float64(len(samples)) || reps[0]["error"] != nil {
		t.Fatalf("sync --json: %s", r.stdout)
	}
	items := pecListJSON(t, db)
	if len(items) != len(samples) {
		t.Fatalf("%d items, want %d", len(items), len(samples))
	}
	for i, s := range samples {
		it := items[len(items)-1-i]
		typ := it.Type
		if it.Kind == "receipt" {
			typ = it.ReceiptType
		}
		var want []string
		if it.Kind == "request" {
			want = s.Attachments
		}
		if it.Kind != s.Kind || typ != s.TypeOrReceipt || it.CodiceFiscale != s.CF || it.State != "nuova" || it.Channel != "app" ||
			len(it.Attachments) != len(want) {
			t.Errorf("%s: %+v, manifest %s %s %s %v", s.File, it, s.Kind, s.TypeOrReceipt, s.CF, s.Attachments)
		}
	}
	r = must(t, 0, "pec", "sync", "--once", "--db", db)
	contains(t, "second sync", r.stdout, "L736: 0 nuovi messaggi sul server")
	if n := len(pecListJSON(t, db)); n != len(samples) {
		t.Errorf("%d items after the second sync", n)
	}

	req := items[len(items)-1] // 001-rinnovo
	id := strconv.FormatUint(req.ID, 10)
	r = must(t, 0, "pec", "show", id, "--json", "--db", db)
	var show map[string]any
	strictJSON(t, r.stdout, &show)
	rq, _ := show["request"].(map[string]any)
	if rq == nil || rq["codice_fiscale"] != "RSSMRA80A01L736U" || rq["inps"] != "POSITIVO" || rq["email"] == "" {
		t.Errorf("show --json request: %v", show["request"])
	}
	r = must(t, 0, "pec", "show", id, "--db", db)
	contains(t, "show", r.stdout, "rinnovo", "RSSMRA80A01L736U", "Verifica INPS", "fototessera")

	r = must(t, 1, "pec", "state", id, "respinta", "--db", db)
	contains(t, "respinta without a note", r.stderr, "motivo")
	must(t, 0, "pec", "state", id, "integrazione", "--note", "manca la fototessera a colori", "--db", db)
	if got := pecListJSON(t, db)[len(items)-1]; got.State != "integrazione_richiesta" || got.Note != "manca la fototessera a colori" {
		t.Errorf("after state: %+v", got)
	}
	r = must(t, 0, "pec", "list", "--state", "integrazione_richiesta", "--db", db)
	contains(t, "list --state", r.stdout, "integrazione richiesta", "RSSMRA80A01L736U")

	dir := filepath.Join(t.TempDir(), "allegati")
	r = must(t, 0, "pec", "attachments", id, "--dir", dir, "--db", db)
	files, _ := os.ReadDir(dir)
	var names []string
	for _, f := range files {
		names = append(names, f.Name())
	}
	if !slices.Contains(names, "fototessera.jpg") || !slices.Contains(names, "istanza.xml") {
		t.Errorf("saved %v", names)
	}
	must(t, 1, "pec", "attachments", id, "--dir", dir, "--db", db) // never overwrites

	r = must(t, 0, "pec", "status", "--db", db)
	contains(t, "status", r.stdout, "localhost", "ultima lettura", "password: file")
	r = must(t, 0, "store", "verify", "--db", db)
	contains(t, "store verify", r.stdout, "Database coerente")

	// A wrong password: exit 1, a clear error, never the password.
	pw := filepath.Join(t.TempDir(), "wrong")
	os.WriteFile(pw, []byte("sbagliata-"+cliPecPassword), 0o600)
	must(t, 0, "pec", "configure", "--comune", "L736", "--host", "localhost", "--port", strconv.Itoa(d.TLSPort),
		"--user", cliPecUser, "--password-file", pw, "--security", "tls", "--ca-file", d.CertFile, "--db", db)
	r = must(t, 1, "pec", "sync", "--once", "--db", db)
	contains(t, "wrong password", r.stderr, "rifiutato")
	r2 := must(t, 0, "pec", "status", "--db", db)
	for _, s := range []string{r.stdout, r.stderr, r2.stdout, r2.stderr} {
		if strings.Contains(s, cliPecPassword) {
			t.Errorf("the password shows:\n%s", s)
		}
	}
	r = must(t, 1, "pec", "configure", "--comune", "L736", "--host", "pec.example.it", "--port", "143", "--user", "u",
		"--password-file", pw, "--security", "plain", "--db", db)
	contains(t, "plain off loopback", r.stderr, "solo verso questo computer")
}

// TestPecSyncKilled: `pec sync --once` is killed (SIGKILL) after it stored the first
// batch of a mailbox of 600 requests; the next sync stores the rest: every message
// exactly once, nothing deleted on the server, every message marked, none \Seen.
func TestPecSyncKilled(t *testing.T) {
	t.Parallel()
	const n = 600
	d := mailtest.StartDovecot(t, cliPecUser, cliPecPassword)
	d.Save("INBOX", mailtest.Requests(t, 1, n)...)
	db := pecDB(t, d)

	progress := killAtProgress(t, "scaricati: ", "pec", "sync", "--once", "--progress", "--db", db)
	stored, _ := strconv.Atoi(strings.TrimPrefix(progress, "scaricati: "))
	if stored <= 0 || stored >= n {
		t.Fatalf("progress line %q: want scaricati: N with 0 < N < %d", progress, n)
	}
	after := pecListJSON(t, db)
	t.Logf("killed after %q: %d items stored", progress, len(after))
	if len(after) < stored || len(after) >= n {
		t.Errorf("after the kill: %d items; want at least the %d reported, fewer than %d", len(after), stored, n)
	}
	must(t, 0, "store", "verify", "--db", db)

	r := must(t, 0, "pec", "sync", "--once", "--json", "--db", db)
	var reps []map[string]any
	strictJSON(t, r.stdout, &reps)
	items := pecListJSON(t, db)
	ids := map[string]int{}
	for _, it := range items {
		ids[it.RequestID]++
	}
	if len(items) != n || len(ids) != n {
		t.Errorf("after the second sync: %d items, %d distinct requests; want %d of each (report %s)", len(items), len(ids), n, r.stdout)
	}
	for id, c := range ids {
		if c != 1 || !strings.HasPrefix(id, "VV-9000-") {
			t.Errorf("request %s stored %d times", id, c)
		}
	}
	must(t, 0, "store", "verify", "--db", db)

	c := mailtest.Client(t, d.PlainAddr(), cliPecUser, cliPecPassword)
	defer c.Close()
	msgs := mailtest.Messages(t, c, "INBOX")
	if len(msgs) != n {
		t.Errorf("%d messages on the server, want %d: nothing may be deleted", len(msgs), n)
	}
	unmarked, seenFlag := 0, 0
	for _, mi := range msgs {
		if !mi.Has("$VivipassArchiviato") {
			unmarked++
		}
		if mi.Has(`\Seen`) {
			seenFlag++
		}
	}
	if unmarked != 0 || seenFlag != 0 {
		t.Errorf("on the server: %d messages not marked, %d marked \\Seen", unmarked, seenFlag)
	}
	if again := must(t, 0, "pec", "sync", "--once", "--json", "--db", db); !strings.Contains(again.stdout, `"found": 0`) {
		t.Errorf("a third sync found something:\n%s", again.stdout)
	}
}
