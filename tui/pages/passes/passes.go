// Package passes is the Contrassegni page: the passes table of the operator's comune
// with search while typing (number, codice fiscale, surname/name, plate), filters on
// state, channel, kind and expiry, and sorting (P10, P11).
package passes

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components"
	"vivipass/tui/components/formkit"
)

// KeyMap of the page.
type KeyMap struct {
	Up, Down, PgUp, PgDown, Open, New, Focus key.Binding
	State, Channel, Kind, Expiry, Sort       key.Binding
}

// NewKeyMap is the default key map.
func NewKeyMap() KeyMap {
	return KeyMap{
		Up:      key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scorri")),
		Down:    key.NewBinding(key.WithKeys("down")),
		PgUp:    key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pag↑/↓", "pagina")),
		PgDown:  key.NewBinding(key.WithKeys("pgdown")),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "apri")),
		New:     key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "nuovo rilascio")),
		Focus:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "cerca/elenco")),
		State:   key.NewBinding(key.WithKeys("f5", "alt+s"), key.WithHelp("F5", "stato")),
		Channel: key.NewBinding(key.WithKeys("f6", "alt+c"), key.WithHelp("F6", "canale")),
		Kind:    key.NewBinding(key.WithKeys("f7", "alt+t"), key.WithHelp("F7", "tipo")),
		Expiry:  key.NewBinding(key.WithKeys("f8", "alt+e"), key.WithHelp("F8", "scadenza")),
		Sort:    key.NewBinding(key.WithKeys("f9", "alt+o"), key.WithHelp("F9", "ordina")),
	}
}

// The filter choices, cycled by their keys; index 0 is "all".
var (
	stateChoices   = []domain.State{"", domain.Attivo, domain.InScadenza, domain.Scaduto, domain.Sospeso, domain.Revocato, domain.Trasferito, domain.TrasferitoFuori}
	channelChoices = []domain.Channel{"", domain.Sportello, domain.App, domain.Import}
	kindChoices    = []domain.Kind{"", domain.Permanente, domain.Temporaneo}
	expiryChoices  = []struct {
		label string
		days  int
	}{{"tutte", 0}, {"entro 30 giorni", 30}, {"entro 60 giorni", 60}, {"entro 90 giorni", 90}, {"già scaduti", -1}}
	sortChoices = []struct{ key, label string }{{"nome", "nome"}, {"scadenza", "scadenza"}, {"numero", "numero"}}
)

// Model is the page.
type Model struct {
	ctx                                *common.Context
	keys                               KeyMap
	newIssue                           func(*common.Context) common.Page
	search                             textinput.Model
	table                              components.Table
	rows                               []service.Row
	more                               bool
	limit                              int // rows asked of the search
	searches                           components.Search
	state, channel, kind, expiry, sort int
	w, h                               int
}

type resultMsg struct {
	seq int
	res service.SearchResult
	err error
}

// New makes the page; newIssue opens the nuovo rilascio form (ctrl+n), nil when the
// desk has no forms.
func New(ctx *common.Context, newIssue func(*common.Context) common.Page) *Model {
	m := &Model{ctx: ctx, keys: NewKeyMap(), newIssue: newIssue,
		search: formkit.TextInput("Cerca: ", "numero, anno, cod. fiscale, nome, targa, scadenze gg/mm/aaaa-gg/mm/aaaa", 40)}
	m.search.Focus()
	return m
}

func (m *Model) Title() string   { return "Contrassegni" }
func (m *Model) Capturing() bool { return m.search.Focused() }

func (m *Model) ShortHelp() []key.Binding {
	return []key.Binding{m.keys.Open, m.keys.New, m.keys.Focus, m.keys.State, m.keys.Expiry}
}

func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{{m.keys.Up, m.keys.PgUp, m.keys.Open, m.keys.New, m.keys.Focus},
		{m.keys.State, m.keys.Channel, m.keys.Kind, m.keys.Expiry, m.keys.Sort}}
}

func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.search.SetWidth(max(10, w-len(m.search.Prompt)-2))
	m.table.SetSize(w, h-2) // under the search and the filters
	m.layoutColumns()
}

func (m *Model) layoutColumns() {
	cols := []components.Column{{Title: "Numero", Width: 15}, {Title: "Titolare", Width: 12, Flex: true}}
	if m.w >= 110 {
		cols = append(cols, components.Column{Title: "Codice fiscale", Width: 16})
	}
	cols = append(cols, components.Column{Title: "Stato", Width: 11}, components.Column{Title: "Scadenza", Width: 10}, components.Column{Title: "Targhe", Width: 10})
	if m.w >= 100 {
		cols = append(cols, components.Column{Title: "Canale", Width: 9})
	}
	m.table.Columns = cols
	m.fill()
}

