package store

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

func unpackAll(t *testing.T, b []byte) []recordRef {
	t.Helper()
	var out []recordRef
	if !unpackRefs(b, func(r recordRef) { out = append(out, r) }) {
		t.Fatalf("side list %x does not read", b[:min(len(b), 40)])
	}
	return out
}

// #14.1: the side list of an import's seals takes 17 bytes a record instead of 25,
// every id (sequential, jumping back, at the ends of uint64) and whole hash comes
// back, and the lists of the first form are still read.
func TestSideListCompact(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 5))
	ref := func(kind byte, id uint64) recordRef {
		x := refOf(kind, id, []byte{byte(r.IntN(256))})
		return x
	}
	var imp []recordRef
	for id := uint64(1); id <= 1000; id++ {
		imp = append(imp, ref(sealPass, id), ref(sealPerson, id+7))
	}
	side := packRefs(imp)
	if side[0] != magicSideList || len(side) > 1+17*len(imp) {
		t.Fatalf("an import's side list: %d bytes for %d records", len(side), len(imp))
	}
	if got := unpackAll(t, side); !reflect.DeepEqual(got, imp) {
		t.Fatal("an import's side list does not read back")
	}
	if got := unpackAll(t, packRefsFixed(imp)); !reflect.DeepEqual(got, imp) {
		t.Fatal("a side list of the first form does not read back")
	}
	ids := []uint64{0, 1, 1<<62 - 1, 1 << 62, 1<<63 + 5, 1<<64 - 1, 3, 1<<64 - 2, 0}
	for i := range 2000 {
		var refs []recordRef
		for range 1 + r.IntN(40) {
			id := r.Uint64N(1 << uint(r.IntN(64)))
			if r.IntN(4) == 0 {
				id = ids[r.IntN(len(ids))]
			}
			refs = append(refs, ref(pick(r, byte(sealPass), byte(sealPerson)), id))
		}
		if got := unpackAll(t, packRefs(refs)); !reflect.DeepEqual(got, refs) {
			t.Fatalf("%d: %v\nread back %v", i, refs, got)
		}
	}
	other := []recordRef{ref(sealPass, 1), ref('z', 2)} // a kind without a bit: the first form
	if fixed := packRefs(other); len(fixed) != 2*refSize || !reflect.DeepEqual(unpackAll(t, fixed), other) {
		t.Fatalf("a list with another kind: %x", fixed)
	}
	// Cut anywhere inside a record: malformed, not a shorter list.
	for n := 2; n < len(side); n++ {
		if (n-1)%17 != 0 && unpackRefs(side[:n], func(recordRef) {}) {
			t.Fatalf("cut at %d reads", n)
		}
	}
}
