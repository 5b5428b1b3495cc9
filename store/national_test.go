package store_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/store"
)

// TestMigration5PiattaformaNazionale: the national platform's settings get their bucket;
// the outbox written before stays as it was.
func TestMigration5PiattaformaNazionale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	job := `{"seq":1,"key":"1-1-rilascio","kind":"rilascio","state":"in_coda"}`
	if err := b.Update(func(tx *bolt.Tx) error {
		if err := store.MigrateTo(tx, 4); err != nil {
			return err
		}
		return tx.Bucket([]byte("outbox")).Put(store.U64(1), []byte(job))
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 5) }); err != nil {
		t.Fatalf("migrateTo(5): %v", err)
	}
	err = b.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("national_config")) == nil {
			return fmt.Errorf("bucket national_config missing")
		}
		if v := tx.Bucket([]byte("outbox")).Get(store.U64(1)); string(v) != job {
			return fmt.Errorf("schema-4 job lost: %q", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("Open after migration 5: %v", err)
	}
	defer db.Close()
	err = db.Update(func(tx *store.Tx) error {
		if err := tx.PutNationalConfig(store.NationalConfig{Comune: "L736", URL: "https://cude.example", User: "comune.venezia", WarnDays: 14}); err != nil {
			return err
		}
		c, err := tx.NationalConfig("L736")
		if err != nil || c.User != "comune.venezia" {
			return fmt.Errorf("read back %+v, %v", c, err)
		}
		if _, err := tx.NationalConfig("G224"); err != store.ErrNotFound {
			return fmt.Errorf("unconfigured comune: %v", err)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)
}

// TestMigration6IndiceInviiAperti indexes a schema-5 outbox: the pending and the
// rejected jobs are open, the done, manual and skipped ones are not. Opened by this
// vivipass (migration 7 drops the index), the open jobs read the same and later
// writes keep them.
func TestMigration6IndiceInviiAperti(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	states := []store.JobState{store.JobDone, store.JobPending, store.JobManual, store.JobRejected, store.JobSkipped}
	if err := b.Update(func(tx *bolt.Tx) error {
		if err := store.MigrateTo(tx, 5); err != nil {
			return err
		}
		out := tx.Bucket([]byte("outbox"))
		for i, st := range states {
			seq := uint64(i + 1)
			if err := out.SetSequence(seq); err != nil {
				return err
			}
			j := fmt.Sprintf(`{"seq":%d,"key":"%d-1-rilascio","kind":"rilascio","comune":"L736","state":%q}`, seq, seq, st)
			if err := out.Put(store.U64(seq), []byte(j)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 6) }); err != nil {
		t.Fatalf("migrateTo(6): %v", err)
	}
	if got := rawOpenIndex(t, b); got != "[2 4]" {
		t.Errorf("index after migration 6: %v, want [2 4]", got)
	}
	b.Close()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("Open after migration 6: %v", err)
	}
	defer db.Close()
	seqs := func() (out []uint64) {
		t.Helper()
		if err := db.View(func(tx *store.Tx) error {
			jobs, err := tx.Jobs(true)
			for _, j := range jobs {
				out = append(out, j.Seq)
			}
			return err
		}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	if got := seqs(); fmt.Sprint(got) != "[2 4]" {
		t.Errorf("open jobs after the migration: %v, want [2 4]", got)
	}
	verifyClean(t, db)
	// A job done leaves the index, a new one enters it.
	if err := db.Update(func(tx *store.Tx) error {
		j, err := tx.Job(2)
		if err != nil {
			return err
		}
		j.State = store.JobDone
		if err := tx.PutJob(j); err != nil {
			return err
		}
		_, err = tx.Enqueue("rinnovo", 9, 9, 2, "L736", nil)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := seqs(); fmt.Sprint(got) != "[4 6]" {
		t.Errorf("open jobs after a send and a new change: %v, want [4 6]", got)
	}
	verifyClean(t, db)
	// The queue page reads from the newest back and stops when it has enough.
	var newest []uint64
	if err := db.View(func(tx *store.Tx) error {
		return tx.JobsNewestFirst(func(j store.OutboxJob) bool { newest = append(newest, j.Seq); return len(newest) < 3 })
	}); err != nil || fmt.Sprint(newest) != "[6 5 4]" {
		t.Errorf("newest first: %v, %v", newest, err)
	}
}

// A backup written at schema 5 (before an upgrade) is verified through a migrated
// temporary copy: no problems found, the backup itself left byte for byte as it was,
// and no copy left behind.
func TestVerifyFileOfAnOlderBackup(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "vivipass-20261201.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		if err := store.MigrateTo(tx, 5); err != nil {
			return err
		}
		out := tx.Bucket([]byte("outbox"))
		if err := out.SetSequence(1); err != nil {
			return err
		}
		return out.Put(store.U64(1), []byte(`{"seq":1,"key":"1-1-rilascio","kind":"rilascio","comune":"L736","state":"in_coda"}`))
	}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := store.Open(path, store.Options{ReadOnly: true}); !errors.Is(err, store.ErrOlderSchema) {
		t.Fatalf("read-only open of schema 5: %v", err)
	}
	problems, _, err := store.VerifyFile(path)
	if err != nil || len(problems) != 0 {
		t.Fatalf("VerifyFile: %v, %v", problems, err)
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Error("verifying the backup changed it")
	}
	if left, _ := filepath.Glob(filepath.Join(dir, ".verifica-*")); len(left) != 0 {
		t.Errorf("temporary copies left: %v", left)
	}
}

// rawOpenIndex lists the schema-6 index of open jobs ("absent" when there is none).
func rawOpenIndex(t *testing.T, b *bolt.DB) string {
	t.Helper()
	var seqs []uint64
	found := false
	if err := b.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket([]byte("idx")).Bucket([]byte("jobopen"))
		if idx == nil {
			return nil
		}
		found = true
		return idx.ForEach(func(k, _ []byte) error { seqs = append(seqs, binary.BigEndian.Uint64(k)); return nil })
	}); err != nil {
		t.Fatal(err)
	}
	if !found {
		return "absent"
	}
	return fmt.Sprint(seqs)
}

// TestMigration7InviiApertiInMemoria drops the schema-6 index of open jobs, which held a
// stale entry (job 1, done since): the open jobs are read from the outbox itself, and
// Verify no longer asks for the index.
func TestMigration7InviiApertiInMemoria(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		if err := store.MigrateTo(tx, 6); err != nil {
			return err
		}
		out := tx.Bucket([]byte("outbox"))
		for seq, st := range map[uint64]store.JobState{1: store.JobDone, 2: store.JobRejected, 3: store.JobPending} {
			j := fmt.Sprintf(`{"seq":%d,"key":"%d-1-rilascio","kind":"rilascio","comune":"L736","state":%q,"change":{"state":"in_coda"}}`, seq, seq, st)
			if err := out.Put(store.U64(seq), []byte(j)); err != nil {
				return err
			}
		}
		if err := out.SetSequence(3); err != nil {
			return err
		}
		return tx.Bucket([]byte("idx")).Bucket([]byte("jobopen")).Put(store.U64(1), nil)
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 7) }); err != nil {
		t.Fatalf("migrateTo(7): %v", err)
	}
	if got := rawOpenIndex(t, b); got != "absent" {
		t.Errorf("index after migration 7: %v, want absent", got)
	}
	b.Close()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got := openSeqs(t, db); got != "[2 3]" {
		t.Errorf("open jobs: %v, want [2 3] (1 is done, whatever the old index said)", got)
	}
	verifyClean(t, db)
}

