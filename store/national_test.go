package store_test

import (
	"fmt"
	"path/filepath"
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
