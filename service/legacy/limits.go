package legacy

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"
)

// Bounds of an import file (issue 12.9). A file made from the template has lines of a
// few hundred characters and 35 columns; a file past these bounds is not one, and is
// refused as soon as the bound is passed instead of being split, decoded and checked
// for seconds or minutes (a 50 MB line without separators, a header of a million
// columns).
const (
	MaxLine    = 64 << 10 // bytes in one line of text, without its line end
	MaxColumns = 200      // named columns in the header
	MaxField   = 4 << 10  // characters in one value
)

// lineCounter follows the lines of a file read in pieces: line ends are LF, CRLF or a
// CR alone (old Mac files), as for the reader of Parse.
type lineCounter struct {
	line   int  // the line being read, 1-based
	length int  // its bytes so far
	cr     bool // the last byte was a CR: an LF right after it ends no other line
}

// feed reads b; false when the current line grows past MaxLine (l.line is that line).
func (l *lineCounter) feed(b []byte) bool {
	if l.line == 0 {
		l.line = 1
	}
	for len(b) > 0 {
		if l.cr && b[0] == '\n' {
			b, l.cr = b[1:], false
			continue
		}
		l.cr = false
		seg := b
		if i := bytes.IndexByte(seg, '\n'); i >= 0 {
			seg = seg[:i]
		}
		if i := bytes.IndexByte(seg, '\r'); i >= 0 {
			seg = seg[:i]
		}
		if l.length+len(seg) > MaxLine {
			l.length += len(seg)
			return false
		}
		if len(seg) == len(b) { // the line goes on in the next piece
			l.length += len(seg)
			return true
		}
		l.cr = b[len(seg)] == '\r'
		l.line++
		l.length = 0
		b = b[len(seg)+1:]
	}
	return true
}

func longLineError(line int) error {
	return fileErrorf("la riga %d del file è più lunga di %d KB senza andare a capo: un file del modello ha righe di poche centinaia di caratteri, quindi questo non è il file giusto o non è un CSV; controllare il file scelto e salvare il foglio come «CSV» con separatore ; (modello: vivipass template-csv)", line, MaxLine>>10)
}

func tooManyColumnsError(n int) error {
	return fileErrorf("l'intestazione ha %d colonne, più delle %d ammesse (il modello ne ha %d): non è un file del modello; controllare il file scelto e usare le colonne del modello (vivipass template-csv)", n, MaxColumns, int(numCols))
}

// checkLines refuses data with a line longer than MaxLine; sniffed binary files are
// named as what they are.
func checkLines(data []byte) error {
	var l lineCounter
	if !l.feed(data) {
		if msg := sniffBinary(data); msg != "" {
			return &FileError{msg}
		}
		return longLineError(l.line)
	}
	return nil
}

// Guard reads an import file from r and fails, with a *FileError in Italian, as soon as
// the file passes a bound that Parse would refuse it for: a line longer than MaxLine,
// and, as soon as the header line has been read, a header Parse refuses (too many
// columns, unknown or missing columns, not a CSV). So a wrong or hostile file is read
// only up to its first line end, or MaxLine bytes, not to its end. A file it lets
// through is checked fully by Parse, which applies the same bounds.
func Guard(r io.Reader) io.Reader { return &guard{r: r} }

type guard struct {
	r       io.Reader
	lines   lineCounter
	head    []byte // the file so far, until the header has been checked
	from    int    // head[from:] has not been searched for line ends yet
	lineAt  int    // where the line being read starts in head
	checked bool
	err     error
}

// maxHead bounds what the guard keeps while looking for the header (blank lines first).
const maxHead = 1 << 20

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	n, err := g.r.Read(p)
	b := p[:n]
	if !g.checked {
		g.head = append(g.head, b...)
	}
	if !g.lines.feed(b) {
		msg := ""
		if !g.checked {
			msg = sniffBinary(g.head)
		}
		g.err, g.head = longLineError(g.lines.line), nil
		if msg != "" {
			g.err = &FileError{msg}
		}
		return n, g.err
	}
	if !g.checked {
		g.findHeader()
		if g.err != nil {
			return n, g.err
		}
	}
	return n, err
}

// findHeader checks the header as soon as its line has ended.
func (g *guard) findHeader() {
	for {
		i := bytes.IndexByte(g.head[g.from:], '\n')
		if i < 0 {
			g.from = len(g.head)
			break
		}
		end := g.from + i
		line := g.head[g.lineAt:end]
		g.from, g.lineAt = end+1, end+1
		if len(bytes.Trim(line, " \t;,\"\r\xef\xbb\xbf")) == 0 {
			continue // blank: the header comes later
		}
		done, err := earlyHeader(g.head[:end+1])
		if done {
			g.checked, g.err, g.head = true, err, nil
			return
		}
	}
	if len(g.head) > maxHead { // only blank lines so far: Parse decides
		g.checked, g.head = true, nil
	}
}

// earlyHeader checks the header of a file whose beginning is prefix (ending with a line
// end) as Parse would: done is false while prefix holds only the "sep=" line. A header
// that is not plain ASCII, or holds quotes, is left to Parse (done, no error): its
// reading depends on the whole file's encoding.
func earlyHeader(prefix []byte) (done bool, err error) {
	if msg := sniffBinary(prefix); msg != "" {
		return true, &FileError{msg}
	}
	b := bytes.TrimPrefix(prefix, []byte{0xEF, 0xBB, 0xBF})
	for _, c := range b {
		if c >= utf8.RuneSelf || c == '"' || c == 0 {
			return true, nil
		}
	}
	text := string(b)
	if strings.IndexByte(text, '\n') < 0 {
		return false, nil
	}
	forced, text := excelSepLine(text)
	if forced == 1 {
		return true, errSepLine()
	}
	_, line, ok := findHeaderLine(text)
	if !ok {
		return false, nil
	}
	sep := detectSeparator(line)
	if forced != 0 {
		sep = forced
	}
	splitSep := sep
	if splitSep == 0 {
		splitSep = ';'
	}
	_, err = readHeader(splitFields(nil, line, splitSep, false, false), sep, line)
	return true, err
}

func errSepLine() error {
	return fileErrorf("la prima riga \"sep=…\" indica un separatore diverso da ; e ,: salvare il foglio come «CSV» con separatore ;")
}

// fieldTooLong is the row error of a value longer than MaxField characters, or "".
func fieldTooLong(f string) string {
	if len(f) <= MaxField {
		return ""
	}
	n := utf8.RuneCountInString(f)
	if n <= MaxField {
		return ""
	}
	return fmt.Sprintf("valore troppo lungo (%d caratteri, al massimo %d): probabilmente il separatore o le virgolette mancano e più valori sono finiti in uno; correggere la riga nel foglio di calcolo", n, MaxField)
}

// quoteShort is %q of s, cut to a few dozen characters for a message.
func quoteShort(s string) string {
	const max = 40
	if utf8.RuneCountInString(s) <= max {
		return fmt.Sprintf("%q", s)
	}
	r := []rune(s)
	return fmt.Sprintf("%q…", string(r[:max]))
}
