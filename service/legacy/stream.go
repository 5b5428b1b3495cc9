package legacy

import (
	"fmt"
	"hash/maphash"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"vivipass/domain"
)

// Stream reads an import file a chunk of records at a time (issue 14.3): the rows of a
// region-sized file are never all in memory, only the rows of the chunk being checked
// and, for the checks between rows, a compact record of the rows that came first
// (their key, line, number and codice fiscale). Chunks give exactly what Parse gives
// for the same rows, in file order: Parse is a Stream read in one chunk.
type Stream struct {
	Separator rune
	Encoding  string
	Columns   []string // the header's columns in file order, normalised names
	Records   int      // data rows read so far, blank rows excluded
	// Workers is the number of goroutines checking the records of a chunk (default:
	// the CPUs, at most 4).
	Workers int

	text  string
	sep   byte
	hdr   *header
	today domain.Date
	seed  maphash.Seed
	pos   int // where the next record starts
	row   int // its spreadsheet row
	vals  []*validator
	cross crossState
}

// Chunk is the outcome of the next records of a Stream.
type Chunk struct {
	Rows    []Row      // the valid rows, in file order
	Errors  []RowError // every problem of the chunk's rows (against earlier rows too), by row
	Records int        // data rows, blank rows excluded
}

// NewStream reads the header of an import file (see Parse); the records are read by
// Next. data must not change until the last Next.
func NewStream(data []byte, today domain.Date) (*Stream, error) {
	if today.IsZero() {
		return nil, fmt.Errorf("legacy.Parse: data odierna mancante")
	}
	if msg := sniffBinary(data); msg != "" {
		return nil, &FileError{msg}
	}
	if err := checkLines(data); err != nil {
		return nil, err
	}
	text, enc, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(text) == "" {
		return nil, fileErrorf("il file è vuoto")
	}
	if strings.IndexByte(text, '\n') < 0 && strings.IndexByte(text, '\r') >= 0 {
		text = strings.ReplaceAll(text, "\r", "\n") // CR line ends only (old Mac)
	}
	// Excel writes, and reads, a first line "sep=;" naming the separator; it does not
	// show it as a row, so neither do we.
	forced, text := excelSepLine(text)
	if forced == 1 {
		return nil, errSepLine()
	}
	hdrStart, hdrLine, ok := findHeaderLine(text)
	if !ok {
		return nil, fileErrorf("il file non contiene dati: manca anche la riga di intestazione con i nomi delle colonne")
	}
	sep := detectSeparator(hdrLine)
	if forced != 0 {
		sep = forced
	}
	splitSep := sep
	if splitSep == 0 {
		splitSep = ';'
	}
	// The record holding the header line (one starts there unless a stray quote above
	// swallowed it).
	s := &Stream{text: text, sep: splitSep, today: today, seed: maphash.MakeSeed(), row: 1}
	h := s.span()
	for h.end < hdrStart {
		h = s.span()
	}
	hdrFields := splitFields(nil, text[h.start:h.end], splitSep, h.quoted, h.unclosed)
	hdr, err := readHeader(hdrFields, sep, hdrLine)
	if err != nil {
		return nil, err
	}
	s.hdr, s.Separator, s.Encoding = hdr, rune(splitSep), enc
	s.Columns = make([]string, len(hdr.names))
	for i, n := range hdr.names {
		s.Columns[i] = strings.Clone(n) // not a view of the caller's data
	}
	s.Workers = min(runtime.GOMAXPROCS(0), 4)
	s.cross = crossState{byNumber: newKeyTable(s.seed), activeByCF: newKeyTable(s.seed)}
	return s, nil
}

// Release lets go of the file and of what the checks between rows keep, at the end:
// Next then gives nil.
func (s *Stream) Release() {
	s.text, s.pos, s.cross, s.vals = "", 0, crossState{}, nil
}

// span is the next record, as splitRecords finds it.
func (s *Stream) span() span {
	text, pos := s.text, s.pos
	nl := strings.IndexByte(text[pos:], '\n')
	end := len(text)
	if nl >= 0 {
		end = pos + nl
	}
	sp := span{start: pos, end: end, row: s.row}
	if strings.IndexByte(text[pos:end], '"') >= 0 {
		sp.quoted = true
		if e, ok := endOfRecord(text, pos, s.sep); ok {
			sp.end = e
		} else {
			sp.unclosed = true
		}
	}
	s.pos, s.row = sp.end+1, s.row+1
	return sp
}

