package legacy

import (
	"bytes"
	"strings"
	"unicode/utf8"
	"unsafe"

	"golang.org/x/text/encoding/charmap"
)

// The CSV reader. encoding/csv is not used: it numbers physical lines rather than the rows
// a spreadsheet shows, skips blank lines without counting them, copies every record,
// and fails on the stray quotes hand-edited files contain. This one works on the
// decoded text in memory: a first sequential pass finds where each record begins and
// ends (fast: one IndexByte for the line end and one for a quote per line; a quote sends
// that record through the careful state machine); fields are then split on demand by
// the validating goroutines, as substrings of the text (no copy unless a quoted field
// holds doubled quotes or CRLF line breaks); what a Row keeps is copied out at the end
// of its checks (validator.own).
//
// Dialect, chosen to accept what LibreOffice Calc, Excel and hand edits produce:
//   - records end with LF, CRLF, or CR alone (old Mac "CSV (Macintosh)") when the file
//     has no LF at all;
//   - a field that starts with a quote (after optional blanks) is quoted: it may hold
//     separators and line breaks, "" is a quote, CRLF inside becomes LF; text after
//     the closing quote is kept as it is (like encoding/csv's LazyQuotes);
//   - a quote inside an unquoted field is an ordinary character (VIA "ROMA" 1);
//   - a quoted field never closed is an error of that row only: the quote is taken
//     literally and the record ends at its line end, so the rest of the file is read.

// Encodings reported in File.Encoding.
const (
	EncodingUTF8    = "UTF-8"
	EncodingUTF8BOM = "UTF-8 con BOM"
	Encoding1252    = "Windows-1252"
)

// decodeText turns the file into UTF-8 text and names the encoding: UTF-8 with a BOM,
// valid UTF-8, or else Windows-1252 (what Excel on Windows writes for "CSV"). Bytes
// that are not valid UTF-8 cannot be UTF-8 text, and every byte is a character in
// Windows-1252, so the detection never guesses wrong on a file that has any accented
// letter; a pure ASCII file is the same in both.
//
// UTF-8 input is not copied: the text is a view of data, valid while Parse runs (the
// caller does not change data meanwhile). Nothing Parse returns points into it: every
// string kept in a Row is copied into the validator's arena (see own), which
// TestNoAliasOfInput checks by overwriting the input after parsing. On a region-sized
// file this saves a copy of the whole file at the memory peak.
func decodeText(data []byte) (string, string, error) {
	enc := EncodingUTF8
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		data, enc = data[3:], EncodingUTF8BOM
		if !utf8.Valid(data) {
			return "", enc, fileErrorf("codifica errata: il file si dichiara UTF-8 (inizia con il BOM) ma alla riga %d contiene byte non UTF-8; salvarlo di nuovo come «CSV UTF-8»", lineOfInvalid(data))
		}
	} else if !utf8.Valid(data) {
		// Windows-1252, unless the file also holds real UTF-8 letters: then it was
		// pasted together from two encodings and no reading of it is right.
		if hasUTF8Multibyte(data) {
			return "", enc, fileErrorf("codifica mista: il file contiene lettere in UTF-8 e, alla riga %d, byte di un'altra codifica; salvarlo di nuovo come «CSV UTF-8»", lineOfInvalid(data))
		}
		for i, c := range data {
			switch c {
			case 0x81, 0x8D, 0x8F, 0x90, 0x9D: // undefined in Windows-1252
				return "", enc, fileErrorf("codifica non riconosciuta: alla riga %d c'è un byte (0x%02X) che non è né UTF-8 né Windows-1252", bytes.Count(data[:i], []byte{'\n'})+1, c)
			}
		}
		return decode1252(data), Encoding1252, nil
	}
	if len(data) == 0 {
		return "", enc, nil
	}
	return unsafe.String(unsafe.SliceData(data), len(data)), enc, nil
}

// viewUTF8 is decodeText of data known to be valid UTF-8: a view of it, without the
// BOM.
func viewUTF8(data []byte) (string, string) {
	enc := EncodingUTF8
	if bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}) {
		data, enc = data[3:], EncodingUTF8BOM
	}
	if len(data) == 0 {
		return "", enc
	}
	return unsafe.String(unsafe.SliceData(data), len(data)), enc
}

