//go:build !lean

// The tests of this package run the full program (any build without the tag);
// TestLeanProgram builds the lean one and compares the two.
package main

// End-to-end tests of the real binary: TestMain builds it once, every test runs it with
// exec on databases in t.TempDir() and checks stdout, stderr, exit codes and the JSON
// contracts of the README.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

var (
	bin      string // the vivipass binary built by TestMain
	sentinel string // VIVIPASS_DB of every run: a command without --db would create it
)

func TestMain(m *testing.M) {
	os.Exit(testMain(m))
}

func testMain(m *testing.M) int {
	dir, err := os.MkdirTemp("", "vivipass-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	bin = filepath.Join(dir, "vivipass")
	sentinel = filepath.Join(dir, "default", "vivipass.db")
	build := exec.Command("go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "go build:", err)
		return 1
	}
	code := m.Run()
	if _, err := os.Stat(sentinel); err == nil {
		fmt.Fprintln(os.Stderr, "a test ran vivipass without --db: the default database was created")
		code = 1
	}
	return code
}

// result is one run of the binary.
type result struct {
	args           []string
	stdout, stderr string
	code           int
}

func (r result) String() string {
	return fmt.Sprintf("vivipass %s → exit %d\n--- stdout:\n%s--- stderr:\n%s", strings.Join(r.args, " "), r.code, r.stdout, r.stderr)
}

// runEnv is the environment of every run: the default database points into the build
// directory (see sentinel), never at the user's.
func runEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "VIVIPASS_DB=") && !strings.HasPrefix(kv, "XDG_DATA_HOME=") {
			out = append(out, kv)
		}
	}
	return append(out, "VIVIPASS_DB="+sentinel, "USER=collaudo")
}

// vp runs the binary to completion (at most two minutes).
func vp(t testing.TB, args ...string) result {
	t.Helper()
	return vpIn(t, "", nil, args...)
}

// vpIn is vp in the working directory dir ("": the test's), with stdin.
func vpIn(t testing.TB, dir string, stdin io.Reader, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = runEnv()
	cmd.Dir, cmd.Stdin = dir, stdin
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{args: args, stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &ee) && ee.Exited():
		r.code = ee.ExitCode()
	default:
		t.Fatalf("vivipass %s: %v\n%s", strings.Join(args, " "), err, r)
	}
	return r
}

// must runs the binary and fails the test unless it exits with code.
func must(t testing.TB, code int, args ...string) result {
	t.Helper()
	r := vp(t, args...)
	if r.code != code {
		t.Fatalf("exit %d, want %d\n%s", r.code, code, r)
	}
	return r
}

// contains fails the test unless s holds every one of want.
func contains(t *testing.T, what, s string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s does not contain %q:\n%s", what, w, s)
		}
	}
}

// newDB creates a database for comune with `init`.
func newDB(t *testing.T, comune string) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "vivipass.db")
	must(t, 0, "init", "--comune", comune, "--db", db)
	return db
}

// demoDB creates a database with the demo data.
func demoDB(t testing.TB) string {
	t.Helper()
	db := filepath.Join(t.TempDir(), "vivipass.db")
	must(t, 0, "demo", "--db", db)
	return db
}

var auditRe = regexp.MustCompile(`integro: (\d+) voci verificate`)

// auditCount is the number of audit entries, as `audit verify` counts them (and the
// chain must be intact).
func auditCount(t *testing.T, db string) int {
	t.Helper()
	r := must(t, 0, "audit", "verify", "--db", db)
	m := auditRe.FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("audit verify: no count\n%s", r)
	}
	n, _ := strconv.Atoi(m[1])
	return n
}

// searchRow is a row of `search --json` (README).
type searchRow struct {
	ID            uint64   `json:"id"`
	Version       uint64   `json:"version"`
	Numero        string   `json:"numero"`
	Comune        string   `json:"comune"`
	Titolare      string   `json:"titolare"`
	CodiceFiscale string   `json:"codice_fiscale"`
	Tipo          string   `json:"tipo"`
	Stato         string   `json:"stato"`
	Canale        string   `json:"canale"`
	Scadenza      string   `json:"scadenza"`
	Targhe        []string `json:"targhe"`
	Duplicato     bool     `json:"duplicato"`
	Nazionale     string   `json:"nazionale"`
}

