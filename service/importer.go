package service

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"time"

	"vivipass/domain"
	"vivipass/service/legacy"
	"vivipass/store"
)

// ImportRequest is a legacy register file to import (M1).
type ImportRequest struct {
	FileName  string // for the audit entry and messages only: never opened here
	Data      []byte
	Comune    string // every row belongs to this comune; "" = each row to its comune_residenza
	DryRun    bool   // check only
	ValidOnly bool   // import the valid rows even when others have errors
	// File, when not nil, is the file to import, mapped (MapImportFile): read in place,
	// its pages given back as they are read, never held whole in memory (issue 14.3);
	// Data is then unused. The caller closes it after Import.
	File *ImportFile
	// Ctx, when not nil, cancels the import (ctrl+c of a command run inside the server):
	// a cancelled import writes nothing, as a killed one.
	Ctx context.Context
}

// ImportFile is an import file mapped read-only (see ImportRequest.File).
type ImportFile = legacy.MappedFile

// MapImportFile maps f, a regular file, for ImportRequest.File (read whole where a
// map is not at hand); close it after Import.
func MapImportFile(f *os.File) (*ImportFile, error) { return legacy.MapFile(f) }

// ImportError is one problem of one row (row numbers as the spreadsheet shows them).
type ImportError = legacy.RowError

// ImportReport is the outcome; its JSON is the stable output of `import --json`.
type ImportReport struct {
	Valid     int           `json:"valid"`
	Errors    []ImportError `json:"errors"`
	Imported  int           `json:"imported"`
	Skipped   int           `json:"skipped"` // already in the register (same comune, number and holder)
	Warnings  []ImportError `json:"warnings,omitempty"`
	Rows      int           `json:"rows"`
	Encoding  string        `json:"encoding,omitempty"`
	Separator string        `json:"separator,omitempty"`
}

// ImportRefused: the file has row errors and the operator did not ask for the valid
// rows only, so nothing was written.
type ImportRefused struct{ Errors int }

func (e *ImportRefused) Error() string {
	return domain.Count(e.Errors, "errore", "errori") + " nel file: nessuna riga importata (correggere il file, oppure importare solo le righe valide)"
}

// ImportTemplate is the CSV template of the import (header and an example row).
func ImportTemplate() []byte { return legacy.Template() }

// ImportGuard wraps the reader of an import file: reading fails, with an Italian
// message, at the first line longer than legacy.MaxLine or as soon as the header is
// read when Import would refuse it (issue 12.9), so a wrong file is not read to its end.
func ImportGuard(r io.Reader) io.Reader { return legacy.Guard(r) }

// IsImportFileError reports whether err says the import file as a whole cannot be read
// (not a CSV, bad header, a line too long): Import and ImportGuard give such errors.
func IsImportFileError(err error) bool {
	var fe *legacy.FileError
	return errors.As(err, &fe)
}