// lineOfInvalid is the line (1-based) of the first byte that is not valid UTF-8.
func lineOfInvalid(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return bytes.Count(data[:i], []byte{'\n'}) + 1
		}
		i += n
	}
	return 0
}

// hasUTF8Multibyte reports whether data holds a valid multi-byte UTF-8 sequence.
func hasUTF8Multibyte(data []byte) bool {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if n > 1 && r != utf8.RuneError {
			return true
		}
		i += n
	}
	return false
}

// arena holds the strings a Row keeps, copied out of the text in blocks: one allocation
// per 64 KiB instead of one per string, and no reference to the caller's data. Bytes
// appended to a block are never written again, so the strings made on them are
// immutable like any Go string.
type arena struct{ block []byte }

func (a *arena) str(s string) string {
	switch {
	case s == "":
		return ""
	case len(s) > 4<<10:
		return strings.Clone(s)
	}
	if cap(a.block)-len(a.block) < len(s) {
		a.block = make([]byte, 0, 64<<10)
	}
	start := len(a.block)
	a.block = append(a.block, s...)
	return unsafe.String(&a.block[start], len(s))
}

// decode1252 decodes Windows-1252 with a byte table built from charmap (ASCII runs are
// copied as they are), several times faster than the generic transformer on a
// region-sized file.
func decode1252(data []byte) string {
	var table [256]string
	for i := 0x80; i < 0x100; i++ {
		table[i] = string(charmap.Windows1252.DecodeByte(byte(i)))
	}
	var b strings.Builder
	b.Grow(len(data) + len(data)/16)
	start := 0
	for i, c := range data {
		if c < utf8.RuneSelf {
			continue
		}
		b.Write(data[start:i])
		b.WriteString(table[c])
		start = i + 1
	}
	b.Write(data[start:])
	return b.String()
}

// sniffBinary recognises files that are not text at all, to say what they are.
func sniffBinary(data []byte) string {
	switch {
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return "il file non è un CSV ma un file compresso (probabilmente un foglio Excel .xlsx o LibreOffice .ods): aprirlo e salvarlo come «CSV» con separatore ;"
	case bytes.HasPrefix(data, []byte{0xD0, 0xCF, 0x11, 0xE0}):
		return "il file non è un CSV ma un foglio Excel .xls: aprirlo e salvarlo come «CSV» con separatore ;"
	case bytes.HasPrefix(data, []byte("%PDF")):
		return "il file non è un CSV ma un PDF"
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return "il file è in codifica UTF-16 («Testo Unicode»), non ammessa: salvarlo come «CSV UTF-8» o «CSV»"
	}
	head := data
	if len(head) > 64<<10 {
		head = head[:64<<10]
	}
	if bytes.IndexByte(head, 0) >= 0 {
		return "il file non è un CSV: contiene dati binari (salvare il foglio come «CSV» con separatore ;)"
	}
	return ""
}

// span is one record of the text: [start, end) without its line end, and the spreadsheet
// row it is shown on.
type span struct {
	start, end int
	row        int
	quoted     bool // holds a quote: split with the state machine
	unclosed   bool // a quoted field never closes: the quote was taken literally
}

// splitRecords finds the records of text. Every record, blank ones included, is one
// spreadsheet row: a blank line in a CSV file is an empty row when the file is opened,
// so counting it keeps our row numbers equal to the ones the operator sees. The first
// record is row 1.
func splitRecords(text string, sep byte) []span {
	out := make([]span, 0, strings.Count(text, "\n")+1)
	row := 1
	for pos := 0; pos < len(text); row++ {
		nl := strings.IndexByte(text[pos:], '\n')
		end := len(text)
		if nl >= 0 {
			end = pos + nl
		}
		sp := span{start: pos, end: end, row: row}
		if strings.IndexByte(text[pos:end], '"') >= 0 {
			sp.quoted = true
			if e, ok := endOfRecord(text, pos, sep); ok {
				sp.end = e
			} else {
				sp.unclosed = true
			}
		}
		out = append(out, sp)
		pos = sp.end + 1
	}
	return out
}

