package print

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textarea"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/printing"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// EditorKeys are the keys of the template editor (the text fields have their own).
type EditorKeys struct {
	Save, Next, Prev, Insert, Up, Down, Close key.Binding
}

// NewEditorKeys is the default.
func NewEditorKeys() EditorKeys {
	return EditorKeys{
		Save:   key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "salva")),
		Next:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "campo/tag")),
		Prev:   key.NewBinding(key.WithKeys("shift+tab"), key.WithHelp("shift+tab", "indietro")),
		Insert: key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "inserisci tag")),
		Up:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scegli tag")),
		Down:   key.NewBinding(key.WithKeys("down")),
		Close:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "chiudi")),
	}
}

// The parts of the editor that take the keyboard, in tab order.
const (
	focusName = iota
	focusTitle
	focusBody
	focusPalette
	focusCount
)

// paletteWidth is the width of the tag palette beside the text.
const paletteWidth = 27

// Editor writes a template: its name (new ones), its title, and its text in a text
// area, with the palette of tags beside it (invio inserts the chosen one at the
// cursor). The text is checked at every change: each unknown or unclosed tag is listed
// with its line and column. ctrl+s saves, with the version the editor started from: a
// template saved meanwhile by someone else is not overwritten.
type Editor struct {
	ctx     *common.Context
	keys    EditorKeys
	load    string // the template to read ("" = new)
	loaded  bool
	isNew   bool
	seen    uint64 // the version edited (0: never saved by the comune)
	from    string // where the text came from, for the heading
	name    textinput.Model
	title   textinput.Model
	body    textarea.Model
	tags    []printing.Tag
	pcur    int
	ptop    int
	focus   int
	errs    []printing.TagError
	nameErr string
	used    map[string]bool
	dirty   bool
	saving  bool
	saved   string // the last save's outcome
	note    string // where an import came from, until saved
	saveErr string
	quit    bool // esc pressed once over unsaved changes
	bodyW   int  // the text area's width, line numbers included
	w, h    int
}

type (
	editorLoadedMsg struct {
		t    printing.Template
		ver  uint64
		info string
		err  error
	}
	editorSavedMsg struct {
		name string
		ver  uint64
		err  error
	}
)

// NewEditor opens a template of the comune in the editor; name "" starts a new one.
func NewEditor(ctx *common.Context, name string) common.Page {
	m := newEditor(ctx)
	m.load, m.isNew = name, name == ""
	if m.isNew {
		m.loaded, m.from = true, "mai salvato"
		m.body.SetValue(newTemplateText)
		m.body.MoveToBegin()
		m.check()
	}
	return m
}

// newImported opens a template read from a file: it replaces the comune's template of
// the same name, if any, once saved.
func newImported(ctx *common.Context, t printing.Template, file string) *Editor {
	m := newEditor(ctx)
	m.load, m.isNew, m.dirty = t.Name, true, true
	m.from = "importato"
	m.note = "Importato da moduli/" + file + ": controllarlo e salvarlo (ctrl+s)."
	m.name.SetValue(t.Name)
	m.title.SetValue(t.Title)
	m.body.SetValue(strings.TrimRight(t.Body, "\n"))
	m.body.MoveToBegin()
	m.check()
	return m
}

// newTemplateText is where a new template starts: a heading and a line with tags.
const newTemplateText = `[centro][grassetto]TITOLO DEL DOCUMENTO

#signor# #cognome# #nome#, #nato# a #luogo_nascita# il #data_nascita#, titolare del contrassegno n. #num_pass# valido fino al #data_scadenza#.

#sede#, #data_oggi#

[rientro]L'operatore: #operatore#`

func newEditor(ctx *common.Context) *Editor {
	m := &Editor{ctx: ctx, keys: NewEditorKeys(), tags: printing.Tags(), used: map[string]bool{}}
	m.name = formkit.TextInput("", "nome (minuscole, cifre, _ e -)", 40)
	m.title = formkit.TextInput("", "titolo mostrato negli elenchi", 120)
	m.body = newTextArea(ctx.Styles.Plain)
	m.focus = focusName
	m.name.Focus()
	return m
}

