package formkit

import (
	"strings"

	"charm.land/bubbles/v2/cursor"
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
)

// Form is a huh form embedded in a page, with the desk's theme and Italian keys, no
// help of its own (the root draws the help line from Help) and no cursor blink.
//
// Embedded, huh has no SubmitCmd or CancelCmd (Form.Run sets them; embedding does
// not): Update reports the form's State after every message, and the page acts on
// StateCompleted (save) and StateAborted (esc). A completed or aborted huh.Form ignores
// every later message and draws nothing: to give the form back after a refusal, build
// a new one over the same values.
type Form struct {
	f *huh.Form
}

// New takes f over: the desk's theme (plain: no colours), the Italian key map (submit
// is what enter on the last field does, "salva" when empty), no help, errors shown.
func New(f *huh.Form, plain bool, submit string) *Form {
	return &Form{f: f.WithTheme(Theme(plain)).WithKeyMap(KeyMap(submit)).WithShowHelp(false).WithShowErrors(true)}
}

// Huh is the form itself (its fields, GetFocusedField…). Its commands are not quiet:
// go through Form's methods to update it.
func (f *Form) Huh() *huh.Form { return f.f }

// State is huh's: StateNormal while the operator fills the form in.
func (f *Form) State() huh.FormState { return f.f.State }

// GetFocusedField is the field that has the focus.
func (f *Form) GetFocusedField() huh.Field { return f.f.GetFocusedField() }

// Init starts the form (focus on the first field).
func (f *Form) Init() tea.Cmd { return Quiet(f.f.Init()) }

// Update feeds the form one message and returns its state after it. A cursor blink
// never reaches it (it would arm the next one).
func (f *Form) Update(msg tea.Msg) (huh.FormState, tea.Cmd) {
	if _, ok := msg.(cursor.BlinkMsg); ok {
		return f.f.State, nil
	}
	fm, cmd := f.f.Update(msg)
	if hf, ok := fm.(*huh.Form); ok {
		f.f = hf
	}
	return f.f.State, Quiet(cmd)
}

// NextGroup moves to the next group.
func (f *Form) NextGroup() tea.Cmd { return Quiet(f.f.NextGroup()) }

// View draws the form.
func (f *Form) View() string { return f.f.View() }

// Help is the focused field's keys, in Italian, for the root's help line. A
// confirmation writes huh's English "y" into its accept key's help at every render:
// the key that works is shown instead.
func (f *Form) Help() []key.Binding {
	if f.f.State != huh.StateNormal {
		return nil
	}
	var out []key.Binding
	for _, b := range f.f.KeyBinds() {
		if !b.Enabled() || b.Help().Key == "" {
			continue
		}
		if keys := b.Keys(); len(keys) > 0 && (keys[0] == "s" || keys[0] == "n") {
			b.SetHelp(keys[0], strings.ToLower(b.Help().Desc))
		}
		out = append(out, b)
	}
	return out
}
