package admin

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

// NationalKeys are the keys of Circuito nazionale.
type NationalKeys struct {
	Up, Down, Open, Retry, RetryAll, Filter key.Binding
}

// NewNationalKeys is the default.
func NewNationalKeys() NationalKeys {
	return NationalKeys{
		Up:       key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scegli")),
		Down:     key.NewBinding(key.WithKeys("down")),
		Open:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "apri contrassegno")),
		Retry:    key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "riprova ora")),
		RetryAll: key.NewBinding(key.WithKeys("R"), key.WithHelp("R", "riprova tutti")),
		Filter:   key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "filtro")),
	}
}

// nationalFilters are the views of the queue, in the order f cycles them.
var nationalFilters = []struct {
	label string
	keep  func(state string) bool
}{
	{"da inviare", func(s string) bool { return s == string(service.JobPending) || s == string(service.JobRejected) }},
	{"rifiutati", func(s string) bool { return s == string(service.JobRejected) }},
	{"tutti", func(string) bool { return true }},
}

// nationalView is Circuito nazionale (N2): the queue of the sends to the national
// platform, with their state, attempts, last error and next try; a send retried now.
type nationalView struct {
	ctx    *common.Context
	keys   NationalKeys
	table  components.List[service.NationalJob]
	filter int
	banner []string
	seq    int
	w, h   int
}

type nationalMsg struct {
	seq    int
	jobs   []service.NationalJob
	banner []string
	err    error
}

func newNational(ctx *common.Context) *nationalView {
	v := &nationalView{ctx: ctx, keys: NewNationalKeys()}
	v.columns()
	return v
}

// columns: the last error gets a column only where it fits; at 80 it is read whole
// under the table (issue 11.8: no cut words).
func (v *nationalView) columns() {
	v.table.Columns = []components.Column{{Title: "Contrassegno", Width: 15}, {Title: "Invio", Width: 13}, {Title: "Stato", Width: 11},
		{Title: "Tent.", Width: 5}, {Title: "Prossimo", Width: 16}}
	if v.w >= 110 {
		v.table.Columns = append(v.table.Columns, components.Column{Title: "Ultimo errore", Width: 12, Flex: true})
	}
}

func (v *nationalView) init() tea.Cmd { return v.load() }

func (v *nationalView) load() tea.Cmd {
	v.seq++
	seq, svc, a := v.seq, v.ctx.Svc, v.ctx.Actor
	open := nationalFilters[v.filter].label != "tutti" // the closed sends are read only when shown
	return func() tea.Msg {
		jobs, err := svc.NationalQueue(a, open)
		if err != nil {
			return nationalMsg{seq: seq, err: err}
		}
		banner, err := svc.NationalBanner(a)
		return nationalMsg{seq, jobs, banner, err}
	}
}

func (v *nationalView) capturing() bool { return false }
func (v *nationalView) busy() bool      { return false }

func (v *nationalView) help() []key.Binding {
	k := v.keys
	return []key.Binding{k.Up, k.Open, k.Retry, k.RetryAll, k.Filter}
}

func (v *nationalView) setSize(w, h int) {
	v.w, v.h = w, h
	v.columns()
	v.table.SetSize(w, max(3, h-6))
}

func (v *nationalView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case nationalMsg:
		if msg.seq != v.seq {
			return nil
		}
		if msg.err != nil {
			return common.Err(msg.err)
		}
		v.banner = msg.banner
		keep := nationalFilters[v.filter].keep
		var shown []service.NationalJob
		for _, j := range msg.jobs {
			if keep(string(j.State)) {
				shown = append(shown, j)
			}
		}
		v.table.Set(shown, func(j service.NationalJob) []string {
			next := ""
			if j.State == service.JobPending && !j.NextTry.IsZero() {
				next = j.NextTry.In(domain.Rome).Format("02/01/2006 15:04")
			}
			row := []string{j.Number, j.Kind, j.State.Label(), fmt.Sprint(j.Attempts), next}
			if v.w >= 110 {
				row = append(row, j.LastError)
			}
			return row
		})
		v.table.SetSize(v.w, max(3, v.h-6))
		return nil
	case common.DataChangedMsg:
		return v.load()
	case tea.KeyPressMsg:
		k := v.keys
		switch {
		case key.Matches(msg, k.Up):
			v.table.Move(-1)
		case key.Matches(msg, k.Down):
			v.table.Move(1)
		case key.Matches(msg, k.Open):
			if j, ok := v.table.Selected(); ok {
				id := j.PassID
				return func() tea.Msg { return common.OpenPassMsg{ID: id} }
			}
		case key.Matches(msg, k.Filter):
			v.filter = (v.filter + 1) % len(nationalFilters)
			return v.load()
		case key.Matches(msg, k.Retry):
			j, ok := v.table.Selected()
			if !ok {
				return nil
			}
			return v.retry(j.Seq, "Invio "+j.Kind+" di "+j.Number+" rimesso in coda: parte subito.")
		case key.Matches(msg, k.RetryAll):
			return v.retry(0, "Invii non completati rimessi in coda: partono subito.")
		}
	}
	return nil
}

// retry puts a send (seq 0: every one not done) back in the queue, due now.
func (v *nationalView) retry(seq uint64, done string) tea.Cmd {
	svc, a := v.ctx.Svc, v.ctx.Actor
	return func() tea.Msg {
		n, err := svc.NationalRetry(a, seq)
		switch {
		case err != nil:
			return common.NoticeMsg{Text: common.ErrorText(err), Error: true}
		case n == 0:
			return common.NoticeMsg{Text: "Niente da riprovare: l'invio è già completato."}
		}
		return common.NoticeMsg{Text: done}
	}
}

func (v *nationalView) view() string {
	st := v.ctx.Styles
	var b strings.Builder
	for _, l := range v.banner {
		for _, w := range formkit.Wrap("Attenzione: "+l, max(20, v.w)) {
			b.WriteString(st.Warning.Render(w) + "\n")
		}
	}
	b.WriteString(st.Muted.Render(common.Truncate(fmt.Sprintf("Invii alla piattaforma nazionale · %s (f) · r riprova ora · R tutti",
		nationalFilters[v.filter].label), v.w)) + "\n")
	b.WriteString(v.table.View(st, "Nessun invio "+nationalFilters[v.filter].label+"."))
	if j, ok := v.table.Selected(); ok && j.LastError != "" {
		b.WriteString("\n")
		for _, l := range formkit.Wrap("Ultimo errore: "+j.LastError, max(20, v.w)) {
			b.WriteString(st.Error.Render(l) + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// NationalPage is Circuito nazionale as a page of its own, for every operator (Home,
// key n): the queue of their comune's sends, without the rest of Amministrazione.
type NationalPage struct{ v *nationalView }

// NewNationalPage opens the queue.
func NewNationalPage(ctx *common.Context) common.Page { return &NationalPage{newNational(ctx)} }

func (p *NationalPage) Init() tea.Cmd                             { return p.v.init() }
func (p *NationalPage) Update(msg tea.Msg) (common.Page, tea.Cmd) { return p, p.v.update(msg) }
func (p *NationalPage) View() string                              { return p.v.view() }
func (p *NationalPage) SetSize(w, h int)                          { p.v.setSize(w, h+2) } // no tab bar above
func (p *NationalPage) Title() string                             { return "Circuito nazionale" }
func (p *NationalPage) Capturing() bool                           { return false }
func (p *NationalPage) ShortHelp() []key.Binding                  { return p.v.help() }
func (p *NationalPage) FullHelp() [][]key.Binding                 { return [][]key.Binding{p.v.help()} }