// Import checks every row of a legacy file, against the file and the register, and
// writes the valid ones all or nothing (one transaction, or for big files a copy of the
// register swapped in at the end): a crash leaves the register as it was, and
// the same file twice changes nothing (a pass is identified by comune + number).
// A big file does not hold the other writers (issue 12.8): what they save meanwhile
// is carried into the copy, and the import is refused if they saved what it writes.
// A big file is read, checked and written a chunk of rows at a time (issue 14.3): its
// memory does not grow with its rows.
// progress, if not nil, is called as rows are written.
func (s *Service) Import(a Actor, req ImportRequest, progress func(done, total int)) (ImportReport, error) {
	var rep ImportReport
	if !a.Admin() {
		return rep, ErrForbidden
	}
	if !req.DryRun {
		if err := s.ensureSealed(true); err != nil { // the import's entry is authenticated (12.5)
			return rep, err
		}
	}
	today := s.Today()
	name := filepath.Base(req.FileName)
	ctx := req.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	var (
		hash      string
		st        *legacy.Stream
		err       error
		fileBytes = len(req.Data) // what the heap holds of the file
	)
	if req.File != nil {
		hash = req.File.SHA256()
		if req.File.TempDir == "" {
			req.File.TempDir = filepath.Dir(s.db.Path()) // a file in Windows-1252 is decoded there
		}
		st, err = legacy.NewStreamMapped(req.File, today)
		fileBytes = 0
	} else {
		hash = FileHash(req.Data)
		st, err = legacy.NewStream(req.Data, today)
	}
	if st != nil {
		defer st.Release()
	}
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return rep, err
	}
	rep.Encoding, rep.Separator = st.Encoding, string(st.Separator)
	comune := strings.ToUpper(strings.TrimSpace(req.Comune))
	if a.Comune != "" {
		comune = a.Comune
	}
	known := func() error {
		if _, ok := domain.ComuneByCode(comune); comune != "" && !ok {
			return &domain.Error{Message: fmt.Sprintf("comune %q sconosciuto: indicare il codice catastale (es. L736)", req.Comune)}
		}
		return nil
	}
	w := &importWriter{s: s, a: a, file: name, today: today, now: s.now().UTC().Truncate(time.Second),
		peopleSeed: maphash.MakeSeed(), existing: map[uint64]bool{}, bulk: store.NewBulk(), progress: progress, ctx: ctx}
	check := newImportCheck(a, comune, today)
	finish := func(tx *store.Tx) error {
		if err := ctx.Err(); err != nil {
			return err // cancelled: this last transaction rolls back, nothing is swapped in
		}
		tx.Collect(w.bulk) // the audit entry below seals the records the import wrote (12.5)
		if err := tx.PutImport(store.ImportRecord{SHA256: hash, File: name, At: w.now, By: a.Operator,
			Imported: w.done, Skipped: rep.Skipped}); err != nil {
			return err
		}
		return s.audit(tx, a, comune, "import massivo", "file "+name, 0,
			fmt.Sprintf("%d contrassegni importati, %d già presenti, %d righe scartate; sha256 %s", w.done, rep.Skipped, len(rep.Errors), hash))
	}
	if w.total = st.Remaining(); w.total > importChunk {
		// A region-sized file. Only a chunk of rows and the compact tables of the checks
		// between rows are live: a soft memory limit keeps the heap near them, where
		// SetGCPercent(20) was needed while every row stayed live (issue 14.3).
		limit := newImportLimit(fileBytes)
		defer limit.done()
		if err := known(); err != nil {
			return rep, err
		}
		req.Data = nil // the stream has it, and lets it go once read
		// One goroutine reads and checks: the writer, at the lowest priority, would
		// wait for the CPU behind two (issue 14.3).
		st.Workers = 1
		check.large()
		err := s.importLarge(w, st, check, &rep, req, limit, finish)
		if err == nil && !req.DryRun && rep.Imported > 0 {
			s.hub.Publish(PassChanged{InComune: comune})
		}
		return rep, err
	}

	// A small file: read and checked at once; writers wait for the whole import (one
	// short transaction), so the checks still hold when the rows are written. A dry run
	// only reads.
	c := st.Next(0)
	if c == nil {
		c = &legacy.Chunk{}
	}
	rep.Rows = c.Records
	addWarnings(&rep, c.Rows)
	if err := known(); err != nil {
		return rep, err
	}
	if !req.DryRun {
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	var todo []importRow
	rep.Errors = append([]ImportError(nil), c.Errors...) // the check adds the register's
	err = s.db.View(func(tx *store.Tx) error {
		var err error
		todo, err = check.rows(tx, c.Rows, &rep)
		return err
	})
	if err != nil {
		return rep, err
	}
	rep.Valid = len(todo) + rep.Skipped
	sortErrors(rep.Errors)
	switch {
	case req.DryRun:
		return rep, nil
	case len(rep.Errors) > 0 && !req.ValidOnly:
		return rep, &ImportRefused{len(rep.Errors)}
	case len(todo) == 0:
		return rep, nil // nothing to write: the register stays exactly as it was
	}
	w.total = len(todo)
	err = s.db.Update(func(tx *store.Tx) error {
		if err := w.write(tx, todo); err != nil {
			return err
		}
		if err := w.bulk.Flush(tx, 0); err != nil {
			return err
		}
		return finish(tx)
	})
	if err != nil {
		return rep, err
	}
	rep.Imported = len(todo)
	s.hub.Publish(PassChanged{InComune: comune})
	return rep, nil
}

// addWarnings adds the warnings of rows to the report.
func addWarnings(rep *ImportReport, rows []legacy.Row) {
	for _, r := range rows {
		for _, w := range r.Warnings {
			rep.Warnings = append(rep.Warnings, ImportError{Row: r.Line, Column: w.Field, Message: w.Message})
		}
		if r.CFWarning != "" {
			rep.Warnings = append(rep.Warnings, ImportError{Row: r.Line, Column: "codice_fiscale", Message: r.CFWarning})
		}
	}
}

