//go:build !lean

package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"text/tabwriter"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// operatorChange runs `operator SUB` with n arguments: do changes the register and says
// what it did (printed only when it did).
func operatorChange(e *env, args []string, u string, n int, do func(svc *service.Service, pos []string) (string, error)) error {
	f := e.flags("operator "+args[0], u)
	pos, err := f.parse(args[1:], n)
	if err != nil {
		return err
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	msg, err := do(svc, pos)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, msg)
	return nil
}

func cmdOperator(e *env, args []string) error {
	const u = "operator add --name NOME [--full-name \"NOME COGNOME\"] --role operatore|amministratore --comune CODICE --key FILE_CHIAVE_PUBBLICA | operator list [--json] | operator full-name NOME \"NOME COGNOME\" | operator remove NOME | operator role NOME operatore|amministratore | operator key-remove NOME IMPRONTA | operator plain NOME on|off"
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return helpRequest{"uso: vivipass " + u + "\n"}
		}
		return usageError{"indicare add, list o remove", u}
	}
	switch args[0] {
	case "add":
		f := e.flags("operator add", u)
		name := f.String("name", "", "nome (utente SSH)")
		fullName := f.String("full-name", "", "nome e cognome, stampati sulle ricevute al posto del nome utente")
		role := f.String("role", "operatore", "operatore o amministratore")
		comune := f.String("comune", "", "codice catastale del comune")
		keyFile := f.String("key", "", "file con la chiave pubblica SSH (formato authorized_keys)")
		if _, err := f.parse(args[1:], 0); err != nil {
			return err
		}
		r, ok := domain.ParseRole(*role)
		if !ok {
			return usageError{fmt.Sprintf("ruolo %q non valido: operatore o amministratore", *role), u}
		}
		if *name == "" || *comune == "" || *keyFile == "" {
			return usageError{"--name, --comune e --key sono obbligatori", u}
		}
		data, err := e.readFile(*keyFile)
		if err != nil {
			return fmt.Errorf("impossibile leggere la chiave %s: %w", *keyFile, err)
		}
		keys, err := service.ParseOperatorKeys(data, time.Now())
		if err != nil {
			return err
		}
		svc, done, err := e.open(*f.db)
		if err != nil {
			return err
		}
		defer done()
		op, err := svc.AddOperator(e.actor(), domain.Operator{Name: *name, FullName: *fullName, Role: r, Comune: upperCode(*comune), Keys: keys})
		if err != nil {
			return err
		}
		if op.FullName != "" {
			fmt.Fprintf(e.stdout, "Nome e cognome: %s.\n", op.FullName)
		}
		keysWord := "chiavi"
		if len(op.Keys) == 1 {
			keysWord = "chiave"
		}
		fmt.Fprintf(e.stdout, "Operatore %s (%s, comune %s) registrato con %d %s.\n", op.Name, op.Role, op.Comune, len(op.Keys), keysWord)
		for _, k := range keys {
			fmt.Fprintf(e.stdout, "  %s %s\n", k.Fingerprint, k.Comment)
		}
		return nil
	case "list":
		f := e.flags("operator list", u)
		asJSON := f.Bool("json", false, "risultato in JSON")
		if _, err := f.parse(args[1:], 0); err != nil {
			return err
		}
		svc, done, err := e.open(*f.db)
		if err != nil {
			return err
		}
		defer done()
		ops, err := svc.Operators(e.actor())
		if err != nil {
			return err
		}
		if *asJSON {
			type keyOut struct {
				Fingerprint string `json:"fingerprint"`
				Commento    string `json:"commento"`
			}
			type opOut struct {
				Nome         string   `json:"nome"`
				NomeCompleto string   `json:"nome_completo"` // "" on records from before it was asked
				Ruolo        string   `json:"ruolo"`
				Comune       string   `json:"comune"`
				Chiavi       []keyOut `json:"chiavi"`
			}
			out := []opOut{}
			for _, o := range ops {
				oo := opOut{o.Name, o.FullName, string(o.Role), o.Comune, []keyOut{}}
				for _, k := range o.Keys {
					oo.Chiavi = append(oo.Chiavi, keyOut{k.Fingerprint, k.Comment})
				}
				out = append(out, oo)
			}
			return printJSON(e.stdout, out)
		}
		if len(ops) == 0 {
			fmt.Fprintln(e.stdout, "Nessun operatore registrato.")
			return nil
		}
		tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "NOME\tNOME E COGNOME\tRUOLO\tCOMUNE\tCHIAVI")
		for _, o := range ops {
			var fps []string
			for _, k := range o.Keys {
				fps = append(fps, k.Fingerprint)
			}
			full := o.FullName
			if full == "" {
				full = "–"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", o.Name, full, o.Role, o.Comune, strings.Join(fps, " "))
		}
		return tw.Flush()
	case "plain":
		return operatorChange(e, args, u, 2, func(svc *service.Service, pos []string) (string, error) {
			var on bool
			switch strings.ToLower(pos[1]) {
			case "on", "si", "sì":
				on = true
			case "off", "no":
			default:
				return "", usageError{fmt.Sprintf("valore %q non valido: on oppure off", pos[1]), u}
			}
			if err := svc.SetOperatorPlain(e.actor(), pos[0], on); err != nil {
				return "", err
			}
			if on {
				return fmt.Sprintf("Operatore %s: modo semplice attivo (nessun colore) dalla prossima sessione.", pos[0]), nil
			}
			return fmt.Sprintf("Operatore %s: colori attivi dalla prossima sessione.", pos[0]), nil
		})
	case "full-name":
		// The name may come quoted or not: "Mario Rossi" or Mario Rossi.
		return operatorChange(e, args, u, -1, func(svc *service.Service, pos []string) (string, error) {
			if len(pos) < 2 {
				return "", usageError{"indicare l'operatore e il suo nome e cognome", u}
			}
			full := domain.NormalizeFullName(strings.Join(pos[1:], " "))
			if err := svc.SetOperatorFullName(e.actor(), pos[0], full); err != nil {
				return "", err
			}
			return fmt.Sprintf("Operatore %s: nome e cognome %s (stampati sulle ricevute).", pos[0], full), nil
		})
	case "remove":
		return operatorChange(e, args, u, 1, func(svc *service.Service, pos []string) (string, error) {
			return fmt.Sprintf("Operatore %s rimosso: le sue sessioni aperte si chiudono e le sue chiavi non danno più accesso.", pos[0]),
				svc.RemoveOperator(e.actor(), pos[0])
		})
	case "role":
		return operatorChange(e, args, u, 2, func(svc *service.Service, pos []string) (string, error) {
			r, ok := domain.ParseRole(pos[1])
			if !ok {
				return "", usageError{fmt.Sprintf("ruolo %q non valido: operatore o amministratore", pos[1]), u}
			}
			return fmt.Sprintf("Operatore %s: ora %s (anche nelle sessioni aperte).", pos[0], r), svc.SetOperatorRole(e.actor(), pos[0], r)
		})
	case "key-remove":
		return operatorChange(e, args, u, 2, func(svc *service.Service, pos []string) (string, error) {
			return fmt.Sprintf("Chiave %s tolta a %s: le sessioni aperte con essa si chiudono.", pos[1], pos[0]),
				svc.RemoveOperatorKey(e.actor(), pos[0], pos[1])
		})
	}
	return usageError{"sottocomando sconosciuto " + args[0], u}
}

