package print

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// DocKeys are the keys of Moduli and of the reminder letters once a document is out.
type DocKeys struct{ Again key.Binding }

// NewDocKeys is the default.
func NewDocKeys() DocKeys {
	return DocKeys{Again: key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "un altro"))}
}

// Modules is Moduli: a template (autorizzazione, ricevuta di consegna, promemoria, the
// comune's own) filled for a pass, saved as a PDF file on the server or printed.
type Modules struct {
	ctx       *common.Context
	keys      DocKeys
	id        uint64
	number    string
	holder    string
	loaded    bool
	fatal     string
	setup     setup
	templates []service.TemplateInfo
	tpl       string
	queue     string
	path      string
	file      string
	dlg       *formkit.Dialog
	outcome   string // the last document's
	w, h      int
}

type (
	modulesSetupMsg struct {
		setup     setup
		templates []service.TemplateInfo
		err       error
	}
	docDoneMsg struct {
		text string
		err  error
	}
)

// NewModules opens Moduli on a pass (the Scheda contrassegno's key).
func NewModules(ctx *common.Context, v service.PassView) common.Page {
	return &Modules{ctx: ctx, keys: NewDocKeys(), id: v.Pass.ID, number: v.Pass.Number, holder: v.Holder.FullName(),
		path: defaultDir() + "/"}
}

func (m *Modules) Title() string { return "Moduli per il contrassegno " + m.number }

// Capturing: the form has the keyboard (esc abandons it); the outcome leaves esc to the
// root.
func (m *Modules) Capturing() bool { return m.dlg != nil && m.outcome == "" }
func (m *Modules) Editing() bool   { return m.dlg != nil && m.dlg.Busy() }

func (m *Modules) ShortHelp() []key.Binding {
	if m.dlg != nil && m.outcome == "" {
		return m.dlg.Help()
	}
	if m.outcome != "" {
		return []key.Binding{m.keys.Again}
	}
	return nil
}

func (m *Modules) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

func (m *Modules) SetSize(w, h int) {
	m.w, m.h = w, h
	if m.dlg != nil {
		m.dlg.Resize(w, h-1)
	}
}

func (m *Modules) Init() tea.Cmd {
	svc, a := m.ctx.Svc, m.ctx.Actor
	return func() tea.Msg {
		ts, err := svc.Templates(a, "")
		if err != nil {
			return modulesSetupMsg{err: err}
		}
		s, err := loadSetup(svc, a)
		return modulesSetupMsg{s, ts, err}
	}
}

func (m *Modules) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case modulesSetupMsg:
		if msg.err != nil {
			m.fatal = common.ErrorText(msg.err)
			return m, nil
		}
		m.setup, m.templates, m.loaded = msg.setup, msg.templates, true
		m.queue = fileDest // a document is saved first; the printers are there to choose
		for _, t := range m.templates {
			if t.Name == "ricevuta" {
				m.tpl = t.Name
			}
		}
		m.dlg = m.form()
		return m, m.dlg.Init()
	case docDoneMsg:
		if m.dlg == nil {
			return m, nil
		}
		if msg.err != nil {
			return m, m.dlg.Refused(common.ErrorText(msg.err))
		}
		m.outcome = msg.text
		return m, nil
	case tea.KeyPressMsg:
		if m.outcome != "" {
			if key.Matches(msg, m.keys.Again) {
				m.outcome = ""
				return m, m.dlg.Refused("")
			}
			return m, nil
		}
	}
	if m.dlg == nil || m.outcome != "" {
		return m, nil
	}
	cmd, aborted := m.dlg.Update(msg)
	if aborted {
		return m, func() tea.Msg { return common.PopMsg{} }
	}
	return m, cmd
}

func (m *Modules) form() *formkit.Dialog {
	var opts []huh.Option[string]
	for _, t := range m.templates {
		opts = append(opts, huh.NewOption(t.Title+" ("+t.Name+")", t.Name))
	}
	groups := func() []*huh.Group {
		return []*huh.Group{
			huh.NewGroup(
				huh.NewSelect[string]().Key("tpl").Title("Modulo").Options(opts...).Value(&m.tpl),
				huh.NewSelect[string]().Key("dest").Title("Destinazione").Options(m.setup.options()...).Value(&m.queue),
			),
			huh.NewGroup(pathInput(&m.path)).WithHideFunc(func() bool { return m.queue != fileDest }),
		}
	}
	svc, a, id, number := m.ctx.Svc, m.ctx.Actor, m.id, m.number
	submit := func() tea.Cmd {
		tpl, queue := m.tpl, m.queue
		m.file = ""
		if queue == fileDest {
			m.file = resolvePath(m.path, fmt.Sprintf("%s-%s.pdf", tpl, number))
		}
		file := m.file
		title := tpl
		for _, t := range m.templates {
			if t.Name == tpl {
				title = t.Title
			}
		}
		return func() tea.Msg {
			doc, err := svc.ModuleDocument(a, tpl, id)
			if err != nil {
				return docDoneMsg{err: err}
			}
			d, err := deliver(svc, a, doc, queue, file)
			if err != nil {
				return docDoneMsg{err: err}
			}
			return docDoneMsg{text: fmt.Sprintf("Modulo «%s» per %s: %s.", title, number, d.Message())}
		}
	}
	return formkit.NewDialog("Moduli per il contrassegno "+m.number, m.ctx.Styles.Plain, m.w, m.h-1, groups, submit)
}

func (m *Modules) View() string {
	st := m.ctx.Styles
	head := st.Muted.Render(common.Truncate("Titolare: "+m.holder, m.w))
	switch {
	case m.fatal != "":
		return st.Title.Render(m.Title()) + "\n\n" + st.Error.Render("Errore: ") + m.fatal
	case !m.loaded:
		return st.Title.Render(m.Title()) + "\n\nCaricamento…"
	case m.dlg.Busy() && m.outcome == "":
		return st.Title.Render(m.Title()) + "\n" + head + "\n\n" + st.Warning.Render(waiting(m.queue, m.file))
	case m.outcome != "":
		var b strings.Builder
		b.WriteString(st.Title.Render(m.Title()) + "\n" + head + "\n\n")
		for _, l := range formkit.Wrap(m.outcome, max(20, m.w-2)) {
			b.WriteString(st.OK.Render(l) + "\n")
		}
		b.WriteString("\n" + st.Muted.Render("invio per un altro modulo · esc torna alla scheda"))
		return b.String()
	}
	return m.dlg.View(st, m.w)
}
