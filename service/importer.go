package service

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strings"
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
	// Ctx, when not nil, cancels the import (ctrl+c of a command run inside the server):
	// a cancelled import writes nothing, as a killed one.
	Ctx context.Context
}

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
	if len(req.Data) > 4<<20 {
		// A region-sized file: its parsed rows stay live through the import, so collect
		// garbage sooner and keep the heap from doubling on top of them (peak memory
		// target ≤ 300 MB for 120,000 passes). Small files do not pay for it. (Issue
		// 14.3: a soft limit, debug.SetMemoryLimit(128 MiB), instead cost twice the CPU,
		// 200 collections against 65: the live rows are above it until the import streams.)
		defer debug.SetGCPercent(debug.SetGCPercent(20))
	}
	name := filepath.Base(req.FileName)
	hash := FileHash(req.Data)
	ctx := req.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	f, err := legacy.Parse(req.Data, today)
	req.Data = nil // the rows own copies of what they keep: let the file go
	if err == nil {
		err = ctx.Err()
	}
	if err != nil {
		return rep, err
	}
	rep.Rows, rep.Encoding, rep.Separator = f.Records, f.Encoding, string(f.Separator)
	for _, r := range f.Rows {
		for _, w := range r.Warnings {
			rep.Warnings = append(rep.Warnings, ImportError{Row: r.Line, Column: w.Field, Message: w.Message})
		}
		if r.CFWarning != "" {
			rep.Warnings = append(rep.Warnings, ImportError{Row: r.Line, Column: "codice_fiscale", Message: r.CFWarning})
		}
	}
	comune := strings.ToUpper(strings.TrimSpace(req.Comune))
	if a.Comune != "" {
		comune = a.Comune
	}
	if _, ok := domain.ComuneByCode(comune); comune != "" && !ok {
		return rep, &domain.Error{Message: fmt.Sprintf("comune %q sconosciuto: indicare il codice catastale (es. L736)", req.Comune)}
	}
	// A small file: writers wait for the whole import (one short transaction), so the
	// checks below still hold when the rows are written. A big one: writers go on, and
	// from here every write they commit is recorded (a capture), carried into the copy
	// the rows are written to, and checked against the rows before the swap. A dry run
	// only reads.
	var capture *store.Capture
	switch {
	case req.DryRun:
	case len(f.Rows) > importChunk:
		if capture, err = s.db.StartCapture(); err != nil {
			return rep, err
		}
		defer capture.Stop()
	default:
		s.writeMu.Lock()
		defer s.writeMu.Unlock()
	}
	var todo []importRow
	rep.Errors = append([]ImportError(nil), f.Errors...) // checkImport adds the register's
	err = s.db.View(func(tx *store.Tx) error {
		var err error
		todo, err = s.checkImport(tx, a, f.Rows, comune, today, &rep)
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
	w := &importWriter{s: s, a: a, file: name, today: today, now: s.now().UTC().Truncate(time.Second),
		people: map[string]personRef{}, existing: map[uint64]bool{}, bulk: store.NewBulk(), total: len(todo), progress: progress, ctx: ctx}
	finish := func(tx *store.Tx) error {
		if err := ctx.Err(); err != nil {
			return err // cancelled: this last transaction rolls back, nothing is swapped in
		}
		tx.Collect(w.bulk) // the audit entry below seals the records the import wrote (12.5)
		if err := tx.PutImport(store.ImportRecord{SHA256: hash, File: name, At: w.now, By: a.Operator,
			Imported: len(todo), Skipped: rep.Skipped}); err != nil {
			return err
		}
		return s.audit(tx, a, comune, "import massivo", "file "+name, 0,
			fmt.Sprintf("%d contrassegni importati, %d già presenti, %d righe scartate; sha256 %s", len(todo), rep.Skipped, len(rep.Errors), hash))
	}
	if capture == nil {
		err = s.db.Update(func(tx *store.Tx) error {
			if err := w.write(tx, todo); err != nil {
				return err
			}
			if err := w.bulk.Flush(tx, 0); err != nil {
				return err
			}
			return finish(tx)
		})
	} else {
		err = s.importLarge(w, todo, capture, finish)
	}
	if err != nil {
		return rep, err
	}
	rep.Imported = len(todo)
	s.hub.Publish(PassChanged{InComune: comune})
	return rep, nil
}

// importChunk is the number of rows one transaction writes. bbolt keeps a
// transaction's pages in memory until commit: a region (120,000 passes) in one
// transaction peaked near 1 GB.
const importChunk = 5000

// importLarge writes a big import into a copy of the register, one chunk per
// transaction, then swaps the copy in with an atomic rename: killed at any point, the
// register is the one before the import (the copy is left behind and removed by the
// next import). Other writers go on meanwhile (issue 12.8): the ids the import needs
// are reserved in the register first, and what they commit, recorded by capture, is
// replayed onto the copy at the end, with writers kept out only for that (the copy is
// synced before). A save of what the import writes (a number, a holder) refuses the
// import, and the register stays as it is.
func (s *Service) importLarge(w *importWriter, todo []importRow, capture *store.Capture, finish func(*store.Tx) error) error {
	live := s.db.Path()
	old, _ := filepath.Glob(live + ".import-*")
	for _, o := range old {
		os.Remove(o) // a copy left by an import that was killed (only one capture runs)
	}
	scratch := fmt.Sprintf("%s.import-%d", live, os.Getpid())
	// Ids for the records the import writes, set aside in the register: a pass, a
	// holder at most, and a national job for a pass with the consent, per row.
	holders, consent := map[string]bool{}, 0
	for _, r := range todo {
		holders[r.comune+"|"+r.Person.CodiceFiscale] = true
		if r.Consent {
			consent++
		}
	}
	w.ids = store.NewIDs()
	if err := s.update(func(tx *store.Tx, _ *[]Event) error {
		if err := tx.Reserve(w.ids, "passes", uint64(len(todo))); err != nil {
			return err
		}
		if err := tx.Reserve(w.ids, "people", uint64(len(holders))); err != nil {
			return err
		}
		return tx.Reserve(w.ids, "outbox", uint64(consent))
	}); err != nil {
		return err
	}
	if _, err := s.db.BackupFile(scratch); err != nil {
		return err
	}
	ok := false
	defer func() {
		if !ok {
			os.Remove(scratch)
		}
	}()
	sdb, err := store.Open(scratch, store.Options{NoSync: true})
	if err != nil {
		return err
	}
	sdb.SetAuditKeys(s.db.AuditKeys()) // the copy's entries are authenticated as the register's
	// Records first (appended: each transaction fills new pages), then the index
	// entries of all of them in key order, a slice of the key space per transaction.
	// At the lowest CPU priority, as a backup's copy: the desks saving meanwhile get the
	// CPU first (their saves waited behind the import's work, not its lock). The merge
	// below runs at normal priority: it holds the writers.
	var werr error
	inBackground(func() { werr = w.writeCopy(sdb, todo) })
	if werr != nil {
		sdb.Close()
		return werr
	}
	// What the writers saved so far goes into the copy while they go on, and most of
	// the copy reaches the disk, before they are held for the rest.
	if err := s.db.CatchUp(capture, sdb); err != nil {
		sdb.Close()
		return err
	}
	if err := sdb.Sync(); err != nil {
		sdb.Close()
		return err
	}
	if err := w.ctx.Err(); err != nil {
		sdb.Close()
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.db.ReplaceMerged(capture, sdb, func(tx *store.Tx, c *store.Capture) error {
		return w.conflicts(tx, c, todo)
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
	return nil
}

// conflicts refuses the import when a writer saved, while it ran, what checkImport
// would have refused or skipped: a pass with one of its numbers in the same comune,
// an active pass for a codice fiscale it gives an active one, a holder it creates, or
// changed one it uses.
func (w *importWriter) conflicts(live *store.Tx, c *store.Capture, todo []importRow) error {
	keys := c.Keys("passes")
	people := c.Keys("people")
	if len(keys) == 0 && len(people) == 0 {
		return nil
	}
	numbers := make(map[string]bool, len(todo))
	active := map[string]bool{}
	for _, r := range todo {
		numbers[r.comune+"|"+r.Number] = true
		if importedActive(*r.Row, w.today) {
			active[r.Person.CodiceFiscale] = true
		}
	}
	for _, k := range keys {
		p, err := live.Pass(readID(k))
		if err != nil {
			continue // not there any more: nothing to clash with
		}
		for _, com := range []string{p.Comune, p.IssuingComune} {
			if numbers[com+"|"+p.Number] {
				return importClash(fmt.Sprintf("il contrassegno numero %s del comune %s", p.Number, com))
			}
		}
		if active[p.HolderCF] && p.HoldsActive(w.today) {
			return importClash(fmt.Sprintf("un contrassegno attivo per il codice fiscale %s", p.HolderCF))
		}
	}
	for _, k := range people {
		id := readID(k)
		o, err := live.Person(id)
		if err != nil {
			continue
		}
		if ref, ok := w.people[o.Comune+"|"+o.CodiceFiscale]; ok && ref.id != id {
			return importClash(fmt.Sprintf("la persona con codice fiscale %s nel comune %s", o.CodiceFiscale, o.Comune))
		}
		if w.existing[id] {
			return importClash(fmt.Sprintf("una modifica dei dati della persona con codice fiscale %s", o.CodiceFiscale))
		}
	}
	return nil
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

// checkImport applies the checks that need the register, adding row errors to rep.
func (s *Service) checkImport(tx *store.Tx, a Actor, rows []legacy.Row, comune string, today domain.Date, rep *ImportReport) ([]importRow, error) {
	var todo []importRow
	// With a forced comune, rows of different residence may share a number the parser
	// saw as distinct: the key is the resolved comune.
	accepted := map[string]int{} // comune|number → index in todo
	for i := range rows {
		r := &rows[i]
		c := comune
		if c == "" {
			c = r.Person.ComuneResidenza
		}
		if i, dup := accepted[c+"|"+r.Number]; dup {
			if todo[i].Person.CodiceFiscale == r.Person.CodiceFiscale {
				rep.Errors = append(rep.Errors, ImportError{Row: r.Line, Column: "numero_pass",
					Message: fmt.Sprintf("riga duplicata della riga %d (stesso numero %s e stesso titolare)", todo[i].Line, r.Number)})
			} else {
				rep.Errors = append(rep.Errors, ImportError{Row: r.Line, Column: "numero_pass",
					Message: fmt.Sprintf("il numero %s è già alla riga %d per un'altra persona (%s) nello stesso comune %s", r.Number, todo[i].Line, todo[i].Person.CodiceFiscale, c)})
			}
			continue
		}
		if !a.Sees(c) {
			rep.Errors = append(rep.Errors, ImportError{Row: r.Line, Column: "comune_residenza", Message: "comune non di competenza dell'operatore"})
			continue
		}
		skip, bad := false, false
		for _, id := range tx.PassIDsByNumber(r.Number) {
			p, err := tx.Pass(id)
			if err != nil {
				return nil, err
			}
			if p.Comune != c && p.IssuingComune != c {
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
					Message: fmt.Sprintf("il numero %s è già usato nel comune %s per un'altra persona (%s)", r.Number, c, holder)})
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
		if importedActive(*r, today) {
			if p, ok, err := activePassOf(tx, r.Person.CodiceFiscale, today, 0); err != nil {
				return nil, err
			} else if ok {
				rep.Errors = append(rep.Errors, ImportError{Row: r.Line, Column: "codice_fiscale", Message: errActive(a, r.Person.CodiceFiscale, p).Error()})
				continue
			}
		}
		accepted[c+"|"+r.Number] = len(todo)
		todo = append(todo, importRow{r, c})
	}
	return todo, nil
}

func importedActive(r legacy.Row, today domain.Date) bool {
	return (r.State == domain.Attivo || r.State == domain.Sospeso) && !r.DataScadenza.Before(today) && r.Person.DataDecesso.IsZero()
}

// importWriter writes checked rows, in one or several transactions.
type importWriter struct {
	s        *Service
	a        Actor
	file     string
	today    domain.Date
	now      time.Time
	people   map[string]personRef // comune + CF → person of this import
	bulk     *store.Bulk
	done     int
	total    int
	progress func(done, total int)
	ctx      context.Context
	// ids are the ids reserved in the register for a big import (importLarge);
	// existing are the people already in the register its passes were given to.
	ids      *store.IDs
	existing map[uint64]bool
}

// personRef is what a pass needs of its holder.
type personRef struct {
	id       uint64
	cf, name string
	died     domain.Date
}

// writeCopy writes every row into the copy, a chunk per transaction, then the index
// entries of all of them in key order, a slice of the key space per transaction.
func (w *importWriter) writeCopy(sdb *store.DB, todo []importRow) error {
	for i := 0; i < len(todo); i += importChunk {
		chunk := todo[i:min(i+importChunk, len(todo))]
		if err := sdb.Update(func(tx *store.Tx) error { return w.write(tx, chunk) }); err != nil {
			return err
		}
	}
	for w.bulk.Pending() > 0 {
		if err := sdb.Update(func(tx *store.Tx) error { return w.bulk.Flush(tx, 10*importChunk) }); err != nil {
			return err
		}
	}
	return nil
}

// write writes the records of rows; their index entries wait in w.bulk.
func (w *importWriter) write(tx *store.Tx, rows []importRow) error {
	a, now, today, people, file := w.a, w.now, w.today, w.people, w.file
	tx.Collect(w.bulk)
	if w.ids != nil {
		tx.UseIDs(w.ids)
	}
	for _, r := range rows {
		if w.done%100 == 0 {
			if err := w.ctx.Err(); err != nil {
				return err
			}
		}
		key := r.comune + "|" + r.Person.CodiceFiscale
		holder, ok := people[key]
		if !ok {
			// People already in the register are in the index (this import's are not yet).
			for _, id := range tx.PersonIDsByCF(r.Person.CodiceFiscale) {
				if o, err := tx.Person(id); err == nil && o.Comune == r.comune {
					holder, ok = personRef{o.ID, o.CodiceFiscale, o.FullName(), o.DataDecesso}, true
					w.existing[o.ID] = true
				}
			}
		}
		if !ok {
			np := r.Person
			np.Comune, np.CFOverride = r.comune, r.CFWarning
			np.Version, np.UpdatedAt, np.UpdatedBy = 1, now, a.Operator
			if err := tx.PutPerson(&np); err != nil {
				return err
			}
			holder = personRef{np.ID, np.CodiceFiscale, np.FullName(), np.DataDecesso}
		}
		people[key] = holder
		p := domain.Pass{
			Number: r.Number, PreviousNumber: r.PreviousNumber, Comune: r.comune, IssuingComune: r.comune,
			PersonID: holder.id, HolderCF: holder.cf, HolderName: holder.name, Kind: r.Kind,
			DataRilascio: r.DataRilascio, DataDecorrenza: r.DataDecorrenza, DataScadenza: r.DataScadenza,
			State: r.State, Channel: domain.Import, Note: r.Note, ImportFile: file,
			National: domain.National{Consent: r.Consent, CudeID: r.CudeID, CodiceUnivoco: r.CodiceUnivoco},
			Version:  1, CreatedAt: now, CreatedBy: a.Operator, UpdatedAt: now, UpdatedBy: a.Operator,
		}
		if p.National.CudeID != "" {
			p.National.Status = domain.NationalSent
		}
		switch p.State {
		case domain.Sospeso, domain.Revocato:
			p.StateReason = string(p.State) + " nel registro precedente"
		}
		for j, pl := range r.Plates {
			pl.ID, pl.AddedAt, pl.AddedBy, pl.Channel = uint32(j+1), now, a.Operator, domain.Import
			p.Plates = append(p.Plates, pl)
		}
		p.NextPlateID = uint32(len(p.Plates))
		if died := holder.died; !died.IsZero() && (p.State == domain.Attivo || p.State == domain.Sospeso) {
			if n, _, err := p.HolderDeceased(died, today); err == nil {
				p = n
			}
		}
		id, err := tx.NewPassID()
		if err != nil {
			return err
		}
		p.ID, p.Lineage = id, id
		if p.National.Consent && p.National.Status == domain.NationalNone && p.HoldsActive(today) {
			if err := queueNational(tx, &p, domain.ActIssue); err != nil {
				return err
			}
		}
		if err := tx.PutPass(&p); err != nil {
			return err
		}
		if c, y, n, ok := domain.ParseNumber(p.Number); ok && c == p.Comune && uint64(n) > tx.Counter(c, y) {
			if err := tx.SetCounter(c, y, uint64(n)); err != nil {
				return err
			}
		}
		w.done++
		if w.progress != nil && (w.done%1000 == 0 || w.done == w.total) {
			w.progress(w.done, w.total)
		}
	}
	return nil
}

// sortErrors orders by row, keeping the parser's order within a row.
func sortErrors(es []ImportError) {
	sort.SliceStable(es, func(i, j int) bool { return es[i].Row < es[j].Row })
}
