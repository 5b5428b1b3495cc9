package service_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/service/legacy"
)

// mapped writes data to a file and maps it, as the CLI does (issue 14.3).
func mapped(t *testing.T, data []byte) *service.ImportFile {
	t.Helper()
	p := filepath.Join(t.TempDir(), "regione.csv")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := service.MapImportFile(f)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	return m
}

// TestImportMappedAsData (issue 14.3): a file imported from its map (read in place, its
// pages given back as they are read) gives the report, the register and the audit
// entry's sha256 that the same bytes in memory give; big (a copy swapped in) and
// small (one transaction), in UTF-8 and in Windows-1252, with row errors.
func TestImportMappedAsData(t *testing.T) {
	big := regionFile(t, stallRows)
	// Row errors in the middle: a numero_pass used twice, a date that is not one.
	lines := strings.Split(string(big), "\n")
	lines[3000] = lines[10]
	lines[4000] = strings.Replace(lines[4000], ";P;", ";Z;", 1)
	bad := []byte(strings.Join(lines, "\n"))
	small := []byte(strings.Join(lines[:200], "\n"))
	var latin []byte // the first rows in Latin-1 (Windows-1252), letters outside it dropped
	for _, r := range strings.Join(lines[:300], "\n") {
		if r < 256 {
			latin = append(latin, byte(r))
		}
	}
	for _, c := range []struct {
		name  string
		data  []byte
		valid bool
	}{{"big", big, false}, {"big with errors", bad, true}, {"small", small, true}, {"latin-1", latin, true}} {
		t.Run(c.name, func(t *testing.T) {
			inMem, onDisk := newEnv(t), newEnv(t)
			want, werr := inMem.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: c.data, ValidOnly: c.valid}, nil)
			got, gerr := onDisk.s.Import(admin, service.ImportRequest{FileName: "regione.csv", File: mapped(t, c.data), ValidOnly: c.valid}, nil)
			if (werr == nil) != (gerr == nil) || !reflect.DeepEqual(got, want) {
				t.Fatalf("from the map: %+v, %v\nfrom memory: %+v, %v", got, gerr, want, werr)
			}
			if want.Imported == 0 || (c.name == "big with errors" && len(want.Errors) != 2) {
				t.Fatalf("the case tests nothing: %+v", want)
			}
			if c.name == "latin-1" && want.Encoding != legacy.Encoding1252 {
				t.Fatalf("encoding %s", want.Encoding)
			}
			if a, b := inMem.snapshot(), onDisk.snapshot(); !reflect.DeepEqual(a, b) {
				t.Errorf("registers differ")
			}
			tail := auditTail(t, onDisk, 1)
			if len(tail) != 1 || !strings.Contains(tail[0].Detail, "sha256 "+service.FileHash(c.data)) {
				t.Errorf("audit entry %+v, want the file's sha256 %s", tail, service.FileHash(c.data))
			}
		})
	}
}

// TestImportMappedFileErrors (issue 14.3): a file refused as a whole says the same
// from its map as from memory.
func TestImportMappedFileErrors(t *testing.T) {
	e := newEnv(t)
	long := "codice_fiscale;cognome\n" + strings.Repeat("x", legacy.MaxLine+1) + "\n"
	for _, data := range []string{"", "  \n\n", "PK\x03\x04zip", long, "codice_fiscale;cognome\nRSS\xC3\x28;A\n", "nome;colonna_ignota\nA;B\n", "\xEF\xBB\xBFcodice\xFF\n",
		"codice_fiscale;cognome\nRSS;NICOLÒ\nRSS;NICOL\xD2\n", "codice_fiscale;cognome\nRSS;A\x81\n"} {
		_, want := e.s.Import(admin, service.ImportRequest{FileName: "x.csv", Data: []byte(data), DryRun: true}, nil)
		_, got := e.s.Import(admin, service.ImportRequest{FileName: "x.csv", File: mapped(t, []byte(data)), DryRun: true}, nil)
		if want == nil || got == nil || got.Error() != want.Error() {
			t.Errorf("%.30q: from the map %v, from memory %v", data, got, want)
		}
	}
}

