package service_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"vivipass/keyring"
	"vivipass/printing"
	"vivipass/printing/printtest"
	"vivipass/service"
	"vivipass/store"
)

// Issue 12.4: the key that signs the cards is a 0600 file beside the register, never in
// it or its copies: a backup carries no seed. A register from before keeps its cards
// valid: its seed moves out of the database at first use. Rotation makes a new key sign;
// the cards signed before still verify; only the server's administrator rotates.
func TestSigningKeysOutsideTheRegister(t *testing.T) {
	e := newEnv(t)
	if err := e.s.Init(admin, "L736"); err != nil {
		t.Fatal(err)
	}
	p := e.issue(mario, rossi(t)).Pass
	first := printtest.DecodeQR(t, e.card(mario, p.ID, printing.ModeFronte, ""), 1)
	keys, err := e.s.PublicKeys()
	if err != nil || len(keys) != 1 {
		t.Fatalf("keys: %v, %v", keys, err)
	}
	dir := keyring.DirFor(e.s.DB().Path())
	files, _ := filepath.Glob(filepath.Join(dir, "firma-*.ed25519"))
	if len(files) != 1 {
		t.Fatalf("key files %v", files)
	}
	if info, _ := os.Stat(files[0]); info.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %o", info.Mode().Perm())
	}
	var backup bytes.Buffer
	if _, err := e.s.DB().Backup(&backup); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(backup.Bytes(), keys[0].Private.Seed()) {
		t.Fatal("the backup carries the signing key's seed")
	}

	if _, err := e.s.RotateSigningKey(capo); err == nil {
		t.Error("a comune's administrator rotated the server's key")
	}
	k2, err := e.s.RotateSigningKey(admin)
	if err != nil || k2.ID == keys[0].ID {
		t.Fatalf("rotate: %+v, %v", k2, err)
	}
	second := printtest.DecodeQR(t, e.card(mario, p.ID, printing.ModeFronte, ""), 1)
	if !strings.Contains(second, ";"+k2.ID+";") {
		t.Errorf("a card printed after the rotation is not signed by the new key: %s", second)
	}
	for _, qr := range []string{first, second} {
		if got, err := e.s.VerifyPayload(qr); err != nil || got.Number != p.Number {
			t.Errorf("VerifyPayload(%s) = %+v, %v", qr, got, err)
		}
	}
	if listed, _ := e.s.PublicKeys(); len(listed) != 2 || listed[0].ID != k2.ID {
		t.Errorf("keys after the rotation: %+v", listed)
	}
	// A key file others may read is refused, saying how to fix it.
	os.Chmod(files[0], 0o644)
	if _, err := e.s.PublicKeys(); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a 0644 key: %v", err)
	}
	os.Chmod(files[0], 0o600)
}

// A register written before 12.4 holds its seed in meta: at first use it goes into the
// ring, out of the database, and the cards it signed keep verifying.
func TestSigningKeyMovedOutOfAnOldRegister(t *testing.T) {
	e := newEnv(t)
	_, seed, _ := ed25519.GenerateKey(rand.Reader)
	if err := e.s.DB().Update(func(tx *store.Tx) error { return tx.PutMeta("sign_ed25519", seed.Seed()) }); err != nil {
		t.Fatal(err)
	}
	p := e.issue(mario, rossi(t)).Pass
	old, err := printing.Sign(seed, printing.Payload{Number: p.Number, Expiry: p.DataScadenza, Comune: p.Comune})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := e.s.VerifyPayload(old); err != nil || got.Number != p.Number {
		t.Fatalf("a card of the old key: %+v, %v", got, err)
	}
	var left []byte
	e.s.DB().View(func(tx *store.Tx) error { left = tx.Meta("sign_ed25519"); return nil })
	if len(left) != 0 {
		t.Error("the seed is still in the register")
	}
	var backup bytes.Buffer
	e.s.DB().Backup(&backup)
	if bytes.Contains(backup.Bytes(), seed.Seed()) {
		t.Error("a backup after the move still carries the seed")
	}
	_ = service.UndoWindow
}
