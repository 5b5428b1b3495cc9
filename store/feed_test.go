package store_test

import (
	"errors"
	"path/filepath"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/store"
)

func TestMigration10SigilliEModifiche(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 9) }); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 10) }); err != nil {
		t.Fatalf("migrateTo(10): %v", err)
	}
	if err := b.View(func(tx *bolt.Tx) error {
		for _, n := range []string{"sigilli", "wlfeed"} {
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
	if err := db.Update(func(tx *store.Tx) error {
		return tx.AppendFeed([]store.FeedChange{{Lineage: 7, Numbers: []string{"L736_2026_00007"}}})
	}); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		ch, head, err := tx.Feed(0, 10)
		if err != nil || head != 1 || len(ch) != 1 || ch[0].Seq != 1 || ch[0].Lineage != 7 {
			t.Errorf("feed after the migration: %+v, %d, %v", ch, head, err)
		}
		return nil
	})
}

// Issue 13.1: the feed keeps the last changes; a gate from before them is told to take
// the full list (ErrFeedGone); pages are bounded; a rolled-back change leaves nothing.
func TestFeedKeepsTheLastChanges(t *testing.T) {
	defer store.SetFeedKeep(1500)()
	db := open(t)
	for i := range 25 {
		if err := db.Update(func(tx *store.Tx) error {
			var cs []store.FeedChange
			for j := range 100 {
				cs = append(cs, store.FeedChange{Lineage: uint64(i*100 + j + 1)})
			}
			return tx.AppendFeed(cs)
		}); err != nil {
			t.Fatal(err)
		}
	}
	db.Update(func(tx *store.Tx) error {
		tx.AppendFeed([]store.FeedChange{{Lineage: 999999}})
		return errors.New("rollback")
	})
	db.View(func(tx *store.Tx) error {
		if head, floor := tx.FeedHead(), tx.FeedFloor(); head != 2500 || floor != 501 {
			t.Errorf("head %d floor %d, want 2500 and 501 (pruned at 2000, keeping 1500)", head, floor)
		}
		if _, _, err := tx.Feed(499, 10); !errors.Is(err, store.ErrFeedGone) {
			t.Errorf("from before the floor: %v", err)
		}
		ch, _, err := tx.Feed(500, 10)
		if err != nil || len(ch) != 10 || ch[0].Seq != 501 || ch[9].Seq != 510 {
			t.Errorf("first page kept: %d changes from %v, %v", len(ch), ch, err)
		}
		ch, _, err = tx.Feed(2500, 10)
		if err != nil || len(ch) != 0 {
			t.Errorf("at the head: %+v, %v", ch, err)
		}
		return nil
	})
}