// TestImportBigRefusedOnDeskActivePass (issue 12.8, kept by 14.3, where a big import
// no longer holds the codici fiscali it gives an active pass but their hashes): a desk
// issues, during the import, an active pass to a person the file gives one: the
// import is refused, the register keeps the desk's pass.
func TestImportBigRefusedOnDeskActivePass(t *testing.T) {
	e := newEnv(t)
	data := regionFile(t, stallRows)
	f, err := legacy.Parse(data, today)
	if err != nil {
		t.Fatal(err)
	}
	var row legacy.Row
	for _, r := range f.Rows[len(f.Rows)/2:] {
		if r.State == domain.Attivo && !r.DataScadenza.Before(today) && r.Person.DataDecesso.IsZero() {
			row = r
			break
		}
	}
	if row.Number == "" {
		t.Fatal("no active row in the file")
	}
	desk := service.OperatorActor(domain.Operator{Name: "sportello", Role: domain.RoleOperatore, Comune: row.Person.ComuneResidenza})
	holder := row.Person
	holder.ID, holder.Comune = 0, row.Person.ComuneResidenza
	progress, ran := duringImport(t, func() {
		if _, err := e.s.IssuePass(desk, service.IssueRequest{Person: holder, Pass: domain.IssueInput{Kind: domain.Permanente, Number: "SPORTELLO-1"}}); err != nil {
			t.Errorf("IssuePass for %s during the import: %v", holder.CodiceFiscale, err)
		}
	})
	rep, err := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, ValidOnly: true}, progress)
	if !ran() {
		t.Fatal("the import reported no progress while writing")
	}
	wantErr(t, "import after a desk's active pass for "+holder.CodiceFiscale, err, "import annullato", "contrassegno attivo", holder.CodiceFiscale)
	if rep.Imported != 0 {
		t.Errorf("report says %d imported", rep.Imported)
	}
	if n := len(e.snapshot().rows); n != 1 {
		t.Errorf("%d passes in the register, want the desk's only", n)
	}
}

// TestImportBigForcedComuneDuplicates (issue 14.3): with a forced comune, a big import
// still refuses a number two rows of different residence share (the check keeps the
// numbers then; without a forced comune the stream refuses them).
func TestImportBigForcedComuneDuplicates(t *testing.T) {
	e := newEnv(t)
	data := regionFile(t, stallRows)
	f, err := legacy.Parse(data, today)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	// Two rows of different comuni get the same number.
	var a, b int
	for i := 1; i < len(f.Rows) && b == 0; i++ {
		if a == 0 && i > 100 {
			a = i
		} else if a != 0 && i > 5500 && f.Rows[i].Person.ComuneResidenza != f.Rows[a].Person.ComuneResidenza {
			b = i
		}
	}
	changed := false
	for i, l := range lines {
		if strings.HasPrefix(l, f.Rows[b].Person.CodiceFiscale+";") && strings.Contains(l, ";"+f.Rows[b].Number+";") {
			lines[i], changed = strings.Replace(l, ";"+f.Rows[b].Number+";", ";"+f.Rows[a].Number+";", 1), true
		}
	}
	if !changed {
		t.Fatal("row not found")
	}
	rep, err := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: []byte(strings.Join(lines, "\n")), Comune: "L736", DryRun: true}, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := "il numero " + f.Rows[a].Number + " è già alla riga"
	if len(rep.Errors) != 1 || rep.Errors[0].Row != f.Rows[b].Line || !strings.Contains(rep.Errors[0].Message, want) {
		t.Errorf("errors %+v, want one on row %d saying %q", rep.Errors, f.Rows[b].Line, want)
	}
}
