package admin

import (
	"fmt"
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

// ClientKeys are the keys of Clienti HTTP.
type ClientKeys struct {
	Up, Down, Queries, Search, Revoke key.Binding
}

// NewClientKeys is the default.
func NewClientKeys() ClientKeys {
	return ClientKeys{
		Up:      key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scegli")),
		Down:    key.NewBinding(key.WithKeys("down")),
		Queries: key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "interrogazioni/clienti")),
		Search:  key.NewBinding(key.WithKeys("f"), key.WithHelp("f", "cerca targa o numero")),
		Revoke:  key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "revoca")),
	}
}

// clientsView is Clienti HTTP (issue 13): the clients of the API (gates, police,
// services) with their kind, scope and state, a token revoked (asked first), and the
// log of their queries, the selected client's or every one's for a plate or a number.
// A client is made on the server (vivipass client add): its token shows once there.
type clientsView struct {
	ctx     *common.Context
	keys    ClientKeys
	table   components.List[service.Client]
	log     components.List[service.QueryEntry]
	queries bool   // the log is on screen
	subject string // the log's filter: a plate or a number ("" = the selected client's)
	more    bool
	dlg     *formkit.Dialog
	seq     int
	w, h    int
}

type clientsMsg struct {
	seq     int
	clients []service.Client
	log     []service.QueryEntry
	more    bool
	err     error
}

func newClients(ctx *common.Context) *clientsView {
	v := &clientsView{ctx: ctx, keys: NewClientKeys()}
	v.table.Columns = []components.Column{{Title: "Cliente", Width: 18, Flex: true}, {Title: "Tipo", Width: 17},
		{Title: "Ambito", Width: 8}, {Title: "Stato", Width: 19}}
	v.log.Columns = []components.Column{{Title: "Quando", Width: 14}, {Title: "Richiesta", Width: 13},
		{Title: "Targa/numero", Width: 16}, {Title: "Esito", Width: 5}, {Title: "Cliente", Width: 14, Flex: true}}
	return v
}

func (v *clientsView) init() tea.Cmd { return v.load() }

// load reads the clients and, with the log on screen, the queries shown.
func (v *clientsView) load() tea.Cmd {
	v.seq++
	seq, svc, a := v.seq, v.ctx.Svc, v.ctx.Actor
	var f *service.QueryFilter
	if v.queries {
		f = &service.QueryFilter{Subject: v.subject, Limit: 200}
		if c, ok := v.table.Selected(); ok && v.subject == "" {
			f.Client = c.Name
		}
	}
	return func() tea.Msg {
		cs, err := svc.Clients(a)
		if err != nil || f == nil {
			return clientsMsg{seq: seq, clients: cs, err: err}
		}
		if f.Subject == "" && f.Client == "" {
			return clientsMsg{seq: seq, clients: cs}
		}
		log, more, err := svc.QueryLog(a, *f)
		return clientsMsg{seq, cs, log, more, err}
	}
}

func (v *clientsView) capturing() bool { return v.dlg != nil }
func (v *clientsView) busy() bool      { return v.dlg != nil }

func (v *clientsView) help() []key.Binding {
	if v.dlg != nil {
		return v.dlg.Help()
	}
	k := v.keys
	if v.queries {
		return []key.Binding{k.Up, k.Queries, k.Search}
	}
	return []key.Binding{k.Up, k.Queries, k.Search, k.Revoke}
}

func (v *clientsView) setSize(w, h int) {
	v.w, v.h = w, h
	v.table.SetSize(w, max(3, h-5))
	v.log.SetSize(w, max(3, h-7))
	if v.dlg != nil {
		v.dlg.Resize(w, h-3)
	}
}

func (v *clientsView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case clientsMsg:
		if msg.seq != v.seq {
			return nil
		}
		if msg.err != nil {
			return common.Err(msg.err)
		}
		sel, _ := v.table.Selected()
		v.table.Set(msg.clients, func(c service.Client) []string {
			state := "attivo"
			if c.Revoked() {
				state = "revocato " + c.RevokedAt.In(domain.Rome).Format("02/01/2006")
			}
			scope := c.Comune
			if scope == "" {
				scope = "circuito"
			}
			return []string{c.Name, service.ClientKindLabel(c.Kind), scope, state}
		})
		v.table.Focus(func(c service.Client) bool { return c.Name == sel.Name })
		v.log.Set(msg.log, func(e service.QueryEntry) []string {
			return []string{e.At.In(domain.Rome).Format("02/01 15:04:05"), e.Endpoint, e.Subject, fmt.Sprint(e.Status), e.Client}
		})
		v.more = msg.more
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
	case clientSearchMsg:
		v.dlg, v.queries, v.subject = nil, true, msg.subject
		return v.load()
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
	list := &v.table.Table
	if v.queries {
		list = &v.log.Table
	}
	switch {
	case key.Matches(k, v.keys.Up):
		list.Move(-1)
	case key.Matches(k, v.keys.Down):
		list.Move(1)
	case key.Matches(k, v.keys.Queries):
		v.queries, v.subject = !v.queries, ""
		if v.queries {
			if _, ok := v.table.Selected(); !ok {
				v.queries = false
				return common.Notice("Nessun cliente: si registrano sul server con vivipass client add.")
			}
		}
		return v.load()
	case key.Matches(k, v.keys.Search):
		return v.open(v.searchDialog())
	case key.Matches(k, v.keys.Revoke):
		c, ok := v.table.Selected()
		switch {
		case v.queries || !ok:
			return nil
		case c.Revoked():
			return common.Notice("Il cliente " + c.Name + " è già revocato.")
		}
		return v.open(v.revokeDialog(c))
	}
	return nil
}

