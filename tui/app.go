package tui

import (
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
	"vivipass/files"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/keys"
	"vivipass/tui/pages/home"
	"vivipass/tui/pages/pass"
	"vivipass/tui/pages/passes"
	"vivipass/tui/pages/people"
	"vivipass/tui/styles"
)

// MinWidth and MinHeight are the smallest terminal the desk draws on.
const (
	MinWidth  = 80
	MinHeight = 24
)

// Options build a session.
type Options struct {
	Svc      *service.Service
	Operator domain.Operator
	Plain    bool // no colours (NO_COLOR, or the operator's plain mode)
	// Extend lets later parts of the desk (PEC inbox, printing…) add sections and
	// Home warnings without the root knowing them.
	Sections []Section
	Warnings []home.Warning
	Forms    pass.Forms
	// Files holds every comune's folder on the server; the session reaches its
	// operator's only. FilesHint: how to reach it from the counter PC (Context).
	Files     *files.Store
	FilesHint string
	// KeyFingerprint is the SSH key the session authenticated with (empty on the local
	// terminal): when an administrator removes it, the session ends at once.
	KeyFingerprint string
}

// Section is an entry of the top bar.
type Section struct {
	Name      string
	Key       key.Binding
	AdminOnly bool
	New       func(ctx *common.Context) common.Page
}

// Model is the root of one session.
type Model struct {
	ctx      *common.Context
	global   keys.Global
	all      []Section // every section; sections is what the operator's role shows
	sections []Section
	pages    []common.Page // one per section, made when first opened
	// stacks are the pages opened over each section (scheda, forms), the last on top.
	// A section keeps its stack while another one is shown: a form keeps what was typed,
	// a save its answer.
	stacks   [][]common.Page
	active   int
	forms    pass.Forms
	notice   string
	isErr    bool
	fullHelp bool
	help     help.Model
	events   <-chan service.Event
	cancel   func()
	// fingerprint is Options.KeyFingerprint; ended, once set, is why the session ended
	// without the operator (access revoked): the server prints it after the desk.
	fingerprint string
	ended       string
}

// New makes the root model of a session.
func New(o Options) *Model {
	ctx := &common.Context{Svc: o.Svc, Operator: o.Operator, Actor: service.OperatorActor(o.Operator),
		Styles: styles.For(o.Plain || o.Operator.Plain), FilesHint: o.FilesHint}
	if o.Files != nil {
		// An unusable folder leaves Files nil: the pages that need a file say so.
		ctx.Files, _ = o.Files.Comune(o.Operator.Comune)
	}
	m := &Model{ctx: ctx, global: keys.NewGlobal(), forms: o.Forms, fingerprint: o.KeyFingerprint}
	g := m.global
	m.all = append([]Section{
		{Name: "Home", Key: g.Home, New: func(c *common.Context) common.Page { return home.New(c, o.Warnings...) }},
		{Name: "Contrassegni", Key: g.Passes, New: func(c *common.Context) common.Page { return passes.New(c, o.Forms.NewIssue) }},
	}, o.Sections...)
	m.showSections()
	m.pages[0] = m.sections[0].New(ctx) // Home: there is always a page on top
	m.help = help.New()
	// The keys that do not fit are left out whole, with no "…" (issue 11.8): "? aiuto",
	// always first, lists them all.
	m.help.Ellipsis = ""
	// The bubble's default greys are true colours: ours keep to the 16 ANSI ones.
	st := ctx.Styles
	m.help.Styles = help.Styles{Ellipsis: st.Muted, ShortKey: st.HelpKey, ShortDesc: st.HelpDesc, ShortSeparator: st.Muted,
		FullKey: st.HelpKey, FullDesc: st.HelpDesc, FullSeparator: st.Muted}
	m.events, m.cancel = o.Svc.Hub().Subscribe(o.Operator.Comune)
	return m
}

