package store_test

import (
	"encoding/json"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/store"
)

var (
	dateType = reflect.TypeOf(domain.Date{})
	timeType = reflect.TypeOf(time.Time{})
)

// fill gives every field of v a value that is not zero (by reflection, in the test
// only): a field added to domain.Pass or domain.Person without its number in the
// codec comes back zero, and the round trip fails.
func fill(v reflect.Value, seed int) {
	switch {
	case v.Type() == dateType:
		v.Set(reflect.ValueOf(domain.MustDate(1990, time.Month(1+seed%12), 1+seed%28)))
		return
	case v.Type() == timeType:
		v.Set(reflect.ValueOf(time.Date(2026, 12, 3, 10, seed%60, 7, 123456789, time.UTC)))
		return
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString("v" + strings.Repeat("x", seed%5) + v.Type().Name())
	case reflect.Bool:
		v.SetBool(true)
	case reflect.Int, reflect.Int32, reflect.Int64:
		v.SetInt(int64(seed + 3))
	case reflect.Uint, reflect.Uint32, reflect.Uint64:
		v.SetUint(uint64(seed + 300)) // above 127: more than one varint byte
	case reflect.Struct:
		for i := range v.NumField() {
			fill(v.Field(i), seed+i)
		}
	case reflect.Slice:
		s := reflect.MakeSlice(v.Type(), 3, 3)
		for i := range 3 {
			fill(s.Index(i), seed+i*7)
		}
		v.Set(s)
	default:
		panic("fill: no value for " + v.Type().String())
	}
}

// Issue 14.1: every field of a pass and a person survives the compact form; an
// instant keeps its zone's offset; the zero values stay zero; a number this vivipass
// does not know (a later one's field) is skipped; a damaged record is an error.
func TestCompactRecordsRoundTrip(t *testing.T) {
	var p domain.Pass
	fill(reflect.ValueOf(&p).Elem(), 1)
	p.Note = strings.Repeat("nota lunga ", 30) // a length above 127
	p.Plates[1] = domain.Plate{}               // a zero plate keeps its place
	got, err := store.DecodePass(store.EncodePass(p))
	if err != nil || !reflect.DeepEqual(got, p) {
		t.Fatalf("pass round trip: %v\n got %+v\nwant %+v", err, got, p)
	}
	var q domain.Person
	fill(reflect.ValueOf(&q).Elem(), 2)
	q.UpdatedAt = time.Date(2026, 7, 1, 9, 0, 0, 5, time.FixedZone("", 2*3600))
	gq, err := store.DecodePerson(store.EncodePerson(q))
	if err != nil || !reflect.DeepEqual(gq, q) && !(gq.UpdatedAt.Equal(q.UpdatedAt) && offset(gq.UpdatedAt) == 7200) {
		t.Fatalf("person round trip: %v\n got %+v\nwant %+v", err, gq, q)
	}
	if z, err := store.DecodePass(store.EncodePass(domain.Pass{})); err != nil || !reflect.DeepEqual(z, domain.Pass{}) {
		t.Errorf("a zero pass: %+v, %v", z, err)
	}
	epoch := domain.MustDate(1970, time.January, 1)
	if d, _ := store.DecodePerson(store.EncodePerson(domain.Person{DataNascita: epoch})); !d.DataNascita.Equal(epoch) {
		t.Errorf("1970-01-01 came back as %v", d.DataNascita)
	}

	// A later vivipass's field (number 60, a string and a number) is skipped.
	raw := store.EncodePass(p)
	later := append(append([]byte(nil), raw...), 60<<1|1, 3, 'a', 'b', 'c', 61<<1, 0x96, 0x01)
	if got, err := store.DecodePass(later); err != nil || !reflect.DeepEqual(got, p) {
		t.Errorf("a record with a later field: %v", err)
	}
	for _, bad := range [][]byte{raw[:len(raw)-3], {0xB1, 9<<1 | 1, 200}, {0x00}, nil} {
		if _, err := store.DecodePass(bad); err == nil {
			t.Errorf("damaged record %x decoded without an error", bad)
		}
	}
	// Still readable: the JSON of schema 10.
	js, _ := json.Marshal(p)
	if got, err := store.DecodePass(js); err != nil || got.Number != p.Number || len(got.Plates) != 3 {
		t.Errorf("a JSON record: %+v, %v", got, err)
	}
}

func offset(t time.Time) int { _, o := t.Zone(); return o }

