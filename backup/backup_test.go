package backup

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// register is a real bbolt file with the demo data.
func register(t *testing.T) *service.Service {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "vivipass.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	svc := service.New(db)
	if _, err := svc.LoadDemo(service.SystemActor("admin")); err != nil {
		t.Fatal(err)
	}
	return svc
}

func rome(y int, m time.Month, d, h, min int) time.Time {
	return time.Date(y, m, d, h, min, 0, 0, domain.Rome)
}

func TestNext(t *testing.T) {
	sc := Schedule{At: 2*time.Hour + 30*time.Minute}
	for _, c := range []struct{ now, want time.Time }{
		{rome(2026, 12, 3, 1, 0), rome(2026, 12, 3, 2, 30)},
		{rome(2026, 12, 3, 2, 30), rome(2026, 12, 4, 2, 30)},
		{rome(2026, 12, 3, 23, 59), rome(2026, 12, 4, 2, 30)},
		{rome(2026, 12, 31, 3, 0), rome(2027, 1, 1, 2, 30)},
		// daylight saving ends on 25 October 2026: still 02:30 Italian time
		{rome(2026, 10, 24, 12, 0), rome(2026, 10, 25, 2, 30)},
		{time.Date(2026, 12, 3, 0, 0, 0, 0, time.UTC), rome(2026, 12, 3, 2, 30)}, // 01:00 in Rome
	} {
		if got := sc.Next(c.now); !got.Equal(c.want) {
			t.Errorf("Next(%s) = %s, want %s", c.now, got, c.want)
		}
	}
	if _, err := ParseAt("25:00"); err == nil || !strings.Contains(err.Error(), "ora non valida") {
		t.Errorf("ParseAt(25:00): %v", err)
	}
	if d, err := ParseAt(" 02:30 "); err != nil || d != 150*time.Minute {
		t.Errorf("ParseAt(02:30) = %v, %v", d, err)
	}
}

