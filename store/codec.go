package store

import (
	"errors"
	"fmt"
)

// ErrNotFound is returned when a record does not exist.
var ErrNotFound = errors.New("non trovato")

func get[T any](t *Tx, bucket string, key []byte) (T, error) {
	var v T
	raw := t.bucket(bucket).Get(key)
	if raw == nil {
		return v, ErrNotFound
	}
	if err := decodeValue(raw, &v); err != nil {
		return v, fmt.Errorf("record %s/%x illeggibile: %w", bucket, key, err)
	}
	return v, nil
}

func put(t *Tx, bucket string, key []byte, v any) error {
	raw, err := encodeValue(v)
	if err != nil {
		return err
	}
	return t.bucket(bucket).Put(key, raw)
}

// idKey is value 0 id(8): the tail of most index keys.
func idKey(parts ...string) func(id uint64) []byte {
	n := 9
	for _, p := range parts {
		n += len(p) + 1
	}
	return func(id uint64) []byte {
		b := make([]byte, 0, n)
		for _, p := range parts {
			b = append(b, p...)
			b = append(b, 0)
		}
		return append(b, u64(id)...)
	}
}

// indexKey joins parts with 0 bytes and appends the big-endian id.
func indexKey(id uint64, parts ...string) []byte { return idKey(parts...)(id) }

// idFromKey reads the trailing 8-byte id of an index key.
func idFromKey(k []byte) uint64 {
	if len(k) < 8 {
		return 0
	}
	return readU64(k[len(k)-8:])
}

// prefixKey is parts joined and terminated with 0, for an exact-field scan.
func prefixKey(parts ...string) []byte {
	var b []byte
	for _, p := range parts {
		b = append(b, p...)
		b = append(b, 0)
	}
	return b
}
