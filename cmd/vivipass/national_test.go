//go:build !lean

package main

// The national platform from the command line (issue #10): `vivipass national-sim` as
// a real process on loopback, a register whose imported passes have the consent and a
// principale plate, `national configure`, `national sync --once`, the CUDE ID and the
// codice univoco on `pass show`; the platform down: the queue says why and when.

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startSim runs `vivipass national-sim` on a free loopback port and returns its URL.
func startSim(t *testing.T, args ...string) (url string, stop func()) {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"national-sim", "--addr", "127.0.0.1:0"}, args...)...)
	cmd.Env = runEnv()
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	stop = func() {
		if cmd.ProcessState == nil {
			cmd.Process.Kill()
			cmd.Wait()
		}
	}
	t.Cleanup(stop)
	addr := regexp.MustCompile(`https?://127\.0\.0\.1:\d+`)
	sc := bufio.NewScanner(out)
	deadline := time.AfterFunc(10*time.Second, func() { cmd.Process.Kill() })
	defer deadline.Stop()
	for sc.Scan() {
		if m := addr.FindString(sc.Text()); m != "" {
			go func() {
				for sc.Scan() {
				}
			}()
			return m, stop
		}
	}
	t.Fatal("national-sim did not say where it listens")
	return "", stop
}

func TestNationalFromTheCommandLine(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	users := write(t, "utenze.txt", []byte("comune.venezia;segreta;L736;\n"))
	url, stopSim := startSim(t, "--state", filepath.Join(dir, "stato.json"), "--user-file", users)
	db := newDB(t, "L736")
	head := "codice_fiscale;cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza;targa_1;targa_principale;consenso_circuito_nazionale\n"
	csv := head + "RSSMRA80A01L736U;ROSSI;MARIO;VENEZIA;L736_2025_00042;P;15/03/2025;15/03/2030;AB123CD;1;S\n" +
		"BNCGNN75L63L736M;BIANCHI;GIOVANNA;VENEZIA;L736_2025_00043;P;15/03/2025;15/03/2030;EF456GH;1;S\n"
	importJSON(t, 0, db, write(t, "consenso.csv", []byte(csv)))

	pw := write(t, "password.txt", []byte("segreta\n"))
	r := must(t, 0, "national", "configure", "--comune", "L736", "--url", url, "--user", "comune.venezia",
		"--password-file", pw, "--password-expires", "31/12/2099", "--db", db)
	contains(t, "configure", r.stdout, "invii a "+url, "non salvata nel database")
	r = must(t, 0, "national", "queue", "--db", db)
	contains(t, "queue before the sync", r.stdout, "L736_2025_00042", "rilascio", "in coda")

	r = must(t, 0, "national", "sync", "--once", "--db", db)
	contains(t, "sync", r.stdout, "Inviati 2")
	var shown struct {
		CudeID        string `json:"cude_id"`
		CodiceUnivoco string `json:"codice_univoco"`
		Invio         string `json:"stato_invio_nazionale"`
	}
	if err := json.Unmarshal([]byte(must(t, 0, "pass", "show", "L736_2025_00042", "--json", "--db", db).stdout), &shown); err != nil {
		t.Fatal(err)
	}
	if shown.CudeID == "" || shown.CodiceUnivoco == "" || shown.Invio != "inviato" {
		t.Errorf("pass show after the sync: %+v", shown)
	}
	r = must(t, 0, "national", "queue", "--db", db)
	contains(t, "queue after the sync", r.stdout, "Nessun invio in attesa")
	if strings.Contains(must(t, 0, "audit", "verify", "--db", db).stdout+r.stdout, "segreta") {
		t.Error("the password shows in an output")
	}

	// The platform down: a death to send; the queue says why and when it tries again.
	stopSim()
	deaths := write(t, "decessi.csv", []byte("RSSMRA80A01L736U;01/06/2025\n"))
	must(t, 0, "deceased", "import", deaths, "--db", db)
	r = must(t, 0, "national", "sync", "--once", "--db", db)
	contains(t, "sync while down", r.stdout, "non riusciti 1")
	r = must(t, 0, "national", "queue", "--db", db)
	contains(t, "queue while down", r.stdout, "decesso", "in coda", "non raggiungibile")
	var jobs []struct {
		Seq      uint64 `json:"seq"`
		Attempts int    `json:"attempts"`
	}
	if err := json.Unmarshal([]byte(must(t, 0, "national", "queue", "--json", "--db", db).stdout), &jobs); err != nil {
		t.Fatal(err)
	}
	if len(jobs) != 1 || jobs[0].Attempts != 1 {
		t.Errorf("queue --json: %+v", jobs)
	}
	must(t, 2, "national", "retry", "--db", db)
	r = must(t, 0, "national", "retry", "--all", "--db", db)
	contains(t, "retry", r.stdout, "1 invio rimesso in coda")
	// The simulator again, from its state file: the death goes, once.
	url2, _ := startSim(t, "--state", filepath.Join(dir, "stato.json"), "--user-file", users)
	must(t, 0, "national", "configure", "--comune", "L736", "--url", url2, "--user", "comune.venezia", "--password-file", pw, "--db", db)
	r = must(t, 0, "national", "sync", "--once", "--db", db)
	contains(t, "sync after the restart", r.stdout, "Inviati 1")
	r = must(t, 0, "national", "queue", "--all", "--db", db)
	contains(t, "the whole queue", r.stdout, "decesso", "completato")
}

