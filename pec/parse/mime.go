package parse

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	_ "github.com/emersion/go-message/charset" // ISO-8859-1, Windows-1252… for bodies and headers
	"github.com/emersion/go-message/textproto"
)

// The MIME layer reads a message into a tree of nodes held in memory. Leaves
// keep their decoded bytes; message/rfc822 parts are leaves too (their bytes
// are parsed again only where the parser decides to look inside, i.e.
// postacert.eml), so a message nested in a request can never pass for the
// request itself. Limits bound the work on hostile input.
const (
	maxDepth       = 16   // multipart nesting
	maxParts       = 1000 // parts per message tree
	maxBoundaryLen = 200  // RFC 2046 says 70; some mailers write more
)

type node struct {
	header    message.Header
	mediaType string            // lower case
	params    map[string]string // Content-Type parameters
	disp      string            // Content-Disposition value, lower case
	filename  string            // decoded, untrusted; "" when none
	children  []*node           // multipart only
	data      []byte            // leaves only: the decoded body
	converted bool              // a text/* body converted to UTF-8 by go-message
	damaged   bool              // the body could not be decoded completely
	broken    bool              // a multipart whose parts could not be split
}

func (n *node) isMultipart() bool { return strings.HasPrefix(n.mediaType, "multipart/") }

func (n *node) isMessage() bool {
	return n.mediaType == "message/rfc822" || n.mediaType == "message/global"
}

// leaves returns the leaves of the tree, depth first, in document order.
func (n *node) leaves() []*node {
	var out []*node
	var walk func(*node)
	walk = func(m *node) {
		if m.isMultipart() && !m.broken {
			for _, c := range m.children {
				walk(c)
			}
			return
		}
		out = append(out, m)
	}
	walk(n)
	return out
}

// walker reads message trees under shared limits and collects what went
// wrong as Italian warnings.
type walker struct {
	parts    int
	budget   int64 // decoded bytes left
	warnings []string
	seen     map[string]bool
}

func newWalker(rawSize int) *walker {
	// Decoding never grows a body by more than a charset conversion does (at
	// most 3 UTF-8 bytes per input byte); postacert.eml is decoded twice.
	return &walker{budget: 4*int64(rawSize) + 1<<20, seen: map[string]bool{}}
}

func (w *walker) warn(format string, args ...any) {
	s := say(format, args...)
	if !w.seen[s] {
		w.seen[s] = true
		w.warnings = append(w.warnings, s)
	}
}

// read parses a whole message. It fails only when the header block cannot be
// read at all; everything after that ends up in the tree, damaged or not.
func (w *walker) read(raw []byte) (*node, error) {
	ent, err := message.Read(bytes.NewReader(raw))
	if ent == nil {
		return nil, err
	}
	return w.build(ent, err, 0), nil
}

func (w *walker) build(ent *message.Entity, entErr error, depth int) *node {
	w.parts++
	n := &node{header: ent.Header}
	n.mediaType, n.params = contentType(ent.Header)
	n.disp, n.filename = disposition(ent.Header, n.params)
	switch {
	case message.IsUnknownEncoding(entErr):
		w.warn(warnUnknownEncoding, ent.Header.Get("Content-Transfer-Encoding"))
		n.damaged = true
	case message.IsUnknownCharset(entErr):
		w.warn(warnUnknownCharset, n.params["charset"])
	case entErr == nil && strings.HasPrefix(n.mediaType, "text/") && n.params["charset"] != "":
		n.converted = true
	}
	if n.isMultipart() {
		if depth >= maxDepth {
			w.warn(warnTooDeep)
			n.broken = true
			n.data = w.readAll(ent.Body, n)
			return n
		}
		w.buildMultipart(n, ent.Body, depth)
		return n
	}
	n.data = w.readAll(ent.Body, n)
	return n
}

