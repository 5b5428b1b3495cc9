package store

import (
	"fmt"
	"strconv"
	"time"

	"vivipass/domain"
)

func forEach[T any](t *Tx, bucket string, fn func(T) bool) error {
	c := t.bucket(bucket).Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var rec T
		if err := decodeValue(v, &rec); err != nil {
			return fmt.Errorf("record %s/%x illeggibile: %w", bucket, k, err)
		}
		if !fn(rec) {
			return nil
		}
	}
	return nil
}

// ---- comuni settings and counters ----

// ComuneSettings returns the saved settings, or the defaults for a known comune.
func (t *Tx) ComuneSettings(code string) (domain.ComuneSettings, error) {
	s, err := get[domain.ComuneSettings](t, "comuni", []byte(code))
	if err == ErrNotFound {
		if _, ok := domain.ComuneByCode(code); !ok {
			return s, fmt.Errorf("comune %q sconosciuto", code)
		}
		return domain.DefaultComuneSettings(code), nil
	}
	return s, err
}

// PutComuneSettings saves a comune's settings.
func (t *Tx) PutComuneSettings(s domain.ComuneSettings) error {
	return put(t, "comuni", []byte(s.Code), s)
}

// ConfiguredComuni lists the comuni whose settings were saved.
func (t *Tx) ConfiguredComuni() ([]domain.ComuneSettings, error) {
	var out []domain.ComuneSettings
	err := forEach(t, "comuni", func(s domain.ComuneSettings) bool { out = append(out, s); return true })
	return out, err
}

func counterKey(comune string, year int) []byte { return []byte(comune + "_" + strconv.Itoa(year)) }

// Counter is the last progressive handed out for comune and year (P2).
func (t *Tx) Counter(comune string, year int) uint64 {
	return readU64(t.bucket("counters").Get(counterKey(comune, year)))
}

// SetCounter records the last progressive handed out.
func (t *Tx) SetCounter(comune string, year int, v uint64) error {
	return t.bucket("counters").Put(counterKey(comune, year), u64(v))
}

// ---- operators ----

// Operator reads an operator by name.
func (t *Tx) Operator(name string) (domain.Operator, error) {
	return get[domain.Operator](t, "operators", []byte(name))
}

// OperatorByKey finds the operator who registered the key with that fingerprint.
func (t *Tx) OperatorByKey(fingerprint string) (domain.Operator, error) {
	name := t.index("opkey").Get([]byte(fingerprint))
	if name == nil {
		return domain.Operator{}, ErrNotFound
	}
	return t.Operator(string(name))
}

// PutOperator saves an operator and the key index.
func (t *Tx) PutOperator(op domain.Operator) error {
	if old, err := t.Operator(op.Name); err == nil {
		for _, k := range old.Keys {
			if err := t.index("opkey").Delete([]byte(k.Fingerprint)); err != nil {
				return err
			}
		}
	}
	for _, k := range op.Keys {
		if err := t.index("opkey").Put([]byte(k.Fingerprint), []byte(op.Name)); err != nil {
			return err
		}
	}
	return put(t, "operators", []byte(op.Name), op)
}

// DeleteOperator removes an operator and their keys.
func (t *Tx) DeleteOperator(name string) error {
	op, err := t.Operator(name)
	if err != nil {
		return err
	}
	for _, k := range op.Keys {
		if err := t.index("opkey").Delete([]byte(k.Fingerprint)); err != nil {
			return err
		}
	}
	return t.bucket("operators").Delete([]byte(name))
}

// Operators lists every operator by name.
func (t *Tx) Operators() ([]domain.Operator, error) {
	var out []domain.Operator
	err := forEach(t, "operators", func(o domain.Operator) bool { out = append(out, o); return true })
	return out, err
}

// ---- photos ----

// Photo returns a person's photo bytes (nil if none).
func (t *Tx) Photo(personID uint64) []byte {
	v := t.bucket("photos").Get(u64(personID))
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

// PutPhoto stores (or, with nil, removes) a person's photo.
func (t *Tx) PutPhoto(personID uint64, img []byte) error {
	if img == nil {
		return t.bucket("photos").Delete(u64(personID))
	}
	return t.bucket("photos").Put(u64(personID), img)
}

// ---- imports ----

// ImportRecord remembers an imported file (by content hash).
type ImportRecord struct {
	SHA256   string    `json:"sha256"`
	File     string    `json:"file"`
	At       time.Time `json:"at"`
	By       string    `json:"by"`
	Imported int       `json:"imported"`
	Skipped  int       `json:"skipped"`
}

// PutImport records an import.
func (t *Tx) PutImport(r ImportRecord) error { return put(t, "imports", []byte(r.SHA256), r) }

// Meta reads a small value of meta.
func (t *Tx) Meta(key string) []byte {
	v := t.bucket("meta").Get([]byte(key))
	return append([]byte(nil), v...)
}

// DeleteMeta removes a value of meta.
func (t *Tx) DeleteMeta(key string) error { return t.bucket("meta").Delete([]byte(key)) }

// PutMeta writes a small value of meta.
func (t *Tx) PutMeta(key string, v []byte) error { return t.bucket("meta").Put([]byte(key), v) }