func (v *clientsView) open(d *formkit.Dialog) tea.Cmd {
	v.dlg = d
	return d.Init()
}

// revokeDialog asks before revoking a client's token.
func (v *clientsView) revokeDialog(c service.Client) *formkit.Dialog {
	svc, a := v.ctx.Svc, v.ctx.Actor
	return formkit.Question{Title: "Revoca di un cliente HTTP",
		Ask: "Revocare il token del cliente " + c.Name + "?", Yes: "Sì, revoca",
		What: fmt.Sprintf("%s, %s: dalla prossima richiesta il suo token non apre più nulla. "+
			"Per riprendere serve un nuovo cliente con un nuovo token (vivipass client add).", service.ClientKindLabel(c.Kind), service.ClientScope(c)),
		Do: func() tea.Msg {
			if err := svc.RevokeClient(a, c.Name); err != nil {
				return doneMsg{err: err}
			}
			return doneMsg{notice: "Cliente " + c.Name + " revocato: il suo token non apre più nulla."}
		},
		No: func() tea.Msg { return doneMsg{notice: "Cliente " + c.Name + " non revocato."} },
	}.Dialog(v.ctx.Styles.Plain, v.w, v.h-3)
}

// clientSearchMsg is the plate or number typed in searchDialog.
type clientSearchMsg struct{ subject string }

// searchDialog asks the plate or number whose queries to list, every client's.
func (v *clientsView) searchDialog() *formkit.Dialog {
	var text string
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(
			huh.NewInput().Key("subject").Title(fmt.Sprintf("%-20s", "Targa o numero")).Inline(true).
				Placeholder("es. AB123CD").CharLimit(40).Value(&text).
				Validate(formkit.Required("indicare la targa o il numero di contrassegno")),
		).Title("Interrogazioni su una targa o un contrassegno").
			Description("Chi l'ha chiesto, quando, con quale esito: tutti i clienti.")}
	}
	submit := func() tea.Cmd {
		s := domain.NormalizePlate(text)
		return func() tea.Msg { return clientSearchMsg{s} }
	}
	return formkit.NewDialog("Cerca nelle interrogazioni", v.ctx.Styles.Plain, v.w, v.h-3, groups, submit)
}

func (v *clientsView) view() string {
	st := v.ctx.Styles
	if v.dlg != nil {
		return v.dlg.View(st, v.w)
	}
	var b strings.Builder
	wrap := func(text string, style func(...string) string) {
		for _, l := range formkit.Wrap(text, max(20, v.w)) {
			b.WriteString(style(l) + "\n")
		}
	}
	if !v.queries {
		wrap("Varchi, polizia e servizi che interrogano il registro (API HTTPS). Un nuovo cliente si registra "+
			"sul server con vivipass client add: il token si mostra una volta sola.", st.Muted.Render)
		b.WriteString(v.table.View(st, "Nessun cliente registrato.") + "\n")
		if c, ok := v.table.Selected(); ok { // whole, wrapped: the table cuts long names
			rate := "limite di richieste del server"
			if c.Rate > 0 {
				rate = fmt.Sprintf("%g richieste al secondo", c.Rate)
			}
			text := fmt.Sprintf("%s: %s, %s, %s; registrato il %s da %s", c.Name, service.ClientKindLabel(c.Kind), service.ClientScope(c),
				rate, c.CreatedAt.In(domain.Rome).Format("02/01/2006"), c.CreatedBy)
			if c.Revoked() {
				text += fmt.Sprintf(", revocato il %s da %s", c.RevokedAt.In(domain.Rome).Format("02/01/2006 15:04"), c.RevokedBy)
			}
			wrap(text+".", func(s ...string) string { return strings.Join(s, "") })
		}
		return strings.TrimRight(b.String(), "\n")
	}
	head := "Interrogazioni"
	if v.subject != "" {
		head += " su " + v.subject + ", di tutti i clienti"
	} else if c, ok := v.table.Selected(); ok {
		head += " del cliente " + c.Name
	}
	if v.more {
		head += " (le 200 più recenti)"
	}
	wrap(head+" · invio torna ai clienti · f cerca", st.Muted.Render)
	b.WriteString(v.log.View(st, "Nessuna interrogazione registrata."))
	if e, ok := v.log.Selected(); ok {
		b.WriteString("\n")
		text := "Esito: " + e.Answer
		if e.Instant != "" {
			text = "Istante chiesto: " + e.Instant + " · " + text
		}
		text = e.Client + " · " + text
		wrap(text, func(s ...string) string { return strings.Join(s, "") })
	}
	return strings.TrimRight(b.String(), "\n")
}
