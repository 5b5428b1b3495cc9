package store_test

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"vivipass/store"
)

// BenchmarkOpenJobs (issue #10): what the national drain reads after every change, on
// a region's outbox after years (200,000 jobs done, each with its ~600-byte message,
// and 20 open): the set of open jobs kept in memory against the scan of the whole
// outbox it replaced, alternating A B A B; and, once, the first read after opening the
// file, which builds the set.
func BenchmarkOpenJobs(b *testing.B) {
	const done, open, rounds = 200000, 20, 6
	db, err := store.Open(filepath.Join(b.TempDir(), "vivipass.db"), store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer func() { db.Close() }()
	msg := []byte(`{"tipo":"rinnovo","note":"` + strings.Repeat("x", 560) + `"}`)
	for start := 0; start < done+open; start += 20000 {
		if err := db.Update(func(tx *store.Tx) error {
			for i := start; i < min(start+20000, done+open); i++ {
				j, err := tx.Enqueue("rinnovo", uint64(i+1), uint64(i+1), 1, "L736", msg)
				if err != nil {
					return err
				}
				if i%((done+open)/open) != 0 { // spread the open ones over the years
					j.State = store.JobDone
					if err := tx.PutJob(j); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			b.Fatal(err)
		}
	}
	read := func(indexed bool) (time.Duration, int) {
		start := time.Now()
		var n int
		if err := db.View(func(tx *store.Tx) error {
			jobs, err := tx.Jobs(indexed)
			for _, j := range jobs {
				if j.Open() {
					n++
				}
			}
			return err
		}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start), n
	}
	db.Close()
	if db, err = store.Open(db.Path(), store.Options{NoSync: true}); err != nil {
		b.Fatal(err)
	}
	first, _ := read(true)
	for range b.N {
		var idx, scan []time.Duration
		for range rounds {
			d, n := read(true)
			idx = append(idx, d)
			d2, n2 := read(false)
			scan = append(scan, d2)
			if n != open || n2 != open {
				b.Fatalf("open jobs: index %d, scan %d, want %d", n, n2, open)
			}
		}
		med := func(d []time.Duration) string {
			slices.Sort(d)
			return fmt.Sprintf("%v (%v–%v)", d[len(d)/2].Round(time.Microsecond), d[0].Round(time.Microsecond), d[len(d)-1].Round(time.Microsecond))
		}
		fmt.Printf("\n== invii aperti (%d su %d): dall'insieme in memoria %s, scorrendo tutto l'outbox %s (mediana, min–max, %d giri alternati); prima lettura dopo l'apertura, che costruisce l'insieme, %v\n",
			open, done+open, med(idx), med(scan), rounds, first.Round(time.Millisecond))
	}
}
