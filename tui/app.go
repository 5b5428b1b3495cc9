package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/help"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
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
	sections []Section
	pages    []common.Page // one per section, made when first opened
	active   int
	stack    []common.Page // pages opened over the section (scheda, forms)
	forms    pass.Forms
	notice   string
	isErr    bool
	fullHelp bool
	help     help.Model
	events   <-chan service.Event
	cancel   func()
}

// New makes the root model of a session.
func New(o Options) *Model {
	ctx := &common.Context{Svc: o.Svc, Operator: o.Operator, Actor: service.OperatorActor(o.Operator),
		Styles: styles.New(o.Plain || o.Operator.Plain)}
	m := &Model{ctx: ctx, global: keys.NewGlobal(), forms: o.Forms}
	g := m.global
	m.sections = append([]Section{
		{Name: "Home", Key: g.Home, New: func(c *common.Context) common.Page { return home.New(c, o.Warnings...) }},
		{Name: "Contrassegni", Key: g.Passes, New: func(c *common.Context) common.Page { return passes.New(c, o.Forms.NewIssue) }},
	}, o.Sections...)
	var visible []Section
	for _, s := range m.sections {
		if !s.AdminOnly || ctx.Actor.Admin() {
			visible = append(visible, s)
		}
	}
	m.sections = visible
	m.pages = make([]common.Page, len(m.sections))
	m.pages[0] = m.sections[0].New(ctx) // Home: there is always a page on top
	m.help = help.New()
	m.events, m.cancel = o.Svc.Hub().Subscribe(o.Operator.Comune)
	return m
}

// Close ends the session's subscription to events.
func (m *Model) Close() { m.cancel() }

// Context is the session context (tests).
func (m *Model) Context() *common.Context { return m.ctx }

// Top is the page on screen (tests).
func (m *Model) Top() common.Page {
	if n := len(m.stack); n > 0 {
		return m.stack[n-1]
	}
	return m.pages[m.active]
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

// open shows section i, making its page the first time and reloading it after.
func (m *Model) open(i int) tea.Cmd {
	m.active, m.stack = i, nil
	if m.pages[i] == nil {
		m.pages[i] = m.sections[i].New(m.ctx)
	}
	m.pages[i].SetSize(m.ctx.Width, m.pageHeight())
	return m.pages[i].Init()
}

// showPerson opens Anagrafica (its section, over whatever was on screen) on a person.
func (m *Model) showPerson(id uint64) tea.Cmd {
	for i := range m.sections {
		if m.pages[i] == nil {
			m.pages[i] = m.sections[i].New(m.ctx)
		}
		if p, ok := m.pages[i].(*people.Model); ok {
			return tea.Batch(m.open(i), p.Show(id))
		}
	}
	return common.Notice("L'anagrafica non è disponibile in questa sessione.")
}

func (m *Model) push(p common.Page) tea.Cmd {
	m.stack = append(m.stack, p)
	p.SetSize(m.ctx.Width, m.pageHeight())
	return p.Init()
}

// pageHeight is what the top bar, status and help lines leave.
func (m *Model) pageHeight() int { return max(1, m.ctx.Height-3) }

// Update: window size, global keys, notices, events, then the page on top.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.ctx.Width, m.ctx.Height = msg.Width, msg.Height
		m.help.SetWidth(msg.Width)
		for _, p := range append(append([]common.Page{}, m.pages...), m.stack...) {
			if p != nil {
				p.SetSize(m.ctx.Width, m.pageHeight())
			}
		}
		return m, nil
	case tea.KeyPressMsg:
		m.notice = ""
		if cmd, ok := m.globalKey(msg); ok {
			return m, cmd
		}
	case common.NoticeMsg:
		m.notice, m.isErr = msg.Text, msg.Error
		return m, nil
	case common.OpenPassMsg:
		return m, m.push(pass.New(m.ctx, msg.ID, m.forms))
	case common.OpenPersonMsg:
		return m, m.showPerson(msg.ID)
	case common.PushMsg:
		return m, m.push(msg.Page)
	case common.PopMsg:
		if n := len(m.stack); n > 0 {
			m.stack = m.stack[:n-1]
		}
		if msg.Notice != "" {
			m.notice, m.isErr = msg.Notice, false
		}
		return m, nil
	case common.DataChangedMsg:
		// Every page of the session that is open reloads; the top one first.
		var cmds []tea.Cmd
		for _, p := range append(append([]common.Page{}, m.pages...), m.stack...) {
			if p != nil {
				_, cmd := p.Update(msg)
				cmds = append(cmds, cmd)
			}
		}
		return m, tea.Batch(append(cmds, m.waitEvent())...)
	}
	top := m.Top()
	np, cmd := top.Update(msg)
	if n := len(m.stack); n > 0 {
		m.stack[n-1] = np
	} else {
		m.pages[m.active] = np
	}
	return m, cmd
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
	case key.Matches(msg, g.Back) && len(m.stack) > 0 && !capturing:
		m.stack = m.stack[:len(m.stack)-1]
		return nil, true
	}
	for i, s := range m.sections {
		if key.Matches(msg, s.Key) {
			return m.open(i), true
		}
	}
	return nil, false
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
	if w < MinWidth || h < MinHeight {
		return common.Truncate(fmt.Sprintf("Finestra troppo piccola: servono almeno %d×%d (ora %d×%d).", MinWidth, MinHeight, w, h), w)
	}
	st := m.ctx.Styles
	var bar []string
	for i, s := range m.sections {
		label := s.Key.Help().Key + " " + s.Name
		if i == m.active { // brackets too: the section shows without colour or reverse
			bar = append(bar, st.Section.Render("["+label+"]"))
		} else {
			bar = append(bar, st.Nav.Render(" "+label+" "))
		}
	}
	place, _ := domain.ComuneByCode(m.ctx.Operator.Comune)
	who := st.Muted.Render(" " + m.ctx.Operator.Name + " · " + place.Name)
	top := ansi.Truncate(strings.Join(bar, ""), w, "…")
	if room := w - ansi.StringWidth(top); room > ansi.StringWidth(who) {
		top += strings.Repeat(" ", room-ansi.StringWidth(who)) + who
	}
	page := m.Top().View()
	if m.fullHelp {
		page = m.fullHelpView()
	}
	lines := strings.Split(page, "\n")
	ph := m.pageHeight()
	if len(lines) > ph {
		lines = lines[:ph]
	}
	for len(lines) < ph {
		lines = append(lines, "")
	}
	status := ""
	if m.notice != "" {
		if m.isErr {
			status = st.Error.Render("Errore: ") + common.Truncate(m.notice, w-8)
		} else {
			status = common.Truncate(m.notice, w)
		}
	}
	return top + "\n" + strings.Join(lines, "\n") + "\n" + status + "\n" + m.helpLine()
}

func (m *Model) helpLine() string {
	// Help and quit first: a long page help is cut at the right edge, these never are.
	bindings := m.global.ShortHelp()
	if len(m.stack) > 0 {
		bindings = append(bindings, m.global.Back)
	}
	bindings = append(bindings, m.Top().ShortHelp()...)
	return m.help.ShortHelpView(bindings)
}

func (m *Model) fullHelpView() string {
	groups := append(m.Top().FullHelp(), m.global.FullHelp()...)
	return m.ctx.Styles.Title.Render("Tasti di "+m.Top().Title()) + "  " + m.ctx.Styles.Muted.Render("(un tasto qualsiasi per chiudere)") + "\n\n" + m.help.FullHelpView(groups)
}