type searchOut struct {
	Rows []searchRow `json:"rows"`
	More bool        `json:"more"`
}

func search(t *testing.T, db string, text ...string) searchOut {
	t.Helper()
	r := must(t, 0, append([]string{"search", "--json", "--db", db}, text...)...)
	var out searchOut
	strictJSON(t, r.stdout, &out)
	if out.Rows == nil {
		t.Fatalf("search --json: rows is not a list\n%s", r)
	}
	return out
}

// mustFindNone fails when search finds anything for text.
func mustFindNone(t *testing.T, db, text string) {
	t.Helper()
	if rows := search(t, db, text).Rows; len(rows) > 0 {
		t.Errorf("search %q found %d passes, want none: %+v", text, len(rows), rows)
	}
}

// rowOf is the search row whose holder is titolare.
func rowOf(t *testing.T, db, text, titolare string) searchRow {
	t.Helper()
	for _, r := range search(t, db, text).Rows {
		if r.Titolare == titolare {
			return r
		}
	}
	t.Fatalf("search %q: no pass of %s", text, titolare)
	return searchRow{}
}

// passShow is `pass show --json` (README), the fields the tests read.
type passShow struct {
	Numero          string `json:"numero"`
	Stato           string `json:"stato"`
	StatoRegistrato string `json:"stato_registrato"`
	Motivo          string `json:"motivo"`
	StatoDal        string `json:"stato_dal"`
	Tipo            string `json:"tipo"`
	Comune          string `json:"comune"`
	CodiceFiscale   string `json:"codice_fiscale"`
	Cognome         string `json:"cognome"`
	Nome            string `json:"nome"`
	DataNascita     string `json:"data_nascita"`
	DataDecesso     string `json:"data_decesso"`
	DataRilascio    string `json:"data_rilascio"`
	DataScadenza    string `json:"data_scadenza"`
	Canale          string `json:"canale"`
	Targhe          []struct {
		Targa, Nazione, Dal, Al, Tipo, Ruolo string
	} `json:"targhe"`
	Versioni []struct {
		Numero string `json:"numero"`
		Stato  string `json:"stato"`
	} `json:"versioni"`
	Storico []struct {
		Quando    string `json:"quando"`
		Operatore string `json:"operatore"`
		Canale    string `json:"canale"`
		Azione    string `json:"azione"`
		Dettaglio string `json:"dettaglio"`
	} `json:"storico"`
}

func showPass(t *testing.T, db, number string) passShow {
	t.Helper()
	r := must(t, 0, "pass", "show", number, "--json", "--db", db)
	var p passShow
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil {
		t.Fatalf("pass show --json: %v\n%s", err, r)
	}
	return p
}

// strictJSON decodes s into v, refusing keys v does not know: the README contracts
// name every key.
func strictJSON(t *testing.T, s string, v any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		t.Fatalf("JSON %T: %v\n%s", v, err, s)
	}
}

// checkKeys fails unless the JSON object s has every required key and no key outside
// required and optional.
func checkKeys(t *testing.T, what, s string, required, optional []string) map[string]json.RawMessage {
	t.Helper()
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("%s: not a JSON object: %v\n%s", what, err, s)
	}
	for _, k := range required {
		if _, ok := m[k]; !ok {
			t.Errorf("%s: missing key %q", what, k)
		}
	}
	for k := range m {
		if !slices.Contains(required, k) && !slices.Contains(optional, k) {
			t.Errorf("%s: key %q not in the README contract", what, k)
		}
	}
	return m
}

