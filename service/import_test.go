package service_test

import (
	"crypto/sha256"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// samplePath finds the shared sample of the legacy register by walking up from the
// package directory to the folder that holds shared/. The sample is part of the
// contract with the comuni: its absence is a failure, never a skip.
func samplePath(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared", "samples", "legacy", "pregresso-esempio.csv")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatal("shared/samples/legacy/pregresso-esempio.csv not found walking up from the package directory")
		}
		dir = parent
	}
}

func sample(t *testing.T) (string, []byte) {
	t.Helper()
	p := samplePath(t)
	data, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, data
}

// snapshot is what an import may change: the passes every comune lists, the audit
// chain length and the outbox.
type snapshot struct {
	rows   []service.Row
	audits int
	jobs   int
}

func (e *env) snapshot() snapshot {
	e.t.Helper()
	res, err := e.s.Search(admin, service.Query{Limit: 10000, Sort: "numero"})
	if err != nil {
		e.t.Fatal(err)
	}
	return snapshot{rows: res.Rows, audits: e.auditCount(), jobs: len(e.jobs())}
}

func (e *env) dbHash() [32]byte {
	e.t.Helper()
	data, err := os.ReadFile(e.s.DB().Path())
	if err != nil {
		e.t.Fatal(err)
	}
	return sha256.Sum256(data)
}

func TestImportSample(t *testing.T) {
	e := newEnv(t)
	path, data := sample(t)
	rep, err := e.s.Import(admin, service.ImportRequest{FileName: path, Data: data}, nil)
	if err != nil {
		t.Fatalf("Import: %v (%+v)", err, rep)
	}
	if rep.Rows != 3 || rep.Valid != 3 || rep.Imported != 3 || rep.Skipped != 0 || len(rep.Errors) != 0 || rep.Separator != ";" {
		t.Errorf("report %+v", rep)
	}
	res, err := e.s.Search(admin, service.Query{Channel: domain.Import, Sort: "numero"})
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		number, cf, state string
		plates            int
	}{
		{"L736_2021_00042", "RSSMRA80A01L736U", "attivo", 1},
		{"L736_2022_00007", "BNCGNN75L63L736M", "scaduto", 0},
		{"VE-1234", "ZNNNCL50T05G224R", "attivo", 2},
	}
	if len(res.Rows) != len(want) {
		t.Fatalf("imported rows %+v", res.Rows)
	}
	for i, w := range want {
		r := res.Rows[i]
		if r.Number != w.number || r.CF != w.cf || string(r.Status) != w.state || r.Channel != domain.Import || r.Comune != "L736" || len(r.Plates) != w.plates {
			t.Errorf("row %d = %+v, want %+v", i, r, w)
		}
	}
	zanon := e.get(admin, res.Rows[2].ID)
	if zanon.Pass.ImportFile != "pregresso-esempio.csv" || zanon.Pass.PreviousNumber != "VE-0999" || zanon.Holder.Nome != "NICOLÒ" ||
		zanon.Holder.Comune != "L736" || zanon.Pass.Plates[0].Role != domain.RolePrincipale || !zanon.Pass.Plates[0].To.Equal(date(2026, 12, 31)) {
		t.Errorf("ZANON's pass %+v holder %+v", zanon.Pass, zanon.Holder)
	}
	if w, _ := e.s.Whitelist("FG456HJ", "IT", e.clk.now()); !w.Authorised || w.Number != "VE-1234" {
		t.Errorf("imported plate not in the whitelist: %+v", w)
	}
	var tail []store.AuditEntry
	if err := e.s.DB().View(func(tx *store.Tx) error { tail, err = tx.AuditTail(1); return err }); err != nil {
		t.Fatal(err)
	}
	if len(tail) != 1 || tail[0].Action != "import massivo" || tail[0].Subject != "file pregresso-esempio.csv" || tail[0].Operator != "admin" ||
		!strings.Contains(tail[0].Detail, "3 contrassegni importati") || !strings.Contains(tail[0].Detail, service.FileHash(data)) {
		t.Errorf("audit %+v", tail)
	}
	// Consent with a principale plate on an active pass: queued for the platform.
	if jobs := e.jobs(); len(jobs) != 2 || jobs[0].Kind != "rilascio" || jobs[1].Kind != "rilascio" {
		t.Errorf("jobs %+v", jobs)
	}
	// The counter of 2021 moved past the imported number.
	if n, _ := e.s.ProposeNumber(admin, "L736", 2021); n != "L736_2021_00043" {
		t.Errorf("ProposeNumber(2021) = %s", n)
	}
	// P5 applies to imported passes.
	_, err = e.s.IssuePass(giulia, service.IssueRequest{Person: domain.Person{CodiceFiscale: "RSSMRA80A01L736U", Cognome: "ROSSI", Nome: "MARIO"},
		Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "issue over an imported pass", err, "in un altro comune del circuito")

	// The same file again changes nothing.
	before, hash := e.snapshot(), e.dbHash()
	rep, err = e.s.Import(admin, service.ImportRequest{FileName: path, Data: data}, nil)
	if err != nil {
		t.Fatalf("second Import: %v", err)
	}
	if rep.Imported != 0 || rep.Skipped != 3 || rep.Valid != 3 || len(rep.Errors) != 0 {
		t.Errorf("second report %+v", rep)
	}
	if after := e.snapshot(); !reflect.DeepEqual(before, after) {
		t.Errorf("second import changed the register:\nbefore %+v\nafter  %+v", before, after)
	}
	if e.dbHash() != hash {
		t.Error("second import rewrote the database file")
	}
}

