//go:build !lean

package main

import (
	"bytes"
	"encoding/csv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportKilled kills an import in the middle of its transaction (SIGKILL at the first
// progress line) and checks that the register is as it was; then the same import runs to
// completion. It is first in the package because it is the longest.
func TestImportKilled(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	big := filepath.Join(dir, "regione.csv")
	gen := exec.Command("go", "run", "../../bench/genregion", "-passes", "30000", "-out", big)
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("genregion: %v\n%s", err, out)
	}
	first, middle := sampleNumbers(t, big, 500)

	db := newDB(t, "L736")
	before := auditCount(t, db)
	progress := killAtProgress(t, "avanzamento: ", "import", "--progress", "--db", db, big)
	if !strings.HasSuffix(progress, "/30000") || progress == "avanzamento: 30000/30000" {
		t.Fatalf("progress line %q: want avanzamento: N/30000 with N < 30000", progress)
	}

	r := must(t, 0, "store", "verify", "--db", db)
	contains(t, "store verify", r.stdout, "Database coerente")
	if n := auditCount(t, db); n != before {
		t.Errorf("audit entries after the kill: %d, want %d", n, before)
	}
	mustFindNone(t, db, first)
	mustFindNone(t, db, middle)
	if out := lines(must(t, 0, "export", "passes", "--db", db).stdout); len(out) != 1 {
		t.Errorf("export passes after the kill: %d lines, want the header only", len(out))
	}

	rep := importJSON(t, 0, db, big)
	if rep.Imported != 30000 || rep.Rows != 30000 || rep.Valid != 30000 || len(rep.Errors) != 0 {
		t.Errorf("import after the kill: rows %d valid %d imported %d errors %d, want 30000 imported",
			rep.Rows, rep.Valid, rep.Imported, len(rep.Errors))
	}
	if len(search(t, db, first).Rows) == 0 || len(search(t, db, middle).Rows) == 0 {
		t.Errorf("passes %s and %s not found after the import", first, middle)
	}
	if n := auditCount(t, db); n != before+1 {
		t.Errorf("audit entries after the import: %d, want %d", n, before+1)
	}
	must(t, 0, "store", "verify", "--db", db)
}

// sampleNumbers reads numero_pass of the first data row and of data row n.
func sampleNumbers(t *testing.T, file string, n int) (first, nth string) {
	t.Helper()
	f, err := os.Open(file)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	hdr, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := -1
	for i, h := range hdr {
		if h == "numero_pass" {
			col = i
		}
	}
	if col < 0 {
		t.Fatalf("%s: no numero_pass column", file)
	}
	for i := 1; i <= n; i++ {
		rec, err := r.Read()
		if err != nil {
			t.Fatal(err)
		}
		if i == 1 {
			first = rec[col]
		}
		nth = rec[col]
	}
	return first, nth
}

func TestImportTemplate(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	tpl := must(t, 0, "template-csv", "--db", db).stdout
	recs := lines(tpl)
	if len(recs) != 2 || !strings.HasPrefix(recs[0], "codice_fiscale;cognome;nome;") {
		t.Fatalf("template-csv: want a header and one example row, got:\n%s", tpl)
	}
	cf := strings.Split(recs[1], ";")[0]
	before := auditCount(t, db)

	file := write(t, "modello.csv", []byte(tpl))
	rep := importJSON(t, 0, db, file, "--dry-run")
	if rep.Valid != 1 || len(rep.Errors) != 0 || rep.Imported != 0 || rep.Rows != 1 {
		t.Errorf("dry run of the template: %+v, want valid 1, no errors, imported 0", rep)
	}
	mustFindNone(t, db, cf)
	if n := auditCount(t, db); n != before {
		t.Errorf("a dry run wrote to the audit log: %d entries, want %d", n, before)
	}
	r := must(t, 0, "import", "--dry-run", "--db", db, file)
	contains(t, "stdout", r.stdout, "nessuna modifica")
	mustFindNone(t, db, cf)
}

