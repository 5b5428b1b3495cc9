package keyring

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// RegisterKey authenticates the audit chain (M6, issue 12.5) from entry From on: a
// secret kept here, beside the signing keys, never in the register nor its copies.
// File "registro-<From>-<ID>.hmac", 32 random bytes in hex, 0600.
type RegisterKey struct {
	ID     string
	Secret []byte
	From   uint64
}

const regPrefix, regSuffix = "registro-", ".hmac"

func registerKeyID(secret []byte) string {
	sum := sha256.Sum256(append([]byte("vivipass-registro\x00"), secret...))
	return hex.EncodeToString(sum[:6])
}

// RegisterKeys lists the register keys, oldest first (the last authenticates new
// entries). A key file others may read is refused.
func (r *Ring) RegisterKeys() ([]RegisterKey, error) {
	entries, err := os.ReadDir(r.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cartella delle chiavi %s illeggibile: %w", r.dir, err)
	}
	var keys []RegisterKey
	for _, e := range entries {
		name := e.Name()
		if !strings.HasPrefix(name, regPrefix) || !strings.HasSuffix(name, regSuffix) || !e.Type().IsRegular() {
			continue
		}
		path := filepath.Join(r.dir, name)
		info, err := os.Lstat(path)
		if err != nil {
			return nil, err
		}
		if info.Mode().Perm()&0o077 != 0 {
			return nil, fmt.Errorf("la chiave del registro %s è leggibile da altri (permessi %o): correggere con `chmod 600 %s`", path, info.Mode().Perm(), path)
		}
		if info.Size() > 256 {
			return nil, fmt.Errorf("la chiave del registro %s non è una chiave (file troppo grande)", path)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, err
		}
		secret, err := hex.DecodeString(strings.TrimSpace(string(b)))
		from, ferr := strconv.ParseUint(strings.SplitN(strings.TrimPrefix(name, regPrefix), "-", 2)[0], 10, 64)
		if err != nil || len(secret) != 32 || ferr != nil {
			return nil, fmt.Errorf("la chiave del registro %s è illeggibile", path)
		}
		keys = append(keys, RegisterKey{ID: registerKeyID(secret), Secret: secret, From: from})
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].From < keys[j].From })
	return keys, nil
}

// NewRegisterKey makes a register key that authenticates entries from `from` on.
func (r *Ring) NewRegisterKey(from uint64) (RegisterKey, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	k := RegisterKey{Secret: make([]byte, 32), From: from}
	if _, err := rand.Read(k.Secret); err != nil {
		return k, err
	}
	k.ID = registerKeyID(k.Secret)
	name := fmt.Sprintf("%s%020d-%s%s", regPrefix, from, k.ID, regSuffix)
	return k, r.writeSecret(name, hex.EncodeToString(k.Secret)+"\n")
}

// writeSecret writes a new file of the ring, 0600 in a 0700 folder, synced.
func (r *Ring) writeSecret(name, content string) error {
	if err := os.MkdirAll(r.dir, 0o700); err != nil {
		return fmt.Errorf("cartella delle chiavi %s non creata: %w", r.dir, err)
	}
	path := filepath.Join(r.dir, name)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("chiave non scritta in %s: %w", r.dir, err)
	}
	_, err = f.WriteString(content)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("chiave non scritta in %s: %w", r.dir, err)
	}
	return nil
}
