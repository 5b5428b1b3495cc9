package legacy

import (
	"fmt"
	"hash/maphash"
	"runtime"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"

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
	// mapped: the file, when its pages are given back as they are read; the text
	// starts at base in it (-1: the text is a decoded copy). released: text before it
	// has been given back.
	mapped         *MappedFile
	base, released int
	// owned: the text decoded into a mapped temporary file, unmapped by Release.
	owned *MappedFile
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
	return newStream(data, today, nil)
}

// NewStreamMapped is NewStream on a mapped file: the pages of the file it has read
// are given back as it goes (issue 14.3), and the file must stay mapped until the last
// Next. A file in UTF-8 is read in place; another encoding is decoded into memory
// (and the map is then no longer read).
func NewStreamMapped(m *MappedFile, today domain.Date) (*Stream, error) {
	return newStream(m.Bytes(), today, m)
}

func newStream(data []byte, today domain.Date, m *MappedFile) (s *Stream, err error) {
	if today.IsZero() {
		return nil, fmt.Errorf("legacy.Parse: data odierna mancante")
	}
	if msg := sniffBinary(data); msg != "" {
		return nil, &FileError{msg}
	}
	var text, enc string
	if m != nil {
		m.scan() // one pass, a window at a time: the lines, UTF-8, the sha256
	}
	var owned *MappedFile
	if m != nil && m.linesOK && m.utf8OK {
		text, enc = viewUTF8(data)
	} else if d := m.decode1252(); d != nil {
		// Windows-1252, decoded into a mapped temporary file: read from there.
		owned, m, data = d, d, d.Bytes()
		text, enc = unsafe.String(unsafe.SliceData(data), len(data)), Encoding1252
	} else {
		if err := checkLines(data); err != nil {
			return nil, err
		}
		if text, enc, err = decodeText(data); err != nil {
			return nil, err
		}
	}
	if owned != nil {
		defer func() {
			if s == nil {
				owned.Close() // refused: nothing reads it
			}
		}()
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
	s = &Stream{text: text, sep: splitSep, today: today, seed: maphash.MakeSeed(), row: 1, owned: owned}
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
	s.cross = crossState{at: s.reread}
	if m != nil {
		s.mapped = m
		s.base = -1
		if len(text) > 0 && len(data) > 0 {
			t, d := uintptr(unsafe.Pointer(unsafe.StringData(text))), uintptr(unsafe.Pointer(&data[0]))
			if t >= d && t+uintptr(len(text)) <= d+uintptr(len(data)) {
				s.base = int(t - d) // the text is the file's bytes, from base
			}
		}
		if s.base < 0 {
			m.release(0, len(data)) // decoded into memory: the map is not read again
		}
	}
	return s, nil
}

// giveBack gives back the pages of the mapped file before text position pos: the
// records there have been read (their rows hold copies).
func (s *Stream) giveBack(pos int) {
	s.releaseText(s.released, pos)
	s.released = max(s.released, pos)
}

// releaseText gives back the pages of text[lo:hi] when they are the mapped file's.
func (s *Stream) releaseText(lo, hi int) {
	if s.mapped != nil && s.base >= 0 && hi > lo {
		s.mapped.release(s.base+lo, s.base+hi)
	}
}

// Release lets go of the file and of what the checks between rows keep, at the end:
// Next then gives nil.
func (s *Stream) Release() {
	s.giveBack(len(s.text))
	s.text, s.pos, s.cross, s.vals, s.mapped, s.hdr = "", 0, crossState{}, nil, nil, nil
	if s.owned != nil {
		s.owned.Close() // the rows hold copies: nothing reads it any more
		s.owned = nil
	}
}

// span is the next record, as splitRecords finds it.
func (s *Stream) span() span {
	sp := s.spanAt(s.pos, s.row)
	s.pos, s.row = sp.end+1, s.row+1
	return sp
}

// reread reads again the record at text position off, on spreadsheet row line (the
// checks between rows compare and name an earlier row with it).
func (s *Stream) reread(off int, line int32, r *Row, in *rowInfo) {
	sp := s.spanAt(off, int(line))
	s.vals[0].record(s.text, sp, r, in)
	// The system maps up to 64 KiB around a page read again: give those back too,
	// or a long file would keep a little more of itself at every duplicate.
	const around = 64 << 10
	s.releaseText(max(sp.start-around, 0), min(sp.end+around, s.released))
}

// spanAt is the record that starts at pos, on spreadsheet row row.
func (s *Stream) spanAt(pos, row int) span {
	text := s.text
	nl := strings.IndexByte(text[pos:], '\n')
	end := len(text)
	if nl >= 0 {
		end = pos + nl
	}
	sp := span{start: pos, end: end, row: row}
	if strings.IndexByte(text[pos:end], '"') >= 0 {
		sp.quoted = true
		if e, ok := endOfRecord(text, pos, s.sep); ok {
			sp.end = e
		} else {
			sp.unclosed = true
		}
	}
	return sp
}

// Remaining counts the records not read yet, blank ones included, without checking
// them: the size of the import before it starts.
func (s *Stream) Remaining() int {
	pos, row := s.pos, s.row
	n, from := 0, pos
	for s.pos < len(s.text) {
		s.span()
		n++
		if s.pos-from >= scanWindow {
			s.releaseText(from, s.pos)
			from = s.pos
		}
	}
	s.releaseText(from, len(s.text))
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

	starts := make([]int, len(spans))
	for i := range spans {
		starts[i] = spans[i].start
	}
	s.cross.check(rows, infos, starts)
	s.giveBack(s.pos) // the rows hold copies of their values

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
// row of each comune + numero_pass and of each codice fiscale with an active pass, as
// where its record starts in the text (issue 14.3: 16 bytes a row, and ~14 in each
// table; a region of 480,000 rows in ~20 MB). Its values are read again from the
// text when a later row's hash matches it: to tell a duplicate from another key with
// the same hash, and to name it in the message.
type crossState struct {
	byNumber, activeByCF IndexTable // hash → index in seen
	seen                 []seenRow
	// at reads the record of an earlier row again (Stream.reread); prev is the last
	// one read, seen[prevAt].
	at      func(off int, line int32, r *Row, in *rowInfo)
	prev    Row
	prevIn  rowInfo
	prevAt  int32
	hasPrev bool
}

// seenRow is an earlier row as its later duplicates name it.
type seenRow struct {
	off  int64 // where its record starts in the text
	line int32
}

func (c *crossState) add(r *Row, start int) int32 {
	c.seen = append(c.seen, seenRow{off: int64(start), line: int32(r.Line)})
	return int32(len(c.seen) - 1)
}

// earlier is the row seen[j], read again.
func (c *crossState) earlier(j int32) (*Row, *rowInfo) {
	if !c.hasPrev || c.prevAt != j {
		c.prev, c.prevIn = Row{}, rowInfo{}
		c.at(int(c.seen[j].off), c.seen[j].line, &c.prev, &c.prevIn)
		c.prevAt, c.hasPrev = j, true
	}
	return &c.prev, &c.prevIn
}

// sameNumber: seen[j] has r's comune and numero_pass.
func (c *crossState) sameNumber(j int32, r *Row) bool {
	p, _ := c.earlier(j)
	return p.Number == r.Number && p.Person.ComuneResidenza == r.Person.ComuneResidenza
}

// sameCF: seen[j] has r's codice fiscale.
func (c *crossState) sameCF(j int32, r *Row) bool {
	p, _ := c.earlier(j)
	return p.Person.CodiceFiscale == r.Person.CodiceFiscale
}

// clip bounds a value named in a message (a field is at most MaxField long anyway).
func clip(s string) string { return s[:min(len(s), 1<<16-1)] }

// check applies the checks between rows to the next rows of the file, in file order,
// so that the error lands on the later row and names the earlier one: a numero_pass
// used twice in the same comune (the same codice fiscale too: a duplicated row), and
// two active passes for one codice fiscale (P5).
func (c *crossState) check(rows []Row, infos []rowInfo, starts []int) {
	for i := range infos {
		in := &infos[i]
		if in.blank {
			continue
		}
		r := &rows[i]
		self := int32(-1) // this row in seen, once added
		dupRow := int32(-1)
		if in.numberOK {
			if j, seen := c.byNumber.Find(in.numberHash, func(j int32) bool { return c.sameNumber(j, r) }); seen {
				other, oin := c.earlier(j)
				if in.cfOK && oin.cfOK && other.Person.CodiceFiscale == r.Person.CodiceFiscale {
					dupRow = j
					in.add(r.Line, colNumero, fmt.Sprintf("riga duplicata della riga %d: stesso numero_pass %s e stesso codice fiscale", other.Line, r.Number))
				} else {
					in.add(r.Line, colNumero, fmt.Sprintf("il numero_pass %s è già usato alla riga %d per un altro titolare (%s): nello stesso comune ogni contrassegno ha un numero diverso",
						r.Number, other.Line, clip(other.Person.CodiceFiscale)))
				}
			} else {
				self = c.add(r, starts[i])
				c.byNumber.Put(in.numberHash, self)
			}
		}
		if in.cfOK && in.active {
			if j, seen := c.activeByCF.Find(in.cfHash, func(j int32) bool { return c.sameCF(j, r) }); seen {
				if j != dupRow {
					other, _ := c.earlier(j)
					in.add(r.Line, colCF, fmt.Sprintf("il codice fiscale %s ha già un contrassegno attivo alla riga %d (numero %s): una persona può avere un solo contrassegno attivo; indicare SCADUTO o REVOCATO per quello non più valido",
						r.Person.CodiceFiscale, other.Line, clip(other.Number)))
				}
			} else {
				if self < 0 {
					self = c.add(r, starts[i])
				}
				c.activeByCF.Put(in.cfHash, self)
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
// file (issue 14.3): open addressing over one slice of slot numbers, the entries in
// another (32 bits of the key's 64-bit hash, where the key starts, its value) and the
// keys packed in one buffer, each ending where the next starts. No Go map, no string,
// nothing for the collector to scan: ~20 bytes a key besides the key itself. Keys
// with the same hash are told apart by comparing them.
type KeyTable struct {
	seed  maphash.Seed
	slots []uint32 // 1 + index in ents; 0: empty
	ents  []keyEnt
	strs  []byte
}

type keyEnt struct {
	tag, off uint32 // tag: the hash's high 32 bits, which also place it in slots
	val      int32
}

// NewKeyTable starts an empty table.
func NewKeyTable() *KeyTable { return newKeyTable(maphash.MakeSeed()) }

func newKeyTable(seed maphash.Seed) *KeyTable { return &KeyTable{seed: seed} }

// Len is the number of keys.
func (t *KeyTable) Len() int { return len(t.ents) }

// Get gives the value of key.
func (t *KeyTable) Get(key []byte) (int32, bool) { return t.getHash(maphash.Bytes(t.seed, key), key) }

// Put sets the value of key, which must not be in the table yet (Get said so).
func (t *KeyTable) Put(key []byte, val int32) { t.putHash(maphash.Bytes(t.seed, key), key, val) }

func (t *KeyTable) key(i uint32) []byte {
	end := uint32(len(t.strs))
	if int(i)+1 < len(t.ents) {
		end = t.ents[i+1].off
	}
	return t.strs[t.ents[i].off:end]
}

func (t *KeyTable) getHash(h uint64, key []byte) (int32, bool) {
	if len(t.slots) == 0 {
		return 0, false
	}
	tag := uint32(h >> 32)
	mask := uint32(len(t.slots) - 1)
	for i := tag & mask; ; i = (i + 1) & mask {
		s := t.slots[i]
		if s == 0 {
			return 0, false
		}
		if e := &t.ents[s-1]; e.tag == tag && string(t.key(s-1)) == string(key) {
			return e.val, true
		}
	}
}

func (t *KeyTable) putHash(h uint64, key []byte, val int32) {
	if 4*(len(t.ents)+1) > 3*len(t.slots) { // at most 3/4 full
		t.grow()
	}
	tag := uint32(h >> 32)
	t.ents = append(t.ents, keyEnt{tag: tag, off: uint32(len(t.strs)), val: val})
	t.strs = append(t.strs, key...)
	t.place(tag, uint32(len(t.ents)))
}

func (t *KeyTable) place(tag, slot uint32) {
	mask := uint32(len(t.slots) - 1)
	i := tag & mask
	for t.slots[i] != 0 {
		i = (i + 1) & mask
	}
	t.slots[i] = slot
}

func (t *KeyTable) grow() {
	t.slots = make([]uint32, max(2*len(t.slots), 64))
	for i := range t.ents {
		t.place(t.ents[i].tag, uint32(i+1))
	}
}