// simApplied reads the simulator's state file: how many times each key was applied.
func simApplied(t *testing.T, file string) map[string]int {
	t.Helper()
	var st struct {
		Keys map[string]struct {
			Applied int `json:"applicazioni"`
		} `json:"chiavi"`
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return nil // being replaced: read it again
	}
	out := map[string]int{}
	for k, v := range st.Keys {
		out[k] = v.Applied
	}
	return out
}

// N2, issue #10: the server killed (SIGKILL) in the middle of a drain, then started
// again: every send reaches the platform exactly once (the simulator counts by key).
func TestNationalKilledMidDrain(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	state := filepath.Join(dir, "stato.json")
	users := write(t, "utenze.txt", []byte("venezia;segreta;L736;\n"))
	url, _ := startSim(t, "--state", state, "--user-file", users, "--latency", "3ms")
	db := newDB(t, "L736")
	importJSON(t, 0, db, genRegion(t, 1200), "--comune", "L736", "--valid-only")
	must(t, 0, "national", "configure", "--comune", "L736", "--url", url, "--user", "venezia",
		"--password-file", write(t, "pw.txt", []byte("segreta")), "--db", db)
	var queued []struct{}
	if err := json.Unmarshal([]byte(must(t, 0, "national", "queue", "--json", "--db", db).stdout), &queued); err != nil || len(queued) < 50 {
		t.Fatalf("%d jobs queued (%v): the test wants many", len(queued), err)
	}

	s := startServe(t, "--db", db)
	deadline := time.Now().Add(30 * time.Second)
	for len(simApplied(t, state)) < 20 {
		if time.Now().After(deadline) {
			t.Fatalf("the server did not start sending:\n%s", s.logs())
		}
		time.Sleep(5 * time.Millisecond)
	}
	s.cmd.Process.Kill() // mid-drain
	<-s.exited
	if n := len(simApplied(t, state)); n >= len(queued) {
		t.Fatalf("the drain finished before the kill (%d of %d): the test proves nothing", n, len(queued))
	}

	s = startServe(t, "--db", db)
	for {
		var left []struct{}
		json.Unmarshal([]byte(must(t, 0, "national", "queue", "--json", "--db", db).stdout), &left)
		if len(left) == 0 {
			break
		}
		if time.Now().After(deadline.Add(60 * time.Second)) {
			t.Fatalf("%d jobs left after the restart:\n%s", len(left), s.logs())
		}
		time.Sleep(50 * time.Millisecond)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exited %d", code)
	}
	applied := simApplied(t, state)
	if len(applied) != len(queued) {
		t.Errorf("%d keys reached the platform, want %d", len(applied), len(queued))
	}
	for k, n := range applied {
		if n != 1 {
			t.Errorf("%s applied %d times", k, n)
		}
	}
}
