package print

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components"
	"vivipass/tui/components/formkit"
)

// TemplateKeys are the keys of Gestione moduli.
type TemplateKeys struct {
	Up, Down, New, Edit, Delete, Export, Import key.Binding
}

// NewTemplateKeys is the default.
func NewTemplateKeys() TemplateKeys {
	return TemplateKeys{
		Up:     key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scegli")),
		Down:   key.NewBinding(key.WithKeys("down")),
		New:    key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "nuovo")),
		Edit:   key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "modifica")),
		Delete: key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "elimina")),
		Export: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "esporta")),
		Import: key.NewBinding(key.WithKeys("i"), key.WithHelp("i", "importa")),
	}
}

// Templates is Amministrazione › Gestione moduli (S6, S7): the comune's templates (the
// shipped ones and its own), opened in the editor, created, deleted with a
// confirmation, exported to and imported from files on the server.
type Templates struct {
	ctx    *common.Context
	keys   TemplateKeys
	table  components.List[service.TemplateInfo]
	loaded bool
	seq    int
	dlg    *formkit.Dialog
	focus  string // select this template when the list comes
	w, h   int
}

type (
	templatesMsg struct {
		seq  int
		list []service.TemplateInfo
		err  error
	}
	// templateDoneMsg is the answer of a dialog of the list.
	templateDoneMsg struct {
		notice string
		focus  string
		open   common.Page // the editor to open (an import)
		err    error
	}
)

// NewTemplates opens Gestione moduli (the Amministrazione menu).
func NewTemplates(ctx *common.Context) common.Page {
	m := &Templates{ctx: ctx, keys: NewTemplateKeys()}
	m.table.Columns = []components.Column{{Title: "Nome", Width: 14}, {Title: "Titolo", Width: 20, Flex: true},
		{Title: "Origine", Width: 12}, {Title: "Ver.", Width: 4}, {Title: "Modificato da", Width: 13}}
	return m
}

func (m *Templates) Title() string   { return "Gestione moduli" }
func (m *Templates) Capturing() bool { return m.dlg != nil }
func (m *Templates) Editing() bool   { return m.dlg != nil && m.dlg.Busy() }

func (m *Templates) ShortHelp() []key.Binding {
	if m.dlg != nil {
		return m.dlg.Help()
	}
	k := m.keys
	return []key.Binding{k.Edit, k.New, k.Delete, k.Export, k.Import, k.Up}
}

func (m *Templates) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Up, k.Edit, k.New, k.Delete}, {k.Export, k.Import}}
}

func (m *Templates) SetSize(w, h int) {
	m.w, m.h = w, h
	m.table.SetSize(w, max(3, h-4))
	if m.dlg != nil {
		m.dlg.Resize(w, h-2)
	}
}

func (m *Templates) Init() tea.Cmd { return m.load() }

func (m *Templates) load() tea.Cmd {
	m.seq++
	seq, svc, a := m.seq, m.ctx.Svc, m.ctx.Actor
	return func() tea.Msg {
		l, err := svc.Templates(a, "")
		return templatesMsg{seq, l, err}
	}
}

// origin says where a template comes from.
func origin(t service.TemplateInfo) string {
	switch {
	case t.Custom && t.Default:
		return "modificato"
	case t.Custom:
		return "del comune"
	}
	return "predefinito"
}

func (m *Templates) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case templatesMsg:
		if msg.seq != m.seq {
			return m, nil
		}
		if msg.err != nil {
			return m, common.Err(msg.err)
		}
		m.loaded = true
		m.table.Set(msg.list, func(t service.TemplateInfo) []string {
			ver := "–"
			if t.Version > 0 {
				ver = fmt.Sprint(t.Version)
			}
			return []string{t.Name, t.Title, origin(t), ver, t.UpdatedBy}
		})
		m.table.Focus(func(t service.TemplateInfo) bool { return t.Name == m.focus })
		m.focus = ""
		return m, nil
	case common.DataChangedMsg:
		return m, m.load()
	case templateDoneMsg:
		if m.dlg == nil {
			return m, nil
		}
		if msg.err != nil {
			return m, m.dlg.Refused(common.ErrorText(msg.err))
		}
		m.dlg, m.focus = nil, msg.focus
		cmds := []tea.Cmd{m.load()}
		if msg.notice != "" {
			cmds = append(cmds, common.Notice(msg.notice))
		}
		if msg.open != nil {
			cmds = append(cmds, common.Push(msg.open))
		}
		return m, tea.Batch(cmds...)
	}
	if m.dlg != nil {
		cmd, aborted := m.dlg.Update(msg)
		if aborted {
			m.dlg = nil
		}
		return m, cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !m.loaded {
		return m, nil
	}
	t, sel := m.table.Selected()
	switch {
	case key.Matches(k, m.keys.Up):
		m.table.Move(-1)
	case key.Matches(k, m.keys.Down):
		m.table.Move(1)
	case key.Matches(k, m.keys.New):
		return m, common.Push(NewEditor(m.ctx, ""))
	case key.Matches(k, m.keys.Edit) && sel:
		return m, common.Push(NewEditor(m.ctx, t.Name))
	case key.Matches(k, m.keys.Delete) && sel:
		if !t.Custom {
			return m, common.Notice("«" + t.Name + "» è un modulo predefinito di vivipass: non si elimina (lo si modifica, e la versione del comune lo sostituisce).")
		}
		m.dlg = m.deleteDialog(t)
		return m, m.dlg.Init()
	case key.Matches(k, m.keys.Export) && sel:
		m.dlg = m.exportDialog(t)
		return m, m.dlg.Init()
	case key.Matches(k, m.keys.Import):
		m.dlg = m.importDialog()
		return m, m.dlg.Init()
	}
	return m, nil
}

