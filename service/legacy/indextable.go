package legacy

// IndexTable maps 64-bit hashes to indexes in the caller's list (open addressing, 8
// bytes a slot: 32 bits of the hash and 1 + the index); the caller tells keys with the
// same hash apart, so a table of a region's keys keeps no key (issue 14.3).
type IndexTable struct {
	slots []uint64
	n     int
}

// Find gives the index of the first entry with hash h for which same is true.
func (t *IndexTable) Find(h uint64, same func(int32) bool) (int32, bool) {
	if t.n == 0 {
		return 0, false
	}
	tag := h >> 32
	mask := uint64(len(t.slots) - 1)
	for i := tag & mask; t.slots[i] != 0; i = (i + 1) & mask {
		if e := t.slots[i]; e>>32 == tag && same(int32(uint32(e)-1)) {
			return int32(uint32(e) - 1), true
		}
	}
	return 0, false
}

// Put adds idx under hash h.
func (t *IndexTable) Put(h uint64, idx int32) {
	if 4*(t.n+1) > 3*len(t.slots) {
		old := t.slots
		t.slots = make([]uint64, max(2*len(old), 64))
		for _, e := range old {
			if e != 0 {
				t.place(e)
			}
		}
	}
	t.place(h>>32<<32 | uint64(uint32(idx)+1))
	t.n++
}

func (t *IndexTable) place(e uint64) {
	mask := uint64(len(t.slots) - 1)
	i := e >> 32 & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = e
}