// Issue 14.1: a typical pass and its holder take less than half the bytes of JSON.
func TestCompactRecordsAreSmall(t *testing.T) {
	h := samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
	h.ID, h.DataNascita, h.LuogoNascita, h.Indirizzo = 7, domain.MustDate(1980, 1, 1), "L736", "VIA ROMA 1"
	h.UpdatedAt, h.UpdatedBy = time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC), "import"
	p := samplePass("L736_2026_00017", "L736", h, "AB123CD", "EF456GH")
	p.ID, p.Lineage, p.CreatedAt, p.CreatedBy, p.UpdatedAt, p.UpdatedBy = 17, 17, h.UpdatedAt, "import", h.UpdatedAt, "import"
	p.ImportFile = "regione-2026.csv"
	for _, c := range []struct {
		what          string
		compact, json []byte
	}{
		{"pass", store.EncodePass(p), must(json.Marshal(p))},
		{"person", store.EncodePerson(h), must(json.Marshal(h))},
	} {
		if 2*len(c.compact) > len(c.json) {
			t.Errorf("%s: %d bytes compact, %d JSON", c.what, len(c.compact), len(c.json))
		}
		t.Logf("%s: %d bytes compact, %d JSON", c.what, len(c.compact), len(c.json))
	}
}

func must(b []byte, err error) []byte {
	if err != nil {
		panic(err)
	}
	return b
}

