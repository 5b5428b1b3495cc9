//go:build !lean

package main

import (
	"encoding/csv"
	"encoding/json"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"
)

func TestDemoSearchShow(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "vivipass.db")
	r := must(t, 0, "demo", "--db", db)
	contains(t, "demo", r.stdout, "Caricati 20 contrassegni dimostrativi")
	passes := must(t, 0, "export", "passes", "--db", db).stdout
	audit := auditCount(t, db)

	r = must(t, 0, "demo", "--db", db)
	contains(t, "demo again", r.stdout, "già presenti")
	if again := must(t, 0, "export", "passes", "--db", db).stdout; again != passes {
		t.Errorf("demo twice changed the passes:\n%s\nthen\n%s", passes, again)
	}
	if n := auditCount(t, db); n != audit {
		t.Errorf("demo twice: %d audit entries, want %d", n, audit)
	}

	// search --json
	r = must(t, 0, "search", "ROSSI", "--json", "--db", db)
	checkKeys(t, "search --json", r.stdout, []string{"rows", "more"}, nil)
	var raw struct{ Rows []json.RawMessage }
	if err := json.Unmarshal([]byte(r.stdout), &raw); err != nil || len(raw.Rows) == 0 {
		t.Fatalf("search ROSSI: no rows (%v)\n%s", err, r)
	}
	row := raw.Rows[0]
	for _, r := range raw.Rows { // "ROSSI" also finds DE ROSSI (any word of the surname, #11.12)
		if strings.Contains(string(r), `"ROSSI MARIO"`) {
			row = r
		}
	}
	checkKeys(t, "search row", string(row), []string{"id", "version", "numero", "comune", "titolare", "codice_fiscale",
		"tipo", "stato", "canale", "scadenza", "targhe", "duplicato", "nazionale"}, nil)
	res := search(t, db, "ROSSI")
	if res.More {
		t.Errorf("more is true for a two-hit search")
	}
	rossi := rowOf(t, db, "ROSSI", "ROSSI MARIO")
	if rossi.Numero == "" || rossi.Comune != "L736" || rossi.CodiceFiscale != "RSSMRA80A01L736U" || rossi.Tipo != "P" ||
		rossi.Stato != "attivo" || rossi.Canale != "sportello" || !slices.Contains(rossi.Targhe, "AB123CD") {
		t.Errorf("ROSSI MARIO: %+v", rossi)
	}
	if _, err := time.Parse("2006-01-02", rossi.Scadenza); err != nil {
		t.Errorf("scadenza %q is not ISO: %v", rossi.Scadenza, err)
	}
	for _, text := range []string{rossi.Numero, "RSSMRA80A01L736U", "AB123CD", "rossi mario"} {
		if row := rowOf(t, db, text, "ROSSI MARIO"); row.Numero != rossi.Numero {
			t.Errorf("search %q: %s, want %s", text, row.Numero, rossi.Numero)
		}
	}
	if res := search(t, db, "ROSSI", "--comune", "G224"); len(res.Rows) != 0 {
		t.Errorf("search ROSSI in Padova: %+v", res.Rows)
	}
	r = must(t, 0, "search", "NESSUNOCOSI", "--db", db)
	contains(t, "search", r.stdout, "Nessun contrassegno trovato")
	if r := must(t, 0, "search", "NESSUNOCOSI", "--json", "--db", db); !strings.Contains(r.stdout, `"rows": []`) {
		t.Errorf("search with no hit: rows is not an empty list:\n%s", r.stdout)
	}

	// pass show --json
	r = must(t, 0, "pass", "show", rossi.Numero, "--json", "--db", db)
	checkKeys(t, "pass show --json", r.stdout,
		[]string{"numero", "stato", "stato_registrato", "tipo", "comune", "comune_rilascio", "codice_fiscale", "cognome", "nome",
			"data_nascita", "data_rilascio", "data_decorrenza", "data_scadenza", "canale", "duplicato",
			"consenso_circuito_nazionale", "stato_invio_nazionale", "targhe", "versioni", "storico"},
		[]string{"motivo", "stato_dal", "data_decesso", "numero_precedente", "motivo_duplicato", "denuncia", "cude_id", "codice_univoco"})
	var lists struct{ Targhe, Versioni, Storico []json.RawMessage }
	if err := json.Unmarshal([]byte(r.stdout), &lists); err != nil {
		t.Fatal(err)
	}
	if len(lists.Targhe) == 0 || len(lists.Versioni) == 0 || len(lists.Storico) == 0 {
		t.Fatalf("pass show: targhe %d versioni %d storico %d, want all non-empty", len(lists.Targhe), len(lists.Versioni), len(lists.Storico))
	}
	checkKeys(t, "targhe[0]", string(lists.Targhe[0]), []string{"targa", "nazione", "dal", "al", "tipo", "ruolo"}, nil)
	checkKeys(t, "versioni[0]", string(lists.Versioni[0]), []string{"numero", "stato", "data_decorrenza", "data_scadenza", "comune", "duplicato"}, nil)
	// issue 11.7: each entry says what changed, field by field.
	st := checkKeys(t, "storico[0]", string(lists.Storico[0]), []string{"quando", "operatore", "canale", "azione", "dettaglio"}, []string{"modifiche"})
	var changes []json.RawMessage
	if err := json.Unmarshal(st["modifiche"], &changes); err != nil || len(changes) == 0 {
		t.Fatalf("storico[0] (the issue) has no modifiche: %v %s", err, st["modifiche"])
	}
	checkKeys(t, "storico[0].modifiche[0]", string(changes[0]), []string{"campo", "prima", "dopo"}, nil)
	if want := `{"campo":"Numero","prima":"","dopo":"` + rossi.Numero + `"}`; strings.Join(strings.Fields(string(changes[0])), "") != want {
		t.Errorf("storico[0].modifiche[0] = %s, want %s", changes[0], want)
	}
	p := showPass(t, db, rossi.Numero)
	if p.Numero != rossi.Numero || p.Stato != "attivo" || p.StatoRegistrato != "attivo" || p.Cognome != "ROSSI" || p.Nome != "MARIO" ||
		p.DataNascita != "1980-01-01" || p.Canale != "sportello" || p.Versioni[0].Numero != rossi.Numero {
		t.Errorf("pass show: %+v", p)
	}
	if !sort.SliceIsSorted(p.Storico, func(i, j int) bool { return p.Storico[i].Quando < p.Storico[j].Quando }) {
		t.Errorf("storico is not oldest first: %+v", p.Storico)
	}
	for _, h := range p.Storico {
		if _, err := time.Parse(time.RFC3339, h.Quando); err != nil || h.Azione == "" {
			t.Errorf("storico entry %+v", h)
		}
	}
	r = must(t, 0, "pass", "show", rossi.Numero, "--db", db)
	contains(t, "pass show", r.stdout, rossi.Numero, "ROSSI MARIO – RSSMRA80A01L736U", "Targhe:", "AB123CD", "Storico:",
		"      Numero: – → "+rossi.Numero)

	r = must(t, 1, "pass", "show", "L736_1999_99999", "--db", db)
	contains(t, "stderr", r.stderr, "L736_1999_99999", "non trovato")
	must(t, 1, "pass", "show", "L736_1999_99999", "--json", "--db", db)
}

