package legacy_test

import (
	"bytes"
	"reflect"
	"runtime"
	"sync"
	"testing"

	"vivipass/bench/genregion/region"
	"vivipass/service/legacy"
)

// regionFile is the generated region register (120,000 passes, seed 1), built once.
var regionFile = sync.OnceValues(func() ([]byte, region.Stats) {
	var b bytes.Buffer
	st, err := region.Generate(&b, region.Options{Passes: 120000, Seed: 1})
	if err != nil {
		panic(err)
	}
	return b.Bytes(), st
})

// BenchmarkParse parses a region-sized register: 120,000 rows, ~200,000 plates.
func BenchmarkParse(b *testing.B) {
	data, _ := regionFile()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		f, err := legacy.Parse(data, region.DefaultAsOf)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Errors) > 0 {
			b.Fatalf("%d errors, first: %v", len(f.Errors), f.Errors[0])
		}
	}
}

// TestRegionFile: the generated register is valid, row for row.
func TestRegionFile(t *testing.T) {
	data, st := regionFile()
	f, err := legacy.Parse(data, region.DefaultAsOf)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range f.Errors {
		if i == 20 {
			break
		}
		t.Errorf("%v", e)
	}
	if len(f.Errors) > 0 || len(f.Rows) != st.Passes || f.Records != st.Passes {
		t.Fatalf("%d errors, %d rows, %d records; want 0 errors and %d rows", len(f.Errors), len(f.Rows), f.Records, st.Passes)
	}
	plates := 0
	for _, r := range f.Rows {
		plates += len(r.Plates)
	}
	if plates != st.Plates {
		t.Errorf("%d plates, generator wrote %d", plates, st.Plates)
	}
}

// TestParallelDeterministic: the result does not depend on how many goroutines validate
// the rows, also with errors of every kind and between rows spread over the file.
func TestParallelDeterministic(t *testing.T) {
	var b bytes.Buffer
	if _, err := region.Generate(&b, region.Options{Passes: 6000, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	lines := bytes.SplitAfter(b.Bytes(), []byte("\n"))
	for i := 1; i < len(lines); i += 97 {
		lines[i] = bytes.Replace(lines[i], []byte(";P;"), []byte(";Q;"), 1)
		lines[i] = bytes.Replace(lines[i], []byte("@"), []byte(""), 1)
	}
	for i := 5; i < len(lines); i += 331 {
		lines = append(lines, lines[i]) // duplicated rows at the end
	}
	data := bytes.Join(lines, nil)

	prev := runtime.GOMAXPROCS(1)
	one, err := legacy.Parse(data, region.DefaultAsOf)
	runtime.GOMAXPROCS(max(prev, 2))
	defer runtime.GOMAXPROCS(prev)
	if err != nil {
		t.Fatal(err)
	}
	if len(one.Errors) < 60 {
		t.Fatalf("only %d errors: the corruption did not work", len(one.Errors))
	}
	for range 3 {
		many, err := legacy.Parse(data, region.DefaultAsOf)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(one, many) {
			t.Fatal("parallel parse differs from the sequential one")
		}
	}
	for i := 1; i < len(one.Errors); i++ {
		if one.Errors[i].Row < one.Errors[i-1].Row {
			t.Fatalf("errors out of row order at %d: %v after %v", i, one.Errors[i], one.Errors[i-1])
		}
	}
}
