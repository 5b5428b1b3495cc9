// Package pass is the Scheda contrassegno: the pass's data, holder, plates (windows,
// principale/secondaria), history (versions and every change with who, when and
// channel), national data; and the keys that open the operation forms.
package pass

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components"
	"vivipass/tui/components/formkit"
)

// Tabs of the scheda.
const (
	tabData = iota
	tabPlates
	tabHistory
)

var tabNames = []string{"Dati", "Targhe", "Storico"}

// KeyMap of the page: navigation, and one key per operation.
type KeyMap struct {
	Tab, Up, Down                                       key.Binding
	Renew, Duplicate, Transfer, Suspend, Resume, Revoke key.Binding
	Deceased, AddPlate, ClosePlate, RemovePlate, Role   key.Binding
	Edit, Holder, National, Undo                        key.Binding
	Print, Modules                                      key.Binding
	Open                                                key.Binding // the detail of a change (Storico)
}

// NewKeyMap is the default key map.
func NewKeyMap() KeyMap {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	return KeyMap{
		Tab:         key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "dati/targhe/storico")),
		Up:          key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scorri")),
		Down:        key.NewBinding(key.WithKeys("down")),
		Renew:       b("r", "rinnovo"),
		Duplicate:   b("d", "duplicato"),
		Transfer:    b("t", "trasferisci"),
		Suspend:     b("s", "sospendi"),
		Resume:      b("a", "riattiva"),
		Revoke:      b("v", "revoca"),
		Deceased:    b("m", "decesso"),
		AddPlate:    b("g", "aggiungi targa"),
		ClosePlate:  b("c", "chiudi targa"),
		RemovePlate: b("x", "rimuovi targa"),
		Role:        b("p", "ruolo nazionale"),
		Edit:        b("e", "note e dati nazionali"),
		Holder:      b("o", "anagrafica titolare"),
		National:    b("n", "invio nazionale"),
		Undo:        b("u", "annulla ultima operazione"),
		Print:       b("k", "stampa"),
		Modules:     b("l", "moduli"),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "dettaglio")),
	}
}

// Forms opens the operation forms; the forms package provides it (kept as functions
// so that this page does not depend on how each form is built).
type Forms struct {
	Renew, Duplicate, Transfer, Suspend, Resume, Revoke, Deceased, AddPlate, Edit func(ctx *common.Context, v service.PassView) common.Page
	// Undo asks, then undoes the operator's own last change of the pass (issue 11.4).
	Undo func(ctx *common.Context, v service.PassView) common.Page
	// National is the Invio nazionale form: retry the pass's sends, or "non inviare".
	National                      func(ctx *common.Context, v service.PassView) common.Page
	ClosePlate, RemovePlate, Role func(ctx *common.Context, v service.PassView, plateID uint32) common.Page
	// NewIssue is the nuovo rilascio form, opened from the Contrassegni page (ctrl+n).
	NewIssue func(ctx *common.Context) common.Page
	// Print (Stampa: the card) and Modules (a template filled for the pass) are the
	// printing pages (tui/pages/print); nil when the desk has no printing.
	Print, Modules func(ctx *common.Context, v service.PassView) common.Page
}

// Model is the page.
type Model struct {
	ctx    *common.Context
	keys   KeyMap
	forms  Forms
	id     uint64
	view   service.PassView
	loaded bool
	tab    int
	plates components.Table
	scroll int
	hist   int // the change chosen in the Storico, newest first (history.go)
	w, h   int
}

type loadedMsg struct {
	v   service.PassView
	err error
}

// New opens the scheda of pass id.
func New(ctx *common.Context, id uint64, forms Forms) *Model {
	m := &Model{ctx: ctx, keys: NewKeyMap(), forms: forms, id: id}
	m.plates.Columns = []components.Column{{Title: "Targa", Width: 10}, {Title: "Naz.", Width: 4}, {Title: "Dal", Width: 10},
		{Title: "Al", Width: 10}, {Title: "Tipo", Width: 11, Flex: true}, {Title: "Ruolo", Width: 10}}
	return m
}

func (m *Model) Title() string {
	if m.loaded {
		return "Contrassegno " + m.view.Pass.Number
	}
	return "Contrassegno"
}
func (m *Model) Capturing() bool { return false }

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	if m.tab == tabPlates {
		return []key.Binding{k.Tab, k.AddPlate, k.ClosePlate, k.RemovePlate, k.Role}
	}
	if m.tab == tabHistory {
		return []key.Binding{k.Tab, k.Open} // ↑/↓: the list's heading says it
	}
	// The printing keys come early: the help line is cut at the right edge.
	return append(append([]key.Binding{k.Tab}, m.printing()...), k.Renew, k.Duplicate, k.Suspend, k.Revoke)
}

// printing are the keys of the printing pages the desk has.
func (m *Model) printing() []key.Binding {
	var out []key.Binding
	if m.forms.Print != nil {
		out = append(out, m.keys.Print)
	}
	if m.forms.Modules != nil {
		out = append(out, m.keys.Modules)
	}
	return out
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	groups := [][]key.Binding{{k.Tab, k.Up, k.Edit, k.Holder, k.National, k.Undo}, {k.Renew, k.Duplicate, k.Transfer, k.Suspend, k.Resume, k.Revoke, k.Deceased},
		{k.AddPlate, k.ClosePlate, k.RemovePlate, k.Role}}
	if p := m.printing(); len(p) > 0 {
		groups = append(groups, p)
	}
	return groups
}

