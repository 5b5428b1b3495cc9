package formkit

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"

	"vivipass/tui/styles"
)

// Dialog is a form drawn inside a page (Anagrafica, Amministrazione): the operator fills
// it, esc abandons it, and when it completes submit starts the use case. A refusal
// comes back through Refused and the form is built again from the same values (a
// completed huh form cannot resume).
type Dialog struct {
	title  string
	groups func() []*huh.Group // the form's groups, bound to the dialog's values
	live   []*huh.Group        // the groups of the form on screen
	form   *Form
	plain  bool
	w, h   int // the area of the form
	submit func() tea.Cmd
	// Below draws lines under the form (the live codice fiscale check); nil: none.
	Below func() []string
	err   string
	busy  bool // submitted, waiting for the answer
}

// NewDialog makes a dialog of w×h cells; groups builds the form's groups over the
// dialog's values (called again after a refusal), submit returns the Cmd of the use
// case once the form is complete.
func NewDialog(title string, plain bool, w, h int, groups func() []*huh.Group, submit func() tea.Cmd) *Dialog {
	d := &Dialog{title: title, groups: groups, plain: plain, w: w, h: h, submit: submit}
	d.build()
	return d
}

// build makes the form with the desk's look and Italian keys; the root draws the help.
func (d *Dialog) build() {
	gs := d.groups()
	d.live = gs
	d.form = New(huh.NewForm(gs...), d.plain, "conferma")
	d.form.f = d.form.f.WithWidth(max(40, d.w-1))
	fit(gs, d.h)
}

// fit makes each group as tall as its fields, at most h. huh sizes a group when it is
// made, before the theme and the width: too short (a wrapped description hid the
// buttons of a confirmation) or, after a window size, as tall as the tallest group
// (its validation message then fell far below the fields). A resize that came while a
// validation message showed took its line off the fields (the codice fiscale vanished).
func fit(gs []*huh.Group, h int) {
	for _, g := range gs {
		// WithHeight takes the header and the footer (a validation message on screen)
		// off what it is given: the viewport gets exactly the fields.
		need := lipgloss.Height(g.Content())
		for _, s := range []string{g.Header(), g.Footer()} {
			if s != "" {
				need += lipgloss.Height(s)
			}
		}
		g.WithHeight(min(max(4, h), need))
	}
}

// Form is the form on screen.
func (d *Dialog) Form() *Form { return d.form }

// Busy reports that the form was submitted and its answer has not come yet.
func (d *Dialog) Busy() bool { return d.busy }

// Resize follows the page's size.
func (d *Dialog) Resize(w, h int) {
	d.w, d.h = w, h
	if !d.busy {
		d.form.f = d.form.f.WithWidth(max(40, w-1))
		fit(d.live, h)
	}
}

// Init starts the form.
func (d *Dialog) Init() tea.Cmd { return d.form.Init() }

// Refused shows why the use case said no and gives the form back to the operator.
func (d *Dialog) Refused(text string) tea.Cmd {
	d.err, d.busy = text, false
	d.build()
	return d.form.Init()
}

// Update feeds the form; aborted reports that it was abandoned (esc).
func (d *Dialog) Update(msg tea.Msg) (cmd tea.Cmd, aborted bool) {
	if d.busy {
		return nil, false
	}
	state, cmd := d.form.Update(msg)
	switch state {
	case huh.StateAborted:
		return nil, true
	case huh.StateCompleted:
		d.busy, d.err = true, ""
		return d.submit(), false
	}
	return cmd, false
}

// View draws the title, the last refusal, the form and what goes under it, w cells
// wide. The refusal comes first: a long check under the form may run past the page's
// last line.
func (d *Dialog) View(st *styles.Styles, w int) string {
	var b strings.Builder
	b.WriteString(st.Title.Render(d.title) + "\n")
	if d.err != "" {
		for i, l := range Wrap(d.err, max(20, w-8)) {
			if i == 0 {
				b.WriteString(st.Error.Render("Errore: ") + l + "\n")
			} else {
				b.WriteString("        " + l + "\n")
			}
		}
	}
	b.WriteString("\n")
	if d.busy {
		b.WriteString(st.Muted.Render("Salvataggio in corso…"))
	} else {
		b.WriteString(strings.TrimRight(d.form.View(), " \n"))
	}
	if d.Below != nil {
		if lines := d.Below(); len(lines) > 0 {
			b.WriteString("\n\n" + strings.Join(lines, "\n"))
		}
	}
	return b.String()
}

// Help is the form's own bindings with Italian help, and esc, for the root's help line.
func (d *Dialog) Help() []key.Binding {
	return append(d.form.Help(), key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "annulla")))
}

// Question is a dialog that asks before a use case (a removal): Ask with the buttons
// Yes ("Sì, elimina") and No, What under it (what happens). Do is the use case, run
// when the operator confirms; No answers when they do not.
type Question struct {
	Title, Ask, Yes, What string
	Do, No                tea.Cmd
}

// Dialog makes the question's dialog of w×h cells.
func (q Question) Dialog(plain bool, w, h int) *Dialog {
	yes := false
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(Confirm(q.Ask, q.Yes, &yes).Key("ok").Description(q.What))}
	}
	submit := func() tea.Cmd {
		if !yes {
			return q.No
		}
		return q.Do
	}
	return NewDialog(q.Title, plain, w, h, groups, submit)
}
