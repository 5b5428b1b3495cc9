package service_test

import (
	"runtime/debug"
	"sync/atomic"
	"testing"
	"time"

	"vivipass/service"
)

// Issue 14.3: a region-sized import bounds its heap with a soft memory limit (no
// longer SetGCPercent(20)) while it runs, and gives the process's own limit back
// after; a lower limit already set (GOMEMLIMIT) is kept.
func TestImportSetsAMemoryLimit(t *testing.T) {
	e := newEnv(t)
	data := regionFile(t, 24000)
	if len(data) <= 4<<20 {
		t.Fatalf("the file is %d bytes: not region-sized", len(data))
	}
	during := func(limit int64) int64 {
		t.Helper()
		defer debug.SetMemoryLimit(debug.SetMemoryLimit(limit))
		defer debug.SetGCPercent(debug.SetGCPercent(100))
		var lowest atomic.Int64
		lowest.Store(limit)
		stop := make(chan struct{})
		done := make(chan struct{})
		go func() {
			defer close(done)
			for {
				if l := debug.SetMemoryLimit(-1); l < lowest.Load() {
					lowest.Store(l)
				}
				select {
				case <-stop:
					return
				case <-time.After(time.Millisecond):
				}
			}
		}()
		_, err := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, DryRun: true}, nil)
		close(stop)
		<-done
		if err != nil {
			t.Fatal(err)
		}
		if got := debug.SetMemoryLimit(-1); got != limit {
			t.Errorf("after the import the limit is %d, want %d back", got, limit)
		}
		if gc := debug.SetGCPercent(100); gc != 100 {
			t.Errorf("the import left GOGC at %d", gc)
		}
		return lowest.Load()
	}
	if got := during(1 << 62); got != 128<<20 {
		t.Errorf("limit during a region import: %d, want 128 MiB", got)
	}
	if got := during(64 << 20); got != 64<<20 {
		t.Errorf("a lower limit set before the import became %d", got)
	}
}