// newTextArea is a text area with line numbers (the errors cite them), a steady
// cursor, and no paste from the clipboard (over SSH it would be the server's: the
// terminal's own paste still works).
func newTextArea(plain bool) textarea.Model {
	ta := textarea.New()
	ta.Prompt = ""
	ta.ShowLineNumbers = true
	ta.CharLimit = 50000
	ta.MaxHeight = 999 // lines; also the width of the line numbers
	ta.KeyMap.Paste.SetEnabled(false)
	base := lipgloss.NewStyle()
	state := textarea.StyleState{Base: base, Text: base, LineNumber: base.Faint(true), CursorLineNumber: base.Bold(true),
		CursorLine: base, EndOfBuffer: base.Faint(true), Placeholder: base.Faint(true), Prompt: base, Selection: base.Reverse(true)}
	blurred := state
	blurred.CursorLineNumber = base.Faint(true)
	st := textarea.Styles{Focused: state, Blurred: blurred, Cursor: textarea.CursorStyle{Blink: false, Shape: tea.CursorBlock}}
	if !plain {
		st.Cursor.Color = lipgloss.Cyan
	}
	ta.SetStyles(st)
	return ta
}

func (m *Editor) Title() string {
	if m.isNew && m.load == "" {
		return "Nuovo modulo"
	}
	return "Modulo " + m.load
}

// Capturing: the text fields have the keyboard (esc is the editor's: it asks before
// dropping changes).
func (m *Editor) Capturing() bool { return true }

// Editing: changes not saved yet are never dropped by the section key.
func (m *Editor) Editing() bool { return m.dirty || m.saving }

func (m *Editor) ShortHelp() []key.Binding {
	k := m.keys
	if m.focus == focusPalette {
		return []key.Binding{k.Save, k.Insert, k.Up, k.Next, k.Close}
	}
	return []key.Binding{k.Save, k.Next, k.Prev, k.Close}
}

func (m *Editor) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Save, k.Next, k.Prev, k.Close}, {k.Up, k.Insert}}
}

// bodyHeight is the text area's height: the page less the heading, the name line and
// the check under the text.
func (m *Editor) bodyHeight() int { return max(4, m.h-7) }

func (m *Editor) SetSize(w, h int) {
	m.w, m.h = w, h
	m.bodyW = max(30, w-paletteWidth-1)
	m.body.SetWidth(m.bodyW)
	m.body.SetHeight(m.bodyHeight())
	m.name.SetWidth(15)
	m.title.SetWidth(max(10, w-34))
}

func (m *Editor) Init() tea.Cmd {
	if m.loaded && m.load == "" {
		return nil
	}
	svc, a, name, imported := m.ctx.Svc, m.ctx.Actor, m.load, m.isNew
	return func() tea.Msg {
		t, ver, err := svc.Template(a, "", name)
		if imported { // only the version of the template the import replaces
			switch {
			case err != nil:
				return editorLoadedMsg{info: "nuovo nel comune"}
			case ver == 0:
				return editorLoadedMsg{info: "sostituisce il predefinito"}
			}
			return editorLoadedMsg{ver: ver, info: fmt.Sprintf("sostituisce la versione %d del comune", ver)}
		}
		return editorLoadedMsg{t: t, ver: ver, err: err}
	}
}

func (m *Editor) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case editorLoadedMsg:
		if m.isNew { // an import: the text is the file's
			m.seen, m.loaded = msg.ver, true
			m.from += ", " + msg.info
			return m, nil
		}
		if msg.err != nil {
			return m, tea.Batch(common.Err(msg.err), common.Pop())
		}
		m.loaded, m.seen = true, msg.ver
		m.name.SetValue(msg.t.Name)
		m.title.SetValue(msg.t.Title)
		m.body.SetValue(strings.TrimRight(msg.t.Body, "\n"))
		m.body.MoveToBegin()
		if msg.ver == 0 {
			m.from = "predefinito (salvato, diventa del comune)"
		} else {
			m.from = fmt.Sprintf("del comune, versione %d", msg.ver)
		}
		m.setFocus(focusTitle)
		m.check()
		return m, nil
	case editorSavedMsg:
		m.saving = false
		if msg.err != nil {
			m.saveErr, m.saved = common.ErrorText(msg.err), ""
			var te *printing.TemplateError
			if errors.As(msg.err, &te) {
				m.saveErr = "correggere prima gli errori (qui sotto, con riga e colonna)."
			}
			return m, nil
		}
		m.seen, m.dirty, m.saveErr, m.quit, m.note = msg.ver, false, "", false, ""
		m.isNew, m.load = false, msg.name
		m.from = fmt.Sprintf("del comune, versione %d", msg.ver)
		m.saved = fmt.Sprintf("Modulo «%s» salvato: versione %d.", msg.name, msg.ver)
		if m.focus == focusName {
			m.setFocus(focusTitle)
		}
		return m, common.Notice(m.saved)
	case tea.KeyPressMsg:
		if !m.loaded || m.saving {
			return m, nil
		}
		return m, m.key(msg)
	case tea.PasteMsg:
		return m, m.edit(msg)
	}
	return m, nil
}