// showSections sets the sections the operator's role shows, keeping the pages (and the
// forms over them) of those that stay; the one on screen stays on screen if it can.
func (m *Model) showSections() {
	var sections []Section
	var pages []common.Page
	var stacks [][]common.Page
	active := 0
	for _, s := range m.all {
		if s.AdminOnly && !m.ctx.Actor.Admin() {
			continue
		}
		var p common.Page
		var st []common.Page
		for i, old := range m.sections {
			if old.Name == s.Name {
				p, st = m.pages[i], m.stacks[i]
				if i == m.active {
					active = len(sections)
				}
			}
		}
		sections, pages, stacks = append(sections, s), append(pages, p), append(stacks, st)
	}
	m.sections, m.pages, m.stacks, m.active = sections, pages, stacks, active
}

// Ended is why the session ended without the operator ("" if it did not): the
// operator or the session's key was removed, or the operator moved to another comune.
func (m *Model) Ended() string { return m.ended }

// operatorMsg is the operator as the register has them now; gone: removed, or the
// session's key no longer theirs.
type operatorMsg struct {
	op   domain.Operator
	gone bool
}

// checkOperator reads the session's operator again after a change (M4: sessions follow
// the register).
func (m *Model) checkOperator() tea.Cmd {
	svc, name, fp := m.ctx.Svc, m.ctx.Operator.Name, m.fingerprint
	return func() tea.Msg {
		if fp != "" {
			op, ok := svc.Authenticate(fp)
			return operatorMsg{op: op, gone: !ok || op.Name != name}
		}
		ops, err := svc.Operators(service.SystemActor(""))
		if err != nil {
			return common.NoticeMsg{Text: "Impossibile rileggere l'operatore: " + err.Error(), Error: true}
		}
		for _, op := range ops {
			if op.Name == name {
				return operatorMsg{op: op}
			}
		}
		return operatorMsg{gone: true}
	}
}

// followOperator applies the operator as now registered: gone, or moved to another
// comune, ends the session; a new role shows (or hides) Amministrazione at once.
func (m *Model) followOperator(msg operatorMsg) tea.Cmd {
	cur := m.ctx.Operator
	switch {
	case msg.gone:
		m.ended = "vivipass: l'accesso è stato revocato da un amministratore, sessione chiusa."
		return tea.Quit
	case msg.op.Comune != cur.Comune:
		m.ended = "vivipass: l'operatore è stato assegnato a un altro comune, sessione chiusa.\nRicollegarsi per continuare."
		return tea.Quit
	}
	m.ctx.Operator = msg.op
	if msg.op.Role == cur.Role {
		return nil
	}
	m.ctx.Actor = service.OperatorActor(msg.op)
	m.showSections()
	m.notice, m.isErr = "Il tuo ruolo è cambiato: ora sei "+string(msg.op.Role)+".", false
	return nil
}

// Close ends the session's subscription to events.
func (m *Model) Close() { m.cancel() }

// Context is the session context (tests).
func (m *Model) Context() *common.Context { return m.ctx }

// Top is the page on screen (tests).
func (m *Model) Top() common.Page { return m.topOf(m.active) }

func (m *Model) topOf(s int) common.Page {
	if st := m.stacks[s]; len(st) > 0 {
		return st[len(st)-1]
	}
	return m.pages[s]
}

// Init opens Home and starts listening to the register's events.
func (m *Model) Init() tea.Cmd { return tea.Batch(m.open(0), m.Listen()) }

// Listen waits for the next event of the register (re-armed after each one).
func (m *Model) Listen() tea.Cmd { return m.waitEvent() }

func (m *Model) waitEvent() tea.Cmd {
	ch := m.events
	return func() tea.Msg {
		e, ok := <-ch
		if !ok {
			return nil
		}
		return common.DataChangedMsg{Event: e}
	}
}

// pageMsg is a message of a command a page returned (see doc.go): it goes back to
// that page, wherever it is then, and what it asks of the root (push, pop, open a
// pass) acts on the section the page belongs to.
type pageMsg struct {
	page    common.Page
	section int
	msg     tea.Msg
}

