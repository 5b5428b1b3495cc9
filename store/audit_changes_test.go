package store_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/store"
)

// oldAuditEntry is an audit entry as vivipass wrote it before Changes existed.
type oldAuditEntry struct {
	Seq      uint64         `json:"seq"`
	At       time.Time      `json:"at"`
	Operator string         `json:"operator"`
	Comune   string         `json:"comune,omitempty"`
	Channel  domain.Channel `json:"channel,omitempty"`
	Action   string         `json:"action"`
	Subject  string         `json:"subject"`
	Lineage  uint64         `json:"lineage,omitempty"`
	Detail   string         `json:"detail,omitempty"`
	Prev     string         `json:"prev"`
	Hash     string         `json:"hash"`
}

// issue 11.7: the before → after of a change is kept in the audit entry (Changes), and
// adding the field breaks neither the entries written before it nor the chain: an old
// entry verifies as it is, a new one with changes verifies, a changed "before" is caught.
func TestAuditChangesKeepTheChain(t *testing.T) {
	db := open(t)
	old := oldAuditEntry{Seq: 1, At: time.Date(2025, 3, 1, 9, 0, 0, 0, time.UTC), Operator: "mario", Comune: "L736",
		Channel: domain.Sportello, Action: "rinnovo", Subject: "contrassegno L736_2025_00001", Lineage: 1,
		Detail: "rinnovo: validità dal 01/03/2025 al 01/03/2030"}
	raw, _ := json.Marshal(old)
	sum := sha256.Sum256(raw) // Prev is "" for the first entry
	old.Hash = hex.EncodeToString(sum[:])
	raw, _ = json.Marshal(old)
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		if err := b.SetSequence(1); err != nil {
			return err
		}
		if err := b.Put(store.U64(1), raw); err != nil {
			return err
		}
		if err := tx.Bucket([]byte("idx")).Bucket([]byte("auditpass")).Put(append(store.U64(1), store.U64(1)...), nil); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("audit_head"), []byte(old.Hash))
	}); err != nil {
		t.Fatal(err)
	}
	if n, pr := verifyAudit(t, db); n != 1 || len(pr) != 0 {
		t.Fatalf("an entry written before Changes: VerifyAudit = %d, %+v", n, pr)
	}
	changes := []store.FieldChange{{Field: "Scadenza", Before: "01/03/2030", After: "01/03/2035"}, {Field: "Note", After: "nuova"}}
	if err := db.Update(func(tx *store.Tx) error {
		_, err := tx.Audit(store.AuditEntry{Operator: "anna", Comune: "L736", Channel: domain.Sportello, Action: "rinnovo",
			Subject: "contrassegno L736_2025_00001", Lineage: 1, Detail: "validità estesa", Changes: changes})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if n, pr := verifyAudit(t, db); n != 2 || len(pr) != 0 {
		t.Fatalf("with an entry that has changes: VerifyAudit = %d, %+v", n, pr)
	}
	if err := db.View(func(tx *store.Tx) error {
		h, err := tx.History(1)
		if err != nil {
			return err
		}
		if len(h) != 2 || len(h[0].Changes) != 0 || len(h[1].Changes) != 2 || h[1].Changes[0] != changes[0] || h[1].Changes[1] != changes[1] {
			t.Errorf("History(1) = %+v", h)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// A "before" rewritten afterwards breaks the chain.
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		e, err := store.DecodeAudit(b.Get(store.U64(2)))
		if err != nil || e.Changes[0].Before != "01/03/2030" {
			return fmt.Errorf("entry 2: %+v, %v", e, err)
		}
		e.Changes[0].Before = "01/03/2031"
		return b.Put(store.U64(2), store.EncodeAudit(e))
	}); err != nil {
		t.Fatal(err)
	}
	if _, pr := verifyAudit(t, db); len(pr) == 0 || !strings.Contains(pr[0].Message, "contenuto alterato") || pr[0].Seq != 2 {
		t.Fatalf("a changed before value: VerifyAudit problems %+v", pr)
	}
}