func (m *Editor) key(k tea.KeyPressMsg) tea.Cmd {
	if !key.Matches(k, m.keys.Close) {
		m.quit = false
	}
	switch {
	case key.Matches(k, m.keys.Close):
		if m.dirty && !m.quit {
			m.quit = true
			return nil
		}
		return common.Pop()
	case key.Matches(k, m.keys.Save):
		return m.save()
	case key.Matches(k, m.keys.Next):
		m.setFocus((m.focus + 1) % focusCount)
		return nil
	case key.Matches(k, m.keys.Prev):
		m.setFocus((m.focus + focusCount - 1) % focusCount)
		return nil
	}
	if m.focus == focusPalette {
		switch {
		case key.Matches(k, m.keys.Up):
			m.pcur = max(0, m.pcur-1)
		case key.Matches(k, m.keys.Down):
			m.pcur = min(len(m.tags)-1, m.pcur+1)
		case key.Matches(k, m.keys.Insert):
			m.body.InsertString("#" + m.tags[m.pcur].Name + "#")
			m.changed(true)
			m.check()
			m.setFocus(focusBody)
		}
		return nil
	}
	if m.focus == focusName && !m.isNew {
		return nil // the name of a saved template does not change: a new name is a new template
	}
	return m.edit(k)
}

// edit hands a key or a paste to the field with the focus and checks the text again.
func (m *Editor) edit(msg tea.Msg) tea.Cmd {
	var cmd tea.Cmd
	switch m.focus {
	case focusName:
		if !m.isNew {
			return nil
		}
		before := m.name.Value()
		m.name, cmd = m.name.Update(msg)
		m.changed(m.name.Value() != before)
	case focusTitle:
		before := m.title.Value()
		m.title, cmd = m.title.Update(msg)
		m.changed(m.title.Value() != before)
	case focusBody:
		before := m.body.Value()
		m.body, cmd = m.body.Update(msg)
		if m.body.Value() != before {
			m.changed(true)
			m.check()
		}
	}
	m.checkName()
	return formkit.Quiet(cmd)
}

// changed notes an edit: the last save's outcome no longer applies.
func (m *Editor) changed(yes bool) {
	if yes {
		m.dirty, m.saved, m.saveErr = true, "", ""
	}
}

func (m *Editor) setFocus(f int) {
	if f == focusName && !m.isNew {
		f = focusTitle // skip the fixed name
		if m.focus == focusTitle {
			f = focusPalette // shift+tab from the title
		}
	}
	m.focus = f
	m.name.Blur()
	m.title.Blur()
	m.body.Blur()
	switch f {
	case focusName:
		m.name.Focus()
	case focusTitle:
		m.title.Focus()
	case focusBody:
		m.body.Focus()
	}
}

// check parses the text as the service will: the errors with line and column, and the
// tags used (marked in the palette).
func (m *Editor) check() {
	m.errs, m.used = nil, map[string]bool{}
	p, err := printing.Parse(m.body.Value())
	var te *printing.TemplateError
	if errors.As(err, &te) {
		m.errs = te.Errors
	} else if p != nil {
		for _, t := range p.UsedTags() {
			m.used[t] = true
		}
	}
	m.checkName()
}

func (m *Editor) checkName() {
	m.nameErr = ""
	if m.isNew {
		if err := printing.CheckTemplateName(strings.TrimSpace(m.name.Value())); err != nil {
			m.nameErr = err.Error()
		}
	}
}

func (m *Editor) save() tea.Cmd {
	t := printing.Template{Name: strings.TrimSpace(m.name.Value()), Title: strings.TrimSpace(m.title.Value()), Body: m.body.Value() + "\n"}
	seen := m.seen
	if t.Name != m.load {
		seen = 0 // a new name: a new template (the service refuses one that exists)
	}
	if m.nameErr != "" {
		m.saveErr = m.nameErr
		m.setFocus(focusName)
		return nil
	}
	m.saving, m.saveErr, m.saved = true, "", ""
	svc, a := m.ctx.Svc, m.ctx.Actor
	return func() tea.Msg {
		v, err := svc.SaveTemplate(a, "", t, seen)
		return editorSavedMsg{name: t.Name, ver: v, err: err}
	}
}

