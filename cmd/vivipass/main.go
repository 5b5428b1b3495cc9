// Command vivipass is the desk application for the disabled parking card (CUDE): with
// no arguments it opens the desk on this terminal; `vivipass serve` serves every
// operator over SSH; the other subcommands script the register (see `vivipass aiuto`).
package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	_ "time/tzdata" // civil dates are Italian whatever the server's zone files

	"vivipass/domain"
	"vivipass/internal/explain"
)

// command is one subcommand: its usage line, a one-line description, and its body.
type command struct {
	usage string
	help  string
	run   func(env *env, args []string) error
}

// env is what every command gets: its streams, its context, who typed it and where,
// and how to reach the register (env.go). A body writes only to stdout and stderr,
// reads only stdin, and gets its service from open: the same body runs in this process
// and inside a running server (remote.go).
type env struct {
	stdout, stderr io.Writer
	stdin          io.Reader
	ctx            context.Context // cancelled by ctrl+c in the client when run inside the server
	cwd            string          // the client's working directory inside the server; "" in-process
	defaultDB      string          // the database when --db is not given
	user           string          // $USER of whoever typed the command
	served         *served         // the server the command runs in; nil in-process
}

func commands() map[string]command {
	cs := map[string]command{
		"init":         {usage: "init --comune CODICE [--db FILE]", help: "crea il database per un comune (codice catastale)"},
		"serve":        {usage: "serve [--db FILE] [--ssh INDIRIZZO] [--idle DURATA] [--http INDIRIZZO --tls-cert FILE --tls-key FILE]", help: "server SSH (ogni operatore si collega con ssh -p PORTA nome@host) e API HTTPS per varchi e polizia"},
		"demo":         {usage: "demo [--db FILE]", help: "carica i dati dimostrativi (Venezia e Padova)"},
		"operator":     {usage: "operator add|list|full-name|remove|role|key-remove|plain …", help: "operatori e chiavi SSH (vedi `vivipass operator`)"},
		"import":       {usage: "import [--dry-run] [--json] [--valid-only] [--progress] [--comune CODICE] FILE|-", help: "importa il pregresso da un CSV del tracciato (- = standard input)"},
		"template-csv": {usage: "template-csv", help: "stampa il tracciato CSV per l'import"},
		"export":       {usage: "export passes|plates|whitelist [--at DATA] [--comune CODICE]", help: "esporta in CSV su stdout"},
		"whitelist":    {usage: "whitelist check TARGA [--nazione SIGLA] [--at ISTANTE] [--json]", help: "la targa è autorizzata? da quale contrassegno?"},
		"pass":         {usage: "pass show NUMERO [--json]", help: "mostra un contrassegno"},
		"search":       {usage: "search TESTO [--json] [--comune CODICE] [--limit N]", help: "cerca per numero, codice fiscale, nome, targa"},
		"deceased":     {usage: "deceased import FILE [--json]", help: "registra i decessi (codice fiscale e data per riga)"},
		"backup":       {usage: "backup FILE", help: "copia del database mentre è in uso"},
		"restore":      {usage: "restore FILE", help: "ripristina il database da una copia"},
		"audit":        {usage: "audit verify", help: "verifica la catena del registro delle modifiche"},
		"store":        {usage: "store verify [--json]", help: "verifica gli indici del database"},
		"pec":          {usage: "pec configure|sync|list|show|state|attachments|status …", help: "la posta PEC delle richieste viviVeneto (vedi `vivipass pec -h`)"},
		"print":        {usage: "print card|module|calibration|reminders … [--out FILE | --printer CODA]", help: "stampa la carta, un modulo, la pagina di calibrazione, i promemoria (vedi `vivipass print`)"},
		"verify":       {usage: "verify TESTO_QR [--key CHIAVE] | verify --public-key", help: "firma, edizione e stato di una carta dal codice QR; chiavi pubbliche"},
		"key":          {usage: "key rotate [--registro]", help: "nuova chiave di firma dei codici QR, o del registro delle modifiche (le precedenti continuano a verificare)"},
		"template":     {usage: "template list|export NOME FILE|import FILE [--comune CODICE]", help: "moduli per i documenti (Gestione moduli)"},
		"national":     {usage: "national configure|queue|retry|sync|manual|skip …", help: "la piattaforma nazionale CUDE: impostazioni, coda degli invii (vedi `vivipass national -h`)"},
		"national-sim": {usage: nationalSimUsage, help: "simulatore della piattaforma nazionale (prove e dimostrazioni)"},
		"client":       {usage: "client add|list|revoke|log …", help: "clienti dell'API HTTPS (varchi, polizia, servizi): token e registro delle interrogazioni (vedi `vivipass client -h`)"},
		"printer":      {usage: "printer list|set CODA [--offset-x MM] [--offset-y MM] [--duplex MODO]", help: "stampanti: calibrazione e fronte-retro"},
	}
	for name, c := range cs {
		c.run = body(name)
		cs[name] = c
	}
	return cs
}

