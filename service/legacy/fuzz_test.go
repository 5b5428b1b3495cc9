package legacy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/iotest"
	"unicode"
	"unicode/utf8"

	"vivipass/domain"
)

// FuzzParse (issue 12.13): the import file comes from outside (a comune's old register,
// saved from a spreadsheet). Whatever its bytes, Parse does not panic and:
//   - a refused file is a *FileError with a clear message, and so is every file with a
//     line over MaxLine; Guard, which reads the file first as the import does, never
//     refuses a file that Parse would take, and refuses with a *FileError too;
//   - a file read has at most MaxColumns columns, a known separator and encoding;
//   - every error names a data row that exists (rows in order) and a template column
//     (or none), in a message with no raw control character;
//   - every row accepted is valid by the domain's own checks (number, codice fiscale,
//     person, dates, state, plates, texts), already normalised (so the fast paths
//     of fast.go agree with package domain), with no value over MaxField, and no two
//     rows share a number in one comune or an active pass for one codice fiscale.
//
// `go test` runs the seeds (the template, testdata/*.csv, the shared sample, and
// testdata/fuzz/FuzzParse); `go test -run '^$' -fuzz '^FuzzParse$' -fuzztime 10m
// ./service/legacy/` explores.
func FuzzParse(f *testing.F) {
	f.Add(Template())
	f.Add([]byte("\"\ncodice_fiscale\";cognome\n"))
	f.Add([]byte("sep=,\ncodice_fiscale,cognome\n\"a\r\nb\",\"\""))
	f.Add(rowCSV(map[string]string{"note": "\"x;\ny\"\"z\"", "targa_2_dal": "1/1/2026"}))
	f.Add(rowCSV(map[string]string{"cognome": "", "email": "x@", "targa_1": "ab 123 cd", "note": "\"a;b\"", "sesso": "m"},
		map[string]string{"comune_residenza": "Padova", "targa_1": "ZZ1", "luogo_nascita": "venezia", "stato": "Sospeso"}))
	f.Add(rowCSV(map[string]string{"cognome": "ROSSI\x1b[2J", "tipo": strings.Repeat("T", 300), "data_rilascio": "31/02/2024"},
		map[string]string{"targa_principale": "5", "consenso": "forse", "targa_1": "XA123BC", "targa_1_al": "01/01/2020"}))
	f.Add([]byte(strings.Repeat("codice_fiscale;", MaxColumns+1) + "\n"))
	f.Add([]byte("codice_fiscale;cognome\n" + strings.Repeat("A", MaxLine+1) + "\n"))
	if names, err := filepath.Glob(filepath.Join("testdata", "*.csv")); err == nil {
		for _, name := range names {
			if b, err := os.ReadFile(name); err == nil {
				f.Add(b)
			}
		}
	}
	if b, err := findShared("legacy", "pregresso-esempio.csv"); err == nil {
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse(data, today)
		guardData, guardErr := io.ReadAll(Guard(iotest.HalfReader(bytes.NewReader(data))))
		if guardErr != nil {
			if err == nil {
				t.Fatalf("Guard refuses what Parse reads: %v", guardErr)
			}
			var fe *FileError
			if !errors.As(guardErr, &fe) {
				t.Fatalf("Guard refuses with %T %v", guardErr, guardErr)
			}
			checkMessage(t, fe.Message) // it may name another fault: it stops at the first one it sees
		} else if !bytes.Equal(guardData, data) {
			t.Fatalf("Guard changed the data")
		}
		if err != nil {
			var fe *FileError
			if file != nil || !errors.As(err, &fe) {
				t.Fatalf("refused with %T %v and file %v", err, err, file != nil)
			}
			checkMessage(t, fe.Message)
			return
		}
		if longestLine(data) > MaxLine {
			t.Fatalf("a line of %d bytes read", longestLine(data))
		}
		if len(file.Columns) == 0 || len(file.Columns) > MaxColumns || (file.Separator != ';' && file.Separator != ',') ||
			(file.Encoding != EncodingUTF8 && file.Encoding != EncodingUTF8BOM && file.Encoding != Encoding1252) {
			t.Fatalf("file read as %d columns, separator %q, encoding %q", len(file.Columns), file.Separator, file.Encoding)
		}
		if len(file.Rows) > file.Records {
			t.Fatalf("%d rows of %d records", len(file.Rows), file.Records)
		}
		lines := bytes.Count(data, []byte("\n")) + bytes.Count(data, []byte("\r")) + 1 // a row is at least one line
		last := 0
		for _, e := range file.Errors {
			if e.Row < 2 || e.Row < last || e.Row > lines {
				t.Fatalf("error %+v after row %d of a %d-line file", e, last, lines)
			}
			last = e.Row
			if _, ok := colByName[e.Column]; !ok && e.Column != "" {
				t.Fatalf("error %+v names no template column", e)
			}
			checkMessage(t, e.Message)
		}
		last = 1
		numbers, active := map[string]int{}, map[string]int{}
		for _, r := range file.Rows {
			if r.Line <= last || r.Line > lines {
				t.Fatalf("row %d after row %d of a %d-line file", r.Line, last, lines)
			}
			last = r.Line
			checkRow(t, &r)
			key := r.Person.ComuneResidenza + "|" + r.Number
			if prev, ok := numbers[key]; ok {
				t.Fatalf("rows %d and %d both have number %s in %s", prev, r.Line, r.Number, r.Person.ComuneResidenza)
			}
			numbers[key] = r.Line
			if (r.State == domain.Attivo || r.State == domain.Sospeso) && !r.DataScadenza.Before(today) && !r.Person.Deceased(today) {
				if prev, ok := active[r.Person.CodiceFiscale]; ok {
					t.Fatalf("rows %d and %d are both active passes of %s", prev, r.Line, r.Person.CodiceFiscale)
				}
				active[r.Person.CodiceFiscale] = r.Line
			}
		}
	})
}

