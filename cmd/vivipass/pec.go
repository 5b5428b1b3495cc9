//go:build !lean

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"vivipass/domain"
	"vivipass/pec/parse"
	"vivipass/pec/worker"
	"vivipass/service"
	"vivipass/store"
)

const pecUsage = "pec configure --comune CODICE --host H --port P --user U --password-file F --security tls|starttls|plain [--folder INBOX] [--archive-folder NOME] [--ca-file F] [--interval 5m] | " +
	"pec sync --once [--comune CODICE] [--progress] [--json] | pec list [--json] [--comune CODICE] [--state STATO] [--kind TIPO] [--open] | " +
	"pec show ID [--json] | pec state ID STATO [--note TESTO] | pec attachments ID --dir CARTELLA | pec status [--comune CODICE]"

// cmdPec is the PEC inbox from the shell: settings, sync, list, detail, state.
func cmdPec(e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return helpRequest{"uso: vivipass " + strings.ReplaceAll(pecUsage, " | ", "\n       vivipass ") + "\n"}
		}
		return usageError{"indicare configure, sync, list, show, state, attachments o status", pecUsage}
	}
	switch args[0] {
	case "configure":
		return pecConfigure(e, args[1:])
	case "sync":
		return pecSync(e, args[1:])
	case "list":
		return pecList(e, args[1:])
	case "show":
		return pecShow(e, args[1:])
	case "state":
		return pecState(e, args[1:])
	case "attachments":
		return pecAttachments(e, args[1:])
	case "status":
		return pecStatus(e, args[1:])
	}
	return usageError{"sottocomando sconosciuto " + args[0], pecUsage}
}