func (w *walker) buildMultipart(n *node, body io.Reader, depth int) {
	boundary := n.params["boundary"]
	if boundary == "" || len(boundary) > maxBoundaryLen {
		// Without a usable boundary the parts cannot be split as declared.
		// Mailers that lose the parameter still write the delimiter lines,
		// so look for the first one; if there is none, keep the bytes.
		data := w.readAll(body, n)
		guess := guessBoundary(data)
		if guess == "" {
			w.warn(warnNoBoundary)
			n.broken = true
			n.data = data
			return
		}
		w.warn(warnGuessedBoundary)
		boundary, body = guess, bytes.NewReader(data)
	}
	mr := textproto.NewMultipartReader(body, boundary)
	for {
		if w.parts >= maxParts {
			w.warn(warnTooManyParts, maxParts)
			return
		}
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			w.warn(warnTruncated)
			break
		}
		ent, entErr := message.New(message.Header{Header: p.Header}, p)
		if ent == nil {
			w.warn(warnTruncated)
			break
		}
		n.children = append(n.children, w.build(ent, entErr, depth+1))
	}
	if len(n.children) == 0 {
		n.broken = true
	}
}

// readAll reads a leaf body within the budget. A read error (broken base64,
// truncated part) keeps what was read and marks the node damaged.
func (w *walker) readAll(r io.Reader, n *node) []byte {
	if w.budget <= 0 {
		w.warn(warnTooBig)
		n.damaged = true
		return nil
	}
	var buf bytes.Buffer
	got, err := buf.ReadFrom(io.LimitReader(r, w.budget+1))
	if got > w.budget {
		w.warn(warnTooBig)
		n.damaged = true
		w.budget = 0
		return buf.Bytes()[:got-1]
	}
	w.budget -= got
	if err != nil {
		n.damaged = true
	}
	return buf.Bytes()
}

// guessBoundary finds the first line that looks like a multipart delimiter
// ("--" and 1 to 70 characters without spaces) and returns its boundary.
func guessBoundary(data []byte) string {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 1024), 1<<20)
	for sc.Scan() {
		line := strings.TrimRight(sc.Text(), " \t\r")
		if !strings.HasPrefix(line, "--") || len(line) < 3 || len(line) > 72 {
			continue
		}
		b := line[2:]
		if strings.ContainsAny(b, " \t") {
			continue
		}
		// A first line "--X--" closes X: the boundary is X.
		if strings.HasSuffix(b, "--") && len(b) > 2 {
			b = b[:len(b)-2]
		}
		return b
	}
	return ""
}

// contentType returns the media type and its parameters; a Content-Type that
// cannot be read makes the part an opaque attachment, not text.
func contentType(h message.Header) (string, map[string]string) {
	v := h.Get("Content-Type")
	if strings.TrimSpace(v) == "" {
		return "text/plain", map[string]string{}
	}
	mt, params, err := h.ContentType()
	if err == nil {
		return strings.ToLower(mt), params
	}
	// mime.ParseMediaType gives the media type when only a parameter is bad;
	// then read the parameters leniently (e.g. an unquoted boundary with a
	// character that is not allowed in a token).
	if mt, _, err2 := mime.ParseMediaType(v); mt != "" && (err2 == nil || errors.Is(err2, mime.ErrInvalidMediaParameter)) {
		return strings.ToLower(mt), lenientParams(v)
	}
	first, _, _ := strings.Cut(v, ";")
	first = strings.ToLower(strings.TrimSpace(first))
	if strings.Count(first, "/") == 1 && !strings.ContainsAny(first, " \t\"") {
		return first, lenientParams(v)
	}
	return "application/octet-stream", map[string]string{}
}

