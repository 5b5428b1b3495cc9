//go:build !lean

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"vivipass/domain"
	"vivipass/service"
)

func cmdInit(e *env, args []string) error {
	f := e.flags("init", commands()["init"].usage)
	comune := f.String("comune", "", "codice catastale del comune")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if *comune == "" {
		return usageError{"indicare il comune con --comune (codice catastale, es. L736)", f.usage}
	}
	if err := checkComune(upperCode(*comune)); err != nil {
		return err // before opening: a wrong code leaves no database file behind
	}
	svc, done, err := createService(*f.db)
	if err != nil {
		return err
	}
	defer done()
	if err := svc.Init(e.actor(), upperCode(*comune)); err != nil {
		return err
	}
	p, _ := domain.ComuneByCode(upperCode(*comune))
	fmt.Fprintf(e.stdout, "Database %s pronto per il comune di %s.\n", *f.db, p.Label())
	return nil
}

func cmdDemo(e *env, args []string) error {
	f := e.flags("demo", commands()["demo"].usage)
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	svc, done, err := e.create(*f.db)
	if err != nil {
		return err
	}
	defer done()
	n, err := svc.LoadDemo(e.actor())
	if err != nil {
		return err
	}
	if n == 0 {
		fmt.Fprintf(e.stdout, "Dati dimostrativi già presenti in %s.\n", *f.db)
	} else {
		fmt.Fprintf(e.stdout, "Caricati %d contrassegni dimostrativi in %s.\n", n, *f.db)
	}
	return nil
}

func cmdTemplate(e *env, args []string) error {
	f := e.flags("template-csv", commands()["template-csv"].usage)
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	_, err := e.stdout.Write(service.ImportTemplate())
	return err
}

