//go:build !lean

package main

import (
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"vivipass/domain"
	"vivipass/national"
	"vivipass/national/httpclient"
	"vivipass/national/sim"
	"vivipass/service"
	"vivipass/store"
)

const nationalUsage = "national configure --comune CODICE --url URL --user U [--password-file F] [--password-expires DATA] [--ca-file F] [--warn-days 14] [--manual]" +
	" | national queue [--json] [--all] | national retry ID|--all | national sync --once [--json]" +
	" | national manual NUMERO --cude-id ID --codice CODICE | national skip NUMERO"

// platformFor reaches a comune's national platform: the HTTPS client of our contract
// (docs/NATIONAL.md) at the configured address, or the simulator inside this process
// (the demo's "simulatore:" address).
func platformFor(cfg store.NationalConfig) (national.Platform, error) {
	if file, ok := strings.CutPrefix(cfg.URL, service.SimulatorURL); ok {
		return simulatorPlatform(file)
	}
	var opts []httpclient.Option
	if cfg.CAFile != "" {
		opts = append(opts, httpclient.WithCAFile(cfg.CAFile))
	}
	return httpclient.New(cfg.URL, opts...)
}

func cmdNationalSim(e *env, args []string) error {
	if code := sim.Main(args, e.stdout, e.stderr); code != 0 {
		return exitError{code}
	}
	return nil
}

func cmdNational(e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return helpRequest{"uso: vivipass " + strings.ReplaceAll(nationalUsage, " | ", "\n       vivipass ") + "\n"}
		}
		return usageError{"indicare configure, queue, retry, sync, manual o skip", nationalUsage}
	}
	switch args[0] {
	case "configure":
		return nationalConfigure(e, args[1:])
	case "queue":
		return nationalQueue(e, args[1:])
	case "retry":
		return nationalRetry(e, args[1:])
	case "sync":
		return nationalSync(e, args[1:])
	case "manual", "skip":
		return nationalByHand(e, args)
	}
	return usageError{"sottocomando sconosciuto " + args[0], nationalUsage}
}