// teaPkg is Bubble Tea's import path: its own messages (a window size request, quit…)
// are for the program, and are never addressed.
var teaPkg = reflect.TypeOf(tea.QuitMsg{}).PkgPath()

// from addresses the messages of cmd, returned by page p of section s, to p.
func (m *Model) from(s int, p common.Page, cmd tea.Cmd) tea.Cmd {
	return common.MapCmd(cmd, nil, func(msg tea.Msg) tea.Msg {
		if reflect.TypeOf(msg).PkgPath() == teaPkg {
			return msg
		}
		return pageMsg{page: p, section: s, msg: msg}
	})
}

// locate finds an open page: its section and its place on the section's stack (-1:
// the section's own page).
func (m *Model) locate(p common.Page) (s, i int, ok bool) {
	for s := range m.sections {
		if m.pages[s] == p {
			return s, -1, true
		}
		for i, q := range m.stacks[s] {
			if q == p {
				return s, i, true
			}
		}
	}
	return 0, 0, false
}

// deliver gives msg to the page of section s at place i (-1: the section's own page)
// and addresses what its commands answer back to it.
func (m *Model) deliver(s, i int, msg tea.Msg) tea.Cmd {
	p := m.pages[s]
	if i >= 0 {
		p = m.stacks[s][i]
	}
	np, cmd := p.Update(msg)
	if i >= 0 {
		m.stacks[s][i] = np
	} else {
		m.pages[s] = np
	}
	return m.from(s, np, cmd)
}

// editing reports whether section s holds input not saved yet: a form on its stack, or
// on its own page.
func (m *Model) editing(s int) bool {
	for _, p := range m.stacks[s] {
		if common.IsEditing(p) {
			return true
		}
	}
	return m.pages[s] != nil && common.IsEditing(m.pages[s])
}

// open shows section i (its key): the section as it was left, with the scheda or the
// form that was open over it. The key of the section on screen goes back to its first
// page, which reloads, unless a form is open over it: nothing typed is dropped.
func (m *Model) open(i int) tea.Cmd {
	if m.pages[i] == nil {
		m.pages[i] = m.sections[i].New(m.ctx)
	}
	if i == m.active && len(m.stacks[i]) > 0 {
		for _, p := range m.stacks[i] {
			if common.IsEditing(p) {
				return common.Notice("C'è un modulo aperto: salvarlo, o chiuderlo con esc.")
			}
		}
		m.stacks[i] = nil
	}
	m.active = i
	if len(m.stacks[i]) > 0 {
		return nil
	}
	m.pages[i].SetSize(m.ctx.Width, m.pageHeight())
	return m.from(i, m.pages[i], m.pages[i].Init())
}

// showPerson opens Anagrafica (its section, over whatever was on screen) on a person.
func (m *Model) showPerson(id uint64) tea.Cmd {
	for i := range m.sections {
		if m.pages[i] == nil {
			m.pages[i] = m.sections[i].New(m.ctx)
		}
		if p, ok := m.pages[i].(*people.Model); ok {
			if m.editing(i) {
				m.active = i
				return common.Notice("C'è un modulo aperto in Anagrafica: salvarlo, o chiuderlo con esc, prima di aprire un'altra persona.")
			}
			m.stacks[i] = nil
			return tea.Batch(m.open(i), m.from(i, p, p.Show(id)))
		}
	}
	return common.Notice("L'anagrafica non è disponibile in questa sessione.")
}

// push opens p over section s.
func (m *Model) push(s int, p common.Page) tea.Cmd {
	m.stacks[s] = append(m.stacks[s], p)
	p.SetSize(m.ctx.Width, m.pageHeight())
	return m.from(s, p, p.Init())
}

// pop closes page p (and what was opened over it); p nil: the page on top of section s.
func (m *Model) pop(s int, p common.Page) {
	st := m.stacks[s]
	if p == nil {
		if len(st) > 0 {
			m.stacks[s] = st[:len(st)-1]
		}
		return
	}
	for i, q := range st {
		if q == p {
			m.stacks[s] = st[:i]
			return
		}
	}
}

