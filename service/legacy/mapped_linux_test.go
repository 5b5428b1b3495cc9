package legacy_test

import (
	"bytes"
	"encoding/binary"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
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

// TestStreamMapped1252 (issue 14.3): a file in Windows-1252 is decoded a window at a
// time into an unlinked temporary file read in place: the decoded text is not in the
// heap, no file is left behind, and the rows and errors are Parse's.
func TestStreamMapped1252(t *testing.T) {
	var b bytes.Buffer
	if _, err := region.Generate(&b, region.Options{Passes: 70000, Seed: 5}); err != nil {
		t.Fatal(err)
	}
	var data []byte // in Windows-1252: the generated names are all Latin-1
	for _, r := range b.String() {
		if r >= 256 {
			t.Fatalf("rune %q not in Latin-1", r)
		}
		data = append(data, byte(r))
	}
	lines := bytes.Split(data, []byte("\n"))
	lines[65000] = lines[20]
	data = bytes.Join(lines, []byte("\n"))
	dir := t.TempDir()
	p := filepath.Join(dir, "regione.csv")
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
	m.TempDir = dir
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	st, err := legacy.NewStreamMapped(m, region.DefaultAsOf)
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	if grew := int64(after.HeapAlloc) - int64(before.HeapAlloc); st.Encoding != legacy.Encoding1252 || grew > int64(len(data)/4) {
		t.Errorf("encoding %s, heap grew by %d bytes for a file of %d: the decoded text is in memory", st.Encoding, grew, len(data))
	}
	if left, _ := os.ReadDir(dir); len(left) != 1 {
		t.Errorf("files in the directory: %v, want the import file only", left)
	}
	var got legacy.Chunk
	for c := st.Next(5000); c != nil; c = st.Next(5000) {
		got.Rows = append(got.Rows, c.Rows...)
		got.Errors = append(got.Errors, c.Errors...)
	}
	st.Release()
	want, err := legacy.Parse(data, region.DefaultAsOf)
	if err != nil {
		t.Fatal(err)
	}
	if len(want.Errors) == 0 || !reflect.DeepEqual(got.Errors, want.Errors) || !reflect.DeepEqual(got.Rows, want.Rows) {
		t.Errorf("mapped stream: %d rows, errors %v\nParse: %d rows, errors %v", len(got.Rows), got.Errors, len(want.Rows), want.Errors)
	}
}