// withRow appends a data row to the sample.
func withRow(data []byte, row string) []byte {
	s := strings.TrimRight(string(data), "\r\n") + "\n" + row + "\n"
	return []byte(s)
}

// badRow has a codice fiscale with a wrong check character.
const badRow = "RSSMRA80A01L736X;ROSSI;MARIO;M;01/01/1980;VENEZIA;VENEZIA;;;;L736_2021_00050;P;15/03/2021;;15/03/2026;ATTIVO;;;;;;;;;N;;;;"

func TestImportWithRowErrors(t *testing.T) {
	e := newEnv(t)
	path, data := sample(t)
	bad := withRow(data, badRow)
	empty := e.snapshot()

	rep, err := e.s.Import(admin, service.ImportRequest{FileName: path, Data: bad}, nil)
	var refused *service.ImportRefused
	if !errors.As(err, &refused) || refused.Errors != 1 || !strings.Contains(err.Error(), "nessuna riga importata") {
		t.Fatalf("err = %v, want ImportRefused with 1 error", err)
	}
	if len(rep.Errors) != 1 || rep.Errors[0].Row != 5 || rep.Errors[0].Column != "codice_fiscale" || rep.Imported != 0 || rep.Valid != 3 {
		t.Errorf("report %+v", rep)
	}
	if got := e.snapshot(); !reflect.DeepEqual(got, empty) {
		t.Errorf("refused import wrote: %+v", got)
	}

	// Dry run: the same report, nothing written.
	rep, err = e.s.Import(admin, service.ImportRequest{FileName: path, Data: bad, DryRun: true}, nil)
	if err != nil || rep.Valid != 3 || rep.Imported != 0 || len(rep.Errors) != 1 {
		t.Errorf("dry run: %+v, %v", rep, err)
	}
	if got := e.snapshot(); !reflect.DeepEqual(got, empty) {
		t.Errorf("dry run wrote: %+v", got)
	}

	// The valid rows only.
	rep, err = e.s.Import(admin, service.ImportRequest{FileName: path, Data: bad, ValidOnly: true}, nil)
	if err != nil || rep.Imported != 3 || len(rep.Errors) != 1 || rep.Errors[0].Row != 5 {
		t.Fatalf("valid only: %+v, %v", rep, err)
	}
	got := e.snapshot()
	if len(got.rows) != 3 || got.audits != 1 {
		t.Errorf("after the valid rows: %d passes, %d audit entries", len(got.rows), got.audits)
	}
	for _, r := range got.rows {
		if r.Number == "L736_2021_00050" {
			t.Errorf("the bad row was imported: %+v", r)
		}
	}
}

func TestImportDryRunOnCleanFile(t *testing.T) {
	e := newEnv(t)
	path, data := sample(t)
	hash := e.dbHash()
	rep, err := e.s.Import(admin, service.ImportRequest{FileName: path, Data: data, DryRun: true}, nil)
	if err != nil || rep.Valid != 3 || rep.Imported != 0 || len(rep.Errors) != 0 {
		t.Errorf("dry run %+v, %v", rep, err)
	}
	if got := e.snapshot(); len(got.rows) != 0 || got.audits != 0 || got.jobs != 0 {
		t.Errorf("dry run wrote %+v", got)
	}
	if e.dbHash() != hash {
		t.Error("dry run rewrote the database file")
	}
}

func TestImportForbiddenToOperators(t *testing.T) {
	e := newEnv(t)
	path, data := sample(t)
	rep, err := e.s.Import(mario, service.ImportRequest{FileName: path, Data: data}, nil)
	if !errors.Is(err, service.ErrForbidden) || rep.Imported != 0 {
		t.Errorf("operator import: %+v, %v; want ErrForbidden", rep, err)
	}
	if got := e.snapshot(); len(got.rows) != 0 || got.audits != 0 {
		t.Errorf("forbidden import wrote %+v", got)
	}
	// Venezia's administrator imports into Venezia.
	rep, err = e.s.Import(capo, service.ImportRequest{FileName: path, Data: data}, nil)
	if err != nil || rep.Imported != 3 {
		t.Errorf("Venezia's administrator: %+v, %v", rep, err)
	}
}

func TestImportChecksTheRegister(t *testing.T) {
	e := newEnv(t)
	path, data := sample(t)
	// ROSSI already holds an active pass issued at the counter, and VE-1234 is taken in
	// Venezia by somebody else.
	counter := e.issue(mario, person(t, "ROSSI", "MARIO", 'M', date(1980, 1, 1), "L736"))
	e.issueReq(mario, service.IssueRequest{Person: bianchi(t), Pass: domain.IssueInput{Kind: domain.Permanente, Number: "VE-1234"}})
	before := e.snapshot()
	rep, err := e.s.Import(admin, service.ImportRequest{FileName: path, Data: data}, nil)
	var refused *service.ImportRefused
	if !errors.As(err, &refused) {
		t.Fatalf("err = %v, want ImportRefused", err)
	}
	if len(rep.Errors) != 2 {
		t.Fatalf("errors %+v", rep.Errors)
	}
	cf, num := rep.Errors[0], rep.Errors[1]
	if cf.Row != 2 || cf.Column != "codice_fiscale" || !strings.Contains(cf.Message, "contrassegno attivo") || !strings.Contains(cf.Message, counter.Pass.Number) {
		t.Errorf("codice_fiscale error %+v", cf)
	}
	if num.Row != 4 || num.Column != "numero_pass" || !strings.Contains(num.Message, "VE-1234") || !strings.Contains(num.Message, "altra persona") {
		t.Errorf("numero_pass error %+v", num)
	}
	if after := e.snapshot(); !reflect.DeepEqual(before, after) {
		t.Errorf("refused import changed the register")
	}
}
