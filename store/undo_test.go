package store_test

import (
	"encoding/json"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/store"
)

// An undo entry written before the value's head (JSON alone) is still read, replaced
// and pruned like the others.
func TestUndoEntriesOfBeforeTheHead(t *testing.T) {
	db := open(t)
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	old, _ := json.Marshal(store.UndoEntry{Seq: 1, Lineage: 5, Operator: "mario", At: t0, Action: "revoca"})
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("undo"))
		b.SetSequence(1)
		return b.Put(store.U64(1), old)
	}); err != nil {
		t.Fatal(err)
	}
	read := func(lineage uint64) (e store.UndoEntry, err error) {
		db.View(func(tx *store.Tx) error { e, err = tx.Undo(lineage); return nil })
		return e, err
	}
	if e, err := read(5); err != nil || e.Action != "revoca" || !e.At.Equal(t0) {
		t.Fatalf("an entry of before: %+v, %v", e, err)
	}
	if err := db.Update(func(tx *store.Tx) error {
		return tx.PutUndo(store.UndoEntry{Lineage: 5, Operator: "mario", At: t0.Add(time.Minute), Action: "sospensione"}, 15*time.Minute)
	}); err != nil {
		t.Fatal(err)
	}
	if e, err := read(5); err != nil || e.Action != "sospensione" || e.Seq != 2 {
		t.Fatalf("after a new change of the lineage: %+v, %v", e, err)
	}
	var n int
	db.RawView(func(tx *bolt.Tx) error { n = tx.Bucket([]byte("undo")).Stats().KeyN; return nil })
	if n != 1 {
		t.Errorf("%d undo entries, want the old one replaced", n)
	}
}

// BenchmarkPutUndoBurst: a change while 5,000 others are in the last quarter of an
// hour (a burst at the desks or a script): only the entries' heads are read.
func BenchmarkPutUndoBurst(b *testing.B) {
	db, err := store.Open(b.TempDir()+"/u.db", store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	t0 := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	db.Update(func(tx *store.Tx) error {
		for i := range 5000 {
			tx.PutUndo(store.UndoEntry{Lineage: uint64(i + 1), At: t0}, time.Hour)
		}
		return nil
	})
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		db.Update(func(tx *store.Tx) error {
			return tx.PutUndo(store.UndoEntry{Lineage: uint64(10000 + i), At: t0.Add(time.Second)}, time.Hour)
		})
	}
}
