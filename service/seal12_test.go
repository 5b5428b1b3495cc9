package service_test

import (
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
	"vivipass/keyring"
	"vivipass/service"
	"vivipass/store"
)

// Issue 12.5: the audit chain is authenticated with a key kept beside the register
// (0600, never in the database or its copies) and every record is tied to the entry
// that wrote it. The attack of the issue: a pass's expiry moved to 2099 in the file
// passed `audit verify`.
func TestAuditVerifyCatchesARecordChangedInPlace(t *testing.T) {
	e := newEnv(t)
	if err := e.s.Init(admin, "L736"); err != nil {
		t.Fatal(err)
	}
	p := e.issue(mario, rossi(t), plate("AB123CD")).Pass
	dir := keyring.DirFor(e.s.DB().Path())
	keys, err := keyring.Open(dir).RegisterKeys()
	if err != nil || len(keys) != 1 {
		t.Fatalf("register keys %+v, %v", keys, err)
	}
	files, _ := filepath.Glob(filepath.Join(dir, "registro-*.hmac"))
	if info, err := os.Stat(files[0]); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file %v: %v", files, err)
	}
	var backup bytes.Buffer
	if _, err := e.s.DB().Backup(&backup); err != nil {
		t.Fatal(err)
	}
	for _, form := range [][]byte{keys[0].Secret, []byte(hex.EncodeToString(keys[0].Secret))} {
		if bytes.Contains(backup.Bytes(), form) {
			t.Fatal("the register's copy carries the key of its chain")
		}
	}

	// A copy of the server: register and key folder, changed in the file.
	copyDir := t.TempDir()
	copyPath := filepath.Join(copyDir, "vivipass.db")
	if err := os.WriteFile(copyPath, backup.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	copyKeys(t, dir, keyring.DirFor(copyPath))
	tamper(t, copyPath, func(tx *bolt.Tx) {
		b := tx.Bucket([]byte("passes"))
		var q domain.Pass
		q, _ = store.DecodePass(b.Get(key64(p.ID)))
		q.DataScadenza = domain.MustDate(2099, time.December, 31)
		raw := store.EncodePass(q)
		b.Put(key64(p.ID), raw)
	})
	s := openService(t, copyPath)
	_, pr, err := s.AuditVerify()
	if err != nil || !hasProblem(pr, "numero "+p.Number+"): il contenuto non è quello scritto dalla voce") {
		t.Fatalf("audit verify of the changed copy: %+v, %v", pr, err)
	}

	// The same copy without its key folder: what cannot be checked is said.
	bare := filepath.Join(t.TempDir(), "vivipass.db")
	os.WriteFile(bare, backup.Bytes(), 0o600)
	_, pr, err = openService(t, bare).AuditVerify()
	if err != nil || !hasProblem(pr, "non c'è nessuna chiave del registro") {
		t.Fatalf("audit verify without the keys: %+v, %v", pr, err)
	}
	if ks, _ := keyring.Open(keyring.DirFor(bare)).RegisterKeys(); len(ks) != 0 {
		t.Errorf("a check made a key: %+v", ks)
	}
}