func cmdImport(e *env, args []string) error {
	f := e.flags("import", commands()["import"].usage)
	dry := f.Bool("dry-run", false, "controlla soltanto, non scrive")
	asJSON := f.Bool("json", false, "risultato in JSON")
	validOnly := f.Bool("valid-only", false, "importa le righe valide anche se altre hanno errori")
	comune := f.String("comune", "", "tutte le righe appartengono a questo comune")
	showProgress := f.Bool("progress", false, "scrive l'avanzamento su stderr")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	if err := checkComune(upperCode(*comune)); err != nil {
		return err
	}
	// A file that is not one is refused at its header or first overlong line (issue
	// 12.9), and reported like the other faults of the file as a whole.
	// A file of this machine is mapped, not read into memory (issue 14.3): the import
	// reads it in place and gives its pages back as it goes. Standard input and a file
	// named to the server (at most control.MaxStdin) are read whole.
	var (
		data    []byte
		mapped  *service.ImportFile
		readErr error
	)
	if e.served == nil && pos[0] != "-" {
		mapped, readErr = mapFile(pos[0])
		if readErr != nil {
			return fmt.Errorf("impossibile leggere %s: %w", pos[0], readErr)
		}
		defer mapped.Close() // after the report is printed
	} else {
		data, readErr = e.readFile(pos[0], service.ImportGuard)
	}
	if readErr != nil && !service.IsImportFileError(readErr) {
		return fmt.Errorf("impossibile leggere %s: %w", pos[0], readErr)
	}
	name := pos[0]
	if name == "-" {
		name = "stdin"
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	var progress func(done, total int)
	if *showProgress {
		progress = func(done, total int) { fmt.Fprintf(e.stderr, "avanzamento: %d/%d\n", done, total) }
	}
	rep, err := service.ImportReport{}, readErr
	if err == nil {
		rep, err = svc.Import(e.actor(), service.ImportRequest{FileName: name, Data: data, File: mapped, Comune: upperCode(*comune),
			DryRun: *dry, ValidOnly: *validOnly, Ctx: e.ctx}, progress)
	}
	if errors.Is(err, context.Canceled) {
		err = errors.New("import interrotto (ctrl+c): nessuna modifica al registro")
	}
	if *asJSON {
		if rep.Errors == nil {
			rep.Errors = []service.ImportError{}
		}
		if err != nil && len(rep.Errors) == 0 {
			// The file as a whole (not a CSV, bad header…) or the register: row 0, so
			// that a script reading errors sees why nothing was imported.
			rep.Errors = append(rep.Errors, service.ImportError{Message: err.Error()})
		}
		if jerr := printJSON(e.stdout, rep); jerr != nil {
			return jerr
		}
		if err != nil || (len(rep.Errors) > 0 && !*validOnly) {
			if err != nil && !isReportError(err) {
				fmt.Fprintf(e.stderr, "errore: %s\n", err)
			}
			return exitError{1}
		}
		return nil
	}
	for _, re := range rep.Errors {
		col := re.Column
		if col == "" {
			col = "-"
		}
		fmt.Fprintf(e.stdout, "riga %d, colonna %s: %s\n", re.Row, col, re.Message)
	}
	for _, w := range rep.Warnings {
		fmt.Fprintf(e.stdout, "avviso riga %d, colonna %s: %s\n", w.Row, w.Column, w.Message)
	}
	if rep.Rows > 0 || err == nil {
		fmt.Fprintf(e.stdout, "File %s (%s, separatore %q): %d righe, %d valide, %d errori, %d già presenti.\n",
			name, rep.Encoding, rep.Separator, rep.Rows, rep.Valid, len(rep.Errors), rep.Skipped)
	}
	if err != nil {
		return err
	}
	switch {
	case *dry:
		fmt.Fprintln(e.stdout, "Prova (--dry-run): nessuna modifica al registro.")
	default:
		fmt.Fprintf(e.stdout, "Importati: %s.\n", domain.Count(rep.Imported, "contrassegno", "contrassegni"))
	}
	if len(rep.Errors) > 0 && !*validOnly {
		return exitError{1} // a dry run of a file with errors: scripts see it
	}
	return nil
}

func isReportError(err error) bool { _, ok := err.(*service.ImportRefused); return ok }

func cmdExport(e *env, args []string) error {
	f := e.flags("export", commands()["export"].usage)
	at := f.String("at", "", "data di riferimento (gg/mm/aaaa o aaaa-mm-gg; predefinita: oggi)")
	comune := f.String("comune", "", "solo questo comune")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	var day domain.Date
	if *at != "" {
		if day, err = domain.ParseDate(*at); err != nil {
			return err
		}
	}
	a := e.actor()
	if c := upperCode(*comune); c != "" {
		if err := checkComune(c); err != nil {
			return err
		}
		a.Comune = c
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	_, err = svc.Export(a, pos[0], day, e.stdout)
	return err
}

func cmdPass(e *env, args []string) error {
	f := e.flags("pass", commands()["pass"].usage)
	asJSON := f.Bool("json", false, "risultato in JSON")
	pos, err := f.parse(args, 2)
	if err != nil {
		return err
	}
	if pos[0] != "show" {
		return usageError{"sottocomando sconosciuto " + pos[0], f.usage}
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	a := e.actor()
	p, err := svc.FindByNumber(a, pos[1])
	if err != nil {
		return err
	}
	v, err := svc.GetPass(a, p.ID)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, passJSON(v))
	}
	printPass(e.stdout, v)
	return nil
}

func printPass(w io.Writer, v service.PassView) {
	p, h := v.Pass, v.Holder
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, val string) { fmt.Fprintf(tw, "%s\t%s\n", k, val) }
	row("Contrassegno", p.Number)
	row("Stato", v.Status.Label()+reasonOf(p))
	row("Tipo", p.Kind.Label())
	row("Comune", p.Comune+" (rilasciato da "+p.IssuingComune+")")
	row("Titolare", h.FullName()+" – "+h.CodiceFiscale)
	row(h.BornLabel(), strings.TrimSpace(h.DataNascita.String()+" "+h.BirthPlace()))
	if !h.DataDecesso.IsZero() {
		row("Deceduto il", h.DataDecesso.String())
	}
	row("Rilascio", p.DataRilascio.String())
	row("Validità", "dal "+p.DataDecorrenza.String()+" al "+p.DataScadenza.String())
	row("Canale", p.Channel.Label())
	if p.PreviousNumber != "" {
		row("Numero precedente", p.PreviousNumber)
	}
	if p.Duplicate {
		row("Duplicato", "sì ("+string(p.DuplicateReason)+")")
	}
	if d := p.ReportLabel(); d != "" {
		row("Denuncia", d)
	}
	row("Circuito nazionale", "consenso "+siNo(p.National.Consent)+", "+p.National.Status.Label())
	if p.National.CudeID != "" || p.National.CodiceUnivoco != "" {
		row("CUDE ID / codice univoco", p.National.CudeID+" / "+p.National.CodiceUnivoco)
	}
	tw.Flush()
	fmt.Fprintln(w, "\nTarghe:")
	if len(p.Plates) == 0 {
		fmt.Fprintln(w, "  nessuna")
	}
	for _, pl := range p.Plates {
		f, t := pl.Window(p.DataScadenza)
		role := string(pl.Role)
		if role == "" {
			role = "regionale"
		}
		fmt.Fprintf(w, "  %-10s %-3s dal %s al %s  %s, %s\n", pl.Number, pl.Country, f, t, pl.Class, role)
	}
	for _, o := range v.Overlaps {
		fmt.Fprintf(w, "  attenzione: %s\n", o)
	}
	fmt.Fprintln(w, "\nStorico:")
	for _, h := range v.History {
		fmt.Fprintf(w, "  %s  %-10s %-9s %s: %s\n", h.At.In(domain.Rome).Format("02/01/2006 15:04"), h.Operator, string(h.Channel), h.Action, h.Detail)
		for _, c := range h.Changes { // what changed, before → after (T5)
			fmt.Fprintf(w, "      %s: %s → %s\n", c.Field, noValue(c.Before), noValue(c.After))
		}
	}
	if len(v.History) == 0 {
		fmt.Fprintf(w, "  %s  creato (%s)\n", p.CreatedAt.In(domain.Rome).Format("02/01/2006 15:04"), p.Channel.Label())
	}
}

