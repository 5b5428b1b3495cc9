package pass

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
	"vivipass/store"
	"vivipass/tui/common"
)

// The Storico (T5): the versions of the pass, then every change newest first, wrapped
// and never cut; ↑/↓ choose a change and enter opens its detail (Entry): who, when,
// channel, what the entry says and each field before → after.

// entries is the history newest first, as the Storico lists it.
func (m *Model) entries() []store.AuditEntry {
	h := m.view.History
	out := make([]store.AuditEntry, len(h))
	for i, e := range h {
		out[len(h)-1-i] = e
	}
	return out
}

// wrapIndent breaks s to w cells; the lines after the first start with indent.
func wrapIndent(s string, w int, indent string) []string {
	lines := strings.Split(ansi.Wrap(s, max(1, w), " "), "\n")
	if len(lines) == 1 {
		return lines
	}
	return append(lines[:1], wrapBlock(strings.Join(lines[1:], " "), w, indent)...)
}

// wrapBlock breaks s to w cells with every line starting with indent.
func wrapBlock(s string, w int, indent string) []string {
	lines := strings.Split(ansi.Wrap(s, max(1, w-len(indent)), " "), "\n")
	for i := range lines {
		lines[i] = indent + lines[i]
	}
	return lines
}

// historyLines is the Storico's body and the lines of the selected change in it
// (from, to: to excluded; both 0 when there is no change to choose).
func (m *Model) historyLines() (lines []string, from, to int) {
	st := m.ctx.Styles
	w := max(20, m.w)
	lines = append(lines, st.Label.Render(fmt.Sprintf("Versioni (%d)", len(m.view.Versions))))
	for _, v := range m.view.Versions {
		s := fmt.Sprintf("  %-15s %-11s dal %s al %s", v.Number, v.State.Label(), v.DataDecorrenza, v.DataScadenza)
		if v.Comune != m.view.Pass.Comune { // moved: the comune of each version
			s += " · comune " + v.Comune
		}
		if v.Duplicate {
			s += " · duplicato"
		}
		lines = append(lines, wrapIndent(s, w, "    ")...)
	}
	entries := m.entries()
	head := fmt.Sprintf("Modifiche (%d)", len(entries))
	if len(entries) > 0 {
		head += " · ↑/↓ per scegliere, invio per il dettaglio"
	}
	for _, l := range wrapIndent(head, w, "") {
		lines = append(lines, st.Label.Render(l))
	}
	if len(entries) == 0 {
		p := m.view.Pass
		lines = append(lines, wrapIndent(fmt.Sprintf("  %s  %s · %s · creato", common.When(p.CreatedAt), p.CreatedBy, p.Channel.Label()), w, "    ")...)
		return lines, 0, 0
	}
	m.hist = min(max(0, m.hist), len(entries)-1)
	for i, e := range entries {
		mark := "  "
		if i == m.hist {
			mark = "› "
			from = len(lines)
		}
		top := mark + common.When(e.At) + "  " + e.Operator + " · " + e.Channel.Label() + " · " + e.Action
		for j, l := range wrapIndent(top, w, "    ") {
			if i == m.hist && j == 0 {
				l = st.Selected.Render(l)
			}
			lines = append(lines, l)
		}
		if e.Detail != "" {
			lines = append(lines, wrapBlock(e.Detail, w, "    ")...)
		}
		if i == m.hist {
			to = len(lines)
		}
	}
	return lines, from, to
}

// chosenSeq is the audit sequence of the chosen change (0: none).
func (m *Model) chosenSeq() uint64 {
	h := m.view.History
	if m.hist < 0 || m.hist >= len(h) {
		return 0
	}
	return h[len(h)-1-m.hist].Seq
}

// choose chooses the change seq again after a reload: the changes another session
// made meanwhile come first in the list, and enter must open the change the operator
// was looking at.
func (m *Model) choose(seq uint64) {
	h := m.view.History
	for i := range h {
		if h[len(h)-1-i].Seq == seq {
			m.hist = i
			return
		}
	}
}

// openEntry opens the detail of the selected change.
func (m *Model) openEntry() tea.Cmd {
	entries := m.entries()
	if m.tab != tabHistory || len(entries) == 0 {
		return nil
	}
	return common.Push(NewEntry(m.ctx, m.view.Pass.Number, entries, min(max(0, m.hist), len(entries)-1)))
}

// EntryKeyMap are the keys of the detail of a change.
type EntryKeyMap struct {
	Prev, Next, Up, Down key.Binding
}

// Entry is the detail of one change of the Storico: who (login and full name), when
// (date, time, weekday), through which channel, the action, what the entry says and
// each field before → after. ←/→ move to the newer and older change; esc goes back.
type Entry struct {
	ctx     *common.Context
	keys    EntryKeyMap
	number  string
	entries []store.AuditEntry // newest first
	i       int
	names   map[string]string // login → full name
	scroll  int
	w, h    int
}

type operatorsMsg struct{ names map[string]string }

