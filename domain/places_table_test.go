package domain

import (
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

//go:embed places/comuni.tsv
var comuniTSV string

//go:embed places/stati.tsv
var statiTSV string

// TestPlaceTable (issue 14.4): the generated Go table holds exactly the rows of
// places/*.tsv, parsed here as places.go parsed them at every start before, and its
// name indexes are placeKey of every name and other name (the generator's copy of
// placeKey agrees with this package's).
func TestPlaceTable(t *testing.T) {
	var comuni []Place
	for line := range strings.Lines(comuniTSV) {
		line = strings.TrimRight(line, "\n")
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		comuni = append(comuni, Place{Code: f[0], Name: f[1], AltName: f[2], Province: f[3], Istat: f[4],
			Region: f[5], From: testTSVDate(t, f[6]), To: testTSVDate(t, f[7]), Active: f[8] == "A"})
	}
	if len(comuni) != len(comuneRows) || len(comuni) < 16000 {
		t.Fatalf("%d rows in comuni.tsv, %d in the table", len(comuni), len(comuneRows))
	}
	wantNames := map[string][]int{}
	for i, p := range comuni {
		if got := comuneRows[i].place(); got != p {
			t.Fatalf("row %d: table %+v, tsv %+v", i, got, p)
		}
		key := placeKey(p.Name)
		wantNames[key] = append(wantNames[key], i)
		if alt := placeKey(p.AltName); p.AltName != "" && alt != key {
			wantNames[alt] = append(wantNames[alt], i)
		}
	}
	gotNames := map[string][]int{}
	for i, n := range comuneNames {
		if i > 0 && comuneNames[i-1].key.String() > n.key.String() {
			t.Fatalf("comuneNames not sorted at %d (%s)", i, n.key)
		}
		gotNames[n.key.String()] = append(gotNames[n.key.String()], int(n.row))
	}
	if len(gotNames) != len(wantNames) {
		t.Errorf("%d comune names in the table, want %d", len(gotNames), len(wantNames))
	}
	for key, rows := range wantNames {
		if !slices.Equal(gotNames[key], rows) {
			t.Errorf("name %s: table rows %v, want %v", key, gotNames[key], rows)
		}
		if got := namesOf(comuneNames[:], key); len(got) != len(rows) {
			t.Errorf("namesOf(%s) = %d rows, want %d", key, len(got), len(rows))
		}
	}

	i := 0
	wantStates := map[string]int{}
	for line := range strings.Lines(statiTSV) {
		line = strings.TrimRight(line, "\n")
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		p := Place{Code: f[0], Name: f[1], Province: ForeignProvince, ISO3: f[2],
			From: testTSVDate(t, f[3]), To: testTSVDate(t, f[4]), Foreign: true, Active: f[4] == ""}
		names := []string{f[1]}
		if f[5] != "" {
			names = append(names, strings.Split(f[5], "|")...)
			p.AltName = names[1]
		}
		if i >= len(stateRows) || stateRows[i].place() != p {
			t.Fatalf("state %d: tsv %+v not in the table", i, p)
		}
		if stateIndex(p.Code) != i {
			t.Errorf("stateIndex(%s) = %d, want %d", p.Code, stateIndex(p.Code), i)
		}
		for _, name := range names {
			if _, seen := wantStates[placeKey(name)]; !seen {
				wantStates[placeKey(name)] = i
			}
		}
		i++
	}
	if i != len(stateRows) || i < 200 {
		t.Fatalf("%d states in stati.tsv, %d in the table", i, len(stateRows))
	}
	for key, row := range wantStates {
		if got := namesOf(stateNames[:], key); len(got) == 0 || int(got[0].row) != row {
			t.Errorf("state name %s: %v, want row %d", key, got, row)
		}
	}
	if stateIndex("Z000") != -1 || stateIndex("ZZZZ") != -1 || stateIndex("") != -1 {
		t.Error("stateIndex of an unknown code is not -1")
	}
	if lo, hi := comuneSpan("A000"); lo != hi {
		t.Errorf("comuneSpan(A000) = %d, %d", lo, hi)
	}
}

func testTSVDate(t *testing.T, s string) Date {
	t.Helper()
	if s == "" {
		return Date{}
	}
	tm, err := time.Parse("20060102", s)
	if err != nil {
		t.Fatal(err)
	}
	return MustDate(tm.Year(), tm.Month(), tm.Day())
}

// TestPlacesNoStartCost (issue 14.4): a process that looks up a comune builds nothing.
// In a fresh process (where nothing ran before), the first lookups by code, by name and
// of a state allocate a few bytes, not the tables (before: megabytes of maps and rows,
// 35–48 ms of a CLI search); a lookup by code allocates nothing at all.
func TestPlacesNoStartCost(t *testing.T) {
	if os.Getenv("VIVIPASS_FIRST_LOOKUP_CHILD") == "1" {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		p, ok := ComuneByCode("L736")
		q, err := LookupPlace("San Donà di Piave", Date{})
		st, ok2 := StateAt("Z112", Date{})
		runtime.ReadMemStats(&after)
		if !ok || p.Name != "VENEZIA" || err != nil || q.Code != "H823" || !ok2 || st.Name != "GERMANIA" {
			t.Fatal(p, ok, q, err, st, ok2)
		}
		fmt.Printf("first-lookup-bytes %d\n", after.TotalAlloc-before.TotalAlloc)
		return
	}
	if allocs := testing.AllocsPerRun(100, func() {
		if p, ok := ComuneByCode("L736"); !ok || p.Name != "VENEZIA" {
			t.Fatal(p, ok)
		}
	}); allocs != 0 {
		t.Errorf("ComuneByCode allocates %v times", allocs)
	}
	if allocs := testing.AllocsPerRun(100, func() {
		if ok, known := placeValidAt("L736", MustDate(1980, 1, 1)); !ok || !known {
			t.Fatal(ok, known)
		}
	}); allocs != 0 {
		t.Errorf("placeValidAt allocates %v times", allocs)
	}
	cmd := exec.Command(os.Args[0], "-test.run", "^TestPlacesNoStartCost$", "-test.count=1")
	cmd.Env = append(os.Environ(), "VIVIPASS_FIRST_LOOKUP_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	_, rest, found := strings.Cut(string(out), "first-lookup-bytes ")
	if !found {
		t.Fatalf("child said:\n%s", out)
	}
	n, err := strconv.Atoi(strings.Fields(rest)[0])
	if err != nil {
		t.Fatal(err)
	}
	if n > 16<<10 {
		t.Errorf("the first lookups of a process allocate %d bytes: a table is built", n)
	}
	t.Logf("first lookups of a fresh process: %d bytes allocated", n)
}
