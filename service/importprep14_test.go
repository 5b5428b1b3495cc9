package service_test

import (
	"bytes"
	"fmt"
	"testing"

	"vivipass/bench/genregion/region"
	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// #14.3: the import's records are encoded ahead of their transaction, the national
// status of each pass foreseen: every pass that got a job says it is pending, no other
// does, and every record reads back as what it would be encoded as again (a region of
// more than a chunk: the copy, the spill, several batches; then the seals verify,
// verifyClean).
func TestImportPreparedRecordsAreTheRecords(t *testing.T) {
	e := newEnv(t)
	var csv bytes.Buffer
	if _, err := region.Generate(&csv, region.Options{Passes: 12000, Seed: 3, AsOf: today}); err != nil {
		t.Fatal(err)
	}
	// Ten holders with an older, expired pass at the end of the file: five made in the
	// first chunk (the writer reads them back), five in the last one (not written yet
	// when the row is made ready).
	lines := bytes.Split(bytes.TrimRight(csv.Bytes(), "\r\n"), []byte("\n"))
	for i, l := range append(lines[1:6:6], lines[len(lines)-5:]...) {
		f := bytes.Split(bytes.TrimRight(l, "\r"), []byte(";"))
		com := string(bytes.SplitN(f[10], []byte("_"), 2)[0])
		f[10] = []byte(fmt.Sprintf("%s_2014_9%04d", com, i))
		f[11], f[12], f[13], f[14], f[15], f[16] = []byte("P"), []byte("10/03/2014"), []byte("10/03/2014"), []byte("10/03/2019"), []byte("SCADUTO"), nil
		for j := 17; j <= 32; j++ {
			f[j] = nil
		}
		f[30] = []byte("N")
		csv.Write(append(bytes.Join(f, []byte(";")), '\n'))
	}
	rep, err := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: csv.Bytes()}, nil)
	if err != nil || rep.Imported != 12010 {
		t.Fatalf("import: %v (%d imported, %d errors)", err, rep.Imported, len(rep.Errors))
	}
	queued := map[uint64]bool{}
	for _, j := range e.jobs() {
		queued[j.PassID] = true
	}
	pending, people := 0, 0
	if err := e.s.DB().View(func(tx *store.Tx) error {
		if err := tx.ForEachPass(func(p domain.Pass) bool {
			if (p.National.Status == domain.NationalPending) != queued[p.ID] {
				t.Errorf("pass %d (%s): status %q, job queued %v", p.ID, p.Number, p.National.Status, queued[p.ID])
			}
			if p.National.Status == domain.NationalPending {
				pending++
			}
			if again, err := store.DecodePass(store.EncodePass(p)); err != nil || again.Number != p.Number || again.PersonID != p.PersonID {
				t.Errorf("pass %d does not encode again: %v", p.ID, err)
			}
			return true
		}); err != nil {
			return err
		}
		return tx.ForEachPerson(func(domain.Person) bool { people++; return true })
	}); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d passes pending, %d jobs, %d people", pending, len(queued), people)
	if pending == 0 || pending != len(queued) || people != 12000 {
		t.Errorf("%d passes pending, %d jobs, %d people", pending, len(queued), people)
	}
}
