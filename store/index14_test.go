package store_test

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/store"
)

// TestMigration12ScadenzeNegliStati (issue 14.2): the expiry index repeated what the
// state index holds (comune, state, expiry); migration 12 drops it, and the passes by
// expiry come from the state index: every state's range, merged in expiry order.
func TestMigration12ScadenzeNegliStati(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		if err := store.MigrateTo(tx, 11); err != nil {
			return err
		}
		return tx.Bucket([]byte("idx")).Bucket([]byte("expiry")).Put(store.IndexKey(1, "L736", "20290301"), nil)
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 12) }); err != nil {
		t.Fatalf("migrateTo(12): %v", err)
	}
	b.View(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("idx")).Bucket([]byte("expiry")) != nil {
			t.Error("the expiry index is still there")
		}
		if tx.Bucket([]byte("idx")).Bucket([]byte("state")) == nil {
			t.Error("the state index went too")
		}
		return nil
	})
	b.Close()

	db := open2(t, path)
	h := samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
	type want struct {
		st  domain.State
		exp domain.Date
		com string
	}
	var ids []uint64
	if err := db.Update(func(tx *store.Tx) error {
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		for _, w := range []want{
			{domain.Attivo, domain.MustDate(2027, 5, 1), "L736"},   // 1
			{domain.Sospeso, domain.MustDate(2027, 3, 1), "L736"},  // 2
			{domain.Attivo, domain.MustDate(2027, 3, 1), "L736"},   // 3
			{domain.Revocato, domain.MustDate(2027, 4, 1), "L736"}, // 4
			{domain.Attivo, domain.MustDate(2027, 4, 1), "G224"},   // 5: another comune
			{domain.Attivo, domain.MustDate(2028, 1, 1), "L736"},   // 6: after the range
			{domain.Sospeso, domain.MustDate(2027, 1, 31), "L736"}, // 7: before it
		} {
			p := samplePass("N", w.com, h)
			p.State, p.DataScadenza = w.st, w.exp
			if err := tx.PutPass(&p); err != nil {
				return err
			}
			ids = append(ids, p.ID)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		got := tx.PassIDsByExpiry("L736", domain.MustDate(2027, 2, 1), domain.MustDate(2027, 5, 1))
		if w := []uint64{ids[1], ids[2], ids[3], ids[0]}; !slices.Equal(got, w) {
			t.Errorf("by expiry: %v, want %v", got, w)
		}
		if got := tx.PassIDsByExpiry("G224", domain.MustDate(2027, 1, 1), domain.MustDate(2027, 12, 31)); !slices.Equal(got, []uint64{ids[4]}) {
			t.Errorf("G224 by expiry: %v", got)
		}
		if got := tx.PassIDsByExpiry("F205", domain.MustDate(2000, 1, 1), domain.MustDate(2099, 1, 1)); len(got) != 0 {
			t.Errorf("a comune without passes: %v", got)
		}
		return nil
	})
	verifyClean(t, db)
	if err := db.RawView(func(tx *bolt.Tx) error {
		if tx.Bucket([]byte("idx")).Bucket([]byte("expiry")) != nil {
			return errors.New("a write made the expiry index again")
		}
		return nil
	}); err != nil {
		t.Error(err)
	}
}