// checkRow: a row accepted passes the domain's own checks and is normalised.
func checkRow(t *testing.T, r *Row) {
	t.Helper()
	fail := func(format string, a ...any) {
		t.Fatalf("row %d accepted: %s (%+v)", r.Line, fmt.Sprintf(format, a...), *r)
	}
	p := r.Person
	if err := domain.CheckNumber(r.Number); err != nil {
		fail("number: %v", err)
	}
	if r.PreviousNumber != "" && domain.CheckNumber(r.PreviousNumber) != nil {
		fail("previous number %q", r.PreviousNumber)
	}
	if err := domain.ValidateCFSyntax(p.CodiceFiscale); err != nil {
		fail("codice fiscale: %v", err)
	}
	if chk := domain.CheckPerson(p, today); len(chk.Errors) > 0 {
		fail("person: %+v", chk.Errors)
	}
	norm := p
	domain.NormalizePerson(&norm)
	if norm != p {
		fail("person not normalised: %+v", norm)
	}
	if p.ComuneResidenza == "" { // required; sex and birth may stay empty when the code does not decode
		fail("no comune of residence")
	}
	if k, ok := domain.ParseKind(string(r.Kind)); !ok || k != r.Kind {
		fail("kind %q", r.Kind)
	}
	if err := domain.CheckDates(r.Kind, r.DataRilascio, r.DataDecorrenza, r.DataScadenza); err != nil {
		fail("dates: %v", err)
	}
	switch r.State {
	case domain.Attivo, domain.Sospeso, domain.Revocato, domain.Scaduto:
	default:
		fail("state %q", r.State)
	}
	for _, s := range []string{r.Note, r.CudeID, r.CodiceUnivoco} {
		if err := domain.CheckText("il valore", s, true); err != nil {
			fail("text %q: %v", s, err)
		}
	}
	for _, s := range []string{p.Cognome, p.Nome, p.Indirizzo, p.Email, p.Telefono, r.Note, r.CudeID, r.CodiceUnivoco, r.Number} {
		if utf8.RuneCountInString(s) > MaxField || !utf8.ValidString(s) {
			fail("value of %d characters", utf8.RuneCountInString(s))
		}
	}
	principal := 0
	for _, pl := range r.Plates {
		if err := domain.CheckPlateNumber(pl.Number); err != nil || domain.NormalizePlate(pl.Number) != pl.Number || pl.Country != domain.Italy {
			fail("plate %+v: %v", pl, err)
		}
		if class, _ := domain.ClassifyPlate(pl.Number, domain.Italy); class != pl.Class {
			fail("plate %s of class %q, the domain says %q", pl.Number, pl.Class, class)
		}
		if pl.From.IsZero() || (!pl.To.IsZero() && pl.From.After(pl.To)) {
			fail("plate %s window %s-%s", pl.Number, pl.From, pl.To)
		}
		if pl.Role == domain.RolePrincipale {
			principal++
		}
	}
	if principal > 1 {
		fail("%d principal plates", principal)
	}
	for _, w := range r.Warnings {
		checkMessage(t, w.Message)
	}
	if r.CFWarning != "" {
		checkMessage(t, r.CFWarning)
	}
}

// checkMessage: a message of the import is valid UTF-8, says something, carries no raw
// control character (it is shown at the desk and printed by the CLI) and no more than
// one value of the file (a value is at most MaxField characters, up to 4 bytes each,
// escaped).
func checkMessage(t *testing.T, msg string) {
	t.Helper()
	if strings.TrimSpace(msg) == "" || !utf8.ValidString(msg) || len(msg) > 2*4*MaxField+1024 {
		t.Fatalf("message of %d bytes: %.300q", len(msg), msg)
	}
	for _, r := range msg {
		if unicode.IsControl(r) {
			t.Fatalf("raw control character %q in message %.300q", r, msg)
		}
	}
}

// longestLine is the longest line of data in bytes (LF, CRLF or CR ends a line).
func longestLine(data []byte) int {
	longest, n := 0, 0
	for _, c := range data {
		if c == '\n' || c == '\r' {
			n = 0
			continue
		}
		n++
		longest = max(longest, n)
	}
	return longest
}

// findShared reads ../shared/samples/<dir>/<name> from the first folder above the
// package that has it.
func findShared(dir, name string) ([]byte, error) {
	wd, err := os.Getwd()
	if err != nil {
		return nil, err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(wd, "shared", "samples", dir, name)); err == nil {
			return b, nil
		}
		parent := filepath.Dir(wd)
		if parent == wd {
			return nil, fmt.Errorf("shared/samples/%s/%s not found", dir, name)
		}
		wd = parent
	}
}
