package legacy

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
)

// countingReader counts what was read from it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// repeatReader gives prefix, then pattern over and over up to size bytes in all,
// without holding them: a 50 MB file costs no memory in the test.
type repeatReader struct {
	prefix  []byte
	pattern []byte
	size    int64
	off     int64
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.off >= r.size {
		return 0, io.EOF
	}
	n := 0
	for n < len(p) && r.off < r.size {
		var c byte
		if r.off < int64(len(r.prefix)) {
			c = r.prefix[r.off]
		} else {
			c = r.pattern[(r.off-int64(len(r.prefix)))%int64(len(r.pattern))]
		}
		p[n] = c
		n++
		r.off++
	}
	return n, nil
}

// guardRead reads r through Guard as the import does and tells how much it took.
func guardRead(r io.Reader) ([]byte, int64, error) {
	cr := &countingReader{r: r}
	data, err := io.ReadAll(Guard(cr))
	return data, cr.n, err
}

func wantGuardRefusal(t *testing.T, err error, read, atMost int64, want ...string) {
	t.Helper()
	var fe *FileError
	if !errors.As(err, &fe) {
		t.Fatalf("err = %v, want a *FileError", err)
	}
	for _, w := range want {
		if !strings.Contains(fe.Message, w) {
			t.Errorf("message %q does not contain %q", fe.Message, w)
		}
	}
	if read > atMost {
		t.Errorf("read %d bytes before refusing, want at most %d: the reader must stop early", read, atMost)
	}
}

func templateHeader() string { return strings.SplitAfter(string(Template()), "\n")[0] }

// issue 12.9: a 50 MB line without separators is refused after MaxLine bytes, not read
// to its end, with a message naming the line and what to do.
func TestGuardLongLineStopsEarly(t *testing.T) {
	_, read, err := guardRead(&repeatReader{pattern: []byte("A"), size: 50 << 20})
	wantGuardRefusal(t, err, read, 4*MaxLine, "la riga 1 del file è più lunga di 64 KB", "controllare il file scelto", "CSV")

	// The same after a valid header: the long line is the third.
	body := []byte(string(Template()))
	_, read, err = guardRead(&repeatReader{prefix: body, pattern: []byte("X"), size: 50 << 20})
	wantGuardRefusal(t, err, read, int64(len(body))+4*MaxLine, "la riga 3 del file è più lunga di 64 KB")

	// Parse, given the bytes, refuses them the same way.
	line := bytes.Repeat([]byte("A"), 2*MaxLine)
	wantFileError(t, line, "la riga 1 del file è più lunga di 64 KB")
	wantFileError(t, append(append([]byte(string(Template())), line...), '\n'), "la riga 3 del file è più lunga")
	// A CR alone ends a line too (old Mac files): no refusal for short CR lines.
	mac := strings.ReplaceAll(string(Template()), "\r\n", "\r")
	for range 200 {
		mac += strings.Repeat("x", 1000) + "\r"
	}
	if _, _, err := guardRead(strings.NewReader(mac)); err != nil {
		t.Errorf("CR-only lines of 1000 characters refused: %v", err)
	}
}

// issue 12.9: a header with a million columns is refused after its first MaxLine
// bytes; a header with too many short columns as soon as its line ends.
func TestGuardHugeHeaderStopsEarly(t *testing.T) {
	hdr := strings.TrimRight(templateHeader(), "\r\n")
	_, read, err := guardRead(&repeatReader{prefix: []byte(hdr), pattern: []byte(";c"), size: int64(len(hdr)) + 2_000_000})
	wantGuardRefusal(t, err, read, 4*MaxLine, "la riga 1 del file è più lunga di 64 KB")

	// 1,000 columns in a short line, then 50 MB of rows: the header's line is enough.
	many := hdr + strings.Repeat(";x", 1000) + "\n"
	_, read, err = guardRead(&repeatReader{prefix: []byte(many), pattern: []byte("RSSMRA80A01L736U;ROSSI;MARIO\n"), size: 50 << 20})
	wantGuardRefusal(t, err, read, int64(len(many))+64<<10, "l'intestazione ha 1035 colonne, più delle 200 ammesse", "vivipass template-csv")
	wantFileError(t, []byte(many), "l'intestazione ha 1035 colonne, più delle 200 ammesse")

	// Parse of the million columns in memory refuses them too.
	wantFileError(t, []byte(hdr+strings.Repeat(";c", 1_000_000)+"\n"), "la riga 1 del file è più lunga di 64 KB")
}

// issue 12.9: a header of unknown columns stops the reading at its line end.
func TestGuardBadHeaderStopsAtItsLine(t *testing.T) {
	_, read, err := guardRead(&repeatReader{prefix: []byte("sep=;\r\n\r\nnome;cognome;colore\r\n"), pattern: []byte("a;b;c\r\n"), size: 50 << 20})
	wantGuardRefusal(t, err, read, 64<<10, `colonna sconosciuta "colore"`, "mancano le colonne obbligatorie")
}