// A register made before seals: its first write makes the key and seals every record
// in one entry; a record of it changed afterwards shows.
func TestFirstWriteSealsAnOlderRegister(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t), plate("AB123CD")).Pass
	old := filepath.Join(t.TempDir(), "vecchio.db")
	if _, err := e.s.DB().BackupFile(old); err != nil {
		t.Fatal(err)
	}
	// As an older vivipass wrote it: no MACs, no records in the entries, no key.
	tamper(t, old, func(tx *bolt.Tx) {
		a, meta := tx.Bucket([]byte("audit")), tx.Bucket([]byte("meta"))
		prev := ""
		c := a.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			en, _ := store.DecodeAudit(v)
			en.MAC, en.Records, en.Sealed, en.Prev = "", nil, nil, prev
			en.Hash = en.Digest()
			raw, _ := json.Marshal(en)
			a.Put(k, raw)
			prev = en.Hash
		}
		meta.Put([]byte("audit_head"), []byte(prev))
		meta.Delete([]byte("audit_head_mac"))
		meta.Delete([]byte("audit_sealed"))
	})
	s := openService(t, old)
	if _, pr, err := s.AuditVerify(); err != nil || len(pr) != 0 {
		t.Fatalf("an older register before its first write: %+v, %v", pr, err)
	}
	if _, err := s.AddPlate(mario, change(p), plate("ZZ999ZZ"), true); err != nil {
		t.Fatal(err)
	}
	tail := serviceAuditTail(t, s, 3)
	if tail[1].Action != "sigillo del registro" || tail[1].Sealed == nil && len(tail[1].Records) < 2 || tail[1].MAC == "" {
		t.Fatalf("no seal before the first write: %+v", tail)
	}
	if _, pr, err := s.AuditVerify(); err != nil || len(pr) != 0 {
		t.Fatalf("after the seal: %+v, %v", pr, err)
	}
	s.DB().Close()
	tamper(t, old, func(tx *bolt.Tx) {
		b := tx.Bucket([]byte("people"))
		var h domain.Person
		h, _ = store.DecodePerson(b.Get(key64(p.PersonID)))
		h.Cognome = "VERDI"
		raw := store.EncodePerson(h)
		b.Put(key64(p.PersonID), raw)
	})
	if _, pr, err := openService(t, old).AuditVerify(); err != nil || !hasProblem(pr, "persona") || !hasProblem(pr, "modificato fuori dal programma") {
		t.Fatalf("a person changed after the seal: %+v, %v", pr, err)
	}
}

func copyKeys(t *testing.T, from, to string) {
	t.Helper()
	if err := os.MkdirAll(to, 0o700); err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(from, "*"))
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(to, filepath.Base(f)), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
}

// tamper changes a closed register's file directly, as a hand without the program would.
func tamper(t *testing.T, path string, fn func(*bolt.Tx)) {
	t.Helper()
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Update(func(tx *bolt.Tx) error { fn(tx); return nil }); err != nil {
		t.Fatal(err)
	}
}

func openService(t *testing.T, path string) *service.Service {
	t.Helper()
	db, err := store.Open(path, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return service.New(db, service.WithClock(func() time.Time { return today.Time() }))
}

func hasProblem(pr []store.AuditProblem, words string) bool {
	for _, p := range pr {
		if strings.Contains(p.Message, words) {
			return true
		}
	}
	return false
}

func serviceAuditTail(t *testing.T, s *service.Service, n int) (out []store.AuditEntry) {
	t.Helper()
	if err := s.DB().View(func(tx *store.Tx) error {
		var err error
		out, err = tx.AuditTail(n)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func key64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

// Rotating the register key: only the server's administrator; entries before keep
// verifying with the old key, the rotation's entry and later ones use the new key.
func TestRotateRegisterKey(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t), plate("AB123CD")).Pass
	if _, err := e.s.RotateRegisterKey(capo); err != service.ErrForbidden {
		t.Fatalf("a comune's administrator rotated the register key: %v", err)
	}
	before := serviceAuditTail(t, e.s, 1)[0]
	k, err := e.s.RotateRegisterKey(admin)
	if err != nil || k.From != before.Seq+1 || strings.HasPrefix(before.MAC, k.ID+":") {
		t.Fatalf("rotate: %+v, %v (entry before: %s)", k, err, before.MAC)
	}
	if _, err := e.s.AddPlate(mario, change(p), plate("ZZ999ZZ"), true); err != nil {
		t.Fatal(err)
	}
	for _, en := range serviceAuditTail(t, e.s, 2) {
		if !strings.HasPrefix(en.MAC, k.ID+":") {
			t.Errorf("entry %d (%s) authenticated by %q, want the new key %s", en.Seq, en.Action, en.MAC, k.ID)
		}
	}
	// A new process loads both keys and checks each entry with its own.
	if _, pr, err := openServiceAgain(t, e).AuditVerify(); err != nil || len(pr) != 0 {
		t.Fatalf("after the rotation: %+v, %v", pr, err)
	}
}

// openServiceAgain is a second service on e's open register, as a new process would
// load the keys.
func openServiceAgain(t *testing.T, e *env) *service.Service {
	return service.New(e.s.DB(), service.WithClock(func() time.Time { return today.Time() }))
}
