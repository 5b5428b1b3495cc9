package domain

import (
	"os"
	"strings"
	"testing"
	"time"
)

// readTSV reads a vector file of testdata: tab-separated, '#' comments, each line with
// exactly n fields (the last ones may be empty).
func readTSV(t *testing.T, path string, n int) [][]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for i, line := range strings.Split(string(data), "\n") {
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != n {
			t.Fatalf("%s:%d: %d fields, want %d", path, i+1, len(f), n)
		}
		rows = append(rows, f)
	}
	if len(rows) == 0 {
		t.Fatalf("%s: no vectors", path)
	}
	return rows
}

// mustISO parses YYYY-MM-DD.
func mustISO(t *testing.T, s string) Date {
	t.Helper()
	tm, err := time.Parse("2006-01-02", s)
	if err != nil {
		t.Fatalf("bad date %q in vectors", s)
	}
	return DateOf(tm)
}
