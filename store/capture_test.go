package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/store"
)

func hasKey(keys [][]byte, k []byte) bool {
	return slices.ContainsFunc(keys, func(x []byte) bool { return bytes.Equal(x, k) })
}

// TestCaptureRecordsCommittedWrites (issue 12.8): a capture holds the keys and
// sequences of committed transactions only, index entries under their nested bucket,
// and what a cursor deleted.
func TestCaptureRecordsCommittedWrites(t *testing.T) {
	db := open(t)
	at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
	var before domain.Pass
	if err := db.Update(func(tx *store.Tx) error {
		h := samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		before = samplePass("L736-2024-00001", "L736", h, "AB123CD")
		if err := tx.PutPass(&before); err != nil {
			return err
		}
		return tx.PutUndo(store.UndoEntry{Lineage: before.Lineage, At: at, Before: before}, time.Hour)
	}); err != nil {
		t.Fatal(err)
	}
	c, err := db.StartCapture()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Stop()

	// Rolled back: nothing of it is recorded.
	boom := errors.New("annullata")
	if err := db.Update(func(tx *store.Tx) error {
		p := samplePass("L736-2024-00099", "L736", domain.Person{ID: 1, CodiceFiscale: "RSSMRA80A01L736X"})
		if err := tx.PutPass(&p); err != nil {
			return err
		}
		return boom
	}); !errors.Is(err, boom) {
		t.Fatalf("Update: %v", err)
	}
	if k := c.Keys("passes"); len(k) != 0 {
		t.Fatalf("a rolled back transaction was recorded: %x", k)
	}

	// Committed: a plate changed (index entry deleted and put), an undo entry of the
	// same lineage (the old one deleted through a cursor), a counter.
	after := before
	after.Plates = []domain.Plate{{ID: 2, Number: "ZZ999ZZ", Country: "IT", From: day0}}
	if err := db.Update(func(tx *store.Tx) error {
		if err := tx.PutPass(&after); err != nil {
			return err
		}
		if err := tx.PutUndo(store.UndoEntry{Lineage: before.Lineage, At: at.Add(time.Minute), Before: before}, time.Hour); err != nil {
			return err
		}
		return tx.SetCounter("L736", 2024, 7)
	}); err != nil {
		t.Fatal(err)
	}
	if !hasKey(c.Keys("passes"), store.U64(before.ID)) {
		t.Errorf("passes: %x, want the pass %d", c.Keys("passes"), before.ID)
	}
	plate := c.Keys("idx/plate")
	if !hasKey(plate, store.IndexKey(before.ID, "AB123CD")) || !hasKey(plate, store.IndexKey(before.ID, "ZZ999ZZ")) {
		t.Errorf("idx/plate: %q, want the old plate's deletion and the new one's entry", plate)
	}
	if undo := c.Keys("undo"); !hasKey(undo, store.U64(1)) || !hasKey(undo, store.U64(2)) {
		t.Errorf("undo: %x, want entry 1 (deleted by the cursor) and 2", undo)
	}
	if !hasKey(c.Keys("counters"), []byte("L736_2024")) {
		t.Errorf("counters: %q", c.Keys("counters"))
	}
	if seqs := c.Sequences(); !slices.Contains(seqs, "undo") || slices.Contains(seqs, "passes") {
		t.Errorf("sequences %q: want undo (a new entry), not passes (no new pass)", seqs)
	}
	c.Stop()
	// Stopped: later writes are not recorded, and a new capture can start.
	if err := db.Update(func(tx *store.Tx) error { return tx.SetCounter("H501", 2024, 1) }); err != nil {
		t.Fatal(err)
	}
	if hasKey(c.Keys("counters"), []byte("H501_2024")) {
		t.Error("a write after Stop was recorded")
	}
	c2, err := db.StartCapture()
	if err != nil {
		t.Fatal(err)
	}
	c2.Stop()
}

