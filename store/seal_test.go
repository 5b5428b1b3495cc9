package store_test

import (
	"bytes"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/store"
)

// Issue 12.5: entries authenticated with a key kept outside the database, and records
// tied to the entries that wrote them. Each attack below verified "integro" before.

var testKey = store.AuditKey{ID: "k1", Secret: bytes.Repeat([]byte{7}, 32), From: 1}

// sealedRegister is a register with its key, two people and three pass versions, each
// written with its audit entry.
func sealedRegister(t *testing.T) *store.DB {
	t.Helper()
	db := open(t)
	db.SetAuditKeys([]store.AuditKey{testKey})
	for i, cf := range []string{"RSSMRA80A01L736X", "BNCLRA75B42L736Y"} {
		if err := db.Update(func(tx *store.Tx) error {
			h := samplePerson(cf, "ROSSI", "MARIO", "L736")
			if err := tx.PutPerson(&h); err != nil {
				return err
			}
			p := samplePass("L736_2026_0000"+string(rune('1'+i)), "L736", h, "AB12"+string(rune('3'+i))+"CD")
			if err := tx.PutPass(&p); err != nil {
				return err
			}
			_, err := tx.Audit(store.AuditEntry{Operator: "mario", Action: "rilascio", Subject: "contrassegno " + p.Number, Lineage: p.Lineage})
			return err
		}); err != nil {
			t.Fatal(err)
		}
	}
	// A change whose entry is written before the record: the commit adds the record
	// to the entry, so no write path can leave a record unsealed.
	if err := db.Update(func(tx *store.Tx) error {
		p, err := tx.Pass(1)
		if err != nil {
			return err
		}
		if _, err := tx.Audit(store.AuditEntry{Operator: "mario", Action: "targa aggiunta", Lineage: p.Lineage}); err != nil {
			return err
		}
		p.Plates = append(p.Plates, domain.Plate{ID: 2, Number: "ZZ999ZZ", Country: "IT", From: day0})
		return tx.PutPass(&p)
	}); err != nil {
		t.Fatal(err)
	}
	return db
}

func checkSealed(t *testing.T, db *store.DB) (problems []store.AuditProblem) {
	t.Helper()
	db.View(func(tx *store.Tx) error {
		_, pr := tx.VerifyAudit()
		_, rp := tx.VerifyRecords(50)
		problems = append(pr, rp...)
		return nil
	})
	return problems
}

func wantProblem(t *testing.T, problems []store.AuditProblem, words string) {
	t.Helper()
	for _, p := range problems {
		if strings.Contains(p.Message, words) {
			return
		}
	}
	t.Errorf("no problem says %q: %+v", words, problems)
}

func TestSealedRegisterVerifies(t *testing.T) {
	db := sealedRegister(t)
	if pr := checkSealed(t, db); len(pr) != 0 {
		t.Fatalf("a register written by the program: %+v", pr)
	}
	db.View(func(tx *store.Tx) error {
		tail, _ := tx.AuditTail(10)
		for _, e := range tail {
			if !strings.HasPrefix(e.MAC, "k1:") || len(e.Records) == 0 {
				t.Errorf("entry %d: mac %q, records %v", e.Seq, e.MAC, e.Records)
			}
		}
		if len(tail[0].Records) != 1 || !strings.HasPrefix(tail[0].Records[0], "p/1:") {
			t.Errorf("the plate's entry names %v, want the pass version written after it", tail[0].Records)
		}
		return nil
	})
}

