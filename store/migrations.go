package store

import (
	"errors"
	"fmt"
	"os"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

var (
	bMeta      = []byte("meta")
	bIdx       = []byte("idx")
	kSchemaVer = []byte("schema_version")
)

// topBuckets and indexes of schema version 1 (see doc.go).
var (
	topBuckets = []string{"meta", "people", "photos", "passes", "comuni", "counters", "operators", "audit", "outbox", "imports", "idx"}
	indexNames = []string{"cf", "pcf", "number", "plate", "name", "pname", "expiry", "state", "channel", "opkey", "auditpass"}
)

// migration brings the schema from version n-1 to n; migrations[i] makes version i+1.
// Append only: a released migration never changes.
type migration struct {
	name string
	up   func(tx *bolt.Tx) error
}

func migrations() []migration {
	return []migration{
		{"schema iniziale", func(tx *bolt.Tx) error {
			for _, n := range topBuckets {
				if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
					return err
				}
			}
			idx := tx.Bucket(bIdx)
			for _, n := range indexNames {
				if _, err := idx.CreateBucketIfNotExists([]byte(n)); err != nil {
					return err
				}
			}
			return tx.Bucket(bMeta).Put([]byte("created_at"), []byte(time.Now().UTC().Format(time.RFC3339)))
		}},
		{"bacheca informativa", func(tx *bolt.Tx) error { return createBuckets(tx, "bacheca", "letti") }},
		{"posta PEC e stampa", func(tx *bolt.Tx) error {
			return createBuckets(tx, "pec_items", "pec_raw", "pec_sync", "pec_config", "templates", "printing")
		}},
		{"indici della posta PEC", func(tx *bolt.Tx) error {
			idx := tx.Bucket(bIdx)
			for _, n := range []string{"peckey", "pecstate", "peccf"} {
				if _, err := idx.CreateBucketIfNotExists([]byte(n)); err != nil {
					return err
				}
			}
			return nil
		}},
		{"piattaforma nazionale", func(tx *bolt.Tx) error { return createBuckets(tx, "national_config") }},
		{"indice degli invii aperti", indexOpenJobs},
		{"invii aperti in memoria", dropOpenJobsIndex},
		{"annullamento dell'ultima operazione", createUndo},
		{"clienti HTTP e registro delle interrogazioni", createClients},
		{"sigilli del registro e modifiche della lista", func(tx *bolt.Tx) error { return createBuckets(tx, bSeals, bFeed) }},
		{"codifica compatta dei record", migrateCompactRecords},
		{"scadenze nell'indice degli stati", dropIndexes("expiry")},
		{"periodi di validità nell'indice delle targhe", fillPlateValues},
		{"persone trovate dai loro contrassegni", dropFoundPeopleKeys},
	}
}

// droppedIndexes are the indexes of indexNames a later migration removed (issue 14.2:
// expiry repeated what state holds).
var droppedIndexes = map[string]bool{"expiry": true}

// liveIndexNames are the indexes of indexNames this schema keeps.
func liveIndexNames() []string {
	var out []string
	for _, n := range indexNames {
		if !droppedIndexes[n] {
			out = append(out, n)
		}
	}
	return out
}

func dropIndexes(names ...string) func(tx *bolt.Tx) error {
	return func(tx *bolt.Tx) error {
		for _, n := range names {
			if err := tx.Bucket(bIdx).DeleteBucket([]byte(n)); err != nil && !errors.Is(err, berrors.ErrBucketNotFound) {
				return err
			}
		}
		return nil
	}
}

func createBuckets(tx *bolt.Tx, names ...string) error {
	for _, n := range names {
		if _, err := tx.CreateBucketIfNotExists([]byte(n)); err != nil {
			return err
		}
	}
	return nil
}

// SchemaVersion is the version this binary writes.
func SchemaVersion() uint64 {
	if schemaLimit != 0 {
		return schemaLimit
	}
	return uint64(len(migrations()))
}

// schemaLimit, when not 0, makes this binary write an older schema (tests that build a
// register as the previous vivipass wrote it).
var schemaLimit uint64

func currentVersion(tx *bolt.Tx) uint64 {
	m := tx.Bucket(bMeta)
	if m == nil {
		return 0
	}
	return readU64(m.Get(kSchemaVer))
}

// ErrOlderSchema is a database opened read-only that an older vivipass wrote.
var ErrOlderSchema = errors.New("schema precedente")

func checkVersion(tx *bolt.Tx) error {
	v := currentVersion(tx)
	if v > SchemaVersion() {
		return fmt.Errorf("il database ha lo schema %d, più recente di questo vivipass (%d): aggiornare vivipass", v, SchemaVersion())
	}
	if v < SchemaVersion() {
		return fmt.Errorf("il database ha lo schema %d, questo vivipass si aspetta %d: aprirlo prima in scrittura per aggiornarlo: %w", v, SchemaVersion(), ErrOlderSchema)
	}
	return nil
}

// migrate applies the missing migrations in order, inside the caller's transaction.
func migrate(tx *bolt.Tx) error {
	return migrateTo(tx, SchemaVersion())
}

func migrateTo(tx *bolt.Tx, target uint64) error {
	v := currentVersion(tx)
	if v > SchemaVersion() {
		return checkVersion(tx)
	}
	ms := migrations()
	for ; v < target; v++ {
		m := ms[v]
		if err := m.up(tx); err != nil {
			return fmt.Errorf("migrazione %d (%s) non riuscita: %w", v+1, m.name, err)
		}
		if err := tx.Bucket(bMeta).Put(kSchemaVer, u64(v+1)); err != nil {
			return err
		}
	}
	return nil
}

// mostlyFree reports whether a third of the file or more is free pages: after a
// migration that rewrote an index of a region (13, 14) the file keeps the old pages,
// and Open compacts it once.
func (db *DB) mostlyFree() bool {
	st := db.bolt.Stats()
	fi, err := os.Stat(db.path)
	return err == nil && fi.Size() > 0 && int64(st.FreeAlloc)*3 >= fi.Size()
}
