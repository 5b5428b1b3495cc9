package store

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"sort"
)

// A bulk load of a region file holds millions of index entries until its end (Bulk):
// tens of MB at 120,000 passes, growing with the file. A Spill moves them out of
// memory a run at a time, each run sorted, into a temporary file; at the end the runs
// are merged into the indexes, in key order as Flush writes them (issue 14.3: the
// memory of an import does not grow with its size).
type Spill struct {
	f    *os.File
	w    *bufio.Writer
	size int64
	runs []spillRun
}

type spillRun struct{ off, n int64 }

// NewSpill opens the temporary file of a spill in dir. It is removed at once: only
// the open file holds it, and a crash leaves nothing behind.
func NewSpill(dir string) (*Spill, error) {
	f, err := os.CreateTemp(dir, ".import-indici-*")
	if err != nil {
		return nil, fmt.Errorf("impossibile creare il file temporaneo dell'import: %w", err)
	}
	os.Remove(f.Name())
	return &Spill{f: f, w: bufio.NewWriterSize(f, 256<<10)}, nil
}

// Close releases the file.
func (s *Spill) Close() error { return s.f.Close() }

// Runs is the number of runs written.
func (s *Spill) Runs() int { return len(s.runs) }

// Add moves every entry held in b into a new run, in index then key order, and
// forgets them; the list of b's records for the audit entry goes to the file as well.
// A Bulk given to a Spill is written by the Spill's Write, not by its own Flush.
// (Writing the run on another goroutine, with a second set of buffers for the load
// meanwhile, was tried: the import's heap grew by those buffers, and under its memory
// limit the collector ran 65% more often, for more CPU than the run's own work.)
func (s *Spill) Add(b *Bulk) error {
	b.settle()
	// The records' list goes to the file too (it is read back for the audit entry).
	if err := b.seal.moveTo(s); err != nil {
		return err
	}
	return s.writeRun(b.indexes)
}

// writeRun writes the entries of idx as a run and empties idx's buffers (kept for a
// later run: growing them again cost more than the rest of a run's work).
func (s *Spill) writeRun(idx map[string]*bulkIndex) error {
	names := make([]string, 0, len(idx))
	for n, x := range idx {
		if len(x.spans) > 0 {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	start := s.size
	var hdr [3 * binary.MaxVarintLen64]byte
	put := func(p []byte) error {
		n, err := s.w.Write(p)
		s.size += int64(n)
		return err
	}
	for _, n := range names {
		x := idx[n]
		if !x.sorted {
			x.sort()
		}
		for i := range x.spans {
			k, v := x.key(i), x.value(i)
			h := binary.AppendUvarint(hdr[:0], uint64(len(n)))
			h = binary.AppendUvarint(h, uint64(len(k)))
			h = binary.AppendUvarint(h, uint64(len(v)))
			if err := put(h); err != nil {
				return err
			}
			if err := put([]byte(n)); err != nil {
				return err
			}
			if err := put(k); err != nil {
				return err
			}
			if err := put(v); err != nil {
				return err
			}
		}
		x.data, x.spans, x.sorted = x.data[:0], x.spans[:0], false
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("scrittura del file temporaneo dell'import non riuscita: %w", err)
	}
	if s.size > start {
		s.runs = append(s.runs, spillRun{start, s.size - start})
	}
	return nil
}

// runReader reads one run back, an entry at a time.
type runReader struct {
	r          *bufio.Reader
	arena      *[]byte // where entries are read to: bbolt keeps them until the commit
	index, key []byte
	val        []byte
	ok         bool
	err        error
}

func (r *runReader) next() {
	var lens [3]uint64
	for i := range lens {
		n, err := binary.ReadUvarint(r.r)
		if err != nil {
			if err != io.EOF || i > 0 {
				r.err = fmt.Errorf("lettura del file temporaneo dell'import non riuscita: %w", err)
			}
			r.ok = false
			return
		}
		lens[i] = n
	}
	need := int(lens[0] + lens[1] + lens[2])
	a := *r.arena
	if cap(a)-len(a) < need {
		a = make([]byte, 0, max(need, 256<<10))
	}
	buf := a[len(a) : len(a)+need]
	*r.arena = a[:len(a)+need]
	if _, err := io.ReadFull(r.r, buf); err != nil {
		r.err, r.ok = fmt.Errorf("lettura del file temporaneo dell'import non riuscita: %w", err), false
		return
	}
	r.index, r.key, r.val = buf[:lens[0]], buf[lens[0]:lens[0]+lens[1]], buf[lens[0]+lens[1]:]
	if len(r.val) == 0 {
		r.val = nil
	}
	r.ok = true
}

func (r *runReader) less(o *runReader) bool {
	if c := bytes.Compare(r.index, o.index); c != 0 {
		return c < 0
	}
	return bytes.Compare(r.key, o.key) < 0
}

// Write moves what b still holds into a last run, then merges every run into the
// indexes of db, in key order, perTx entries per transaction; the file is then empty
// of runs.
func (s *Spill) Write(db *DB, b *Bulk, perTx int) error {
	if err := s.Add(b); err != nil {
		return err
	}
	readers := make([]*runReader, 0, len(s.runs))
	var arena []byte
	for _, run := range s.runs {
		r := &runReader{r: bufio.NewReaderSize(io.NewSectionReader(s.f, run.off, run.n), 64<<10), arena: &arena}
		r.next()
		if r.err != nil {
			return r.err
		}
		if r.ok {
			readers = append(readers, r)
		}
	}
	s.runs = nil
	clear(b.indexes) // all in the runs
	// The runs are read and merged on another goroutine, a batch of entries at a time,
	// while this one puts the batch before (the import's other core is idle by now).
	type entry struct{ index, key, val []byte }
	batches, stop := make(chan []entry, 2), make(chan struct{})
	var merr error // the merge's error, read once batches is closed
	defer close(stop)
	go func() {
		defer close(batches)
		// head is the reader with the smallest entry (a few runs: a scan is enough).
		head := func() *runReader {
			var m *runReader
			for _, r := range readers {
				if r.ok && (m == nil || r.less(m)) {
					m = r
				}
			}
			return m
		}
		for {
			batch := make([]entry, 0, 4096)
			for r := head(); r != nil && len(batch) < cap(batch); r = head() {
				batch = append(batch, entry{r.index, r.key, r.val})
				if r.next(); r.err != nil {
					merr = r.err
					return
				}
			}
			if len(batch) == 0 {
				return
			}
			select {
			case batches <- batch:
			case <-stop:
				return
			}
		}
	}()
	var batch []entry
	for {
		more := false
		err := db.Update(func(t *Tx) error {
			var bk recBucket
			var cur []byte // the index bk is
			written := 0
			for {
				if len(batch) == 0 {
					var ok bool
					if batch, ok = <-batches; !ok {
						return merr
					}
				}
				e := batch[0]
				if written >= perTx {
					more = true
					return nil
				}
				if bk.Bucket == nil || !bytes.Equal(cur, e.index) {
					cur = append(cur[:0], e.index...)
					bk = t.index(string(cur))
					if k, _ := bk.Cursor().First(); k == nil || bytes.Compare(e.key, k) > 0 {
						bk.FillPercent = 0.9 // appending past the last key: fill the pages
					}
				}
				if b.drop == nil || !b.drop[string(cur)+"\x00"+string(e.key)] {
					if err := bk.Put(e.key, e.val); err != nil {
						return err
					}
					written++
				}
				batch = batch[1:]
			}
		})
		if err != nil || !more {
			return err
		}
	}
}
