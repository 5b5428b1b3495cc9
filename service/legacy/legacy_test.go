package legacy

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
)

var today = domain.MustDate(2025, time.June, 1)

func mustParse(t *testing.T, data []byte) *File {
	t.Helper()
	f, err := Parse(data, today)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	return f
}

func testdata(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// sharedSample finds ../shared/samples/legacy/pregresso-esempio.csv by walking up from
// the package directory. The shared directory is part of every checkout's surroundings:
// its absence is a failure, not a reason to skip.
func sharedSample(t *testing.T) []byte {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "samples", "legacy", "pregresso-esempio.csv")
		if b, err := os.ReadFile(p); err == nil {
			return b
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("shared/samples/legacy/pregresso-esempio.csv not found above the package directory")
		}
		dir = parent
	}
}

// findError is the error on row and column whose message contains substr.
func findError(f *File, row int, column, substr string) (RowError, bool) {
	for _, e := range f.Errors {
		if e.Row == row && e.Column == column && strings.Contains(e.Message, substr) {
			return e, true
		}
	}
	return RowError{}, false
}

func wantError(t *testing.T, f *File, row int, column, substr string) {
	t.Helper()
	if _, ok := findError(f, row, column, substr); !ok {
		t.Errorf("no error at row %d, column %q containing %q; errors: %s", row, column, substr, dumpErrors(f))
	}
}

func wantNoErrors(t *testing.T, f *File) {
	t.Helper()
	if len(f.Errors) > 0 {
		t.Fatalf("unexpected errors: %s", dumpErrors(f))
	}
}

func dumpErrors(f *File) string {
	var b strings.Builder
	for _, e := range f.Errors {
		b.WriteString("\n\t" + e.Error())
	}
	if b.Len() == 0 {
		return "none"
	}
	return b.String()
}

func wantFileError(t *testing.T, data []byte, substrs ...string) {
	t.Helper()
	f, err := Parse(data, today)
	if err == nil {
		t.Fatalf("no file error; got %d rows, errors: %s", len(f.Rows), dumpErrors(f))
	}
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("error %v is not a *FileError", err)
	}
	for _, s := range substrs {
		if !strings.Contains(err.Error(), s) {
			t.Errorf("file error %q does not contain %q", err, s)
		}
	}
}

// rowCSV is the template header and one row per map: the template's example values with
// the map's changes.
func rowCSV(changes ...map[string]string) []byte {
	var b strings.Builder
	names := make([]string, numCols)
	for i, d := range columnDocs {
		names[i] = d.Name
	}
	b.WriteString(strings.Join(names, ";") + "\n")
	for _, ch := range changes {
		vals := make([]string, numCols)
		for i, d := range columnDocs {
			vals[i] = d.Example
			if v, ok := ch[d.Name]; ok {
				vals[i] = v
			}
		}
		b.WriteString(strings.Join(vals, ";"))
		if extra, ok := ch[""]; ok { // values beyond the header
			b.WriteString(";" + extra)
		}
		b.WriteString("\n")
	}
	return []byte(b.String())
}