// pageHeight is what the top bar, status and help lines leave.
func (m *Model) pageHeight() int { return max(1, m.ctx.Height-3) }

// each calls f on every open page: the sections' pages, then their stacks.
func (m *Model) each(f func(s, i int, p common.Page)) {
	for s, p := range m.pages {
		if p != nil {
			f(s, -1, p)
		}
	}
	for s, st := range m.stacks {
		for i, p := range st {
			f(s, i, p)
		}
	}
}

// Update: window size, global keys, notices, events, then the page on top; the
// messages of a page's commands go back to that page.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case pageMsg:
		return m, m.fromPage(msg)
	case tea.WindowSizeMsg:
		m.ctx.Width, m.ctx.Height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		m.each(func(_, _ int, p common.Page) { p.SetSize(m.ctx.Width, m.pageHeight()) })
		return m, nil
	case tea.KeyPressMsg:
		if m.tooSmall() && !key.Matches(msg, m.global.Quit) {
			return m, nil // nothing happens out of sight (issue 11.5)
		}
		m.notice = ""
		if cmd, ok := m.globalKey(msg); ok {
			return m, cmd
		}
	case tea.PasteMsg:
		if m.tooSmall() {
			return m, nil
		}
	case common.DataChangedMsg:
		// Every page of the session that is open reloads.
		var cmds []tea.Cmd
		if e, ok := msg.Event.(service.OperatorChanged); ok && e.Name == m.ctx.Operator.Name {
			cmds = append(cmds, m.checkOperator())
		}
		m.each(func(s, i int, _ common.Page) { cmds = append(cmds, m.deliver(s, i, msg)) })
		return m, tea.Batch(append(cmds, m.waitEvent())...)
	case operatorMsg:
		return m, m.followOperator(msg)
	}
	if cmd, ok := m.rootMsg(m.active, nil, msg); ok {
		return m, cmd
	}
	return m, m.deliver(m.active, len(m.stacks[m.active])-1, msg)
}

// fromPage handles a message of a page's command: the root's own messages, in the
// page's section; anything else goes to the page itself, if it is still open.
func (m *Model) fromPage(pm pageMsg) tea.Cmd {
	if cmd, ok := m.rootMsg(pm.section, pm.page, pm.msg); ok {
		return cmd
	}
	s, i, ok := m.locate(pm.page)
	if !ok {
		return nil // the page was closed: its late answers have no one to go to
	}
	return m.deliver(s, i, pm.msg)
}

// rootMsg handles the messages pages send the root, from page p (nil: not known) of
// section s; ok reports msg was one.
func (m *Model) rootMsg(s int, p common.Page, msg tea.Msg) (cmd tea.Cmd, ok bool) {
	switch msg := msg.(type) {
	case common.NoticeMsg:
		m.notice, m.isErr = msg.Text, msg.Error
	case common.OpenPassMsg:
		return m.push(s, pass.New(m.ctx, msg.ID, m.forms)), true
	case common.OpenPersonMsg:
		return m.showPerson(msg.ID), true
	case common.PushMsg:
		return m.push(s, msg.Page), true
	case common.PopMsg:
		m.pop(s, p)
		if msg.Notice != "" {
			m.notice, m.isErr = msg.Notice, false
		}
	default:
		return nil, false
	}
	return nil, true
}

// globalKey handles the keys that work everywhere; ok reports it took the key.
func (m *Model) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	g := m.global
	capturing := m.Top().Capturing()
	switch {
	case key.Matches(msg, g.Quit):
		m.Close()
		return tea.Quit, true
	case m.fullHelp:
		m.fullHelp = false
		return nil, true
	case key.Matches(msg, g.Help) && !capturing:
		m.fullHelp = true
		return nil, true
	case key.Matches(msg, g.Back) && len(m.stacks[m.active]) > 0 && !capturing:
		m.pop(m.active, nil)
		return nil, true
	}
	for i, s := range m.sections {
		if key.Matches(msg, s.Key) {
			return m.open(i), true
		}
	}
	return nil, false
}

