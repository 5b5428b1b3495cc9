// Package admin is the Amministrazione page, for administrators only (the root shows
// the section to them alone, and every use case checks the role again): a menu of
// Import massivi (M1: a legacy CSV on the server, checked first, then imported with a
// progress bar), Operatori (M4: role, comune, SSH keys), Impostazioni del comune (M5)
// Bacheca (M3: notices for the operators), and the printing pages (tui/pages/print):
// Gestione moduli (S6) and Stampanti (S1, S2).
//
// Each entry is a sub-view of the page; esc goes back to the menu unless a form or an
// import is under way. The printing entries are pages of their own, opened over the
// section (esc comes back to the menu).
package admin

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/tui/common"
	"vivipass/tui/pages/print"
)

// KeyMap of the menu; each sub-view has its own.
type KeyMap struct {
	Up, Down, Open, Back key.Binding
	Import, Operators    key.Binding
	Settings, Bacheca    key.Binding
	Templates, Printers  key.Binding
	National, Clients    key.Binding
}

// NewKeyMap is the default key map.
func NewKeyMap() KeyMap {
	return KeyMap{
		Up:        key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scegli")),
		Down:      key.NewBinding(key.WithKeys("down")),
		Open:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "apri")),
		Back:      key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "menu")),
		Import:    key.NewBinding(key.WithKeys("1"), key.WithHelp("1", "import")),
		Operators: key.NewBinding(key.WithKeys("2"), key.WithHelp("2", "operatori")),
		Settings:  key.NewBinding(key.WithKeys("3"), key.WithHelp("3", "impostazioni")),
		Bacheca:   key.NewBinding(key.WithKeys("4"), key.WithHelp("4", "bacheca")),
		Templates: key.NewBinding(key.WithKeys("5"), key.WithHelp("5", "moduli")),
		Printers:  key.NewBinding(key.WithKeys("6"), key.WithHelp("6", "stampanti")),
		National:  key.NewBinding(key.WithKeys("7"), key.WithHelp("7", "circuito nazionale")),
		Clients:   key.NewBinding(key.WithKeys("8"), key.WithHelp("8", "clienti HTTP")),
	}
}

// sub is one entry of the menu.
type sub interface {
	init() tea.Cmd
	update(msg tea.Msg) tea.Cmd
	view() string
	help() []key.Binding
	capturing() bool
	// busy: a form or an import is under way, esc belongs to it.
	busy() bool
	setSize(w, h int)
}

type entry struct {
	name, what string
	make       func(ctx *common.Context) sub
	page       func(ctx *common.Context) common.Page // an entry that is a page of its own
}

var entries = []entry{
	{"Import massivi", "il registro precedente da un file CSV della cartella import/", func(c *common.Context) sub { return newImport(c) }, nil},
	{"Operatori", "chi accede, con quale ruolo e con quali chiavi SSH", func(c *common.Context) sub { return newOperators(c) }, nil},
	{"Impostazioni del comune", "scadenza, finestra temporale, preavviso, PEC", func(c *common.Context) sub { return newSettings(c) }, nil},
	{"Bacheca", "avvisi per gli operatori del comune", func(c *common.Context) sub { return newBacheca(c) }, nil},
	{"Gestione moduli", "modelli dei documenti: testo, tag, file", nil, print.NewTemplates},
	{"Stampanti", "calibrazione, fronte-retro, stampante di ciascuno", nil, print.NewPrinters},
	{"Circuito nazionale", "invii alla piattaforma CUDE: coda, errori, riprova", func(c *common.Context) sub { return newNational(c) }, nil},
	{"Clienti HTTP", "varchi, polizia, servizi: token e interrogazioni", func(c *common.Context) sub { return newClients(c) }, nil},
}

// Model is the page.
type Model struct {
	ctx    *common.Context
	keys   KeyMap
	cursor int
	open   int   // -1: the menu
	subs   []sub // made when first opened
	w, h   int
}

// New makes the page.
func New(ctx *common.Context) *Model {
	return &Model{ctx: ctx, keys: NewKeyMap(), open: -1, subs: make([]sub, len(entries))}
}

func (m *Model) Title() string {
	if m.open >= 0 {
		return "Amministrazione: " + entries[m.open].name
	}
	return "Amministrazione"
}

func (m *Model) Capturing() bool { return m.open >= 0 && m.subs[m.open].capturing() }

func (m *Model) ShortHelp() []key.Binding {
	if m.open >= 0 {
		s := m.subs[m.open]
		if s.busy() {
			return s.help()
		}
		return append([]key.Binding{m.keys.Back}, s.help()...)
	}
	return []key.Binding{m.keys.Up, m.keys.Open, m.keys.Import, m.keys.Operators, m.keys.Settings, m.keys.Bacheca}
}

