package formkit

import (
	"reflect"
	"runtime"
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
	// touched: the operator typed or chose something; esc then asks before the input
	// is thrown away (leaving), and only s leaves (issue 11.4).
	touched, leaving bool
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
// never reaches it (it would arm the next one). The move to the next field or group
// that a key asks for happens before Update returns (settle), so the keys typed right
// after it, faster than a command round trip (a paste, a barcode reader, a fast
// typist), land in the field they were meant for (issue 11.1).
func (f *Form) Update(msg tea.Msg) (huh.FormState, tea.Cmd) {
	if _, ok := msg.(cursor.BlinkMsg); ok {
		return f.f.State, nil
	}
	switch k := msg.(type) {
	case tea.KeyPressMsg:
		if f.f.State != huh.StateNormal {
			break
		}
		if f.leaving {
			f.leaving = false
			if k.String() != "s" && k.String() != "S" {
				return f.f.State, nil // anything but s goes back to the form
			}
			return f.f.State, Quiet(f.update(tea.KeyPressMsg{Code: tea.KeyEscape}))
		}
		_, confirm := f.f.GetFocusedField().(*huh.Confirm)
		switch k.String() {
		case "esc":
			if f.touched {
				f.leaving = true
				return f.f.State, nil
			}
		case "tab", "shift+tab", "enter", "up", "down", "pgup", "pgdown", "ctrl+c":
		default:
			f.touched = f.touched || !confirm // a Sì/No choice is no input to lose
		}
		if confirm && !f.moveConfirm(k) {
			return f.f.State, nil
		}
	case tea.PasteMsg:
		f.touched = true
	}
	return f.f.State, Quiet(f.settle(f.update(msg)))
}

// Leaving reports that esc asked whether to throw the input away.
func (f *Form) Leaving() bool { return f.leaving }

// LeaveQuestion is the line the page shows while Leaving.
const LeaveQuestion = "Uscire senza salvare? I dati inseriti andranno persi.\ns esce senza salvare, n o esc torna al modulo."

func (f *Form) update(msg tea.Msg) tea.Cmd {
	fm, cmd := f.f.Update(msg)
	if hf, ok := fm.(*huh.Form); ok {
		f.f = hf
	}
	return cmd
}

// moveConfirm makes the arrows of a Sì/No question move rather than toggle (huh's
// toggle turned the default "No" into "Sì" on →): ← is Sì, → is No, and at an end
// nothing changes (issue 11.3). It reports whether the key is left for huh.
func (f *Form) moveConfirm(k tea.KeyPressMsg) bool {
	c, _ := f.f.GetFocusedField().(*huh.Confirm)
	var want bool
	switch k.String() {
	case "left", "h":
		want = true
	case "right", "l":
		want = false
	default:
		return true
	}
	cur, _ := c.GetValue().(bool)
	return cur != want // a toggle moves to the wanted button
}

// settle runs at once the moves between fields and groups in cmd (huh's NextField,
// PrevField and its group moves, which are plain message commands) and returns the
// rest, to run as usual.
func (f *Form) settle(cmd tea.Cmd) tea.Cmd {
	if cmd == nil {
		return nil
	}
	if isMove(cmd) {
		if f.f.State != huh.StateNormal {
			return nil
		}
		return f.settle(f.update(cmd()))
	}
	if !isGroup(cmd) {
		return cmd
	}
	msg := cmd() // a Batch or Sequence closure only hands back its commands
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeOf(tea.Cmd(nil)) {
		return func() tea.Msg { return msg }
	}
	var rest []tea.Cmd
	for i := range v.Len() {
		c, _ := v.Index(i).Interface().(tea.Cmd)
		if c = f.settle(c); c != nil {
			rest = append(rest, c)
		}
	}
	if _, batch := msg.(tea.BatchMsg); batch {
		return tea.Batch(rest...)
	}
	return tea.Sequence(rest...)
}

// huh's move commands and Bubble Tea's group closures, known by their functions' names.
var (
	huhPkg  = reflect.TypeOf(huh.Form{}).PkgPath() + "."
	teaPkg  = reflect.TypeOf(tea.BatchMsg{}).PkgPath() + "."
	huhMove = map[string]bool{"NextField": true, "PrevField": true, "nextGroup": true, "prevGroup": true}
)

func funcName(cmd tea.Cmd) string {
	if fn := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()); fn != nil {
		return fn.Name()
	}
	return ""
}

func isMove(cmd tea.Cmd) bool {
	name, ok := strings.CutPrefix(funcName(cmd), huhPkg)
	return ok && huhMove[name]
}

func isGroup(cmd tea.Cmd) bool {
	return strings.HasPrefix(funcName(cmd), teaPkg+"compactCmds")
}

// NextGroup moves to the next group.
func (f *Form) NextGroup() tea.Cmd { return Quiet(f.f.NextGroup()) }

// View draws the form, and under it the question of esc while Leaving.
func (f *Form) View() string {
	if f.leaving {
		return f.f.View() + "\n\n" + LeaveQuestion
	}
	return f.f.View()
}

// Help is the focused field's keys, in Italian, for the root's help line. A
// confirmation writes huh's English "y" into its accept key's help at every render:
// the key that works is shown instead.
func (f *Form) Help() []key.Binding {
	if f.f.State != huh.StateNormal {
		return nil
	}
	if f.leaving {
		return []key.Binding{key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "esci senza salvare")),
			key.NewBinding(key.WithKeys("n"), key.WithHelp("n/esc", "torna al modulo"))}
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
