package formkit

import (
	"charm.land/lipgloss/v2"
	"reflect"
	"runtime"
	"strings"

	"charm.land/bubbles/v2/cursor"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"vivipass/tui/common"
)

// No redraws on a timer (issue 3). A bubbles v2 text field draws a virtual cursor that
// blinks by default: every 530 ms a command wakes the program, the cursor toggles and
// the page is drawn again, on every open session, for as long as the field has the
// focus. A textinput of ours is made without it (TextInput: Styles().Cursor.Blink off,
// the cursor is drawn steady and Focus returns no command). A huh field keeps its
// textinput or textarea private and offers no option for it, so the form kit filters:
// every command an embedded form returns goes through Quiet.

// TextInput is a one-line text field of a page (a search, a path) with a steady
// cursor.
func TextInput(prompt, placeholder string, limit int) textinput.Model {
	ti := textinput.New()
	ti.Prompt = prompt
	ti.Placeholder = placeholder
	ti.CharLimit = limit
	st := ti.Styles()
	st.Cursor.Blink = false
	// The default placeholder grey is a 256-colour one: faint keeps to the 16 colours.
	faint := lipgloss.NewStyle().Faint(true)
	st.Focused.Placeholder, st.Blurred.Placeholder = faint, faint
	st.Focused.Suggestion, st.Blurred.Suggestion = faint, faint
	ti.SetStyles(st)
	return ti
}

// Quiet returns cmd without the cursor blink: the blink commands are left out before
// they run (they are the cursor package's own closures), and a blink message that
// comes anyway (a command named otherwise) is dropped. Everything else, in Batches and
// Sequences too, is untouched.
func Quiet(cmd tea.Cmd) tea.Cmd {
	return common.MapCmd(cmd, isBlink, func(msg tea.Msg) tea.Msg {
		if _, ok := msg.(cursor.BlinkMsg); ok {
			return nil
		}
		return msg
	})
}

// cursorPkg is the import path of the cursor package, as function names start.
var cursorPkg = reflect.TypeOf(cursor.BlinkMsg{}).PkgPath() + "."

// isBlink reports whether cmd is one of the cursor's blink commands (the timer
// cursor.Model.Blink returns, or cursor.Blink that starts it).
func isBlink(cmd tea.Cmd) bool {
	f := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer())
	return f != nil && strings.HasPrefix(f.Name(), cursorPkg)
}

// IsBlink reports whether msg is the cursor's blink (tests).
func IsBlink(msg tea.Msg) bool {
	_, ok := msg.(cursor.BlinkMsg)
	return ok
}
