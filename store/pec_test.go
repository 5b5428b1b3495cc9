package store_test

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/store"
)

func TestMigration4IndiciPEC(t *testing.T) {
	path := filepath.Join(t.TempDir(), "raw.db")
	b, err := bolt.Open(path, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error {
		if err := store.MigrateTo(tx, 3); err != nil {
			return err
		}
		return tx.Bucket([]byte("pec_config")).Put([]byte("L736"), []byte(`{"comune":"L736"}`))
	}); err != nil {
		t.Fatal(err)
	}
	if err := b.Update(func(tx *bolt.Tx) error { return store.MigrateTo(tx, 4) }); err != nil {
		t.Fatalf("migrateTo(4): %v", err)
	}
	err = b.View(func(tx *bolt.Tx) error {
		for _, n := range []string{"peckey", "pecstate", "peccf"} {
			if tx.Bucket([]byte("idx")).Bucket([]byte(n)) == nil {
				return fmt.Errorf("index %s missing", n)
			}
		}
		if v := tx.Bucket([]byte("pec_config")).Get([]byte("L736")); string(v) != `{"comune":"L736"}` {
			return fmt.Errorf("schema-3 record lost: %q", v)
		}
		if v := tx.Bucket([]byte("meta")).Get([]byte("schema_version")); string(v) != string(store.U64(4)) {
			return fmt.Errorf("schema_version = %x, want 4", v)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	b.Close()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatalf("Open after migration 4: %v", err)
	}
	defer db.Close()
	verifyClean(t, db)
}

// TestPECItems: one item per key per comune, raw beside it, indexes moved with the state.
func TestPECItems(t *testing.T) {
	db := open(t)
	item := func(comune, key, cf string) store.PECItem {
		return store.PECItem{Comune: comune, Key: key, Kind: "request", Type: "RINNOVO", State: domain.RequestNuova,
			Channel: domain.App, CodiceFiscale: cf, Folder: "INBOX", UIDValidity: 7, UID: 1}
	}
	raw := []byte("From: a@b\r\n\r\nciao\r\n")
	var ids []uint64
	err := db.Update(func(tx *store.Tx) error {
		for _, it := range []store.PECItem{
			item("L736", "istanza:VV-1", "RSSMRA80A01L736U"),
			item("L736", "istanza:VV-2", ""),
			item("G224", "istanza:VV-1", "RSSMRA80A01L736U"), // same key, other comune: its own item
			item("L736", "msgid:x\x00y", ""),                 // a 0 byte in a key must not break the index
		} {
			if _, dup := tx.PECItemByKey(it.Comune, it.Key); dup {
				return fmt.Errorf("%s %s found before it was added", it.Comune, it.Key)
			}
			if err := tx.AddPECItem(&it, raw); err != nil {
				return err
			}
			ids = append(ids, it.ID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)
	err = db.Update(func(tx *store.Tx) error {
		if id, ok := tx.PECItemByKey("L736", "istanza:VV-1"); !ok || id != ids[0] {
			return fmt.Errorf("PECItemByKey = %d %v, want %d", id, ok, ids[0])
		}
		if id, ok := tx.PECItemByKey("L736", "msgid:x\x00y"); !ok || id != ids[3] {
			return fmt.Errorf("PECItemByKey with a 0 byte = %d %v, want %d", id, ok, ids[3])
		}
		if _, ok := tx.PECItemByKey("L736", "istanza:VV"); ok {
			return fmt.Errorf("a prefix of a key matched")
		}
		if got := tx.PECItemIDs("L736"); !slices.Equal(got, []uint64{ids[0], ids[1], ids[3]}) {
			return fmt.Errorf("PECItemIDs(L736) = %v", got)
		}
		if got := tx.PECItemIDs(""); len(got) != 4 {
			return fmt.Errorf("PECItemIDs() = %v", got)
		}
		if got := tx.PECItemIDsByCF("RSSMRA80A01L736U"); !slices.Equal(got, []uint64{ids[0], ids[2]}) {
			return fmt.Errorf("PECItemIDsByCF = %v", got)
		}
		if r := tx.PECRaw(ids[1]); !bytes.Equal(r, raw) {
			return fmt.Errorf("PECRaw = %q", r)
		}
		it, err := tx.PECItem(ids[0])
		if err != nil {
			return err
		}
		it.State, it.Note = domain.RequestEvasa, "fatto"
		if err := tx.PutPECItem(&it); err != nil {
			return err
		}
		if got := tx.PECItemIDsByState("L736", domain.RequestNuova); !slices.Equal(got, []uint64{ids[1], ids[3]}) {
			return fmt.Errorf("nuove = %v", got)
		}
		if got := tx.PECItemIDsByState("L736", domain.RequestEvasa); !slices.Equal(got, []uint64{ids[0]}) {
			return fmt.Errorf("evase = %v", got)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	verifyClean(t, db)

	// A doubled key (a bug, or a hand on the file) is reported by verify.
	if err := db.Update(func(tx *store.Tx) error {
		it := item("L736", "istanza:VV-2", "")
		return tx.AddPECItem(&it, raw)
	}); err != nil {
		t.Fatal(err)
	}
	if p := verifyProblems(t, db); len(p) != 1 || p[0].Index != "pec_items" {
		t.Errorf("verify after a doubled key: %+v, want one pec_items problem", p)
	}
}

func TestPECConfigAndSyncState(t *testing.T) {
	db := open(t)
	err := db.Update(func(tx *store.Tx) error {
		if _, err := tx.PECConfig("L736"); err != store.ErrNotFound {
			return fmt.Errorf("PECConfig of nobody: %v", err)
		}
		if err := tx.PutPECConfig(store.PECConfig{Comune: "L736", Host: "pec.example.it", Port: 993, Security: "tls", Folder: "INBOX"}); err != nil {
			return err
		}
		st, err := tx.PECSyncState("L736", "INBOX")
		if err != nil || st.UIDValidity != 0 || st.LastUID != 0 {
			return fmt.Errorf("state of a new folder: %+v %v", st, err)
		}
		return tx.PutPECSyncState("L736", "INBOX", store.PECSyncState{UIDValidity: 9, LastUID: 42, Pending: []uint32{41, 42}})
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *store.Tx) error {
		cs, err := tx.PECConfigs()
		if err != nil || len(cs) != 1 || cs[0].Host != "pec.example.it" {
			return fmt.Errorf("PECConfigs = %+v %v", cs, err)
		}
		st, err := tx.PECSyncState("L736", "INBOX")
		if err != nil || st.UIDValidity != 9 || st.LastUID != 42 || !slices.Equal(st.Pending, []uint32{41, 42}) {
			return fmt.Errorf("state = %+v %v", st, err)
		}
		if st, _ := tx.PECSyncState("L736", "Archivio"); st.LastUID != 0 {
			return fmt.Errorf("another folder shares the state: %+v", st)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
