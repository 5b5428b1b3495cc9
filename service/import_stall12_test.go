package service_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vivipass/bench/genregion/region"
	"vivipass/domain"
	"vivipass/service"
	"vivipass/service/legacy"
	"vivipass/store"
)

// stallRows is more than one chunk of the import (5,000 rows): the import writes a
// copy of the register and swaps it in.
const stallRows = 6000

// regionFile is a generated region register of n rows dated up to today.
func regionFile(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if _, err := region.Generate(&buf, region.Options{Passes: n, Seed: 12, AsOf: today}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// milano is an operator of a comune outside the region of the file.
var milano = service.OperatorActor(domain.Operator{Name: "lucia", Role: domain.RoleOperatore, Comune: "F205"})

// duringImport runs save from the import's first progress report (the import is then
// writing its rows) and waits for it: a save that waits for the end of the import
// fails the test instead of hanging it.
func duringImport(t *testing.T, save func()) (progress func(done, total int), ran func() bool) {
	t.Helper()
	started := false
	return func(done, total int) {
			if started || done >= total {
				return
			}
			started = true
			finished := make(chan struct{})
			go func() {
				defer close(finished)
				save()
			}()
			select {
			case <-finished:
			case <-time.After(20 * time.Second):
				t.Fatalf("issue 12.8: il salvataggio ha atteso la fine dell'import (%d righe di %d scritte)", done, total)
			}
		}, func() bool {
			return started
		}
}

// TestImportDoesNotStallOtherComuni (issue 12.8): while an administrator imports a
// region-sized file, an operator of another comune issues a pass, adds a plate and
// changes a person; each save completes while the import is still writing, and
// afterwards the register has both the saves and the whole import, with the indexes
// and the audit chain clean (newEnv checks them at the end).
func TestImportDoesNotStallOtherComuni(t *testing.T) {
	e := newEnv(t)
	data := regionFile(t, stallRows)
	holder := person(t, "ZANZOTTO", "ERMENEGILDA", 'F', date(1941, time.March, 3), "F205")
	first := e.issue(milano, holder, plate("AA111AA"))
	var issued, plated service.Result
	var changed domain.Person
	progress, ran := duringImport(t, func() {
		var err error
		newcomer := person(t, "QUASIMODO", "TEODORICO", 'M', date(1950, time.May, 5), "F205")
		if issued, err = e.s.IssuePass(milano, service.IssueRequest{Person: newcomer, Pass: domain.IssueInput{Kind: domain.Permanente}}); err != nil {
			t.Errorf("IssuePass during the import: %v", err)
			return
		}
		if plated, err = e.s.AddPlate(milano, change(first.Pass), plate("BB222BB"), false); err != nil {
			t.Errorf("AddPlate during the import: %v", err)
			return
		}
		p := e.get(milano, first.Pass.ID).Holder
		p.Indirizzo = "VIA BRERA 28"
		if changed, err = e.s.SavePerson(milano, p, ""); err != nil {
			t.Errorf("SavePerson during the import: %v", err)
		}
	})
	rep, err := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, ValidOnly: true}, progress)
	if err != nil {
		t.Fatalf("Import: %v (%d errors)", err, len(rep.Errors))
	}
	if !ran() {
		t.Fatal("the import reported no progress while writing")
	}
	if rep.Imported < importedAtLeast(t, data) || rep.Imported+rep.Skipped != rep.Valid {
		t.Errorf("report: %+v", rep)
	}
	// The whole import is there.
	res, err := e.s.Search(admin, service.Query{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	imported := 0
	for _, r := range res.Rows {
		if r.Comune != "F205" {
			imported++
		}
	}
	if imported != rep.Imported {
		t.Errorf("passes of the region in the register: %d, want the %d imported", imported, rep.Imported)
	}
	// And the saves made meanwhile.
	if v := e.get(milano, issued.Pass.ID); v.Pass.Number != issued.Pass.Number || v.Holder.Cognome != "QUASIMODO" {
		t.Errorf("the pass issued during the import: %+v", v.Pass)
	}
	cur := e.get(milano, plated.Pass.ID).Pass
	if len(cur.Plates) != 2 {
		t.Errorf("the plate added during the import is lost: plates %+v", cur.Plates)
	}
	if h := e.get(milano, cur.ID).Holder; h.Indirizzo != "VIA BRERA 28" || h.Version != changed.Version {
		t.Errorf("the person changed during the import: %+v", h)
	}
	if got := milanoPasses(t, e); got != 2 {
		t.Errorf("Milano's current passes: %d, want 2", got)
	}
	// The import's entry closes the chain, after the desk's.
	tail := auditTail(t, e, 1)
	if len(tail) != 1 || tail[0].Action != "import massivo" {
		t.Errorf("last audit entry: %+v, want the import's", tail)
	}
	// Next ids follow both: a new pass after the import is written and found.
	later := e.issue(milano, person(t, "UNGARETTI", "GELSOMINA", 'F', date(1960, time.June, 6), "F205"))
	if e.get(milano, later.Pass.ID).Holder.Cognome != "UNGARETTI" {
		t.Error("a pass issued after the import is not found")
	}
	if m, _ := filepath.Glob(e.s.DB().Path() + ".import-*"); len(m) != 0 {
		t.Errorf("copies left beside the register: %v", m)
	}
}

// importedAtLeast is a floor on what the import writes: the valid rows of the file.
func importedAtLeast(t *testing.T, data []byte) int {
	t.Helper()
	f, err := legacy.Parse(data, today)
	if err != nil {
		t.Fatal(err)
	}
	return len(f.Rows) / 2
}

func milanoPasses(t *testing.T, e *env) int {
	t.Helper()
	res, err := e.s.Search(milano, service.Query{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	return len(res.Rows)
}

func auditTail(t *testing.T, e *env, n int) []store.AuditEntry {
	t.Helper()
	var out []store.AuditEntry
	if err := e.s.DB().View(func(tx *store.Tx) error {
		var err error
		out, err = tx.AuditTail(n)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportRefusedOnDeskClash (issue 12.8): during the import, the desk of a comune
// of the file registers a pass with a number the file also has for that comune. The
// import is refused with a message naming the number and saying it can be repeated;
// the desk's pass is kept and nothing of the import is in the register. Repeated, the
// import writes the rest and reports the clashing row.
func TestImportRefusedOnDeskClash(t *testing.T) {
	e := newEnv(t)
	data := regionFile(t, stallRows)
	f, err := legacy.Parse(data, today)
	if err != nil {
		t.Fatal(err)
	}
	row := f.Rows[len(f.Rows)/2]
	comune, number := row.Person.ComuneResidenza, row.Number
	desk := service.OperatorActor(domain.Operator{Name: "sportello", Role: domain.RoleOperatore, Comune: comune})
	var kept service.Result
	progress, ran := duringImport(t, func() {
		var err error
		holder := person(t, "QUASIMODO", "TEODORICO", 'M', date(1950, time.May, 5), "F205")
		kept, err = e.s.IssuePass(desk, service.IssueRequest{Person: holder, Pass: domain.IssueInput{Kind: domain.Permanente, Number: number}})
		if err != nil {
			t.Errorf("IssuePass %s during the import: %v", number, err)
		}
	})
	audits := e.auditCount()
	rep, err := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, ValidOnly: true}, progress)
	if !ran() {
		t.Fatal("the import reported no progress while writing")
	}
	wantErr(t, "import after a desk save of "+number, err, "import annullato", number, comune, "ripetere")
	if rep.Imported != 0 {
		t.Errorf("report says %d imported", rep.Imported)
	}
	res, err := e.s.Search(admin, service.Query{Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != 1 || res.Rows[0].Number != number {
		t.Fatalf("register after the refused import: %d passes, want only the desk's %s", len(res.Rows), number)
	}
	if v := e.get(admin, kept.Pass.ID); v.Holder.Cognome != "QUASIMODO" {
		t.Errorf("the desk's pass: %+v", v.Pass)
	}
	if got := e.auditCount(); got != audits+1 {
		t.Errorf("audit entries: %d, want %d (the desk's issue only)", got, audits+1)
	}
	if m, _ := filepath.Glob(e.s.DB().Path() + ".import-*"); len(m) != 0 {
		t.Errorf("copies left beside the register: %v", m)
	}
	// Repeated: the clashing row is reported, the rest imported.
	rep, err = e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, ValidOnly: true}, nil)
	if err != nil {
		t.Fatalf("repeated import: %v", err)
	}
	clash := false
	for _, re := range rep.Errors {
		clash = clash || (re.Row == row.Line && strings.Contains(re.Message, number))
	}
	if !clash || rep.Imported == 0 {
		t.Errorf("repeated import: %d imported, row %d reported: %v", rep.Imported, row.Line, clash)
	}
}

// TestImportCancelledKeepsDeskSaves (issue 12.8): an import cancelled after a desk save
// leaves the register as the desk left it, with no copy beside it.
func TestImportCancelledKeepsDeskSaves(t *testing.T) {
	e := newEnv(t)
	data := regionFile(t, stallRows)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var issued service.Result
	progress, _ := duringImport(t, func() {
		var err error
		issued, err = e.s.IssuePass(milano, service.IssueRequest{Person: person(t, "QUASIMODO", "TEODORICO", 'M', date(1950, time.May, 5), "F205"),
			Pass: domain.IssueInput{Kind: domain.Permanente}})
		if err != nil {
			t.Errorf("IssuePass: %v", err)
		}
		cancel()
	})
	if _, err := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, ValidOnly: true, Ctx: ctx}, progress); err == nil {
		t.Fatal("a cancelled import succeeded")
	}
	if got := milanoPasses(t, e); got != 1 {
		t.Errorf("Milano's passes: %d, want the desk's one", got)
	}
	if v := e.get(milano, issued.Pass.ID); v.Holder.Cognome != "QUASIMODO" {
		t.Errorf("the desk's pass: %+v", v.Pass)
	}
	res, _ := e.s.Search(admin, service.Query{Limit: 100000})
	if len(res.Rows) != 1 {
		t.Errorf("passes after the cancelled import: %d, want 1", len(res.Rows))
	}
	if m, _ := filepath.Glob(e.s.DB().Path() + ".import-*"); len(m) != 0 {
		t.Errorf("copies left beside the register: %v", m)
	}
	if _, err := os.Stat(e.s.DB().Path()); err != nil {
		t.Fatal(err)
	}
}
