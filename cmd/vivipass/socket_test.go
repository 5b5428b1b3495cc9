//go:build !lean

package main

// The command line through the control socket of a running `vivipass serve` (issue #9):
// the same commands on two copies of one register, one closed (the command opens the
// file) and one held by a server (the command runs inside it), give the same output
// and exit codes; ctrl+c cancels in the server; other users are refused.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/control"
	"vivipass/internal/mailtest"
	"vivipass/keyring"
)

// twin is a register copied in two folders: here is closed, there is served.
type twin struct {
	here, there string // folders, each with vivipass.db
	srv         *serving
}

// newTwin copies db into two folders and serves the second.
func newTwin(t testing.TB, db string) *twin {
	t.Helper()
	data, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	tw := &twin{here: t.TempDir(), there: t.TempDir()}
	keys, _ := filepath.Glob(filepath.Join(keyring.DirFor(db), "*")) // the register's signing keys go with it
	for _, dir := range []string{tw.here, tw.there} {
		if err := os.WriteFile(filepath.Join(dir, "vivipass.db"), data, 0o600); err != nil {
			t.Fatal(err)
		}
		for _, k := range keys {
			b, err := os.ReadFile(k)
			if err != nil {
				t.Fatal(err)
			}
			kd := keyring.DirFor(filepath.Join(dir, "vivipass.db"))
			if err := os.MkdirAll(kd, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(kd, filepath.Base(k)), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	tw.srv = startServe(t, "--db", filepath.Join(tw.there, "vivipass.db"))
	t.Cleanup(func() {
		if tw.srv.cmd.ProcessState == nil {
			tw.srv.stop(t)
		}
	})
	return tw
}

var socketLine = regexp.MustCompile(`(?m)msg="comando dal socket" uid=\d+ pid=\d+ comando="([^"]*)" uscita=(\d+)`)

// served lists the commands the server ran from its socket, with their exit codes.
func (s *serving) served() []string {
	var out []string
	for _, m := range socketLine.FindAllStringSubmatch(s.logs(), -1) {
		out = append(out, m[1]+" → "+m[2])
	}
	return out
}

// waitServed waits (a few seconds at most) until the log shows n commands served
// from the socket: the server's stderr reaches the test through a pipe, after the
// client may have ended.
func (s *serving) waitServed(n int) []string {
	deadline := time.Now().Add(5 * time.Second)
	for {
		got := s.served()
		if len(got) >= n || time.Now().After(deadline) {
			return got
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// waitLog waits (a few seconds at most) until the server's log holds every text.
func (s *serving) waitLog(t testing.TB, want ...string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		logs, missing := s.logs(), ""
		for _, w := range want {
			if !strings.Contains(logs, w) {
				missing = w
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the server's log does not show %q:\n%s", missing, logs)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// both runs args (with --db vivipass.db, relative) in both folders and fails unless
// the exit codes and outputs are the same and the served run went through the socket.
func (tw *twin) both(t *testing.T, code int, stdin []byte, args ...string) (local, remote result) {
	t.Helper()
	args = append(args, "--db", "vivipass.db")
	local = vpIn(t, tw.here, bytes.NewReader(stdin), args...)
	before := len(tw.srv.served())
	remote = vpIn(t, tw.there, bytes.NewReader(stdin), args...)
	if local.code != code {
		t.Errorf("in-process: exit %d, want %d\n%s", local.code, code, local)
	}
	if remote.code != local.code || remote.stdout != local.stdout || remote.stderr != local.stderr {
		t.Errorf("through the server the command differs:\n=== in-process:\n%s\n=== through the socket:\n%s", local, remote)
	}
	served := tw.srv.waitServed(before + 1)
	want := fmt.Sprintf("%s → %d", control.Summary(args), remote.code) // the log names no value (issue 13)
	if len(served) != before+1 || served[len(served)-1] != want {
		t.Errorf("the server did not run %q from its socket: %q", want, served[before:])
	}
	return local, remote
}

// genRegion writes n rows of a generated legacy register.
func genRegion(t testing.TB, n int) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "regione.csv")
	gen := exec.Command("go", "run", "../../bench/genregion", "-passes", fmt.Sprint(n), "-out", out)
	if b, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("genregion: %v\n%s", err, b)
	}
	return out
}

// TestThroughSocket runs a representative set of commands both ways.
func TestThroughSocket(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	for _, c := range []string{"L736", "G224"} { // the server sends nothing: both copies stay alike
		must(t, 0, "national", "configure", "--comune", c, "--manual", "--db", db)
	}
	tw := newTwin(t, db)
	region, err := os.ReadFile(genRegion(t, 1500))
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{tw.here, tw.there} { // the same relative name in both
		if err := os.WriteFile(filepath.Join(dir, "regione.csv"), region, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	rossi := rowOf(t, filepath.Join(tw.here, "vivipass.db"), "ROSSI", "ROSSI MARIO").Numero

	l, _ := tw.both(t, 0, nil, "pass", "show", rossi, "--json")
	var p passShow
	if err := json.Unmarshal([]byte(l.stdout), &p); err != nil || p.Numero != rossi {
		t.Errorf("pass show: %v %+v", err, p)
	}
	tw.both(t, 0, nil, "pass", "show", rossi)
	l, _ = tw.both(t, 0, nil, "search", "ROSSI", "--json")
	contains(t, "search --json", l.stdout, `"rows"`, rossi)
	tw.both(t, 0, nil, "search", "ROSSI")
	l, _ = tw.both(t, 0, nil, "whitelist", "check", "AB123CD", "--json")
	contains(t, "whitelist check", l.stdout, `"authorised": true`)
	l, _ = tw.both(t, 3, nil, "whitelist", "check", "ZZ999ZZ")
	contains(t, "whitelist check", l.stdout, "NON AUTORIZZATA")
	l, _ = tw.both(t, 0, nil, "export", "whitelist")
	contains(t, "export whitelist", l.stdout, "AB123CD")
	l, _ = tw.both(t, 0, nil, "operator", "list", "--json")
	contains(t, "operator list", l.stdout, `"nome": "mario"`)
	tw.both(t, 0, nil, "audit", "verify")
	tw.both(t, 0, nil, "store", "verify")
	l, _ = tw.both(t, 0, nil, "store", "verify", "--json")
	contains(t, "store verify --json", l.stdout, `"problems": []`, `"passes": `)
	tw.both(t, 0, nil, "pec", "list", "--json")
	tw.both(t, 0, nil, "verify", "--public-key")
	tw.both(t, 0, nil, "template", "list", "--comune", "L736")
	l, _ = tw.both(t, 0, nil, "demo")
	contains(t, "demo", l.stdout, "già presenti in vivipass.db")

	// Wrong command lines: exit 2, the same words.
	tw.both(t, 2, nil, "search")
	tw.both(t, 2, nil, "pass", "mostra", rossi)
	tw.both(t, 2, nil, "whitelist", "check", "AB123CD", "--colore", "rosso")
	tw.both(t, 1, nil, "pass", "show", "NESSUNO")

	// Files named relative to where the command is typed (the client's folder).
	l, _ = tw.both(t, 0, nil, "backup", "copia.db")
	contains(t, "backup", l.stdout, "Copia scritta e verificata in copia.db")
	for _, dir := range []string{tw.here, tw.there} {
		r := vpIn(t, dir, nil, "store", "verify", "--db", "copia.db") // a closed file: in-process
		if r.code != 0 || !strings.Contains(r.stdout, "Database coerente") {
			t.Errorf("the backup in %s: %s", dir, r)
		}
	}
	tw.both(t, 1, nil, "backup", "vivipass.db") // the register itself: refused
	tw.both(t, 0, nil, "print", "card", rossi, "--out", "carta.pdf")
	if _, err := os.Stat(filepath.Join(tw.there, "carta.pdf")); err != nil {
		t.Errorf("print --out carta.pdf through the server: %v", err)
	}

	// Import with progress on stderr, then the same file from stdin: nothing new.
	l, _ = tw.both(t, 0, nil, "import", "--progress", "--valid-only", "regione.csv")
	contains(t, "import --progress", l.stderr, "avanzamento: 1000/", "avanzamento: 1")
	contains(t, "import", l.stdout, "Importati")
	l, _ = tw.both(t, 0, region, "import", "--json", "--valid-only", "-")
	var rep importReport
	strictJSON(t, l.stdout, &rep)
	if rep.Imported != 0 || rep.Rows != 1500 || rep.Skipped == 0 {
		t.Errorf("the same file again, from stdin: %+v", rep)
	}
	tw.both(t, 0, nil, "audit", "verify")

	// What cannot run inside a server says so.
	there := filepath.Join(tw.there, "vivipass.db")
	for _, c := range []struct {
		args []string
		want []string
	}{
		{[]string{"restore", "copia.db"}, []string{"fermare prima il server", "kill"}},
		{[]string{"init", "--comune", "L736"}, []string{"init non si esegue con il server acceso"}},
		{[]string{"serve"}, []string{"già in esecuzione"}},
		{[]string{"--operator", "mario"}, []string{"ssh -p", "NOME@"}},
		{[]string{"pec", "sync"}, []string{"legge già le caselle PEC", "--once"}},
	} {
		r := vpIn(t, tw.there, nil, append(c.args, "--db", there)...)
		if r.code != 1 {
			t.Errorf("%v: exit %d, want 1\n%s", c.args, r.code, r)
		}
		contains(t, strings.Join(c.args, " "), r.stderr, c.want...)
	}
	if _, err := os.Stat(there); err != nil {
		t.Fatalf("the register: %v", err)
	}

	// Stopped: the socket is gone, the commands open the file again.
	if code := tw.srv.stop(t); code != 0 {
		t.Errorf("serve exited %d\n%s", code, tw.srv.logs())
	}
	if _, err := os.Lstat(there + ".sock"); !os.IsNotExist(err) {
		t.Errorf("socket left after SIGTERM: %v", err)
	}
	n := len(tw.srv.served())
	must(t, 0, "audit", "verify", "--db", there)
	if len(tw.srv.served()) != n {
		t.Error("a command went to a stopped server")
	}
}

// TestSocketInterrupt: ctrl+c in the client during a long import cancels it in the
// server; the register is as it was and the server goes on.
func TestSocketInterrupt(t *testing.T) {
	t.Parallel()
	big := genRegion(t, 30000)
	first, middle := sampleNumbers(t, big, 500)
	db := newDB(t, "L736")
	before := auditCount(t, db)
	s := startServe(t, "--db", db)
	defer s.stop(t)

	progress, r := interruptAtProgress(t, "avanzamento: ", "import", "--progress", "--db", db, big)
	if progress == "avanzamento: 30000/30000" {
		t.Fatalf("the import ended before the first progress line was read: the test proves nothing\n%s", r)
	}
	if r.code != 1 {
		t.Fatalf("interrupted import: exit %d, want 1\n%s", r.code, r)
	}
	contains(t, "stderr", r.stderr, "import interrotto", "nessuna modifica al registro")
	if strings.Contains(r.stdout, "Importati") {
		t.Errorf("stdout says the import was done:\n%s", r)
	}

	// The server is still there, and the register as before.
	r = must(t, 0, "store", "verify", "--db", db)
	contains(t, "store verify", r.stdout, "Database coerente")
	if n := auditCount(t, db); n != before {
		t.Errorf("audit entries after the interrupted import: %d, want %d", n, before)
	}
	mustFindNone(t, db, first)
	mustFindNone(t, db, middle)
	if leftovers, _ := filepath.Glob(db + ".import-*"); len(leftovers) > 0 {
		t.Errorf("copies of the register left behind: %v", leftovers)
	}
	s.waitLog(t, `comando="import --progress --db … …" uscita=1`, `comando="store verify --db …" uscita=0`)
}

// TestSocketOtherUser: the socket answers only its server's user and root. CI runs as
// root, so the client runs as nobody.
func TestSocketOtherUser(t *testing.T) {
	t.Parallel()
	if os.Getuid() != 0 {
		t.Fatal("this test runs the client as nobody: it must run as root (as CI does)")
	}
	// A folder nobody may enter, holding a copy of the binary it may run.
	dir, err := os.MkdirTemp("", "vivipass-nobody-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	exe := filepath.Join(dir, "vivipass")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	db := filepath.Join(dir, "vivipass.db")
	must(t, 0, "demo", "--db", db)
	s := startServe(t, "--db", db)
	defer s.stop(t)
	if err := os.Chmod(dir, 0o755); err != nil { // serve made it 0700 (host key)
		t.Fatal(err)
	}
	sock := db + ".sock"
	if fi, err := os.Lstat(sock); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %s: %v %v, want mode 0600", sock, err, fi.Mode())
	}
	asNobody := func() result {
		t.Helper()
		cmd := exec.Command("setpriv", "--reuid=nobody", "--regid=nogroup", "--clear-groups", exe, "search", "ROSSI", "--db", db)
		cmd.Env = append(runEnv(), "HOME=/nonexistent")
		cmd.Dir = dir
		var o, e bytes.Buffer
		cmd.Stdout, cmd.Stderr = &o, &e
		err := cmd.Run()
		r := result{args: cmd.Args, stdout: o.String(), stderr: e.String()}
		if ee, ok := err.(*exec.ExitError); ok {
			r.code = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("setpriv: %v\n%s", err, r)
		}
		return r
	}
	// The mode: nobody cannot even connect.
	r := asNobody()
	if r.code != 1 || r.stdout != "" {
		t.Errorf("nobody through a 0600 socket: %s", r)
	}
	contains(t, "nobody's stderr", r.stderr, "solo dall'utente che lo ha avviato o da root")

	// The peer credentials: a socket opened to everyone still refuses, and says who.
	if err := os.Chmod(sock, 0o666); err != nil {
		t.Fatal(err)
	}
	r = asNobody()
	if r.code != 1 || r.stdout != "" {
		t.Errorf("nobody through a 0666 socket: %s", r)
	}
	contains(t, "nobody's stderr", r.stderr, "comando rifiutato", "solo dall'utente che lo ha avviato o da root")
	s.waitLog(t, `level=WARN msg="comando rifiutato: utente non autorizzato" uid=65534 pid=`, ` comando="search … --db …"`)
	// Root still gets through, and it is the only command the server ran.
	must(t, 0, "search", "ROSSI", "--db", db)
	if served := s.waitServed(1); len(served) != 1 || served[0] != "search … --db … → 0" {
		t.Errorf("commands served: %q, want root's search only", served)
	}
}

// TestSocketStale: a server killed with SIGKILL leaves its socket: commands open the
// file again, a locked file with a dead socket says the database is in use, and the
// next serve replaces the socket.
func TestSocketStale(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	s := startServe(t, "--db", db)
	s.cmd.Process.Kill()
	<-s.exited
	sock := db + ".sock"
	if _, err := os.Lstat(sock); err != nil {
		t.Fatalf("after SIGKILL the socket should still be there: %v", err)
	}
	must(t, 0, "search", "ROSSI", "--db", db)

	held, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	r := vp(t, "search", "ROSSI", "--db", db)
	held.Close()
	if r.code != 1 || !strings.Contains(r.stderr, "in uso") {
		t.Errorf("a locked database with a dead socket: %s", r)
	}

	s2 := startServe(t, "--db", db)
	must(t, 0, "search", "ROSSI", "--db", db)
	if n := len(s2.waitServed(1)); n != 1 {
		t.Errorf("the new server ran %d commands, want 1\n%s", n, s2.logs())
	}
	if code := s2.stop(t); code != 0 {
		t.Errorf("serve exited %d", code)
	}
	if _, err := os.Lstat(sock); !os.IsNotExist(err) {
		t.Errorf("socket left after SIGTERM: %v", err)
	}
}

// TestPecThroughSocket: `pec sync --once --progress` inside the server streams its
// progress, ctrl+c stops it there, the next sync stores the rest exactly once, and the
// attachments go to a folder named relative to the client.
func TestPecThroughSocket(t *testing.T) {
	t.Parallel()
	const n = 200
	d := mailtest.StartDovecot(t, cliPecUser, cliPecPassword)
	d.Save("INBOX", mailtest.Requests(t, 1, n)...)
	db := pecDB(t, d, "--disabled") // the server's own worker leaves this mailbox to the command
	s := startServe(t, "--db", db)
	defer s.stop(t)

	progress, r := interruptAtProgress(t, "scaricati: ", "pec", "sync", "--once", "--progress", "--batch", "25", "--comune", "L736", "--db", db)
	if r.code != 1 {
		t.Fatalf("interrupted sync: exit %d, want 1\n%s", r.code, r)
	}
	contains(t, "stderr", r.stderr, "lettura interrotta")
	stored, _ := strconv.Atoi(strings.TrimPrefix(progress, "scaricati: "))
	if after := len(pecListJSON(t, db)); stored <= 0 || after < stored || after >= n {
		t.Errorf("after %q and ctrl+c: %d items stored, want at least %d and fewer than %d", progress, after, stored, n)
	}
	r = must(t, 0, "pec", "sync", "--once", "--json", "--comune", "L736", "--db", db)
	contains(t, "second sync", r.stdout, `"comune": "L736"`)
	items := pecListJSON(t, db)
	ids := map[string]bool{}
	for _, it := range items {
		ids[it.RequestID] = true
	}
	if len(items) != n || len(ids) != n {
		t.Errorf("after the second sync: %d items, %d distinct requests, want %d", len(items), len(ids), n)
	}
	id := strconv.FormatUint(items[0].ID, 10)
	client := t.TempDir()
	r = vpIn(t, client, nil, "pec", "attachments", id, "--dir", "allegati", "--db", db)
	if r.code != 0 {
		t.Fatalf("pec attachments: %s", r)
	}
	if files, _ := os.ReadDir(filepath.Join(client, "allegati")); len(files) == 0 {
		t.Errorf("no attachment in the client's folder: %s", r)
	}
	s.waitLog(t, `comando="pec sync --once --progress --batch … --comune … --db …" uscita=1`,
		`comando="pec sync --once --json --comune … --db …" uscita=0`, `comando="pec attachments … --dir … --db …" uscita=0`)
	must(t, 0, "store", "verify", "--db", db)
}

// interruptAtProgress sends SIGINT (ctrl+c) at the first progress line.
func interruptAtProgress(t *testing.T, prefix string, args ...string) (string, result) {
	t.Helper()
	return signalAtProgress(t, syscall.SIGINT, prefix, args...)
}