// nationalSimUsage is national/sim's Usage, written out: the command line's program
// (lean.go) does not link the simulator (TestNationalSimUsage keeps the two equal).
const nationalSimUsage = "national-sim [--addr INDIRIZZO] [--state FILE] [--down] [--fail-rate F] [--latency DURATA] [--user-file FILE] [--cert FILE --key FILE]"

func main() {
	e := &env{stdout: os.Stdout, stderr: os.Stderr, stdin: os.Stdin, ctx: context.Background(),
		defaultDB: defaultDB(), user: os.Getenv("USER")}
	// The simulator never uses the register: it runs here, whatever holds the database.
	if len(os.Args) > 1 && os.Args[1] == "national-sim" {
		os.Exit(run(e, os.Args[1:]))
	}
	if code, ok := forward(e, os.Args[1:]); ok {
		os.Exit(code) // run inside the server that holds the database
	}
	os.Exit(run(e, os.Args[1:]))
}

// run dispatches and turns errors into Italian messages and exit codes (1 error, 2 usage).
func run(e *env, args []string) int {
	if len(args) > 0 && (args[0] == "aiuto" || args[0] == "help" || args[0] == "--help" || args[0] == "-h") {
		usage(e.stdout, e.defaultDB)
		return 0
	}
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if err := e.served.refuse(""); err != nil {
			return report(e, err)
		}
		return report(e, cmdDesk(e, args))
	}
	name := args[0]
	c, ok := commands()[name]
	if !ok {
		fmt.Fprintf(e.stderr, "comando sconosciuto %q\n\n", name)
		usage(e.stderr, e.defaultDB)
		return 2
	}
	if err := e.served.refuse(name); err != nil {
		return report(e, err)
	}
	e.escapeOutput(name) // issue 12.10: no control character reaches the terminal raw
	return report(e, c.run(e, args[1:]))
}

func report(e *env, err error) int {
	if err == nil {
		return 0
	}
	var help helpRequest
	if errors.As(err, &help) {
		fmt.Fprint(e.stdout, help.text)
		return 0
	}
	var ue usageError
	if errors.As(err, &ue) {
		fmt.Fprintf(e.stderr, "errore: %s\nuso: vivipass %s\n", ue.msg, ue.usage)
		return 2
	}
	var fail exitError
	if errors.As(err, &fail) {
		return fail.code
	}
	if errors.Is(err, context.Canceled) {
		fmt.Fprintln(e.stderr, "errore: comando interrotto (ctrl+c)")
		return 1
	}
	fmt.Fprintf(e.stderr, "errore: %s\n", explain.Text(err))
	return 1
}

// usageError is a wrong command line.
type usageError struct{ msg, usage string }

func (u usageError) Error() string { return u.msg }

// exitError ends with a code after the command printed its own report.
type exitError struct{ code int }

func (x exitError) Error() string { return fmt.Sprintf("uscita %d", x.code) }

func usage(w io.Writer, db string) {
	fmt.Fprintln(w, "vivipass: gestione dei contrassegni di parcheggio per disabili (CUDE)")
	fmt.Fprintln(w, "\nuso:")
	fmt.Fprintln(w, "  vivipass [--db FILE] [--operator NOME]   apre la scrivania su questo terminale")
	cs := commands()
	names := make([]string, 0, len(cs))
	for n := range cs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  vivipass %s\n      %s\n", cs[n].usage, cs[n].help)
	}
	fmt.Fprintf(w, "\nOgni comando accetta --db FILE (predefinito: %s, o la variabile VIVIPASS_DB).\n", db)
}

// defaultDB is the database used when --db is not given: $VIVIPASS_DB, else
// $XDG_DATA_HOME/vivipass/vivipass.db, else ~/.local/share/vivipass/vivipass.db.
func defaultDB() string {
	if p := os.Getenv("VIVIPASS_DB"); p != "" {
		return p
	}
	dir := os.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = "."
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "vivipass", "vivipass.db")
}

func upperCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func checkComune(code string) error {
	if code == "" {
		return nil
	}
	if _, ok := domain.ComuneByCode(code); !ok {
		return fmt.Errorf("comune %q sconosciuto: indicare il codice catastale (es. L736 per Venezia)", code)
	}
	return nil
}