// shortNames are the section names the top bar uses when the long ones do not fit.
var shortNames = map[string]string{"Amministrazione": "Ammin.", "Richieste PEC": "PEC"}

// tooSmall: the window cannot show a page (below MinWidth×MinHeight).
func (m *Model) tooSmall() bool {
	return m.ctx.Width < MinWidth || m.ctx.Height < MinHeight
}

// View draws the top bar, the page, the status line and the help line.
func (m *Model) View() tea.View {
	v := tea.NewView(m.content())
	v.AltScreen = true
	v.WindowTitle = "vivipass"
	return v
}

func (m *Model) content() string {
	w, h := m.ctx.Width, m.ctx.Height
	if w == 0 {
		return ""
	}
	if m.tooSmall() {
		// Wrapped, never cut (issue 11.8); the keys wait for a larger window.
		msg := fmt.Sprintf("Finestra troppo piccola: servono almeno %d×%d (ora %d×%d). Allargare la finestra: i tasti non hanno effetto finché è così piccola (ctrl+c esce).", MinWidth, MinHeight, w, h)
		lines := strings.Split(ansi.Wrap(msg, max(10, w), " "), "\n")
		return strings.Join(lines[:min(len(lines), max(1, h))], "\n")
	}
	st := m.ctx.Styles
	place, _ := domain.ComuneByCode(m.ctx.Operator.Comune)
	who := st.Muted.Render(" " + m.ctx.Operator.Name + " · " + place.Name)
	// One space between entries; when the names and who is at the desk do not fit
	// (an administrator at 80 columns), the long names shorten rather than cut.
	var top string
	for _, short := range []bool{false, true} {
		var bar []string
		for i, s := range m.sections {
			name := s.Name
			if short {
				name = shortNames[name]
				if name == "" {
					name = s.Name
				}
			}
			label := s.Key.Help().Key + " " + name
			if i == m.active { // brackets too: the section shows without colour or reverse
				bar = append(bar, st.Section.Render("["+label+"]"))
			} else {
				bar = append(bar, st.Nav.Render(label))
			}
		}
		top = " " + strings.Join(bar, " ")
		if ansi.StringWidth(top)+ansi.StringWidth(who) <= w {
			break
		}
	}
	top = ansi.Truncate(top, w, "…")
	if room := w - ansi.StringWidth(top); room >= ansi.StringWidth(who) {
		top += strings.Repeat(" ", room-ansi.StringWidth(who)) + who
	}
	page := m.Top().View()
	if m.fullHelp {
		page = m.fullHelpView()
	}
	// The status line wraps, never cuts (issue 11.8): a long message takes up to three
	// lines from the bottom of the page until the next key clears it.
	status := m.statusLines(w)
	lines := strings.Split(page, "\n")
	ph := m.pageHeight() - (len(status) - 1)
	if len(lines) > ph {
		lines = lines[:ph]
	}
	for len(lines) < ph {
		lines = append(lines, "")
	}
	return top + "\n" + strings.Join(lines, "\n") + "\n" + strings.Join(status, "\n") + "\n" + m.helpLine()
}

// maxStatusLines bounds how much of the page a message may cover.
const maxStatusLines = 3

// statusLines is the notice wrapped to w cells: an error after "Errore: ", in lower
// case as the sentence goes on ("Errore: lettura della casella…").
func (m *Model) statusLines(w int) []string {
	if m.notice == "" {
		return []string{""}
	}
	text, prefix := m.notice, ""
	if m.isErr {
		text, prefix = lowerFirst(text), m.ctx.Styles.Error.Render("Errore: ")
	}
	lines := strings.Split(ansi.Wrap(text, max(10, w-ansi.StringWidth(prefix)), " "), "\n")
	if len(lines) > maxStatusLines {
		lines = lines[:maxStatusLines]
		lines[maxStatusLines-1] = ansi.Truncate(lines[maxStatusLines-1], w-ansi.StringWidth(prefix)-1, "") + "…"
	}
	for i := range lines {
		if i == 0 {
			lines[i] = prefix + lines[i]
		} else if prefix != "" {
			lines[i] = strings.Repeat(" ", ansi.StringWidth(prefix)) + lines[i]
		}
	}
	return lines
}