// importChunk is the number of rows one transaction writes. bbolt keeps a
// transaction's pages in memory until commit: a region (120,000 passes) in one
// transaction peaked near 1 GB.
const importChunk = 5000

// The memory of a big import (issue 14.3): a soft limit on the heap, kept at what is
// live (the compact tables of the checks grow with the file) plus a fixed working set,
// and raised chunk by chunk as they grow; the collector runs as usual below it. Set
// lower than what is live, the collector would run without end: it follows the live
// heap of the last collection. The index entries the import holds until its end
// (store.Bulk) go to a sorted run of a temporary file whenever they pass
// importBulkMax (store.Spill).
const (
	importMemory  = 40 << 20 // the working set: chunks in flight, transactions, runtime
	importBulkMax = 150_000  // index entries held before they go to a run (store.Spill)
)

// importLimit is the soft memory limit of a big import: what the process has live
// (a server's sessions and caches too: the limit is the whole process's; fileBytes,
// the file when it is in memory), plus the working set, never above a limit already
// set (GOMEMLIMIT), which it gives back when done.
type importLimit struct {
	ceiling, file int64
	live          []metrics.Sample
}

func newImportLimit(fileBytes int) *importLimit {
	l := &importLimit{ceiling: debug.SetMemoryLimit(-1), file: int64(fileBytes),
		live: []metrics.Sample{{Name: "/gc/heap/live:bytes"}}}
	runtime.GC() // the live heap, the file in it
	l.adjust()
	return l
}

// adjust follows the live heap of the last collection.
func (l *importLimit) adjust() {
	metrics.Read(l.live)
	have := l.file
	if l.live[0].Value.Kind() == metrics.KindUint64 {
		have = max(have, int64(l.live[0].Value.Uint64()))
	}
	debug.SetMemoryLimit(min(have+importMemory, l.ceiling))
}

// done gives back the limit there was before.
func (l *importLimit) done() { debug.SetMemoryLimit(l.ceiling) }

// importChecked is a chunk of the file, checked, on its way to be written.
type importChecked struct {
	todo     []importRow
	errors   []ImportError // the file's and the register's
	warnings []ImportError
	skipped  int
	records  int
	err      error
}

