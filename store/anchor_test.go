package store_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/store"
)

// Issue 12.5 (first part): an attacker who can write the file removes the last entries
// and fixes the head, or rewrites an entry and recomputes every hash after it: the
// chain alone verifies, the anchors written outside the file do not.
func TestAnchorsCatchARecomputedChain(t *testing.T) {
	for _, attack := range []string{"remove the last entries", "rewrite an entry and recompute"} {
		t.Run(attack, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "vivipass.db")
			db, err := store.Open(path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			if err := db.Update(func(tx *store.Tx) error {
				for i := range 5 {
					if _, err := tx.Audit(store.AuditEntry{Operator: "mario", Action: "revoca", Subject: "contrassegno L736_2026_0000" + string(rune('1'+i))}); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			var seq uint64
			var head string
			db.View(func(tx *store.Tx) error { seq, head = tx.AuditHead(); return nil })
			if seq != 5 || len(head) != 64 {
				t.Fatalf("head %d %q", seq, head)
			}
			anchors := store.AnchorPath(path)
			if err := store.AppendAnchor(anchors, store.Anchor{Seq: seq, Hash: head, At: time.Now()}); err != nil {
				t.Fatal(err)
			}
			if err := db.RawUpdate(func(tx *bolt.Tx) error {
				audit, meta := tx.Bucket([]byte("audit")), tx.Bucket([]byte("meta"))
				read := func(n uint64) store.AuditEntry {
					e, _ := store.DecodeAudit(audit.Get(store.U64(n)))
					return e
				}
				if attack == "remove the last entries" {
					audit.Delete(store.U64(5))
					audit.Delete(store.U64(4))
					return meta.Put([]byte("audit_head"), []byte(read(3).Hash))
				}
				prev := read(1).Hash
				for n := uint64(2); n <= 5; n++ {
					e := read(n)
					if n == 2 {
						e.Subject = "contrassegno di un altro"
					}
					e.Prev = prev
					e.Hash = e.Digest()
					audit.Put(store.U64(n), store.EncodeAudit(e))
					prev = e.Hash
				}
				return meta.Put([]byte("audit_head"), []byte(prev))
			}); err != nil {
				t.Fatal(err)
			}
			got, err := store.ReadAnchors(anchors)
			if err != nil || len(got) != 1 {
				t.Fatalf("anchors %+v, %v", got, err)
			}
			db.View(func(tx *store.Tx) error {
				if _, pr := tx.VerifyAudit(); len(pr) != 0 {
					t.Fatalf("the recomputed chain was caught without anchors: %+v (the attack is not the issue's)", pr)
				}
				pr := tx.CheckAnchors(got)
				if len(pr) != 1 || !(strings.Contains(pr[0].Message, "non c'è più") || strings.Contains(pr[0].Message, "riscritta")) {
					t.Errorf("anchors found %+v", pr)
				}
				return nil
			})
		})
	}
}
