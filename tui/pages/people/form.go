package people

import (
	"strings"

	"charm.land/bubbles/v2/cursor"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// dialog is a huh form embedded in the page: the operator fills it, esc abandons it,
// and when it completes submit starts the use case. A refusal comes back as err and
// the form is built again from the same values (a completed huh form cannot resume).
type dialog struct {
	title  string
	groups func() []*huh.Group // the form's groups, bound to the dialog's values
	live   []*huh.Group        // the groups of the form on screen
	form   *huh.Form
	plain  bool
	w, h   int // the area of the form
	submit func() tea.Cmd
	below  func() []string // lines drawn under the form (the live codice fiscale check)
	err    string
	busy   bool // submitted, waiting for the answer
}

func newDialog(title string, plain bool, w, h int, groups func() []*huh.Group, submit func() tea.Cmd) *dialog {
	d := &dialog{title: title, groups: groups, plain: plain, w: w, h: h, submit: submit}
	d.form = d.build()
	return d
}

// build makes the form with the desk's look and Italian keys; the root draws the help.
func (d *dialog) build() *huh.Form {
	gs := d.groups()
	d.live = gs
	f := huh.NewForm(gs...).WithTheme(theme(d.plain)).WithKeyMap(keyMap()).WithShowHelp(false).WithWidth(max(40, d.w-1))
	fit(gs, d.h)
	return f
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

// resize follows the page's size.
func (d *dialog) resize(w, h int) {
	d.w, d.h = w, h
	if !d.busy {
		d.form = d.form.WithWidth(max(40, w-1))
		fit(d.live, h)
	}
}

// init starts the form.
func (d *dialog) init() tea.Cmd { return d.form.Init() }

// refused shows why the use case said no and gives the form back to the operator.
func (d *dialog) refused(text string) tea.Cmd {
	d.err, d.busy = text, false
	d.form = d.build()
	return d.form.Init()
}

// update feeds the form; aborted reports that it was abandoned (esc).
func (d *dialog) update(msg tea.Msg) (cmd tea.Cmd, aborted bool) {
	if _, ok := msg.(cursor.BlinkMsg); ok {
		// No blinking cursor: a blink is a redraw on a timer, on every open session.
		return nil, false
	}
	if d.busy {
		return nil, false
	}
	fm, cmd := d.form.Update(msg)
	if f, ok := fm.(*huh.Form); ok {
		d.form = f
	}
	switch d.form.State {
	case huh.StateAborted:
		return nil, true
	case huh.StateCompleted:
		d.busy, d.err = true, ""
		return d.submit(), false
	}
	return cmd, false
}

// view draws the title, the last refusal, the form and what goes under it. The
// refusal comes first: a long check under the form may run past the page's last line.
func (d *dialog) view(st styleSet, w int) string {
	var b strings.Builder
	b.WriteString(st.title.Render(d.title) + "\n")
	if d.err != "" {
		for i, l := range wrap(d.err, max(20, w-8)) {
			if i == 0 {
				b.WriteString(st.err.Render("Errore: ") + l + "\n")
			} else {
				b.WriteString("        " + l + "\n")
			}
		}
	}
	b.WriteString("\n")
	if d.busy {
		b.WriteString(st.muted.Render("Salvataggio in corso…"))
	} else {
		b.WriteString(strings.TrimRight(d.form.View(), " \n"))
	}
	if d.below != nil {
		if lines := d.below(); len(lines) > 0 {
			b.WriteString("\n\n" + strings.Join(lines, "\n"))
		}
	}
	return b.String()
}

// help is the form's own bindings with Italian help, for the root's help line.
func (d *dialog) help() []key.Binding {
	var out []key.Binding
	for _, b := range d.form.KeyBinds() {
		if !b.Enabled() || b.Help().Key == "" {
			continue
		}
		if b.Help().Key == "y" { // huh writes "y" on the accept key at every render
			b.SetHelp("s", b.Help().Desc)
		}
		out = append(out, b)
	}
	return append(out, key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "annulla")))
}

// styleSet is the part of the session styles a dialog uses.
type styleSet struct{ title, muted, err lipgloss.Style }

