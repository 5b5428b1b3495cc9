package store_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/store"
)

// peopleKeys lists the pcf and pname keys in the register.
func peopleKeys(t *testing.T, db *store.DB) (pcf, pname []string) {
	t.Helper()
	db.RawView(func(tx *bolt.Tx) error {
		idx := tx.Bucket([]byte("idx"))
		idx.Bucket([]byte("pcf")).ForEach(func(k, _ []byte) error { pcf = append(pcf, string(k[:len(k)-9])); return nil })
		idx.Bucket([]byte("pname")).ForEach(func(k, _ []byte) error { pname = append(pname, string(k[:len(k)-9])); return nil })
		return nil
	})
	return pcf, pname
}

type lookups struct {
	byCF, byCFPrefix, byName []uint64
}

func lookupPeople(t *testing.T, db *store.DB, cf, comune, name string) lookups {
	t.Helper()
	var l lookups
	db.View(func(tx *store.Tx) error {
		l.byCF = tx.PersonIDsByCF(cf)
		l.byCFPrefix = tx.PersonIDsByPrefix(cf[:3], 10)
		l.byName = tx.PersonIDsByNamePrefix(comune, name[:3], 10)
		return nil
	})
	return l
}

// Issue 14.2: a person whose pass carries their codice fiscale and name has no pcf or
// pname key and is found all the same; a person without a pass keeps both; the keys
// follow changes (a corrected codice fiscale, a pass in another comune); store verify
// is clean at every step.
func TestPeopleFoundThroughTheirPasses(t *testing.T) {
	db := open2(t, filepath.Join(t.TempDir(), "v.db"))
	var h, k domain.Person
	var p domain.Pass
	step := func(what string, wantPCF, wantPName []string) {
		t.Helper()
		pcf, pname := peopleKeys(t, db)
		if !slices.Equal(pcf, wantPCF) || !slices.Equal(pname, wantPName) {
			t.Errorf("%s: pcf %q pname %q, want %q %q", what, pcf, pname, wantPCF, wantPName)
		}
		verifyClean(t, db)
	}
	update := func(fn func(tx *store.Tx) error) {
		t.Helper()
		if err := db.Update(fn); err != nil {
			t.Fatal(err)
		}
	}
	update(func(tx *store.Tx) error {
		h = samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
		k = samplePerson("RSSLCU85B41L736Y", "ROSSI", "LUCIA", "L736")
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		return tx.PutPerson(&k)
	})
	step("two people without passes", []string{"RSSLCU85B41L736Y", "RSSMRA80A01L736X"}, []string{"L736\x00ROSSI LUCIA", "L736\x00ROSSI MARIO"})

	update(func(tx *store.Tx) error {
		p = samplePass("L736_2026_00001", "L736", h, "AB123CD")
		return tx.PutPass(&p)
	})
	step("Mario's pass finds him", []string{"RSSLCU85B41L736Y"}, []string{"L736\x00ROSSI LUCIA"})
	for _, c := range []struct{ cf, name string }{{h.CodiceFiscale, "ROS"}, {k.CodiceFiscale, "ROS"}} {
		l := lookupPeople(t, db, c.cf, "L736", "ROSSI")
		want := h.ID
		if c.cf == k.CodiceFiscale {
			want = k.ID
		}
		if !slices.Equal(l.byCF, []uint64{want}) {
			t.Errorf("PersonIDsByCF(%s) = %v, want [%d]", c.cf, l.byCF, want)
		}
		if !slices.Equal(l.byCFPrefix, []uint64{k.ID, h.ID}) { // RSSLCU… before RSSMRA…
			t.Errorf("PersonIDsByPrefix(RSSxxx) = %v, want [%d %d] in codice fiscale order", l.byCFPrefix, k.ID, h.ID)
		}
		if !slices.Equal(l.byName, []uint64{k.ID, h.ID}) { // LUCIA before MARIO
			t.Errorf("PersonIDsByNamePrefix(ROS) = %v, want [%d %d] in name order", l.byName, k.ID, h.ID)
		}
	}

	// A corrected codice fiscale: the pass versions keep the old one until the holder's
	// data are copied onto a new version, so pcf finds the new one meanwhile.
	h.CodiceFiscale = "RSSMRA80A01L736Q"
	update(func(tx *store.Tx) error { return tx.PutPerson(&h) })
	step("corrected codice fiscale", []string{"RSSLCU85B41L736Y", "RSSMRA80A01L736Q"}, []string{"L736\x00ROSSI LUCIA"})
	if l := lookupPeople(t, db, "RSSMRA80A01L736Q", "L736", "ROSSI"); !slices.Equal(l.byCF, []uint64{h.ID}) {
		t.Errorf("by the corrected codice fiscale: %v", l.byCF)
	}
	if l := lookupPeople(t, db, "RSSMRA80A01L736X", "L736", "ROSSI"); len(l.byCF) != 0 {
		t.Errorf("by the old codice fiscale: %v, want nobody", l.byCF)
	}
	update(func(tx *store.Tx) error {
		p.HolderCF = h.CodiceFiscale
		return tx.PutPass(&p)
	})
	step("the pass carries the corrected one", []string{"RSSLCU85B41L736Y"}, []string{"L736\x00ROSSI LUCIA"})

	// A pass of Lucia's managed by another comune does not find her by name in hers.
	update(func(tx *store.Tx) error {
		q := samplePass("G224_2026_00001", "G224", k, "EF456GH")
		return tx.PutPass(&q)
	})
	step("Lucia's pass of another comune", nil, []string{"L736\x00ROSSI LUCIA"})

	// Replaced by a renewal: the old version is no longer listed, the new one is.
	update(func(tx *store.Tx) error {
		old := p
		old.State, old.StateFrom, old.NextID = domain.Rinnovato, day0.AddDays(100), p.ID+100
		return tx.PutPass(&old)
	})
	step("between the two versions", nil, []string{"L736\x00ROSSI LUCIA", "L736\x00ROSSI MARIO"})
	update(func(tx *store.Tx) error {
		next := p
		next.ID, next.PrevID, next.Number = 0, p.ID, "L736_2026_00002"
		return tx.PutPass(&next)
	})
	step("after a renewal", nil, []string{"L736\x00ROSSI LUCIA"})
}

