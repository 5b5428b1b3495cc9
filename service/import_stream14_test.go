package service_test

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/service/legacy"
)

// streamRows is over three chunks of the import (5,000 rows each).
const streamRows = 3*5000 + 400

// TestImportStreamRefusedAfterChunks (issue 14.3): a big file is read, checked and
// written a chunk at a time; a bad row in its last chunk, found after the first chunks
// were written into the copy, refuses the whole file: the report still names every bad
// row of every chunk, the register is as it was (the copy is dropped, the ids set
// aside for the import given back) and nothing is left beside it. Then the valid rows
// alone are imported, all of them.
func TestImportStreamRefusedAfterChunks(t *testing.T) {
	e := newEnv(t)
	// A bad row in the first chunk, one in the last.
	region := regionFile(t, streamRows)
	head := bytes.IndexByte(region, '\n') + 1
	data := withRow(append(append(region[:head:head], strings.Replace(badRow, "00050", "00051", 1)+"\n"...), region[head:]...), badRow)
	f, err := legacy.Parse(data, today)
	if err != nil {
		t.Fatal(err)
	}
	bad := map[int]bool{}
	for _, re := range f.Errors {
		bad[re.Row] = true
	}
	last := f.Records + 1 // the bad row appended: the header is row 1
	if !bad[2] || !bad[last] {
		t.Fatalf("the file has bad rows %v, want the first (2) and the last (%d)", bad, last)
	}
	// A pass at the desk, with a number the file does not use.
	first := e.issueReq(mario, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente, Number: "VE-9999"}})
	before := e.snapshot()
	rep, err := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data}, nil)
	var refused *service.ImportRefused
	if !errors.As(err, &refused) || refused.Errors != len(rep.Errors) {
		t.Fatalf("err = %v, want ImportRefused", err)
	}
	got := map[int]bool{}
	for _, re := range rep.Errors {
		got[re.Row] = true
	}
	if !reflect.DeepEqual(got, bad) || rep.Imported != 0 || rep.Rows != f.Records {
		t.Errorf("report: rows %d, imported %d, %d bad rows, want the file's %d: %+v", rep.Rows, rep.Imported, len(got), len(bad), rep.Errors)
	}
	if after := e.snapshot(); !reflect.DeepEqual(before, after) {
		t.Errorf("the refused import changed the register: %d passes, %d audit entries", len(after.rows), after.audits)
	}
	if m, _ := filepath.Glob(filepath.Join(e.dir, "*import*")); len(m) != 0 {
		t.Errorf("left beside the register: %v", m)
	}
	// The ids set aside for the import were given back: the next pass follows the last.
	next := e.issueReq(mario, service.IssueRequest{Person: bianchi(t), Pass: domain.IssueInput{Kind: domain.Permanente, Number: "VE-9998"}})
	if next.Pass.ID != first.Pass.ID+1 {
		t.Errorf("pass issued after the refused import: id %d, want %d", next.Pass.ID, first.Pass.ID+1)
	}

	rep, err = e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, ValidOnly: true}, nil)
	if err != nil {
		t.Fatalf("valid rows only: %v", err)
	}
	if rep.Imported != len(f.Rows) || rep.Valid != len(f.Rows) || len(rep.Errors) != len(f.Errors) {
		t.Errorf("valid rows only: %d imported, %d valid, %d errors; the file has %d valid rows, %d errors", rep.Imported, rep.Valid, len(rep.Errors), len(f.Rows), len(f.Errors))
	}
	res, err := e.s.Search(admin, service.Query{Channel: domain.Import, Limit: 100000})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Rows) != rep.Imported {
		t.Errorf("imported passes in the register: %d, want %d", len(res.Rows), rep.Imported)
	}
	if res, err = e.s.Search(admin, service.Query{Limit: 100000}); err != nil || len(res.Rows) != rep.Imported+2 {
		t.Errorf("passes in the register: %d (%v), want the %d imported and the desk's 2", len(res.Rows), err, rep.Imported)
	}
	// Again: every row is already there.
	rep, err = e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, ValidOnly: true}, nil)
	if err != nil || rep.Imported != 0 || rep.Skipped != len(f.Rows) {
		t.Errorf("the same file again: %d imported, %d skipped (%v), want %d skipped", rep.Imported, rep.Skipped, err, len(f.Rows))
	}
}

// TestImportCopyEndsAtItsData (issue 14.3): the copy a big import writes and swaps in
// ends at its last page: no space allocated ahead (bbolt grows a file 16 MB at a
// time), so the register's size is its data.
func TestImportCopyEndsAtItsData(t *testing.T) {
	e := newEnv(t)
	data := regionFile(t, stallRows)
	if _, err := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, ValidOnly: true}, nil); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(e.s.DB().Path())
	if err != nil {
		t.Fatal(err)
	}
	n, err := e.s.DB().Backup(io.Discard) // the pages in use, as a backup copies them
	if err != nil {
		t.Fatal(err)
	}
	if st.Size() > n || n-st.Size() > 1<<20 {
		t.Errorf("register after the import: file %d bytes, data %d bytes", st.Size(), n)
	}
	// And the desks write on as usual.
	e.issue(mario, rossi(t))
}

// TestImportMemoryLimit (issue 14.3): the soft memory limit of a big import counts
// what the process already had live (a server's: the limit is the process's) and the
// file, and does not raise a limit set lower (GOMEMLIMIT); it is restored afterwards.
func TestImportMemoryLimit(t *testing.T) {
	prev := debug.SetMemoryLimit(-1)
	defer debug.SetMemoryLimit(prev)
	keep := make([]byte, 64<<20) // live during the import
	for i := range keep {
		keep[i] = byte(i)
	}
	runtime.GC()
	var seen int64
	e := newEnv(t)
	data := regionFile(t, stallRows)
	progress := func(done, total int) {
		if seen == 0 {
			seen = debug.SetMemoryLimit(-1)
		}
	}
	if _, err := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, ValidOnly: true}, progress); err != nil {
		t.Fatal(err)
	}
	if seen < int64(len(keep)+len(data)) || seen == prev {
		t.Errorf("limit during the import %d, want above the live %d bytes and the file's %d", seen, len(keep), len(data))
	}
	if got := debug.SetMemoryLimit(-1); got != prev {
		t.Errorf("limit after the import %d, want %d again", got, prev)
	}
	// A limit set lower stays.
	runtime.KeepAlive(keep)
	keep = nil
	runtime.GC()
	low := seen / 3
	debug.SetMemoryLimit(low)
	seen = 0
	e2 := newEnv(t)
	if _, err := e2.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: data, ValidOnly: true}, progress); err != nil {
		t.Fatal(err)
	}
	if seen != low || debug.SetMemoryLimit(-1) != low {
		t.Errorf("limit during the second import %d, after %d, want the one set, %d", seen, debug.SetMemoryLimit(-1), low)
	}
}