func pecConfigure(e *env, args []string) error {
	const u = "pec configure --comune CODICE --host H --port P --user U --password-file F --security tls|starttls|plain [--folder INBOX] [--archive-folder NOME] [--ca-file F] [--interval 5m] [--disabled]"
	f := e.flags("pec configure", u)
	comune := f.String("comune", "", "codice catastale del comune")
	host := f.String("host", "", "server IMAP della casella PEC")
	port := f.Int("port", 993, "porta IMAP (993 tls, 143 starttls)")
	user := f.String("user", "", "utente della casella")
	pwFile := f.String("password-file", "", "file con la password (altrimenti la variabile VIVIPASS_PEC_PASSWORD_<COMUNE>)")
	security := f.String("security", "tls", "tls, starttls o plain (plain solo verso localhost, per le prove)")
	folder := f.String("folder", "INBOX", "cartella da leggere")
	archive := f.String("archive-folder", "", "sposta i messaggi salvati in questa cartella (altrimenti li marca con una parola chiave)")
	keyword := f.String("keyword", "", "parola chiave dei messaggi salvati (predefinita "+worker.DefaultKeyword+")")
	caFile := f.String("ca-file", "", "certificati PEM di cui fidarsi per il server (altrimenti quelli del sistema)")
	interval := f.Duration("interval", 0, "intervallo tra due letture (predefinito 5m)")
	disabled := f.Bool("disabled", false, "configura senza leggere")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if *comune == "" || *host == "" || *user == "" {
		return usageError{"--comune, --host e --user sono obbligatori", u}
	}
	if err := checkComune(upperCode(*comune)); err != nil {
		return err
	}
	abs := func(p string) string {
		if p == "" {
			return p
		}
		if a, err := filepath.Abs(e.path(p)); err == nil {
			return a
		}
		return p
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	pc, err := svc.PECConfigure(e.actor(), service.PECSettings{Comune: upperCode(*comune), Host: *host, Port: *port, User: *user,
		Security: *security, Folder: *folder, ArchiveFolder: *archive, Keyword: *keyword, PasswordFile: abs(*pwFile),
		CAFile: abs(*caFile), Interval: *interval, Disabled: *disabled})
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Casella PEC del comune %s: %s@%s:%d (%s), cartella %s.\n", pc.Comune, pc.User, pc.Host, pc.Port, pc.Security, pc.Folder)
	if pc.Mark == store.MarkMove {
		fmt.Fprintf(e.stdout, "I messaggi salvati vengono spostati in %s (mai cancellati).\n", pc.ArchiveFolder)
	} else {
		fmt.Fprintf(e.stdout, "I messaggi salvati vengono marcati con la parola chiave %s (mai cancellati né segnati come letti).\n", pc.Keyword)
	}
	if pc.PasswordFile != "" {
		fmt.Fprintf(e.stdout, "Password letta a ogni collegamento da %s (non salvata nel database).\n", pc.PasswordFile)
	} else {
		env := service.PECPasswordEnv(pc.Comune)
		fmt.Fprintf(e.stdout, "Password letta a ogni collegamento dalla variabile d'ambiente %s (non salvata nel database).\n", env)
		if os.Getenv(env) == "" {
			fmt.Fprintf(e.stderr, "attenzione: la variabile %s ora non è impostata\n", env)
		}
	}
	return nil
}

func pecSync(e *env, args []string) error {
	const u = "pec sync --once [--comune CODICE] [--progress] [--json] [--batch N]  |  pec sync [--comune CODICE] (continua fino a ctrl+c)"
	f := e.flags("pec sync", u)
	once := f.Bool("once", false, "una lettura e basta (senza: legge a intervalli fino a ctrl+c)")
	comune := f.String("comune", "", "solo la casella di questo comune")
	progress := f.Bool("progress", false, "scrive su stderr \"scaricati: N\" dopo ogni gruppo di messaggi salvati")
	asJSON := f.Bool("json", false, "risultato in JSON")
	batch := f.Int("batch", 0, "messaggi per transazione (predefinito 200)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if err := checkComune(upperCode(*comune)); err != nil {
		return err
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	a := e.actor()
	ctx := e.ctx
	if e.served == nil { // inside the server, ctrl+c in the client cancels e.ctx
		var stop context.CancelFunc
		ctx, stop = signal.NotifyContext(ctx, syscall.SIGTERM, syscall.SIGINT)
		defer stop()
	}
	if !*once {
		if *comune != "" || *asJSON || *progress || *batch != 0 {
			return usageError{"--comune, --json, --progress e --batch valgono con --once", u}
		}
		if e.served != nil {
			return errors.New("il server in esecuzione legge già le caselle PEC a intervalli: per una lettura subito usare vivipass pec sync --once")
		}
		fmt.Fprintln(e.stdout, "lettura della posta PEC a intervalli: ctrl+c per terminare")
		log := slog.New(slog.NewTextHandler(e.stderr, nil))
		return svc.PECWorker(service.PECWorkerOptions{Log: log}).Run(ctx)
	}
	var comuni []string
	if *comune != "" {
		comuni = []string{upperCode(*comune)}
	} else {
		cfgs, err := svc.PECConfigs(a)
		if err != nil {
			return err
		}
		for _, c := range cfgs {
			if !c.Disabled {
				comuni = append(comuni, c.Comune)
			}
		}
		if len(comuni) == 0 {
			return errors.New("nessuna casella PEC configurata (vivipass pec configure …)")
		}
	}
	type outcome struct {
		service.PECSyncReport
		Error string `json:"error,omitempty"`
	}
	var results []outcome
	failed := 0
	for _, c := range comuni {
		opts := service.PECSyncOptions{BatchMessages: *batch}
		if *progress {
			opts.Progress = func(n int) { fmt.Fprintf(e.stderr, "scaricati: %d\n", n) }
		}
		rep, err := svc.PECSync(ctx, a, c, opts)
		rep.Comune = c
		if err != nil && ctx.Err() != nil {
			err = errors.New("lettura interrotta (ctrl+c): i messaggi già salvati restano, la prossima lettura riprende da lì")
		}
		o := outcome{PECSyncReport: rep}
		if err != nil {
			o.Error = err.Error()
			failed++
		}
		results = append(results, o)
		if !*asJSON {
			if err != nil {
				fmt.Fprintf(e.stderr, "errore: %s: %s\n", c, err)
			} else {
				fmt.Fprintf(e.stdout, "%s: %d nuovi messaggi sul server, %d scaricati, %d nuovi in arrivo (%d già presenti), %d marcati sul server",
					c, rep.Found, rep.Fetched, rep.New, rep.Duplicates, rep.Marked)
				if rep.Truncated > 0 {
					fmt.Fprintf(e.stdout, ", %d oltre 30 MB in quarantena", rep.Truncated)
				}
				if rep.Resync {
					fmt.Fprint(e.stdout, " (UIDVALIDITY cambiato: cartella riletta da capo)")
				}
				fmt.Fprintln(e.stdout)
			}
		}
		if ctx.Err() != nil {
			break
		}
	}
	if *asJSON {
		if err := printJSON(e.stdout, results); err != nil {
			return err
		}
	}
	if failed > 0 {
		return exitError{1}
	}
	return nil
}

// pecItemJSON is one inbox item in `pec list --json` (documented in README.md).
type pecItemJSON struct {
	ID              uint64    `json:"id"`
	Comune          string    `json:"comune"`
	Kind            string    `json:"kind"`
	Type            string    `json:"type"`
	State           string    `json:"state"`
	Note            string    `json:"note"`
	CodiceFiscale   string    `json:"codice_fiscale"`
	Cognome         string    `json:"cognome"`
	Nome            string    `json:"nome"`
	RequestID       string    `json:"request_id"`
	PassNumber      string    `json:"pass_number"`
	Attachments     []string  `json:"attachments"`
	Reason          string    `json:"reason"`
	SportelloReason string    `json:"sportello_reason"`
	ReceiptType     string    `json:"receipt_type"`
	Subject         string    `json:"subject"`
	Sender          string    `json:"sender"`
	SenderTrusted   bool      `json:"sender_trusted"`
	Certified       bool      `json:"certified"`
	Warnings        []string  `json:"warnings"`
	Received        time.Time `json:"received"`
	Sent            *string   `json:"sent"`
	PersonID        uint64    `json:"person_id"`
	PassID          uint64    `json:"pass_id"`
	Channel         string    `json:"channel"`
	Size            int64     `json:"size"`
	Truncated       bool      `json:"truncated"`
	Version         uint64    `json:"version"`
}

func itemJSON(it store.PECItem) pecItemJSON {
	j := pecItemJSON{ID: it.ID, Comune: it.Comune, Kind: it.Kind, Type: it.Type, State: string(it.State), Note: it.Note,
		CodiceFiscale: it.CodiceFiscale, Cognome: it.Cognome, Nome: it.Nome, RequestID: it.RequestID, PassNumber: it.PassNumber,
		Attachments: []string{}, Reason: it.Reason, SportelloReason: it.SportelloReason, ReceiptType: it.ReceiptType,
		Subject: it.Subject, Sender: it.Sender, SenderTrusted: it.SenderTrusted, Certified: it.Certified,
		Warnings: append([]string{}, it.Warnings...), Received: it.Received, PersonID: it.PersonID, PassID: it.PassID,
		Channel: string(it.Channel), Size: it.Size, Truncated: it.Truncated, Version: it.Version}
	for _, a := range it.Attachments {
		if a.Type != string(parse.AttachIstanza) {
			j.Attachments = append(j.Attachments, a.SafeName)
		}
	}
	if !it.Sent.IsZero() {
		s := it.Sent.Format(time.RFC3339)
		j.Sent = &s
	}
	return j
}

func pecList(e *env, args []string) error {
	const u = "pec list [--json] [--comune CODICE] [--state STATO] [--kind TIPO] [--open]"
	f := e.flags("pec list", u)
	asJSON := f.Bool("json", false, "risultato in JSON: un oggetto per messaggio")
	comune := f.String("comune", "", "solo i messaggi di questo comune")
	state := f.String("state", "", "solo in questo stato (nuova, in_lavorazione, integrazione_richiesta, evasa, respinta)")
	kind := f.String("kind", "", "solo di questo tipo (request, receipt, anomaly, other, quarantine)")
	open := f.Bool("open", false, "solo quelli da gestire: né evasi né respinti, e non le ricevute della posta inviata dal comune")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if err := checkComune(upperCode(*comune)); err != nil {
		return err
	}
	filter := service.PECFilter{Comune: upperCode(*comune), Kind: strings.ToLower(strings.TrimSpace(*kind)), Open: *open}
	if *state != "" {
		st, ok := domain.ParseRequestState(*state)
		if !ok {
			return usageError{fmt.Sprintf("stato %q non valido", *state), u}
		}
		filter.State = st
	}
	if filter.Kind != "" {
		if _, ok := parse.KindFromString(filter.Kind); !ok {
			return usageError{fmt.Sprintf("tipo %q non valido: request, receipt, anomaly, other o quarantine", *kind), u}
		}
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	items, err := svc.PECList(e.actor(), filter)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]pecItemJSON, 0, len(items))
		for _, it := range items {
			out = append(out, itemJSON(it))
		}
		return printJSON(e.stdout, out)
	}
	if len(items) == 0 {
		fmt.Fprintln(e.stdout, "Nessun messaggio.")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "N.\tRICEVUTO\tSTATO\tTIPO\tCITTADINO\tCODICE FISCALE\tCONTRASSEGNO\tNOTE")
	for _, it := range items {
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", it.ID, it.Received.In(domain.Rome).Format("02/01/2006 15:04"),
			it.State.Label(), kindLabel(it), strings.TrimSpace(it.Cognome+" "+it.Nome), dashIfEmpty(it.CodiceFiscale),
			dashIfEmpty(it.PassNumber), oneLine(itemRemark(it), 50))
	}
	return tw.Flush()
}