func cmdBackup(e *env, args []string) error {
	f := e.flags("backup", commands()["backup"].usage)
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	target := e.path(pos[0])
	if a, err := os.Stat(svc.DB().Path()); err == nil {
		if b, err := os.Stat(target); err == nil && os.SameFile(a, b) {
			// The copy is renamed over the target: over the register in use, it would
			// put the register's file out of the reach of its running server.
			return fmt.Errorf("%s è il database stesso: indicare un altro file per la copia", pos[0])
		}
	}
	o, err := svc.BackupTo(e.actor(), target)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "Copia scritta e verificata in %s (%d byte, %d versioni di contrassegni).\n", pos[0], o.Size, o.Passes)
	return nil
}

// cmdRestore replaces the database with a backup: the backup is checked first (schema,
// indexes, audit chain), the current file is kept beside it, and the switch is a rename.
// Killed at any moment, it leaves the register at its path, the old one or the new one
// (#12 point 12): the copy is written under a temporary name, the current register
// gets a second name (a hard link, or a copy) and only then the copy is renamed over
// it, all under the register's lock.
func cmdRestore(e *env, args []string) error {
	f := e.flags("restore", commands()["restore"].usage)
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	src := pos[0]
	problems, err := verifyCopy(src)
	if err != nil {
		return err
	}
	if len(problems) > 0 {
		return fmt.Errorf("la copia %s è incoerente (%d problemi, es. %s: %s): ripristino annullato", src, len(problems), problems[0].Index, problems[0].Message)
	}
	if _, err := os.Stat(*f.db); err != nil {
		if err := missingRegister(*f.db); err != nil {
			return err // the register is there under another name: put it back first
		}
	}
	// Holding the lock proves no other vivipass uses the database while we switch.
	cur, err := store.Open(*f.db, store.Options{})
	if err != nil {
		return err
	}
	defer cur.Close()
	startupCleanup(e.stderr, *f.db)
	dir := filepath.Dir(*f.db)
	tmp, err := os.CreateTemp(dir, ".restore-*")
	if err != nil {
		return fmt.Errorf("ripristino non riuscito: %w", err)
	}
	defer os.Remove(tmp.Name()) // gone once renamed; else the copy half written
	err = copyFrom(tmp, src)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("ripristino non riuscito (database non toccato): %w", err)
	}
	kept, err := keepRegister(cur, *f.db)
	if err != nil {
		return fmt.Errorf("ripristino non riuscito (database non toccato): impossibile conservare il database attuale: %w", err)
	}
	syncDir(dir)
	if err := os.Rename(tmp.Name(), *f.db); err != nil {
		os.Remove(kept) // a second name of the register, or a copy of it: the register is in place
		return fmt.Errorf("ripristino non riuscito (database non toccato): %w", err)
	}
	syncDir(dir)
	// The anchors of the chain replaced go with the register kept: the restored chain
	// is anchored afresh at its next backup (a rollback is not a tampering, 12.5).
	if anchors := store.AnchorPath(*f.db); fileExists(anchors) {
		if err := os.Rename(anchors, anchors+strings.TrimPrefix(kept, *f.db)); err != nil { // <db>.catena.prima-del-ripristino-…
			fmt.Fprintf(e.stderr, "attenzione: il registro delle ancore %s non è stato spostato (%v): `audit verify` segnalerà le voci del database sostituito\n", anchors, err)
		}
	}
	fmt.Fprintf(e.stdout, "Database ripristinato da %s. Il precedente è conservato in %s.\n", src, kept)
	return nil
}