func reasonOf(p domain.Pass) string {
	if p.StateReason == "" {
		return ""
	}
	s := " (" + p.StateReason
	if !p.StateFrom.IsZero() {
		s += ", dal " + p.StateFrom.String()
	}
	return s + ")"
}

func siNo(b bool) string {
	if b {
		return "sì"
	}
	return "no"
}

// passJSON is the stable JSON of `pass show --json` (documented in the README).
type passOut struct {
	Numero           string       `json:"numero"`
	Stato            domain.State `json:"stato"`
	StatoRegistrato  domain.State `json:"stato_registrato"`
	Motivo           string       `json:"motivo,omitempty"`
	StatoDal         string       `json:"stato_dal,omitempty"`
	Tipo             domain.Kind  `json:"tipo"`
	Comune           string       `json:"comune"`
	ComuneRilascio   string       `json:"comune_rilascio"`
	CodiceFiscale    string       `json:"codice_fiscale"`
	Cognome          string       `json:"cognome"`
	Nome             string       `json:"nome"`
	DataNascita      string       `json:"data_nascita"`
	DataDecesso      string       `json:"data_decesso,omitempty"`
	DataRilascio     string       `json:"data_rilascio"`
	DataDecorrenza   string       `json:"data_decorrenza"`
	DataScadenza     string       `json:"data_scadenza"`
	Canale           string       `json:"canale"`
	NumeroPrecedente string       `json:"numero_precedente,omitempty"`
	Duplicato        bool         `json:"duplicato"`
	MotivoDuplicato  string       `json:"motivo_duplicato,omitempty"`
	Denuncia         *reportOut   `json:"denuncia,omitempty"`
	Consenso         bool         `json:"consenso_circuito_nazionale"`
	CudeID           string       `json:"cude_id,omitempty"`
	CodiceUnivoco    string       `json:"codice_univoco,omitempty"`
	StatoNazionale   string       `json:"stato_invio_nazionale"`
	Targhe           []plateOut   `json:"targhe"`
	Versioni         []versionOut `json:"versioni"`
	Storico          []historyOut `json:"storico"`
}

// reportOut is the police report of a duplicate for theft or loss.
type reportOut struct {
	Numero   string `json:"numero"`
	Data     string `json:"data"`
	Autorita string `json:"autorita"`
}

type plateOut struct {
	Targa   string `json:"targa"`
	Nazione string `json:"nazione"`
	Dal     string `json:"dal"`
	Al      string `json:"al"`
	Tipo    string `json:"tipo"`
	Ruolo   string `json:"ruolo"`
}

type versionOut struct {
	Numero    string       `json:"numero"`
	Stato     domain.State `json:"stato"`
	Dal       string       `json:"data_decorrenza"`
	Al        string       `json:"data_scadenza"`
	Comune    string       `json:"comune"`
	Duplicato bool         `json:"duplicato"`
}

