package service_test

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// clock is the fixed service clock; tests move it when a story needs days to pass.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) set(d domain.Date) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = time.Date(d.Year(), d.Month(), d.Day(), 10, 30, 0, 0, domain.Rome)
}

// today is the fixed day of every test unless the clock is moved.
var today = domain.MustDate(2025, time.June, 10)

func date(y int, m time.Month, d int) domain.Date { return domain.MustDate(y, m, d) }

// env is a service over a real bbolt file in a temporary directory.
type env struct {
	t   *testing.T
	s   *service.Service
	clk *clock
	dir string
}

// newEnv opens a fresh register with the clock at today. At the end of the test the
// audit chain and every index must verify clean, whatever the test did.
func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "vivipass.db"), store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	clk := &clock{}
	clk.set(today)
	e := &env{t: t, s: service.New(db, service.WithClock(clk.now)), clk: clk, dir: dir}
	t.Cleanup(e.verifyClean) // runs before Close (cleanups are LIFO)
	return e
}

func (e *env) verifyClean() {
	t := e.t
	t.Helper()
	n, ap, err := e.s.AuditVerify()
	if err != nil || len(ap) > 0 {
		t.Errorf("AuditVerify after the test: %d entries, problems %+v, err %v", n, ap, err)
	}
	pr, err := e.s.StoreVerify()
	if err != nil || len(pr) > 0 {
		t.Errorf("StoreVerify after the test: problems %+v, err %v", pr, err)
	}
}

// auditCount is the number of audit entries.
func (e *env) auditCount() int {
	e.t.Helper()
	n, _, err := e.s.AuditVerify()
	if err != nil {
		e.t.Fatal(err)
	}
	return n
}

// jobs lists every outbox job.
func (e *env) jobs() []store.OutboxJob {
	e.t.Helper()
	var out []store.OutboxJob
	if err := e.s.DB().View(func(tx *store.Tx) error {
		var err error
		out, err = tx.Jobs(false)
		return err
	}); err != nil {
		e.t.Fatal(err)
	}
	return out
}

var (
	admin  = service.SystemActor("admin")
	mario  = service.OperatorActor(domain.Operator{Name: "mario", Role: domain.RoleOperatore, Comune: "L736"})
	anna   = service.OperatorActor(domain.Operator{Name: "anna", Role: domain.RoleOperatore, Comune: "L736"})
	giulia = service.OperatorActor(domain.Operator{Name: "giulia", Role: domain.RoleOperatore, Comune: "G224"})
	// capo administers Venezia only.
	capo = service.OperatorActor(domain.Operator{Name: "capo", Role: domain.RoleAmministratore, Comune: "L736"})
	// capoPadova administers Padova only.
	capoPadova = service.OperatorActor(domain.Operator{Name: "capopd", Role: domain.RoleAmministratore, Comune: "G224"})
)

// person builds a holder whose codice fiscale agrees with the data.
func person(t *testing.T, cognome, nome string, sex byte, birth domain.Date, place string) domain.Person {
	t.Helper()
	cf, err := domain.ComputeCF(cognome, nome, sex, birth, place)
	if err != nil {
		t.Fatalf("ComputeCF(%s %s): %v", cognome, nome, err)
	}
	return domain.Person{CodiceFiscale: cf, Cognome: cognome, Nome: nome, Sesso: string(sex),
		DataNascita: birth, LuogoNascita: place}
}

func rossi(t *testing.T) domain.Person {
	return person(t, "ROSSI", "MARIO", 'M', date(1980, time.January, 1), "L736")
}

func bianchi(t *testing.T) domain.Person {
	return person(t, "BIANCHI", "GIOVANNA", 'F', date(1975, time.July, 23), "L736")
}

func verdi(t *testing.T) domain.Person {
	return person(t, "VERDI", "LUCA", 'M', date(1990, time.March, 15), "G224")
}

// issue issues a permanent pass with the defaults and fails the test on error.
func (e *env) issue(a service.Actor, p domain.Person, plates ...service.PlateInput) service.Result {
	e.t.Helper()
	return e.issueReq(a, service.IssueRequest{Person: p, Pass: domain.IssueInput{Kind: domain.Permanente}, Plates: plates})
}

func (e *env) issueReq(a service.Actor, req service.IssueRequest) service.Result {
	e.t.Helper()
	res, err := e.s.IssuePass(a, req)
	if err != nil {
		e.t.Fatalf("IssuePass(%s): %v", req.Person.Cognome, err)
	}
	return res
}

func (e *env) get(a service.Actor, id uint64) service.PassView {
	e.t.Helper()
	v, err := e.s.GetPass(a, id)
	if err != nil {
		e.t.Fatalf("GetPass(%d) as %s: %v", id, a.Operator, err)
	}
	return v
}

func change(p domain.Pass) service.Change { return service.Change{PassID: p.ID, Version: p.Version} }

func plate(n string) service.PlateInput { return service.PlateInput{Number: n} }

// wantErr fails unless err is non-nil and its message contains every word.
func wantErr(t *testing.T, what string, err error, words ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error, want one saying %q", what, words)
		return
	}
	for _, w := range words {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("%s: error %q does not contain %q", what, err, w)
		}
	}
}

func wantNotFound(t *testing.T, what string, err error) {
	t.Helper()
	if !errors.Is(err, service.ErrNotFound) {
		t.Errorf("%s: err = %v, want ErrNotFound", what, err)
	}
}

func actions(h []store.AuditEntry) []string {
	var out []string
	for _, e := range h {
		out = append(out, e.Action)
	}
	return out
}