// disposition returns the Content-Disposition value and the file name (from
// its filename parameter, else Content-Type's name), RFC 2047/2231 decoded.
func disposition(h message.Header, ctParams map[string]string) (string, string) {
	v := h.Get("Content-Disposition")
	var disp string
	var params map[string]string
	if strings.TrimSpace(v) != "" {
		d, p, err := h.ContentDisposition()
		if err == nil {
			disp, params = d, p
		} else {
			first, _, _ := strings.Cut(v, ";")
			disp, params = strings.TrimSpace(first), lenientParams(v)
		}
	}
	disp = strings.ToLower(disp)
	name := params["filename"]
	if name == "" {
		name = ctParams["name"]
	}
	return disp, cleanHeaderText(name)
}

// lenientParams reads "; key=value" pairs the way mailers write them even
// when they break RFC 2045 (unquoted slashes, backslashes, spaces). Keys are
// lower case; RFC 2047 words in values are decoded.
func lenientParams(v string) map[string]string {
	out := map[string]string{}
	_, rest, ok := strings.Cut(v, ";")
	for ok {
		var item string
		item, rest, ok = cutParam(rest)
		k, val, found := strings.Cut(item, "=")
		if !found {
			continue
		}
		k = strings.ToLower(strings.TrimSpace(k))
		k = strings.TrimSuffix(k, "*")
		val = strings.TrimSpace(val)
		if len(val) >= 2 && val[0] == '"' && val[len(val)-1] == '"' {
			val = val[1 : len(val)-1]
			val = strings.ReplaceAll(val, `\"`, `"`)
		}
		if k != "" && out[k] == "" {
			out[k] = decodeWords(val)
		}
	}
	return out
}

// cutParam cuts at the first ';' outside double quotes.
func cutParam(s string) (string, string, bool) {
	quoted := false
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ';':
			if !quoted {
				return s[:i], s[i+1:], true
			}
		}
	}
	return s, "", false
}

// decodeWords decodes RFC 2047 encoded words, keeping the input on error.
func decodeWords(s string) string {
	h := message.Header{}
	h.Set("X", s)
	if d, err := h.Text("X"); err == nil {
		return d
	}
	return s
}

// headerText returns a header field decoded (RFC 2047), cleaned.
func headerText(h message.Header, key string) string {
	v, err := h.Text(key)
	if err != nil {
		v = h.Get(key)
	}
	return cleanHeaderText(v)
}

// cleanHeaderText makes header text safe to show on a terminal: valid
// UTF-8, control characters (ESC sequences), format characters (bidi
// overrides that make "fattura\u202efdp.exe" look like a PDF) and line
// separators turned into spaces, spaces collapsed.
func cleanHeaderText(s string) string {
	if plainASCII(s) {
		return strings.TrimSpace(s)
	}
	s = toUTF8(s)
	var b strings.Builder
	space := false
	for _, r := range s {
		if unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || unicode.In(r, unicode.Zl, unicode.Zp) || r == utf8.RuneError {
			r = ' '
		}
		if r == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b.WriteRune(r)
	}
	return strings.TrimSpace(b.String())
}

// plainASCII reports printable ASCII without runs of spaces: the common
// case, which cleanHeaderText need not rebuild.
func plainASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c > 0x7e || (c == ' ' && i > 0 && s[i-1] == ' ') {
			return false
		}
	}
	return true
}

// toUTF8 returns s unchanged when it is valid UTF-8, else reads it as
// ISO-8859-1 (every byte is a character there), the usual culprit.
func toUTF8(s string) string {
	if utf8.ValidString(s) {
		return s
	}
	r := make([]rune, 0, len(s))
	for i := 0; i < len(s); i++ {
		r = append(r, rune(s[i]))
	}
	return string(r)
}

// bodyText returns a text leaf's body as UTF-8 with LF line ends.
func bodyText(n *node) (string, bool) {
	s := string(n.data)
	fixed := false
	if !utf8.ValidString(s) {
		s, fixed = toUTF8(s), true
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.ReplaceAll(s, "\r", "\n")
	s = strings.ReplaceAll(s, "\x00", "")
	return s, fixed
}