// kindLabel is what the operator reads in the TIPO column.
func kindLabel(it store.PECItem) string {
	k, _ := parse.KindFromString(it.Kind)
	switch k {
	case parse.KindRequest:
		for _, t := range []parse.Type{parse.TypeRinnovo, parse.TypeDuplicato, parse.TypeTarghe, parse.TypeSportello} {
			if t.String() == it.Type {
				return t.Label()
			}
		}
		return "richiesta"
	case parse.KindReceipt:
		return "ricevuta: " + parse.ReceiptType(it.ReceiptType).Label()
	}
	return k.Label()
}

func itemRemark(it store.PECItem) string {
	switch {
	case it.Reason != "":
		return it.Reason
	case it.SportelloReason != "":
		return it.SportelloReason
	case it.Note != "":
		return it.Note
	case it.Kind == "request" && !it.SenderTrusted:
		return parse.WarnUntrustedSender
	}
	return it.Subject
}

func dashIfEmpty(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func oneLine(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func pecItemID(s, u string) (uint64, error) {
	id, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil || id == 0 {
		return 0, usageError{fmt.Sprintf("numero del messaggio %q non valido", s), u}
	}
	return id, nil
}

// pecShowJSON is `pec show --json`: the item, the request read again from the stored
// message, the attachments in full, the history.
type pecShowJSON struct {
	pecItemJSON
	LinkedBy string            `json:"linked_by"`
	History  []store.PECChange `json:"history"`
	Request  *pecRequestJSON   `json:"request"`
	Files    []pecFileJSON     `json:"files"`
	Receipt  *pecReceiptJSON   `json:"receipt"`
	Daticert *pecDaticertJSON  `json:"daticert"`
	Original *pecOriginalJSON  `json:"original"`
}

type pecRequestJSON struct {
	ID              string            `json:"id"`
	Type            string            `json:"type"`
	Tipo            string            `json:"tipo"`
	Source          string            `json:"source"`
	SportelloReason string            `json:"sportello_reason"`
	Submitted       *string           `json:"submitted"`
	Comune          string            `json:"comune"`
	CodiceFiscale   string            `json:"codice_fiscale"`
	Cognome         string            `json:"cognome"`
	Nome            string            `json:"nome"`
	DataNascita     string            `json:"data_nascita"`
	LuogoNascita    string            `json:"luogo_nascita"`
	Residenza       string            `json:"residenza"`
	Email           string            `json:"email"`
	Cellulare       string            `json:"cellulare"`
	PassNumber      string            `json:"pass_number"`
	PassExpiry      string            `json:"pass_expiry"`
	DuplicateReason string            `json:"duplicate_reason"`
	Plates          []pecPlateJSON    `json:"plates"`
	INPS            string            `json:"inps"`
	Declared        []pecDeclaredJSON `json:"declared"`
	Warnings        []string          `json:"warnings"`
}

type pecPlateJSON struct {
	Numero     string `json:"numero"`
	Operazione string `json:"operazione"`
	Dal        string `json:"dal"`
	Al         string `json:"al"`
}

type pecFileJSON struct {
	Type        string `json:"type"`
	Name        string `json:"name"`
	SafeName    string `json:"safe_name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Damaged     bool   `json:"damaged"`
}

type pecDeclaredJSON struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Found bool   `json:"found"`
}

type pecReceiptJSON struct {
	Type         string `json:"type"`
	Errore       string `json:"errore"`
	Consegna     string `json:"consegna"`
	ErroreEsteso string `json:"errore_esteso"`
	Oggetto      string `json:"oggetto"`
	RefMessageID string `json:"ref_message_id"`
}

type pecDaticertJSON struct {
	Tipo             string `json:"tipo"`
	Mittente         string `json:"mittente"`
	GestoreEmittente string `json:"gestore_emittente"`
	Identificativo   string `json:"identificativo"`
	Giorno           string `json:"giorno"`
	Ora              string `json:"ora"`
}

type pecOriginalJSON struct {
	From      string `json:"from"`
	Subject   string `json:"subject"`
	MessageID string `json:"message_id"`
	Text      string `json:"text"`
}

func dateText(d domain.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.ISO()
}

func showJSON(d service.PECDetail) pecShowJSON {
	j := pecShowJSON{pecItemJSON: itemJSON(d.Item), LinkedBy: d.Item.LinkedBy, History: append([]store.PECChange{}, d.Item.History...),
		Files: []pecFileJSON{}}
	r := d.Parsed
	for _, a := range r.Attachments {
		j.Files = append(j.Files, pecFileJSON{Type: string(a.Type), Name: a.Name, SafeName: a.SafeName, ContentType: a.ContentType, Size: a.Size, Damaged: a.Damaged})
	}
	if q := r.Request; q != nil {
		rq := &pecRequestJSON{ID: q.ID, Type: q.Type.String(), Tipo: q.Tipo, Source: q.Source.String(), SportelloReason: q.SportelloReason,
			Comune: q.Comune.Code, CodiceFiscale: q.Applicant.CodiceFiscale, Cognome: q.Applicant.Cognome, Nome: q.Applicant.Nome,
			DataNascita: dateText(q.Applicant.DataNascita), LuogoNascita: q.Applicant.LuogoNascita.Code,
			Residenza: strings.TrimSpace(q.Applicant.Residenza.Name + " (" + q.Applicant.Residenza.Code + ")"),
			Email:     q.Applicant.Email, Cellulare: q.Applicant.Cellulare, DuplicateReason: string(q.DuplicateReason),
			INPS: string(q.INPS), Plates: []pecPlateJSON{}, Declared: []pecDeclaredJSON{}, Warnings: append([]string{}, q.Warnings...)}
		if !q.Submitted.IsZero() {
			s := q.Submitted.Format(time.RFC3339)
			rq.Submitted = &s
		}
		if q.Pass != nil {
			rq.PassNumber, rq.PassExpiry = q.Pass.Numero, dateText(q.Pass.Scadenza)
		}
		for _, p := range q.Plates {
			rq.Plates = append(rq.Plates, pecPlateJSON{Numero: p.Numero, Operazione: string(p.Operazione), Dal: dateText(p.Dal), Al: dateText(p.Al)})
		}
		for _, dc := range q.Declared {
			rq.Declared = append(rq.Declared, pecDeclaredJSON{Type: string(dc.Type), Name: dc.Name, Found: dc.Index >= 0})
		}
		j.Request = rq
	}
	if rc := r.Receipt; rc != nil {
		j.Receipt = &pecReceiptJSON{Type: string(rc.Type), Errore: rc.Errore, Consegna: rc.Consegna, ErroreEsteso: rc.ErroreEsteso,
			Oggetto: rc.Oggetto, RefMessageID: rc.RefMessageID}
	}
	if dc := r.Daticert; dc != nil {
		j.Daticert = &pecDaticertJSON{Tipo: dc.Tipo, Mittente: dc.Mittente, GestoreEmittente: dc.GestoreEmittente,
			Identificativo: dc.Identificativo, Giorno: dc.Giorno, Ora: dc.Ora}
	}
	if o := r.Original; o != nil {
		j.Original = &pecOriginalJSON{From: o.From, Subject: o.Subject, MessageID: o.MessageID, Text: o.Text}
	}
	return j
}

func pecShow(e *env, args []string) error {
	const u = "pec show ID [--json]"
	f := e.flags("pec show", u)
	asJSON := f.Bool("json", false, "risultato in JSON")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	id, err := pecItemID(pos[0], u)
	if err != nil {
		return err
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	d, err := svc.PECItem(e.actor(), id)
	if err != nil {
		return err
	}
	if *asJSON {
		return printJSON(e.stdout, showJSON(d))
	}
	printPECItem(e.stdout, d)
	return nil
}

func printPECItem(w io.Writer, d service.PECDetail) {
	it, r := d.Item, d.Parsed
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	row := func(k, v string) {
		if strings.TrimSpace(v) != "" {
			fmt.Fprintf(tw, "%s\t%s\n", k, v)
		}
	}
	row("Messaggio", fmt.Sprintf("n. %d (comune %s)", it.ID, it.Comune))
	row("Tipo", kindLabel(it))
	row("Stato", it.State.Label())
	row("Nota", it.Note)
	row("Ricevuto", it.Received.In(domain.Rome).Format("02/01/2006 15:04"))
	if !it.Sent.IsZero() {
		row("Inviato", it.Sent.In(domain.Rome).Format("02/01/2006 15:04"))
	}
	sender := it.Sender
	if sender != "" && !it.SenderTrusted && it.Kind == "request" {
		sender += " (" + parse.WarnUntrustedSender + ")"
	}
	row("Mittente", sender)
	row("Oggetto", it.Subject)
	row("Quarantena", it.Reason)
	row("Da gestire allo sportello", it.SportelloReason)
	if q := r.Request; q != nil {
		row("Richiesta", q.ID)
		row("Cittadino", strings.TrimSpace(q.Applicant.Cognome+" "+q.Applicant.Nome)+" – "+q.Applicant.CodiceFiscale)
		row("E-mail", q.Applicant.Email)
		row("Cellulare", q.Applicant.Cellulare)
		if q.Pass != nil {
			row("Contrassegno indicato", q.Pass.Numero)
		}
		row("Motivo del duplicato", q.DuplicateReason.Label())
		for _, p := range q.Plates {
			per := "dal " + p.Dal.String()
			if !p.Al.IsZero() {
				per += " al " + p.Al.String()
			}
			row("Targa", p.Numero+": "+p.Operazione.Label()+" "+per)
		}
		row("Verifica INPS", q.INPS.Label())
	}
	if rc := r.Receipt; rc != nil {
		row("Ricevuta", rc.Type.Label()+" "+rc.Consegna)
		row("Errore", rc.ErroreEsteso)
	}
	if d.Person != nil {
		row("Persona collegata", d.Person.FullName()+" ("+it.LinkedBy+")")
	}
	if d.Pass != nil {
		row("Contrassegno collegato", d.Pass.Number+" ("+d.Pass.State.Label()+")")
	}
	for i, a := range r.Attachments {
		label := fmt.Sprintf("Allegato %d", i+1)
		row(label, fmt.Sprintf("%s – %s, %d byte", a.SafeName, a.Type.Label(), a.Size))
	}
	for _, wmsg := range it.Warnings {
		row("Attenzione", wmsg)
	}
	for _, h := range it.History {
		what := h.Note
		if h.To != "" {
			what = h.From.Label() + " → " + h.To.Label()
			if h.Note != "" {
				what += ": " + h.Note
			}
		}
		row("Storia", h.At.In(domain.Rome).Format("02/01/2006 15:04")+" "+h.By+": "+what)
	}
	tw.Flush()
}

func pecState(e *env, args []string) error {
	const u = "pec state ID STATO [--note TESTO]"
	f := e.flags("pec state", u)
	note := f.String("note", "", "nota (obbligatoria per respinta e integrazione richiesta)")
	pos, err := f.parse(args, 2)
	if err != nil {
		return err
	}
	id, err := pecItemID(pos[0], u)
	if err != nil {
		return err
	}
	st, ok := domain.ParseRequestState(pos[1])
	if !ok {
		return usageError{fmt.Sprintf("stato %q non valido: in_lavorazione, integrazione_richiesta, evasa o respinta", pos[1]), u}
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	it, err := svc.SetRequestState(e.actor(), id, 0, st, *note)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Messaggio n. %d: %s.\n", it.ID, it.State.Label())
	return nil
}

func pecAttachments(e *env, args []string) error {
	const u = "pec attachments ID --dir CARTELLA"
	f := e.flags("pec attachments", u)
	dir := f.String("dir", "", "cartella in cui salvare gli allegati (con nomi sicuri)")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	id, err := pecItemID(pos[0], u)
	if err != nil {
		return err
	}
	if *dir == "" {
		return usageError{"indicare la cartella con --dir", u}
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	files, err := svc.PECAttachments(e.actor(), id)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(e.path(*dir), 0o700); err != nil {
		return err
	}
	for _, a := range files {
		// SafeName has no separator nor ".."; O_EXCL never overwrites what is there.
		path := filepath.Join(*dir, a.SafeName)
		fh, err := os.OpenFile(e.path(path), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return fmt.Errorf("impossibile salvare %s: %w", a.SafeName, err)
		}
		_, err = fh.Write(a.Data)
		if cerr := fh.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("impossibile salvare %s: %w", a.SafeName, err)
		}
		fmt.Fprintln(e.stdout, path)
	}
	return nil
}

func pecStatus(e *env, args []string) error {
	const u = "pec status [--comune CODICE]"
	f := e.flags("pec status", u)
	comune := f.String("comune", "", "solo la casella di questo comune")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	a := e.actor()
	cfgs, err := svc.PECConfigs(a)
	if err != nil {
		return err
	}
	if len(cfgs) == 0 {
		fmt.Fprintln(e.stdout, "Nessuna casella PEC configurata.")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	for _, c := range cfgs {
		if *comune != "" && c.Comune != upperCode(*comune) {
			continue
		}
		st, err := svc.PECStatus(a, c.Comune)
		if err != nil {
			return err
		}
		fmt.Fprintf(tw, "%s\t%s@%s:%d (%s), cartella %s\n", c.Comune, c.User, c.Host, c.Port, c.Security, c.Folder)
		fmt.Fprintf(tw, "\tpassword: %s\n", st.PasswordSource)
		if !st.Sync.LastSync.IsZero() {
			fmt.Fprintf(tw, "\tultima lettura: %s (UIDVALIDITY %d, ultimo UID %d)\n", st.Sync.LastSync.In(domain.Rome).Format("02/01/2006 15:04:05"), st.Sync.UIDValidity, st.Sync.LastUID)
		}
		if st.Sync.LastError != "" {
			fmt.Fprintf(tw, "\tultimo errore: %s (%s)\n", st.Sync.LastError, st.Sync.ErrorAt.In(domain.Rome).Format("02/01/2006 15:04:05"))
		}
		if len(st.Sync.Pending) > 0 {
			fmt.Fprintf(tw, "\tda marcare sul server: %d messaggi\n", len(st.Sync.Pending))
		}
		if c.Disabled {
			fmt.Fprintln(tw, "\tlettura disattivata")
		}
	}
	return tw.Flush()
}