// importLarge reads, checks and writes a big file a chunk at a time: a goroutine reads
// and checks the next chunk while one is written. The rows are written into a copy
// of the register, one chunk per transaction, then the copy is swapped in with an
// atomic rename: killed at any point, the register is the one before the import (the
// copy is left behind and removed by the next import). A file found to have errors
// (and not imported for its valid rows only) stops the writing; it is still read to
// its end, for the report of every bad row, and the copy is dropped. Other writers go
// on meanwhile (issue 12.8): the ids the import may need are reserved in the register
// first, and what they commit, recorded by capture, is replayed onto the copy at the
// end, with writers kept out only for that (the copy is synced before). A save of what
// the import writes (a number, a holder) refuses the import, and the register stays
// as it is. A dry run reads the register and writes nothing.
func (s *Service) importLarge(w *importWriter, st *legacy.Stream, check *importCheck, rep *ImportReport, req ImportRequest, limit *importLimit, finish func(*store.Tx) error) error {
	var (
		capture *store.Capture
		sdb     *store.DB // the copy; the register itself for a dry run
		spill   *store.Spill
		scratch string
		ok      bool
		err     error
	)
	if req.DryRun {
		sdb = s.db
	} else {
		if capture, err = s.db.StartCapture(); err != nil {
			return err
		}
		defer capture.Stop()
		live := s.db.Path()
		old, _ := filepath.Glob(live + ".import-*")
		for _, o := range old {
			os.Remove(o) // a copy left by an import that was killed (only one capture runs)
		}
		scratch = fmt.Sprintf("%s.import-%d", live, os.Getpid())
		// Ids for the records the import writes, set aside in the register: a pass, a
		// holder at most, and a national job per row. Those a refused import did not
		// use are given back (if no desk took ids after them).
		n := uint64(w.total)
		w.ids = store.NewIDs()
		if err := s.update(func(tx *store.Tx, _ *[]Event) error {
			for _, b := range []string{"passes", "people", "outbox"} {
				if err := tx.Reserve(w.ids, b, n); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		defer func() {
			if !ok {
				s.update(func(tx *store.Tx, _ *[]Event) error { return tx.Unreserve(w.ids) })
			}
		}()
		if _, err := s.db.BackupFile(scratch); err != nil {
			return err
		}
		defer func() {
			if !ok {
				os.Remove(scratch)
			}
		}()
		if sdb, err = store.Open(scratch, store.Options{NoSync: true}); err != nil {
			return err
		}
		sdb.SetAuditKeys(s.db.AuditKeys()) // the copy's entries are authenticated as the register's
		// The index entries wait in a temporary file, a sorted run at a time.
		if spill, err = store.NewSpill(filepath.Dir(live)); err != nil {
			sdb.Close()
			return err
		}
		defer spill.Close()
		check.ours = func(bucket string, id uint64) bool { return w.ids.Reserved(bucket, id) }
		// A register without passes (a region's first import): nothing to look up.
		check.fresh = w.ids.Fresh("passes")
	}
	// The reader: the next chunk is read and checked (against the copy as it was taken:
	// the rows this import wrote are told apart by their ids) while one is written.
	chunks := make(chan *importChecked, 1)
	stop, stopped := make(chan struct{}), make(chan struct{})
	var once sync.Once
	stopReader := func() {
		once.Do(func() {
			close(stop)
			<-stopped
		})
	}
	defer stopReader()
	closeCopy := func() {
		stopReader() // it may be reading the copy
		if sdb != s.db {
			sdb.Close()
		}
	}
	go func() {
		defer close(stopped)
		defer close(chunks)
		for {
			c := &importChecked{}
			if c.err = w.ctx.Err(); c.err == nil {
				ch := st.Next(importChunk)
				if ch == nil {
					st.Release() // the file and the tables of the checks between rows
					return
				}
				c.records = ch.Records
				c.errors = ch.Errors
				var r ImportReport
				addWarnings(&r, ch.Rows)
				c.warnings = r.Warnings
				c.err = sdb.View(func(tx *store.Tx) error {
					var err error
					c.todo, err = check.rows(tx, ch.Rows, &r)
					return err
				})
				c.errors = append(c.errors, r.Errors...)
				c.skipped = r.Skipped
			}
			select {
			case chunks <- c:
			case <-stop:
				return
			}
			if c.err != nil {
				return
			}
		}
	}()

	// The writer, at the lowest CPU priority, as a backup's copy: the desks saving
	// meanwhile get the CPU first (their saves waited behind the import's work, not its
	// lock). The merge below runs at normal priority: it holds the writers.
	write := !req.DryRun
	var werr error
	counters := map[counterKey]uint64{}
	work := func() {
		for c := range chunks {
			if c.err != nil {
				werr = c.err
				return
			}
			limit.adjust() // the tables of the checks grew with the chunk
			rep.Rows += c.records
			rep.Errors = append(rep.Errors, c.errors...)
			rep.Warnings = append(rep.Warnings, c.warnings...)
			rep.Skipped += c.skipped
			rep.Valid += len(c.todo) + c.skipped
			if len(rep.Errors) > 0 && !req.ValidOnly {
				write = false // refused: the rest is read for the report only
			}
			if !write || len(c.todo) == 0 {
				continue
			}
			if werr = sdb.Update(func(tx *store.Tx) error { return w.writeChunk(tx, c.todo, counters) }); werr != nil {
				return
			}
			sdb.ReleaseMapped() // the copy's pages read to write the chunk (issue 14.3)
			if w.bulk.Pending() > importBulkMax {
				if werr = spill.Add(w.bulk); werr != nil {
					return
				}
			}
		}
		if write && w.done > 0 {
			werr = spill.Write(sdb, w.bulk, 4*importChunk)
			sdb.ReleaseMapped()
		}
	}
	if req.DryRun {
		work()
	} else {
		inBackground(work)
	}
	if werr != nil {
		closeCopy()
		return werr
	}
	sortErrors(rep.Errors)
	switch {
	case req.DryRun:
		return nil
	case len(rep.Errors) > 0 && !req.ValidOnly:
		closeCopy()
		return &ImportRefused{len(rep.Errors)}
	case w.done == 0:
		closeCopy()
		return nil // nothing to write: the register stays exactly as it was
	}
	if w.progress != nil {
		w.progress(w.done, w.done)
	}
	// What the writers saved so far goes into the copy while they go on, and most of
	// the copy reaches the disk, before they are held for the rest.
	if err := s.db.CatchUp(capture, sdb); err != nil {
		closeCopy()
		return err
	}
	if err := sdb.Sync(); err != nil {
		closeCopy()
		return err
	}
	if err := w.ctx.Err(); err != nil {
		closeCopy()
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.db.ReplaceMerged(capture, sdb, func(tx *store.Tx, c *store.Capture) error {
		return w.conflicts(tx, c, check, sdb)
	}, func(tx *store.Tx) error {
		// Too many changes for a gate to follow one by one: every gate takes the full
		// list again (the feed answers 410 before this point; issue 13.1).
		if err := tx.ResetFeed(); err != nil {
			return err
		}
		return finish(tx)
	}); err != nil {
		return err
	}
	ok = true
	rep.Imported = w.done
	return nil
}

// conflicts refuses the import when a writer saved, while it ran, what the check
// would have refused or skipped: a pass with one of its numbers in the same comune,
// an active pass for a codice fiscale it gives an active one, a holder it creates, or
// changed one it uses. cp, the import's copy with all it wrote, answers what the check
// no longer holds (issue 14.3).
func (w *importWriter) conflicts(live *store.Tx, c *store.Capture, check *importCheck, cp *store.DB) error {
	keys := c.Keys("passes")
	people := c.Keys("people")
	if len(keys) == 0 && len(people) == 0 {
		return nil
	}
	return cp.View(func(ctx *store.Tx) error {
		for _, k := range keys {
			p, err := live.Pass(readID(k))
			if err != nil {
				continue // not there any more: nothing to clash with
			}
			for _, com := range []string{p.Comune, p.IssuingComune} {
				if ok, err := check.accepted(ctx, com, p.Number); err != nil {
					return err
				} else if ok {
					return importClash(fmt.Sprintf("il contrassegno numero %s del comune %s", p.Number, com))
				}
			}
			if check.activeCF(ctx, p.HolderCF) && p.HoldsActive(w.today) {
				return importClash(fmt.Sprintf("un contrassegno attivo per il codice fiscale %s", p.HolderCF))
			}
		}
		for _, k := range people {
			id := readID(k)
			o, err := live.Person(id)
			if err != nil {
				continue
			}
			if ref, ok, err := w.holder(ctx, w.personHash(o.Comune, o.CodiceFiscale), o.Comune, o.CodiceFiscale); err != nil {
				return err
			} else if ok && ref.id != id {
				return importClash(fmt.Sprintf("la persona con codice fiscale %s nel comune %s", o.CodiceFiscale, o.Comune))
			}
			if w.existing[id] {
				return importClash(fmt.Sprintf("una modifica dei dati della persona con codice fiscale %s", o.CodiceFiscale))
			}
		}
		return nil
	})
}

func readID(k []byte) uint64 {
	if len(k) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(k)
}

// importClash is the refusal of an import that met a save made meanwhile.
func importClash(what string) error {
	return &domain.Error{Message: "import annullato: durante l'import è stato registrato allo sportello " + what +
		", che è anche nel file. Il registro è com'era prima dell'import, con quanto salvato allo sportello; " +
		"l'import si può semplicemente ripetere: salterà ciò che è già presente e segnalerà la riga in conflitto"}
}

// importRow is a row ready to be written, with its comune resolved.
type importRow struct {
	*legacy.Row
	comune string
}

// importCheck applies the checks that need the register, a chunk of rows at a time.
// What it keeps of the rows it accepted is packed (legacy.KeyTable): a region file's
// worth in a few tens of MB. A big import keeps less (issue 14.3): see large.
type importCheck struct {
	a      Actor
	comune string
	today  domain.Date
	// numbers: comune|number of each row accepted → index in lines; cfs are their
	// codici fiscali, packed in strs. Nil for a big import without a forced comune:
	// the stream already refuses a number used twice in a comune of residence, and
	// the import's passes in its copy answer accepted.
	numbers *legacy.KeyTable
	lines   []acceptedRow
	strs    []byte
	// active are the codici fiscali the import gives an active pass; a big import
	// keeps only their hashes (activeHashes), confirmed by its passes in the copy.
	active       *legacy.KeyTable
	activeHashes *hashSet
	// ours, when not nil, tells the records this import wrote (a big import checks
	// against the copy it writes): not the register's.
	ours func(bucket string, id uint64) bool
	// fresh: the register had no pass when the copy was taken.
	fresh bool
	key   []byte
}

type acceptedRow struct {
	line int32
	off  uint32
	n    uint16
}

func newImportCheck(a Actor, comune string, today domain.Date) *importCheck {
	return &importCheck{a: a, comune: comune, today: today, numbers: legacy.NewKeyTable(), active: legacy.NewKeyTable()}
}

// large makes c the check of a big import, which keeps less of the rows it accepted:
// a number's row only when the comune is forced (rows of different residence may then
// share one), and of the active codici fiscali their hashes only. What it no longer
// holds, conflicts reads in the import's copy.
func (c *importCheck) large() {
	if c.comune == "" {
		c.numbers = nil
	}
	c.active, c.activeHashes = nil, newHashSet()
}

// number is the row accepted before with number in comune, if the check keeps them.
func (c *importCheck) number(comune, number string) (int32, bool) {
	if c.numbers == nil {
		return 0, false
	}
	return c.numbers.Get(c.numberKey(comune, number))
}

func (c *importCheck) numberKey(comune, number string) []byte {
	c.key = append(append(append(c.key[:0], comune...), '|'), number...)
	return c.key
}

// accepted reports whether the import writes number in comune; cp is the import's
// copy, with its passes (a big import), or nil.
func (c *importCheck) accepted(cp *store.Tx, comune, number string) (bool, error) {
	if c.numbers != nil {
		_, ok := c.numbers.Get(c.numberKey(comune, number))
		return ok, nil
	}
	for _, id := range cp.PassIDsByNumber(number) {
		if !c.mine("passes", id) {
			continue
		}
		p, err := cp.Pass(id)
		if err != nil {
			return false, err
		}
		if p.Comune == comune {
			return true, nil
		}
	}
	return false, nil
}

// activeCF reports whether the import gives cf an active pass; cp as for accepted.
func (c *importCheck) activeCF(cp *store.Tx, cf string) bool {
	if c.active != nil {
		_, ok := c.active.Get([]byte(cf))
		return ok
	}
	if !c.activeHashes.has(cf) {
		return false
	}
	for _, id := range cp.PassIDsByCF(cf) { // one of the import's passes is cf's: not another key's hash
		if c.mine("passes", id) {
			return true
		}
	}
	return false
}

func (c *importCheck) cf(i int32) string {
	r := c.lines[i]
	return string(c.strs[r.off : r.off+uint32(r.n)])
}

func (c *importCheck) mine(bucket string, id uint64) bool { return c.ours != nil && c.ours(bucket, id) }

// hashSet is a set of strings kept as their 64-bit hashes (open addressing, 0 for an
// empty slot): ~14 bytes a string. Two strings may share a hash: has can say yes
// for a string never added, and the caller confirms it elsewhere.
type hashSet struct {
	seed  maphash.Seed
	slots []uint64
	n     int
}

func newHashSet() *hashSet { return &hashSet{seed: maphash.MakeSeed()} }

func (h *hashSet) hash(s string) uint64 { return max(maphash.String(h.seed, s), 1) }

func (h *hashSet) has(s string) bool {
	if h.n == 0 {
		return false
	}
	x := h.hash(s)
	mask := uint64(len(h.slots) - 1)
	for i := x & mask; h.slots[i] != 0; i = (i + 1) & mask {
		if h.slots[i] == x {
			return true
		}
	}
	return false
}

func (h *hashSet) add(s string) {
	x := h.hash(s)
	if 4*(h.n+1) > 3*len(h.slots) {
		old := h.slots
		h.slots = make([]uint64, max(2*len(old), 64))
		for _, y := range old {
			if y != 0 {
				h.place(y)
			}
		}
	}
	if h.place(x) {
		h.n++
	}
}

// place puts x in its slot; false if it was there.
func (h *hashSet) place(x uint64) bool {
	mask := uint64(len(h.slots) - 1)
	i := x & mask
	for ; h.slots[i] != 0; i = (i + 1) & mask {
		if h.slots[i] == x {
			return false
		}
	}
	h.slots[i] = x
	return true
}

// rows checks rows against the register and the rows accepted before, adding row
// errors and skipped rows to rep; it gives the rows to write.
func (c *importCheck) rows(tx *store.Tx, rows []legacy.Row, rep *ImportReport) ([]importRow, error) {
	a, today := c.a, c.today
	var todo []importRow
	for i := range rows {
		r := &rows[i]
		com := c.comune
		if com == "" {
			com = r.Person.ComuneResidenza
		}
		// With a forced comune, rows of different residence may share a number the
		// parser saw as distinct: the key is the resolved comune.
		if j, dup := c.number(com, r.Number); dup {
			prev, prevCF := c.lines[j].line, c.cf(j)
			if prevCF == r.Person.CodiceFiscale {
				rep.Errors = append(rep.Errors, ImportError{Row: r.Line, Column: "numero_pass",
					Message: fmt.Sprintf("riga duplicata della riga %d (stesso numero %s e stesso titolare)", prev, r.Number)})
			} else {
				rep.Errors = append(rep.Errors, ImportError{Row: r.Line, Column: "numero_pass",
					Message: fmt.Sprintf("il numero %s è già alla riga %d per un'altra persona (%s) nello stesso comune %s", r.Number, prev, prevCF, com)})
			}
			continue
		}
		if !a.Sees(com) {
			rep.Errors = append(rep.Errors, ImportError{Row: r.Line, Column: "comune_residenza", Message: "comune non di competenza dell'operatore"})
			continue
		}
		skip, bad := false, false
		var same []uint64
		if !c.fresh {
			same = tx.PassIDsByNumber(r.Number)
		}
		for _, id := range same {
			if c.mine("passes", id) {
				continue
			}
			p, err := tx.Pass(id)
			if err != nil {
				return nil, err
			}
			if p.Comune != com && p.IssuingComune != com {
				continue
			}
			if p.HolderCF == r.Person.CodiceFiscale {
				skip = true
			} else {
				bad = true
				holder := p.HolderCF
				if !a.Sees(p.Comune) { // issued here, now another comune's: not ours to show (M4)
					holder = "contrassegno ora gestito da un altro comune"
				}
				rep.Errors = append(rep.Errors, ImportError{Row: r.Line, Column: "numero_pass",
					Message: fmt.Sprintf("il numero %s è già usato nel comune %s per un'altra persona (%s)", r.Number, com, holder)})
			}
			break
		}
		if skip {
			rep.Skipped++
			continue
		}
		if bad {
			continue
		}
		active := importedActive(*r, today)
		if active && !c.fresh {
			if p, ok, err := c.activePass(tx, r.Person.CodiceFiscale); err != nil {
				return nil, err
			} else if ok {
				rep.Errors = append(rep.Errors, ImportError{Row: r.Line, Column: "codice_fiscale", Message: errActive(a, r.Person.CodiceFiscale, p).Error()})
				continue
			}
		}
		cf := r.Person.CodiceFiscale[:min(len(r.Person.CodiceFiscale), 1<<16-1)]
		if c.numbers != nil {
			c.numbers.Put(c.numberKey(com, r.Number), int32(len(c.lines)))
			c.lines = append(c.lines, acceptedRow{line: int32(r.Line), off: uint32(len(c.strs)), n: uint16(len(cf))})
			c.strs = append(c.strs, cf...)
		}
		switch {
		case !active:
		case c.active == nil:
			c.activeHashes.add(cf)
		default:
			if _, seen := c.active.Get([]byte(cf)); !seen {
				c.active.Put([]byte(cf), 0)
			}
		}
		todo = append(todo, importRow{r, com})
	}
	return todo, nil
}

// activePass is the register's active pass of cf, as activePassOf, without the
// passes this import wrote.
func (c *importCheck) activePass(tx *store.Tx, cf string) (domain.Pass, bool, error) {
	for _, id := range tx.PassIDsByCF(cf) {
		if c.mine("passes", id) {
			continue
		}
		p, err := tx.Pass(id)
		if err != nil {
			return p, false, err
		}
		if p.HoldsActive(c.today) {
			return p, true, nil
		}
	}
	return domain.Pass{}, false, nil
}

func importedActive(r legacy.Row, today domain.Date) bool {
	return (r.State == domain.Attivo || r.State == domain.Sospeso) && !r.DataScadenza.Before(today) && r.Person.DataDecesso.IsZero()
}

// sortErrors orders by row, keeping the parser's order within a row.
func sortErrors(es []ImportError) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Row < es[j].Row })
}