// lowerFirst lowers the first letter of a sentence, not of an acronym ("PEC", "CUDE").
func lowerFirst(s string) string {
	r := []rune(s)
	if len(r) > 1 && unicode.IsUpper(r[0]) && !unicode.IsUpper(r[1]) {
		r[0] = unicode.ToLower(r[0])
	}
	return string(r)
}

func (m *Model) helpLine() string {
	// Help and quit first: a long page help is cut at the right edge, these never are.
	bindings := m.global.ShortHelp()
	if len(m.stacks[m.active]) > 0 {
		bindings = append(bindings, m.global.Back)
	}
	bindings = append(bindings, m.Top().ShortHelp()...)
	// Whole keys while they fit, none cut (the bubble's own check lets the last one run
	// past the width); "? aiuto", first, lists the rest (issue 11.8).
	st, sep := m.help.Styles, m.help.Styles.ShortSeparator.Render(m.help.ShortSeparator)
	var b strings.Builder
	width := 0
	for _, kb := range bindings {
		if !kb.Enabled() || kb.Help().Key == "" {
			continue
		}
		item := st.ShortKey.Render(kb.Help().Key) + " " + st.ShortDesc.Render(kb.Help().Desc)
		if width > 0 {
			item = sep + item
		}
		w := ansi.StringWidth(item)
		if width+w > m.ctx.Width {
			break
		}
		b.WriteString(item)
		width += w
	}
	return b.String()
}

func (m *Model) fullHelpView() string {
	st := m.ctx.Styles
	groups := append(m.Top().FullHelp(), m.global.FullHelp()...)
	head := st.Title.Render("Tasti di "+m.Top().Title()) + "  " + st.Muted.Render("(un tasto qualsiasi per chiudere)")
	return head + "\n\n" + helpColumns(m.help.Styles, groups, m.ctx.Width) + "\n\n" + st.Muted.Render(ManualHint)
}

// helpColumns lays the groups of keys side by side while they fit the width, then
// goes on below: a help overlay is never wider than the screen (issue 11.8).
func helpColumns(st help.Styles, groups [][]key.Binding, width int) string {
	var cols []string
	for _, g := range groups {
		keyW := 0
		for _, b := range g {
			if b.Enabled() && b.Help().Key != "" {
				keyW = max(keyW, ansi.StringWidth(b.Help().Key))
			}
		}
		var lines []string
		for _, b := range g {
			if b.Enabled() && b.Help().Key != "" {
				k := b.Help().Key
				lines = append(lines, st.FullKey.Render(k)+strings.Repeat(" ", keyW-ansi.StringWidth(k)+1)+st.FullDesc.Render(b.Help().Desc))
			}
		}
		if len(lines) > 0 {
			cols = append(cols, lipgloss.JoinVertical(lipgloss.Left, lines...))
		}
	}
	const gap = "    "
	var rows []string
	var row []string
	rowW := 0
	for _, c := range cols {
		w := lipgloss.Width(c)
		if len(row) > 0 && rowW+len(gap)+w > width {
			rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
			row, rowW = nil, 0
		}
		if len(row) > 0 {
			row = append(row, gap)
			rowW += len(gap)
		}
		row = append(row, c)
		rowW += w
	}
	if len(row) > 0 {
		rows = append(rows, lipgloss.JoinHorizontal(lipgloss.Top, row...))
	}
	return strings.Join(rows, "\n\n")
}

// ManualHint ends the full help: where the operators' manual is (issue 11.17).
const ManualHint = "Manuale dell'operatore, passo per passo: docs/MANUALE.md nella documentazione"