func (m *Templates) deleteDialog(t service.TemplateInfo) *formkit.Dialog {
	what := "Il modulo sparisce dall'elenco del comune."
	if t.Default {
		what = "Torna il modulo predefinito di vivipass con lo stesso nome."
	}
	svc, a := m.ctx.Svc, m.ctx.Actor
	return formkit.Question{Title: "Gestione moduli: eliminazione",
		Ask: "Eliminare il modulo «" + t.Name + "» del comune?", Yes: "Sì, elimina", What: what,
		Do: func() tea.Msg {
			if err := svc.DeleteTemplate(a, "", t.Name); err != nil {
				return templateDoneMsg{err: err}
			}
			return templateDoneMsg{notice: "Modulo «" + t.Name + "» eliminato.", focus: t.Name}
		},
		No: func() tea.Msg {
			return templateDoneMsg{notice: "Modulo «" + t.Name + "» non eliminato.", focus: t.Name}
		},
	}.Dialog(m.ctx.Styles.Plain, m.w, m.h-2)
}

func (m *Templates) exportDialog(t service.TemplateInfo) *formkit.Dialog {
	name := t.Name + ".txt"
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(formkit.SaveName(m.ctx, "moduli", "Nome del file", &name)).
			Title("Esporta il modulo «" + t.Name + "» (" + t.Title + ")")}
	}
	svc, a, folder := m.ctx.Svc, m.ctx.Actor, m.ctx.Files
	submit := func() tea.Cmd {
		file := strings.TrimSpace(name)
		return func() tea.Msg {
			tpl, _, err := svc.Template(a, "", t.Name)
			if err != nil {
				return templateDoneMsg{err: err}
			}
			saved, err := folder.Create("moduli", file, tpl.File())
			if err != nil {
				return templateDoneMsg{err: err}
			}
			return templateDoneMsg{notice: "Modulo «" + t.Name + "» esportato in moduli/" + saved + ".", focus: t.Name}
		}
	}
	return formkit.NewDialog("Gestione moduli: esporta", m.ctx.Styles.Plain, m.w, m.h-2, groups, submit)
}

func (m *Templates) importDialog() *formkit.Dialog {
	name := ""
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(formkit.FileChoice(m.ctx, "moduli", "File del modulo", &name)).
			Title("Importa un modulo: si apre nell'editor, da controllare e salvare").
			Description("Un modulo esportato (intestazione nome/titolo tra due righe ---, poi il testo) o un testo semplice: il nome viene dal file.")}
	}
	ctx, folder := m.ctx, m.ctx.Files
	submit := func() tea.Cmd {
		file := name
		return func() tea.Msg {
			// A file of the comune's moduli/ folder, of template size only.
			data, err := folder.Read("moduli", file, 256<<10)
			if err != nil {
				return templateDoneMsg{err: err}
			}
			t, err := printing.ParseTemplateFile(file, data)
			if _, tagErr := err.(*printing.TemplateError); err != nil && !tagErr {
				return templateDoneMsg{err: err} // not a template file: nothing to open
			}
			return templateDoneMsg{open: newImported(ctx, t, file), focus: t.Name}
		}
	}
	return formkit.NewDialog("Gestione moduli: importa", m.ctx.Styles.Plain, m.w, m.h-2, groups, submit)
}

func (m *Templates) View() string {
	st := m.ctx.Styles
	head := st.Title.Render("Amministrazione › Gestione moduli")
	if m.dlg != nil {
		return head + "\n" + m.dlg.View(st, m.w)
	}
	if !m.loaded {
		return head + "\n\nCaricamento…"
	}
	sub := st.Muted.Render(common.Truncate(domain.Count(m.table.Len(), "modulo", "moduli")+". Un predefinito modificato e salvato diventa del comune.", m.w))
	var b strings.Builder
	b.WriteString(head + "\n" + sub + "\n")
	b.WriteString(m.table.View(st, "Nessun modulo.") + "\n")
	b.WriteString(st.Muted.Render(common.Truncate("invio modifica · n nuovo · x elimina · e esporta su file · i importa da file", m.w)))
	return b.String()
}
