package admin

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components"
	"vivipass/tui/components/formkit"
)

// BachecaKeys are the keys of Bacheca.
type BachecaKeys struct {
	Up, Down, Add, Remove key.Binding
}

// NewBachecaKeys is the default.
func NewBachecaKeys() BachecaKeys {
	return BachecaKeys{
		Up:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scegli")),
		Down:   key.NewBinding(key.WithKeys("down")),
		Add:    key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "nuovo avviso")),
		Remove: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "rimuovi")),
	}
}

// bachecaView publishes and removes the notices the operators of the comune see in
// Home (M3).
type bachecaView struct {
	ctx   *common.Context
	keys  BachecaKeys
	table components.List[service.Notice]
	dlg   *formkit.Dialog
	seq   int
	w, h  int
}

type postsMsg struct {
	seq   int
	posts []service.Notice
	err   error
}

func newBacheca(ctx *common.Context) *bachecaView {
	v := &bachecaView{ctx: ctx, keys: NewBachecaKeys()}
	v.table.Columns = []components.Column{{Title: "Data", Width: 10}, {Title: "Titolo", Width: 20, Flex: true}, {Title: "Autore", Width: 12}, {Title: "Per", Width: 8}}
	return v
}

func (v *bachecaView) init() tea.Cmd {
	return v.load()
}

func (v *bachecaView) load() tea.Cmd {
	v.seq++
	seq, svc, a := v.seq, v.ctx.Svc, v.ctx.Actor
	return func() tea.Msg {
		ps, err := svc.Bacheca(a)
		return postsMsg{seq, ps, err}
	}
}

func (v *bachecaView) capturing() bool { return v.dlg != nil }
func (v *bachecaView) busy() bool      { return v.dlg != nil }

func (v *bachecaView) help() []key.Binding {
	if v.dlg != nil {
		return v.dlg.Help()
	}
	return []key.Binding{v.keys.Up, v.keys.Add, v.keys.Remove}
}

func (v *bachecaView) setSize(w, h int) {
	v.w, v.h = w, h
	v.table.SetSize(w, v.tableHeight())
	if v.dlg != nil {
		v.dlg.Resize(w, h-3)
	}
}

func (v *bachecaView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case postsMsg:
		if msg.seq != v.seq {
			return nil
		}
		if msg.err != nil {
			return common.Err(msg.err)
		}
		v.fill(msg.posts)
		return nil
	case common.DataChangedMsg:
		return v.load()
	case doneMsg:
		if v.dlg == nil {
			return nil
		}
		if msg.err != nil {
			return v.dlg.Refused(common.ErrorText(msg.err))
		}
		v.dlg = nil
		return tea.Batch(common.Notice(msg.notice), v.load())
	}
	if v.dlg != nil {
		cmd, aborted := v.dlg.Update(msg)
		if aborted {
			v.dlg = nil
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, v.keys.Up):
		v.table.Move(-1)
	case key.Matches(k, v.keys.Down):
		v.table.Move(1)
	case key.Matches(k, v.keys.Add):
		v.dlg = v.publishDialog()
		return v.dlg.Init()
	case key.Matches(k, v.keys.Remove):
		p, ok := v.table.Selected()
		if !ok {
			return nil
		}
		if p.Comune == "" {
			return common.Notice("Questo avviso è per tutti i comuni: lo rimuove l'amministratore del server.")
		}
		v.dlg = v.removeDialog(p)
		return v.dlg.Init()
	}
	return nil
}

func (v *bachecaView) fill(posts []service.Notice) {
	v.table.Set(posts, func(p service.Notice) []string {
		to := p.Comune
		if to == "" {
			to = "tutti"
		}
		return []string{common.When(p.At)[:10], p.Title, p.Author, to}
	})
	v.table.SetSize(v.w, v.tableHeight())
}

// tableHeight fits the notices (at most 8), leaving room for the selected one's text.
func (v *bachecaView) tableHeight() int { return max(3, min(v.table.Len()+1, 9, v.h-9)) }

func (v *bachecaView) view() string {
	st := v.ctx.Styles
	if v.dlg != nil {
		return v.dlg.View(st, v.w)
	}
	var b strings.Builder
	b.WriteString(st.Muted.Render(common.Truncate(domain.Count(v.table.Len(), "avviso", "avvisi")+", in Home per gli operatori del comune (i nuovi restano segnati).", v.w)) + "\n")
	b.WriteString(v.table.View(st, "Nessun avviso: a per pubblicarne uno.") + "\n")
	b.WriteString(st.Muted.Render("a nuovo avviso · x rimuove quello scelto") + "\n\n")
	if p, ok := v.table.Selected(); ok {
		b.WriteString(st.Label.Render(common.Truncate(p.Title, v.w)) + st.Muted.Render("  "+common.When(p.At)+" · "+p.Author) + "\n")
		room := max(1, v.h-v.table.Page()-7)
		lines := formkit.Wrap(p.Text, max(20, v.w-2))
		for i, l := range lines {
			if i == room-1 && len(lines) > room {
				b.WriteString(st.Muted.Render("  …") + "\n")
				break
			}
			b.WriteString("  " + l + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// publishDialog writes a notice for the operators of the comune.
func (v *bachecaView) publishDialog() *formkit.Dialog {
	svc, a, plain := v.ctx.Svc, v.ctx.Actor, v.ctx.Styles.Plain
	title, text := "", ""
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(
			huh.NewInput().Key("title").Title("Titolo").CharLimit(80).Value(&title).
				Validate(formkit.Required("il titolo dell'avviso è obbligatorio")),
			huh.NewText().Key("text").Title("Testo").Description("ctrl+j va a capo; invio pubblica.").
				CharLimit(4000).Lines(6).Value(&text),
		).Title("Nuovo avviso per gli operatori del comune " + a.Comune)}
	}
	submit := func() tea.Cmd {
		return func() tea.Msg {
			p, err := svc.Publish(a, a.Comune, title, text)
			if err != nil {
				return doneMsg{err: err}
			}
			return doneMsg{notice: "Avviso «" + p.Title + "» pubblicato in bacheca."}
		}
	}
	return formkit.NewDialog("Bacheca: nuovo avviso", plain, v.w, v.h-3, groups, submit)
}

func (v *bachecaView) removeDialog(p service.Notice) *formkit.Dialog {
	svc, a := v.ctx.Svc, v.ctx.Actor
	return formkit.Question{Title: "Bacheca: rimozione",
		Ask: "Rimuovere l'avviso «" + p.Title + "»?", Yes: "Sì, rimuovi",
		What: "Sparisce dalla Home di tutti gli operatori del comune.",
		Do: func() tea.Msg {
			if err := svc.Unpublish(a, p.Seq); err != nil {
				return doneMsg{err: err}
			}
			return doneMsg{notice: "Avviso «" + p.Title + "» rimosso."}
		},
		No: func() tea.Msg { return doneMsg{notice: "Avviso non rimosso."} },
	}.Dialog(v.ctx.Styles.Plain, v.w, v.h-3)
}
