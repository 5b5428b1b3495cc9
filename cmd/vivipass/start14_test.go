//go:build !lean

package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TestReadersWriteNothing (issue 14.4): search and whitelist check open the register
// read-only: the file is byte for byte what it was (no transaction committed, no fsync
// waited for at start), and they answer as before.
func TestReadersWriteNothing(t *testing.T) {
	db := demoDB(t)
	before, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(db)
	rows := search(t, db, "ROSSI").Rows
	if len(rows) == 0 {
		t.Fatal("search ROSSI found nothing in the demo register")
	}
	r := must(t, 0, "search", "--db", db, rows[0].CodiceFiscale)
	contains(t, "search by codice fiscale", r.stdout, rows[0].Numero)
	r = must(t, 0, "whitelist", "check", "AB123CD", "--db", db)
	contains(t, "whitelist check", r.stdout, "AUTORIZZATA")
	after, err := os.ReadFile(db)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Error("search or whitelist check wrote to the register")
	}
	if st2, _ := os.Stat(db); !st2.ModTime().Equal(st.ModTime()) {
		t.Errorf("the register's time changed: %v → %v", st.ModTime(), st2.ModTime())
	}
	// The comparison sees a commit: one transaction that writes a byte changes the file.
	b, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error { return tx.Bucket([]byte("meta")).Put([]byte("prova"), []byte{1}) })
	b.Close()
	if after2, _ := os.ReadFile(db); bytes.Equal(after, after2) {
		t.Error("a commit left the file as it was: the comparison above proves nothing")
	}
}

// TestReaderOnOlderSchema (issue 14.4): a register whose schema is older than this
// vivipass is not refused by a reader: it is opened for writing and migrated, as every
// command did before, and the next search opens it read-only.
func TestReaderOnOlderSchema(t *testing.T) {
	db := filepath.Join(t.TempDir(), "vecchio.db")
	b, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b.Close() // a bbolt file with no bucket at all: schema 0
	r := vp(t, "search", "--db", db, "ROSSI")
	if r.code != 0 || strings.Contains(r.stderr, "schema") {
		t.Fatalf("search on a schema-0 register:\n%s", r)
	}
	migrated, _ := os.ReadFile(db)
	r = vp(t, "whitelist", "check", "AB123CD", "--db", db)
	if r.code == 2 || strings.Contains(r.stderr, "schema") || !strings.Contains(r.stdout, "AB123CD") {
		t.Fatalf("whitelist check after the migration:\n%s", r)
	}
	if again, _ := os.ReadFile(db); !bytes.Equal(migrated, again) {
		t.Error("the second reader wrote to the migrated register")
	}
}