// Issue 14.2: a bulk load (the import) writes the same people keys as the desk, also
// for a person with two passes in the file and a pass of a person already in the
// register.
func TestBulkLoadWritesThePeopleKeysOfTheDesk(t *testing.T) {
	load := func(bulk bool) (pcf, pname []string, db *store.DB) {
		db = open2(t, filepath.Join(t.TempDir(), "v.db"))
		var old domain.Person
		if err := db.Update(func(tx *store.Tx) error {
			old = samplePerson("BNCNNA70A41L736K", "BIANCHI", "ANNA", "L736")
			return tx.PutPerson(&old)
		}); err != nil {
			t.Fatal(err)
		}
		b := store.NewBulk()
		if err := db.Update(func(tx *store.Tx) error {
			if bulk {
				tx.Collect(b)
			}
			a := samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
			c := samplePerson("VRDLCU70C10L736Z", "VERDI", "LUCA", "L736") // no pass
			d := samplePerson("NRIGNN60A01L736P", "NERI", "GIOVANNI", "L736")
			for _, x := range []*domain.Person{&a, &c, &d} {
				if err := tx.PutPerson(x); err != nil {
					return err
				}
			}
			// Giovanni's first pass is of another comune (finds him by cf only), his
			// second of his own (finds him by name too); Anna was in the register.
			p1 := samplePass("G224_1", "G224", d, "AA111AA")
			p2 := samplePass("L736_1", "L736", d, "BB222BB")
			p3 := samplePass("L736_2", "L736", a, "CC333CC")
			p4 := samplePass("L736_3", "L736", old, "DD444DD")
			for _, x := range []*domain.Pass{&p1, &p2, &p3, &p4} {
				if err := tx.PutPass(x); err != nil {
					return err
				}
			}
			if bulk {
				return b.Flush(tx, 1) // one key per transaction, as a long import does
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for b.Pending() > 0 {
			if err := db.Update(func(tx *store.Tx) error { return b.Flush(tx, 1) }); err != nil {
				t.Fatal(err)
			}
		}
		pcf, pname = peopleKeys(t, db)
		return pcf, pname, db
	}
	dpcf, dpname, ddb := load(false)
	bpcf, bpname, bdb := load(true)
	if !slices.Equal(dpcf, []string{"VRDLCU70C10L736Z"}) || !slices.Equal(dpname, []string{"L736\x00VERDI LUCA"}) {
		t.Errorf("desk: pcf %q pname %q, want only Luca's", dpcf, dpname)
	}
	if !slices.Equal(bpcf, dpcf) || !slices.Equal(bpname, dpname) {
		t.Errorf("bulk: pcf %q pname %q, desk: %q %q", bpcf, bpname, dpcf, dpname)
	}
	verifyClean(t, ddb)
	verifyClean(t, bdb)
}

// Issue 14.2, migration 14: the keys of people found by their passes go; the others
// stay; lookups answer as before.
func TestMigration14PersoneTrovateDaiContrassegni(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	db := open2(t, path)
	var h, k domain.Person
	if err := db.Update(func(tx *store.Tx) error {
		h = samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
		k = samplePerson("VRDLCU70C10L736Z", "VERDI", "LUCA", "L736")
		for _, x := range []*domain.Person{&h, &k} {
			if err := tx.PutPerson(x); err != nil {
				return err
			}
		}
		p := samplePass("L736_1", "L736", h, "AB123CD")
		return tx.PutPass(&p)
	}); err != nil {
		t.Fatal(err)
	}
	// As schema 13 wrote it: both keys for everyone.
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		idx := tx.Bucket([]byte("idx"))
		for _, x := range []domain.Person{h, k} {
			if err := idx.Bucket([]byte("pcf")).Put(store.IndexKey(x.ID, x.CodiceFiscale), nil); err != nil {
				return err
			}
			if err := idx.Bucket([]byte("pname")).Put(store.IndexKey(x.ID, x.Comune, x.FullName()), nil); err != nil {
				return err
			}
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), store.U64(13))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db = open2(t, path)
	pcf, pname := peopleKeys(t, db)
	if !slices.Equal(pcf, []string{"VRDLCU70C10L736Z"}) || !slices.Equal(pname, []string{"L736\x00VERDI LUCA"}) {
		t.Errorf("after migration 14: pcf %q pname %q, want only Luca's", pcf, pname)
	}
	db.RawView(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema_version")); !bytes.Equal(v, store.U64(14)) {
			t.Errorf("schema_version = %x, want 14", v)
		}
		return nil
	})
	for _, x := range []domain.Person{h, k} {
		if l := lookupPeople(t, db, x.CodiceFiscale, "L736", x.Cognome); !slices.Equal(l.byCF, []uint64{x.ID}) || !slices.Equal(l.byName, []uint64{x.ID}) {
			t.Errorf("%s: by cf %v, by name %v; want [%d]", x.FullName(), l.byCF, l.byName, x.ID)
		}
	}
	verifyClean(t, db)
}

// A migration that leaves a third of the file free (13 and 14 rewrite a region's
// indexes) is followed by a compaction at the same open: the file gives the space back.
func TestOpenCompactsAfterAMigrationThatFreedMuch(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.db")
	db := open2(t, path)
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		b, err := tx.CreateBucket([]byte("scratch"))
		if err != nil {
			return err
		}
		for i := range 4000 {
			if err := b.Put(store.U64(uint64(i)), bytes.Repeat([]byte{byte(i)}, 2000)); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		if err := tx.DeleteBucket([]byte("scratch")); err != nil {
			return err
		}
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), store.U64(13))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	before := fileSize(t, path)
	db = open2(t, path)
	if after := fileSize(t, path); after*3 > before {
		t.Errorf("file %d bytes before the open, %d after: not compacted", before, after)
	}
	verifyClean(t, db)
}

func fileSize(t *testing.T, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}
