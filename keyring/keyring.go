// Package keyring keeps the Ed25519 keys that sign the cards' QR codes in files beside
// the register, never in it nor in its copies (S9, issue 12.4): one file a key, 0600,
// the newest signs, every one still verifies the cards it signed.
package keyring

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"vivipass/printing"
)

// Ring is the folder of the signing keys.
type Ring struct {
	dir string
	mu  sync.Mutex
}

// DirFor is the ring beside a register: a folder next to the database file (and to
// the SSH host key), outside every backup of the database.
func DirFor(dbPath string) string { return filepath.Join(filepath.Dir(dbPath), "chiavi-firma") }

// Open is the ring in dir (created when the first key is).
func Open(dir string) *Ring { return &Ring{dir: dir} }

// Dir is where the keys are.
func (r *Ring) Dir() string { return r.dir }

// Key is one signing key of the ring.
type Key struct {
	ID      string // printing.KeyID of its public key: what a card's QR names
	Created time.Time
	Private ed25519.PrivateKey
}

// Public is the key's public half.
func (k Key) Public() ed25519.PublicKey { return k.Private.Public().(ed25519.PublicKey) }

const prefix, suffix = "firma-", ".ed25519"

// Keys lists the keys, newest first. A key file others may read is refused: the key
// would no longer be the register's alone.
func (r *Ring) Keys() ([]Key, error) {
	entries, err := os.ReadDir(r.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cartella delle chiavi di firma %s illeggibile: %w", r.dir, err)
	}
	var keys []Key
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, prefix) || !strings.HasSuffix(name, suffix) || !e.Type().IsRegular() {
			continue
		}
		k, err := r.read(name)
		if err != nil {
			return nil, err
		}
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].Created.After(keys[j].Created) })
	return keys, nil
}

// read loads one key file: "firma-<yyyymmddhhmmss>-<id>.ed25519" holding the seed in hex.
func (r *Ring) read(name string) (Key, error) {
	path := filepath.Join(r.dir, name)
	info, err := os.Lstat(path)
	if err != nil {
		return Key{}, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return Key{}, fmt.Errorf("la chiave di firma %s è leggibile da altri (permessi %o): correggere con `chmod 600 %s`", path, info.Mode().Perm(), path)
	}
	if info.Size() > 256 {
		return Key{}, fmt.Errorf("la chiave di firma %s non è una chiave (file troppo grande)", path)
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return Key{}, err
	}
	seed, err := hex.DecodeString(strings.TrimSpace(string(b)))
	if err != nil || len(seed) != ed25519.SeedSize {
		return Key{}, fmt.Errorf("la chiave di firma %s è illeggibile", path)
	}
	stamp, _, _ := strings.Cut(strings.TrimPrefix(name, prefix), "-")
	created, err := time.Parse("20060102150405", stamp)
	if err != nil {
		return Key{}, fmt.Errorf("la chiave di firma %s ha un nome non valido", path)
	}
	k := Key{Private: ed25519.NewKeyFromSeed(seed), Created: created}
	k.ID = printing.KeyID(k.Public())
	return k, nil
}

// Active is the key that signs: the newest; with none, a new one is made (created
// reports it).
func (r *Ring) Active() (k Key, created bool, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys, err := r.Keys()
	switch {
	case err != nil:
		return Key{}, false, err
	case len(keys) > 0:
		return keys[0], false, nil
	}
	k, err = r.add(nil, time.Now())
	return k, err == nil, err
}

// Rotate makes a new key the one that signs; the old ones keep verifying.
func (r *Ring) Rotate() (Key, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	now := time.Now()
	if keys, err := r.Keys(); err != nil {
		return Key{}, err
	} else if len(keys) > 0 && !now.After(keys[0].Created.Add(time.Second)) {
		now = keys[0].Created.Add(time.Second) // the newest stays last, by name too
	}
	return r.add(nil, now)
}

// Adopt puts a seed kept before in the register into the ring, dated older than every
// key (it signed the oldest cards); a seed already there is left alone.
func (r *Ring) Adopt(seed []byte) (Key, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys, err := r.Keys()
	if err != nil {
		return Key{}, err
	}
	id := printing.KeyID(ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey))
	at := time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	for _, k := range keys {
		if k.ID == id {
			return k, nil
		}
		if !k.Created.After(at) {
			at = k.Created.Add(-time.Second)
		}
	}
	return r.add(seed, at)
}

// add writes a key file (a new seed when seed is nil), 0600 in a 0700 folder, synced.
func (r *Ring) add(seed []byte, at time.Time) (Key, error) {
	if seed == nil {
		seed = make([]byte, ed25519.SeedSize)
		if _, err := rand.Read(seed); err != nil {
			return Key{}, err
		}
	}
	k := Key{Private: ed25519.NewKeyFromSeed(seed), Created: at.UTC().Truncate(time.Second)}
	k.ID = printing.KeyID(k.Public())
	name := prefix + k.Created.Format("20060102150405") + "-" + k.ID + suffix
	if err := r.writeSecret(name, hex.EncodeToString(seed)+"\n"); err != nil {
		return Key{}, err
	}
	return k, nil
}
