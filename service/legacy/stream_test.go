package legacy

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
)

// TestStreamChunksAsParse (issue 14.3): a file read a chunk at a time gives the rows,
// errors and counts of the file read at once, the checks between rows included when
// the earlier row is in an earlier chunk (a duplicated row, a number used twice, two
// active passes for one codice fiscale), with blank rows between.
func TestStreamChunksAsParse(t *testing.T) {
	var changes []map[string]string
	for i := range 3000 {
		st := "REVOCATO"
		if i%7 == 0 {
			st = "ATTIVO"
		}
		ch := map[string]string{"numero_pass": fmt.Sprintf("X-%d", i%2500), "stato": st}
		if i%500 == 250 {
			ch = map[string]string{} // replaced by a blank row below
		}
		changes = append(changes, ch)
	}
	data := string(rowCSV(changes...))
	lines := strings.Split(data, "\n")
	for i := 1; i < len(lines); i++ {
		if (i-1)%500 == 250 {
			lines[i] = ";;;;"
		}
	}
	data = strings.Join(lines, "\n")
	want := mustParse(t, []byte(data))
	dup, used, active := 0, 0, 0
	for _, e := range want.Errors {
		switch {
		case strings.Contains(e.Message, "riga duplicata"):
			dup++
		case strings.Contains(e.Message, "è già usato alla riga"):
			used++
		case strings.Contains(e.Message, "ha già un contrassegno attivo"):
			active++
		}
	}
	if dup == 0 || active == 0 || want.Records != 3000-6 {
		t.Fatalf("the file does not test the checks between rows: %d duplicated, %d used, %d active, %d records", dup, used, active, want.Records)
	}
	for _, n := range []int{7, 333, 5000} {
		s, err := NewStream([]byte(data), today)
		if err != nil {
			t.Fatal(err)
		}
		if got := s.Remaining(); got != 3000 {
			t.Errorf("Remaining = %d, want 3000", got)
		}
		got := &File{Separator: s.Separator, Encoding: s.Encoding, Columns: s.Columns, Rows: []Row{}, Errors: []RowError{}}
		chunks := 0
		for c := s.Next(n); c != nil; c = s.Next(n) {
			got.Rows = append(got.Rows, c.Rows...)
			got.Errors = append(got.Errors, c.Errors...)
			got.Records += c.Records
			chunks++
		}
		if chunks != (3000+n-1)/n || s.Records != want.Records {
			t.Errorf("chunks of %d: %d chunks, %d records", n, chunks, s.Records)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("chunks of %d: %d rows, %d errors; Parse: %d rows, %d errors", n, len(got.Rows), len(got.Errors), len(want.Rows), len(want.Errors))
		}
	}
}
