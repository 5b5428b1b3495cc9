//go:build !lean

package main

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/ssh"

	"vivipass/store"
)

// pubKey writes an ed25519 public key in authorized_keys format, with comment.
func pubKey(t *testing.T, comment string) (file, fingerprint string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	sp, err := ssh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSuffix(string(ssh.MarshalAuthorizedKey(sp)), "\n") + " " + comment + "\n"
	return write(t, "id_ed25519.pub", []byte(line)), ssh.FingerprintSHA256(sp)
}

type operatorOut struct {
	Nome         string `json:"nome"`
	NomeCompleto string `json:"nome_completo"`
	Ruolo        string `json:"ruolo"`
	Comune       string `json:"comune"`
	Chiavi       []struct {
		Fingerprint string `json:"fingerprint"`
		Commento    string `json:"commento"`
	} `json:"chiavi"`
}

func operators(t *testing.T, db string) map[string]operatorOut {
	t.Helper()
	r := must(t, 0, "operator", "list", "--json", "--db", db)
	var ops []operatorOut
	strictJSON(t, r.stdout, &ops)
	if ops == nil {
		t.Fatalf("operator list --json is not a list:\n%s", r.stdout)
	}
	out := map[string]operatorOut{}
	for _, o := range ops {
		out[o.Nome] = o
	}
	return out
}

func TestOperators(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	if r := must(t, 0, "operator", "list", "--json", "--db", db); strings.TrimSpace(r.stdout) != "[]" {
		t.Errorf("operator list --json of an empty register: %q, want []", r.stdout)
	}
	key, fp := pubKey(t, "anna@sportello")

	r := must(t, 0, "operator", "add", "--name", "anna", "--role", "operatore", "--comune", "L736", "--key", key, "--db", db)
	contains(t, "operator add", r.stdout, "anna", fp)
	ops := operators(t, db)
	a, ok := ops["anna"]
	if !ok || a.Ruolo != "operatore" || a.Comune != "L736" || len(a.Chiavi) != 1 ||
		a.Chiavi[0].Fingerprint != fp || a.Chiavi[0].Commento != "anna@sportello" {
		t.Errorf("operator list: %+v, want anna with key %s", ops, fp)
	}
	r = must(t, 0, "operator", "list", "--db", db)
	contains(t, "operator list", r.stdout, "anna", "L736", fp)

	// The same key for another operator: refused, naming who has it.
	r = must(t, 1, "operator", "add", "--name", "bruno", "--role", "amministratore", "--comune", "L736", "--key", key, "--db", db)
	contains(t, "stderr", r.stderr, fp, "già registrata", "anna")
	if _, ok := operators(t, db)["bruno"]; ok {
		t.Errorf("bruno was registered with anna's key")
	}

	// Malformed key files.
	for name, data := range map[string]string{
		"non base64": "ssh-ed25519 AAAA-non-è-base64!! rotta\n",
		"privata":    "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----\n",
		"vuota":      "\n",
	} {
		f := write(t, "chiave.pub", []byte(data))
		r := must(t, 1, "operator", "add", "--name", "carla", "--comune", "L736", "--key", f, "--db", db)
		if !strings.Contains(r.stderr, "chiave pubblica SSH") || strings.Contains(r.stderr, "ssh: ") {
			t.Errorf("%s: want an Italian message about the key:\n%s", name, r)
		}
	}
	r = must(t, 1, "operator", "add", "--name", "carla", "--comune", "L736", "--key", filepath.Join(t.TempDir(), "manca.pub"), "--db", db)
	contains(t, "stderr", r.stderr, "impossibile leggere la chiave")
	r = must(t, 1, "operator", "add", "--name", "carla", "--comune", "X999", "--key", key, "--db", db)
	contains(t, "stderr", r.stderr, `comune "X999" sconosciuto`)
	must(t, 2, "operator", "add", "--name", "carla", "--db", db)
	if _, ok := operators(t, db)["carla"]; ok {
		t.Errorf("carla was registered")
	}

	r = must(t, 0, "operator", "remove", "anna", "--db", db)
	contains(t, "stdout", r.stdout, "anna rimosso")
	if _, ok := operators(t, db)["anna"]; ok {
		t.Errorf("anna is still listed after remove")
	}
	r = must(t, 1, "operator", "remove", "anna", "--db", db)
	contains(t, "stderr", r.stderr, "anna", "non trovato")
	// The key is free again.
	must(t, 0, "operator", "add", "--name", "bruno", "--role", "amministratore", "--comune", "L736", "--key", key, "--db", db)
	if b := operators(t, db)["bruno"]; len(b.Chiavi) != 1 || b.Chiavi[0].Fingerprint != fp || b.Ruolo != "amministratore" {
		t.Errorf("bruno: %+v", b)
	}
	// The role and the key, from the command line (issue #9); never the comune's last
	// administrator (issue 11.14).
	r = must(t, 1, "operator", "role", "bruno", "operatore", "--db", db)
	contains(t, "stderr", r.stderr, "è l'ultimo amministratore del comune L736")
	key3, _ := pubKey(t, "dora@sportello")
	must(t, 0, "operator", "add", "--name", "dora", "--role", "amministratore", "--comune", "L736", "--key", key3, "--db", db)
	r = must(t, 0, "operator", "role", "bruno", "operatore", "--db", db)
	contains(t, "stdout", r.stdout, "bruno: ora operatore")
	if b := operators(t, db)["bruno"]; b.Ruolo != "operatore" {
		t.Errorf("bruno after role: %+v", b)
	}
	must(t, 2, "operator", "role", "bruno", "capo", "--db", db)
	r = must(t, 1, "operator", "key-remove", "bruno", "SHA256:nessuna", "--db", db)
	contains(t, "stderr", r.stderr, "non ha la chiave SHA256:nessuna")
	r = must(t, 0, "operator", "key-remove", "bruno", fp, "--db", db)
	contains(t, "stdout", r.stdout, "tolta a bruno")
	if b := operators(t, db)["bruno"]; len(b.Chiavi) != 0 {
		t.Errorf("bruno still has keys: %+v", b)
	}
	must(t, 0, "store", "verify", "--db", db)
	auditCount(t, db)
}

