package service_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// BenchmarkSavesDuringImport (issue 12.8): an administrator imports the region-sized
// file (120,000 passes; VIVIPASS_BENCH_PASSES for a quicker run) while the operators of
// four comuni outside the region each issue a pass every 20 ms: the wait of their saves
// during the import, p50 / p99 / max (target: p99 ≤ 200 ms), and the import's duration.
func BenchmarkSavesDuringImport(b *testing.B) {
	csv, passes, now := benchRegion(b)
	for range b.N {
		b.StopTimer()
		db, err := store.Open(filepath.Join(b.TempDir(), "vivipass.db"), store.Options{})
		if err != nil {
			b.Fatal(err)
		}
		svc := service.New(db, service.WithClock(now))
		comuni := []string{"F205", "H501", "L219", "F839"} // Milano, Roma, Torino, Napoli
		var (
			mu    sync.Mutex
			waits []time.Duration
			fails int
			wg    sync.WaitGroup
		)
		stop := make(chan struct{})
		for i, c := range comuni {
			op := service.OperatorActor(domain.Operator{Name: "sportello" + c, Role: domain.RoleOperatore, Comune: c})
			wg.Add(1)
			go func() {
				defer wg.Done()
				birth := domain.MustDate(1930+i*10, time.January, 1)
				for j := 0; ; j++ {
					select {
					case <-stop:
						return
					case <-time.After(20 * time.Millisecond):
					}
					d := birth.AddDays(j)
					cf, err := domain.ComputeCF("BENCHMARK", "SPORTELLO", 'F', d, c)
					if err != nil {
						b.Error(err)
						return
					}
					p := domain.Person{CodiceFiscale: cf, Cognome: "BENCHMARK", Nome: "SPORTELLO", Sesso: "F", DataNascita: d, LuogoNascita: c}
					start := time.Now()
					_, err = svc.IssuePass(op, service.IssueRequest{Person: p, Pass: domain.IssueInput{Kind: domain.Permanente}})
					took := time.Since(start)
					mu.Lock()
					if err != nil {
						fails++
					} else {
						waits = append(waits, took)
					}
					mu.Unlock()
				}
			}()
		}
		b.StartTimer()
		start := time.Now()
		rep, err := svc.Import(service.SystemActor("admin"), service.ImportRequest{FileName: "regione.csv", Data: csv, ValidOnly: true}, nil)
		took := time.Since(start)
		b.StopTimer()
		close(stop)
		wg.Wait()
		db.Close()
		if err != nil {
			b.Fatalf("import: %v (%d errors)", err, len(rep.Errors))
		}
		if fails > 0 || len(waits) == 0 {
			b.Fatalf("saves during the import: %d done, %d failed", len(waits), fails)
		}
		slices.Sort(waits)
		pct := func(q float64) time.Duration { return waits[min(len(waits)-1, int(q*float64(len(waits))))] }
		ms := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
		b.ReportMetric(ms(pct(0.99)), "p99-ms")
		b.ReportMetric(took.Seconds(), "import-s")
		fmt.Printf("\n== salvataggi durante l'import di %d contrassegni (%d importati, %.1f s): %d salvataggi di 4 comuni, attesa p50 %.1f ms, p99 %.1f ms, massima %.1f ms (obiettivo p99 ≤ 200 ms)\n",
			passes, rep.Imported, took.Seconds(), len(waits), ms(pct(0.5)), ms(pct(0.99)), ms(waits[len(waits)-1]))
	}
}
