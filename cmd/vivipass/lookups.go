package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"
	"time"

	"vivipass/domain"
	"vivipass/lookup"
	"vivipass/store"
)

// The lookups (search, whitelist check) read the store through package lookup and
// nothing else: the command line's program (lean.go) runs them without the service.

// readOnly runs fn on the register at path opened read-only, so a lookup writes
// nothing and waits for no fsync (issue 14.4: opening for writing commits a
// transaction, and its fdatasync was most of a CLI search's time on a busy disk). ok is
// false, with no error, when the file is not there or its schema is older: the caller
// opens it for writing (migrating it, or saying it is missing), or hands it over.
func readOnly(path string, fn func(tx *store.Tx, today domain.Date) error) (ok bool, err error) {
	if _, err := os.Stat(path); err != nil {
		return false, nil
	}
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if errors.Is(err, store.ErrOlderSchema) {
		return false, nil
	}
	if err != nil {
		return true, err
	}
	defer db.Close()
	return true, db.View(func(tx *store.Tx) error { return fn(tx, domain.DateOf(time.Now())) })
}

func cmdSearch(e *env, args []string) error {
	f := e.flags("search", commands()["search"].usage)
	asJSON := f.Bool("json", false, "risultato in JSON")
	comune := f.String("comune", "", "solo questo comune")
	limit := f.Int("limit", 50, "numero massimo di risultati")
	pos, err := f.parse(args, -1)
	if err != nil {
		return err
	}
	if len(pos) == 0 {
		return usageError{"indicare il testo da cercare", f.usage}
	}
	if err := checkComune(upperCode(*comune)); err != nil {
		return err
	}
	q := lookup.Query{Text: strings.Join(pos, " "), Comune: upperCode(*comune), Limit: *limit}
	var res lookup.SearchResult
	err = e.lookup(*f.db, func(tx *store.Tx, today domain.Date) (err error) {
		res, err = lookup.Search(tx, "", q, today) // the command line sees every comune
		return err
	})
	if err != nil {
		return err
	}
	if *asJSON {
		if res.Rows == nil {
			res.Rows = []lookup.Row{}
		}
		for i := range res.Rows {
			if res.Rows[i].Plates == nil {
				res.Rows[i].Plates = []string{}
			}
		}
		return printJSON(e.stdout, res)
	}
	if len(res.Rows) == 0 {
		fmt.Fprintln(e.stdout, "Nessun contrassegno trovato.")
		return nil
	}
	tw := tabwriter.NewWriter(e.stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "NUMERO\tCOMUNE\tTITOLARE\tCODICE FISCALE\tSTATO\tSCADENZA\tTARGHE")
	for _, r := range res.Rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Number, r.Comune, r.Holder, r.CF, r.Status.Label(), r.Scadenza, strings.Join(r.Plates, " "))
	}
	tw.Flush()
	if res.More {
		fmt.Fprintf(e.stdout, "(mostrati i primi %d: restringere la ricerca)\n", len(res.Rows))
	}
	return nil
}

func cmdWhitelist(e *env, args []string) error {
	f := e.flags("whitelist", commands()["whitelist"].usage)
	at := f.String("at", "", "istante (predefinito: adesso)")
	country := f.String("nazione", domain.Italy, "nazione della targa (sigla, es. FR, D, CH)")
	asJSON := f.Bool("json", false, "risultato in JSON")
	pos, err := f.parse(args, 2)
	if err != nil {
		return err
	}
	if pos[0] != "check" {
		return usageError{"sottocomando sconosciuto " + pos[0], f.usage}
	}
	when := time.Now()
	if *at != "" {
		if when, err = domain.ParseInstant(*at); err != nil {
			return err
		}
	}
	var v domain.Verdict
	err = e.lookup(*f.db, func(tx *store.Tx, _ domain.Date) (err error) {
		v, err = lookup.Whitelist(tx, pos[1], *country, when)
		return err
	})
	if err != nil {
		return err
	}
	if *asJSON {
		if err := printJSON(e.stdout, v); err != nil {
			return err
		}
	} else if v.Authorised {
		fmt.Fprintf(e.stdout, "AUTORIZZATA: targa %s il %s, contrassegno %s del comune %s\n", plateLabel(v), v.Day, v.Number, v.Comune)
	} else {
		fmt.Fprintf(e.stdout, "NON AUTORIZZATA: targa %s il %s: %s\n", plateLabel(v), v.Day, v.Reason)
	}
	if !v.Authorised {
		return exitError{3} // scripts at the gate can test the exit code
	}
	return nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// plateLabel is the plate as a gate operator reads it: "AB123CD", or "AB123CD (FR)".
func plateLabel(v domain.Verdict) string {
	if v.Country == domain.Italy {
		return v.Plate
	}
	return v.Plate + " (" + v.Country + ")"
}