// issue 12.9: what Guard lets through is the file unchanged, and what it refuses Parse
// refuses with the same message.
func TestGuardAgreesWithParse(t *testing.T) {
	hdr := "codice_fiscale;cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza"
	row := "RSSMRA80A01L736U;ROSSI;MARIO;VENEZIA;L736_2025_00001;P;15/03/2025;15/03/2030"
	files := []string{
		string(Template()),
		"\xef\xbb\xbf" + string(Template()),
		"sep=;\n" + hdr + "\n" + row + "\n",
		"\n;;;\n" + hdr + "\r\n" + row + "\r\n",
		strings.ReplaceAll(hdr, ";", ",") + "\n" + strings.ReplaceAll(row, ";", ",") + "\n",
		strings.ReplaceAll(hdr+"\n"+row+"\n", "\n", "\r"),
		hdr + "\nRSSMRA80A01L736U;ROSSI;NICOL\xd2;VENEZIA;L736_2025_00001;P;15/03/2025;15/03/2030\n",
		`"codice_fiscale";cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza` + "\n" + row + "\n",
		"", " \r\n\r\n\t\n", ";;;\n;;;\n", row + "\n" + row + "\n", hdr + ";targa5\n" + row + ";AB123CD\n",
		hdr + ";colore;Targa 5 dal\n", strings.Replace(hdr, ";cognome", "", 1) + "\n",
		strings.ReplaceAll(hdr, ";", "\t") + "\n", "PK\x03\x04\x14\x00\x06\x00\n", hdr + "\n\x00\x01\x02",
		"sep=\t\n" + hdr + "\n", "CODICE FISCALE;COGNOME;NOME;COMUNE RESIDENZA;NUMERO PASS;TIPO PASS;DATA RILASCIO;DATA SCADENZA\n" + row + "\n",
	}
	for i, file := range files {
		data, _, gerr := guardRead(strings.NewReader(file))
		_, perr := Parse([]byte(file), today)
		if gerr != nil {
			if perr == nil || perr.Error() != gerr.Error() {
				t.Errorf("file %d: Guard refused it with %q, Parse says %v", i, gerr, perr)
			}
			continue
		}
		if string(data) != file {
			t.Errorf("file %d: Guard changed the bytes", i)
		}
	}
}

// issue 12.9: a value longer than MaxField characters is an error of its row, naming
// row and column, and the other rows are read.
func TestFieldTooLong(t *testing.T) {
	tpl := string(Template())
	lines := strings.Split(strings.TrimRight(tpl, "\r\n"), "\r\n")
	hdr, row := lines[0], lines[1]
	cells := strings.Split(row, ";")
	cells[len(cells)-1] = strings.Repeat("è", MaxField+1) // note: characters, not bytes
	f := mustParse(t, []byte(hdr+"\r\n"+row+"\r\n"+strings.Join(cells, ";")+"\r\n"))
	if len(f.Rows) != 1 || len(f.Errors) != 1 {
		t.Fatalf("rows %d, errors %+v", len(f.Rows), f.Errors)
	}
	e := f.Errors[0]
	if e.Row != 3 || e.Column != "note" || !strings.Contains(e.Message, "valore troppo lungo (4097 caratteri, al massimo 4096)") {
		t.Errorf("error %+v", e)
	}
	// Exactly MaxField characters are accepted.
	cells[len(cells)-1] = strings.Repeat("è", MaxField)
	if f := mustParse(t, []byte(hdr+"\r\n"+strings.Join(cells, ";")+"\r\n")); len(f.Errors) != 0 {
		t.Errorf("a note of %d characters refused: %+v", MaxField, f.Errors)
	}
}

// issue 12.10: control characters in names, address and note are errors of their row
// and column.
func TestControlCharactersRefused(t *testing.T) {
	lines := strings.Split(strings.TrimRight(string(Template()), "\r\n"), "\r\n")
	hdr, row := lines[0], lines[1]
	bad := strings.Replace(row, "ROSSI", "ROSSI\x1b[31m", 1)
	cells := strings.Split(bad, ";")
	cells[len(cells)-1] = `"nota` + "\x1b]0;titolo\x07" + `"`
	f := mustParse(t, []byte(hdr+"\r\n"+strings.Join(cells, ";")+"\r\n"))
	var got []string
	for _, e := range f.Errors {
		got = append(got, e.Column)
		if e.Row != 2 || !strings.Contains(e.Message, "carattere di controllo (ESC)") {
			t.Errorf("error %+v", e)
		}
	}
	if strings.Join(got, ",") != "cognome,note" || len(f.Rows) != 0 {
		t.Errorf("columns %v, rows %d", got, len(f.Rows))
	}
}