// rewrite changes the file as someone who can write it but has not the key would.
func rewrite(t *testing.T, db *store.DB, fn func(audit, meta, passes *bolt.Bucket, read func(uint64) store.AuditEntry, write func(store.AuditEntry))) {
	t.Helper()
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		audit := tx.Bucket([]byte("audit"))
		read := func(n uint64) store.AuditEntry {
			e, _ := store.DecodeAudit(audit.Get(store.U64(n)))
			return e
		}
		write := func(e store.AuditEntry) {
			audit.Put(store.U64(e.Seq), store.EncodeAudit(e))
		}
		fn(audit, tx.Bucket([]byte("meta")), tx.Bucket([]byte("passes")), read, write)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// recompute rewrites the chain from entry `from` on, as a hand without the key would.
func recompute(read func(uint64) store.AuditEntry, write func(store.AuditEntry), meta *bolt.Bucket, from, to uint64, change func(*store.AuditEntry)) {
	prev := read(from - 1).Hash
	for n := from; n <= to; n++ {
		e := read(n)
		change(&e)
		e.Prev = prev
		e.Hash = e.Digest()
		write(e)
		prev = e.Hash
	}
	meta.Put([]byte("audit_head"), []byte(prev))
}

func TestSealCatchesRewrites(t *testing.T) {
	cases := []struct {
		attack, want string
		do           func(audit, meta, passes *bolt.Bucket, read func(uint64) store.AuditEntry, write func(store.AuditEntry))
	}{
		{"change an entry and recompute every hash after it", "autenticazione non valida",
			func(_, meta, _ *bolt.Bucket, read func(uint64) store.AuditEntry, write func(store.AuditEntry)) {
				recompute(read, write, meta, 2, 3, func(e *store.AuditEntry) {
					if e.Seq == 2 {
						e.Operator = "anna"
					}
				})
			}},
		{"remove the MACs and recompute", "voce senza autenticazione",
			func(_, meta, _ *bolt.Bucket, read func(uint64) store.AuditEntry, write func(store.AuditEntry)) {
				recompute(read, write, meta, 2, 3, func(e *store.AuditEntry) { e.MAC = "" })
			}},
		{"remove the last entry and fix the head", "testa della catena non è autenticata",
			func(audit, meta, _ *bolt.Bucket, read func(uint64) store.AuditEntry, _ func(store.AuditEntry)) {
				audit.Delete(store.U64(3))
				meta.Put([]byte("audit_head"), []byte(read(2).Hash))
			}},
		{"move a pass's expiry to 2099 in place", "modificato fuori dal programma",
			func(_, _, passes *bolt.Bucket, _ func(uint64) store.AuditEntry, _ func(store.AuditEntry)) {
				var p domain.Pass
				p, _ = store.DecodePass(passes.Get(store.U64(2)))
				p.DataScadenza = domain.MustDate(2099, 12, 31)
				raw := store.EncodePass(p)
				passes.Put(store.U64(2), raw)
			}},
		{"add a pass with no entry", "nessuna voce del registro",
			func(_, _, passes *bolt.Bucket, _ func(uint64) store.AuditEntry, _ func(store.AuditEntry)) {
				var p domain.Pass
				p, _ = store.DecodePass(passes.Get(store.U64(2)))
				p.ID, p.Number = 99, "L736_2026_00099"
				raw := store.EncodePass(p)
				passes.Put(store.U64(99), raw)
			}},
		{"remove a pass version", "non c'è più",
			func(_, _, passes *bolt.Bucket, _ func(uint64) store.AuditEntry, _ func(store.AuditEntry)) {
				passes.Delete(store.U64(1))
			}},
		// The newest version is past the end of the dense table the check sizes from
		// the bucket's last id.
		{"remove the newest pass version", "non c'è più",
			func(_, _, passes *bolt.Bucket, _ func(uint64) store.AuditEntry, _ func(store.AuditEntry)) {
				k, _ := passes.Cursor().Last()
				passes.Delete(k)
			}},
		// An attacker's id far past the others does not size the check's tables.
		{"add a pass at id 2^60", "nessuna voce del registro",
			func(_, _, passes *bolt.Bucket, _ func(uint64) store.AuditEntry, _ func(store.AuditEntry)) {
				p, _ := store.DecodePass(passes.Get(store.U64(2)))
				p.ID = 1 << 60
				passes.Put(store.U64(1<<60), store.EncodePass(p))
			}},
		{"remove every pass version", "non c'è più",
			func(_, _, passes *bolt.Bucket, _ func(uint64) store.AuditEntry, _ func(store.AuditEntry)) {
				var keys [][]byte
				passes.ForEach(func(k, _ []byte) error { keys = append(keys, append([]byte(nil), k...)); return nil })
				for _, k := range keys {
					passes.Delete(k)
				}
			}},
		{"rewrite an entry's records to match a changed pass", "autenticazione non valida",
			func(_, meta, passes *bolt.Bucket, read func(uint64) store.AuditEntry, write func(store.AuditEntry)) {
				var p domain.Pass
				p, _ = store.DecodePass(passes.Get(store.U64(2)))
				p.DataScadenza = domain.MustDate(2099, 12, 31)
				raw := store.EncodePass(p)
				passes.Put(store.U64(2), raw)
				// The entry that wrote pass 2 is entry 2: point it at the new bytes.
				recompute(read, write, meta, 2, 3, func(e *store.AuditEntry) {
					if e.Seq == 2 {
						for i, r := range e.Records {
							if strings.HasPrefix(r, "p/2:") {
								e.Records[i] = "p/2:" + refHash(p)
							}
						}
					}
				})
			}},
	}
	for _, c := range cases {
		t.Run(c.attack, func(t *testing.T) {
			db := sealedRegister(t)
			rewrite(t, db, c.do)
			// The chain alone: before seals, the recomputing attacks verified clean.
			wantProblem(t, checkSealed(t, db), c.want)
		})
	}
}

// refHash is the record hash the program writes for p's bytes.
func refHash(p domain.Pass) string {
	raw := store.EncodePass(p)
	return store.RecordHash(raw)
}

// Without its key (a copy checked on another machine) a sealed register says so, and
// a key that is not the one that wrote the entries does not verify them.
func TestSealNeedsItsKey(t *testing.T) {
	db := sealedRegister(t)
	other := testKey
	other.ID, other.Secret = "k2", bytes.Repeat([]byte{9}, 32)
	db.SetAuditKeys([]store.AuditKey{other})
	wantProblem(t, checkSealed(t, db), "chiave k1, che non è nella cartella")
	forged := testKey
	forged.Secret = bytes.Repeat([]byte{8}, 32) // right name, wrong secret
	db.SetAuditKeys([]store.AuditKey{forged})
	wantProblem(t, checkSealed(t, db), "autenticazione non valida")
}

// A register older than seals: its entries have no MAC and its records no entry; the
// first seal covers them, and from then on they are checked like the others.
func TestSealAllCoversOlderRecords(t *testing.T) {
	db := open(t)
	if err := db.Update(func(tx *store.Tx) error {
		h := samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		p := samplePass("L736_2026_00001", "L736", h)
		return tx.PutPass(&p)
	}); err != nil {
		t.Fatal(err)
	}
	rewrite(t, db, func(audit, meta, _ *bolt.Bucket, _ func(uint64) store.AuditEntry, _ func(store.AuditEntry)) {
		audit.Delete(store.U64(1)) // as an older vivipass left it: no entry for these writes
		audit.SetSequence(0)
		meta.Delete([]byte("audit_head"))
	})
	wantProblem(t, checkSealed(t, db), "nessuna voce del registro")
	k := testKey
	k.From = 1
	db.SetAuditKeys([]store.AuditKey{k})
	if err := db.Update(func(tx *store.Tx) error {
		_, err := tx.SealAll(store.AuditEntry{Operator: "sistema", Action: "sigillo del registro"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if pr := checkSealed(t, db); len(pr) != 0 {
		t.Fatalf("after the seal: %+v", pr)
	}
	rewrite(t, db, func(_, _, passes *bolt.Bucket, _ func(uint64) store.AuditEntry, _ func(store.AuditEntry)) {
		var p domain.Pass
		p, _ = store.DecodePass(passes.Get(store.U64(1)))
		p.DataScadenza = domain.MustDate(2099, 12, 31)
		raw := store.EncodePass(p)
		passes.Put(store.U64(1), raw)
	})
	wantProblem(t, checkSealed(t, db), "modificato fuori dal programma")
}

// A bulk load (import) seals its records in one entry with a side list; the list
// cannot be edited without the entry's MAC failing.
func TestSealOfABulkLoad(t *testing.T) {
	db := open(t)
	db.SetAuditKeys([]store.AuditKey{testKey})
	bulk := store.NewBulk()
	for chunk := range 3 {
		if err := db.Update(func(tx *store.Tx) error {
			tx.Collect(bulk)
			for i := range 20 {
				h := samplePerson("RSSMRA80A01L736X", "ROSSI", "MARIO", "L736")
				if err := tx.PutPerson(&h); err != nil {
					return err
				}
				p := samplePass("L736_2026_"+string(rune('A'+chunk))+string(rune('A'+i)), "L736", h)
				if err := tx.PutPass(&p); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Update(func(tx *store.Tx) error {
		if err := bulk.Flush(tx, 0); err != nil {
			return err
		}
		tx.Collect(bulk)
		e, err := tx.Audit(store.AuditEntry{Operator: "admin", Action: "import massivo"})
		if err == nil && (e.Sealed == nil || e.Sealed.N != 120) {
			t.Errorf("import entry seals %+v", e.Sealed)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if pr := checkSealed(t, db); len(pr) != 0 {
		t.Fatalf("after the import: %+v", pr)
	}
	rewrite(t, db, func(_, _, _ *bolt.Bucket, _ func(uint64) store.AuditEntry, _ func(store.AuditEntry)) {})
	if err := db.RawUpdate(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("sigilli"))
		side := append([]byte(nil), b.Get(store.U64(1))...)
		side[len(side)-1] ^= 1
		return b.Put(store.U64(1), side)
	}); err != nil {
		t.Fatal(err)
	}
	wantProblem(t, checkSealed(t, db), "elenco dei record scritti è alterato")
}
