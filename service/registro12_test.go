package service_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/store"
)

// schema12Register copies testdata/registro-schema12 (made by `vivipass demo` of the
// vivipass at the start of this work on issue 14.2, commit fefe349: compact records,
// sealed, plate keys without values, pcf and pname for everyone) into a temporary
// folder and returns the register's path.
func schema12Register(t *testing.T) string { return fixtureRegister(t, "testdata/registro-schema12") }

// indexCounts counts the keys of the plate index with a value, and of pcf and pname.
func indexCounts(t *testing.T, path string) (plateValues, pcf, pname int) {
	t.Helper()
	b, err := bolt.Open(path, 0o600, &bolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	b.View(func(tx *bolt.Tx) error {
		idx := tx.Bucket([]byte("idx"))
		idx.Bucket([]byte("plate")).ForEach(func(_, v []byte) error {
			if len(v) > 0 {
				plateValues++
			}
			return nil
		})
		pcf = idx.Bucket([]byte("pcf")).Stats().KeyN
		pname = idx.Bucket([]byte("pname")).Stats().KeyN
		return nil
	})
	return
}

// Issue 14.2, migrations 13 and 14 on a register made by the vivipass before them:
// it migrates in place at its first open; every plate answers the gates exactly as
// that vivipass answered (testdata/registro-schema12/whitelist.json, three instants);
// people are found as before; store verify and audit verify are clean.
func TestSchema12RegisterMigratesAndAnswersTheSame(t *testing.T) {
	path := schema12Register(t)
	values, pcf, pname := indexCounts(t, path)
	if values != 0 || pcf == 0 || pname == 0 {
		t.Fatalf("the fixture: %d plate values, %d pcf, %d pname keys", values, pcf, pname)
	}
	raw, err := os.ReadFile("testdata/registro-schema12/whitelist.json")
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]domain.Verdict
	if err := json.Unmarshal(raw, &want); err != nil {
		t.Fatal(err)
	}
	s := openServiceNow(t, path)
	authorised := 0
	for k, w := range want {
		at, plate, _ := strings.Cut(k, " ")
		when, err := time.Parse(time.RFC3339, at)
		if err != nil {
			t.Fatal(err)
		}
		got, err := s.Whitelist(plate, "", when)
		if err != nil {
			t.Fatal(err)
		}
		got.PassID = w.PassID // not in the JSON
		if got != w {
			t.Errorf("%s at %s: %+v, the vivipass before answered %+v", plate, at, got, w)
		}
		if got.Authorised {
			authorised++
		}
	}
	if len(want) < 60 || authorised == 0 || authorised == len(want) {
		t.Fatalf("the fixture's answers: %d, %d authorised", len(want), authorised)
	}
	var people []domain.Person
	s.DB().View(func(tx *store.Tx) error {
		return tx.ForEachPerson(func(p domain.Person) bool { people = append(people, p); return true })
	})
	for _, p := range people {
		var byCF, byName []uint64
		s.DB().View(func(tx *store.Tx) error {
			byCF = tx.PersonIDsByCF(p.CodiceFiscale)
			byName = tx.PersonIDsByNamePrefix(p.Comune, p.FullName(), 0)
			return nil
		})
		if !containsID(byCF, p.ID) || !containsID(byName, p.ID) {
			t.Errorf("%s (%s): by codice fiscale %v, by name %v; want %d in both", p.FullName(), p.CodiceFiscale, byCF, byName, p.ID)
		}
	}
	if pr, err := s.StoreVerify(); err != nil || len(pr) != 0 {
		t.Fatalf("store verify after the migrations: %+v, %v", pr, err)
	}
	if _, pr, err := s.AuditVerify(); err != nil || len(pr) != 0 {
		t.Fatalf("audit verify after the migrations: %+v, %v", pr, err)
	}
	s.DB().Close()
	values, pcf2, pname2 := indexCounts(t, path)
	if values == 0 || pcf2 >= pcf || pname2 >= pname {
		t.Errorf("after the migrations: %d plate values, pcf %d → %d, pname %d → %d keys", values, pcf, pcf2, pname, pname2)
	}
}

func containsID(ids []uint64, id uint64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}