// Rows are fetched a page at a time: a keystroke asks only for what the table can show
// (the search decodes every row it returns), more is fetched as the cursor nears the end.
const (
	FirstRows = 60 // exported for the SSH benchmark, which predicts the screen
	moreRows  = 240
)

// Init runs the first search (every pass of the comune, by name).
func (m *Model) Init() tea.Cmd { return m.newQuery() }

// newQuery starts a search from its first rows (the text or a filter changed).
func (m *Model) newQuery() tea.Cmd {
	m.limit = FirstRows
	m.table.SetCursor(0)
	return m.query()
}

// more fetches further rows when the cursor is within a page of the last one.
func (m *Model) fetchMore() tea.Cmd {
	if !m.more || m.table.Cursor() < len(m.rows)-m.table.Page() || m.limit > len(m.rows) {
		return nil
	}
	m.limit = len(m.rows) + moreRows
	return m.query()
}

func (m *Model) query() tea.Cmd {
	seq, svc, a := m.searches.Ask(), m.ctx.Svc, m.ctx.Actor
	q := service.Query{Text: m.search.Value(), States: nil, Channel: channelChoices[m.channel],
		Kind: kindChoices[m.kind], Sort: sortChoices[m.sort].key, Limit: m.limit}
	if st := stateChoices[m.state]; st != "" {
		q.States = []domain.State{st}
	}
	today := svc.Today()
	switch d := expiryChoices[m.expiry].days; {
	case d > 0:
		q.ExpiryFrom, q.ExpiryTo = today, today.AddDays(d)
	case d < 0:
		q.ExpiryTo = today.AddDays(-1)
	}
	return func() tea.Msg {
		res, err := svc.Search(a, q)
		return resultMsg{seq, res, err}
	}
}

// Update handles keys and results.
func (m *Model) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case resultMsg:
		current, enter := m.searches.Answered(msg.seq)
		if msg.err != nil {
			return m, common.Err(msg.err)
		}
		if enter && !current { // what was typed before the enter: its first row
			if len(msg.res.Rows) == 0 {
				return m, common.Notice("Nessun contrassegno da aprire: cambiare la ricerca o i filtri.")
			}
			id := msg.res.Rows[0].ID
			return m, func() tea.Msg { return common.OpenPassMsg{ID: id} }
		}
		if !current {
			return m, nil // an older search answered late
		}
		// A copy the size of the rows: the search's slice can hold several times more
		// room (48 KB for the first 60 rows of a region), kept as long as the page
		// (issue 14.5).
		m.rows, m.more = slices.Clone(msg.res.Rows), msg.res.More
		m.fill()
		if enter {
			return m, m.open()
		}
		return m, nil
	case common.DataChangedMsg:
		return m, m.query()
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, m.keys.Up):
			m.table.Move(-1)
			return m, nil
		case key.Matches(msg, m.keys.Down):
			m.table.Move(1)
			return m, m.fetchMore()
		case key.Matches(msg, m.keys.PgUp):
			m.table.Move(-m.table.Page())
			return m, nil
		case key.Matches(msg, m.keys.PgDown):
			m.table.Move(m.table.Page())
			return m, m.fetchMore()
		case key.Matches(msg, m.keys.Open):
			if m.searches.Enter() {
				return m, m.open()
			}
			return m, nil // opens when the search of what was typed answers
		case key.Matches(msg, m.keys.New):
			if m.newIssue == nil {
				return m, nil
			}
			p := m.newIssue(m.ctx)
			return m, common.Push(p)
		case key.Matches(msg, m.keys.Focus):
			if m.search.Focused() {
				m.search.Blur()
				return m, nil
			}
			return m, m.search.Focus()
		case key.Matches(msg, m.keys.State):
			m.state = (m.state + 1) % len(stateChoices)
			return m, m.newQuery()
		case key.Matches(msg, m.keys.Channel):
			m.channel = (m.channel + 1) % len(channelChoices)
			return m, m.newQuery()
		case key.Matches(msg, m.keys.Kind):
			m.kind = (m.kind + 1) % len(kindChoices)
			return m, m.newQuery()
		case key.Matches(msg, m.keys.Expiry):
			m.expiry = (m.expiry + 1) % len(expiryChoices)
			return m, m.newQuery()
		case key.Matches(msg, m.keys.Sort):
			m.sort = (m.sort + 1) % len(sortChoices)
			return m, m.newQuery()
		}
		if !m.search.Focused() && components.Printable(msg) {
			m.search.Focus() // a letter typed on the list is a search (issue 11.2)
		}
		if m.search.Focused() {
			return m, m.typed(msg)
		}
	case tea.PasteMsg:
		// A codice fiscale or a number pasted from a message or the register's list
		// is a search, wherever the focus was.
		m.search.Focus()
		return m, m.typed(msg)
	}
	return m, nil
}