// copyFrom copies the file src into w.
func copyFrom(w io.Writer, src string) error {
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	_, err = io.Copy(w, in)
	return err
}

// keepRegister gives the register (open, its lock held) a second name,
// <db>.prima-del-ripristino-<time>, never taking a name in use: a hard link, or where
// the file system has none a copy. It returns the name.
func keepRegister(cur *store.DB, db string) (string, error) {
	stamp := time.Now().Format("20060102-150405")
	kept := db + keptMark + stamp
	for i := 2; ; i++ { // two restores in one second: keep both
		err := os.Link(db, kept)
		if err == nil {
			return kept, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			break
		}
		kept = fmt.Sprintf("%s%s%s-%d", db, keptMark, stamp, i)
	}
	for i := 2; fileExists(kept); i++ {
		kept = fmt.Sprintf("%s%s%s-%d", db, keptMark, stamp, i)
	}
	if _, err := cur.BackupFile(kept); err != nil {
		return "", err
	}
	return kept, nil
}

// verifyCopy opens a backup read-only and checks schema, indexes and audit chain. bbolt
// panics on some damaged files, and reading a truncated copy through its memory map
// faults (SIGBUS): both are a refusal too, not a crash.
func verifyCopy(src string) (problems []store.Problem, err error) {
	defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
	defer func() {
		if r := recover(); r != nil {
			// A read transaction is left open (the copy cannot be closed): the process ends.
			problems, err = nil, fmt.Errorf("la copia %s è danneggiata (%v): ripristino annullato", src, r)
		}
	}()
	bk, err := store.Open(src, store.Options{ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("la copia %s non è utilizzabile: %w", src, err)
	}
	err = bk.View(func(tx *store.Tx) error { problems, err = tx.Verify(); return err })
	bk.Close()
	if err != nil {
		return nil, fmt.Errorf("la copia %s non è leggibile: %w", src, err)
	}
	return problems, nil
}

func fileExists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func cmdAudit(e *env, args []string) error {
	f := e.flags("audit", commands()["audit"].usage)
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	if pos[0] != "verify" {
		return usageError{"sottocomando sconosciuto " + pos[0], f.usage}
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	n, problems, err := svc.AuditVerify()
	if err != nil {
		return err
	}
	for _, p := range problems {
		if p.Seq == 0 {
			fmt.Fprintf(e.stdout, "%s\n", p.Message) // a record no entry wrote
		} else {
			fmt.Fprintf(e.stdout, "voce %d: %s\n", p.Seq, p.Message)
		}
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stdout, "Registro delle modifiche ALTERATO: %d problemi su %d voci.\n", len(problems), n)
		return exitError{1}
	}
	how := "catena delle impronte"
	if len(svc.DB().AuditKeys()) > 0 {
		how = "catena autenticata con la chiave del registro, ogni contrassegno e persona confrontati con la voce che li ha scritti"
	}
	fmt.Fprintf(e.stdout, "Registro delle modifiche integro: %d voci verificate (%s).\n", n, how)
	return nil
}

func cmdStore(e *env, args []string) error {
	f := e.flags("store", commands()["store"].usage)
	asJSON := f.Bool("json", false, "risultato in JSON: {\"problems\": [...], \"passes\": N}")
	pos, err := f.parse(args, 1)
	if err != nil {
		return err
	}
	if pos[0] != "verify" {
		return usageError{"sottocomando sconosciuto " + pos[0], f.usage}
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	problems, passes, err := svc.StoreCheck()
	if err != nil {
		return err
	}
	if *asJSON {
		if problems == nil {
			problems = []store.Problem{}
		}
		if err := printJSON(e.stdout, struct {
			Problems []store.Problem `json:"problems"`
			Passes   int             `json:"passes"`
		}{problems, passes}); err != nil {
			return err
		}
		if len(problems) > 0 {
			return exitError{1}
		}
		return nil
	}
	for _, p := range problems {
		fmt.Fprintf(e.stdout, "%s: %s\n", p.Index, p.Message)
	}
	if len(problems) > 0 {
		fmt.Fprintf(e.stdout, "Database INCOERENTE: %d problemi.\n", len(problems))
		return exitError{1}
	}
	fmt.Fprintln(e.stdout, "Database coerente: indici e registro delle modifiche verificati.")
	return nil
}