// TestExport: CSV with a header, ';' and one record per pass, plate, authorised plate.
func TestExport(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	read := func(args ...string) [][]string {
		t.Helper()
		out := must(t, 0, append([]string{"export", "--db", db}, args...)...).stdout
		cr := csv.NewReader(strings.NewReader(out))
		cr.Comma = ';'
		recs, err := cr.ReadAll() // also checks every record has the header's field count
		if err != nil {
			t.Fatalf("export %s: %v\n%s", args, err, out)
		}
		return recs
	}
	col := func(recs [][]string, name string) []string {
		i := slices.Index(recs[0], name)
		if i < 0 {
			t.Fatalf("no column %s in %v", name, recs[0])
		}
		var out []string
		for _, r := range recs[1:] {
			out = append(out, r[i])
		}
		return out
	}

	passes := read("passes")
	if !slices.Equal(passes[0][:4], []string{"numero_contrassegno", "comune", "comune_rilascio", "codice_fiscale"}) {
		t.Errorf("passes header: %v", passes[0])
	}
	if len(passes) < 21 {
		t.Errorf("export passes: %d passes, want at least the 20 of the demo", len(passes)-1)
	}
	if !slices.Contains(col(passes, "codice_fiscale"), "RSSMRA80A01L736U") {
		t.Errorf("export passes without ROSSI")
	}
	for _, d := range col(passes, "data_scadenza") {
		if _, err := time.Parse("2006-01-02", d); err != nil {
			t.Errorf("data_scadenza %q not ISO", d)
		}
	}
	padova := read("passes", "--comune", "G224")
	for _, c := range col(padova, "comune") {
		if c != "G224" {
			t.Errorf("export --comune G224 lists a pass of %s", c)
		}
	}
	if len(padova) < 2 || len(padova) >= len(passes) {
		t.Errorf("export --comune G224: %d passes of %d", len(padova)-1, len(passes)-1)
	}

	plates := read("plates")
	if plates[0][0] != "targa" || !slices.Contains(col(plates, "targa"), "GD555RS") {
		t.Errorf("export plates: header %v, GD555RS missing", plates[0])
	}

	wl := read("whitelist")
	if !slices.Equal(wl[0], []string{"targa", "nazione", "valido_dal", "valido_al", "tipo", "numero_contrassegno", "comune_rilascio", "stato"}) {
		t.Errorf("whitelist header: %v", wl[0])
	}
	targhe := col(wl, "targa")
	if !slices.Contains(targhe, "AB123CD") {
		t.Errorf("whitelist today without AB123CD: %v", targhe)
	}
	if slices.Contains(targhe, "GD555RS") {
		t.Errorf("whitelist today lists GD555RS, whose window starts in 30 days")
	}
	if old := read("whitelist", "--at", "2020-01-01"); len(old) != 1 {
		t.Errorf("whitelist on 2020-01-01, before every demo pass: %d rows", len(old)-1)
	}
	future := read("whitelist", "--at", today().AddDate(0, 0, 40).Format("02/01/2006"))
	if !slices.Contains(col(future, "targa"), "GD555RS") {
		t.Errorf("whitelist in 40 days without GD555RS")
	}

	r := must(t, 1, "export", "targhe", "--db", db)
	contains(t, "stderr", r.stderr, `esportazione "targhe" sconosciuta`)
	must(t, 1, "export", "whitelist", "--at", "31/02/2024", "--db", db)
}