func nationalConfigure(e *env, args []string) error {
	f := e.flags("national configure", nationalUsage)
	comune := f.String("comune", "", "codice catastale del comune")
	url := f.String("url", "", "indirizzo della piattaforma (https; http solo verso questa macchina)")
	user := f.String("user", "", "utenza CUDE del comune")
	pwFile := f.String("password-file", "", "file con la password (altrimenti la variabile VIVIPASS_NATIONAL_PASSWORD_<COMUNE>)")
	expires := f.String("password-expires", "", "data di scadenza della password (gg/mm/aaaa)")
	caFile := f.String("ca-file", "", "certificati PEM di cui fidarsi per la piattaforma")
	warn := f.Int("warn-days", 14, "giorni di preavviso della scadenza della password")
	manual := f.Bool("manual", false, "modalità manuale: CUDE ID e codice univoco inseriti a mano dal portale")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if *comune == "" {
		return usageError{"--comune è obbligatorio", nationalUsage}
	}
	var exp domain.Date
	if *expires != "" {
		d, err := domain.ParseDate(*expires)
		if err != nil {
			return usageError{"--password-expires: " + err.Error(), nationalUsage}
		}
		exp = d
	}
	abs := func(p string) string {
		if a, err := filepath.Abs(e.path(p)); p != "" && err == nil {
			return a
		}
		return p
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	cfg, err := svc.NationalConfigure(e.actor(), service.NationalSettings{Comune: upperCode(*comune), URL: *url, User: *user,
		PasswordFile: abs(*pwFile), CAFile: abs(*caFile), PasswordExpires: exp, WarnDays: *warn, Manual: *manual})
	if err != nil {
		return err
	}
	if cfg.Manual {
		fmt.Fprintf(e.stdout, "Comune %s: piattaforma nazionale in modalità manuale (CUDE ID e codice univoco dal portale).\n", cfg.Comune)
		return nil
	}
	fmt.Fprintf(e.stdout, "Comune %s: invii a %s come %s.\n", cfg.Comune, cfg.URL, cfg.User)
	if cfg.PasswordFile != "" {
		fmt.Fprintf(e.stdout, "Password letta a ogni invio da %s (non salvata nel database).\n", cfg.PasswordFile)
	} else {
		fmt.Fprintf(e.stdout, "Password letta a ogni invio dalla variabile VIVIPASS_NATIONAL_PASSWORD_%s (non salvata nel database).\n", cfg.Comune)
	}
	if !cfg.PasswordExpires.IsZero() {
		fmt.Fprintf(e.stdout, "La password scade il %s: avviso in Home da %s prima.\n", domain.DateOf(cfg.PasswordExpires), domain.Count(cfg.WarnDays, "giorno", "giorni"))
	}
	return nil
}

func nationalQueue(e *env, args []string) error {
	f := e.flags("national queue", nationalUsage)
	asJSON := f.Bool("json", false, "risultato in JSON")
	all := f.Bool("all", false, "anche gli invii completati")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	jobs, err := svc.NationalQueue(e.actor(), !*all)
	if err != nil {
		return err
	}
	if *asJSON {
		if jobs == nil {
			jobs = []service.NationalJob{}
		}
		return printJSON(e.stdout, jobs)
	}
	if len(jobs) == 0 {
		fmt.Fprintln(e.stdout, "Nessun invio in attesa per la piattaforma nazionale.")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tCONTRASSEGNO\tTIPO\tSTATO\tTENTATIVI\tPROSSIMO\tULTIMO ERRORE")
	for _, j := range jobs {
		next := ""
		if j.State == store.JobPending && !j.NextTry.IsZero() {
			next = j.NextTry.In(domain.Rome).Format("02/01/2006 15:04")
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%d\t%s\t%s\n", j.Seq, j.Number, j.Kind, j.State.Label(), j.Attempts, next, j.LastError)
	}
	return tw.Flush()
}

func nationalRetry(e *env, args []string) error {
	f := e.flags("national retry", nationalUsage)
	all := f.Bool("all", false, "tutti gli invii non completati")
	pos, err := f.parse(args, -1)
	if err != nil {
		return err
	}
	var seq uint64
	switch {
	case *all && len(pos) == 0:
	case !*all && len(pos) == 1:
		if seq, err = strconv.ParseUint(pos[0], 10, 64); err != nil || seq == 0 {
			return usageError{fmt.Sprintf("numero di invio %q non valido", pos[0]), nationalUsage}
		}
	default:
		return usageError{"indicare il numero dell'invio (vedi national queue) oppure --all", nationalUsage}
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	n, err := svc.NationalRetry(e.actor(), seq)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%s in coda: %s al prossimo giro (subito, con il server acceso).\n", domain.Count(n, "invio rimesso", "invii rimessi"), map[bool]string{true: "parte", false: "partono"}[n == 1])
	return nil
}

func nationalSync(e *env, args []string) error {
	f := e.flags("national sync", nationalUsage)
	once := f.Bool("once", false, "un giro sulla coda e basta")
	asJSON := f.Bool("json", false, "risultato in JSON")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if !*once {
		return usageError{"national sync richiede --once: gli invii continui li fa vivipass serve", nationalUsage}
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	rep, err := svc.NationalDrain(e.ctx, time.Now())
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, map[string]int{"inviati": rep.Sent, "non_riusciti": rep.Failed, "rifiutati": rep.Rejected, "in_attesa": rep.Waiting})
	}
	fmt.Fprintf(e.stdout, "Inviati %d, non riusciti %d (riprovati più tardi), rifiutati %d, in attesa %d.\n", rep.Sent, rep.Failed, rep.Rejected, rep.Waiting)
	return nil
}

// nationalByHand is `national manual NUMERO --cude-id --codice` and `national skip NUMERO`.
func nationalByHand(e *env, args []string) error {
	f := e.flags("national "+args[0], nationalUsage)
	cude := f.String("cude-id", "", "CUDE ID dato dal portale")
	codice := f.String("codice", "", "codice univoco dato dal portale")
	pos, err := f.parse(args[1:], 1)
	if err != nil {
		return err
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	v, err := svc.FindByNumber(e.actor(), pos[0])
	if err != nil {
		return err
	}
	if args[0] == "skip" {
		if _, err := svc.NationalSkip(e.actor(), v.ID); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Contrassegno %s: non inviare alla piattaforma nazionale.\n", v.Number)
		return nil
	}
	p, err := svc.NationalManual(e.actor(), v.ID, *cude, *codice)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Contrassegno %s: CUDE ID %s, codice univoco %s (inseriti a mano).\n", p.Number, p.National.CudeID, p.National.CodiceUnivoco)
	return nil
}

// simulators are the platform simulators started inside this process, by state file
// (the demo's "simulatore:" address): one per file, for the life of the process.
var simulators = struct {
	sync.Mutex
	urls map[string]string
}{urls: map[string]string{}}

// simulatorPlatform is the client of the in-process simulator keeping its state in
// file (started on a loopback port the first time).
func simulatorPlatform(file string) (national.Platform, error) {
	simulators.Lock()
	defer simulators.Unlock()
	url, ok := simulators.urls[file]
	if !ok {
		s, err := sim.New(sim.Options{Users: sim.DemoUsers(time.Now()), State: file})
		if err != nil {
			return nil, err
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		go http.Serve(ln, s)
		url = "http://" + ln.Addr().String()
		simulators.urls[file] = url
	}
	return httpclient.New(url)
}