func TestImportSample(t *testing.T) {
	t.Parallel()
	sample := filepath.Join(sharedDir(t), "samples", "legacy", "pregresso-esempio.csv")
	if _, err := os.Stat(sample); err != nil {
		t.Fatalf("sample file missing: %v", err)
	}
	db := newDB(t, "L736")
	before := auditCount(t, db)

	rep := importJSON(t, 0, db, sample)
	if rep.Imported != 3 || rep.Valid != 3 || rep.Skipped != 0 || rep.Rows != 3 || len(rep.Errors) != 0 {
		t.Errorf("first import: %+v, want 3 imported", rep)
	}
	if rep.Encoding != "UTF-8" || rep.Separator != ";" {
		t.Errorf("encoding %q separator %q, want UTF-8 and ;", rep.Encoding, rep.Separator)
	}
	after := auditCount(t, db)
	if after != before+1 {
		t.Errorf("audit entries after the import: %d, want %d", after, before+1)
	}

	rep = importJSON(t, 0, db, sample)
	if rep.Imported != 0 || rep.Skipped != 3 || rep.Valid != 3 || len(rep.Errors) != 0 {
		t.Errorf("second import: %+v, want imported 0, skipped 3", rep)
	}
	if n := auditCount(t, db); n != after {
		t.Errorf("importing the same file again changed the audit log: %d entries, want %d", n, after)
	}
	r := must(t, 0, "import", "--db", db, sample)
	contains(t, "stdout", r.stdout, "3 già presenti", "Importati: 0 contrassegni")

	rows := search(t, db, "ROSSI").Rows
	if len(rows) != 1 || rows[0].Numero != "L736_2021_00042" || rows[0].Canale != "import" {
		t.Errorf("search ROSSI after the import: %+v, want L736_2021_00042 once, canale import", rows)
	}
	p := showPass(t, db, "VE-1234")
	if p.Nome != "NICOLÒ" || p.Cognome != "ZANON" || p.Canale != "import" || p.Stato != "attivo" {
		t.Errorf("VE-1234: %s %s canale %s stato %s, want ZANON NICOLÒ, import, attivo", p.Cognome, p.Nome, p.Canale, p.Stato)
	}
	if len(p.Targhe) != 2 {
		t.Errorf("VE-1234 has %d plates, want 2", len(p.Targhe))
	}
	must(t, 0, "store", "verify", "--db", db)
}

// cp1252 is a register saved by a spreadsheet on Windows: ZANON NICOLÒ born in FORLÌ,
// in Windows-1252 (Ò = 0xD2, Ì = 0xCC) with CRLF line ends.
var cp1252 = []byte("codice_fiscale;cognome;nome;data_nascita;luogo_nascita;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\r\n" +
	"ZNNNCL50T05D704Y;ZANON;NICOL\xd2;05/12/1950;FORL\xcc;VENEZIA;VE-0100;P;01/02/2024;01/02/2029\r\n")

func TestImportWindows1252(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	file := write(t, "pregresso-windows.csv", cp1252)
	rep := importJSON(t, 0, db, file)
	if rep.Imported != 1 || rep.Encoding != "Windows-1252" {
		t.Errorf("import: %+v, want 1 imported, encoding Windows-1252", rep)
	}
	r := must(t, 0, "pass", "show", "VE-0100", "--db", db)
	contains(t, "pass show", r.stdout, "ZANON NICOLÒ", "FORLÌ")
	if p := showPass(t, db, "VE-0100"); p.Nome != "NICOLÒ" {
		t.Errorf("nome %q, want NICOLÒ", p.Nome)
	}
}

