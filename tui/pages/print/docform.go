package print

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// DocKeys are the keys of Moduli and of the reminder letters once a document is out.
type DocKeys struct{ Again key.Binding }

// NewDocKeys is the default.
func NewDocKeys() DocKeys {
	return DocKeys{Again: key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "un altro"))}
}

// docDoneMsg is the outcome of a document: where it went, or why not.
type docDoneMsg struct {
	text string
	err  error
}

// docForm is what Moduli and the reminder letters share: once loaded, a form whose
// submit makes a document and sends it to a printer or saves it as a PDF file on the
// server (docDoneMsg); then the outcome, until enter gives the form back for another
// one (esc on the form closes the page).
type docForm struct {
	ctx     *common.Context
	keys    DocKeys
	above   int // the lines the page keeps over the form
	loaded  bool
	fatal   string
	setup   setup
	queue   string
	path    string
	file    string
	dlg     *formkit.Dialog
	outcome string // the last document's
	w, h    int
}

func newDocForm(ctx *common.Context, above int) docForm {
	return docForm{ctx: ctx, keys: NewDocKeys(), above: above, path: ""}
}

// Capturing: the form has the keyboard (esc abandons it); the outcome leaves esc to the
// root.
func (m *docForm) Capturing() bool { return m.dlg != nil && m.outcome == "" }
func (m *docForm) Editing() bool   { return m.dlg != nil && m.dlg.Busy() }

func (m *docForm) ShortHelp() []key.Binding {
	if m.dlg != nil && m.outcome == "" {
		return m.dlg.Help()
	}
	if m.outcome != "" {
		return []key.Binding{m.keys.Again}
	}
	return nil
}

func (m *docForm) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

func (m *docForm) SetSize(w, h int) {
	m.w, m.h = w, h
	if m.dlg != nil {
		m.dlg.Resize(w, h-m.above)
	}
}

// start shows the form (a document is saved first: the printers are there to choose),
// or why the page cannot (the error of its setup).
func (m *docForm) start(err error, form func() *formkit.Dialog) tea.Cmd {
	if err != nil {
		m.fatal = common.ErrorText(err)
		return nil
	}
	m.loaded, m.queue = true, fileDest
	m.dlg = form()
	return m.dlg.Init()
}

// newDialog is the form of the page, below the lines it keeps over it.
func (m *docForm) newDialog(title string, groups func() []*huh.Group, submit func() tea.Cmd) *formkit.Dialog {
	return formkit.NewDialog(title, m.ctx.Styles.Plain, m.w, m.h-m.above, groups, submit)
}

// target is where the document of the form goes: the queue chosen, or the file (name
// in a folder typed).
func (m *docForm) target(name string) (queue, file string) {
	m.file = fileFor(m.queue, m.path, name)
	return m.queue, m.file
}

// update feeds the form, takes the outcome, and gives the form back for another one.
func (m *docForm) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case docDoneMsg:
		if m.dlg == nil {
			return nil
		}
		if msg.err != nil {
			return m.dlg.Refused(common.ErrorText(msg.err))
		}
		m.outcome = msg.text
		return nil
	case tea.KeyPressMsg:
		if m.outcome != "" {
			if key.Matches(msg, m.keys.Again) {
				m.outcome = ""
				return m.dlg.Refused("")
			}
			return nil
		}
	}
	if m.dlg == nil || m.outcome != "" {
		return nil
	}
	cmd, aborted := m.dlg.Update(msg)
	if aborted {
		return common.Pop()
	}
	return cmd
}

// status draws the page when it does not show the form: the error of its setup, the
// loading, the document on its way, its outcome (again: what comes next). ok is false
// while the form is on screen: the page draws it.
func (m *docForm) status(title, head, again string) (view string, ok bool) {
	st := m.ctx.Styles
	title = st.Title.Render(title)
	switch {
	case m.fatal != "":
		return title + "\n\n" + st.Error.Render("Errore: ") + m.fatal, true
	case !m.loaded:
		return title + "\n\nCaricamento…", true
	case m.dlg.Busy() && m.outcome == "":
		return title + "\n" + head + "\n\n" + st.Warning.Render(waiting(m.queue, m.file)), true
	case m.outcome != "":
		var b strings.Builder
		b.WriteString(title + "\n" + head + "\n\n")
		for _, l := range formkit.Wrap(m.outcome, max(20, m.w-2)) {
			b.WriteString(st.OK.Render(l) + "\n")
		}
		b.WriteString("\n" + st.Muted.Render(again))
		return b.String(), true
	}
	return "", false
}