// Remaining counts the records not read yet, blank ones included, without checking
// them: the size of the import before it starts.
func (s *Stream) Remaining() int {
	pos, row := s.pos, s.row
	n := 0
	for s.pos < len(s.text) {
		s.span()
		n++
	}
	s.pos, s.row = pos, row
	return n
}

// Next checks up to n records (n <= 0: all the rest); nil at the end of the file.
func (s *Stream) Next(n int) *Chunk {
	var spans []span
	for s.pos < len(s.text) && (n <= 0 || len(spans) < n) {
		spans = append(spans, s.span())
	}
	if len(spans) == 0 {
		return nil
	}
	rows := make([]Row, len(spans))
	infos := make([]rowInfo, len(spans))
	validate := func(v *validator, from, to int) {
		for i := from; i < to; i++ {
			v.record(s.text, spans[i], &rows[i], &infos[i])
		}
	}
	const chunk = 512
	workers := max(s.Workers, 1)
	if len(spans) < 4*chunk {
		workers = 1
	}
	for len(s.vals) < workers {
		s.vals = append(s.vals, newValidator(s.hdr, s.sep, s.today, s.seed))
	}
	if workers == 1 {
		validate(s.vals[0], 0, len(spans))
	} else {
		var next atomic.Int64
		var wg sync.WaitGroup
		for w := range workers {
			v := s.vals[w]
			wg.Go(func() {
				for {
					lo := int(next.Add(chunk)) - chunk
					if lo >= len(spans) {
						return
					}
					validate(v, lo, min(lo+chunk, len(spans)))
				}
			})
		}
		wg.Wait()
	}

	s.cross.check(rows, infos)

	// Keep the valid rows in place (no second copy of the slice) and gather the errors
	// in row order.
	c := &Chunk{}
	kept, nerr := 0, 0
	for i := range infos {
		nerr += len(infos[i].errs)
	}
	c.Errors = make([]RowError, 0, nerr)
	for i := range rows {
		in := &infos[i]
		if in.blank {
			continue
		}
		c.Records++
		if len(in.errs) > 0 {
			c.Errors = append(c.Errors, in.errs...)
			continue
		}
		if kept != i {
			rows[kept] = rows[i]
		}
		kept++
	}
	clear(rows[kept:])
	c.Rows = rows[:kept:kept]
	s.Records += c.Records
	return c
}

// crossState is what the checks between rows keep of the rows read so far: the first
// row of each comune + numero_pass and of each codice fiscale with an active pass,
// packed (a region of 480,000 rows in a few tens of MB).
type crossState struct {
	byNumber, activeByCF *KeyTable // key → index in seen
	seen                 []seenRow
	strs                 []byte // the numbers and codici fiscali of seen
	key                  []byte // scratch
}

// seenRow is an earlier row as its later duplicates name it.
type seenRow struct {
	line         int32
	off          uint32 // number, then codice fiscale, in strs
	nNumber, nCF uint16
	cfOK         bool
}

func (c *crossState) add(r *Row, in *rowInfo) int32 {
	n, cf := clip(r.Number), clip(r.Person.CodiceFiscale)
	c.seen = append(c.seen, seenRow{line: int32(r.Line), off: uint32(len(c.strs)), nNumber: uint16(len(n)), nCF: uint16(len(cf)), cfOK: in.cfOK})
	c.strs = append(append(c.strs, n...), cf...)
	return int32(len(c.seen) - 1)
}

// clip bounds what is kept of a value (a field is at most MaxField long anyway).
func clip(s string) string { return s[:min(len(s), 1<<16-1)] }

func (c *crossState) number(j int32) string {
	e := c.seen[j]
	return string(c.strs[e.off : e.off+uint32(e.nNumber)])
}

func (c *crossState) cf(j int32) string {
	e := c.seen[j]
	start := e.off + uint32(e.nNumber)
	return string(c.strs[start : start+uint32(e.nCF)])
}

