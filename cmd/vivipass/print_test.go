//go:build !lean

package main

import (
	"bytes"
	"context"
	"errors"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"vivipass/printing/printtest"
)

// vpEnv is vp with extra environment (CUPS_SERVER).
func vpEnv(t *testing.T, env []string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(runEnv(), env...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	r := result{args: args, stdout: out.String(), stderr: errb.String()}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		r.code = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("vivipass %s: %v", strings.Join(args, " "), err)
	}
	return r
}

func TestPrintCardModulesCalibrationReminders(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	dir := t.TempDir()
	zanon := rowOf(t, db, "ZANON", "ZANON NICOLÒ")
	bianchi := rowOf(t, db, "BIANCHI", "BIANCHI GIOVANNA") // a duplicate in the demo
	if !bianchi.Duplicato || zanon.Duplicato {
		t.Fatalf("demo changed: duplicates %v %v", bianchi.Duplicato, zanon.Duplicato)
	}
	for _, c := range []struct {
		mode  string
		pages int
	}{{"fronte", 1}, {"retro", 1}, {"fronte-retro", 2}} {
		out := filepath.Join(dir, c.mode+".pdf")
		r := must(t, 0, "print", "card", zanon.Numero, "--mode", c.mode, "--out", out, "--db", db)
		contains(t, "stdout", r.stdout, "Contrassegno "+c.mode, "salvato in "+out)
		pdf, _ := os.ReadFile(out)
		info := printtest.PDFInfo(t, pdf)
		if info.Pages != c.pages || math.Abs(info.W-148) > 0.05 || math.Abs(info.H-106) > 0.05 {
			t.Errorf("%s: %d pages of %.1f × %.1f mm", c.mode, info.Pages, info.W, info.H)
		}
		text := printtest.Text(t, pdf)
		if c.mode != "retro" {
			contains(t, c.mode, text, zanon.Numero, "COMUNE DI VENEZIA")
		}
		if c.mode != "fronte" {
			contains(t, c.mode, text, "ZANON", "NICOLÒ")
		}
		if strings.Contains(text, "DUPLICATO") {
			t.Errorf("%s: DUPLICATO on a first issue", c.mode)
		}
	}
	out := filepath.Join(dir, "dup.pdf")
	must(t, 0, "print", "card", bianchi.Numero, "--mode", "fronte", "--out", out, "--db", db)
	if pdf, _ := os.ReadFile(out); !strings.Contains(printtest.Text(t, pdf), "DUPLICATO") {
		t.Error("the duplicate's card has no DUPLICATO")
	}

	for _, name := range []string{"autorizzazione", "ricevuta", "promemoria"} {
		out := filepath.Join(dir, name+".pdf")
		r := must(t, 0, "print", "module", name, zanon.Numero, "--out", out, "--db", db)
		contains(t, "stdout", r.stdout, "Modulo "+name)
		pdf, _ := os.ReadFile(out)
		info := printtest.PDFInfo(t, pdf)
		if math.Abs(info.W-210) > 0.1 || math.Abs(info.H-297) > 0.1 {
			t.Errorf("%s: %.1f × %.1f mm, want A4", name, info.W, info.H)
		}
		contains(t, name, printtest.Text(t, pdf), "Comune di Venezia", zanon.Numero, "NICOLÒ")
	}

	out = filepath.Join(dir, "cal.pdf")
	must(t, 0, "print", "calibration", "--out", out, "--db", db)
	if pdf, _ := os.ReadFile(out); !strings.Contains(printtest.Text(t, pdf), "Pagina di calibrazione") {
		t.Error("calibration page")
	}

	// The reminders: as many pages as letters, as many letters as passes the search
	// finds expiring within the days (active or expiring, scadenza from today).
	out = filepath.Join(dir, "rem.pdf")
	r := must(t, 0, "print", "reminders", "--days", "400", "--out", out, "--db", db)
	m := regexp.MustCompile(`\((\d+) lettere\)`).FindStringSubmatch(r.stdout)
	if m == nil {
		t.Fatalf("stdout %q", r.stdout)
	}
	n, _ := strconv.Atoi(m[1])
	pdf, _ := os.ReadFile(out)
	if info := printtest.PDFInfo(t, pdf); info.Pages != n || n < 2 {
		t.Errorf("%d letters on %d pages", n, info.Pages)
	}
	r = must(t, 1, "print", "reminders", "--days", "0", "--out", out, "--db", db)
	contains(t, "stderr", r.stderr, "nessun contrassegno scade entro 0 giorni")

	// Wrong command lines.
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"print", "card", zanon.Numero}, 2, "indicare --out FILE oppure --printer CODA"},
		{[]string{"print", "card", zanon.Numero, "--out", "a.pdf", "--printer", "P"}, 2, "indicare --out FILE oppure --printer CODA"},
		{[]string{"print", "card", zanon.Numero, "--mode", "laterale", "--out", "a.pdf"}, 2, "modalità di stampa \"laterale\" non valida"},
		{[]string{"print", "card", "NESSUNO", "--out", "a.pdf"}, 1, "contrassegno NESSUNO non trovato"},
		{[]string{"print", "module", "boh", zanon.Numero, "--out", "a.pdf"}, 1, "modulo «boh» non trovato"},
		{[]string{"print", "foto", "--out", "a.pdf"}, 2, "sottocomando sconosciuto foto"},
		{[]string{"print"}, 2, "indicare card, module, calibration o reminders"},
		{[]string{"print", "card", zanon.Numero, "--printer", "DESK 1"}, 1, "nome della coda di stampa"},
	} {
		r := must(t, c.code, append(c.args, "--db", db)...)
		contains(t, strings.Join(c.args, " "), r.stderr, c.want)
	}
}

