package print

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// Modules is Moduli: a template (autorizzazione, ricevuta di consegna, promemoria, the
// comune's own) filled for a pass, saved as a PDF file on the server or printed.
type Modules struct {
	docForm
	id        uint64
	number    string
	holder    string
	templates []service.TemplateInfo
	tpl       string
}

type modulesSetupMsg struct {
	setup     setup
	templates []service.TemplateInfo
	err       error
}

// NewModules opens Moduli on a pass (the Scheda contrassegno's key).
func NewModules(ctx *common.Context, v service.PassView) common.Page {
	return &Modules{docForm: newDocForm(ctx, 1), id: v.Pass.ID, number: v.Pass.Number, holder: v.Holder.FullName()}
}

func (m *Modules) Title() string { return "Moduli per il contrassegno " + m.number }

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
	setupMsg, ok := msg.(modulesSetupMsg)
	if !ok {
		return m, m.update(msg)
	}
	if setupMsg.err == nil {
		m.setup, m.templates = setupMsg.setup, setupMsg.templates
		for _, t := range m.templates {
			if t.Name == "ricevuta" {
				m.tpl = t.Name
			}
		}
	}
	return m, m.start(setupMsg.err, m.form)
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
			huh.NewGroup(nameInput(m.ctx, &m.path)).WithHideFunc(func() bool { return m.queue != fileDest }),
		}
	}
	svc, a, id, number, folder := m.ctx.Svc, m.ctx.Actor, m.id, m.number, m.ctx.Files
	submit := func() tea.Cmd {
		tpl := m.tpl
		queue, file := m.target(fmt.Sprintf("%s-%s.pdf", tpl, number))
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
			d, err := deliver(svc, a, folder, doc, queue, file)
			if err != nil {
				return docDoneMsg{err: err}
			}
			return docDoneMsg{text: fmt.Sprintf("Modulo «%s» per %s: %s.", title, number, d.Message())}
		}
	}
	return m.newDialog("Moduli per il contrassegno "+m.number, groups, submit)
}

func (m *Modules) View() string {
	head := m.ctx.Styles.Muted.Render(common.Truncate("Titolare: "+m.holder, m.w))
	if v, ok := m.status(m.Title(), head, "invio per un altro modulo · esc torna alla scheda"); ok {
		return v
	}
	return m.dlg.View(m.ctx.Styles, m.w)
}
