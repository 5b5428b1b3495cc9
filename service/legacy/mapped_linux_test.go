package legacy_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"testing"
	"unsafe"

	"vivipass/bench/genregion/region"
	"vivipass/service/legacy"
)

// residentPages counts the pages of b mapped in this process (/proc/self/pagemap).
func residentPages(t *testing.T, b []byte) int {
	t.Helper()
	f, err := os.Open("/proc/self/pagemap")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	first := uintptr(unsafe.Pointer(&b[0])) / 4096
	n := int((uintptr(unsafe.Pointer(&b[0]))+uintptr(len(b))+4095)/4096 - first)
	buf := make([]byte, 8*n)
	if _, err := f.ReadAt(buf, int64(first*8)); err != nil {
		t.Fatal(err)
	}
	c := 0
	for i := range n {
		if binary.LittleEndian.Uint64(buf[8*i:])>>63 == 1 {
			c++
		}
	}
	return c
}

// TestStreamMappedGivesPagesBack (issue 14.3): a file read through its map keeps a
// window of itself in the process, not the part read so far (a cache of the
// validator that kept views of the text once kept 7 MB of a 95 MB file mapped), and
// gives what Parse gives for the same bytes, duplicates between chunks included (the
// checks between rows read the earlier row again).
func TestStreamMappedGivesPagesBack(t *testing.T) {
	var b bytes.Buffer
	if _, err := region.Generate(&b, region.Options{Passes: 70000, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	lines := bytes.Split(b.Bytes(), []byte("\n"))
	lines[65000] = lines[20] // a row again, twelve chunks later
	data := bytes.Join(lines, []byte("\n"))
	p := filepath.Join(t.TempDir(), "regione.csv")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	m, err := legacy.MapFile(f)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	st, err := legacy.NewStreamMapped(m, region.DefaultAsOf)
	if err != nil {
		t.Fatal(err)
	}
	// Pages (4 MiB): a chunk of 5,000 rows (~1 MiB) and what the system maps around a
	// page read (a folio of a file just written may be 2 MiB).
	const window = 1024
	if len(data) < 3*window*4096 {
		t.Fatalf("the file (%d bytes) is too small to tell", len(data))
	}
	if n := residentPages(t, m.Bytes()); n > window {
		t.Errorf("%d pages mapped after the first pass, want at most %d", n, window)
	}
	st.Remaining()
	var got legacy.Chunk
	for c := st.Next(5000); c != nil; c = st.Next(5000) {
		got.Rows = append(got.Rows, c.Rows...)
		got.Errors = append(got.Errors, c.Errors...)
		got.Records += c.Records
		if n := residentPages(t, m.Bytes()); n > window {
			t.Fatalf("%d pages of %d mapped after %d records, want at most %d", n, len(data)/4096, got.Records, window)
		}
	}
	want, err := legacy.Parse(data, region.DefaultAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Errors) == 0 || !reflect.DeepEqual(got.Errors, want.Errors) || len(got.Rows) != len(want.Rows) || !reflect.DeepEqual(got.Rows[len(got.Rows)-1], want.Rows[len(want.Rows)-1]) {
		t.Errorf("mapped stream: %d rows, errors %v\nParse: %d rows, errors %v", len(got.Rows), got.Errors, len(want.Rows), want.Errors)
	}
}
