package store

import (
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Test hooks for the external tests of package store_test: the raw bbolt
// transaction (to tamper with the file as a broken disk or a malicious hand would)
// and the migration step.

// RawUpdate runs fn on the underlying bbolt file, bypassing every rule of the store.
func (db *DB) RawUpdate(fn func(*bolt.Tx) error) error { return db.bolt.Update(fn) }

// RawView reads the underlying bbolt file.
func (db *DB) RawView(fn func(*bolt.Tx) error) error { return db.bolt.View(fn) }

// MigrateTo applies the migrations up to target inside tx.
func MigrateTo(tx *bolt.Tx, target uint64) error { return migrateTo(tx, target) }

// IndexKey is the key of an index entry: parts joined with 0, then the id.
func IndexKey(id uint64, parts ...string) []byte { return indexKey(id, parts...) }

// U64 is the big-endian form of keys and counters.
func U64(v uint64) []byte { return u64(v) }

// RecordHash is the hash of a record's bytes as an audit entry names it.
func RecordHash(raw []byte) string { return fmt.Sprintf("%x", refOf(0, 0, raw).hash) }

// SetFeedKeep changes how many feed changes are kept (tests of the pruning).
func SetFeedKeep(n uint64) func() { old := feedKeep; feedKeep = n; return func() { feedKeep = old } }

// WriteSchema10 makes Open stop at schema 10 and PutPass/PutPerson write JSON, as the
// vivipass before issue 14 did; the returned func restores this vivipass.
func WriteSchema10() func() {
	schemaLimit, legacyJSONRecords = 10, true
	return func() { schemaLimit, legacyJSONRecords = 0, false }
}

// SetRecodeChunk changes how many records the re-encoding writes per transaction.
func SetRecodeChunk(n int) func() {
	old := recodeChunk
	recodeChunk = n
	return func() { recodeChunk = old }
}