// A copy is written, verified (every index and the audit chain), recorded; the oldest
// are pruned beyond Keep and nothing else in the folder is touched.
func TestRunVerifiesRecordsAndPrunes(t *testing.T) {
	svc := register(t)
	dir := t.TempDir()
	other := filepath.Join(dir, "appunti.txt")
	os.WriteFile(other, []byte("non toccare"), 0o600)
	sc := Schedule{Dir: dir, At: time.Hour, Keep: 2}
	day := rome(2026, 12, 1, 2, 30)
	for i := range 4 {
		o, err := Run(svc, sc, day.AddDate(0, 0, i))
		if err != nil || !o.OK() || o.Passes == 0 || o.Size == 0 {
			t.Fatalf("copy %d: %+v, %v", i, o, err)
		}
		if problems, n, err := store.VerifyFile(o.File); err != nil || len(problems) > 0 || n != o.Passes {
			t.Fatalf("the copy does not verify: %v %v %d", problems, err, n)
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"appunti.txt", "vivipass-20261203-023000.db", "vivipass-20261204-023000.db"}
	if strings.Join(names, " ") != strings.Join(want, " ") {
		t.Errorf("folder %v, want %v", names, want)
	}
	last, ok, err := svc.LastBackup()
	if err != nil || !ok || !last.OK() || !strings.HasSuffix(last.File, "vivipass-20261204-023000.db") || last.LastSuccess.IsZero() {
		t.Errorf("LastBackup = %+v, %v, %v", last, ok, err)
	}
}

// A copy that cannot be written is a failure on record, in Italian, keeping the last
// success, until the next copy succeeds.
func TestFailureStaysUntilNextSuccess(t *testing.T) {
	svc := register(t)
	good := Schedule{Dir: t.TempDir(), Keep: 3}
	first, err := Run(svc, good, rome(2026, 12, 1, 2, 30))
	if err != nil {
		t.Fatal(err)
	}
	blocked := filepath.Join(t.TempDir(), "un-file")
	os.WriteFile(blocked, nil, 0o600)
	o, err := Run(svc, Schedule{Dir: blocked, Keep: 3}, rome(2026, 12, 2, 2, 30))
	if err == nil || o.OK() && o.File != "" {
		t.Fatalf("backup into a file as folder: %+v, %v", o, err)
	}
	if !strings.Contains(err.Error(), "cartella dei backup") {
		t.Errorf("error %q", err)
	}
	// A copy refused by the service (path in a missing folder) is recorded as failed.
	o, err = svc.BackupTo(service.SystemActor("backup"), filepath.Join(blocked, "x", "copia.db"))
	if err == nil || o.OK() {
		t.Fatalf("BackupTo into a missing folder: %+v", o)
	}
	last, _, _ := svc.LastBackup()
	if last.OK() || !strings.Contains(last.Err, "impossibile creare il file di backup") || !last.LastSuccess.Equal(first.At) {
		t.Errorf("after the failure: %+v (first at %s)", last, first.At)
	}
	if _, err := Run(svc, good, rome(2026, 12, 3, 2, 30)); err != nil {
		t.Fatal(err)
	}
	if last, _, _ := svc.LastBackup(); !last.OK() || last.LastSuccess.Equal(first.At) {
		t.Errorf("after the next success: %+v", last)
	}
	// Operators of a comune cannot write copies on the server.
	op := service.OperatorActor(domain.Operator{Name: "capo", Role: domain.RoleAmministratore, Comune: "L736"})
	if _, err := svc.BackupTo(op, filepath.Join(good.Dir, "mia.db")); err == nil {
		t.Error("a comune's administrator wrote a copy of the whole register")
	}
}

// The scheduler copies at the set hour, again the next day, and stops with its context.
func TestSchedulerRunsDaily(t *testing.T) {
	svc := register(t)
	dir := t.TempDir()
	clock := rome(2026, 12, 3, 1, 0)
	fire := make(chan time.Time)
	waits := make(chan time.Duration, 4)
	s := &Scheduler{Svc: svc, Schedule: Schedule{Dir: dir, At: 150 * time.Minute, Keep: 5},
		Now:   func() time.Time { return clock },
		After: func(d time.Duration) <-chan time.Time { waits <- d; return fire }}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { s.Run(ctx); close(done) }()
	if d := <-waits; d != 90*time.Minute {
		t.Errorf("first wait %s, want 1h30m", d)
	}
	clock = rome(2026, 12, 3, 2, 30)
	fire <- clock
	if d := <-waits; d != 24*time.Hour {
		t.Errorf("second wait %s, want 24h", d)
	}
	cancel()
	<-done
	if _, err := os.Stat(filepath.Join(dir, "vivipass-20261203-023000.db")); err != nil {
		t.Errorf("no copy at 02:30: %v", err)
	}
}

// procState is the state letter of a process in /proc (S sleeping, T stopped…).
func procState(t *testing.T, pid int) byte {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		t.Fatal(err)
	}
	s := string(b)
	return s[strings.LastIndexByte(s, ')')+2]
}

// The verification child is stopped while operators type and continued when they stop
// (pace), and continued at the end whatever the state.
func TestPaceStopsWhileTyping(t *testing.T) {
	cmd := exec.Command("sleep", "30")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer cmd.Process.Kill()
	var typing atomic.Bool
	typing.Store(true)
	stop := pace(cmd.Process.Pid, typing.Load)
	waitState := func(want byte) {
		t.Helper()
		deadline := time.Now().Add(2 * time.Second)
		for procState(t, cmd.Process.Pid) != want {
			if time.Now().After(deadline) {
				t.Fatalf("state %c, want %c", procState(t, cmd.Process.Pid), want)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	waitState('T')
	typing.Store(false)
	waitState('S')
	typing.Store(true)
	waitState('T')
	stop()
	waitState('S')
	if pace(cmd.Process.Pid, nil)(); procState(t, cmd.Process.Pid) != 'S' {
		t.Error("no busy function: the process must be left alone")
	}
}
