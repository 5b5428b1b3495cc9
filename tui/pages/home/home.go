// Package home is the first page of a session: the bacheca informativa (unread notices
// marked), the passes expiring within the comune's alert days, the counts by state, and
// the warnings of the other parts of the desk (P9, M3).
package home

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
	"vivipass/tui/pages/admin"
	"vivipass/tui/pages/print"
	"vivipass/tui/styles"
)

// KeyMap of the page.
type KeyMap struct {
	Up, Down, Open, Read key.Binding
	Reminders, National  key.Binding
}

// NewKeyMap is the default key map.
func NewKeyMap() KeyMap {
	return KeyMap{
		Up:   key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scorri")),
		Down: key.NewBinding(key.WithKeys("down")),
		Open: key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "apri")),
		Read: key.NewBinding(key.WithKeys("b"), key.WithHelp("b", "leggi bacheca")),
		// The reminder letters of the passes expiring (P9), in one PDF.
		Reminders: key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "promemoria")),
		National:  key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "circuito nazionale")),
	}
}

// Warning is a line of the warnings slot, filled by other parts of the desk.
type Warning func(svc *service.Service, a service.Actor) []string

// Model is the page.
type Model struct {
	ctx      *common.Context
	keys     KeyMap
	data     data
	loaded   bool
	table    components.Table
	reading  bool
	warnings []Warning
	w, h     int
	// expiringIDs are the passes of the expiring table, in its order.
	expiringIDs []uint64
}

type data struct {
	counts   map[domain.State]int
	expiring []service.Row // as loaded; the page keeps their ids only (expiringIDs)
	days     int
	notices  []service.Notice
	warn     []string
	// The last copy of the register, for administrators (M7); hasBackup false: none yet.
	backup    service.BackupOutcome
	hasBackup bool
}

type loadedMsg struct {
	d   data
	err error
}

// New makes the page; warnings are the sources of the warnings slot.
func New(ctx *common.Context, warnings ...Warning) *Model {
	m := &Model{ctx: ctx, keys: NewKeyMap(), warnings: warnings}
	m.table.Columns = []components.Column{{Title: "Scadenza", Width: 10}, {Title: "Numero", Width: 15}, {Title: "Titolare", Width: 10, Flex: true}, {Title: "Targhe", Width: 9}}
	return m
}

func (m *Model) Title() string   { return "Home" }
func (m *Model) Capturing() bool { return false }
func (m *Model) ShortHelp() []key.Binding {
	return []key.Binding{m.keys.Up, m.keys.Open, m.keys.Read, m.keys.Reminders}
}

// FullHelp adds Circuito nazionale: at 80 columns the short line has no room for it
// (the platform's warnings on Home name the key).
func (m *Model) FullHelp() [][]key.Binding {
	return [][]key.Binding{append(m.ShortHelp(), m.keys.National)}
}

func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.layout()
}

// Init loads the page.
func (m *Model) Init() tea.Cmd { return m.load() }

func (m *Model) load() tea.Cmd {
	svc, a, warnings := m.ctx.Svc, m.ctx.Actor, m.warnings
	return func() tea.Msg {
		var d data
		var err error
		if d.counts, err = svc.Counts(a); err != nil {
			return loadedMsg{err: err}
		}
		st, err := svc.Settings(a, a.Comune)
		if err != nil {
			return loadedMsg{err: err}
		}
		d.days = st.AlertDays
		if d.expiring, err = svc.Expiring(a, st.AlertDays); err != nil {
			return loadedMsg{err: err}
		}
		if d.notices, err = svc.Bacheca(a); err != nil {
			return loadedMsg{err: err}
		}
		for _, w := range warnings {
			d.warn = append(d.warn, w(svc, a)...)
		}
		if a.Admin() {
			if d.backup, d.hasBackup, err = svc.LastBackup(); err != nil {
				return loadedMsg{err: err}
			}
		}
		return loadedMsg{d: d}
	}
}

// Update handles keys and data.
func (m *Model) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.err != nil {
			return m, common.Err(msg.err)
		}
		m.data, m.loaded = msg.d, true
		// The table's cells and the ids to open are all the page needs of the rows:
		// each session keeps Home while it works elsewhere (issue 14.5).
		rows := make([][]string, len(m.data.expiring))
		m.expiringIDs = make([]uint64, len(m.data.expiring))
		for i, r := range m.data.expiring {
			rows[i] = []string{r.Scadenza.String(), r.Number, r.Holder, strings.Join(r.Plates, " ")}
			m.expiringIDs[i] = r.ID
		}
		m.data.expiring = nil
		m.table.SetRows(rows)
		m.layout()
		return m, nil
	case common.DataChangedMsg:
		return m, m.load()
	case tea.KeyPressMsg:
		if m.reading {
			m.reading = false
			return m, nil
		}
		switch {
		case key.Matches(msg, m.keys.Up):
			m.table.Move(-1)
		case key.Matches(msg, m.keys.Down):
			m.table.Move(1)
		case key.Matches(msg, m.keys.Open):
			if i := m.table.Cursor(); i >= 0 {
				id := m.expiringIDs[i]
				return m, func() tea.Msg { return common.OpenPassMsg{ID: id} }
			}
		case key.Matches(msg, m.keys.Reminders):
			p := print.NewReminders(m.ctx)
			return m, common.Push(p)
		case key.Matches(msg, m.keys.National):
			return m, common.Push(admin.NewNationalPage(m.ctx))
		case key.Matches(msg, m.keys.Read):
			if len(m.data.notices) == 0 {
				return m, common.Notice("La bacheca è vuota.")
			}
			m.reading = true
			svc, a := m.ctx.Svc, m.ctx.Actor
			var unread []uint64
			for i, n := range m.data.notices {
				if !n.Read {
					unread = append(unread, n.Seq)
					m.data.notices[i].Read = true
				}
			}
			return m, func() tea.Msg {
				for _, seq := range unread {
					if err := svc.MarkRead(a, seq); err != nil {
						return common.NoticeMsg{Text: common.ErrorText(err), Error: true}
					}
				}
				return nil
			}
		}
	}
	return m, nil
}