func sum(t *testing.T, file string) [32]byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return sha256.Sum256(b)
}

func keptFiles(t *testing.T, db string) []string {
	t.Helper()
	m, err := filepath.Glob(db + ".prima-del-ripristino-*")
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBackupInUse: bbolt lets one process open the file; backup must say so quickly.
func TestBackupInUse(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	held, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	copyFile := filepath.Join(t.TempDir(), "copia.db")
	start := time.Now()
	r := vp(t, "backup", copyFile, "--db", db)
	elapsed := time.Since(start)
	held.Close()
	if r.code != 1 {
		t.Fatalf("backup of a database in use: exit %d, want 1\n%s", r.code, r)
	}
	contains(t, "stderr", r.stderr, "in uso")
	if elapsed > 4*time.Second {
		t.Errorf("backup waited %v for the lock, want about a second", elapsed)
	}
	if _, err := os.Stat(copyFile); err == nil {
		t.Errorf("a failed backup wrote %s", copyFile)
	}
	// Released: the backup works.
	must(t, 0, "backup", copyFile, "--db", db)
}

func TestBackupRestore(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	dir := t.TempDir()
	copyFile := filepath.Join(dir, "copia.db")
	r := must(t, 0, "backup", copyFile, "--db", db)
	contains(t, "stdout", r.stdout, "Copia scritta e verificata in "+copyFile)
	rossi := rowOf(t, db, "ROSSI", "ROSSI MARIO")
	must(t, 0, "store", "verify", "--db", copyFile)
	if got := rowOf(t, copyFile, "ROSSI", "ROSSI MARIO"); got.Numero != rossi.Numero {
		t.Errorf("the copy does not hold %s", rossi.Numero)
	}
	audit := auditCount(t, db)
	leftovers, _ := filepath.Glob(filepath.Join(dir, ".backup-*"))
	if len(leftovers) > 0 {
		t.Errorf("backup left temporary files: %v", leftovers)
	}

	// Change something, then restore.
	must(t, 0, "operator", "remove", "mario", "--db", db)
	file := write(t, "decessi.txt", []byte("RSSMRA80A01L736U;"+today().AddDate(0, 0, -1).Format("02/01/2006")+"\n"))
	must(t, 0, "deceased", "import", file, "--db", db)
	if showPass(t, db, rossi.Numero).Stato != "revocato" {
		t.Fatal("the change did not happen")
	}

	r = must(t, 0, "restore", copyFile, "--db", db)
	contains(t, "stdout", r.stdout, "Database ripristinato da "+copyFile, ".prima-del-ripristino-")
	if _, ok := operators(t, db)["mario"]; !ok {
		t.Errorf("mario is not back after the restore")
	}
	if p := showPass(t, db, rossi.Numero); p.Stato != "attivo" {
		t.Errorf("ROSSI after the restore: %s, want attivo", p.Stato)
	}
	if n := auditCount(t, db); n != audit {
		t.Errorf("audit entries after the restore: %d, want %d (those of the copy)", n, audit)
	}
	must(t, 0, "store", "verify", "--db", db)
	kept := keptFiles(t, db)
	if len(kept) != 1 {
		t.Fatalf("previous database kept as %v, want one file", kept)
	}
	if _, ok := operators(t, kept[0])["mario"]; ok {
		t.Errorf("the kept file does not have the change")
	}
	if p := showPass(t, kept[0], rossi.Numero); p.Stato != "revocato" {
		t.Errorf("the kept file does not have the death")
	}

	// Another restore in the same second keeps every earlier file: the names it would
	// take in the next seconds are taken already (as by a restore a moment ago).
	decoys := map[string]bool{}
	for s := range 4 {
		name := db + ".prima-del-ripristino-" + time.Now().Add(time.Duration(s)*time.Second).Format("20060102-150405")
		if _, err := os.Lstat(name); err == nil {
			continue // the first restore's
		}
		if err := os.WriteFile(name, []byte("ripristino precedente"), 0o600); err != nil {
			t.Fatal(err)
		}
		decoys[name] = true
	}
	must(t, 0, "restore", copyFile, "--db", db)
	for name := range decoys {
		if b, err := os.ReadFile(name); err != nil || string(b) != "ripristino precedente" {
			t.Errorf("restore overwrote the earlier kept file %s", filepath.Base(name))
		}
	}
	if kept := keptFiles(t, db); len(kept) != 2+len(decoys) {
		t.Errorf("after two restores: kept %v, want %d files", kept, 2+len(decoys))
	}
	must(t, 0, "store", "verify", "--db", db)

	// A garbage file or a missing one is refused and the database is untouched.
	before := sum(t, db)
	nKept := len(keptFiles(t, db))
	for name, data := range map[string][]byte{
		"spazzatura": bytes.Repeat([]byte("non è un database vivipass\n"), 500),
		"vuoto":      {},
		"troncato":   readPrefix(t, copyFile, 4096*3),
	} {
		bad := write(t, name+".db", data)
		r := must(t, 1, "restore", bad, "--db", db)
		contains(t, name+" stderr", r.stderr, "la copia "+bad)
		if sum(t, db) != before {
			t.Errorf("%s: the database changed", name)
		}
		if n := len(keptFiles(t, db)); n != nKept {
			t.Errorf("%s: a refused restore moved the database away", name)
		}
	}
	r = must(t, 1, "restore", filepath.Join(dir, "manca.db"), "--db", db)
	contains(t, "stderr", r.stderr, "non trovato")
	if sum(t, db) != before {
		t.Errorf("the database changed")
	}
	must(t, 0, "store", "verify", "--db", db)
}

func readPrefix(t *testing.T, file string, n int) []byte {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	return b[:min(n, len(b))]
}

// tamper changes the database file directly, as an attacker with the file would.
func tamper(t *testing.T, db string, fn func(tx *bolt.Tx) error) {
	t.Helper()
	b, err := bolt.Open(db, 0o600, &bolt.Options{Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Update(fn); err != nil {
		b.Close()
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
}

func TestAuditVerify(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	n := auditCount(t, db)
	if n < 20 {
		t.Errorf("demo: %d audit entries, want one per change", n)
	}
	tamper(t, db, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("audit"))
		k, v := b.Cursor().First()
		e, err := store.DecodeAudit(v)
		if err != nil {
			t.Errorf("audit entry unreadable: %v", err)
		}
		e.Operator = "qualcun_altro"
		return b.Put(bytes.Clone(k), store.EncodeAudit(e))
	})
	r := must(t, 1, "audit", "verify", "--db", db)
	contains(t, "stdout", r.stdout, "ALTERATO", "voce 1:")
	r = must(t, 1, "store", "verify", "--db", db)
	contains(t, "stdout", r.stdout, "INCOERENTE", "audit")
}

func TestAuditVerifyRemovedEntry(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	n := auditCount(t, db)
	tamper(t, db, func(tx *bolt.Tx) error {
		k, _ := tx.Bucket([]byte("audit")).Cursor().Last()
		return tx.Bucket([]byte("audit")).Delete(bytes.Clone(k))
	})
	r := must(t, 1, "audit", "verify", "--db", db)
	contains(t, "stdout", r.stdout, "ALTERATO")
	if !strings.Contains(r.stdout, "su "+strconv.Itoa(n-1)+" voci") {
		t.Errorf("audit verify: want %d entries checked:\n%s", n-1, r.stdout)
	}
}

func TestStoreVerify(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	r := must(t, 0, "store", "verify", "--db", db)
	contains(t, "stdout", r.stdout, "Database coerente")
	var removed string
	tamper(t, db, func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("idx")).Bucket([]byte("number"))
		k, _ := b.Cursor().First()
		if k == nil {
			t.Fatal("index idx/number is empty")
		}
		removed = string(bytes.Clone(k[:bytes.IndexByte(k, 0)]))
		return b.Delete(bytes.Clone(k))
	})
	r = must(t, 1, "store", "verify", "--db", db)
	contains(t, "stdout", r.stdout, "INCOERENTE", "number: voce mancante", removed)
	// The audit chain is not concerned.
	auditCount(t, db)
}