func openSeqs(t *testing.T, db *store.DB) string {
	t.Helper()
	var seqs []uint64
	if err := db.View(func(tx *store.Tx) error {
		jobs, err := tx.Jobs(true)
		for _, j := range jobs {
			seqs = append(seqs, j.Seq)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprint(seqs)
}

// TestOpenJobsFollowCommits: the set of open jobs in memory follows what is committed,
// and only that: a transaction sees its own jobs, a rolled-back one leaves no trace, a
// replaced file is read again, and writers and readers racing end with the set equal
// to a scan of the outbox.
func TestOpenJobsFollowCommits(t *testing.T) {
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "vivipass.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	enqueue := func(tx *store.Tx) store.OutboxJob {
		j, err := tx.Enqueue("rilascio", 1, 1, 1, "L736", nil)
		if err != nil {
			t.Fatal(err)
		}
		return j
	}
	if err := db.Update(func(tx *store.Tx) error { enqueue(tx); return nil }); err != nil {
		t.Fatal(err)
	}
	if got := openSeqs(t, db); got != "[1]" { // built now, by the scan
		t.Fatalf("open jobs: %v, want [1]", got)
	}
	if err := db.Update(func(tx *store.Tx) error {
		j := enqueue(tx)
		jobs, err := tx.Jobs(true)
		if err != nil || len(jobs) != 2 || jobs[1].Seq != j.Seq {
			t.Errorf("inside the transaction: %v, %v; want jobs 1 and 2", jobs, err)
		}
		first, _ := tx.Job(1)
		first.State = store.JobDone
		if err := tx.PutJob(first); err != nil {
			return err
		}
		if jobs, _ := tx.Jobs(true); len(jobs) != 1 || jobs[0].Seq != 2 {
			t.Errorf("after closing job 1 in the transaction: %v, want job 2", jobs)
		}
		return errors.New("annullata")
	}); err == nil {
		t.Fatal("the update was not rolled back")
	}
	if got := openSeqs(t, db); got != "[1]" {
		t.Fatalf("after a rollback: %v, want [1]", got)
	}

	// Replacing the file (a bulk import) reads the set again from the new one.
	scratch := filepath.Join(dir, "scratch.db")
	other, err := store.Open(scratch, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := other.Update(func(tx *store.Tx) error {
		for range 3 {
			enqueue(tx)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	other.Close()
	if err := db.ReplaceWith(scratch); err != nil {
		t.Fatal(err)
	}
	if got := openSeqs(t, db); got != "[1 2 3]" {
		t.Fatalf("after ReplaceWith: %v, want [1 2 3]", got)
	}

	// Racing writers (each enqueues one job and closes an older one) and readers.
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 25 {
				if err := db.Update(func(tx *store.Tx) error {
					enqueue(tx)
					if j, err := tx.Job(uint64(w*25 + i + 1)); err == nil && j.Open() {
						j.State = store.JobDone
						return tx.PutJob(j)
					}
					return nil
				}); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	for range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				if err := db.View(func(tx *store.Tx) error { _, err := tx.Jobs(true); return err }); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	var want []uint64
	if err := db.View(func(tx *store.Tx) error {
		all, err := tx.Jobs(false)
		for _, j := range all {
			if j.Open() {
				want = append(want, j.Seq)
			}
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got := openSeqs(t, db); got != fmt.Sprint(want) || len(want) == 0 {
		t.Errorf("after the race: set %v, scan %v", got, want)
	}
}

// TestMigration8AnnullamentoUltimaOperazione: the bucket of the undo entries comes at
// schema 8; an entry written is read back by its lineage, a newer one of the same
// lineage replaces it, and the old ones go when a new one is written.
func TestMigration8AnnullamentoUltimaOperazione(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 7) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 8) }); err != nil {
		t.Fatalf("migrateTo(8): %v", err)
	}
	if err := b.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("undo")) == nil {
			return errors.New("no undo bucket")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	b.Close()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	keep := 15 * time.Minute
	if err := db.Update(func(tx *store.Tx) error {
		for _, e := range []store.UndoEntry{
			{Lineage: 1, Operator: "mario", At: t0, Action: "revoca"},
			{Lineage: 2, Operator: "mario", At: t0.Add(time.Minute), Action: "sospensione"},
			{Lineage: 1, Operator: "mario", At: t0.Add(2 * time.Minute), Action: "rinnovo"},
		} {
			if err := tx.PutUndo(e, keep); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	read := func(lineage uint64) (store.UndoEntry, error) {
		var e store.UndoEntry
		err := db.View(func(tx *store.Tx) error { var err error; e, err = tx.Undo(lineage); return err })
		return e, err
	}
	if e, err := read(1); err != nil || e.Action != "rinnovo" {
		t.Errorf("lineage 1: %+v, %v; want the renewal, the revoke replaced", e, err)
	}
	// Twenty minutes later a new entry drops the ones past the quarter of an hour.
	if err := db.Update(func(tx *store.Tx) error {
		return tx.PutUndo(store.UndoEntry{Lineage: 3, Operator: "giulia", At: t0.Add(20 * time.Minute), Action: "revoca"}, keep)
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := read(2); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("lineage 2 after 20 minutes: %v, want gone", err)
	}
	if e, err := read(3); err != nil || e.Operator != "giulia" {
		t.Errorf("lineage 3: %+v, %v", e, err)
	}
	verifyClean(t, db)
}