// top is what stands above the table; its height decides the table's.
func (m *Model) top() []string {
	st := m.ctx.Styles
	var lines []string
	unread := 0
	for _, n := range m.data.notices {
		if !n.Read {
			unread++
		}
	}
	head := "Bacheca informativa (" + domain.Count(len(m.data.notices), "avviso", "avvisi")
	if unread > 0 {
		head += fmt.Sprintf(", %d da leggere", unread)
	}
	lines = append(lines, st.Title.Render(head+")"))
	for i, n := range m.data.notices {
		if i == 3 {
			lines = append(lines, st.Muted.Render(fmt.Sprintf("  … altri %d: b per leggerli tutti", len(m.data.notices)-3)))
			break
		}
		mark := "  "
		title := n.Title
		if !n.Read {
			mark, title = "* ", st.Unread.Render(n.Title+" (nuovo)")
		}
		lines = append(lines, mark+common.When(n.At)[:10]+"  "+title)
	}
	var parts []string
	for _, s := range domain.AllStates() {
		if c := m.data.counts[s]; c > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s.Label(), c))
		}
	}
	if len(parts) == 0 {
		parts = []string{"nessun contrassegno"}
	}
	lines = append(lines, "", st.Title.Render("Contrassegni: ")+strings.Join(parts, " · "))
	if len(m.data.warn) == 0 {
		lines = append(lines, st.Muted.Render("Avvisi: nessuno"))
	}
	for _, w := range m.data.warn {
		lines = append(lines, st.Warning.Render("Attenzione: ")+w)
	}
	if m.ctx.Actor.Admin() {
		lines = append(lines, m.backupLines()...)
	}
	lines = append(lines, "", st.Title.Render(fmt.Sprintf("In scadenza entro %s: %d", domain.Count(m.data.days, "giorno", "giorni"), len(m.expiringIDs))))
	return lines
}

// backupLines is the last copy of the register: a failure in red until the next
// success, with the last copy that did succeed (M7).
func (m *Model) backupLines() []string {
	st, b := m.ctx.Styles, m.data.backup
	width := max(20, m.w)
	switch {
	case !m.data.hasBackup:
		return muted(st, formkit.Wrap("Backup: nessuno ancora (il server li fa con --backup-dir; a mano: vivipass backup FILE)", width))
	case !b.OK():
		last := "nessun backup riuscito finora"
		if !b.LastSuccess.IsZero() {
			last = "ultimo riuscito il " + common.When(b.LastSuccess)
		}
		var out []string
		for _, l := range formkit.Wrap("Backup NON riuscito il "+common.When(b.At)+": "+b.Err+" ("+last+")", width) {
			out = append(out, st.Error.Render(l))
		}
		return out
	}
	return muted(st, formkit.Wrap(fmt.Sprintf("Ultimo backup: %s, %s, %d versioni di contrassegni, verificato",
		common.When(b.At), humanSize(b.Size), b.Passes), width))
}

// muted styles wrapped lines (wrapped, never cut: issue 11.8).
func muted(st *styles.Styles, lines []string) []string {
	for i, l := range lines {
		lines[i] = st.Muted.Render(l)
	}
	return lines
}

// humanSize is a size an operator reads: "204 MB".
func humanSize(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10:
		return fmt.Sprintf("%d kB", n>>10)
	}
	return fmt.Sprintf("%d byte", n)
}

func (m *Model) layout() { m.table.SetSize(m.w, max(3, m.h-len(m.top()))) }

// View draws the page.
func (m *Model) View() string {
	if !m.loaded {
		return "Caricamento…"
	}
	if m.reading {
		return m.bachecaView()
	}
	return strings.Join(m.top(), "\n") + "\n" + m.table.View(m.ctx.Styles, "Nessun contrassegno in scadenza.")
}

func (m *Model) bachecaView() string {
	st := m.ctx.Styles
	var b strings.Builder
	b.WriteString(st.Title.Render("Bacheca informativa") + st.Muted.Render("  (un tasto qualsiasi per tornare)") + "\n")
	lines := 1
	for _, n := range m.data.notices {
		block := []string{"", st.Label.Render(common.When(n.At) + "  " + n.Title + "  – " + n.Author)}
		for _, l := range formkit.Wrap(n.Text, max(20, m.w-2)) {
			block = append(block, "  "+l)
		}
		if lines+len(block) > m.h {
			b.WriteString("\n" + st.Muted.Render("(altri avvisi non stanno nello schermo)"))
			break
		}
		b.WriteString(strings.Join(block, "\n") + "\n")
		lines += len(block)
	}
	return b.String()
}
