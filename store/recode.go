package store

import (
	"encoding/json"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// Migration 11 (issue 14.1): pass versions and people from JSON to the compact form
// (reccodec.go), in place.
//
// Every audit entry carries the hashes of the bytes of the records it wrote (seal.go),
// and re-encoding changes every record's bytes. So, before any record changes, the
// migration compares each record with the last entry that wrote it (hashes only, no
// key needed) and keeps what does not match in meta/seal_migration: `audit verify`
// reports those problems for ever after. Then it marks the records to re-encode, and
// clears meta/audit_sealed: the service seals every record again, in an authenticated
// entry "sigillo del registro", at its first write or check (service.ensureSealed);
// until then meta/reseal_pending makes VerifyRecords say so instead of reporting
// every record. The re-encoding itself runs at Open, after the migration, in
// transactions of recodeChunk records (a region is 120,000 passes: one transaction
// would hold all of their pages in memory); meta/recode_next remembers where it is,
// so a vivipass stopped half way goes on at the next Open; the decoder reads both
// forms meanwhile.

const (
	metaResealPending  = "reseal_pending"
	metaSealMigration  = "seal_migration"
	metaRecodeNext     = "recode_next" // bucket byte ('p' passes, 'q' people) + id(8)
	maxMigrationIssues = 1000
)

// recodeChunk records are re-encoded per transaction.
var recodeChunk = 5000

// sealMigration is what the migration found before re-encoding.
type sealMigration struct {
	Schema   uint64         `json:"schema"`
	Problems []AuditProblem `json:"problems"`
}

func migrateCompactRecords(btx *bolt.Tx) error {
	meta := btx.Bucket(bMeta)
	t := &Tx{tx: btx}
	if meta.Get([]byte("audit_sealed")) != nil {
		// Sealed: every record must match the entry that wrote it. (A register never
		// sealed has nothing to compare: its first seal comes after the re-encoding.)
		_, pr := t.recordProblems(maxMigrationIssues, false)
		if len(pr) > 0 {
			raw, err := json.Marshal(sealMigration{Schema: 11, Problems: pr})
			if err != nil {
				return err
			}
			if err := meta.Put([]byte(metaSealMigration), raw); err != nil {
				return err
			}
		}
	}
	if btx.Bucket([]byte("passes")).Stats().KeyN+btx.Bucket([]byte("people")).Stats().KeyN == 0 {
		return nil
	}
	if err := meta.Put([]byte(metaRecodeNext), append([]byte{sealPass}, u64(0)...)); err != nil {
		return err
	}
	if meta.Get([]byte("audit_sealed")) != nil || meta.Get([]byte("audit_head")) != nil {
		if err := meta.Put([]byte(metaResealPending), []byte("11")); err != nil {
			return err
		}
	}
	return meta.Delete([]byte("audit_sealed"))
}

// migrationSealProblems are the problems the migration found before re-encoding.
func (t *Tx) migrationSealProblems() []AuditProblem {
	raw := t.bucket("meta").Get([]byte(metaSealMigration))
	if raw == nil {
		return nil
	}
	var m sealMigration
	if err := json.Unmarshal(raw, &m); err != nil {
		return []AuditProblem{{0, "l'esito del controllo fatto dalla migrazione alla codifica compatta è illeggibile"}}
	}
	out := make([]AuditProblem, len(m.Problems))
	for i, p := range m.Problems {
		out[i] = AuditProblem{p.Seq, fmt.Sprintf("prima della migrazione %d (codifica compatta): %s", m.Schema, p.Message)}
	}
	return out
}

// recode re-encodes the records the migration marked, recodeChunk per transaction.
// It reports whether it re-encoded anything (the caller then compacts the file).
func (db *DB) recode() (bool, error) {
	pending := false
	if err := db.View(func(t *Tx) error { pending = len(t.bucket("meta").Get([]byte(metaRecodeNext))) == 9; return nil }); err != nil || !pending {
		return false, err // nothing to re-encode: no write transaction (and no fsync) at each open
	}
	did := false
	for {
		done := false
		err := db.Update(func(t *Tx) error {
			meta := t.bucket("meta")
			next := meta.Get([]byte(metaRecodeNext))
			if len(next) != 9 {
				done = true
				return nil
			}
			did = true
			kind, from := next[0], readU64(next[1:])
			name := "passes"
			if kind == sealPerson {
				name = "people"
			}
			b := t.bucket(name)
			c := b.Cursor()
			n := 0
			var k, v []byte
			for k, v = c.Seek(u64(from)); k != nil && n < recodeChunk; k, v = c.Next() {
				if len(v) == 0 || v[0] != '{' {
					continue // already compact
				}
				var raw []byte
				if kind == sealPass {
					p, err := DecodePass(v)
					if err != nil {
						return recordError(name, k, err)
					}
					raw = appendPass(nil, &p)
				} else {
					p, err := DecodePerson(v)
					if err != nil {
						return recordError(name, k, err)
					}
					raw = appendPerson(nil, &p)
				}
				key := append([]byte(nil), k...)
				if err := b.Put(key, raw); err != nil {
					return err
				}
				n++
				// Put may move the cursor's page: seek back to the key just written.
				k, v = c.Seek(key)
			}
			switch {
			case k != nil:
				return meta.Put([]byte(metaRecodeNext), append([]byte{kind}, k...))
			case kind == sealPass:
				return meta.Put([]byte(metaRecodeNext), append([]byte{sealPerson}, u64(0)...))
			}
			return meta.Delete([]byte(metaRecodeNext))
		})
		if err != nil {
			return did, fmt.Errorf("ricodifica dei record (migrazione 11) non riuscita: %w", err)
		}
		if done {
			return did, nil
		}
	}
}

// ResealPending is the migration whose re-encoded records wait to be sealed again
// ("" = none).
func (t *Tx) ResealPending() string { return string(t.bucket("meta").Get([]byte(metaResealPending))) }