// TestImportRefusedFiles: files that cannot be imported at all are refused with a clear
// Italian message, in text and in JSON, and nothing is written.
func TestImportRefusedFiles(t *testing.T) {
	t.Parallel()
	garbage := make([]byte, 4096)
	x := uint32(1)
	for i := range garbage {
		x = x*1664525 + 1013904223
		garbage[i] = byte(x >> 24)
	}
	garbage[100] = 0
	utf16 := []byte{0xFF, 0xFE}
	for _, c := range "codice_fiscale;cognome\r\n" {
		utf16 = append(utf16, byte(c), 0)
	}
	// UTF-8 (NICOLÒ as C3 92) with one Windows-1252 byte (FORLÌ as CC): a file pasted
	// together from two sources. Taking it as Windows-1252 would turn NICOLÒ into NICOLÃ’.
	mixed := []byte("codice_fiscale;cognome;nome;data_nascita;luogo_nascita;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\n" +
		"ZNNNCL50T05D704Y;ZANON;NICOL\xc3\x92;05/12/1950;FORL\xcc;VENEZIA;VE-0101;P;01/02/2024;01/02/2029\n")
	// UTF-8 with BOM, and one Windows-1252 byte (Ò as D2): NICOLÒ must not become NICOL�.
	bom := []byte("\xef\xbb\xbfcodice_fiscale;cognome;nome;data_nascita;luogo_nascita;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\n" +
		"ZNNNCL50T05D704Y;ZANON;NICOL\xd2;05/12/1950;FORLÌ;VENEZIA;VE-0102;P;01/02/2024;01/02/2029\n")
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cases := []struct {
		name string
		data []byte
		want []string // in the message, case-insensitive
		find string   // a holder of the file: never in the register
	}{
		{"dati binari", garbage, []string{"non è un CSV", "binari"}, ""},
		{"foglio excel", append([]byte("PK\x03\x04"), garbage[:200]...), []string{"non è un CSV", "Excel"}, ""},
		{"utf-16", utf16, []string{"UTF-16"}, ""},
		{"codifica mista", mixed, []string{"codifica"}, "ZNNNCL50T05D704Y"},
		{"BOM e byte non UTF-8", bom, []string{"codifica"}, "ZNNNCL50T05D704Y"},
		{"vuoto", []byte("\n\n"), []string{"vuoto"}, ""},
		{"manca colonna", read("manca-colonna.csv"), []string{"manca la colonna obbligatoria data_scadenza"}, "VRDLCU60D10L736K"},
		{"colonna sconosciuta", read("colonna-sconosciuta.csv"), []string{"colonna sconosciuta", "colore_auto"}, "VRDLCU60D10L736K"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			db := newDB(t, "L736")
			before := auditCount(t, db)
			file := write(t, "file.csv", c.data)
			r := must(t, 1, "import", "--db", db, file)
			msg := strings.ToLower(r.stdout + r.stderr)
			for _, w := range c.want {
				if !strings.Contains(msg, strings.ToLower(w)) {
					t.Errorf("message does not say %q:\n%s", w, r)
				}
			}
			if strings.Contains(r.stdout, "Importati") {
				t.Errorf("stdout claims an import:\n%s", r)
			}
			// In JSON the reason is in errors, for scripts.
			rep := importJSON(t, 1, db, file)
			if rep.Imported != 0 || len(rep.Errors) == 0 {
				t.Errorf("import --json: imported %d, %d errors: want 0 imported and the reason in errors", rep.Imported, len(rep.Errors))
			}
			for _, e := range rep.Errors {
				if e.Message == "" {
					t.Errorf("error without message: %+v", e)
				}
			}
			importJSON(t, 1, db, file, "--valid-only")
			if n := auditCount(t, db); n != before {
				t.Errorf("audit entries: %d, want %d", n, before)
			}
			if c.find != "" {
				mustFindNone(t, db, c.find)
			}
			if out := lines(must(t, 0, "export", "passes", "--db", db).stdout); len(out) != 1 {
				t.Errorf("passes in the register after a refused file: %d lines", len(out)-1)
			}
		})
	}
}

