package store_test

import (
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/store"
)

// Issue 14.3: store verify holds no set of keys; it checks each record's entries in
// their index, and each index key against the record its id names. Every kind of
// index still shows a key left over (pointing at a real record that does not have it)
// and a key missing.
func TestVerifyEveryIndexWithoutSets(t *testing.T) {
	db := open(t)
	var p domain.Pass
	var h, k domain.Person
	if err := db.Update(func(tx *store.Tx) error {
		h = samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		// Without a pass: found by pcf and pname only (issue 14.2).
		k = samplePerson("VRDLCU70C10L736Z", "VERDI", "LUCA", "L736")
		if err := tx.PutPerson(&k); err != nil {
			return err
		}
		p = samplePass("L736_2026_00001", "L736", h, "AB123CD")
		if err := tx.PutPass(&p); err != nil {
			return err
		}
		if err := tx.PutOperator(domain.Operator{Name: "mario", Role: domain.RoleOperatore, Comune: "L736",
			Keys: []domain.OperatorKey{{Fingerprint: "SHA256:abc"}}}); err != nil {
			return err
		}
		_, err := tx.Audit(store.AuditEntry{Operator: "mario", Action: "rilascio", Lineage: p.Lineage})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)

	extra := map[string][]byte{
		"cf":        store.IndexKey(p.ID, "XXXXXX00X00X000X"),
		"number":    store.IndexKey(p.ID, "L736_2026_99999"),
		"plate":     store.IndexKey(p.ID, "ZZ999ZZ"),
		"name":      store.IndexKey(p.ID, "L736", "BIANCHI ANNA"),
		"state":     store.IndexKey(p.ID, "L736", "revocato", "20290301"),
		"channel":   store.IndexKey(p.ID, "L736", "pec"),
		"pcf":       store.IndexKey(h.ID, "XXXXXX00X00X000X"),
		"pname":     store.IndexKey(h.ID, "L736", "BIANCHI ANNA"),
		"auditpass": append(store.U64(p.Lineage+1), store.U64(1)...),
		"opkey":     []byte("SHA256:nessuno"),
		"peccf":     store.IndexKey(1, "RSSMRA80A01L736X"),
	}
	missing := map[string][]byte{
		"cf":        store.IndexKey(p.ID, h.CodiceFiscale),
		"pname":     store.IndexKey(k.ID, "L736", "VERDI LUCA"),
		"pcf":       store.IndexKey(k.ID, "VRDLCU70C10L736Z"),
		"auditpass": append(store.U64(p.Lineage), store.U64(1)...),
		"opkey":     []byte("SHA256:abc"),
	}
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		idx := tx.Bucket([]byte("idx"))
		for n, k := range missing {
			if idx.Bucket([]byte(n)).Get(k) == nil {
				t.Fatalf("%s: no key %q to remove", n, k)
			}
			idx.Bucket([]byte(n)).Delete(k)
		}
		for n, k := range extra {
			var v []byte
			if n == "opkey" {
				v = []byte("mario")
			}
			if err := idx.Bucket([]byte(n)).Put(k, v); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	found := map[string]bool{}
	for _, pr := range verifyProblems(t, db) {
		switch {
		case strings.HasPrefix(pr.Message, "voce di troppo") && extra[pr.Index] != nil:
			found["+"+pr.Index] = true
		case strings.HasPrefix(pr.Message, "voce mancante") && missing[pr.Index] != nil:
			found["-"+pr.Index] = true
		default:
			t.Errorf("unexpected problem %+v", pr)
		}
	}
	for n := range extra {
		if !found["+"+n] {
			t.Errorf("%s: the key left over was not reported", n)
		}
	}
	for n := range missing {
		if !found["-"+n] {
			t.Errorf("%s: the missing key was not reported", n)
		}
	}
}