// NewEntry opens the change i of entries (newest first) of pass number.
func NewEntry(ctx *common.Context, number string, entries []store.AuditEntry, i int) *Entry {
	return &Entry{ctx: ctx, number: number, entries: entries, i: i, w: 80, h: 21, keys: EntryKeyMap{
		Prev: key.NewBinding(key.WithKeys("left"), key.WithHelp("←/→", "altra modifica")),
		Next: key.NewBinding(key.WithKeys("right")),
		Up:   key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scorri")),
		Down: key.NewBinding(key.WithKeys("down")),
	}}
}

func (e *Entry) Title() string   { return "Storico " + e.number }
func (e *Entry) Capturing() bool { return false }
func (e *Entry) SetSize(w, h int) {
	e.w, e.h = w, h
}
func (e *Entry) ShortHelp() []key.Binding { return []key.Binding{e.keys.Prev, e.keys.Up} }
func (e *Entry) FullHelp() [][]key.Binding {
	return [][]key.Binding{{e.keys.Prev, e.keys.Up}}
}

// Init reads the operators' full names (those the actor may see).
func (e *Entry) Init() tea.Cmd {
	svc, a := e.ctx.Svc, e.ctx.Actor
	return func() tea.Msg {
		ops, err := svc.Operators(a)
		if err != nil {
			return operatorsMsg{} // the login alone still says who
		}
		names := map[string]string{}
		for _, o := range ops {
			if o.FullName != "" {
				names[o.Name] = o.FullName
			}
		}
		return operatorsMsg{names}
	}
}

func (e *Entry) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case operatorsMsg:
		e.names = msg.names
	case tea.KeyPressMsg:
		switch {
		case key.Matches(msg, e.keys.Prev) && e.i > 0:
			e.i, e.scroll = e.i-1, 0
		case key.Matches(msg, e.keys.Next) && e.i < len(e.entries)-1:
			e.i, e.scroll = e.i+1, 0
		case key.Matches(msg, e.keys.Up) && e.scroll > 0:
			e.scroll--
		case key.Matches(msg, e.keys.Down):
			e.scroll++
		}
	}
	return e, nil
}

var weekdays = [...]string{"domenica", "lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato"}

// lines is the detail, wrapped to the page.
func (e *Entry) lines() []string {
	st := e.ctx.Styles
	x := e.entries[e.i]
	w := max(30, e.w)
	var out []string
	for _, l := range wrapIndent(fmt.Sprintf("Modifica %d di %d dello storico di %s", len(e.entries)-e.i, len(e.entries), e.number), w, "") {
		out = append(out, st.Title.Render(l))
	}
	const lw = 13
	row := func(label, value string) {
		for j, l := range wrapBlock(value, w, strings.Repeat(" ", lw)) {
			if j == 0 {
				l = st.Label.Render(common.Pad(label, lw)) + l[lw:]
			}
			out = append(out, l)
		}
	}
	who := x.Operator
	if n := e.names[x.Operator]; n != "" {
		who += " (" + n + ")"
	}
	at := x.At.In(domain.Rome)
	row("Chi", who)
	row("Quando", weekdays[at.Weekday()]+" "+at.Format("02/01/2006")+" alle "+at.Format("15:04:05"))
	row("Canale", x.Channel.Label())
	row("Operazione", x.Action)
	if x.Comune != "" {
		row("Comune", domain.PlaceName(x.Comune, domain.DateOf(x.At)))
	}
	row("Descrizione", common.Dash(x.Detail))
	out = append(out, "", st.Label.Render("Cosa è cambiato"))
	if len(x.Changes) == 0 {
		out = append(out, wrapBlock("Questa modifica è stata registrata prima che lo storico annotasse i singoli campi: vale la descrizione.", w, "  ")...)
	}
	for _, c := range x.Changes {
		line := "  " + c.Field + ": " + common.Dash(c.Before) + " → " + common.Dash(c.After)
		if ansi.StringWidth(line) <= w {
			out = append(out, line)
			continue
		}
		// Too long for one line: before and after one under the other.
		out = append(out, "  "+c.Field)
		out = append(out, wrapIndent("    prima: "+common.Dash(c.Before), w, "           ")...)
		out = append(out, wrapIndent("    dopo:  "+common.Dash(c.After), w, "           ")...)
	}
	return out
}

func (e *Entry) View() string {
	lines := e.lines()
	avail := max(2, e.h)
	if len(lines) <= avail {
		e.scroll = 0
		return strings.Join(lines, "\n")
	}
	// The last line says what is below: the detail is never cut without a word.
	e.scroll = min(e.scroll, len(lines)-avail)
	lines = lines[e.scroll:]
	if len(lines) > avail {
		more := "↓ ancora una riga"
		if n := len(lines) - (avail - 1); n > 1 {
			more = fmt.Sprintf("↓ altre %d righe", n)
		}
		lines = append(lines[:avail-1], e.ctx.Styles.Muted.Render(more))
	}
	return strings.Join(lines, "\n")
}