func TestSharedSample(t *testing.T) {
	f := mustParse(t, sharedSample(t))
	wantNoErrors(t, f)
	if len(f.Rows) != 3 || f.Records != 3 {
		t.Fatalf("%d rows, %d records; want 3 and 3", len(f.Rows), f.Records)
	}
	if f.Encoding != EncodingUTF8 || f.Separator != ';' {
		t.Errorf("encoding %q separator %q", f.Encoding, f.Separator)
	}
	z := f.Rows[2]
	if z.Line != 4 || z.Person.Nome != "NICOLÒ" || z.Person.Cognome != "ZANON" || z.Person.LuogoNascita != "G224" ||
		z.Person.ComuneResidenza != "L736" || z.Number != "VE-1234" || z.PreviousNumber != "VE-0999" {
		t.Errorf("row 4: %+v", z)
	}
	if len(z.Plates) != 2 || z.Plates[0].Number != "FG456HJ" || z.Plates[0].Role != domain.RolePrincipale ||
		!z.Plates[0].To.Equal(domain.MustDate(2026, 12, 31)) || !z.Plates[1].From.Equal(domain.MustDate(2027, 1, 1)) ||
		!z.Plates[1].To.IsZero() || z.Plates[1].Role != domain.RoleNone {
		t.Errorf("row 4 plates: %+v", z.Plates)
	}
	b := f.Rows[1]
	if b.State != domain.Scaduto || b.Kind != domain.Temporaneo || b.Consent || b.Note != "vecchio permesso temporaneo" || len(b.Plates) != 0 {
		t.Errorf("row 3: %+v", b)
	}
	r := f.Rows[0]
	if !r.Consent || r.State != domain.Attivo || r.Person.Email != "mario.rossi@example.it" || r.CFWarning != "" ||
		len(r.Plates) != 1 || r.Plates[0].Class != domain.PlateAuto || !r.Plates[0].From.Equal(r.DataDecorrenza) {
		t.Errorf("row 2: %+v", r)
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	tpl := Template()
	if !strings.HasPrefix(string(tpl), "codice_fiscale;cognome;nome;sesso;") || !strings.Contains(string(tpl), "RSSMRA80A01L736U;ROSSI;MARIO") {
		t.Fatalf("template: %s", tpl)
	}
	for _, day := range []domain.Date{today, domain.MustDate(2035, 1, 1)} {
		f, err := Parse(tpl, day)
		if err != nil {
			t.Fatal(err)
		}
		wantNoErrors(t, f)
		if len(f.Rows) != 1 || len(f.Rows[0].Warnings) != 0 || f.Rows[0].CFWarning != "" {
			t.Fatalf("template rows: %+v", f.Rows)
		}
		if len(f.Columns) != len(Columns()) {
			t.Errorf("template has %d columns, Columns() %d", len(f.Columns), len(Columns()))
		}
	}
}

func TestColumns(t *testing.T) {
	var required []string
	for _, c := range Columns() {
		if c.Required {
			required = append(required, c.Name)
		}
		if c.Description == "" {
			t.Errorf("%s has no description", c.Name)
		}
	}
	want := []string{"codice_fiscale", "cognome", "nome", "comune_residenza", "numero_pass", "tipo_pass", "data_rilascio", "data_scadenza"}
	if !reflect.DeepEqual(required, want) {
		t.Errorf("required %v, want %v", required, want)
	}
	cols := Columns()
	cols[0].Name = "changed"
	if Columns()[0].Name != "codice_fiscale" {
		t.Error("Columns shares its table with the caller")
	}
}

func TestWindows1252(t *testing.T) {
	data := testdata(t, "windows1252.csv")
	if strings.Contains(string(data), "Ò") {
		t.Fatal("testdata/windows1252.csv must hold Windows-1252 bytes, not UTF-8")
	}
	f := mustParse(t, data)
	wantNoErrors(t, f)
	if f.Encoding != Encoding1252 || len(f.Rows) != 2 {
		t.Fatalf("encoding %q, %d rows", f.Encoding, len(f.Rows))
	}
	p := f.Rows[0].Person
	if p.Cognome != "D'ANDREA" || p.Nome != "NICOLÒ" || p.LuogoNascita != "D704" || p.Indirizzo != "VIA DELL'ORTO 3" || f.Rows[0].CFWarning != "" {
		t.Errorf("row 2: %+v", p)
	}
	if !strings.Contains(f.Rows[0].Note, "16 €") {
		t.Errorf("note %q: the euro sign is 0x80 in Windows-1252", f.Rows[0].Note)
	}
	if pl, _ := domain.ComuneAt(p.LuogoNascita, p.DataNascita); pl.Name != "FORLÌ" {
		t.Errorf("birthplace %+v", pl)
	}
	q := f.Rows[1].Person
	if q.Cognome != "ZANON" || q.Nome != "NICOLÒ" || q.ComuneResidenza != "G224" || q.Indirizzo != "PIAZZA DELLA LIBERTÀ 1" {
		t.Errorf("row 3: %+v", q)
	}
	if d := f.Rows[1].DataRilascio; !d.Equal(domain.MustDate(2024, 2, 1)) {
		t.Errorf("d/m/yyyy date read as %s", d)
	}
}

func TestUTF8BOM(t *testing.T) {
	f := mustParse(t, testdata(t, "utf8-bom.csv"))
	wantNoErrors(t, f)
	if f.Encoding != EncodingUTF8BOM || len(f.Rows) != 1 || f.Columns[0] != "codice_fiscale" {
		t.Fatalf("encoding %q, %d rows, columns %v", f.Encoding, len(f.Rows), f.Columns)
	}
	r := f.Rows[0]
	if r.Person.Nome != "NICOLÒ" || r.Person.ComuneResidenza != "D704" || r.Plates[0].Number != "FG456HJ" ||
		!r.DataScadenza.Equal(domain.MustDate(2029, 2, 1)) || r.Person.Sesso != "M" || !r.Person.DataNascita.Equal(domain.MustDate(1950, 12, 5)) {
		t.Errorf("row: %+v", r)
	}
}

func TestCommaSeparator(t *testing.T) {
	f := mustParse(t, testdata(t, "comma.csv"))
	wantNoErrors(t, f)
	if f.Separator != ',' || len(f.Rows) != 2 {
		t.Fatalf("separator %q, %d rows", f.Separator, len(f.Rows))
	}
	if f.Rows[0].Person.Indirizzo != "VIA ROMA, 12" || f.Rows[0].Note != "note, con virgole" || f.Rows[1].Person.ComuneResidenza != "L736" {
		t.Errorf("rows: %+v", f.Rows)
	}
}

func TestQuotedNewlineRowNumbers(t *testing.T) {
	f := mustParse(t, testdata(t, "multiline.csv"))
	if len(f.Rows) != 3 || f.Records != 4 {
		t.Fatalf("%d rows, %d records; errors: %s", len(f.Rows), f.Records, dumpErrors(f))
	}
	if got := f.Rows[1].Note; got != "nota su tre righe;\ncon il separatore\ne le \"virgolette\"" {
		t.Errorf("note %q", got)
	}
	// The multi-line note sits on row 3 (text lines 3-5): the next row is 4, not 6.
	if len(f.Errors) != 1 {
		t.Fatalf("errors: %s", dumpErrors(f))
	}
	wantError(t, f, 4, "tipo_pass", `"X" non valido`)
	if f.Rows[2].Line != 5 || f.Rows[2].Person.Cognome != "NERI" {
		t.Errorf("last row: line %d %s", f.Rows[2].Line, f.Rows[2].Person.Cognome)
	}
}

func TestBlankLines(t *testing.T) {
	f := mustParse(t, testdata(t, "blank-lines.csv"))
	if f.Records != 2 || len(f.Rows) != 1 || f.Rows[0].Line != 3 {
		t.Fatalf("records %d, rows %+v", f.Records, f.Rows)
	}
	// Blank rows count, as in the spreadsheet: header on row 2, VERDI on row 7.
	wantError(t, f, 7, "data_scadenza", "31/04/2029")
	if len(f.Errors) != 1 {
		t.Errorf("errors: %s", dumpErrors(f))
	}
}

func TestTrailingEmptyColumns(t *testing.T) {
	f := mustParse(t, testdata(t, "trailing-columns.csv"))
	wantNoErrors(t, f)
	if len(f.Rows) != 3 || len(f.Columns) != 8 {
		t.Fatalf("%d rows, columns %v", len(f.Rows), f.Columns)
	}
}

func TestLineEndingsAndQuotes(t *testing.T) {
	lf := string(rowCSV(map[string]string{"note": "una"}, map[string]string{"codice_fiscale": "BNCGNN75L63L736M", "cognome": "BIANCHI", "nome": "GIOVANNA", "sesso": "F",
		"data_nascita": "23/07/1975", "numero_pass": "L736_2025_00043"}))
	for name, data := range map[string]string{
		"Excel sep line":    "sep=;\n" + lf,
		"LF":                lf,
		"CRLF":              strings.ReplaceAll(lf, "\n", "\r\n"),
		"CR only":           strings.ReplaceAll(lf, "\n", "\r"),
		"no final line end": strings.TrimSuffix(lf, "\n"),
	} {
		t.Run(name, func(t *testing.T) {
			f := mustParse(t, []byte(data))
			wantNoErrors(t, f)
			if len(f.Rows) != 2 || f.Rows[1].Line != 3 || f.Rows[0].Note != "una" || f.Rows[1].Person.Nome != "GIOVANNA" {
				t.Fatalf("rows: %+v", f.Rows)
			}
		})
	}
	t.Run("quotes", func(t *testing.T) {
		f := mustParse(t, rowCSV(
			map[string]string{"indirizzo_residenza": `"VIA ""ROMA"" 1"`, "note": `  "a;b"`},
			map[string]string{"codice_fiscale": "BNCGNN75L63L736M", "cognome": "BIANCHI", "nome": "GIOVANNA", "sesso": "F", "data_nascita": "23/07/1975",
				"numero_pass": "L736_2025_00043", "indirizzo_residenza": `VIA "ROMA" 2`, "note": "\"multi\r\nriga\""},
		))
		wantNoErrors(t, f)
		if got := f.Rows[0].Person.Indirizzo; got != `VIA "ROMA" 1` {
			t.Errorf("doubled quotes: %q", got)
		}
		if got := f.Rows[0].Note; got != "a;b" {
			t.Errorf("quoted separator after blanks: %q", got)
		}
		if got := f.Rows[1].Person.Indirizzo; got != `VIA "ROMA" 2` {
			t.Errorf("quotes inside an unquoted field: %q", got)
		}
		if got := f.Rows[1].Note; got != "multi\nriga" {
			t.Errorf("CRLF inside quotes: %q", got)
		}
	})
	t.Run("unclosed quote", func(t *testing.T) {
		f := mustParse(t, rowCSV(
			map[string]string{"note": `"non chiusa`},
			map[string]string{"codice_fiscale": "BNCGNN75L63L736M", "cognome": "BIANCHI", "nome": "GIOVANNA", "sesso": "F", "data_nascita": "23/07/1975", "numero_pass": "L736_2025_00043"},
		))
		wantError(t, f, 2, "", "virgolette")
		if len(f.Rows) != 1 || f.Rows[0].Line != 3 {
			t.Errorf("the rows after an unclosed quote are read: %+v", f.Rows)
		}
	})
}

func TestHeaderForms(t *testing.T) {
	// Case, blanks, spaces for underscores, free order.
	data := " Numero_Pass ;CODICE FISCALE;Cognome;nome;tipo_pass;data_rilascio;data_scadenza;Comune_Residenza\n" +
		"L736_2025_00001;RSSMRA80A01L736U;rossi;mario;p;15/03/2025;15/03/2030;venezia\n"
	f := mustParse(t, []byte(data))
	wantNoErrors(t, f)
	r := f.Rows[0]
	if r.Number != "L736_2025_00001" || r.Person.Cognome != "ROSSI" || r.Kind != domain.Permanente || r.Person.ComuneResidenza != "L736" ||
		r.Person.LuogoNascita != "L736" || r.Person.Sesso != "M" || !r.DataDecorrenza.Equal(r.DataRilascio) || r.State != domain.Attivo {
		t.Errorf("row: %+v", r)
	}
	if f.Columns[0] != "numero_pass" || f.Columns[1] != "codice_fiscale" {
		t.Errorf("columns %v", f.Columns)
	}
}

func TestHeaderOnly(t *testing.T) {
	f := mustParse(t, []byte(strings.SplitAfter(string(Template()), "\n")[0]))
	if f.Records != 0 || len(f.Rows) != 0 || len(f.Errors) != 0 {
		t.Errorf("%+v", f)
	}
}

func TestFileErrors(t *testing.T) {
	hdr := "codice_fiscale;cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza"
	row := "RSSMRA80A01L736U;ROSSI;MARIO;VENEZIA;L736_2025_00001;P;15/03/2025;15/03/2030"
	cases := []struct {
		name string
		data string
		want []string
	}{
		{"empty file", "", []string{"vuoto"}},
		{"blanks only", " \r\n\r\n\t\n", []string{"vuoto"}},
		{"separators only", ";;;\n;;;\n", []string{"manca anche la riga di intestazione"}},
		{"no header", row + "\n" + row + "\n", []string{"manca la riga di intestazione"}},
		{"unknown column", hdr + ";targa5\n" + row + ";AB123CD\n", []string{`colonna sconosciuta "targa5"`, `forse "targa_1"`}},
		{"unknown columns", hdr + ";colore;Targa 5 dal\n", []string{`colonne sconosciute "colore", "Targa 5 dal"`, `forse "targa_1_dal"`}},
		{"missing required column", "codice_fiscale;cognome;nome;comune_residenza;tipo_pass;data_rilascio\n" + row + "\n",
			[]string{"mancano le colonne obbligatorie numero_pass, data_scadenza"}},
		{"missing one required column", strings.Replace(hdr, ";cognome", "", 1) + "\n", []string{"manca la colonna obbligatoria cognome"}},
		{"duplicated column", hdr + ";Cognome\n" + row + ";ROSSI\n", []string{`la colonna "cognome" compare due volte (colonne 2 e 9)`}},
		{"column without a name", "codice_fiscale;;cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\n",
			[]string{"la colonna 2 dell'intestazione non ha nome"}},
		{"tab separated", strings.ReplaceAll(hdr, ";", "\t") + "\n", []string{"tabulazioni"}},
		{"xlsx", "PK\x03\x04\x14\x00\x06\x00", []string{"non è un CSV", ".xlsx"}},
		{"xls", "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", []string{".xls"}},
		{"binary", hdr + "\n\x00\x01\x02", []string{"non è un CSV"}},
		{"UTF-16", "\xff\xfec\x00o\x00", []string{"UTF-16"}},
		{"Excel sep line with tab", "sep=\t\n" + hdr + "\n", []string{"sep="}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { wantFileError(t, []byte(c.data), c.want...) })
	}
	if _, err := Parse(Template(), domain.Date{}); err == nil {
		t.Error("a zero today is refused")
	}
}

func TestRowErrors(t *testing.T) {
	type want struct{ column, substr string }
	cases := []struct {
		name    string
		changes map[string]string
		want    []want
	}{
		{"bad CF check character", map[string]string{"codice_fiscale": "RSSMRA80A01L736X"}, []want{{"codice_fiscale", "carattere di controllo dovrebbe essere U"}}},
		{"bad CF syntax", map[string]string{"codice_fiscale": "RSSMRA80A01L73"}, []want{{"codice_fiscale", "lunghezza 14 invece di 16"}}},
		{"bad CF month", map[string]string{"codice_fiscale": "RSSMRA80K01L736U"}, []want{{"codice_fiscale", "lettera di mese"}}},
		{"missing CF", map[string]string{"codice_fiscale": ""}, []want{{"codice_fiscale", "mancante"}}},
		{"missing cognome", map[string]string{"cognome": ""}, []want{{"cognome", "obbligatorio"}}},
		{"missing nome", map[string]string{"nome": "  "}, []want{{"nome", "obbligatorio"}}},
		{"bad sesso", map[string]string{"sesso": "X"}, []want{{"sesso", "usare M o F"}}},
		{"impossible date", map[string]string{"data_rilascio": "31/02/2024"}, []want{{"data_rilascio", `"31/02/2024" impossibile`}}},
		{"month 13", map[string]string{"data_scadenza": "2024/13/01"}, []want{{"data_scadenza", "il mese 13 non esiste"}}},
		{"two-digit year", map[string]string{"data_decorrenza": "15/03/25"}, []want{{"data_decorrenza", "quattro cifre"}}},
		{"not a date", map[string]string{"data_nascita": "ieri"}, []want{{"data_nascita", `"ieri" non valida`}}},
		{"missing rilascio", map[string]string{"data_rilascio": ""}, []want{{"data_rilascio", "manca la data di rilascio"}}},
		{"missing scadenza", map[string]string{"data_scadenza": ""}, []want{{"data_scadenza", "manca la data di scadenza"}}},
		{"expiry before decorrenza", map[string]string{"data_scadenza": "01/01/2025"}, []want{{"data_scadenza", "non è successiva alla decorrenza"}}},
		{"expiry before issue", map[string]string{"data_decorrenza": "01/01/2020", "data_scadenza": "01/01/2025"}, []want{{"data_scadenza", "precede il rilascio"}}},
		{"permanent over 5 years", map[string]string{"data_scadenza": "15/03/2035"}, []want{{"data_scadenza", "al più 5 anni"}}},
		{"birth in the future", map[string]string{"data_nascita": "01/01/2080", "codice_fiscale": "RSSMRA80A01L736U"}, []want{{"data_nascita", "nel futuro"}}},
		{"death before birth", map[string]string{"deceduto_il": "01/01/1970"}, []want{{"deceduto_il", "precede la nascita"}}},
		{"unknown comune", map[string]string{"comune_residenza": "PAPEROPOLI"}, []want{{"comune_residenza", `"PAPEROPOLI" sconosciuto`}}},
		{"unknown codice catastale", map[string]string{"comune_residenza": "M999"}, []want{{"comune_residenza", `codice catastale "M999" sconosciuto`}}},
		{"foreign residence", map[string]string{"comune_residenza": "GERMANIA"}, []want{{"comune_residenza", "stato estero"}}},
		{"missing comune", map[string]string{"comune_residenza": ""}, []want{{"comune_residenza", "manca il comune di residenza"}}},
		{"unknown birthplace", map[string]string{"luogo_nascita": "ATLANTIDE"}, []want{{"luogo_nascita", `"ATLANTIDE" sconosciuto`}}},
		{"bad tipo", map[string]string{"tipo_pass": "X"}, []want{{"tipo_pass", "usare P (permanente) o T (temporaneo)"}}},
		{"missing tipo", map[string]string{"tipo_pass": ""}, []want{{"tipo_pass", "manca il tipo"}}},
		{"bad stato", map[string]string{"stato": "RINNOVATO"}, []want{{"stato", `stato "RINNOVATO" non valido: usare ATTIVO, SOSPESO, REVOCATO o SCADUTO`}}},
		{"bad consenso", map[string]string{"consenso_circuito_nazionale": "FORSE"}, []want{{"consenso_circuito_nazionale", `"FORSE" non valido: usare S o N`}}},
		{"missing numero", map[string]string{"numero_pass": ""}, []want{{"numero_pass", "manca il numero"}}},
		{"bad numero", map[string]string{"numero_pass": "L736 2025 #1"}, []want{{"numero_pass", "solo lettere, cifre"}}},
		{"bad numero precedente", map[string]string{"numero_pass_precedente": "_X"}, []want{{"numero_pass_precedente", "non valido"}}},
		{"bad plate characters", map[string]string{"targa_1": "AB#123"}, []want{{"targa_1", `"AB#123" non valida: solo lettere e cifre`}}},
		{"plate too long", map[string]string{"targa_2": "ABCDEFGHIJKLMN"}, []want{{"targa_2", "da 2 a 12 caratteri"}}},
		{"plate dal after al", map[string]string{"targa_1_dal": "01/01/2027", "targa_1_al": "01/01/2026"}, []want{{"targa_1_al", "la data di fine precede quella di inizio"}}},
		{"plate starting after the pass", map[string]string{"targa_1_dal": "01/01/2031"}, []want{{"targa_1_dal", "dopo la scadenza del contrassegno"}}},
		{"plate bad date", map[string]string{"targa_1_al": "32/01/2026"}, []want{{"targa_1_al", "impossibile"}}},
		{"plate date without plate", map[string]string{"targa_3_al": "01/01/2026"}, []want{{"targa_3_al", "targa_3 è vuota"}}},
		{"principale on an empty plate", map[string]string{"targa_principale": "2"}, []want{{"targa_principale", "indica la targa 2, ma targa_2 è vuota"}}},
		{"principale out of range", map[string]string{"targa_principale": "5"}, []want{{"targa_principale", `"5" non valida: indicare 1, 2, 3 o 4`}}},
		{"bad email", map[string]string{"email": "mario.rossi@"}, []want{{"email", `"mario.rossi@" non valido`}}},
		{"email without at", map[string]string{"email": "mario.rossi.example.it"}, []want{{"email", "non valido"}}},
		{"value beyond the header", map[string]string{"": "VIA ROMA"}, []want{{"", `"VIA ROMA"`}}},
		{"several errors in one row", map[string]string{"cognome": "", "tipo_pass": "Q", "email": "@", "targa_1": "A!"},
			[]want{{"cognome", "obbligatorio"}, {"email", "non valido"}, {"tipo_pass", "non valido"}, {"targa_1", "non valida"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustParse(t, rowCSV(c.changes))
			for _, w := range c.want {
				wantError(t, f, 2, w.column, w.substr)
			}
			if len(f.Errors) != len(c.want) {
				t.Errorf("%d errors, want %d: %s", len(f.Errors), len(c.want), dumpErrors(f))
			}
			if len(f.Rows) != 0 || f.Records != 1 {
				t.Errorf("a row with errors is not valid: %d rows, %d records", len(f.Rows), f.Records)
			}
		})
	}
}

// TestErrorOrder: the errors of a row read left to right, whatever the order of the
// checks, and the JSON field names are the importer's report format.
func TestErrorOrder(t *testing.T) {
	f := mustParse(t, rowCSV(map[string]string{"note": "", "codice_fiscale": "X", "targa_1": "A!", "stato": "boh", "cognome": ""}))
	var cols []string
	for _, e := range f.Errors {
		cols = append(cols, e.Column)
	}
	if want := []string{"codice_fiscale", "cognome", "stato", "targa_1"}; !reflect.DeepEqual(cols, want) {
		t.Errorf("columns %v, want %v", cols, want)
	}
	b, _ := json.Marshal(f.Errors[0])
	if !strings.HasPrefix(string(b), `{"row":2,"column":"codice_fiscale","message":`) {
		t.Errorf("json %s", b)
	}
}

func TestRowValues(t *testing.T) {
	cases := []struct {
		name    string
		changes map[string]string
		check   func(t *testing.T, r Row)
	}{
		{"derived from the codice fiscale", map[string]string{"sesso": "", "data_nascita": "", "luogo_nascita": ""}, func(t *testing.T, r Row) {
			if r.Person.Sesso != "M" || !r.Person.DataNascita.Equal(domain.MustDate(1980, 1, 1)) || r.Person.LuogoNascita != "L736" {
				t.Errorf("%+v", r.Person)
			}
		}},
		{"decorrenza defaults to rilascio", map[string]string{"data_decorrenza": ""}, func(t *testing.T, r Row) {
			if !r.DataDecorrenza.Equal(domain.MustDate(2025, 3, 15)) {
				t.Errorf("decorrenza %s", r.DataDecorrenza)
			}
		}},
		{"date forms", map[string]string{"data_rilascio": "2025-03-15", "data_decorrenza": "15-03-2025", "data_scadenza": "15/3/2030", "data_nascita": "1/1/1980"}, func(t *testing.T, r Row) {
			if !r.DataRilascio.Equal(r.DataDecorrenza) || !r.DataScadenza.Equal(domain.MustDate(2030, 3, 15)) || !r.Person.DataNascita.Equal(domain.MustDate(1980, 1, 1)) {
				t.Errorf("%s %s %s %s", r.DataRilascio, r.DataDecorrenza, r.DataScadenza, r.Person.DataNascita)
			}
		}},
		{"codes and names", map[string]string{"comune_residenza": "l781", "luogo_nascita": "venezia"}, func(t *testing.T, r Row) {
			if r.Person.ComuneResidenza != "L781" || r.Person.LuogoNascita != "L736" {
				t.Errorf("%+v", r.Person)
			}
		}},
		{"comune with provincia", map[string]string{"comune_residenza": "Venezia (VE)"}, func(t *testing.T, r Row) {
			if r.Person.ComuneResidenza != "L736" {
				t.Errorf("%+v", r.Person)
			}
		}},
		{"foreign birthplace", map[string]string{"codice_fiscale": "RSSMRA80A01Z112F", "luogo_nascita": "Germania"}, func(t *testing.T, r Row) {
			if r.Person.LuogoNascita != "Z112" || r.CFWarning != "" {
				t.Errorf("%+v %q", r.Person, r.CFWarning)
			}
		}},
		{"CF mismatch is a warning", map[string]string{"nome": "LUIGI", "sesso": "F"}, func(t *testing.T, r Row) {
			if !strings.Contains(r.CFWarning, "il nome LUIGI dà LGU") || !strings.Contains(r.CFWarning, "sesso") {
				t.Errorf("CFWarning %q", r.CFWarning)
			}
		}},
		{"birthplace mismatch is a warning", map[string]string{"luogo_nascita": "PADOVA"}, func(t *testing.T, r Row) {
			if r.Person.LuogoNascita != "G224" || !strings.Contains(r.CFWarning, "luogo di nascita") {
				t.Errorf("%s %q", r.Person.LuogoNascita, r.CFWarning)
			}
		}},
		{"states", map[string]string{"stato": "sospeso"}, func(t *testing.T, r Row) {
			if r.State != domain.Sospeso {
				t.Errorf("%s", r.State)
			}
		}},
		{"empty stato is ATTIVO", map[string]string{"stato": ""}, func(t *testing.T, r Row) {
			if r.State != domain.Attivo {
				t.Errorf("%s", r.State)
			}
		}},
		{"plates", map[string]string{"targa_1": "ab 123-cd", "targa_2": "AB12345", "targa_2_dal": "01/01/2026", "targa_2_al": "15/03/2030",
			"targa_3": "ZZ1", "targa_4": "AB123CD", "targa_principale": "2"}, func(t *testing.T, r Row) {
			if len(r.Plates) != 4 {
				t.Fatalf("%+v", r.Plates)
			}
			p1, p2, p3 := r.Plates[0], r.Plates[1], r.Plates[2]
			if p1.Number != "AB123CD" || p1.Class != domain.PlateAuto || p1.Country != "IT" || !p1.From.Equal(r.DataDecorrenza) || !p1.To.IsZero() || p1.Role != "" {
				t.Errorf("plate 1 %+v", p1)
			}
			if p2.Class != domain.PlateMoto || !p2.From.Equal(domain.MustDate(2026, 1, 1)) || !p2.To.IsZero() || p2.Role != domain.RolePrincipale {
				t.Errorf("plate 2 %+v (al = scadenza is stored as the default)", p2)
			}
			if p3.Class != domain.PlateUnknown {
				t.Errorf("plate 3 %+v", p3)
			}
			wantWarnings(t, r, "targa_3", "non riconosciuto", "targa_4", "più volte")
		}},
		{"plate window outside the pass", map[string]string{"targa_1_dal": "01/01/2025"}, func(t *testing.T, r Row) {
			wantWarnings(t, r, "targa_1", "esce da quella del contrassegno")
		}},
		{"consent without principale", map[string]string{"targa_principale": ""}, func(t *testing.T, r Row) {
			wantWarnings(t, r, "targa_principale", "senza targa principale")
			if !r.Consent || r.Plates[0].Role != "" {
				t.Errorf("%+v", r)
			}
		}},
		{"consent forms", map[string]string{"consenso_circuito_nazionale": "vero"}, func(t *testing.T, r Row) {
			if !r.Consent {
				t.Error("VERO is yes")
			}
		}},
		{"no plates", map[string]string{"targa_1": "", "targa_principale": "", "consenso_circuito_nazionale": ""}, func(t *testing.T, r Row) {
			if r.Plates != nil || r.Consent || len(r.Warnings) != 0 {
				t.Errorf("%+v", r)
			}
		}},
		{"deceased holder of an active pass", map[string]string{"deceduto_il": "01/05/2025"}, func(t *testing.T, r Row) {
			if !r.Person.DataDecesso.Equal(domain.MustDate(2025, 5, 1)) {
				t.Errorf("%s", r.Person.DataDecesso)
			}
			wantWarnings(t, r, "deceduto_il", "andrà revocato")
		}},
		{"national ids and notes", map[string]string{"cude_id": "123456789", "codice_univoco": "ABCDEF", "note": "  vedi fascicolo  "}, func(t *testing.T, r Row) {
			if r.CudeID != "123456789" || r.CodiceUnivoco != "ABCDEF" || r.Note != "vedi fascicolo" {
				t.Errorf("%+v", r)
			}
		}},
		{"normalised person", map[string]string{"cognome": " de  luca ", "nome": "maria  rosa", "codice_fiscale": "dlcmrs80a41l736b", "sesso": "f",
			"email": " m@example.it ", "indirizzo_residenza": "via  roma 1"}, func(t *testing.T, r Row) {
			p := r.Person
			if p.Cognome != "DE LUCA" || p.Nome != "MARIA ROSA" || p.CodiceFiscale != "DLCMRS80A41L736B" || p.Sesso != "F" || p.Email != "m@example.it" || p.Indirizzo != "VIA ROMA 1" {
				t.Errorf("%+v", p)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f := mustParse(t, rowCSV(c.changes))
			wantNoErrors(t, f)
			if len(f.Rows) != 1 {
				t.Fatalf("%d rows", len(f.Rows))
			}
			c.check(t, f.Rows[0])
		})
	}
}

func wantWarnings(t *testing.T, r Row, pairs ...string) {
	t.Helper()
	for i := 0; i < len(pairs); i += 2 {
		found := false
		for _, w := range r.Warnings {
			if w.Field == pairs[i] && strings.Contains(w.Message, pairs[i+1]) {
				found = true
			}
		}
		if !found {
			t.Errorf("no warning on %s containing %q: %+v", pairs[i], pairs[i+1], r.Warnings)
		}
	}
}

func TestCrossRowChecks(t *testing.T) {
	bianchi := map[string]string{"codice_fiscale": "BNCGNN75L63L736M", "cognome": "BIANCHI", "nome": "GIOVANNA", "sesso": "F", "data_nascita": "23/07/1975"}
	with := func(base map[string]string, kv ...string) map[string]string {
		m := map[string]string{}
		for k, v := range base {
			m[k] = v
		}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return m
	}
	rossi := map[string]string{}

	t.Run("same number, another holder", func(t *testing.T) {
		f := mustParse(t, rowCSV(rossi, with(bianchi)))
		wantError(t, f, 3, "numero_pass", "il numero_pass L736_2025_00042 è già usato alla riga 2 per un altro titolare (RSSMRA80A01L736U)")
		if len(f.Errors) != 1 || len(f.Rows) != 1 || f.Rows[0].Line != 2 {
			t.Errorf("errors %s rows %d", dumpErrors(f), len(f.Rows))
		}
	})
	t.Run("same number in another comune", func(t *testing.T) {
		f := mustParse(t, rowCSV(rossi, with(bianchi, "comune_residenza", "PADOVA")))
		wantNoErrors(t, f)
	})
	t.Run("duplicated row", func(t *testing.T) {
		f := mustParse(t, rowCSV(rossi, with(rossi, "note", "copia"), rossi))
		wantError(t, f, 3, "numero_pass", "riga duplicata della riga 2")
		wantError(t, f, 4, "numero_pass", "riga duplicata della riga 2")
		if len(f.Errors) != 2 {
			t.Errorf("a duplicated row is not also a second active pass: %s", dumpErrors(f))
		}
	})
	t.Run("two active passes for one codice fiscale", func(t *testing.T) {
		f := mustParse(t, rowCSV(rossi, with(rossi, "numero_pass", "L736_2025_00099", "stato", "SOSPESO")))
		wantError(t, f, 3, "codice_fiscale", "ha già un contrassegno attivo alla riga 2 (numero L736_2025_00042)")
		if len(f.Errors) != 1 {
			t.Errorf("errors %s", dumpErrors(f))
		}
	})
	t.Run("an expired pass and an active one", func(t *testing.T) {
		f := mustParse(t, rowCSV(
			with(rossi, "numero_pass", "L736_2020_00001", "data_rilascio", "01/02/2020", "data_decorrenza", "", "data_scadenza", "01/02/2025"), // ATTIVO but expired
			with(rossi, "numero_pass", "L736_2019_00001", "data_rilascio", "01/02/2019", "data_decorrenza", "", "data_scadenza", "01/02/2024", "stato", "SCADUTO"),
			with(rossi, "numero_pass", "L736_2018_00001", "stato", "REVOCATO"),
			rossi,
		))
		wantNoErrors(t, f)
	})
	t.Run("a dead holder holds no active pass", func(t *testing.T) {
		f := mustParse(t, rowCSV(with(rossi, "deceduto_il", "01/05/2025"), with(rossi, "numero_pass", "L736_2025_00099", "deceduto_il", "01/05/2025")))
		wantNoErrors(t, f)
	})
}

// TestFastPaths: each fast path gives what the domain function gives, or declines.
func TestFastPaths(t *testing.T) {
	dates := []string{"01/02/2024", "1/2/2024", "29/02/2024", "29/02/2023", "31/04/2024", "2024-02-29", "2024-2-3", "01-02-2024",
		"01.02.2024", "1.2.2024", "00/01/2024", "01/00/2024", "01/13/2024", "01/01/1849", "01/01/1850", "31/12/2200", "01/01/2201",
		"2024/13/01", "2024/01/13", "01/01/24", "001/01/2024", "01/001/2024", "2024-001-01", "01/02-2024", "01//2024", "/01/2024",
		"01/01/2024/", "+1/01/2024", "12345678", "2024-01-01x", "1/1/0024", "0001/01/01", "31/12/1999", "9/9/9999", "10/10/2010"}
	for _, s := range dates {
		want, werr := domain.ParseDate(s)
		got, ok := fastDate(s)
		if ok && (werr != nil || !got.Equal(want)) {
			t.Errorf("fastDate(%q) = %s, ParseDate = %s %v", s, got, want, werr)
		}
		if got, err := parseDate(s); (err == nil) != (werr == nil) || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %s %v, ParseDate = %s %v", s, got, err, want, werr)
		}
	}
	plates := []string{"AB123CD", "XA123BC", "XY123AB", "AB12345", "XA12345", "AI123CD", "AB123CI", "AB123C1", "AB1234D", "A1123CD",
		"ZZ999ZZ", "AB123CDE", "AB12", "X12345", "MI3A5678", "XB123CU", "AB123QD"}
	for _, p := range plates {
		wantClass, _ := domain.ClassifyPlate(p, domain.Italy)
		wantErr := domain.CheckPlateNumber(p)
		if got, ok := fastPlateClass(p); ok && (got != wantClass || wantErr != nil) {
			t.Errorf("fastPlateClass(%q) = %s, domain %s %v", p, got, wantClass, wantErr)
		}
	}
	numbers := []string{"L736_2024_00001", "VE-1234", "a", "_a", "A_", "1/2.3-4", "A B", "À1", strings.Repeat("A", 40), strings.Repeat("A", 41), "", "A#"}
	for _, n := range numbers {
		if got, want := checkNumber(n) == nil, domain.CheckNumber(n) == nil; got != want {
			t.Errorf("checkNumber(%q) ok=%v, domain ok=%v", n, got, want)
		}
	}
	people := []domain.Person{
		{CodiceFiscale: "RSSMRA80A01L736U", Cognome: "ROSSI", Nome: "MARIO", Sesso: "M", Indirizzo: "VIA ROMA 1", Email: "a@b.it", Telefono: "333"},
		{CodiceFiscale: "rssmra80a01l736u", Cognome: "rossi", Nome: "MARIO  LUIGI", Sesso: "m", Indirizzo: " VIA ROMA 1", Email: " a@b.it", Telefono: "3 3"},
		{Cognome: "NICOLÒ", Nome: "D'ANDREA", Indirizzo: "VIA\tROMA"},
	}
	for _, p := range people {
		a, b := p, p
		normalizePerson(&a)
		domain.NormalizePerson(&b)
		if !reflect.DeepEqual(a, b) {
			t.Errorf("normalizePerson %+v, domain %+v", a, b)
		}
	}
}

// TestNoAliasOfInput: nothing Parse returns points into the caller's bytes (the UTF-8
// text is a view of them while parsing): overwriting them after Parse changes nothing.
func TestNoAliasOfInput(t *testing.T) {
	inputs := map[string][]byte{
		"sample":   sharedSample(t),
		"template": Template(),
		"bom":      testdata(t, "utf8-bom.csv"),
		"multi":    testdata(t, "multiline.csv"),
		"errors": rowCSV(map[string]string{"cognome": "", "email": "x@", "targa_1": "ab 123 cd", "note": "\"a;b\"", "sesso": "m"},
			map[string]string{"comune_residenza": "Padova", "targa_1": "ZZ1", "luogo_nascita": "venezia", "stato": "Sospeso"}),
	}
	for name, data := range inputs {
		t.Run(name, func(t *testing.T) {
			want := mustParse(t, append([]byte(nil), data...))
			buf := append([]byte(nil), data...)
			got := mustParse(t, buf)
			for i := range buf {
				buf[i] = 'x'
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("the result changed when the input was overwritten:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}

// TestKeyTableCollision: two different keys with the same hash are told apart (the
// table of the checks between rows, issue 14.3).
func TestKeyTableCollision(t *testing.T) {
	keys := []string{"A", "B", "A", "B", "C"}
	f := NewKeyTable()
	var got []string
	for i, k := range keys {
		j, seen := f.getHash(42, []byte(k)) // every key collides
		if !seen {
			f.putHash(42, []byte(k), int32(i))
		}
		got = append(got, fmt.Sprint(j, seen))
	}
	if want := []string{"0 false", "0 false", "0 true", "1 true", "0 false"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	if f.Len() != 3 {
		t.Errorf("Len = %d, want 3", f.Len())
	}
}

// TestRealCodesImport: the codes of issue #8 come in through the import with nothing
// left empty or a century late: omocodia anywhere, ceased birthplaces, ceased states,
// birthplace codes not in force at the birth date (a note: no warning), and a birth
// date read from the code never after the pass was issued (A2, M1).
func TestRealCodesImport(t *testing.T) {
	cases := []struct {
		cf, cognome, nome, luogo, rilascio string
		birth                              domain.Date
		place                              string
	}{
		{"CNTFNC84R44H5L1E", "CONTI", "FRANCESCA", "", "", domain.MustDate(1984, 10, 4), "H501"},
		{"MCHFDA07A01D877A", "MACHI", "FADIA", "", "", domain.MustDate(1907, 1, 1), "D877"},
		{"MCHFDA07A01D877A", "MACHI", "FADIA", "GALLICO", "", domain.MustDate(1907, 1, 1), "D877"},
		{"RSSMRA21E45L736G", "ROSSI", "MARIA", "", "01/06/2019", domain.MustDate(1921, 5, 5), "L736"},
		{"BNCLCU50C52D244Z", "BIANCHI", "LUCIA", "", "", domain.MustDate(1950, 3, 12), "D244"},
		{"BNCLCU50C52D244Z", "BIANCHI", "LUCIA", "DAIRAGO", "", domain.MustDate(1950, 3, 12), "D244"},
		{"SPSGNR35D04B860H", "ESPOSITO", "GENNARO", "B860", "", domain.MustDate(1935, 4, 4), "B860"},
		{"PTRMLN60E05Z118L", "PETROVIC", "MILAN", "JUGOSLAVIA", "", domain.MustDate(1960, 5, 5), "Z118"},
		{"VNVLGO75B54Z135U", "IVANOVA", "OLGA", "URSS", "", domain.MustDate(1975, 2, 14), "Z135"},
	}
	for _, c := range cases {
		ch := map[string]string{"codice_fiscale": c.cf, "cognome": c.cognome, "nome": c.nome,
			"sesso": "", "data_nascita": "", "luogo_nascita": c.luogo}
		if c.rilascio != "" {
			ch["data_rilascio"], ch["data_decorrenza"] = c.rilascio, c.rilascio
			ch["data_scadenza"] = "01/06/2024"
			ch["stato"] = "SCADUTO"
		}
		f := mustParse(t, rowCSV(ch))
		if len(f.Errors) > 0 {
			t.Errorf("%s: refused: %s", c.cf, dumpErrors(f))
			continue
		}
		r := f.Rows[0]
		if !r.Person.DataNascita.Equal(c.birth) || r.Person.LuogoNascita != c.place || r.CFWarning != "" || len(r.Warnings) != 0 {
			t.Errorf("%s: born %s in %s, CF warning %q, warnings %v; want %s in %s and no warning",
				c.cf, r.Person.DataNascita, r.Person.LuogoNascita, r.CFWarning, r.Warnings, c.birth, c.place)
		}
	}
}