func (m *Editor) View() string {
	st := m.ctx.Styles
	head := ansi.Truncate(st.Title.Render("Gestione moduli › "+m.Title())+st.Muted.Render(" · "+m.from), m.w, "…")
	if !m.loaded {
		return head + "\n\nCaricamento…"
	}
	name := m.name.View()
	if !m.isNew {
		name = common.Pad(m.name.Value(), 16)
	}
	label := func(s string, f int) string {
		if m.focus == f {
			return st.Label.Render("> " + s)
		}
		return "  " + s
	}
	fields := label("Nome ", focusName) + name + label("Titolo ", focusTitle) + m.title.View()
	mark := func(f int, s string) string {
		if m.focus == f {
			return st.Label.Render("> " + s)
		}
		return st.Muted.Render("  " + s)
	}
	bar := mark(focusBody, "Testo") + strings.Repeat(" ", max(1, m.bodyW-6)) + mark(focusPalette, "Tag (invio inserisce)")
	textLines := strings.Split(m.body.View(), "\n")
	palette := m.paletteLines(m.bodyHeight())
	var rows []string
	for i := range max(len(textLines), len(palette)) {
		l, r := "", ""
		if i < len(textLines) {
			l = textLines[i]
		}
		if i < len(palette) {
			r = palette[i]
		}
		pad := max(0, m.bodyW-lipgloss.Width(l))
		rows = append(rows, l+strings.Repeat(" ", pad)+" "+r)
	}
	out := []string{head, fields, bar}
	out = append(out, rows...)
	out = append(out, m.status()...)
	return strings.Join(out, "\n")
}

// paletteLines are the tags, h lines, scrolled to the chosen one; "•" marks the tags
// the text uses.
func (m *Editor) paletteLines(h int) []string {
	st := m.ctx.Styles
	if m.pcur < m.ptop {
		m.ptop = m.pcur
	}
	if m.pcur >= m.ptop+h {
		m.ptop = m.pcur - h + 1
	}
	var out []string
	for i := m.ptop; i < len(m.tags) && len(out) < h; i++ {
		t := m.tags[i]
		used := " "
		if m.used[t.Name] {
			used = "•"
		}
		line := common.Pad(used+"#"+t.Name+"#", paletteWidth-1)
		if i == m.pcur && m.focus == focusPalette {
			line = st.Selected.Render(line)
		} else if i == m.pcur {
			line = st.Label.Render(line)
		}
		out = append(out, line)
	}
	return out
}

// status is the lines under the text: the cursor's place and the check, or what the
// chosen tag prints, or the last save.
func (m *Editor) status() []string {
	st := m.ctx.Styles
	pos := fmt.Sprintf("riga %d, colonna %d", m.body.Line()+1, m.body.Column()+1)
	var lines []string
	switch {
	case len(m.errs) == 0 && m.nameErr == "":
		lines = append(lines, pos+" · "+st.OK.Render("controllo: nessun errore"))
	default:
		n := len(m.errs)
		if m.nameErr != "" {
			n++
		}
		lines = append(lines, pos+" · "+st.Error.Render(fmt.Sprintf("controllo: %d %s", n, plural(n, "errore", "errori"))))
	}
	var detail []string
	if m.nameErr != "" {
		detail = append(detail, st.Error.Render("Nome: ")+m.nameErr)
	}
	for _, e := range m.errs {
		detail = append(detail, st.Error.Render(fmt.Sprintf("Riga %d, colonna %d: ", e.Line, e.Col))+e.Message)
	}
	switch {
	case m.saving:
		detail = append([]string{st.Muted.Render("Salvataggio in corso…")}, detail...)
	case m.quit:
		detail = append([]string{st.Warning.Render("Modifiche non salvate: esc di nuovo per uscire senza salvarle, ctrl+s per salvare.")}, detail...)
	case m.saveErr != "":
		detail = append([]string{st.Error.Render("Non salvato: ") + m.saveErr}, detail...)
	case m.saved != "":
		detail = append([]string{st.OK.Render(m.saved)}, detail...)
	case m.note != "" && m.focus != focusPalette:
		detail = append([]string{st.Muted.Render(m.note)}, detail...)
	case m.focus == focusPalette:
		t := m.tags[m.pcur]
		detail = append([]string{st.Label.Render("#"+t.Name+"#") + ": " + t.Description}, detail...)
	}
	room := max(1, m.h-3-m.bodyHeight()-1)
	if len(detail) > room {
		more := len(detail) - room + 1
		detail = append(detail[:room-1], st.Muted.Render(fmt.Sprintf("… e altri %d", more)))
	}
	for _, d := range detail {
		lines = append(lines, ansi.Truncate(d, m.w, "…"))
	}
	return lines
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