func TestVerifyCommand(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	zanon := rowOf(t, db, "ZANON", "ZANON NICOLÒ")
	out := filepath.Join(t.TempDir(), "c.pdf")
	must(t, 0, "print", "card", zanon.Numero, "--mode", "fronte", "--out", out, "--db", db)
	pdf, _ := os.ReadFile(out)
	payload := printtest.DecodeQR(t, pdf, 1)

	r := must(t, 0, "verify", payload, "--db", db)
	contains(t, "stdout", r.stdout, "Firma valida: contrassegno "+zanon.Numero, "comune di VENEZIA (VE)")
	listed := must(t, 0, "verify", "--public-key", "--db", db).stdout
	key, _, _ := strings.Cut(listed, " ")
	if !strings.HasPrefix(key, "ed25519:") || !strings.Contains(listed, "firma i nuovi contrassegni") {
		t.Fatalf("public keys %q", listed)
	}
	// Offline: only the key, no database.
	r = must(t, 0, "verify", payload, "--key", key, "--db", filepath.Join(t.TempDir(), "none.db"))
	contains(t, "offline", r.stdout, "Firma valida")
	forged := strings.Replace(payload, zanon.Numero, zanon.Numero[:len(zanon.Numero)-1]+"9", 1)
	r = must(t, 1, "verify", forged, "--key", key)
	contains(t, "forged", r.stderr, "FIRMA NON VALIDA")
	r = must(t, 1, "verify", payload, "--key", "ed25519:AAAA")
	contains(t, "bad key", r.stderr, "chiave pubblica non valida")
	// Issue 12.4: a rotation makes a new key sign; the card signed before still verifies.
	r = must(t, 0, "key", "rotate", "--db", db)
	contains(t, "rotate", r.stdout, "Nuova chiave di firma", "continuano a verificare")
	listed = must(t, 0, "verify", "--public-key", "--db", db).stdout
	if strings.Count(listed, "ed25519:") != 2 || !strings.Contains(listed, "verifica i contrassegni firmati prima") {
		t.Errorf("keys after the rotation:\n%s", listed)
	}
	r = must(t, 0, "verify", payload, "--db", db)
	contains(t, "old card after the rotation", r.stdout, "Firma valida")
	// Another register's key (a fresh init makes its own).
	other := newDB(t, "G224")
	r = must(t, 1, "verify", payload, "--db", other)
	contains(t, "other register", r.stderr, "un'altra chiave")
	must(t, 2, "verify", "--db", db)
}

func TestTemplateCommands(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	dir := t.TempDir()
	r := must(t, 0, "template", "list", "--db", db)
	contains(t, "list", r.stdout, "autorizzazione", "ricevuta", "promemoria", "predefinito")

	exported := filepath.Join(dir, "ricevuta.txt")
	must(t, 0, "template", "export", "ricevuta", exported, "--db", db)
	data, _ := os.ReadFile(exported)
	contains(t, "exported", string(data), "nome: ricevuta", "#codice_univoco#")

	bad := write(t, "lettera.txt", []byte("Gentile #cognome#,\nil #numero# scade il #data_scadenza\n"))
	r = must(t, 1, "template", "import", bad, "--db", db)
	contains(t, "stderr", r.stderr, "il modulo contiene 2 errori", "riga 2, colonna 4: tag #numero# sconosciuto",
		"riga 2, colonna 22: tag #data_scadenza non chiuso")
	good := write(t, "lettera.txt", []byte("Gentile #cognome#,\nil #num_pass# scade il #data_decorrenza\n"))
	r = must(t, 0, "template", "import", good, "--db", db)
	contains(t, "import", r.stdout, "Modulo lettera importato per il comune L736: creato")
	r = must(t, 0, "template", "import", exported, "--db", db)
	contains(t, "import over a shipped one", r.stdout, "Modulo ricevuta importato")
	r = must(t, 0, "template", "import", exported, "--db", db)
	contains(t, "import again", r.stdout, "sostituito (versione 2)")
	r = must(t, 0, "template", "list", "--db", db)
	contains(t, "list", r.stdout, "lettera", "del comune (sostituisce il predefinito), versione 2")

	r = must(t, 1, "template", "list", "--comune", "X999", "--db", db)
	contains(t, "bad comune", r.stderr, "comune \"X999\" sconosciuto")
	r = must(t, 1, "template", "export", "nessuno", filepath.Join(dir, "x"), "--db", db)
	contains(t, "missing", r.stderr, "modulo «nessuno» non trovato")
	must(t, 2, "template", "copy", "--db", db)
}

