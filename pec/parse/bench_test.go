package parse

import (
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkParseCorpus parses the shared samples in turn and reports
// messages per second.
func BenchmarkParseCorpus(b *testing.B) {
	files, err := filepath.Glob(filepath.Join(sharedDir(b), "samples", "pec", "*.eml"))
	if err != nil || len(files) == 0 {
		b.Fatalf("no samples: %v", err)
	}
	var msgs [][]byte
	var total int64
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		msgs = append(msgs, raw)
		total += int64(len(raw))
	}
	b.SetBytes(total / int64(len(msgs)))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r := Parse(msgs[i%len(msgs)], Options{})
		if !r.Kind.Valid() {
			b.Fatal("invalid kind")
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}
