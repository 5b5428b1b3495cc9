package service_test

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/keyring"
	"vivipass/service"
	"vivipass/store"
)

// schema10Register copies testdata/registro-schema10 (made by `vivipass demo` of the
// vivipass before issue 14, commit 6c7abd9: JSON records, sealed, its key folder
// beside it) into a temporary folder and returns the register's path.
func schema10Register(t *testing.T) string { return fixtureRegister(t, "testdata/registro-schema10") }

// fixtureRegister copies a register kept in dir (vivipass.db.gz and its chiavi-firma
// folder) into a temporary folder and returns its path.
func fixtureRegister(t *testing.T, dir string) string {
	t.Helper()
	gz, err := os.ReadFile(filepath.Join(dir, "vivipass.db.gz"))
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	var db bytes.Buffer
	if _, err := db.ReadFrom(zr); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "vivipass.db")
	if err := os.WriteFile(path, db.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	copyKeys(t, filepath.Join(dir, "chiavi-firma"), keyring.DirFor(path))
	return path
}

// openServiceNow is openService with the real clock (the fixture was made on
// 2026-12-03: a change dated earlier than its passes would be refused).
func openServiceNow(t *testing.T, path string) *service.Service {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return service.New(db)
}

// recordForms counts the records of passes and people stored as JSON and compact.
func recordForms(t *testing.T, path string) (js, compact int) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.View(func(tx *bolt.Tx) error {
		for _, n := range []string{"passes", "people"} {
			tx.Bucket([]byte(n)).ForEach(func(_, v []byte) error {
				if len(v) > 0 && v[0] == '{' {
					js++
				} else {
					compact++
				}
				return nil
			})
		}
		return nil
	})
	return js, compact
}

// Issue 14.1: a register made by the vivipass before compact records (JSON, sealed)
// migrates in place at its first open; `audit verify` is clean after: the service
// seals the re-encoded records again in an authenticated entry, and the changes after
// it verify as always.
func TestSchema10RegisterMigratesAndStaysSealed(t *testing.T) {
	path := schema10Register(t)
	if js, c := recordForms(t, path); js == 0 || c != 0 {
		t.Fatalf("the fixture: %d JSON records, %d compact", js, c)
	}
	s := openServiceNow(t, path)
	n, pr, err := s.AuditVerify()
	if err != nil || len(pr) != 0 || n == 0 {
		t.Fatalf("audit verify after the migration: %d entries, %+v, %v", n, pr, err)
	}
	tail := serviceAuditTail(t, s, 1)
	if tail[0].Action != "sigillo del registro" || !strings.Contains(tail[0].Detail, "dopo la ricodifica della migrazione 11") || tail[0].MAC == "" {
		t.Fatalf("no new seal after the migration: %+v", tail[0])
	}
	var p domain.Pass
	s.DB().View(func(tx *store.Tx) error {
		tx.ForEachPass(func(q domain.Pass) bool {
			if q.Comune == "L736" && q.State == domain.Attivo && q.Listed() {
				p = q
				return false
			}
			return true
		})
		return nil
	})
	if p.ID == 0 {
		t.Fatal("no active pass of L736 in the fixture")
	}
	if _, err := s.AddPlate(mario, change(p), plate("ZZ914ZZ"), true); err != nil {
		t.Fatal(err)
	}
	if _, pr, err := s.AuditVerify(); err != nil || len(pr) != 0 {
		t.Fatalf("audit verify after a change: %+v, %v", pr, err)
	}
	if pr, err := s.StoreVerify(); err != nil || len(pr) != 0 {
		t.Fatalf("store verify after the migration: %+v, %v", pr, err)
	}
	s.DB().Close()
	if js, c := recordForms(t, path); js != 0 || c == 0 {
		t.Fatalf("after the migration: %d JSON records, %d compact", js, c)
	}
}

// Issue 14.1: a record changed by hand in the register before the migration is still
// reported after it (the migration checked every record before re-encoding it), with
// its number; the others verify clean.
func TestSchema10TamperedBeforeMigrationIsReported(t *testing.T) {
	path := schema10Register(t)
	var number string
	tamper(t, path, func(tx *bolt.Tx) {
		b := tx.Bucket([]byte("passes"))
		k, v := b.Cursor().Last()
		var q domain.Pass
		if err := json.Unmarshal(v, &q); err != nil {
			t.Fatal(err)
		}
		number = q.Number
		q.DataScadenza = domain.MustDate(2099, time.December, 31)
		raw, _ := json.Marshal(q)
		b.Put(k, raw)
	})
	s := openServiceNow(t, path)
	_, pr, err := s.AuditVerify()
	if err != nil || len(pr) != 1 || !strings.Contains(pr[0].Message, "prima della migrazione 11 (codifica compatta)") ||
		!strings.Contains(pr[0].Message, "numero "+number+"): il contenuto non è quello scritto dalla voce") {
		t.Fatalf("audit verify of a register changed before the migration: %+v, %v", pr, err)
	}
	// And again at the next start: the finding is kept in the register.
	s.DB().Close()
	if _, pr, err := openServiceNow(t, path).AuditVerify(); err != nil || !hasProblem(pr, "prima della migrazione 11") {
		t.Fatalf("the next start forgot it: %+v, %v", pr, err)
	}
}
