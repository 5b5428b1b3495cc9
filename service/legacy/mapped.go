package legacy

import (
	"crypto/sha256"
	"encoding/hex"
	"os"
	"unicode/utf8"
)

// MappedFile is an import file read through a read-only map of it, not copied into
// memory (issue 14.3: a region file of 480,000 rows is ~95 MB). Its pages are the
// file's, unchanged: the passes over it give back, as they go, the pages they have
// read (the next read maps them again from the page cache), so the process's memory
// holds a window of the file, not all of it. Where a map is not at hand the file is
// read whole.
type MappedFile struct {
	data   []byte
	mapped bool
	// What the first pass (scan) found: the file's sha256, and whether its lines are
	// within MaxLine and its bytes valid UTF-8.
	scanned bool
	sum     string
	linesOK bool
	utf8OK  bool
}

// scanWindow is how much of the file a pass reads before giving it back.
const scanWindow = 4 << 20

// Bytes is the file's content; it must not be used after Close.
func (m *MappedFile) Bytes() []byte { return m.data }

// SHA256 is the hex sha256 of the file (as the audit entry names it).
func (m *MappedFile) SHA256() string {
	m.scan()
	return m.sum
}

// scan reads the file once, a window at a time, for what needs all of it: the sha256,
// the line lengths and the UTF-8 validity.
func (m *MappedFile) scan() {
	if m.scanned {
		return
	}
	m.scanned = true
	h := sha256.New()
	var lines lineCounter
	m.linesOK, m.utf8OK = true, true
	data := m.data
	for lo := 0; lo < len(data); {
		hi := min(lo+scanWindow, len(data))
		if hi < len(data) {
			// End the window after a line end: a UTF-8 sequence never spans one.
			for hi > lo && data[hi-1] != '\n' {
				hi--
			}
			if hi == lo {
				hi = min(lo+scanWindow, len(data))
				for hi < len(data) && data[hi-1] != '\n' {
					hi++
				}
			}
		}
		w := data[lo:hi]
		h.Write(w)
		if m.linesOK {
			m.linesOK = lines.feed(w)
		}
		if m.utf8OK {
			m.utf8OK = utf8.Valid(w)
		}
		m.release(lo, hi)
		lo = hi
	}
	m.sum = hex.EncodeToString(h.Sum(nil))
}

// MapFile maps f (a regular file) read-only; the caller closes f whenever it likes,
// and m with Close once nothing reads its bytes any more.
func MapFile(f *os.File) (*MappedFile, error) {
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if fi.Size() > 0 && fi.Mode().IsRegular() && int64(int(fi.Size())) == fi.Size() {
		if data, err := mapReadOnly(f, int(fi.Size())); err == nil {
			return &MappedFile{data: data, mapped: true}, nil
		}
	}
	data, err := readAll(f)
	if err != nil {
		return nil, err
	}
	return &MappedFile{data: data}, nil
}

// release gives back the whole pages of data[lo:hi] (a no-op for a file read whole).
func (m *MappedFile) release(lo, hi int) {
	if !m.mapped {
		return
	}
	const page = 4096
	lo &^= page - 1 // the page's rest was read too, or is read again from the page cache
	if hi < len(m.data) {
		hi &^= page - 1
	} else {
		hi = len(m.data)
	}
	if hi > lo {
		dontNeed(m.data[lo:hi])
	}
}

// Close unmaps the file: its bytes, and the strings made on them, are gone.
func (m *MappedFile) Close() error {
	if !m.mapped || m.data == nil {
		m.data = nil
		return nil
	}
	data := m.data
	m.data = nil
	return unmap(data)
}