// verdict is `whitelist check --json` (README).
type verdict struct {
	Authorised bool   `json:"authorised"`
	Plate      string `json:"plate"`
	Country    string `json:"country"`
	Day        string `json:"day"`
	Number     string `json:"numero_contrassegno"`
	Comune     string `json:"comune"`
	Reason     string `json:"reason"`
}

func check(t *testing.T, code int, db, plate string, extra ...string) verdict {
	t.Helper()
	r := must(t, code, append([]string{"whitelist", "check", plate, "--json", "--db", db}, extra...)...)
	checkKeys(t, "whitelist check --json", r.stdout, []string{"authorised", "plate", "country", "day", "reason"}, []string{"numero_contrassegno", "comune"})
	var v verdict
	strictJSON(t, r.stdout, &v)
	if v.Reason == "" {
		t.Errorf("whitelist check %s: no reason", plate)
	}
	return v
}

func TestWhitelistCheck(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	rossi := rowOf(t, db, "ROSSI", "ROSSI MARIO")
	issued := showPass(t, db, rossi.Numero).DataRilascio

	v := check(t, 0, db, "ab 123 cd")
	if !v.Authorised || v.Plate != "AB123CD" || v.Number != rossi.Numero || v.Comune != "L736" || v.Day != today().Format("2006-01-02") {
		t.Errorf("AB123CD today: %+v", v)
	}
	r := must(t, 0, "whitelist", "check", "AB123CD", "--db", db)
	contains(t, "stdout", r.stdout, "AUTORIZZATA", rossi.Numero)

	v = check(t, 3, db, "GD555RS")
	if v.Authorised || v.Number != rossi.Numero {
		t.Errorf("GD555RS today (window starts in 30 days): %+v", v)
	}
	r = must(t, 3, "whitelist", "check", "GD555RS", "--db", db)
	contains(t, "stdout", r.stdout, "NON AUTORIZZATA")
	// A French AB123CD is another vehicle (issue #8).
	v = check(t, 3, db, "AB123CD", "--nazione", "fr")
	if v.Authorised || v.Country != "FR" || v.Number != "" {
		t.Errorf("AB123CD (FR): %+v", v)
	}
	r = must(t, 3, "whitelist", "check", "AB123CD", "--nazione", "FR", "--db", db)
	contains(t, "stdout", r.stdout, "NON AUTORIZZATA: targa AB123CD (FR)")

	// --at in the past: the day of issue (authorised), and 2020 (before the pass).
	v = check(t, 0, db, "AB123CD", "--at", issued)
	if !v.Authorised || v.Day != issued {
		t.Errorf("AB123CD on %s: %+v", issued, v)
	}
	check(t, 0, db, "AB123CD", "--at", issued+"T08:30")
	v = check(t, 3, db, "AB123CD", "--at", "2020-01-01")
	if v.Authorised || v.Day != "2020-01-01" {
		t.Errorf("AB123CD on 2020-01-01: %+v", v)
	}
	d, _ := time.Parse("2006-01-02", issued)
	check(t, 3, db, "AB123CD", "--at", d.AddDate(0, 0, -1).Format("02/01/2006"))
	v = check(t, 0, db, "GD555RS", "--at", today().AddDate(0, 0, 40).Format("2006-01-02"))
	if v.Number != rossi.Numero {
		t.Errorf("GD555RS in 40 days: %+v", v)
	}

	v = check(t, 3, db, "ZZ999ZZ")
	if v.Authorised || v.Number != "" {
		t.Errorf("unknown plate: %+v", v)
	}
	r = must(t, 1, "whitelist", "check", "AB-123!", "--db", db)
	contains(t, "stderr", r.stderr, "non valida")
	r = must(t, 1, "whitelist", "check", "AB123CD", "--at", "ieri", "--db", db)
	contains(t, "stderr", r.stderr, `istante "ieri" non valido`)
	must(t, 2, "whitelist", "verifica", "AB123CD", "--db", db)
}