func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.plates.SetSize(w, h-4)
}

// ID is the pass shown.
func (m *Model) ID() uint64 { return m.id }

// Init loads the pass.
func (m *Model) Init() tea.Cmd { return m.load() }

func (m *Model) load() tea.Cmd {
	svc, a, id := m.ctx.Svc, m.ctx.Actor, m.id
	return func() tea.Msg {
		v, err := svc.GetPass(a, id)
		return loadedMsg{v, err}
	}
}

// Update handles keys and data.
func (m *Model) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.err != nil {
			return m, common.Err(msg.err)
		}
		chosen := m.chosenSeq()
		m.view, m.loaded = msg.v, true
		if p := msg.v.Pass; !p.Current() && p.NextID != 0 && m.ctx.Actor.Sees(p.Comune) {
			// Renewed or duplicated meanwhile: follow to the live version.
			if next, err := m.ctx.Svc.GetPass(m.ctx.Actor, p.NextID); err == nil {
				m.id, m.view = next.Pass.ID, next
			}
		}
		m.choose(chosen) // a change arriving meanwhile does not move the Storico's choice
		m.fillPlates()
		return m, nil
	case common.DataChangedMsg:
		return m, m.load()
	case tea.KeyPressMsg:
		if !m.loaded {
			return m, nil
		}
		k := m.keys
		switch {
		case key.Matches(msg, k.Tab):
			m.tab = (m.tab + 1) % len(tabNames)
			m.scroll = 0
		case key.Matches(msg, k.Up):
			if m.tab == tabPlates {
				m.plates.Move(-1)
			} else if m.tab == tabHistory {
				m.hist = max(0, m.hist-1)
			} else if m.scroll > 0 {
				m.scroll--
			}
		case key.Matches(msg, k.Down):
			if m.tab == tabPlates {
				m.plates.Move(1)
			} else if m.tab == tabHistory {
				m.hist = min(m.hist+1, max(0, len(m.view.History)-1))
			} else {
				m.scroll++
			}
		case key.Matches(msg, k.Open):
			return m, m.openEntry()
		case key.Matches(msg, k.Holder):
			id := m.view.Holder.ID
			return m, func() tea.Msg { return common.OpenPersonMsg{ID: id} }
		default:
			return m, m.action(msg)
		}
	}
	return m, nil
}

// action opens the form of an operation key.
func (m *Model) action(msg tea.KeyPressMsg) tea.Cmd {
	k, f := m.keys, m.forms
	open := func(fn func(*common.Context, service.PassView) common.Page) tea.Cmd {
		if fn == nil {
			return nil
		}
		p := fn(m.ctx, m.view)
		return common.Push(p)
	}
	withPlate := func(fn func(*common.Context, service.PassView, uint32) common.Page) tea.Cmd {
		if fn == nil {
			return nil
		}
		i := m.plates.Cursor()
		if m.tab != tabPlates || i < 0 {
			return common.Notice("Scegliere prima una targa nella scheda Targhe (tab).")
		}
		p := fn(m.ctx, m.view, m.view.Pass.Plates[i].ID)
		return common.Push(p)
	}
	switch {
	case key.Matches(msg, k.Renew):
		return open(f.Renew)
	case key.Matches(msg, k.Duplicate):
		return open(f.Duplicate)
	case key.Matches(msg, k.Transfer):
		return open(f.Transfer)
	case key.Matches(msg, k.Suspend):
		return open(f.Suspend)
	case key.Matches(msg, k.Revoke):
		return open(f.Revoke)
	case key.Matches(msg, k.Deceased):
		return open(f.Deceased)
	case key.Matches(msg, k.AddPlate):
		return open(f.AddPlate)
	case key.Matches(msg, k.Edit):
		return open(f.Edit)
	case key.Matches(msg, k.Undo):
		return open(f.Undo)
	case key.Matches(msg, k.National):
		return open(f.National)
	case key.Matches(msg, k.Print):
		return open(f.Print)
	case key.Matches(msg, k.Modules):
		return open(f.Modules)
	case key.Matches(msg, k.ClosePlate):
		return withPlate(f.ClosePlate)
	case key.Matches(msg, k.Role):
		return withPlate(f.Role)
	case key.Matches(msg, k.RemovePlate):
		return withPlate(f.RemovePlate) // asks first (issue 11.4)
	case key.Matches(msg, k.Resume):
		return open(f.Resume) // asks first (issue 11.4)
	}
	return nil
}

func (m *Model) fillPlates() {
	p := m.view.Pass
	rows := make([][]string, len(p.Plates))
	for i, pl := range p.Plates {
		f, t := pl.Window(p.DataScadenza)
		role := string(pl.Role)
		if role == "" {
			role = "regionale"
		}
		rows[i] = []string{pl.Number, pl.Country, f.String(), t.String(), string(pl.Class), role}
	}
	m.plates.SetRows(rows)
}