// The card and a module printed through a real CUPS: a private cupsd whose cups-pdf
// queue writes what it gets; the card keeps its 148 × 106 mm, the module is A4; the
// queue's calibration, set with `printer set`, moves the card's text.
func TestPrintToCUPS(t *testing.T) {
	t.Parallel()
	cups := printtest.StartCUPS(t)
	env := []string{"CUPS_SERVER=" + cups.Addr}
	db := demoDB(t)
	zanon := rowOf(t, db, "ZANON", "ZANON NICOLÒ")

	r := vpEnv(t, env, "print", "card", zanon.Numero, "--mode", "fronte-retro", "--printer", cups.Queue, "--db", db)
	if r.code != 0 {
		t.Fatalf("%s\n%s", r, cups.Log())
	}
	contains(t, "stdout", r.stdout, "Contrassegno fronte-retro, 2 pagine: lavoro "+cups.Queue+"-", "completato")
	file := cups.Output(t, 30*time.Second)
	info := printtest.PDFInfoFile(t, file)
	if info.Pages != 2 || math.Abs(info.W-148) > 0.5 || math.Abs(info.H-106) > 0.5 {
		t.Errorf("card through CUPS: %d pages of %.1f × %.1f mm", info.Pages, info.W, info.H)
	}
	plain, _ := os.ReadFile(file)
	cups.Clear(t)

	r = vpEnv(t, env, "printer", "set", cups.Queue, "--offset-x", "3", "--offset-y", "-2", "--comune", "L736", "--db", db)
	if r.code != 0 {
		t.Fatal(r)
	}
	must(t, 0, "printer", "list", "--db", db)
	r = vpEnv(t, env, "print", "card", zanon.Numero, "--mode", "fronte", "--printer", cups.Queue, "--db", db)
	if r.code != 0 {
		t.Fatal(r)
	}
	shifted, _ := os.ReadFile(cups.Output(t, 30*time.Second))
	// cups-pdf's ghostscript turns the fonts into Type 3 without text: compare the word
	// boxes of the front page, in order.
	var a, b []printtest.Word
	for _, w := range printtest.Words(t, plain) {
		if w.Page == 1 {
			a = append(a, w)
		}
	}
	b = printtest.Words(t, shifted)
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("front words: %v, calibrated %v", a, b)
	}
	for i := range a {
		if math.Abs(b[i].XMin-a[i].XMin-3) > 0.3 || math.Abs(b[i].YMin-a[i].YMin+2) > 0.3 {
			t.Errorf("calibrated print: word at (%.1f, %.1f), uncalibrated (%.1f, %.1f): want +3, -2 mm", b[i].XMin, b[i].YMin, a[i].XMin, a[i].YMin)
		}
	}
	cups.Clear(t)

	r = vpEnv(t, env, "print", "module", "ricevuta", zanon.Numero, "--printer", cups.Queue, "--db", db)
	if r.code != 0 {
		t.Fatal(r)
	}
	info = printtest.PDFInfoFile(t, cups.Output(t, 30*time.Second))
	if math.Abs(info.W-210) > 0.5 || math.Abs(info.H-297) > 0.5 {
		t.Errorf("module through CUPS: %.1f × %.1f mm, want A4", info.W, info.H)
	}
	// The prints are in the pass's history.
	var prints int
	for _, h := range showPass(t, db, zanon.Numero).Storico {
		if h.Azione == "stampa" {
			prints++
		}
	}
	if prints != 3 {
		t.Errorf("%d prints in the history, want 3", prints)
	}
	r = vpEnv(t, env, "print", "card", zanon.Numero, "--printer", "NESSUNA", "--db", db)
	if r.code != 1 || !strings.Contains(r.stderr, "la stampante «NESSUNA» non esiste") {
		t.Errorf("missing queue: %s", r)
	}
}
