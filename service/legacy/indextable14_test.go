package legacy

import (
	"fmt"
	"reflect"
	"testing"
)

// TestIndexTableCollision (issue 14.3): the tables of the checks between rows keep
// hashes and indexes only; keys with the same hash are told apart by the caller's
// comparison, and the table grows past its first size without losing one.
func TestIndexTableCollision(t *testing.T) {
	var keys []string
	var tab IndexTable
	find := func(h uint64, k string) (int32, bool) {
		return tab.Find(h, func(j int32) bool { return keys[j] == k })
	}
	var got []string
	for _, k := range []string{"A", "B", "A", "B", "C"} {
		j, seen := find(42, k) // every key collides
		if !seen {
			keys = append(keys, k)
			tab.Put(42, int32(len(keys)-1))
		}
		got = append(got, fmt.Sprint(j, seen))
	}
	if want := []string{"0 false", "0 false", "0 true", "1 true", "0 false"}; !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
	for i := range 10000 {
		k := fmt.Sprint("k", i)
		keys = append(keys, k)
		tab.Put(uint64(i%97)<<40|uint64(i), int32(len(keys)-1))
	}
	for i := range 10000 {
		if j, ok := find(uint64(i%97)<<40|uint64(i), fmt.Sprint("k", i)); !ok || keys[j] != fmt.Sprint("k", i) {
			t.Fatalf("k%d: %d %v", i, j, ok)
		}
	}
	if _, ok := find(7<<40|7, "k7x"); ok {
		t.Error("found a key never put")
	}
}