// endOfRecord follows the quoting rules from the record starting at pos and returns the
// offset of the line end that closes it (or len(text)); ok is false when a quoted field
// never closes.
func endOfRecord(text string, pos int, sep byte) (int, bool) {
	fieldStart := true
	for i := pos; i < len(text); {
		c := text[i]
		switch {
		case fieldStart && c == '"':
			i++
			for {
				j := strings.IndexByte(text[i:], '"')
				if j < 0 {
					return 0, false
				}
				i += j + 1
				if i < len(text) && text[i] == '"' {
					i++
					continue
				}
				break
			}
			fieldStart = false
			continue
		case c == sep:
			fieldStart = true
		case c == '\n':
			return i, true
		case c == ' ' || c == '\t':
			// blanks before an opening quote do not end the field start
		default:
			fieldStart = false
		}
		i++
	}
	return len(text), true
}

// splitFields splits one record into fields, appending to dst (reused across records).
// The trailing CR of a CRLF line end is dropped. unclosed records take quotes literally.
func splitFields(dst []string, rec string, sep byte, quoted, unclosed bool) []string {
	rec = strings.TrimSuffix(rec, "\r")
	if !quoted || unclosed {
		for {
			i := strings.IndexByte(rec, sep)
			if i < 0 {
				return append(dst, rec)
			}
			dst = append(dst, rec[:i])
			rec = rec[i+1:]
		}
	}
	for {
		// Skip blanks before a possible opening quote.
		k := 0
		for k < len(rec) && (rec[k] == ' ' || rec[k] == '\t') {
			k++
		}
		if k < len(rec) && rec[k] == '"' {
			val, rest := quotedField(rec[k+1:])
			// Text after the closing quote, up to the separator, is kept.
			i := strings.IndexByte(rest, sep)
			if i < 0 {
				return append(dst, val+rest)
			}
			if i > 0 {
				val += rest[:i]
			}
			dst = append(dst, val)
			rec = rest[i+1:]
			continue
		}
		i := strings.IndexByte(rec, sep)
		if i < 0 {
			return append(dst, rec)
		}
		dst = append(dst, rec[:i])
		rec = rec[i+1:]
	}
}

// quotedField reads a quoted field whose opening quote is already consumed: the value,
// and what follows the closing quote. s is known to contain the closing quote
// (endOfRecord checked).
func quotedField(s string) (val, rest string) {
	j := strings.IndexByte(s, '"')
	if j < 0 { // cannot happen for a checked record; be safe
		return s, ""
	}
	if (j+1 >= len(s) || s[j+1] != '"') && strings.IndexByte(s[:j], '\r') < 0 {
		return s[:j], s[j+1:] // the common case: no doubled quotes, no CR
	}
	var b strings.Builder
	for {
		j = strings.IndexByte(s, '"')
		if j < 0 {
			b.WriteString(s)
			return normaliseCRLF(b.String()), ""
		}
		b.WriteString(s[:j])
		if j+1 < len(s) && s[j+1] == '"' {
			b.WriteByte('"')
			s = s[j+2:]
			continue
		}
		return normaliseCRLF(b.String()), s[j+1:]
	}
}

func normaliseCRLF(s string) string {
	if strings.IndexByte(s, '\r') < 0 {
		return s
	}
	return strings.ReplaceAll(s, "\r\n", "\n")
}

// detectSeparator looks at the header line: the separator is ";" or "," whichever occurs
// more often outside quotes; 0 when neither does.
func detectSeparator(line string) byte {
	semi, comma, inQuote := 0, 0, false
	for i := 0; i < len(line); i++ {
		switch line[i] {
		case '"':
			inQuote = !inQuote
		case ';':
			if !inQuote {
				semi++
			}
		case ',':
			if !inQuote {
				comma++
			}
		}
	}
	switch {
	case semi == 0 && comma == 0:
		return 0
	case comma > semi:
		return ','
	}
	return ';'
}

// blank reports whether every field is empty or blanks: such rows (also the ";;;;" rows
// spreadsheets write for formatted empty rows) are ignored.
func blank(fields []string) bool {
	for _, f := range fields {
		if strings.TrimSpace(f) != "" {
			return false
		}
	}
	return true
}