func (m *Model) FullHelp() [][]key.Binding {
	groups := [][]key.Binding{{m.keys.Up, m.keys.Open, m.keys.Back}, {m.keys.Import, m.keys.Operators, m.keys.Settings, m.keys.Bacheca},
		{m.keys.Templates, m.keys.Printers, m.keys.National, m.keys.Clients}}
	if m.open >= 0 {
		groups = append(groups, m.subs[m.open].help())
	}
	return groups
}

func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	for _, s := range m.subs {
		if s != nil {
			s.setSize(w, h-1)
		}
	}
}

// Init shows the page again: the open entry reloads (an import under way picks up
// where it is).
func (m *Model) Init() tea.Cmd {
	if m.open >= 0 {
		return m.subs[m.open].init()
	}
	return nil
}

// Open shows entry i of the menu (0 import, 1 operators, 2 settings, 3 bacheca, 4
// templates, 5 printers).
func (m *Model) Open(i int) tea.Cmd {
	if e := entries[i]; e.page != nil {
		m.cursor = i
		p := e.page(m.ctx)
		return common.Push(p)
	}
	m.cursor, m.open = i, i
	if m.subs[i] == nil {
		m.subs[i] = entries[i].make(m.ctx)
		m.subs[i].setSize(m.w, m.h-1)
	}
	return m.subs[i].init()
}

// Update handles the menu keys and hands the rest to the open entry.
func (m *Model) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	if _, ok := msg.(common.DataChangedMsg); ok {
		var cmds []tea.Cmd
		for _, s := range m.subs {
			if s != nil {
				cmds = append(cmds, s.update(msg))
			}
		}
		return m, tea.Batch(cmds...)
	}
	if _, ok := msg.(importWakeMsg); ok {
		// The import reports to its entry whichever entry is on screen.
		if s := m.subs[0]; s != nil {
			return m, s.update(msg)
		}
		return m, nil
	}
	k, isKey := msg.(tea.KeyPressMsg)
	if m.open >= 0 {
		s := m.subs[m.open]
		if isKey && key.Matches(k, m.keys.Back) && !s.busy() {
			m.open = -1
			return m, nil
		}
		return m, s.update(msg)
	}
	if !isKey {
		return m, nil
	}
	switch {
	case key.Matches(k, m.keys.Up):
		m.cursor = (m.cursor + len(entries) - 1) % len(entries)
	case key.Matches(k, m.keys.Down):
		m.cursor = (m.cursor + 1) % len(entries)
	case key.Matches(k, m.keys.Open):
		return m, m.Open(m.cursor)
	case key.Matches(k, m.keys.Import):
		return m, m.Open(0)
	case key.Matches(k, m.keys.Operators):
		return m, m.Open(1)
	case key.Matches(k, m.keys.Settings):
		return m, m.Open(2)
	case key.Matches(k, m.keys.Bacheca):
		return m, m.Open(3)
	case key.Matches(k, m.keys.Templates):
		return m, m.Open(4)
	case key.Matches(k, m.keys.Printers):
		return m, m.Open(5)
	case key.Matches(k, m.keys.National):
		return m, m.Open(6)
	case key.Matches(k, m.keys.Clients):
		return m, m.Open(7)
	}
	return m, nil
}

// View draws the menu or the open entry under a heading.
func (m *Model) View() string {
	st := m.ctx.Styles
	place, _ := domain.ComuneByCode(m.ctx.Operator.Comune)
	if m.open >= 0 {
		return st.Title.Render("Amministrazione › "+entries[m.open].name) + "\n" + m.subs[m.open].view()
	}
	var b strings.Builder
	b.WriteString(st.Title.Render("Amministrazione") + st.Muted.Render(" · comune "+place.Code+" "+place.Name) + "\n\n")
	for i, e := range entries {
		line := fmt.Sprintf("%d  %-24s %s", i+1, e.name, e.what)
		if i == m.cursor {
			b.WriteString(st.Selected.Render("> "+common.Truncate(line, m.w-2)) + "\n")
		} else {
			b.WriteString("  " + common.Truncate(line, m.w-2) + "\n")
		}
	}
	b.WriteString("\n" + st.Muted.Render("invio o il numero apre una voce; esc torna a questo menu."))
	return b.String()
}

// SelectedOperator is the operator selected in Operatori ("" if none; tests).
func (m *Model) SelectedOperator() string {
	if v, ok := m.subs[1].(*operatorsView); ok {
		if op, ok := v.table.Selected(); ok {
			return op.Name
		}
	}
	return ""
}

// SelectedPost is the title of the notice selected in Bacheca ("" if none; tests).
func (m *Model) SelectedPost() string {
	if v, ok := m.subs[3].(*bachecaView); ok {
		if p, ok := v.table.Selected(); ok {
			return p.Title
		}
	}
	return ""
}
