package store

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"
)

// #14.3: a bulk load's list of records for its seal is kept in the side form as it
// grows and moved to the spill file with each run; read back, it is byte for byte
// packRefs' list of the same records (the seal verifies as before), and a record the
// compact form cannot hold sends the rest to the fallback, in order.
func TestSealListThroughTheSpill(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 3))
	ref := func(kind byte, id uint64) recordRef {
		return refOf(kind, id, []byte{byte(r.IntN(256)), byte(r.IntN(256))})
	}
	for _, jump := range []bool{false, true} {
		s, err := NewSpill(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		b := NewBulk()
		var want []recordRef
		for id := uint64(1); id <= 5000; id++ {
			rs := []recordRef{ref(sealPerson, id+3), ref(sealPass, id)}
			if jump && id == 2500 {
				rs = append(rs, ref(sealPass, 1<<63+id)) // 2⁶² away: no room in the compact form
			}
			for _, x := range rs {
				b.noteBulk(x)
				want = append(want, x)
			}
			if id%1234 == 0 {
				if err := s.Add(b); err != nil {
					t.Fatal(err)
				}
			}
		}
		segs := 4 // the Adds at 1234, 2468, 3702 and 4936 rows
		if jump {
			segs = 3 // nothing held after the jump for the last
		}
		if len(b.seal.segs) != segs || (len(b.records) > 0) != jump {
			t.Fatalf("jump %v: %d segments in the file, %d records held", jump, len(b.seal.segs), len(b.records))
		}
		if !jump {
			side, err := b.seal.take()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(side, packRefs(want)) {
				t.Fatal("the list read back is not packRefs' list")
			}
		} else if got, err := b.takeRecords(); err != nil || !reflect.DeepEqual(got, want) {
			t.Fatalf("with a jump: %d records read back (%v), want %d", len(got), err, len(want))
		}
		if b.seal.n != 0 || len(b.records) != 0 {
			t.Fatal("the list is not emptied once taken")
		}
		s.Close()
	}
}
