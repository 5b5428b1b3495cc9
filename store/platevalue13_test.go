package store_test

import (
	"bytes"
	"math/rand/v2"
	"path/filepath"
	"testing"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/store"
)

// plateFixture writes a holder and passes whose plates exercise every part of the
// plate index value: two countries for one number, closed and open windows, a dated
// suspension, a replaced version, a plate on two holders' passes.
func plateFixture(t *testing.T, db *store.DB) []domain.Pass {
	t.Helper()
	var out []domain.Pass
	if err := db.Update(func(tx *store.Tx) error {
		h := samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
		k := samplePerson("BNCLCU85B41G224Y", "BIANCHI", "LUCIA", "G224")
		for _, p := range []*domain.Person{&h, &k} {
			if err := tx.PutPerson(p); err != nil {
				return err
			}
		}
		a := samplePass("L736-1", "L736", h, "AB123CD", "EF456GH")
		a.Plates = append(a.Plates, domain.Plate{ID: 3, Number: "AB123CD", Country: "F", From: day0.AddDays(10), To: day0.AddDays(40)})
		a.Plates[1].To = day0.AddDays(100)
		b := samplePass("L736-2", "L736", h, "XY999ZZ")
		b.State, b.StateFrom, b.StateReason = domain.Sospeso, day0.AddDays(200), "verifica"
		c := samplePass("G224-1", "G224", k, "AB123CD")
		c.State, c.StateFrom, c.NextID = domain.Sostituito, day0.AddDays(50), 99
		for _, p := range []*domain.Pass{&a, &b, &c} {
			if err := tx.PutPass(p); err != nil {
				return err
			}
			out = append(out, *p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

// The whitelist's view of a pass: what the rule reads.
func ruleView(p domain.Pass, number string) domain.Pass {
	v := domain.Pass{ID: p.ID, PersonID: p.PersonID, State: p.State, StateFrom: p.StateFrom,
		DataDecorrenza: p.DataDecorrenza, DataScadenza: p.DataScadenza, Number: p.Number, Comune: p.Comune}
	v.Plates = []domain.Plate{}
	for _, pl := range p.Plates {
		if pl.Number == number {
			v.Plates = append(v.Plates, domain.Plate{Number: number, Country: pl.Country, From: pl.From, To: pl.To})
		}
	}
	return v
}

func checkHoldings(t *testing.T, db *store.DB, passes []domain.Pass, plate string) {
	t.Helper()
	var want []domain.Pass
	for _, p := range passes {
		for _, pl := range p.Plates {
			if pl.Number == plate {
				want = append(want, ruleView(p, plate))
				break
			}
		}
	}
	db.View(func(tx *store.Tx) error {
		got, err := tx.PlateHoldings(plate)
		if err != nil {
			t.Fatalf("PlateHoldings(%s): %v", plate, err)
		}
		if len(got) != len(want) {
			t.Fatalf("PlateHoldings(%s) = %d passes, want %d", plate, len(got), len(want))
		}
		for i := range got {
			if g, w := got[i].Pass, want[i]; g.ID != w.ID || g.PersonID != w.PersonID || g.State != w.State || g.StateFrom != w.StateFrom ||
				g.DataDecorrenza != w.DataDecorrenza || g.DataScadenza != w.DataScadenza || g.Number != w.Number ||
				g.Comune != w.Comune || len(g.Plates) != len(w.Plates) {
				t.Errorf("PlateHoldings(%s)[%d] = %+v, want %+v", plate, i, g, w)
			} else {
				for j := range g.Plates {
					if g.Plates[j] != w.Plates[j] {
						t.Errorf("PlateHoldings(%s)[%d] plate %d = %+v, want %+v", plate, i, j, g.Plates[j], w.Plates[j])
					}
				}
			}
		}
		return nil
	})
}

// Issue 14.2, migration 13: a register of schema 12 (plate keys without values) gets
// every value, the whitelist reads the same passes, and store verify is clean.
func TestMigration13PeriodiNellIndiceTarghe(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	db := open2(t, path)
	passes := plateFixture(t, db)
	// Back to schema 12: the plate index as it was, keys without values.
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		plate := tx.Bucket([]byte("idx")).Bucket([]byte("plate"))
		var keys [][]byte
		plate.ForEach(func(k, _ []byte) error { keys = append(keys, bytes.Clone(k)); return nil })
		if len(keys) != 4 {
			t.Fatalf("plate index has %d keys, want 4", len(keys))
		}
		for _, k := range keys {
			if err := plate.Put(k, nil); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), store.U64(12))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()

	db = open2(t, path)
	empty := 0
	db.RawView(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema_version")); !bytes.Equal(v, store.U64(store.SchemaVersion())) {
			t.Errorf("schema_version = %x after opening, want %d", v, store.SchemaVersion())
		}
		return tx.Bucket([]byte("idx")).Bucket([]byte("plate")).ForEach(func(k, v []byte) error {
			if len(v) == 0 {
				empty++
			}
			return nil
		})
	})
	if empty != 0 {
		t.Errorf("%d plate keys without a value after migration 13", empty)
	}
	for _, plate := range []string{"AB123CD", "EF456GH", "XY999ZZ", "NONE000"} {
		checkHoldings(t, db, passes, plate)
	}
	db.View(func(tx *store.Tx) error {
		if pr, err := tx.Verify(); err != nil || len(pr) != 0 {
			t.Errorf("Verify after migration 13 = %v, %v", pr, err)
		}
		return nil
	})
}

// Issue 14.2: a key written before schema 13 (no value, e.g. a copy half migrated) is
// read from its pass.
func TestPlateHoldingsReadsAnOldKeyFromItsPass(t *testing.T) {
	db := open2(t, filepath.Join(t.TempDir(), "v.db"))
	passes := plateFixture(t, db)
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("idx")).Bucket([]byte("plate")).Put(store.IndexKey(passes[0].ID, "AB123CD"), nil)
	}); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		got, err := tx.PlateHoldings("AB123CD")
		if err != nil || len(got) != 2 || got[0].Pass.ID != passes[0].ID || len(got[0].Pass.Plates) != 3 {
			t.Errorf("PlateHoldings = %+v, %v; want the whole first pass read from its record, then the third", got, err)
		}
		return nil
	})
}

