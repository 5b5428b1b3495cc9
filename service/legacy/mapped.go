package legacy

import (
	"bufio"
	"bytes"
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
	// TempDir is where a file in Windows-1252 is decoded to (decode1252); "" is the
	// system's. Set it before the stream starts.
	TempDir string
	data    []byte
	mapped  bool
	// What the first pass (scan) found: the file's sha256, and whether its lines are
	// within MaxLine and its bytes valid UTF-8.
	scanned bool
	sum     string
	linesOK bool
	utf8OK  bool
}

// scanWindow is how much of the file a pass reads before giving it back;
// releaseBack, how far before what it gives back it gives back again.
const (
	scanWindow  = 4 << 20
	releaseBack = 4 << 20
)

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
	m.windows(func(w []byte) bool {
		h.Write(w)
		if m.linesOK {
			m.linesOK = lines.feed(w)
		}
		if m.utf8OK {
			m.utf8OK = utf8.Valid(w)
		}
		return true
	})
	m.sum = hex.EncodeToString(h.Sum(nil))
}

// windows calls fn on the file a window at a time, each ending after a line end (a
// UTF-8 sequence never spans one), and gives back the window's pages after it; fn
// returns false to stop.
func (m *MappedFile) windows(fn func(w []byte) bool) {
	data := m.data
	for lo := 0; lo < len(data); {
		hi := min(lo+scanWindow, len(data))
		if hi < len(data) {
			for hi > lo && data[hi-1] != '\n' {
				hi--
			}
			if hi == lo { // a line longer than the window: up to its end
				hi = min(lo+scanWindow, len(data))
				for hi < len(data) && data[hi-1] != '\n' {
					hi++
				}
			}
		}
		ok := fn(data[lo:hi])
		m.release(lo, hi)
		if !ok {
			return
		}
		lo = hi
	}
}

// decode1252 decodes a file in Windows-1252 (see decodeText) a window at a time into
// an unlinked temporary file in TempDir, mapped in its place: the decoded text is not
// held in memory either (issue 14.3). Nil when the file is not one decodeText would
// decode, or the temporary file fails: then the text is decoded into memory, and
// decodeText says what is wrong with it.
func (m *MappedFile) decode1252() *MappedFile {
	if m == nil || !m.mapped || !m.linesOK || m.utf8OK || bytes.HasPrefix(m.data, []byte{0xEF, 0xBB, 0xBF}) {
		return nil
	}
	f, err := os.CreateTemp(m.TempDir, ".vivipass-import-*.csv")
	if err != nil {
		return nil
	}
	os.Remove(f.Name()) // gone with the process, whatever happens
	defer f.Close()
	out := bufio.NewWriterSize(f, 1<<20)
	ok := true
	m.windows(func(w []byte) bool {
		if hasUTF8Multibyte(w) || undefined1252(w) {
			ok = false // mixed or undefined: decodeText's error
			return false
		}
		_, err := out.WriteString(decode1252(w))
		ok = err == nil
		return ok
	})
	if !ok || out.Flush() != nil {
		return nil
	}
	d, err := MapFile(f)
	if err != nil || !d.mapped {
		return nil
	}
	d.scanned, d.linesOK, d.utf8OK, d.sum = true, true, true, m.sum
	return d
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
	// From a little before lo: a fault maps the whole folio it falls in (up to 2 MiB
	// of a file just written), pages before lo given back already among them.
	lo = max(lo-releaseBack, 0) &^ (page - 1)
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

// undefined1252 reports whether w has a byte Windows-1252 does not define.
func undefined1252(w []byte) bool {
	for _, c := range w {
		switch c {
		case 0x81, 0x8D, 0x8F, 0x90, 0x9D:
			return true
		}
	}
	return false
}