// importReport is `import --json` (README).
type importReport struct {
	Valid  int `json:"valid"`
	Errors []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"errors"`
	Imported int `json:"imported"`
	Skipped  int `json:"skipped"`
	Warnings []struct {
		Row     int    `json:"row"`
		Column  string `json:"column"`
		Message string `json:"message"`
	} `json:"warnings"`
	Rows      int    `json:"rows"`
	Encoding  string `json:"encoding"`
	Separator string `json:"separator"`
}

var importKeys = []string{"valid", "errors", "imported", "skipped", "rows"}
var importOptional = []string{"warnings", "encoding", "separator"}

// importJSON runs `import --json` with extra arguments and checks the exit code and
// the contract: errors is always a list.
func importJSON(t *testing.T, code int, db, file string, extra ...string) importReport {
	t.Helper()
	r := must(t, code, append([]string{"import", "--json", "--db", db, file}, extra...)...)
	m := checkKeys(t, "import --json", r.stdout, importKeys, importOptional)
	if e := strings.TrimSpace(string(m["errors"])); !strings.HasPrefix(e, "[") {
		t.Errorf("import --json: errors is %s, want a list", e)
	}
	var rep importReport
	strictJSON(t, r.stdout, &rep)
	return rep
}

// sharedDir finds ../shared (the spec and samples) walking up from the package.
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared")
		if st, err := os.Stat(filepath.Join(p, "samples", "legacy")); err == nil && st.IsDir() {
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("directory shared/samples/legacy not found above the package: the sample files are part of the test")
		}
		dir = up
	}
}

// write puts data in a new file of the test's temporary directory.
func write(t *testing.T, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// lines splits command output into lines (the tests' CSV has no quoted line breaks).
func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		out = append(out, sc.Text())
	}
	return out
}

// today is the day in Italy, as the binary sees it.
func today() time.Time {
	loc, err := time.LoadLocation("Europe/Rome")
	if err != nil {
		loc = time.UTC
	}
	n := time.Now().In(loc)
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

// ---- command line ----

func TestInit(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	db := filepath.Join(dir, "sub", "vivipass.db")
	r := must(t, 0, "init", "--comune", "L736", "--db", db)
	contains(t, "stdout", r.stdout, "VENEZIA", db)
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("init did not create the database: %v", err)
	}
	// Again: nothing breaks, the comune is already there.
	must(t, 0, "init", "--comune", "l736", "--db", db)
	if n := auditCount(t, db); n < 1 {
		t.Errorf("init wrote %d audit entries, want at least 1", n)
	}

	t.Run("comune sconosciuto", func(t *testing.T) {
		t.Parallel()
		db := filepath.Join(t.TempDir(), "x.db")
		r := must(t, 1, "init", "--comune", "X999", "--db", db)
		contains(t, "stderr", r.stderr, "comune", "X999", "sconosciuto")
		if r.stdout != "" {
			t.Errorf("stdout should be empty: %q", r.stdout)
		}
		if _, err := os.Stat(db); err == nil {
			t.Errorf("a failed init left a database file behind")
		}
	})
	t.Run("manca --comune", func(t *testing.T) {
		t.Parallel()
		db := filepath.Join(t.TempDir(), "x.db")
		r := must(t, 2, "init", "--db", db)
		contains(t, "stderr", r.stderr, "--comune", "uso: vivipass init --comune CODICE")
	})
}

func TestCommandLine(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "x.db")
	cases := []struct {
		name string
		args []string
		code int
		want []string
	}{
		{"comando sconosciuto", []string{"stampa", "--db", db}, 2, []string{`comando sconosciuto "stampa"`, "uso:", "vivipass import"}},
		{"opzione sconosciuta", []string{"search", "--colore", "rosso", "ROSSI", "--db", db}, 2, []string{"opzione sconosciuta -colore", "uso: vivipass search"}},
		{"opzione senza valore", []string{"init", "--db", db, "--comune"}, 2, []string{"l'opzione -comune richiede un valore", "uso: vivipass init"}},
		{"argomenti in più", []string{"template-csv", "altro", "--db", db}, 2, []string{"attesi 0 argomenti, ricevuti 1"}},
		{"search senza testo", []string{"search", "--db", db}, 2, []string{"indicare il testo da cercare"}},
		{"operator senza sottocomando", []string{"operator", "--db", db}, 2, []string{"indicare add, list o remove"}},
		{"pass senza show", []string{"pass", "mostra", "X", "--db", db}, 2, []string{"sottocomando sconosciuto mostra"}},
		{"ruolo non valido", []string{"operator", "add", "--name", "a", "--role", "capo", "--comune", "L736", "--key", "k.pub", "--db", db}, 2, []string{`ruolo "capo" non valido`}},
		{"desk opzione sconosciuta", []string{"--colore", "--db", db}, 2, []string{"opzione sconosciuta -colore", "uso: vivipass [--db FILE]"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := must(t, c.code, c.args...)
			contains(t, "stderr", r.stderr, c.want...)
			for _, english := range []string{"flag provided", "flag needs", "help requested", "not defined"} {
				if strings.Contains(r.stderr, english) {
					t.Errorf("stderr is not Italian (%q):\n%s", english, r.stderr)
				}
			}
		})
	}
	t.Run("aiuto", func(t *testing.T) {
		t.Parallel()
		for _, name := range []string{"aiuto", "help", "--help", "-h"} {
			r := must(t, 0, name)
			contains(t, name+" stdout", r.stdout, "vivipass import", "vivipass whitelist check", "vivipass backup FILE")
		}
		for _, args := range [][]string{{"-h"}, {"--help"}, {"--operator", "mario", "-h"}, {"import", "-h"}, {"init", "--help"}, {"operator", "-h"}, {"operator", "add", "-h"}} {
			r := must(t, 0, args...)
			contains(t, strings.Join(args, " ")+" stdout", r.stdout, "uso:", "vivipass")
			if strings.Contains(r.stdout+r.stderr, "help requested") {
				t.Errorf("%s: English help message:\n%s", args, r)
			}
		}
		if _, err := os.Stat(db); err == nil {
			t.Errorf("asking for help created the database")
		}
	})
}

// TestDesk opens the real desk in tmux at 80×24, as an operator at a thin terminal.
func TestDesk(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	scr := startTmux(t, "--db", db, "--operator", "mario")
	scr.waitFor(t, "mario · VENEZIA", "In scadenza entro 60 giorni", "F2 Contrassegni")
	if strings.Contains(scr.capture(t), "PADOVA") {
		t.Errorf("the desk of a Venezia operator shows Padova")
	}
	scr.keys(t, "F2")
	scr.waitFor(t, "Cerca:", "ZANON NICOLÒ")
	scr.keys(t, "-l", "BIA")
	scr.waitFor(t, "BIANCHI GIOVANNA", "1 trovato")
	scr.keys(t, "Enter")
	scr.waitFor(t, "[DUPLICATO]", "BNCGNN75L63L736M", "Numero precedente")
	scr.keys(t, "C-c")
	scr.waitGone(t)

	giulia := startTmux(t, "--db", db, "--operator", "giulia")
	giulia.waitFor(t, "giulia · PADOVA")
	giulia.keys(t, "C-c")

	r := must(t, 1, "--db", db, "--operator", "nessuno")
	contains(t, "stderr", r.stderr, `operatore "nessuno" non registrato`)
	r = must(t, 1, "--db", db, "--operator", "mario") // no terminal: stdin is not a tty
	contains(t, "stderr", r.stderr, "terminale")
	empty := newDB(t, "L736")
	r = must(t, 1, "--db", empty)
	contains(t, "stderr", r.stderr, "nessun operatore registrato")
}

// screen is a tmux session running the binary.
type screen struct{ name string }

var tmuxSeq atomic.Int64

func startTmux(t *testing.T, args ...string) screen {
	t.Helper()
	name := fmt.Sprintf("vp-test-%d-%d", os.Getpid(), tmuxSeq.Add(1))
	cmdline := []string{"new-session", "-d", "-s", name, "-x", "80", "-y", "24", "env"}
	cmdline = append(cmdline, runEnv()...)
	cmdline = append(cmdline, bin)
	cmdline = append(cmdline, args...)
	if out, err := exec.Command("tmux", cmdline...).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v\n%s", err, out)
	}
	t.Cleanup(func() { exec.Command("tmux", "kill-session", "-t", name).Run() })
	return screen{name}
}

func (s screen) capture(t *testing.T) string {
	out, _ := exec.Command("tmux", "capture-pane", "-p", "-t", s.name).Output()
	return string(out)
}

func (s screen) keys(t *testing.T, keys ...string) {
	t.Helper()
	if out, err := exec.Command("tmux", append([]string{"send-keys", "-t", s.name}, keys...)...).CombinedOutput(); err != nil {
		t.Fatalf("send-keys: %v\n%s", err, out)
	}
}

// waitFor waits (with a deadline, never a fixed sleep) until the screen shows every text.
func (s screen) waitFor(t *testing.T, texts ...string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		got := s.capture(t)
		missing := ""
		for _, x := range texts {
			if !strings.Contains(got, x) {
				missing = x
				break
			}
		}
		if missing == "" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the screen does not show %q:\n%s", missing, got)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// waitGone waits until the program has ended and tmux closed the session.
func (s screen) waitGone(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for exec.Command("tmux", "has-session", "-t", s.name).Run() == nil {
		if time.Now().After(deadline) {
			t.Fatalf("ctrl+c did not end the desk:\n%s", s.capture(t))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A mistyped --db must not create an empty register and answer "nothing found".
func TestMissingDatabaseRefused(t *testing.T) {
	t.Parallel()
	missing := filepath.Join(t.TempDir(), "refuso.db")
	for _, args := range [][]string{{"search", "ROSSI"}, {"pass", "show", "X"}, {"export", "passes"}, {"audit", "verify"}} {
		r := must(t, 1, append(args, "--db", missing)...)
		if !strings.Contains(r.stderr, "non trovato") || !strings.Contains(r.stderr, "vivipass init") {
			t.Errorf("%v: %s", args, r)
		}
	}
	if _, err := os.Stat(missing); err == nil {
		t.Fatal("the database file was created")
	}
}

// The per-operator plain mode (issue 3, thin terminals) is set from the command line.
func TestOperatorPlain(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	r := must(t, 0, "operator", "plain", "mario", "on", "--db", db)
	contains(t, "stdout", r.stdout, "modo semplice attivo")
	r = must(t, 2, "operator", "plain", "mario", "forse", "--db", db)
	contains(t, "stderr", r.stderr, "on oppure off")
	r = must(t, 1, "operator", "plain", "nessuno", "on", "--db", db)
	contains(t, "stderr", r.stderr, "non trovato")
}

// signalAtProgress runs the binary with args and sends it sig when stderr shows the
// first line starting with prefix; it returns that line and the run (fatal if the
// program ended first). With SIGKILL the process must have died of it: a program that
// finished first proves nothing.
func signalAtProgress(t *testing.T, sig syscall.Signal, prefix string, args ...string) (string, result) {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = runEnv()
	var out bytes.Buffer
	cmd.Stdout = &out
	pipe, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.AfterFunc(2*time.Minute, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	sc := bufio.NewScanner(pipe)
	var seen []string
	line := ""
	for sc.Scan() {
		seen = append(seen, sc.Text())
		if line == "" && strings.HasPrefix(sc.Text(), prefix) {
			line = sc.Text()
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
		}
	}
	err = cmd.Wait()
	r := result{args: args, stdout: out.String(), stderr: strings.Join(seen, "\n") + "\n", code: cmd.ProcessState.ExitCode()}
	if line == "" {
		t.Fatalf("no line %q on stderr (%v):\n%s", prefix, err, r)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); sig == syscall.SIGKILL && (!ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL) {
		t.Fatalf("the process ended with %v, not killed by SIGKILL: it finished first, the test proves nothing", err)
	}
	return line, r
}

// killAtProgress SIGKILLs the binary at the first progress line and returns that line.
func killAtProgress(t *testing.T, prefix string, args ...string) string {
	t.Helper()
	line, _ := signalAtProgress(t, syscall.SIGKILL, prefix, args...)
	return line
}
