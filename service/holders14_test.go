package service

import (
	"path/filepath"
	"testing"

	"vivipass/domain"
	"vivipass/store"
)

// TestImportHoldersShareAHash (issue 14.3): the import's table of holders keeps hashes,
// not keys. Holders whose comune|CF have the same hash are told apart by reading them
// back, whether this chunk created them or an earlier one wrote them, and a key never
// put is not found even when its hash is.
func TestImportHoldersShareAHash(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "r.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	const h = 42 // every key below has this hash
	w := &importWriter{created: map[uint64]personRef{}}
	err = db.Update(func(tx *store.Tx) error {
		written := domain.Person{Nome: "ANNA", Cognome: "BIANCHI", CodiceFiscale: "BNCNNA80A41L736X", Comune: "L736"}
		if written.ID, err = tx.NewPersonID(); err != nil {
			return err
		}
		if err := tx.PutPerson(&written); err != nil {
			return err
		}
		// Written by an earlier chunk; then one this chunk created, same CF, other comune.
		w.people.Put(h, 0)
		w.peopleID = append(w.peopleID, written.ID)
		w.created[99] = personRef{id: 99, comune: "A001", cf: written.CodiceFiscale, name: "ANNA BIANCHI"}
		w.people.Put(h, 1)
		w.peopleID = append(w.peopleID, 99)
		for _, c := range []struct {
			comune, cf string
			want       uint64 // 0: not found
		}{
			{"L736", written.CodiceFiscale, written.ID},
			{"A001", written.CodiceFiscale, 99},
			{"L736", "RSSMRA80A01L736X", 0},
			{"B002", written.CodiceFiscale, 0},
		} {
			ref, ok, err := w.holder(tx, h, c.comune, c.cf)
			if err != nil {
				return err
			}
			if got := map[bool]uint64{true: ref.id}[ok]; got != c.want {
				t.Errorf("%s|%s: holder %d (found %v), want %d", c.comune, c.cf, ref.id, ok, c.want)
			}
			if ok && (ref.comune != c.comune || ref.cf != c.cf) {
				t.Errorf("%s|%s: got the holder of %s|%s", c.comune, c.cf, ref.comune, ref.cf)
			}
		}
		// A holder the table names that is neither created nor written: the error, not
		// another holder.
		w.people.Put(h, 2)
		w.peopleID = append(w.peopleID, 12345)
		if _, _, err := w.holder(tx, h, "C003", written.CodiceFiscale); err == nil {
			t.Error("a holder missing from the register was not an error")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
