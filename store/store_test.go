package store_test

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/store"
)

// open makes a fresh register in a temporary directory, closed at the end of the test.
func open(t *testing.T) *store.DB {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "vivipass.db"), store.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// verifyClean fails the test when Verify finds anything.
func verifyClean(t *testing.T, db *store.DB) {
	t.Helper()
	var problems []store.Problem
	if err := db.View(func(tx *store.Tx) error {
		var err error
		problems, err = tx.Verify()
		return err
	}); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	if len(problems) > 0 {
		t.Fatalf("Verify found %d problems: %+v", len(problems), problems)
	}
}

func verifyProblems(t *testing.T, db *store.DB) []store.Problem {
	t.Helper()
	var problems []store.Problem
	if err := db.View(func(tx *store.Tx) error {
		var err error
		problems, err = tx.Verify()
		return err
	}); err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return problems
}

var (
	day0   = domain.MustDate(2024, time.March, 1)
	expiry = domain.MustDate(2029, time.March, 1)
)

func samplePerson(cf, cognome, nome, comune string) domain.Person {
	return domain.Person{CodiceFiscale: cf, Cognome: cognome, Nome: nome, Comune: comune, Version: 1}
}

func samplePass(number, comune string, holder domain.Person, plates ...string) domain.Pass {
	p := domain.Pass{Number: number, Comune: comune, IssuingComune: comune, PersonID: holder.ID,
		HolderCF: holder.CodiceFiscale, HolderName: holder.FullName(), Kind: domain.Permanente,
		DataRilascio: day0, DataDecorrenza: day0, DataScadenza: expiry, State: domain.Attivo,
		Channel: domain.Sportello, Version: 1}
	for i, n := range plates {
		p.Plates = append(p.Plates, domain.Plate{ID: uint32(i + 1), Number: n, Country: "IT", From: day0})
	}
	p.NextPlateID = uint32(len(plates))
	return p
}

func TestOpenCreatesSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sub", "dir", "vivipass.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer db.Close()
	if db.Path() != path {
		t.Errorf("Path = %q, want %q", db.Path(), path)
	}
	if store.SchemaVersion() < 1 {
		t.Fatalf("SchemaVersion = %d", store.SchemaVersion())
	}
	err = db.RawView(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		if meta == nil {
			return errors.New("no meta bucket")
		}
		if got := meta.Get([]byte("schema_version")); string(got) != string(store.U64(store.SchemaVersion())) {
			return fmt.Errorf("schema_version = %x, want %d", got, store.SchemaVersion())
		}
		for _, b := range []string{"people", "photos", "passes", "comuni", "counters", "operators", "audit", "outbox", "imports", "idx"} {
			if tx.Bucket([]byte(b)) == nil {
				return fmt.Errorf("bucket %s missing", b)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)
}

// TestSchemaHasOneTestPerMigration fails when a migration is appended without its
// own test below (design: "append only, one test each").
func TestSchemaHasOneTestPerMigration(t *testing.T) {
	const tested = 14 // TestMigration1SchemaIniziale, TestMigration2BachecaInformativa, TestMigration3PostaPECStampa, TestMigration4IndiciPEC, TestMigration5PiattaformaNazionale, TestMigration6IndiceInviiAperti, TestMigration7InviiApertiInMemoria, TestMigration8AnnullamentoUltimaOperazione, TestMigration9ClientiHTTP, TestMigration10SigilliEModifiche, TestMigration11CodificaCompatta, TestMigration12ScadenzeNegliStati, TestMigration13PeriodiNellIndiceTarghe, TestMigration14PersoneTrovateDaiContrassegni
	if store.SchemaVersion() != tested {
		t.Fatalf("SchemaVersion is %d but only %d migrations have a test: add TestMigration%d…", store.SchemaVersion(), tested, tested+1)
	}
}

// TestMigration1SchemaIniziale applies migration 1 on an empty bbolt file (version 0).
func TestMigration1SchemaIniziale(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	before := time.Now().UTC().Add(-time.Second)
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 1) }); err != nil {
		t.Fatalf("migrateTo(1): %v", err)
	}
	err = b.View(func(tx *bolt.Tx) error {
		meta := tx.Bucket([]byte("meta"))
		if meta == nil {
			return errors.New("meta missing")
		}
		if v := meta.Get([]byte("schema_version")); string(v) != string(store.U64(1)) {
			return fmt.Errorf("schema_version = %x, want 1", v)
		}
		created, err := time.Parse(time.RFC3339, string(meta.Get([]byte("created_at"))))
		if err != nil {
			return fmt.Errorf("created_at: %v", err)
		}
		if created.Before(before.Truncate(time.Second)) || created.After(time.Now().Add(time.Second)) {
			return fmt.Errorf("created_at = %v, not now", created)
		}
		for _, n := range []string{"meta", "people", "photos", "passes", "comuni", "counters", "operators", "audit", "outbox", "imports", "idx"} {
			if tx.Bucket([]byte(n)) == nil {
				return fmt.Errorf("bucket %s missing", n)
			}
		}
		idx := tx.Bucket([]byte("idx"))
		for _, n := range []string{"cf", "pcf", "number", "plate", "name", "pname", "expiry", "state", "channel", "opkey", "auditpass"} {
			if idx.Bucket([]byte(n)) == nil {
				return fmt.Errorf("index %s missing", n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Migrating again to the same version does nothing and does not fail.
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 1) }); err != nil {
		t.Fatalf("second migrateTo(1): %v", err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	// A read-only Open never migrates: an old schema is refused with what to do.
	if _, err := store.Open(path, store.Options{ReadOnly: true}); err == nil || !strings.Contains(err.Error(), "aprirlo prima in scrittura") {
		t.Fatalf("ReadOnly Open of a schema-1 file: %v", err)
	}
}

// TestMigration2BachecaInformativa: schema 2 adds the bacheca (M3) and the read marks,
// and keeps what schema 1 held.
func TestMigration2BachecaInformativa(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		if err := store.MigrateTo(tx, 1); err != nil {
			return err
		}
		return tx.Bucket([]byte("passes")).Put(store.U64(7), []byte(`{"id":7}`))
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 2) }); err != nil {
		t.Fatalf("migrateTo(2): %v", err)
	}
	err = b.View(func(tx *bolt.Tx) error {
		for _, n := range []string{"bacheca", "letti"} {
			if tx.Bucket([]byte(n)) == nil {
				return fmt.Errorf("bucket %s missing", n)
			}
		}
		if v := tx.Bucket([]byte("passes")).Get(store.U64(7)); string(v) != `{"id":7}` {
			return fmt.Errorf("schema-1 record lost: %q", v)
		}
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema_version")); string(v) != string(store.U64(2)) {
			return fmt.Errorf("schema_version = %x, want 2", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	// A read-write Open brings it to the current schema; then read-only opens work.
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	db.Close()
	db, err = store.Open(path, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("ReadOnly Open at the current schema: %v", err)
	}
	db.Close()
}

func TestOpenRefusesNewerSchema(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vivipass.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		return tx.Bucket([]byte("meta")).Put([]byte("schema_version"), store.U64(store.SchemaVersion()+1))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	for _, ro := range []bool{false, true} {
		_, err = store.Open(path, store.Options{ReadOnly: ro})
		if err == nil || !strings.Contains(err.Error(), "più recente") {
			t.Errorf("Open(ReadOnly=%v) of a newer schema: err = %v, want 'più recente'", ro, err)
		}
	}
}

// A --db that names a folder, or a file that is not a register (a text file, a
// register cut short), is refused in Italian, read-only or not, and left as it was.
func TestOpenRefusesWhatIsNotARegister(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "buono.db")
	db, err := store.Open(good, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	raw, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{
		"testo.db":    []byte("numero;comune\nL736_2026_00001;L736\n"),
		"zeri.db":     make([]byte, 64<<10),
		"troncato.db": raw[:100],
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	for _, ro := range []bool{false, true} {
		_, err := store.Open(dir, store.Options{ReadOnly: ro})
		if err == nil || !strings.Contains(err.Error(), "è una cartella") {
			t.Errorf("Open(folder, ReadOnly=%v): %v", ro, err)
		}
		for name, content := range files {
			path := filepath.Join(dir, name)
			_, err := store.Open(path, store.Options{ReadOnly: ro})
			if err == nil || !strings.Contains(err.Error(), "non è un database di vivipass") || strings.Contains(err.Error(), "invalid") {
				t.Errorf("Open(%s, ReadOnly=%v): %v", name, ro, err)
			}
			if after, _ := os.ReadFile(path); !bytes.Equal(after, content) {
				t.Errorf("Open(%s, ReadOnly=%v) changed the file", name, ro)
			}
		}
	}
}

func TestSecondOpenFailsInUse(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vivipass.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	start := time.Now()
	db2, err := store.Open(path, store.Options{})
	elapsed := time.Since(start)
	if err == nil {
		db2.Close()
		t.Fatal("second Open of a file in use succeeded")
	}
	if !errors.Is(err, store.ErrInUse) {
		t.Errorf("err = %v, want it to wrap ErrInUse", err)
	}
	if !strings.Contains(err.Error(), "in uso") {
		t.Errorf("message %q does not say 'in uso'", err)
	}
	if elapsed > 1500*time.Millisecond {
		t.Errorf("second Open took %v, want at most ~1.5 s", elapsed)
	}
}

func TestReadOnlyOpenOfMissingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope", "vivipass.db")
	db, err := store.Open(path, store.Options{ReadOnly: true})
	if err == nil {
		db.Close()
		t.Fatal("ReadOnly Open of a missing file succeeded")
	}
	if !strings.Contains(err.Error(), "non trovato") || !strings.Contains(err.Error(), path) {
		t.Errorf("err = %q, want 'non trovato' and the path", err)
	}
	if _, serr := os.Stat(filepath.Dir(path)); !os.IsNotExist(serr) {
		t.Errorf("ReadOnly Open created %s (stat err %v)", filepath.Dir(path), serr)
	}
}

func TestPutPassAndPersonMaintainIndexes(t *testing.T) {
	db := open(t)
	var p1 domain.Pass
	var rossi domain.Person
	err := db.Update(func(tx *store.Tx) error {
		rossi = samplePerson("RSSMRA80A01L736U", "ROSSI", "MARIO", "L736")
		if err := tx.PutPerson(&rossi); err != nil {
			return err
		}
		if rossi.ID == 0 {
			return errors.New("PutPerson gave no id")
		}
		p1 = samplePass("L736_2024_00001", "L736", rossi, "AB123CD", "FG456HJ", "AB123CD")
		if err := tx.PutPass(&p1); err != nil {
			return err
		}
		if p1.ID == 0 || p1.Lineage != p1.ID {
			return fmt.Errorf("first version: ID %d Lineage %d, want Lineage = ID", p1.ID, p1.Lineage)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)

	err = db.View(func(tx *store.Tx) error {
		checks := []struct {
			name string
			got  []uint64
			want []uint64
		}{
			{"by CF", tx.PassIDsByCF("RSSMRA80A01L736U"), []uint64{p1.ID}},
			{"by number", tx.PassIDsByNumber("L736_2024_00001"), []uint64{p1.ID}},
			{"by plate AB123CD", tx.PassIDsByPlate("AB123CD"), []uint64{p1.ID}},
			{"by plate FG456HJ", tx.PassIDsByPlate("FG456HJ"), []uint64{p1.ID}},
			{"by name", tx.PassIDsByNamePrefix("L736", "ROSSI M", 0), []uint64{p1.ID}},
			{"by name other comune", tx.PassIDsByNamePrefix("G224", "ROSSI", 0), nil},
			{"by state", tx.PassIDsByState("L736", domain.Attivo), []uint64{p1.ID}},
			{"by channel", tx.PassIDsByChannel("L736", domain.Sportello), []uint64{p1.ID}},
			{"by expiry", tx.PassIDsByExpiry("L736", expiry, expiry), []uint64{p1.ID}},
			{"by expiry before", tx.PassIDsByExpiry("L736", day0, expiry.AddDays(-1)), nil},
			{"person by CF", tx.PersonIDsByCF("RSSMRA80A01L736U"), []uint64{rossi.ID}},
			{"person by name", tx.PersonIDsByNamePrefix("L736", "ROS", 0), []uint64{rossi.ID}},
		}
		for _, c := range checks {
			if !slices.Equal(c.got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
			}
		}
		if got := tx.ComuniWithPasses(); !slices.Equal(got, []string{"L736"}) {
			t.Errorf("ComuniWithPasses = %v", got)
		}
		if got := tx.Counts("L736"); got[domain.Attivo] != 1 || len(got) != 1 {
			t.Errorf("Counts = %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}

	// Change what the indexes carry: a plate goes, the holder's name changes, the
	// version is closed (no longer listed), and a successor takes its place.
	var p2 domain.Pass
	err = db.Update(func(tx *store.Tx) error {
		rossi.Cognome = "ROSSINI"
		if err := tx.PutPerson(&rossi); err != nil {
			return err
		}
		p2 = p1.Clone()
		p2.ID, p2.PrevID, p2.DataScadenza = 0, p1.ID, expiry.AddDays(365)
		p2.HolderName = rossi.FullName()
		p2.Plates = p2.Plates[:1]
		if err := tx.PutPass(&p2); err != nil {
			return err
		}
		p1.State, p1.StateFrom, p1.NextID = domain.Rinnovato, expiry.AddDays(1), p2.ID
		return tx.PutPass(&p1)
	})
	if err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)
	err = db.View(func(tx *store.Tx) error {
		if p2.Lineage != p1.ID {
			t.Errorf("successor Lineage = %d, want %d", p2.Lineage, p1.ID)
		}
		checks := []struct {
			name string
			got  []uint64
			want []uint64
		}{
			{"by CF (every version)", tx.PassIDsByCF("RSSMRA80A01L736U"), []uint64{p1.ID, p2.ID}},
			{"by number (every version)", tx.PassIDsByNumber("L736_2024_00001"), []uint64{p1.ID, p2.ID}},
			{"by plate FG456HJ (old version only)", tx.PassIDsByPlate("FG456HJ"), []uint64{p1.ID}},
			{"by name old", tx.PassIDsByNamePrefix("L736", "ROSSI M", 0), nil},
			{"by name new", tx.PassIDsByNamePrefix("L736", "ROSSINI", 0), []uint64{p2.ID}},
			{"by state attivo", tx.PassIDsByState("L736", domain.Attivo), []uint64{p2.ID}},
			{"by state rinnovato (not listed)", tx.PassIDsByState("L736", domain.Rinnovato), nil},
			{"by old expiry", tx.PassIDsByExpiry("L736", expiry, expiry), nil},
			{"person by old name", tx.PersonIDsByNamePrefix("L736", "ROSSI M", 0), nil},
			{"person by new name", tx.PersonIDsByNamePrefix("L736", "ROSSINI", 0), []uint64{rossi.ID}},
		}
		for _, c := range checks {
			if !slices.Equal(c.got, c.want) {
				t.Errorf("%s: %v, want %v", c.name, c.got, c.want)
			}
		}
		vs, err := tx.Versions(p2)
		if err != nil {
			return err
		}
		if len(vs) != 2 || vs[0].ID != p2.ID || vs[1].ID != p1.ID || vs[1].State != domain.Rinnovato {
			t.Errorf("Versions = %+v", vs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestVerifyDetectsTamperedIndex(t *testing.T) {
	db := open(t)
	var p domain.Pass
	err := db.Update(func(tx *store.Tx) error {
		h := samplePerson("RSSMRA80A01L736U", "ROSSI", "MARIO", "L736")
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		p = samplePass("L736_2024_00001", "L736", h, "AB123CD")
		return tx.PutPass(&p)
	})
	if err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)

	// Delete a real entry and add one that no record explains.
	err = db.RawUpdate(func(tx *bolt.Tx) error {
		idx := tx.Bucket([]byte("idx"))
		plate := idx.Bucket([]byte("plate"))
		key := store.IndexKey(p.ID, "AB123CD")
		if plate.Get(key) == nil {
			return errors.New("the plate entry is not where doc.go says")
		}
		if err := plate.Delete(key); err != nil {
			return err
		}
		return idx.Bucket([]byte("number")).Put(store.IndexKey(999, "FALSO_1"), nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	problems := verifyProblems(t, db)
	var missing, extra bool
	for _, pr := range problems {
		switch {
		case pr.Index == "plate" && strings.Contains(pr.Message, "voce mancante") && strings.Contains(pr.Message, "AB123CD"):
			missing = true
		case pr.Index == "number" && strings.Contains(pr.Message, "voce di troppo") && strings.Contains(pr.Message, "FALSO_1"):
			extra = true
		default:
			t.Errorf("unexpected problem %+v", pr)
		}
	}
	if !missing || !extra {
		t.Errorf("Verify = %+v: want the missing plate entry and the extra number entry", problems)
	}
}

// audit writes n entries, each in its own transaction, some on a lineage.
func audit(t *testing.T, db *store.DB, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		err := db.Update(func(tx *store.Tx) error {
			_, err := tx.Audit(store.AuditEntry{Operator: "mario", Comune: "L736", Channel: domain.Sportello,
				Action: "prova", Subject: fmt.Sprintf("voce %d", i+1), Lineage: uint64(i%2 + 1)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func verifyAudit(t *testing.T, db *store.DB) (int, []store.AuditProblem) {
	t.Helper()
	var n int
	var pr []store.AuditProblem
	if err := db.View(func(tx *store.Tx) error { n, pr = tx.VerifyAudit(); return nil }); err != nil {
		t.Fatal(err)
	}
	return n, pr
}

func TestAuditChainVerifies(t *testing.T) {
	db := open(t)
	audit(t, db, 5)
	n, pr := verifyAudit(t, db)
	if n != 5 || len(pr) != 0 {
		t.Fatalf("VerifyAudit = %d, %+v; want 5 entries, no problems", n, pr)
	}
	err := db.View(func(tx *store.Tx) error {
		tail, err := tx.AuditTail(2)
		if err != nil {
			return err
		}
		if len(tail) != 2 || tail[0].Seq != 5 || tail[1].Seq != 4 || tail[0].Prev != tail[1].Hash {
			t.Errorf("AuditTail(2) = %+v", tail)
		}
		h, err := tx.History(1)
		if err != nil {
			return err
		}
		var seqs []uint64
		for _, e := range h {
			seqs = append(seqs, e.Seq)
		}
		if !slices.Equal(seqs, []uint64{1, 3, 5}) {
			t.Errorf("History(1) seqs = %v, want [1 3 5]", seqs)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)
}

func TestAuditTamperingDetected(t *testing.T) {
	cases := []struct {
		name   string
		tamper func(b *bolt.Bucket) error
		want   string
		seq    uint64
	}{
		{"changed JSON", func(b *bolt.Bucket) error {
			e, err := store.DecodeAudit(b.Get(store.U64(3)))
			if err != nil {
				return err
			}
			e.Operator = "qualcun altro"
			return b.Put(store.U64(3), store.EncodeAudit(e))
		}, "contenuto alterato", 3},
		{"last entry deleted", func(b *bolt.Bucket) error { return b.Delete(store.U64(5)) }, "testa registrata", 5},
		{"middle entry deleted", func(b *bolt.Bucket) error { return b.Delete(store.U64(3)) }, "mancano le voci da 3 a 3", 4},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db := open(t)
			audit(t, db, 5)
			if err := db.RawUpdate(func(tx *bolt.Tx) error { return c.tamper(tx.Bucket([]byte("audit"))) }); err != nil {
				t.Fatal(err)
			}
			_, pr := verifyAudit(t, db)
			found := false
			for _, p := range pr {
				if strings.Contains(p.Message, c.want) && p.Seq == c.seq {
					found = true
				}
			}
			if !found {
				t.Errorf("VerifyAudit = %+v, want a problem at %d saying %q", pr, c.seq, c.want)
			}
			// Verify reports the audit problems too.
			audits := 0
			for _, p := range verifyProblems(t, db) {
				if p.Index == "audit" {
					audits++
				}
			}
			if audits == 0 {
				t.Error("Verify does not report the broken audit chain")
			}
		})
	}
}

func TestBackupFileWhileWriting(t *testing.T) {
	db := open(t)
	audit(t, db, 3)
	var stop atomic.Bool
	var wg sync.WaitGroup
	var writes atomic.Int64
	var werr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; !stop.Load(); i++ {
			err := db.Update(func(tx *store.Tx) error {
				h := samplePerson("RSSMRA80A01L736U", "ROSSI", fmt.Sprintf("MARIO%d", i), "L736")
				if err := tx.PutPerson(&h); err != nil {
					return err
				}
				p := samplePass(fmt.Sprintf("L736_2024_%05d", i+1), "L736", h, "AB123CD")
				if err := tx.PutPass(&p); err != nil {
					return err
				}
				_, err := tx.Audit(store.AuditEntry{Operator: "mario", Action: "rilascio", Subject: p.Number, Lineage: p.Lineage})
				return err
			})
			if err != nil {
				werr = err
				return
			}
			writes.Add(1)
		}
	}()
	for writes.Load() < 20 && werr == nil {
		time.Sleep(time.Millisecond)
	}
	backup := filepath.Join(t.TempDir(), "backup.db")
	n, err := db.BackupFile(backup)
	stop.Store(true)
	wg.Wait()
	if werr != nil {
		t.Fatalf("writer: %v", werr)
	}
	if err != nil {
		t.Fatalf("BackupFile: %v", err)
	}
	st, err := os.Stat(backup)
	if err != nil || st.Size() != n || n == 0 {
		t.Fatalf("backup file: %v, size %v, BackupFile said %d", err, st, n)
	}
	if left, _ := filepath.Glob(filepath.Join(filepath.Dir(backup), ".backup-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
	bk, err := store.Open(backup, store.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("ReadOnly Open of the backup: %v", err)
	}
	defer bk.Close()
	verifyClean(t, bk)
	var passes int
	if err := bk.View(func(tx *store.Tx) error {
		return tx.ForEachPass(func(domain.Pass) bool { passes++; return true })
	}); err != nil {
		t.Fatal(err)
	}
	if passes < 20 {
		t.Errorf("backup has %d passes, want the ≥20 written before it", passes)
	}
	// The live database went on and is still consistent.
	verifyClean(t, db)
}

// TestMigration3PostaPECStampa: schema 3 adds the PEC inbox and printing buckets and
// keeps the bacheca of schema 2.
func TestMigration3PostaPECStampa(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := b.Update(func(tx *bolt.Tx) error {
		if err := store.MigrateTo(tx, 2); err != nil {
			return err
		}
		return tx.Bucket([]byte("bacheca")).Put(store.U64(1), []byte(`{"seq":1}`))
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 3) }); err != nil {
		t.Fatalf("migrateTo(3): %v", err)
	}
	err = b.View(func(tx *bolt.Tx) error {
		for _, n := range []string{"pec_items", "pec_raw", "pec_sync", "pec_config", "templates", "printing"} {
			if tx.Bucket([]byte(n)) == nil {
				return fmt.Errorf("bucket %s missing", n)
			}
		}
		if v := tx.Bucket([]byte("bacheca")).Get(store.U64(1)); string(v) != `{"seq":1}` {
			return fmt.Errorf("schema-2 record lost: %q", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// A register already at this schema is opened without writing: no commit, no fsync
// for each command and desk that opens it (issue 14.4).
func TestOpenOfACurrentRegisterWritesNothing(t *testing.T) {
	path := filepath.Join(t.TempDir(), "vivipass.db")
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	before, _ := os.ReadFile(path)
	info, _ := os.Stat(path)
	db, err = store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	after, _ := os.ReadFile(path)
	info2, _ := os.Stat(path)
	if !bytes.Equal(before, after) || !info.ModTime().Equal(info2.ModTime()) {
		t.Error("opening a current register wrote to it")
	}
}