// typed gives msg (a key, a paste) to the search field and searches again if it changed.
func (m *Model) typed(msg tea.Msg) tea.Cmd {
	before := m.search.Value()
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(msg)
	if m.search.Value() != before {
		return tea.Batch(cmd, m.newQuery())
	}
	return cmd
}

// open opens the pass under the cursor; on an empty list it says so.
func (m *Model) open() tea.Cmd {
	if i := m.table.Cursor(); i >= 0 {
		id := m.rows[i].ID
		return func() tea.Msg { return common.OpenPassMsg{ID: id} }
	}
	return common.Notice("Nessun contrassegno da aprire: cambiare la ricerca o i filtri.")
}

// Selected is the selected row's pass id (0 if none).
func (m *Model) Selected() uint64 {
	if i := m.table.Cursor(); i >= 0 {
		return m.rows[i].ID
	}
	return 0
}

func (m *Model) fill() {
	rows := make([][]string, len(m.rows))
	for i, r := range m.rows {
		status := r.Status.Label()
		if r.Duplicate {
			status += " (D)"
		}
		cells := []string{r.Number, r.Holder}
		if m.w >= 110 {
			cells = append(cells, r.CF)
		}
		cells = append(cells, status, r.Scadenza.String(), platesCell(r.Plates))
		if m.w >= 100 {
			cells = append(cells, r.Channel.Label())
		}
		rows[i] = cells
	}
	m.table.SetRows(rows)
}

// platesCell is the first plate and how many more ("FG456HJ +1"): a plate is never
// shown cut (issue 11.8); the card lists them all.
func platesCell(plates []string) string {
	switch len(plates) {
	case 0:
		return ""
	case 1:
		return plates[0]
	}
	return fmt.Sprintf("%s +%d", plates[0], len(plates)-1)
}

func (m *Model) filterLine() string {
	st := m.ctx.Styles
	label := func(name, val string, active bool) string {
		if active {
			return st.Label.Render(name + ": " + val)
		}
		return st.Muted.Render(name + ": " + val)
	}
	state := "tutti"
	if s := stateChoices[m.state]; s != "" {
		state = s.Label()
	}
	channel := "tutti"
	if c := channelChoices[m.channel]; c != "" {
		channel = c.Label()
	}
	kind := "tutti"
	if k := kindChoices[m.kind]; k != "" {
		kind = k.Label()
	}
	count := fmt.Sprintf("%d trovati", len(m.rows))
	if len(m.rows) == 1 {
		count = "1 trovato"
	}
	if m.more {
		count = fmt.Sprintf("%d+ trovati", len(m.rows)) // more as the cursor nears the end
	}
	expiry, typed := expiryChoices[m.expiry].label, false
	if from, to, ok := service.ExpiryRange(m.search.Value()); ok { // typed in the search (issue 11.12)
		expiry, typed = from.String()+"–"+to.String(), true
	}
	items := []struct {
		text   string
		active bool
	}{{label("stato", state, m.state > 0), m.state > 0}, {label("canale", channel, m.channel > 0), m.channel > 0},
		{label("tipo", kind, m.kind > 0), m.kind > 0}, {label("scad.", expiry, m.expiry > 0 || typed), m.expiry > 0 || typed}}
	var all, active []string
	for _, it := range items {
		all = append(all, it.text)
		if it.active {
			active = append(active, it.text)
		}
	}
	tail := []string{st.Muted.Render("ord. " + sortChoices[m.sort].label), count}
	line := strings.Join(append(all, tail...), "  ")
	if ansi.StringWidth(line) > m.w { // only the filters that act: the line is never cut (issue 11.8)
		line = strings.Join(append(active, tail...), "  ")
	}
	return line
}

// View draws the search line, the filters and the table.
func (m *Model) View() string {
	return m.search.View() + "\n" + m.filterLine() + "\n" + m.table.View(m.ctx.Styles, "Nessun contrassegno: cambiare la ricerca o i filtri.")
}
