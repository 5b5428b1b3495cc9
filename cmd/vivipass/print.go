//go:build !lean

package main

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"text/tabwriter"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/service"
	"vivipass/store"
)

// The printing commands (S1–S9): print, verify, template, printer. Jobs reach CUPS with
// lp, on the server named by $CUPS_SERVER (else CUPS's default).

const printUsage = "print card NUMERO [--mode fronte|retro|fronte-retro] [--out FILE | --printer CODA] | " +
	"print module MODULO NUMERO [--out FILE | --printer CODA] | print calibration [--out FILE | --printer CODA] | " +
	"print reminders --days N [--out FILE | --printer CODA]"

func cmdPrint(e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return helpRequest{"uso: vivipass " + printUsage + "\n"}
		}
		return usageError{"indicare card, module, calibration o reminders", printUsage}
	}
	sub := args[0]
	f := e.flags("print "+sub, printUsage)
	out := f.String("out", "", "file PDF da scrivere")
	queue := f.String("printer", "", "coda CUPS su cui stampare (lpstat -p)")
	want := map[string]int{"card": 1, "module": 2, "calibration": 0, "reminders": 0}
	n, ok := want[sub]
	if !ok {
		return usageError{"sottocomando sconosciuto " + sub, printUsage}
	}
	mode := f.String("mode", "fronte-retro", "fronte, retro o fronte-retro")
	days := f.Int("days", 60, "giorni alla scadenza (promemoria)")
	pos, err := f.parse(args[1:], n)
	if err != nil {
		return err
	}
	if (*out == "") == (*queue == "") {
		return usageError{"indicare --out FILE oppure --printer CODA", printUsage}
	}
	if *queue != "" {
		if err := printing.CheckQueue(*queue); err != nil {
			return err
		}
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	a := e.actor()
	var doc service.Document
	switch sub {
	case "card":
		m, err := printing.ParseMode(*mode)
		if err != nil {
			return usageError{err.Error(), printUsage}
		}
		p, err := svc.FindByNumber(a, pos[0])
		if err != nil {
			return err
		}
		if doc, err = svc.CardDocument(a, p.ID, m, *queue); err != nil {
			return err
		}
	case "module":
		p, err := svc.FindByNumber(a, pos[1])
		if err != nil {
			return err
		}
		if doc, err = svc.ModuleDocument(a, pos[0], p.ID); err != nil {
			return templateError(e, err)
		}
	case "calibration":
		if doc, err = svc.CalibrationDocument(a, *queue); err != nil {
			return err
		}
	case "reminders":
		if doc, _, err = svc.RemindersDocument(a, *days); err != nil {
			return templateError(e, err)
		}
	}
	d, err := svc.Deliver(e.ctx, a, doc, service.Target{File: e.path(*out), Queue: *queue})
	if err != nil {
		if d.Job.ID != "" {
			return fmt.Errorf("%s: %w", d.Job.ID, err)
		}
		return err
	}
	if d.File != "" {
		d.File = *out // as typed: the same words in-process and through the server
	}
	pages := ""
	if doc.Pages > 0 {
		pages = fmt.Sprintf(", %d %s", doc.Pages, plural(doc.Pages, "pagina", "pagine"))
	}
	fmt.Fprintf(e.stdout, "%s%s: %s\n", capitalize(doc.What), pages, d.Message())
	return nil
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func capitalize(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

// templateError prints a template's tag errors one per line (line, column, what).
func templateError(e *env, err error) error {
	var te *printing.TemplateError
	if !errors.As(err, &te) {
		return err
	}
	fmt.Fprintf(e.stderr, "errore: il modulo contiene %d %s:\n", len(te.Errors), plural(len(te.Errors), "errore", "errori"))
	for _, x := range te.Errors {
		fmt.Fprintf(e.stderr, "  %s\n", x.Error())
	}
	return exitError{1}
}

// cmdKey rotates the key that signs the cards' QR codes (issue 12.4).
func cmdKey(e *env, args []string) error {
	f := e.flags("key", commands()["key"].usage)
	register := f.Bool("registro", false, "ruota la chiave che autentica il registro delle modifiche, non quella di firma")
	pos, err := f.parse(args, -1)
	if err != nil {
		return err
	}
	if len(pos) != 1 || pos[0] != "rotate" {
		return usageError{"indicare rotate", f.usage}
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	if *register {
		k, err := svc.RotateRegisterKey(e.actor())
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Nuova chiave del registro %s: autentica le modifiche dalla voce %d; le voci precedenti restano verificabili con le loro chiavi.\n", k.ID, k.From)
		return nil
	}
	k, err := svc.RotateSigningKey(e.actor())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Nuova chiave di firma %s: %s\nI contrassegni stampati prima continuano a verificare con la loro chiave (vivipass verify --public-key le elenca).\n",
		k.ID, printing.PublicKeyText(k.Public()))
	return nil
}

func cmdVerify(e *env, args []string) error {
	f := e.flags("verify", commands()["verify"].usage)
	showKey := f.Bool("public-key", false, "stampa la chiave pubblica del database, per chi verifica")
	keyText := f.String("key", "", "chiave pubblica (ed25519:…): verifica senza database")
	pos, err := f.parse(args, -1)
	if err != nil {
		return err
	}
	if *showKey {
		if len(pos) != 0 {
			return usageError{"--public-key non vuole altri argomenti", f.usage}
		}
		svc, done, err := e.open(*f.db)
		if err != nil {
			return err
		}
		defer done()
		keys, err := svc.PublicKeys()
		if err != nil {
			return err
		}
		// The one signing now first; those rotated out still verify the cards they signed.
		for i, k := range keys {
			state := "firma i nuovi contrassegni"
			if i > 0 {
				state = "verifica i contrassegni firmati prima"
			}
			fmt.Fprintf(e.stdout, "%s  id %s  dal %s  %s\n", printing.PublicKeyText(k.Public()), k.ID, domain.DateOf(k.Created), state)
		}
		return nil
	}
	if len(pos) != 1 {
		return usageError{"indicare il testo del codice QR (tra virgolette)", f.usage}
	}
	if *keyText != "" {
		// Offline: the signature only. Whether this edition is still the card in force
		// (no duplicate since, not revoked) only the register knows (issue 13.2).
		pub, err := printing.ParsePublicKey(*keyText)
		if err != nil {
			return err
		}
		p, err := printing.Verify(pub, pos[0])
		if err != nil {
			return err
		}
		printPayload(e, p)
		fmt.Fprint(e.stdout, "Se è ancora la carta in vigore (nessun duplicato dopo, non revocata né sospesa)\n",
			"lo dice solo il registro: vivipass verify senza --key, o POST /v1/verifica.\n")
		if today := domain.Today(); today.After(p.Expiry) {
			fmt.Fprintf(e.stdout, "Attenzione: il contrassegno è scaduto il %s.\n", p.Expiry)
		}
		return nil
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	st, err := svc.VerifyCard(pos[0])
	if err != nil {
		return err
	}
	printPayload(e, st.Payload)
	if !st.Valid {
		why := strings.TrimPrefix(st.Note, "firma valida, ma ")
		if why == st.State.Label() {
			why = "contrassegno " + why
		}
		fmt.Fprintf(e.stdout, "NON VALIDO: %s.\n", why)
		return exitError{3} // scripts can test the exit code, as with whitelist check
	}
	line := "VALIDO: contrassegno " + st.State.Label()
	if st.Note != "" {
		line += "; " + st.Note
	}
	fmt.Fprintln(e.stdout, line+".")
	return nil
}

// printPayload is the first line of verify: what the card's signed code says.
func printPayload(e *env, p printing.Payload) {
	comune := p.Comune
	if c, ok := domain.ComuneByCode(p.Comune); ok {
		comune = c.Label()
	}
	edition := fmt.Sprintf("edizione %d", p.Edition)
	if p.Edition == 0 {
		edition = "senza edizione (carta stampata prima delle edizioni)"
	}
	fmt.Fprintf(e.stdout, "Firma valida: contrassegno %s, %s, scadenza %s, comune di %s.\n", p.Number, edition, p.Expiry, comune)
}

const templateUsage = "template list [--comune CODICE] | template export NOME FILE [--comune CODICE] | template import FILE [--comune CODICE]"

func cmdTemplates(e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return helpRequest{"uso: vivipass " + templateUsage + "\n"}
		}
		return usageError{"indicare list, export o import", templateUsage}
	}
	sub := args[0]
	want := map[string]int{"list": 0, "export": 2, "import": 1}
	n, ok := want[sub]
	if !ok {
		return usageError{"sottocomando sconosciuto " + sub, templateUsage}
	}
	f := e.flags("template "+sub, templateUsage)
	comuneFlag := f.String("comune", "", "codice catastale del comune (predefinito: quello del database)")
	pos, err := f.parse(args[1:], n)
	if err != nil {
		return err
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	comune, err := cliComune(svc, *comuneFlag)
	if err != nil {
		return err
	}
	a := e.actor()
	switch sub {
	case "list":
		list, err := svc.Templates(a, comune)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "MODULO\tTITOLO\tORIGINE")
		for _, t := range list {
			origin := "predefinito"
			switch {
			case t.Custom && t.Default:
				origin = "del comune (sostituisce il predefinito), versione " + strconv.FormatUint(t.Version, 10)
			case t.Custom:
				origin = "del comune, versione " + strconv.FormatUint(t.Version, 10)
			}
			fmt.Fprintf(w, "%s\t%s\t%s\n", t.Name, t.Title, origin)
		}
		return w.Flush()
	case "export":
		t, _, err := svc.Template(a, comune, pos[0])
		if err != nil {
			return err
		}
		if pos[1] == "-" {
			_, err = e.stdout.Write(t.File())
			return err
		}
		if err := os.WriteFile(e.path(pos[1]), t.File(), 0o600); err != nil {
			return fmt.Errorf("impossibile scrivere %s: %w", pos[1], err)
		}
		fmt.Fprintf(e.stdout, "Modulo %s esportato in %s.\n", t.Name, pos[1])
		return nil
	case "import":
		data, err := e.readFile(pos[0])
		if err != nil {
			return fmt.Errorf("impossibile leggere %s: %w", pos[0], err)
		}
		t, err := printing.ParseTemplateFile(pos[0], data)
		if err != nil {
			return templateError(e, err)
		}
		_, seen, err := svc.Template(a, comune, t.Name)
		if err != nil && !domain.IsRule(err) {
			return err
		}
		v, err := svc.SaveTemplate(a, comune, t, seen)
		if err != nil {
			return templateError(e, err)
		}
		what := "creato"
		if v > 1 {
			what = "sostituito (versione " + strconv.FormatUint(v, 10) + ")"
		}
		fmt.Fprintf(e.stdout, "Modulo %s importato per il comune %s: %s.\n", t.Name, comune, what)
		return nil
	}
	return nil
}

// cliComune is the comune a CLI command works on: --comune, else the only comune the
// database was set up for (a register serving several needs --comune).
func cliComune(svc *service.Service, flag string) (string, error) {
	if c := upperCode(flag); c != "" {
		return c, checkComune(c)
	}
	var codes []string
	err := svc.DB().View(func(tx *store.Tx) error {
		cs, err := tx.ConfiguredComuni()
		for _, c := range cs {
			codes = append(codes, c.Code)
		}
		return err
	})
	if err != nil {
		return "", err
	}
	if len(codes) == 1 {
		return codes[0], nil
	}
	if len(codes) == 0 {
		return "", fmt.Errorf("indicare il comune con --comune CODICE")
	}
	return "", fmt.Errorf("il database serve più comuni (%s): indicare quale con --comune CODICE", strings.Join(codes, ", "))
}

const printerUsage = "printer list | printer set CODA [--offset-x MM] [--offset-y MM] [--duplex MODO] [--comune CODICE]"

func cmdPrinter(e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return helpRequest{"uso: vivipass " + printerUsage + "\n"}
		}
		return usageError{"indicare list o set", printerUsage}
	}
	sub := args[0]
	want := map[string]int{"list": 0, "set": 1}
	n, ok := want[sub]
	if !ok {
		return usageError{"sottocomando sconosciuto " + sub, printerUsage}
	}
	f := e.flags("printer "+sub, printerUsage)
	comuneFlag := f.String("comune", "", "codice catastale del comune (predefinito: quello del database)")
	dx := f.String("offset-x", "", "correzione orizzontale in mm (positiva verso destra)")
	dy := f.String("offset-y", "", "correzione verticale in mm (positiva verso il basso)")
	duplex := f.String("duplex", "", "fronte-retro automatico: two-sided-long-edge, two-sided-short-edge, no")
	pos, err := f.parse(args[1:], n)
	if err != nil {
		return err
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	a := e.actor()
	if sub == "list" {
		ps, err := svc.Printers(a)
		if err != nil {
			return err
		}
		w := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(w, "CODA\tCOMUNE\tX\tY\tFRONTE-RETRO")
		for _, p := range ps {
			d := orHand(p.Duplex)
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\n", p.Queue, p.Comune, millimetres(p.OffsetX), millimetres(p.OffsetY), d)
		}
		return w.Flush()
	}
	p := store.Printer{Queue: pos[0]}
	ps, err := svc.Printers(a)
	if err != nil {
		return err
	}
	known := false
	for _, old := range ps {
		if old.Queue == p.Queue {
			p, known = old, true
		}
	}
	if !known || *comuneFlag != "" { // a new queue belongs to a comune
		if p.Comune, err = cliComune(svc, *comuneFlag); err != nil {
			return err
		}
	}
	parse := func(s string, into *float64, name string) error {
		if s == "" {
			return nil
		}
		v, err := strconv.ParseFloat(strings.Replace(s, ",", ".", 1), 64)
		if err != nil {
			return usageError{fmt.Sprintf("%s %q: atteso un numero di millimetri (es. 1,5 o -0.5)", name, s), printerUsage}
		}
		*into = v
		return nil
	}
	if err := parse(*dx, &p.OffsetX, "--offset-x"); err != nil {
		return err
	}
	if err := parse(*dy, &p.OffsetY, "--offset-y"); err != nil {
		return err
	}
	switch *duplex {
	case "":
	case "no":
		p.Duplex = ""
	default:
		p.Duplex = *duplex
	}
	p, err = svc.SavePrinter(a, p)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Stampante %s (comune %s): correzione X %s, Y %s; fronte-retro %s.\n", p.Queue, p.Comune,
		millimetres(p.OffsetX), millimetres(p.OffsetY), orHand(p.Duplex))
	return nil
}

// millimetres formats an offset the Italian way: "+1,5 mm".
func millimetres(v float64) string {
	return strings.Replace(fmt.Sprintf("%+.1f", v), ".", ",", 1) + " mm"
}

func orHand(duplex string) string {
	if duplex == "" {
		return "a mano"
	}
	return duplex
}