// theme is huh's base theme with the desk's rules: the 16 ANSI colours or none, focus
// shown by a bar and bold, the chosen button reversed (visible in monochrome), no blank
// line between fields (80×24).
func theme(plain bool) huh.Theme {
	return huh.ThemeFunc(func(isDark bool) *huh.Styles {
		t := huh.ThemeBase(isDark)
		t.FieldSeparator = lipgloss.NewStyle().SetString("\n")
		f := &t.Focused
		f.Title = lipgloss.NewStyle().Bold(true)
		f.Description = lipgloss.NewStyle().Faint(true)
		f.ErrorIndicator = lipgloss.NewStyle().Bold(true).SetString(" *")
		f.ErrorMessage = lipgloss.NewStyle().Bold(true).SetString("*")
		f.SelectSelector = lipgloss.NewStyle().Bold(true).SetString("> ")
		f.SelectedOption = lipgloss.NewStyle().Bold(true)
		f.NextIndicator = lipgloss.NewStyle().MarginLeft(1).SetString("→")
		f.PrevIndicator = lipgloss.NewStyle().MarginRight(1).SetString("←")
		button := lipgloss.NewStyle().Padding(0, 1).MarginRight(1)
		f.FocusedButton = button.Reverse(true).Bold(true)
		f.BlurredButton = button
		f.TextInput.Placeholder = lipgloss.NewStyle().Faint(true)
		f.TextInput.Prompt = lipgloss.NewStyle()
		if !plain {
			f.Title = f.Title.Foreground(lipgloss.Blue)
			f.ErrorIndicator = f.ErrorIndicator.Foreground(lipgloss.Red)
			f.ErrorMessage = f.ErrorMessage.Foreground(lipgloss.Red)
			f.SelectSelector = f.SelectSelector.Foreground(lipgloss.Cyan)
			f.FocusedButton = f.FocusedButton.Foreground(lipgloss.Blue)
		}
		t.Group.Title = lipgloss.NewStyle().Bold(true).Underline(true)
		t.Group.Description = lipgloss.NewStyle().Faint(true)
		t.Blurred = t.Focused
		t.Blurred.Base = t.Blurred.Base.BorderStyle(lipgloss.HiddenBorder())
		t.Blurred.Title = lipgloss.NewStyle()
		t.Blurred.SelectSelector = lipgloss.NewStyle().SetString("> ") // the choice shows without focus too
		t.Blurred.NextIndicator = lipgloss.NewStyle()
		t.Blurred.PrevIndicator = lipgloss.NewStyle()
		return t
	})
}

// keyMap is huh's key map in Italian: esc abandons the form (ctrl+c is the desk's
// quit), s/n answer a confirmation, no external editor (over SSH it would open on the
// server).
func keyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Quit = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "annulla"))
	km.Input.Next.SetHelp("invio", "avanti")
	km.Input.Prev.SetHelp("shift+tab", "indietro")
	km.Input.Submit.SetHelp("invio", "conferma")
	km.Input.AcceptSuggestion.SetHelp("ctrl+e", "completa")
	km.Text.Next.SetHelp("invio", "avanti")
	km.Text.Prev.SetHelp("shift+tab", "indietro")
	km.Text.Submit.SetHelp("invio", "conferma")
	km.Text.NewLine.SetHelp("ctrl+j", "a capo")
	km.Text.Editor = key.NewBinding(key.WithKeys("ctrl+e"), key.WithDisabled())
	km.Select.Next.SetHelp("invio", "scegli")
	km.Select.Prev.SetHelp("shift+tab", "indietro")
	km.Select.Submit.SetHelp("invio", "conferma")
	km.Select.Up.SetHelp("↑", "su")
	km.Select.Down.SetHelp("↓", "giù")
	km.Select.Left.SetHelp("←", "precedente")
	km.Select.Right.SetHelp("→", "successivo")
	km.Select.Filter = key.NewBinding(key.WithKeys("/"), key.WithDisabled())
	km.Select.HalfPageUp.SetEnabled(false)
	km.Select.HalfPageDown.SetEnabled(false)
	km.Select.GotoTop.SetEnabled(false)
	km.Select.GotoBottom.SetEnabled(false)
	km.Confirm.Toggle.SetHelp("←/→", "cambia")
	km.Confirm.Next.SetHelp("invio", "avanti")
	km.Confirm.Prev.SetHelp("shift+tab", "indietro")
	km.Confirm.Submit.SetHelp("invio", "conferma")
	km.Confirm.Accept = key.NewBinding(key.WithKeys("s", "S", "y", "Y"), key.WithHelp("s", "sì"))
	km.Confirm.Reject = key.NewBinding(key.WithKeys("n", "N"), key.WithHelp("n", "no"))
	return km
}

// wrap breaks text at spaces to width cells.
func wrap(text string, width int) []string {
	var out []string
	for _, para := range strings.Split(text, "\n") {
		line := ""
		for _, w := range strings.Fields(para) {
			if line != "" && len([]rune(line))+1+len([]rune(w)) > width {
				out = append(out, line)
				line = ""
			}
			if line != "" {
				line += " "
			}
			line += w
		}
		out = append(out, line)
	}
	return out
}