// TestImportRowErrors: a file with bad rows is refused as a whole, every error listed
// by row and column; --valid-only then imports the good row only.
func TestImportRowErrors(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	file := filepath.Join("testdata", "righe-errate.csv")
	before := auditCount(t, db)

	rep := importJSON(t, 1, db, file)
	want := []struct {
		row    int
		column string
		says   string
	}{
		{3, "codice_fiscale", "carattere di controllo"},
		{4, "data_rilascio", "31/02/2024"},
		{5, "data_scadenza", "01/01/2024"},
	}
	if len(rep.Errors) != len(want) {
		t.Fatalf("errors: %+v, want %d", rep.Errors, len(want))
	}
	for i, w := range want {
		e := rep.Errors[i]
		if e.Row != w.row || e.Column != w.column || !strings.Contains(e.Message, w.says) {
			t.Errorf("error %d: %+v, want row %d column %s saying %q", i, e, w.row, w.column, w.says)
		}
	}
	if rep.Valid != 1 || rep.Imported != 0 || rep.Rows != 4 {
		t.Errorf("report: valid %d imported %d rows %d, want 1, 0, 4", rep.Valid, rep.Imported, rep.Rows)
	}
	r := must(t, 1, "import", "--db", db, file)
	contains(t, "stdout", r.stdout, "riga 3, colonna codice_fiscale:", "riga 4, colonna data_rilascio:", "riga 5, colonna data_scadenza:")
	contains(t, "stderr", r.stderr, "nessuna riga importata")
	for _, cf := range []string{"VRDLCU60D10L736K", "NREPLA45P70L736G", "GLLNNA70A45L736O", "VE-000"} {
		mustFindNone(t, db, cf)
	}
	if n := auditCount(t, db); n != before {
		t.Errorf("audit entries after a refused import: %d, want %d", n, before)
	}

	rep = importJSON(t, 0, db, file, "--valid-only") // the valid rows were imported as asked
	if rep.Imported != 1 || len(rep.Errors) != 3 {
		t.Errorf("--valid-only: imported %d with %d errors, want 1 and 3", rep.Imported, len(rep.Errors))
	}
	if rows := search(t, db, "VRDLCU60D10L736K").Rows; len(rows) != 1 || rows[0].Numero != "VE-0001" {
		t.Errorf("the valid row was not imported: %+v", rows)
	}
	for _, text := range []string{"NREPLA45P70L736G", "GLLNNA70A45L736O", "VE-0002", "VE-0003", "VE-0004"} {
		mustFindNone(t, db, text)
	}
	if n := auditCount(t, db); n != before+1 {
		t.Errorf("audit entries after --valid-only: %d, want %d", n, before+1)
	}
	if !bytes.Contains([]byte(must(t, 0, "export", "passes", "--db", db).stdout), []byte("VE-0001;L736")) {
		t.Errorf("export passes does not list VE-0001")
	}
}

// Issue #8 through the command line: the real codes of the issue import with no error
// and no warning, born in the right century, and `pass show` names a ceased state and a
// comune that no longer exists.
func TestImportRealCodes(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	head := "codice_fiscale;cognome;nome;sesso;data_nascita;luogo_nascita;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\n"
	rows := []string{
		"CNTFNC84R44H5L1E;CONTI;FRANCESCA;;;;VENEZIA;L736_2024_00101;P;15/03/2024;15/03/2029",
		"MCHFDA07A01D877A;MACHI;FADIA;;;;VENEZIA;L736_2024_00102;P;15/03/2024;15/03/2029",
		"BNCLCU50C52D244Z;BIANCHI;LUCIA;F;12/03/1950;DAIRAGO;VENEZIA;L736_2024_00103;P;15/03/2024;15/03/2029",
		"PTRMLN60E05Z118L;PETROVIC;MILAN;;;JUGOSLAVIA;VENEZIA;L736_2024_00104;P;15/03/2024;15/03/2029",
	}
	file := write(t, "reali.csv", []byte(head+strings.Join(rows, "\n")+"\n"))
	rep := importJSON(t, 0, db, file)
	if rep.Imported != 4 || len(rep.Errors) != 0 || len(rep.Warnings) != 0 {
		t.Fatalf("import: %+v, want 4 imported, no error, no warning", rep)
	}
	for number, want := range map[string][]string{
		"L736_2024_00102": {"01/01/1907 a GALLICO (RC)"},
		"L736_2024_00104": {"05/05/1960 in REPUBBLICA SOCIALISTA FEDERALE DI JUGOSLAVIA"},
		"L736_2024_00101": {"04/10/1984 a ROMA (RM)"},
	} {
		r := must(t, 0, "pass", "show", number, "--db", db)
		contains(t, "pass show "+number, r.stdout, want...)
	}
}
