package store

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"
)

// #14.3: the runs of a Spill, merged on their own goroutine while the entries are put,
// write the indexes exactly as Bulk.Flush writes the same entries (keys, values, the
// keys dropped), across many transactions.
func TestSpillWriteIsFlush(t *testing.T) {
	dir := t.TempDir()
	open := func(name string) *DB {
		db, err := Open(filepath.Join(dir, name), Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	viaSpill, viaFlush := open("spill.db"), open("flush.db")
	r := rand.New(rand.NewPCG(14, 33))
	s, err := NewSpill(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bs, bf := NewBulk(), NewBulk()
	drop := map[string]bool{}
	for i := range 30000 {
		index := []string{"cf", "number", "plate", "name"}[r.IntN(4)]
		key := indexKey(uint64(i+1), fmt.Sprintf("K%06d", r.IntN(50000)))
		var val []byte
		if index == "plate" {
			val = []byte(fmt.Sprintf("v%d", i))
		}
		bs.add(index, key, val)
		bf.add(index, key, val)
		if r.IntN(50) == 0 {
			drop[index+"\x00"+string(key)] = true
		}
		if i%7000 == 6999 {
			if err := s.Add(bs); err != nil {
				t.Fatal(err)
			}
		}
	}
	bs.drop, bf.drop = drop, drop
	if err := s.Write(viaSpill, bs, 997); err != nil {
		t.Fatal(err)
	}
	if err := viaFlush.Update(func(tx *Tx) error { return bf.Flush(tx, 0) }); err != nil {
		t.Fatal(err)
	}
	dump := func(db *DB) string {
		var out bytes.Buffer
		db.View(func(tx *Tx) error {
			for _, n := range []string{"cf", "number", "plate", "name"} {
				c := tx.index(n).Cursor()
				for k, v := c.First(); k != nil; k, v = c.Next() {
					fmt.Fprintf(&out, "%s %x %x\n", n, k, v)
				}
			}
			return nil
		})
		return out.String()
	}
	got, want := dump(viaSpill), dump(viaFlush)
	if got != want || len(want) < 30000*10 {
		t.Fatalf("the spill wrote %d bytes of keys, Flush %d: not the same", len(got), len(want))
	}
}