// TestMigration11CodificaCompatta (issue 14.1): a register written as schema 10 wrote
// it (JSON records, sealed) migrates in place: every record compact, in several
// transactions, the same values, the indexes whole; the records wait for a new seal
// (reseal pending), and a record changed by hand before the migration is reported for
// ever after, while the others match the new seal.
func TestMigration11CodificaCompatta(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vivipass.db")
	restore := store.WriteSchema10()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		restore()
		t.Fatal(err)
	}
	keys := []store.AuditKey{{ID: "k1", Secret: []byte("0123456789abcdef0123456789abcdef"), From: 1}}
	db.SetAuditKeys(keys)
	var before []domain.Pass
	err = db.Update(func(tx *store.Tx) error {
		for i := range 12 {
			h := samplePerson("RSSMRA80A01L736"+string(rune('A'+i)), "ROSSI", "MARIO"+strings.Repeat("I", i), "L736")
			if err := tx.PutPerson(&h); err != nil {
				return err
			}
			p := samplePass("L736_2026_000"+string(rune('A'+i)), "L736", h, "AB"+string(rune('A'+i))+"23CD")
			if err := tx.PutPass(&p); err != nil {
				return err
			}
			before = append(before, p)
		}
		if _, err := tx.Audit(store.AuditEntry{Operator: "mario", Action: "import"}); err != nil {
			return err
		}
		return tx.PutMeta("audit_sealed", []byte("k1"))
	})
	restore()
	if err != nil {
		t.Fatal(err)
	}
	db.RawView(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("passes")).Get(store.U64(2)); len(v) == 0 || v[0] != '{' {
			t.Fatalf("schema 10 wrote %q, not JSON", v)
		}
		return nil
	})
	// A hand changes the expiry of pass 4, before the migration.
	db.RawUpdate(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("passes"))
		var p domain.Pass
		json.Unmarshal(b.Get(store.U64(4)), &p)
		p.DataScadenza = domain.MustDate(2099, 12, 31)
		raw, _ := json.Marshal(p)
		return b.Put(store.U64(4), raw)
	})
	before[3].DataScadenza = domain.MustDate(2099, 12, 31)
	db.Close()

	defer store.SetRecodeChunk(5)() // 24 records: five transactions
	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("migration 11: %v", err)
	}
	defer db.Close()
	db.SetAuditKeys(keys)
	db.RawView(func(tx *bolt.Tx) error {
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema_version")); string(v) != string(store.U64(store.SchemaVersion())) {
			t.Errorf("schema after the migration: %x", v)
		}
		for _, name := range []string{"passes", "people"} {
			n := 0
			tx.Bucket([]byte(name)).ForEach(func(k, v []byte) error {
				n++
				if v[0] == '{' {
					t.Errorf("%s/%x still JSON", name, k)
				}
				return nil
			})
			if n != 12 {
				t.Errorf("%s: %d records after the migration", name, n)
			}
		}
		if tx.Bucket([]byte("meta")).Get([]byte("recode_next")) != nil {
			t.Error("the re-encoding did not finish")
		}
		return nil
	})
	db.View(func(tx *store.Tx) error {
		for _, want := range before {
			got, err := tx.Pass(want.ID)
			if err != nil || !reflect.DeepEqual(got, want) {
				t.Errorf("pass %d after the migration: %v\n got %+v\nwant %+v", want.ID, err, got, want)
			}
		}
		if ids := tx.PassIDsByPlate("ABC23CD"); len(ids) != 1 || ids[0] != before[2].ID {
			t.Errorf("plate index after the migration: %v", ids)
		}
		if tx.ResealPending() != "11" {
			t.Errorf("reseal pending = %q", tx.ResealPending())
		}
		_, pr := tx.VerifyRecords(50)
		wantProblem(t, pr, "ricodificati dalla migrazione 11")
		wantProblem(t, pr, "prima della migrazione 11 (codifica compatta): contrassegno (versione 4, numero L736_2026_000D): il contenuto non è quello scritto")
		if len(pr) != 2 {
			t.Errorf("problems before the new seal: %+v", pr)
		}
		return nil
	})
	// The indexes were rebuilt from nothing: only the hand's change shows (its expiry).
	for _, p := range verifyProblems(t, db) {
		if p.Index != "expiry" && p.Index != "state" || !strings.Contains(p.Message, "2099") && !strings.Contains(p.Message, "2029") {
			t.Errorf("store verify after the migration: %+v", p)
		}
	}

	// The new seal (what service.ensureSealed writes): the other records match it, the
	// change made before the migration is still told.
	if err := db.Update(func(tx *store.Tx) error {
		_, err := tx.SealAll(store.AuditEntry{Operator: "sistema", Action: "sigillo del registro"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	db.View(func(tx *store.Tx) error {
		n, pr := tx.VerifyRecords(50)
		if n != 24 || len(pr) != 1 || !strings.Contains(pr[0].Message, "prima della migrazione 11") || tx.ResealPending() != "" {
			t.Errorf("after the new seal: %d checked, %+v", n, pr)
		}
		return nil
	})
	// A change after the migration shows as any other.
	db.RawUpdate(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("people"))
		h, _ := store.DecodePerson(b.Get(store.U64(3)))
		h.Cognome = "VERDI"
		return b.Put(store.U64(3), store.EncodePerson(h))
	})
	db.View(func(tx *store.Tx) error {
		_, pr := tx.VerifyRecords(50)
		wantProblem(t, pr, "persona 3, RSSMRA80A01L736C: il contenuto non è quello scritto")
		return nil
	})
}

// Issue 14.1: a vivipass stopped half way through the re-encoding (the migration
// committed, some chunks not) goes on at the next Open; meanwhile the records of both
// forms read the same.
func TestMigration11ResumesTheReencoding(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vivipass.db")
	restore := store.WriteSchema10()
	db, err := store.Open(path, store.Options{})
	if err == nil {
		err = db.Update(func(tx *store.Tx) error {
			for i := range 7 {
				h := samplePerson("VRDLGU70A01L736"+string(rune('A'+i)), "VERDI", "LUIGI", "L736")
				if err := tx.PutPerson(&h); err != nil {
					return err
				}
			}
			return nil
		})
		db.Close()
	}
	restore()
	if err != nil {
		t.Fatal(err)
	}
	// The migration and one chunk of 3, then a stop.
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, store.SchemaVersion()) }); err != nil {
		t.Fatal(err)
	}
	b.Update(func(tx *bolt.Tx) error {
		pb := tx.Bucket([]byte("people"))
		for id := uint64(1); id <= 3; id++ {
			h, _ := store.DecodePerson(pb.Get(store.U64(id)))
			pb.Put(store.U64(id), store.EncodePerson(h))
		}
		return tx.Bucket([]byte("meta")).Put([]byte("recode_next"), append([]byte{'q'}, store.U64(4)...))
	})
	b.Close()
	ro, err := store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	ro.View(func(tx *store.Tx) error {
		n := 0
		tx.ForEachPerson(func(h domain.Person) bool { n++; return h.Cognome == "VERDI" })
		if n != 7 {
			t.Errorf("half re-encoded: %d people read", n)
		}
		return nil
	})
	ro.Close()
	db = open2(t, path)
	db.RawView(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("people")).ForEach(func(k, v []byte) error {
			if v[0] != 0xB2 {
				t.Errorf("people/%x not re-encoded: %q", k, v)
			}
			return nil
		})
	})
	verifyClean(t, db)
}

func open2(t *testing.T, path string) *store.DB {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