// mergeSetup is a live register with one pass, a capture, ids reserved for a load of
// two passes and a copy taken after: the load's scratch file.
func mergeSetup(t *testing.T) (db *store.DB, c *store.Capture, bulk *store.Bulk, scratch *store.DB, first domain.Pass) {
	t.Helper()
	db = open(t)
	if err := db.Update(func(tx *store.Tx) error {
		h := samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		first = samplePass("L736-2024-00001", "L736", h, "AB123CD")
		if err := tx.PutPass(&first); err != nil {
			return err
		}
		if err := tx.SetCounter("L736", 2024, 1); err != nil {
			return err
		}
		_, err := tx.Audit(store.AuditEntry{Operator: "mario", Action: "rilascio", Subject: first.Number})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	c, err := db.StartCapture()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	ids := store.NewIDs()
	if err := db.Update(func(tx *store.Tx) error {
		if err := tx.Reserve(ids, "passes", 2); err != nil {
			return err
		}
		return tx.Reserve(ids, "people", 1)
	}); err != nil {
		t.Fatal(err)
	}
	path := db.Path() + ".import-test"
	if _, err := db.BackupFile(path); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(path) })
	scratch, err = store.Open(path, store.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	// The load, in the copy: a person and two passes from the reserved ids, their
	// index entries and hashes held for the end (as the import does).
	bulk = store.NewBulk()
	if err := scratch.Update(func(tx *store.Tx) error {
		tx.UseIDs(ids)
		tx.Collect(bulk)
		h := samplePerson("VRDLGU70A01H501X", "VERDI", "LUIGI", "H501")
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		for _, n := range []string{"H501-2024-00001", "H501-2024-00002"} {
			p := samplePass(n, "H501", h)
			if err := tx.PutPass(&p); err != nil {
				return err
			}
		}
		if err := tx.SetCounter("H501", 2024, 2); err != nil {
			return err
		}
		if err := tx.SetCounter("L736", 2024, 9); err != nil { // the load raises L736's too
			return err
		}
		return bulk.Flush(tx, 0)
	}); err != nil {
		t.Fatal(err)
	}
	return db, c, bulk, scratch, first
}

// TestReplaceMergedKeepsBothSides (issue 12.8): what the desk saved in the live
// register during a load and what the load wrote into its copy are both in the
// register after the swap; ids do not collide; counters keep the higher value; the
// audit chain goes on from the live head; Verify is clean.
func TestReplaceMergedKeepsBothSides(t *testing.T) {
	db, c, bulk, scratch, first := mergeSetup(t)
	// The desk, meanwhile: a new pass (its id after the reserved ones), a plate changed
	// on the old one, L736's counter moved to 3, two audit entries.
	var desk domain.Pass
	if err := db.Update(func(tx *store.Tx) error {
		h := samplePerson("BNCNNA90A41L736X", "BIANCHI", "ANNA", "L736")
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		desk = samplePass("L736-2024-00003", "L736", h, "EF456GH")
		if err := tx.PutPass(&desk); err != nil {
			return err
		}
		if err := tx.SetCounter("L736", 2024, 3); err != nil {
			return err
		}
		_, err := tx.Audit(store.AuditEntry{Operator: "anna", Action: "rilascio", Subject: desk.Number})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	// What is captured so far goes into the copy with the writers going on; what
	// they commit after goes at the merge, a key written on both sides too.
	if err := db.CatchUp(c, scratch); err != nil {
		t.Fatalf("CatchUp: %v", err)
	}
	desk.Plates = append(desk.Plates, domain.Plate{ID: 2, Number: "QQ000QQ", Country: "IT", From: day0})
	if err := db.Update(func(tx *store.Tx) error { return tx.PutPass(&desk) }); err != nil {
		t.Fatal(err)
	}
	changed := first
	changed.Plates = []domain.Plate{{ID: 2, Number: "ZZ999ZZ", Country: "IT", From: day0}}
	if err := db.Update(func(tx *store.Tx) error {
		if err := tx.PutPass(&changed); err != nil {
			return err
		}
		_, err := tx.Audit(store.AuditEntry{Operator: "anna", Action: "targhe", Subject: first.Number})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if desk.ID != 4 {
		t.Errorf("the desk's pass got id %d, want 4 (ids 2 and 3 are the load's)", desk.ID)
	}
	// A save of many records: its entry's list of them is kept aside (seal.go).
	if err := db.Update(func(tx *store.Tx) error {
		for i := range 40 {
			h := samplePerson(fmt.Sprintf("MLTPRS80A01L736%c", 'A'+i%26), "MOLTI", fmt.Sprint(i), "L736")
			if err := tx.PutPerson(&h); err != nil {
				return err
			}
		}
		_, err := tx.Audit(store.AuditEntry{Operator: "anna", Action: "anagrafiche", Subject: "molte"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	err := db.ReplaceMerged(c, scratch, nil, func(tx *store.Tx) error {
		tx.Collect(bulk)
		_, err := tx.Audit(store.AuditEntry{Operator: "admin", Action: "import massivo", Subject: "file regione.csv"})
		return err
	})
	if err != nil {
		t.Fatalf("ReplaceMerged: %v", err)
	}
	verifyClean(t, db)
	if err := db.View(func(tx *store.Tx) error {
		for _, n := range []string{"L736-2024-00001", "L736-2024-00003", "H501-2024-00001", "H501-2024-00002"} {
			if len(tx.PassIDsByNumber(n)) != 1 {
				t.Errorf("pass %s: ids %v, want one", n, tx.PassIDsByNumber(n))
			}
		}
		if ids := tx.PassIDsByPlate("QQ000QQ"); len(ids) != 1 {
			t.Errorf("the plate added after the catch-up is lost: %v", ids)
		}
		if ids := tx.PassIDsByPlate("ZZ999ZZ"); len(ids) != 1 || len(tx.PassIDsByPlate("AB123CD")) != 0 {
			t.Errorf("the desk's plate change is lost: ZZ999ZZ %v, AB123CD %v", ids, tx.PassIDsByPlate("AB123CD"))
		}
		if got := tx.Counter("L736", 2024); got != 9 {
			t.Errorf("counter L736: %d, want 9 (the higher)", got)
		}
		if got := tx.Counter("H501", 2024); got != 2 {
			t.Errorf("counter H501: %d, want 2", got)
		}
		n, problems := tx.VerifyAudit()
		if n != 6 || len(problems) > 0 {
			t.Errorf("audit: %d entries, problems %+v; want 6, none", n, problems)
		}
		if checked, problems := tx.VerifyRecords(100); checked == 0 || len(problems) > 0 {
			t.Errorf("records: %d checked, problems %+v", checked, problems)
		}
		tail, err := tx.AuditTail(1)
		if err != nil || len(tail) != 1 || tail[0].Action != "import massivo" {
			t.Errorf("last entry %+v (%v), want the import's", tail, err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// Next ids follow both sides.
	if err := db.Update(func(tx *store.Tx) error {
		id, err := tx.NewPassID()
		if id != 5 {
			t.Errorf("next pass id %d, want 5", id)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(db.Path() + ".import-test"); !os.IsNotExist(err) {
		t.Errorf("the copy is still there under its name: %v", err)
	}
}

// TestReplaceMergedRefused (issue 12.8): check refuses: the register is the live one,
// with the desk's save and nothing of the load.
func TestReplaceMergedRefused(t *testing.T) {
	db, c, _, scratch, _ := mergeSetup(t)
	if err := db.Update(func(tx *store.Tx) error {
		h := domain.Person{ID: 1, CodiceFiscale: "RSSMRA80A01L736X", Cognome: "ROSSI", Nome: "MARIO"}
		p := samplePass("H501-2024-00002", "H501", h)
		return tx.PutPass(&p)
	}); err != nil {
		t.Fatal(err)
	}
	refused := errors.New("rifiutato")
	var seen [][]byte
	err := db.ReplaceMerged(c, scratch, func(live *store.Tx, c *store.Capture) error {
		seen = c.Keys("passes")
		return refused
	}, func(*store.Tx) error { t.Error("finish ran after a refusal"); return nil })
	if !errors.Is(err, refused) {
		t.Fatalf("ReplaceMerged: %v, want the refusal", err)
	}
	if len(seen) != 1 || !bytes.Equal(seen[0], store.U64(4)) {
		t.Errorf("check saw passes %x, want the desk's (4)", seen)
	}
	verifyClean(t, db)
	if err := db.View(func(tx *store.Tx) error {
		if n := len(tx.PassIDsByNumber("H501-2024-00001")); n != 0 {
			t.Errorf("the load's pass is in the register (%d)", n)
		}
		if n := len(tx.PassIDsByNumber("H501-2024-00002")); n != 1 {
			t.Errorf("the desk's pass is lost (%d)", n)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	// The register still works, and a new capture can start.
	c2, err := db.StartCapture()
	if err != nil {
		t.Fatal(err)
	}
	c2.Stop()
	if m, _ := filepath.Glob(db.Path() + ".import-*"); len(m) != 1 {
		t.Errorf("copies left: %v (the caller removes it)", m)
	}
}