func TestDeceasedImport(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	rossi := rowOf(t, db, "ROSSI", "ROSSI MARIO")
	issued := mustDate(t, showPass(t, db, rossi.Numero).DataRilascio)
	died := issued.AddDate(0, 0, 10).Format("2006-01-02") // in the past, within the pass
	if !mustDate(t, died).Before(today()) {
		t.Fatalf("the demo pass of ROSSI was issued on %s: too late for this test", issued.Format("2006-01-02"))
	}
	check(t, 0, db, "AB123CD")
	before := auditCount(t, db)

	file := write(t, "decessi.csv", []byte("codice_fiscale;data_decesso\nRSSMRA80A01L736U;"+died+"\n\nVRDLCU60D10L736K;01/01/2026\n"))
	r := must(t, 0, "deceased", "import", file, "--json", "--db", db)
	checkKeys(t, "deceased import --json", r.stdout, []string{"lines", "marked", "revoked", "unknown", "errors", "invalid"}, nil)
	var rep struct {
		Lines, Marked, Revoked, Invalid int
		Unknown                         []string
		Errors                          []struct {
			Line    int
			Message string
		}
	}
	strictJSON(t, r.stdout, &rep)
	if rep.Lines != 2 || rep.Marked != 1 || rep.Revoked != 1 || !slices.Equal(rep.Unknown, []string{"VRDLCU60D10L736K"}) || len(rep.Errors) != 0 {
		t.Errorf("deceased import: %+v", rep)
	}
	p := showPass(t, db, rossi.Numero)
	if p.Stato != "revocato" || p.StatoRegistrato != "revocato" || p.DataDecesso != died || p.StatoDal != died || p.Motivo == "" {
		t.Errorf("pass after the death: stato %s/%s, decesso %q, dal %q, motivo %q", p.Stato, p.StatoRegistrato, p.DataDecesso, p.StatoDal, p.Motivo)
	}
	v := check(t, 3, db, "AB123CD")
	if v.Authorised {
		t.Errorf("the plate of a deceased holder is authorised: %+v", v)
	}
	if n := auditCount(t, db); n <= before {
		t.Errorf("no audit entry for the death")
	}
	// The day before the death the plate was authorised (history is kept).
	check(t, 0, db, "AB123CD", "--at", mustDate(t, died).AddDate(0, 0, -1).Format("2006-01-02"))
	check(t, 3, db, "AB123CD", "--at", died)

	// Importing the same list again marks nobody twice.
	r = must(t, 0, "deceased", "import", file, "--db", db)
	contains(t, "stdout", r.stdout, "2 righe")
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatalf("date %q: %v", s, err)
	}
	return d
}

// TestDeceasedImportBadLine: one bad line refuses the whole list.
func TestDeceasedImportBadLine(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	rossi := rowOf(t, db, "ROSSI", "ROSSI MARIO")
	before := auditCount(t, db)
	passes := must(t, 0, "export", "passes", "--db", db).stdout
	file := filepath.Join("testdata", "decessi-errati.txt")

	r := must(t, 1, "deceased", "import", file, "--json", "--db", db)
	var rep struct {
		Lines, Marked, Revoked int
		Errors                 []struct {
			Line    int    `json:"line"`
			Message string `json:"message"`
		}
	}
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("deceased import --json: %v\n%s", err, r)
	}
	if rep.Marked != 0 || rep.Revoked != 0 || len(rep.Errors) != 1 || rep.Errors[0].Line != 4 || !strings.Contains(rep.Errors[0].Message, "codice fiscale") {
		t.Errorf("deceased import of a bad list: %+v, want one error on line 4 and nothing marked", rep)
	}
	r = must(t, 1, "deceased", "import", file, "--db", db)
	contains(t, "stdout", r.stdout, "riga 4:")
	contains(t, "stderr", r.stderr, "nessun decesso registrato")

	if p := showPass(t, db, rossi.Numero); p.Stato != "attivo" || p.DataDecesso != "" {
		t.Errorf("pass after a refused list: stato %s, decesso %q", p.Stato, p.DataDecesso)
	}
	check(t, 0, db, "AB123CD")
	if n := auditCount(t, db); n != before {
		t.Errorf("audit entries: %d, want %d", n, before)
	}
	if after := must(t, 0, "export", "passes", "--db", db).stdout; after != passes {
		t.Errorf("a refused list changed the passes")
	}
	r = must(t, 1, "deceased", "import", filepath.Join(t.TempDir(), "manca.txt"), "--db", db)
	contains(t, "stderr", r.stderr, "impossibile leggere")
}