type historyOut struct {
	Quando    string `json:"quando"`
	Operatore string `json:"operatore"`
	Canale    string `json:"canale"`
	Azione    string `json:"azione"`
	Dettaglio string `json:"dettaglio"`
	// Modifiche are the fields the change touched (absent on entries recorded before
	// the history kept them).
	Modifiche []changeOut `json:"modifiche,omitempty"`
}

// changeOut is one field of a change: "" = no value (set the first time, or cleared).
type changeOut struct {
	Campo string `json:"campo"`
	Prima string `json:"prima"`
	Dopo  string `json:"dopo"`
}

// noValue is s, or "–" for no value.
func noValue(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func passJSON(v service.PassView) passOut {
	p, h := v.Pass, v.Holder
	o := passOut{Numero: p.Number, Stato: v.Status, StatoRegistrato: p.State, Motivo: p.StateReason, StatoDal: p.StateFrom.ISO(),
		Tipo: p.Kind, Comune: p.Comune, ComuneRilascio: p.IssuingComune, CodiceFiscale: h.CodiceFiscale,
		Cognome: h.Cognome, Nome: h.Nome, DataNascita: h.DataNascita.ISO(), DataDecesso: h.DataDecesso.ISO(),
		DataRilascio: p.DataRilascio.ISO(), DataDecorrenza: p.DataDecorrenza.ISO(), DataScadenza: p.DataScadenza.ISO(),
		Canale: string(p.Channel), NumeroPrecedente: p.PreviousNumber, Duplicato: p.Duplicate, MotivoDuplicato: string(p.DuplicateReason),
		Consenso: p.National.Consent, CudeID: p.National.CudeID, CodiceUnivoco: p.National.CodiceUnivoco,
		StatoNazionale: string(p.National.Status), Targhe: []plateOut{}, Versioni: []versionOut{}, Storico: []historyOut{}}
	if o.StatoNazionale == "" {
		o.StatoNazionale = "non_inviato"
	}
	if d := p.Denuncia; !d.IsZero() {
		o.Denuncia = &reportOut{d.Numero, d.Data.ISO(), d.Autorita}
	}
	for _, pl := range p.Plates {
		f, t := pl.Window(p.DataScadenza)
		o.Targhe = append(o.Targhe, plateOut{pl.Number, pl.Country, f.ISO(), t.ISO(), string(pl.Class), string(pl.Role)})
	}
	for _, ver := range v.Versions {
		o.Versioni = append(o.Versioni, versionOut{ver.Number, ver.State, ver.DataDecorrenza.ISO(), ver.DataScadenza.ISO(), ver.Comune, ver.Duplicate})
	}
	for _, e := range v.History {
		h := historyOut{Quando: e.At.UTC().Format(time.RFC3339), Operatore: e.Operator, Canale: string(e.Channel), Azione: e.Action, Dettaglio: e.Detail}
		for _, c := range e.Changes {
			h.Modifiche = append(h.Modifiche, changeOut{c.Field, c.Before, c.After})
		}
		o.Storico = append(o.Storico, h)
	}
	return o
}

func cmdDeceased(e *env, args []string) error {
	f := e.flags("deceased", commands()["deceased"].usage)
	asJSON := f.Bool("json", false, "risultato in JSON")
	pos, err := f.parse(args, 2)
	if err != nil {
		return err
	}
	if pos[0] != "import" {
		return usageError{"sottocomando sconosciuto " + pos[0], f.usage}
	}
	data, err := e.readFile(pos[1])
	if err != nil {
		return fmt.Errorf("impossibile leggere %s: %w", pos[1], err)
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	rep, err := svc.ImportDeceased(e.actor(), data)
	if *asJSON {
		if rep.Errors == nil {
			rep.Errors = []service.DeceasedError{}
		}
		if rep.Unknown == nil {
			rep.Unknown = []string{}
		}
		if jerr := printJSON(e.stdout, rep); jerr != nil {
			return jerr
		}
		if err != nil {
			return exitError{1}
		}
		return nil
	}
	for _, le := range rep.Errors {
		fmt.Fprintf(e.stdout, "riga %d: %s\n", le.Line, le.Message)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d righe: %d persone segnate decedute, %d contrassegni revocati, %d codici fiscali non presenti.\n",
		rep.Lines, rep.Marked, rep.Revoked, len(rep.Unknown))
	return nil
}
