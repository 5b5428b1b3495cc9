package printing

import (
	"embed"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"

	"vivipass/domain"
)

// Template is a document model (Gestione moduli, S6): text with #tags#, one line of the
// body per line of the document (long lines wrap), an empty line for a blank line.
// A line may start with directives: [centro], [destra], [rientro] (from the middle of
// the line, for address blocks and signatures), [grassetto], and [solo permanente] or
// [solo temporaneo] (the line is printed only for a pass of that kind: #11.15), in any
// order.
type Template struct {
	Name  string `json:"name"`  // key: lower-case letters, digits, _ and -
	Title string `json:"title"` // what the lists show
	Body  string `json:"body"`
}

var reTemplateName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,39}$`) })

// CheckTemplateName accepts names usable as keys and file names.
func CheckTemplateName(n string) error {
	if !reTemplateName().MatchString(n) {
		return errorf("nome del modulo %q non valido: da 1 a 40 caratteri, minuscole, cifre, _ e -", n)
	}
	return nil
}

// Check validates the name and every tag of the body.
func (t Template) Check() error {
	if err := CheckTemplateName(t.Name); err != nil {
		return err
	}
	if strings.TrimSpace(t.Body) == "" {
		return errorf("il modulo %s è vuoto", t.Name)
	}
	_, err := t.Parse()
	return err
}

// Parse checks the body (Parse) and names the template in the errors.
func (t Template) Parse() (*Parsed, error) {
	p, err := Parse(t.Body)
	if te, ok := err.(*TemplateError); ok {
		te.Template = t.Name
	}
	return p, err
}

// ---- parsing ----

// TagError is a problem at a place of the body: Line and Col count from 1 (Col in
// characters, where the '#' is).
type TagError struct {
	Line, Col int
	Message   string
}

func (e TagError) Error() string {
	return fmt.Sprintf("riga %d, colonna %d: %s", e.Line, e.Col, e.Message)
}

// TemplateError lists every problem of a body.
type TemplateError struct {
	Template string // the template's name, when known
	Errors   []TagError
}

func (e *TemplateError) Error() string {
	var parts []string
	for _, x := range e.Errors {
		parts = append(parts, x.Error())
	}
	what := "modulo non valido: "
	if e.Template != "" {
		what = "modulo «" + e.Template + "» non valido: "
	}
	return what + strings.Join(parts, "; ")
}

// Align of a line of a module.
type lineAlign int

const (
	alignLeft lineAlign = iota
	alignCenter
	alignRight
	alignIndent // left-aligned from the middle of the line: address blocks, signatures
)

// segment is literal text or a tag.
type segment struct {
	text string
	tag  string
}

// parsedLine is one line of the body.
type parsedLine struct {
	align     lineAlign
	bold      bool
	segs      []segment
	pageBreak bool
	kind      domain.Kind // [solo permanente], [solo temporaneo]: printed only for that kind
}

// Parsed is a checked body, ready to fill.
type Parsed struct{ lines []parsedLine }

// directive applies the directive s starts with, if any, and returns its length.
func directive(s string, l *parsedLine) int {
	low := strings.ToLower(s)
	for _, d := range []string{"[centro]", "[destra]", "[sinistra]", "[rientro]", "[grassetto]", "[solo permanente]", "[solo temporaneo]"} {
		if !strings.HasPrefix(low, d) {
			continue
		}
		switch d {
		case "[centro]":
			l.align = alignCenter
		case "[destra]":
			l.align = alignRight
		case "[sinistra]":
			l.align = alignLeft
		case "[rientro]":
			l.align = alignIndent
		case "[grassetto]":
			l.bold = true
		case "[solo permanente]":
			l.kind = domain.Permanente
		case "[solo temporaneo]":
			l.kind = domain.Temporaneo
		}
		return len(d)
	}
	return 0
}

// Parse checks a body: every #tag# must be known; '##' writes a '#'; a '#' not followed
// by a letter is text. The old spelling #data_decorrenza (no closing #) is accepted.
// Errors carry line and column, all of them at once.
func Parse(body string) (*Parsed, error) {
	var errs []TagError
	p := &Parsed{}
	tags := tagMap()
	body = strings.ReplaceAll(body, "\r\n", "\n")
	for i, raw := range strings.Split(body, "\n") {
		lineNo := i + 1
		l := parsedLine{}
		rest := strings.TrimRight(raw, " \t\r")
		col := 1
		// Directives at the start of the line.
		for {
			trimmed := strings.TrimLeft(rest, " ")
			n := directive(trimmed, &l)
			if n == 0 {
				break
			}
			col += len(rest) - len(trimmed) + n
			rest = trimmed[n:]
		}
		if l.align != alignLeft || l.bold || l.kind != "" {
			n := len(rest)
			rest = strings.TrimLeft(rest, " ")
			col += n - len(rest)
		}
		segs, lineErrs := parseLine(rest, lineNo, col, tags)
		errs = append(errs, lineErrs...)
		for _, s := range segs {
			if s.tag == PageBreakTag {
				if len(segs) != 1 {
					errs = append(errs, TagError{lineNo, col, "il tag #" + PageBreakTag + "# va scritto da solo sulla riga"})
				}
				l.pageBreak = true
			}
		}
		if !l.pageBreak {
			l.segs = segs
		}
		p.lines = append(p.lines, l)
	}
	// Drop trailing empty lines: a file ending with a newline is not a blank line.
	for len(p.lines) > 0 {
		last := p.lines[len(p.lines)-1]
		if last.pageBreak || len(last.segs) > 0 {
			break
		}
		p.lines = p.lines[:len(p.lines)-1]
	}
	if len(errs) > 0 {
		return nil, &TemplateError{Errors: errs}
	}
	return p, nil
}

func isTagRune(r rune) bool {
	return r == '_' || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') || (r >= '0' && r <= '9')
}

func parseLine(s string, lineNo, col0 int, tags map[string]Tag) ([]segment, []TagError) {
	var segs []segment
	var errs []TagError
	var text strings.Builder
	flush := func() {
		if text.Len() > 0 {
			segs = append(segs, segment{text: text.String()})
			text.Reset()
		}
	}
	rs := []rune(s)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		if r != '#' {
			text.WriteRune(r)
			continue
		}
		if i+1 < len(rs) && rs[i+1] == '#' { // "##" is a '#'
			text.WriteRune('#')
			i++
			continue
		}
		j := i + 1
		for j < len(rs) && isTagRune(rs[j]) {
			j++
		}
		name := string(rs[i+1 : j])
		if name == "" || !startsWithLetter(name) {
			text.WriteRune('#') // "n. #3", "# " : plain text
			continue
		}
		col := col0 + i
		lower := strings.ToLower(name)
		closed := j < len(rs) && rs[j] == '#'
		_, known := tags[lower]
		switch {
		case closed && known:
			flush()
			segs = append(segs, segment{tag: lower})
			i = j
		case !closed && lower == "data_decorrenza":
			flush()
			segs = append(segs, segment{tag: lower})
			i = j - 1
		case closed:
			errs = append(errs, TagError{lineNo, col, "tag #" + name + "# sconosciuto" + suggest(lower)})
			i = j
		case known:
			errs = append(errs, TagError{lineNo, col, "tag #" + name + " non chiuso: scrivere #" + lower + "#"})
			i = j - 1
		default:
			errs = append(errs, TagError{lineNo, col, "tag #" + name + " sconosciuto e non chiuso" + suggest(lower) + " (per scrivere il carattere # usare ##)"})
			i = j - 1
		}
	}
	flush()
	return segs, errs
}

func startsWithLetter(s string) bool {
	c := s[0]
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// suggest names the known tag closest to a misspelt one: ": forse #cognome#?".
func suggest(name string) string {
	best, dist := "", 4
	for _, t := range Tags() {
		// A short tag is no suggestion for a word it shares nothing with (#xyz → #cap#).
		if d := editDistance(name, t.Name); d < dist && d < len(t.Name) {
			best, dist = t.Name, d
		}
	}
	if best == "" {
		return ""
	}
	return " (forse #" + best + "#?)"
}

func editDistance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			c := 1
			if ra[i-1] == rb[j-1] {
				c = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+c)
		}
		prev, cur = cur, prev
	}
	return prev[len(rb)]
}

// UsedTags lists the tags a body uses, sorted (the TUI palette marks them).
func (p *Parsed) UsedTags() []string {
	seen := map[string]bool{}
	for _, l := range p.lines {
		for _, s := range l.segs {
			if s.tag != "" {
				seen[s.tag] = true
			}
		}
	}
	out := make([]string, 0, len(seen))
	for t := range seen {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}

// ---- filling ----

// Line is one filled line of a document.
type Line struct {
	Text      string
	Align     lineAlign
	Bold      bool
	PageBreak bool
}

// Letter is one filled document: the heading of its comune and its lines.
type Letter struct {
	Heading []string // first line bold ("Comune di Venezia"), then the office…
	Lines   []Line
}

// Fill replaces every tag with the pass's data.
func (p *Parsed) Fill(d ModuleData) []Line {
	tags := tagMap()
	values := map[string]string{}
	value := func(tag string) string {
		v, ok := values[tag]
		if !ok {
			v = tags[tag].Value(d)
			values[tag] = v
		}
		return v
	}
	out := make([]Line, 0, len(p.lines))
	for _, l := range p.lines {
		if l.kind != "" && l.kind != d.Pass.Kind {
			continue
		}
		var b strings.Builder
		for _, s := range l.segs {
			if s.tag != "" {
				b.WriteString(value(s.tag))
			} else {
				b.WriteString(s.text)
			}
		}
		text := b.String()
		if l.align != alignLeft {
			text = strings.TrimSpace(text) // "#cap# #luogo_residenza#" without a CAP
		}
		out = append(out, Line{Text: text, Align: l.align, Bold: l.bold, PageBreak: l.pageBreak})
	}
	return out
}

// ---- files ----

// The file form of a template (export and import): a header between two "---" lines,
// then the body as it is.
//
//	---
//	nome: ricevuta
//	titolo: Ricevuta di consegna
//	---
//	body…
//
// A file without the header is a body: its name comes from the file name.
func (t Template) File() []byte {
	return []byte("---\nnome: " + t.Name + "\ntitolo: " + t.Title + "\n---\n" + strings.TrimRight(t.Body, "\n") + "\n")
}

// ParseTemplateFile reads a template file; fileName gives the name when the file has no
// header ("promemoria.txt" → "promemoria").
func ParseTemplateFile(fileName string, data []byte) (Template, error) {
	if !utf8.Valid(data) {
		return Template{}, errorf("il file %s non è testo UTF-8", fileName)
	}
	// Windows and old Mac line ends alike: a lone CR is a line end too (a fuzz case
	// kept it in the body, where it did not read back the same, issue 12.13).
	s := strings.TrimPrefix(strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n"), "\ufeff")
	var t Template
	if rest, ok := strings.CutPrefix(s, "---\n"); ok {
		head, body, found := strings.Cut(rest, "\n---\n")
		if !found {
			return t, errorf("%s: intestazione senza la riga --- di chiusura", fileName)
		}
		for i, line := range strings.Split(head, "\n") {
			k, v, ok := strings.Cut(line, ":")
			if !ok {
				return t, errorf("%s, riga %d: attesa «chiave: valore» nell'intestazione", fileName, i+2)
			}
			switch strings.TrimSpace(strings.ToLower(k)) {
			case "nome", "name":
				t.Name = strings.TrimSpace(v)
			case "titolo", "title":
				t.Title = strings.TrimSpace(v)
			default:
				return t, errorf("%s, riga %d: chiave %q sconosciuta (nome, titolo)", fileName, i+2, strings.TrimSpace(k))
			}
		}
		t.Body = body
	} else {
		t.Body = s
	}
	if t.Name == "" {
		base := fileName
		if i := strings.LastIndexAny(base, `/\`); i >= 0 {
			base = base[i+1:]
		}
		if i := strings.LastIndexByte(base, '.'); i > 0 {
			base = base[:i]
		}
		t.Name = strings.ToLower(base)
	}
	if t.Title == "" {
		t.Title = t.Name
	}
	t.Body = strings.TrimRight(t.Body, "\n") + "\n"
	return t, t.Check()
}

//go:embed defaults/*.txt
var defaultTemplates embed.FS

// DefaultTemplates are the models shipped with vivipass: autorizzazione, ricevuta di
// consegna (with the codice univoco), promemoria di scadenza.
func DefaultTemplates() []Template {
	var out []Template
	for _, name := range []string{"autorizzazione", "ricevuta", "promemoria"} {
		data, err := defaultTemplates.ReadFile("defaults/" + name + ".txt")
		if err != nil {
			panic("printing: default template " + name + " missing") // a test pins them
		}
		t, err := ParseTemplateFile(name+".txt", data)
		if err != nil {
			panic("printing: default template " + name + ": " + err.Error())
		}
		out = append(out, t)
	}
	return out
}

// ReminderTemplate is the template the batch of reminder letters uses (P9).
const ReminderTemplate = "promemoria"
