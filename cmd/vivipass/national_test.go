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
	contains(t, "queue before the sync", r.stdout, "L736_2025_00042", "rilascio", "in_coda")

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
	contains(t, "queue while down", r.stdout, "decesso", "in_coda", "non raggiungibile")
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
	contains(t, "retry", r.stdout, "1 invii rimessi in coda")
	// The simulator again, from its state file: the death goes, once.
	url2, _ := startSim(t, "--state", filepath.Join(dir, "stato.json"), "--user-file", users)
	must(t, 0, "national", "configure", "--comune", "L736", "--url", url2, "--user", "comune.venezia", "--password-file", pw, "--db", db)
	r = must(t, 0, "national", "sync", "--once", "--db", db)
	contains(t, "sync after the restart", r.stdout, "Inviati 1")
	r = must(t, 0, "national", "queue", "--all", "--db", db)
	contains(t, "the whole queue", r.stdout, "decesso", "completato")
}
