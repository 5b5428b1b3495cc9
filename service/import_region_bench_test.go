package service_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"vivipass/bench/genregion/region"
	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// BenchmarkImportRegion (issue 14.3): the import of the region file alone (120,000
// passes; VIVIPASS_BENCH_PASSES to change it), for CPU and memory profiles of the
// bulk path (go test -run - -bench ImportRegion -cpuprofile …).
func BenchmarkImportRegion(b *testing.B) {
	csv, passes, now := benchRegion(b)
	for range b.N {
		b.StopTimer()
		db, err := store.Open(filepath.Join(b.TempDir(), "vivipass.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		svc := service.New(db, service.WithClock(now))
		b.StartTimer()
		rep, err := svc.Import(service.SystemActor("admin"), service.ImportRequest{FileName: "regione.csv", Data: csv}, nil)
		b.StopTimer()
		db.Close()
		if err != nil || rep.Imported != passes {
			b.Fatalf("import: %v (%d imported, %d errors)", err, rep.Imported, len(rep.Errors))
		}
	}
}

// benchRegion is the region file of the import benchmarks (120,000 passes, or
// VIVIPASS_BENCH_PASSES), its passes, and a clock on the day it was made for.
func benchRegion(b *testing.B) ([]byte, int, func() time.Time) {
	b.Helper()
	passes := 120000
	if v, err := strconv.Atoi(os.Getenv("VIVIPASS_BENCH_PASSES")); err == nil && v > 0 {
		passes = v
	}
	var csv bytes.Buffer
	if _, err := region.Generate(&csv, region.Options{Passes: passes, Seed: 1, AsOf: region.DefaultAsOf}); err != nil {
		b.Fatal(err)
	}
	day := region.DefaultAsOf
	now := func() time.Time { return time.Date(day.Year(), day.Month(), day.Day(), 10, 30, 0, 0, domain.Rome) }
	return csv.Bytes(), passes, now
}
