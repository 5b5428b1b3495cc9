package store_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/store"
)

// TestMigration9ClientiHTTP (issue 13.3): schema 9 adds the HTTP clients, the index of
// their tokens' hashes and the query log; a client is found by its token's hash (a new
// token replaces the old one's entry), and the log is pruned by age and by count.
func TestMigration9ClientiHTTP(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 8) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 9) }); err != nil {
		t.Fatalf("migrateTo(9): %v", err)
	}
	if err := b.View(func(tx *bolt.Tx) error {
		for _, n := range []string{"clients", "client_tokens", "querylog"} {
			if tx.Bucket([]byte(n)) == nil {
				return errors.New("no bucket " + n)
			}
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
	if err := db.Update(func(tx *store.Tx) error {
		if err := tx.PutClient(store.Client{Name: "varco-1", Kind: "gate", Comune: "L736", TokenHash: "aa", CreatedAt: t0}); err != nil {
			return err
		}
		return tx.PutClient(store.Client{Name: "varco-1", Kind: "gate", Comune: "L736", TokenHash: "bb", CreatedAt: t0})
	}); err != nil {
		t.Fatal(err)
	}
	var entries []store.QueryEntry
	for i := range 10 {
		entries = append(entries, store.QueryEntry{At: t0.Add(time.Duration(i) * 24 * time.Hour), Client: "varco-1", Endpoint: "targhe", Subject: "AB123CD", Status: 200})
	}
	var pruned int
	if err := db.Update(func(tx *store.Tx) error {
		if err := tx.AppendQueries(entries); err != nil {
			return err
		}
		pruned, err = tx.PruneQueries(t0.Add(3*24*time.Hour), 5) // 3 by age, then 2 more by count
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.View(func(tx *store.Tx) error {
		if _, err := tx.ClientByTokenHash("aa"); !errors.Is(err, store.ErrNotFound) {
			t.Errorf("the replaced token still finds the client: %v", err)
		}
		if c, err := tx.ClientByTokenHash("bb"); err != nil || c.Name != "varco-1" || c.Comune != "L736" {
			t.Errorf("by token: %+v, %v", c, err)
		}
		var seqs []uint64
		tx.Queries(func(e store.QueryEntry) bool { seqs = append(seqs, e.Seq); return true })
		if len(seqs) != 5 || seqs[0] != 10 || seqs[4] != 6 {
			t.Errorf("after pruning: %v, want 10…6 newest first", seqs)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if pruned != 5 {
		t.Errorf("pruned %d, want 5", pruned)
	}
	verifyClean(t, db)
}