// View draws the heading, the tab bar and the current tab.
func (m *Model) View() string {
	if !m.loaded {
		return "Caricamento…"
	}
	st := m.ctx.Styles
	p, h := m.view.Pass, m.view.Holder
	head := st.Title.Render(p.Number) + "  " + st.Label.Render(m.view.Status.Label()) + " · " + p.Kind.Label() + " · " + p.Channel.Label()
	if p.Duplicate {
		head += "  " + st.Warning.Render("[DUPLICATO]")
	}
	holder := common.Truncate(h.FullName()+"  "+h.CodiceFiscale, m.w)
	var tabs []string
	for i, n := range tabNames {
		if i == m.tab {
			tabs = append(tabs, st.Section.Render("["+n+"]"))
		} else {
			tabs = append(tabs, " "+n+" ")
		}
	}
	var body []string
	switch m.tab {
	case tabData:
		body = m.dataLines()
	case tabPlates:
		body = strings.Split(m.plates.View(st, "Nessuna targa: g per aggiungerne una."), "\n")
		for _, o := range m.view.Overlaps {
			body = append(body, st.Warning.Render("Attenzione: ")+o)
		}
	case tabHistory:
		var from, to int
		body, from, to = m.historyLines()
		// The chosen change in view; the first shows the versions above it too.
		avail := max(1, m.h-3)
		if m.hist == 0 || from < m.scroll {
			m.scroll = from
		}
		if m.hist == 0 && to <= avail {
			m.scroll = 0
		}
		if to > m.scroll+avail {
			m.scroll = min(from, to-avail)
		}
	}
	avail := max(1, m.h-3)
	if m.tab != tabPlates {
		if m.scroll > len(body)-avail {
			m.scroll = max(0, len(body)-avail)
		}
		body = body[m.scroll:]
	}
	if len(body) > avail {
		body = body[:avail]
	}
	return head + "\n" + holder + "\n" + strings.Join(tabs, "") + "\n" + strings.Join(body, "\n")
}

func (m *Model) dataLines() []string {
	st := m.ctx.Styles
	p, h := m.view.Pass, m.view.Holder
	row := func(label, value string) string {
		return st.Label.Render(common.Pad(label, 19)) + common.Truncate(value, m.w-20)
	}
	place := func(code string) string { return domain.PlaceName(code, h.DataNascita) }
	lines := []string{
		row(h.BornLabel(), strings.TrimSpace(h.DataNascita.String()+" "+h.BirthPlace())), // "Nata il", "in GERMANIA" (issue 11.10)
		row("Residenza", strings.TrimSpace(h.Indirizzo+" "+place(h.ComuneResidenza))),
		row("Contatti", strings.TrimSpace(h.Email+"  "+h.Telefono)),
		row("Validità", "dal "+p.DataDecorrenza.String()+" al "+p.DataScadenza.String()),
		row("Rilascio", p.DataRilascio.String()+" · comune "+p.IssuingComune),
	}
	if p.PreviousNumber != "" {
		lines = append(lines, row("Numero precedente", p.PreviousNumber))
	}
	if p.Duplicate {
		lines = append(lines, row("Duplicato", "sì, per "+string(p.DuplicateReason)+" (la stampa riporta DUPLICATO)"))
	}
	if e := p.CardEdition(); e > 1 { // issue 13.2: which card is in force
		lines = append(lines, row("Carta", fmt.Sprintf("edizione %d (il codice QR la riporta)", e)))
	}
	if d := p.ReportLabel(); d != "" { // #11.13: the authority's name may be long: wrapped, never cut
		for i, l := range formkit.Wrap(d, max(20, m.w-20)) {
			label := "Denuncia"
			if i > 0 {
				label = ""
			}
			lines = append(lines, row(label, l))
		}
	}
	if p.StateReason != "" {
		lines = append(lines, row("Motivo stato", p.StateReason+dateFrom(p.StateFrom)))
	}
	if !h.DataDecesso.IsZero() {
		lines = append(lines, row(h.Agree("Deceduto il", "Deceduta il"), h.DataDecesso.String()))
	}
	n := p.National
	lines = append(lines,
		row("Circuito nazionale", fmt.Sprintf("consenso %s · %s", siNo(n.Consent), n.Status.Label())),
		row("CUDE ID", dash(n.CudeID)),
		row("Codice univoco", dash(n.CodiceUnivoco)))
	if n.LastError != "" {
		lines = append(lines, row("Ultimo errore", n.LastError))
	}
	if p.Note != "" {
		lines = append(lines, row("Note", p.Note))
	}
	lines = append(lines, row("Ultima modifica", common.When(p.UpdatedAt)+" da "+p.UpdatedBy))
	return lines
}

func dateFrom(d domain.Date) string {
	if d.IsZero() {
		return ""
	}
	return " (dal " + d.String() + ")"
}

func dash(s string) string {
	if s == "" {
		return "–"
	}
	return s
}

func siNo(b bool) string {
	if b {
		return "sì"
	}
	return "no"
}