// Issue 14.2 and S-hardening: whoever rewrites a plate index value by hand (a longer
// window, an expiry moved) is found by store verify, as a missing key would be.
func TestVerifyCatchesAPlateValueRewritten(t *testing.T) {
	db := open2(t, filepath.Join(t.TempDir(), "v.db"))
	passes := plateFixture(t, db)
	forged := passes[1]
	forged.State, forged.StateFrom, forged.DataScadenza = domain.Attivo, domain.Date{}, domain.MustDate(2099, 12, 31)
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("idx")).Bucket([]byte("plate")).Put(store.IndexKey(forged.ID, "XY999ZZ"), store.PlateValue(&forged, "XY999ZZ"))
	}); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		pr, err := tx.Verify()
		if err != nil {
			t.Fatal(err)
		}
		found := false
		for _, p := range pr {
			if p.Index == "plate" && bytes.Contains([]byte(p.Message), []byte("XY999ZZ")) {
				found = true
			}
		}
		if !found {
			t.Errorf("Verify = %v, want the forged plate value named", pr)
		}
		return nil
	})
}

// Issue 14.2, T6: for random passes, days and countries, the rule over the plate
// index's values answers exactly as over the whole pass records.
func TestPlateIndexAnswersAsThePasses(t *testing.T) {
	db := open2(t, filepath.Join(t.TempDir(), "v.db"))
	r := rand.New(rand.NewPCG(14, 2))
	numbers := []string{"AA000AA", "BB111BB", "CC222CC"}
	countries := []string{"", "IT", "F", "D"}
	states := []domain.State{domain.Attivo, domain.Sospeso, domain.Revocato, domain.Rinnovato, domain.Sostituito, domain.Trasferito, domain.TrasferitoFuori, domain.Scaduto}
	date := func() domain.Date { return day0.AddDays(r.IntN(2000) - 200) }
	var all []domain.Pass
	if err := db.Update(func(tx *store.Tx) error {
		h := samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		for i := range 60 {
			p := samplePass("N", "L736", h)
			p.Number = numbers[0] + string(rune('a'+i%26))
			p.DataDecorrenza = date()
			p.DataScadenza = p.DataDecorrenza.AddDays(r.IntN(1500))
			p.State = states[r.IntN(len(states))]
			if r.IntN(2) == 0 {
				p.StateFrom = date()
			}
			for j := range 1 + r.IntN(3) {
				pl := domain.Plate{ID: uint32(j + 1), Number: numbers[r.IntN(len(numbers))], Country: countries[r.IntN(len(countries))], From: date()}
				if r.IntN(2) == 0 {
					pl.To = pl.From.AddDays(r.IntN(400))
				}
				p.Plates = append(p.Plates, pl)
			}
			if err := tx.PutPass(&p); err != nil {
				return err
			}
			all = append(all, p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		for _, n := range numbers {
			got, err := tx.PlateHoldings(n)
			if err != nil {
				t.Fatal(err)
			}
			var full, fromIndex []domain.Holding
			for _, p := range all {
				for _, pl := range p.Plates {
					if pl.Number == n {
						full = append(full, domain.Holding{Pass: p})
						break
					}
				}
			}
			fromIndex = got
			for range 300 {
				day, c := date(), countries[r.IntN(len(countries))]
				if a, b := domain.Authorise(n, c, day, full), domain.Authorise(n, c, day, fromIndex); a != b {
					t.Fatalf("%s %q %s: from the passes %+v, from the index %+v", n, c, day, a, b)
				}
			}
		}
		return nil
	})
}

// T6: the holder's death, the one field of a person the rule reads, is found in the
// compact record without decoding it (and zero for the living and the unknown).
func TestPersonDied(t *testing.T) {
	db := open2(t, filepath.Join(t.TempDir(), "v.db"))
	died := domain.MustDate(2026, 2, 3)
	var alive, dead domain.Person
	if err := db.Update(func(tx *store.Tx) error {
		alive = samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
		alive.Email, alive.Note = "mario@example.it", "nota lunga"
		dead = samplePerson("BNCLCU85B41G224Y", "BIANCHI", "LUCIA", "G224")
		dead.DataDecesso, dead.Indirizzo = died, "VIA ROMA 1"
		if err := tx.PutPerson(&alive); err != nil {
			return err
		}
		return tx.PutPerson(&dead)
	}); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		if d := tx.PersonDied(alive.ID); !d.IsZero() {
			t.Errorf("PersonDied(alive) = %s", d)
		}
		if d := tx.PersonDied(dead.ID); d != died {
			t.Errorf("PersonDied(dead) = %s, want %s", d, died)
		}
		if d := tx.PersonDied(999); !d.IsZero() {
			t.Errorf("PersonDied(unknown) = %s", d)
		}
		return nil
	})
}