// check applies the checks between rows to the next rows of the file, in file order,
// so that the error lands on the later row and names the earlier one: a numero_pass
// used twice in the same comune (the same codice fiscale too: a duplicated row), and
// two active passes for one codice fiscale (P5).
func (c *crossState) check(rows []Row, infos []rowInfo) {
	for i := range infos {
		in := &infos[i]
		if in.blank {
			continue
		}
		r := &rows[i]
		self := int32(-1) // this row in seen, once added
		dupRow := int32(-1)
		if in.numberOK {
			c.key = append(append(append(c.key[:0], r.Person.ComuneResidenza...), 0), r.Number...)
			if j, seen := c.byNumber.getHash(in.numberHash, c.key); seen {
				other := c.seen[j]
				if in.cfOK && other.cfOK && c.cf(j) == r.Person.CodiceFiscale {
					dupRow = j
					in.add(r.Line, colNumero, fmt.Sprintf("riga duplicata della riga %d: stesso numero_pass %s e stesso codice fiscale", other.line, r.Number))
				} else {
					in.add(r.Line, colNumero, fmt.Sprintf("il numero_pass %s è già usato alla riga %d per un altro titolare (%s): nello stesso comune ogni contrassegno ha un numero diverso",
						r.Number, other.line, c.cf(j)))
				}
			} else {
				self = c.add(r, in)
				c.byNumber.putHash(in.numberHash, c.key, self)
			}
		}
		if in.cfOK && in.active {
			c.key = append(c.key[:0], r.Person.CodiceFiscale...)
			if j, seen := c.activeByCF.getHash(in.cfHash, c.key); seen {
				if j != dupRow {
					in.add(r.Line, colCF, fmt.Sprintf("il codice fiscale %s ha già un contrassegno attivo alla riga %d (numero %s): una persona può avere un solo contrassegno attivo; indicare SCADUTO o REVOCATO per quello non più valido",
						r.Person.CodiceFiscale, c.seen[j].line, c.number(j)))
				}
			} else {
				if self < 0 {
					self = c.add(r, in)
				}
				c.activeByCF.putHash(in.cfHash, c.key, self)
			}
		}
	}
	// The cross errors were appended after the row's own; keep each row's errors in
	// column order so that the report reads left to right.
	for i := range infos {
		if len(infos[i].errs) > 1 {
			errs := infos[i].errs
			sort.SliceStable(errs, func(a, b int) bool { return columnOrder(errs[a].Column) < columnOrder(errs[b].Column) })
		}
	}
}

// KeyTable maps keys to int32 values in little memory, for sets as big as a region
// file (issue 14.3): a 64-bit hash of the key maps to its entry, the keys are packed in
// one buffer (no string, nothing for the collector to scan), and a key whose hash an
// earlier, different key has (practically never) goes to an exact map.
type KeyTable struct {
	seed   maphash.Seed
	byHash map[uint64]int32 // hash → index in ents
	more   map[string]int32
	ents   []keyEnt
	strs   []byte
}

type keyEnt struct {
	off, n uint32
	val    int32
}

// NewKeyTable starts an empty table.
func NewKeyTable() *KeyTable { return newKeyTable(maphash.MakeSeed()) }

func newKeyTable(seed maphash.Seed) *KeyTable {
	return &KeyTable{seed: seed, byHash: map[uint64]int32{}}
}

// Len is the number of keys.
func (t *KeyTable) Len() int { return len(t.ents) + len(t.more) }

// Get gives the value of key.
func (t *KeyTable) Get(key []byte) (int32, bool) { return t.getHash(maphash.Bytes(t.seed, key), key) }

// Put sets the value of key, which must not be in the table yet (Get said so).
func (t *KeyTable) Put(key []byte, val int32) { t.putHash(maphash.Bytes(t.seed, key), key, val) }

func (t *KeyTable) getHash(h uint64, key []byte) (int32, bool) {
	if i, ok := t.byHash[h]; ok {
		e := t.ents[i]
		if string(t.strs[e.off:e.off+e.n]) == string(key) {
			return e.val, true
		}
		v, ok := t.more[string(key)]
		return v, ok
	}
	return 0, false
}

func (t *KeyTable) putHash(h uint64, key []byte, val int32) {
	if _, taken := t.byHash[h]; taken {
		if t.more == nil {
			t.more = map[string]int32{}
		}
		t.more[string(key)] = val
		return
	}
	t.byHash[h] = int32(len(t.ents))
	t.ents = append(t.ents, keyEnt{off: uint32(len(t.strs)), n: uint32(len(key)), val: val})
	t.strs = append(t.strs, key...)
}
