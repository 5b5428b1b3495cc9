package store

import (
	"bytes"
	"encoding/binary"
	"errors"

	bolt "go.etcd.io/bbolt"

	"vivipass/domain"
)

// The plate index carries, in the value of each key (plate 0 pass-id), what the
// whitelist rule needs of that pass version for that plate number (issue 14.2): the
// gate's question is answered from one seek in the index, no pass record decoded.
//
//	value = 1 person(uvarint) state(str) stateFrom decorrenza scadenza
//	        number(str) comune(str) n(uvarint) n × (country(str) from to)
//	str   = uvarint length, bytes
//	date  = uvarint: 0 no date, else zigzag(days since 1970-01-01)+1
//
// Only the pass's plates with that number are in the value (the same number may be
// there for two countries). Schema 12 and earlier wrote no value; migration 13 fills
// them, and a key without one is read from its pass (a scratch copy half migrated).

const plateValueV1 = 1

// plateValue is the value of the plate index key of pass p for plate number.
func plateValue(p *domain.Pass, number string) []byte {
	b := make([]byte, 0, 48)
	b = append(b, plateValueV1)
	b = binary.AppendUvarint(b, p.PersonID)
	b = appendStr(b, string(p.State))
	b = appendDate(b, p.StateFrom)
	b = appendDate(b, p.DataDecorrenza)
	b = appendDate(b, p.DataScadenza)
	b = appendStr(b, p.Number)
	b = appendStr(b, p.Comune)
	n := 0
	for _, pl := range p.Plates {
		if pl.Number == number {
			n++
		}
	}
	b = binary.AppendUvarint(b, uint64(n))
	for _, pl := range p.Plates {
		if pl.Number == number {
			b = appendStr(b, pl.Country)
			b = appendDate(b, pl.From)
			b = appendDate(b, pl.To)
		}
	}
	return b
}

func appendStr(b []byte, s string) []byte {
	b = binary.AppendUvarint(b, uint64(len(s)))
	return append(b, s...)
}

func appendDate(b []byte, d domain.Date) []byte {
	if d.IsZero() {
		return append(b, 0)
	}
	days := int64(epoch.DaysUntil(d))
	return binary.AppendUvarint(b, uint64(days<<1^days>>63)+1)
}

var errPlateValue = errors.New("valore dell'indice delle targhe non leggibile")

// valueReader reads a plate value; the first error sticks.
type valueReader struct {
	b   []byte
	err error
}

func (r *valueReader) uint() uint64 {
	if r.err != nil {
		return 0
	}
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errPlateValue
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *valueReader) str() string {
	n := r.uint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.err = errPlateValue
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}

func (r *valueReader) date() domain.Date {
	v := r.uint()
	if v == 0 || r.err != nil {
		return domain.Date{}
	}
	z := v - 1
	return epoch.AddDays(int(int64(z>>1) ^ -int64(z&1)))
}

// decodePlateValue fills p, from a plate value, with the part of pass id the
// whitelist rule reads: the pass with only number's plates on it.
func decodePlateValue(p *domain.Pass, id uint64, number string, v []byte) error {
	if len(v) == 0 || v[0] != plateValueV1 {
		return errPlateValue
	}
	r := valueReader{b: v[1:]}
	p.ID = id
	p.PersonID = r.uint()
	p.State = domain.State(r.str())
	p.StateFrom = r.date()
	p.DataDecorrenza = r.date()
	p.DataScadenza = r.date()
	p.Number = r.str()
	p.Comune = r.str()
	n := r.uint()
	if n > uint64(len(r.b)) { // each plate takes at least 3 bytes
		return errPlateValue
	}
	p.Plates = make([]domain.Plate, 0, n)
	for range n {
		pl := domain.Plate{Number: number, Country: r.str()}
		pl.From, pl.To = r.date(), r.date()
		p.Plates = append(p.Plates, pl)
	}
	if r.err != nil || len(r.b) != 0 {
		return errPlateValue
	}
	return nil
}

// PlateHoldings lists the pass versions that have (or had) plate, each as the
// whitelist rule needs it (id, person, number, comune, state and dates, and the
// plate's windows; nothing else is filled), read from the plate index alone, with
// their holder's date of death.
func (t *Tx) PlateHoldings(plate string) ([]domain.Holding, error) {
	var out []domain.Holding
	pre := prefixKey(plate)
	c := t.index("plate").Cursor()
	for k, v := c.Seek(pre); k != nil && bytes.HasPrefix(k, pre); k, v = c.Next() {
		out = append(out, domain.Holding{})
		h := &out[len(out)-1]
		id := idFromKey(k)
		err := decodePlateValue(&h.Pass, id, plate, v)
		if len(v) == 0 { // written before schema 13
			h.Pass, err = t.Pass(id)
		}
		if err != nil {
			return nil, recordError("idx/plate", k, err)
		}
		h.HolderDied = t.PersonDied(h.Pass.PersonID)
	}
	return out, nil
}

// fillPlateValues is migration 13: every key of the plate index gets its value.
func fillPlateValues(btx *bolt.Tx) error {
	t := &Tx{tx: btx}
	var err error
	ferr := t.ForEachPass(func(p domain.Pass) bool {
		for _, e := range passIndexEntries(&p) {
			if e.index == "plate" {
				if err = t.index("plate").Put(e.key, e.val); err != nil {
					return false
				}
			}
		}
		return true
	})
	if ferr != nil {
		return ferr
	}
	return err
}

// PersonDied is the date of death of person id (zero if alive or unknown): the one
// field the whitelist rule reads of a holder, found without decoding the others.
func (t *Tx) PersonDied(id uint64) domain.Date {
	raw := t.bucket("people").Get(u64(id))
	if len(raw) == 0 || raw[0] != magicPerson { // missing, or JSON of schema 10
		p, _ := t.Person(id)
		return p.DataDecesso
	}
	r := recReader{b: raw[1:]}
	for r.next() {
		if r.num == qDataDecesso {
			return r.date()
		}
	}
	return domain.Date{}
}
