// Package common is what every page of one session shares: the Context (operator,
// services, size, styles) and the messages pages use to talk to the root.
package common

import (
	"errors"
	"strings"
	"time"
	"unicode"

	"charm.land/bubbles/v2/help"
	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/files"
	"vivipass/internal/explain"
	"vivipass/service"
	"vivipass/tui/styles"
)

// Context belongs to one session: nothing in it is shared with other sessions but the
// Service, which is the process's, and the Styles, which nobody changes.
type Context struct {
	Svc      *service.Service
	Operator domain.Operator
	Actor    service.Actor
	Styles   *styles.Styles // shared by the sessions (styles.For): read only
	Width    int
	Height   int
	// Files is the folder of the operator's comune on the server: the only files the
	// desk reads or writes (nil: no folder configured, and no file can be chosen).
	Files *files.Folder
	// FilesHint says how the operator reaches that folder from the counter PC
	// ("sftp -P 2222 mario@server"); empty on the server's own terminal.
	FilesHint string
}

// Page is one screen. Only the root returns a tea.View; pages render strings.
type Page interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (Page, tea.Cmd)
	View() string
	SetSize(w, h int)
	Title() string
	help.KeyMap
	// Capturing reports whether a text field has the keyboard, so the root leaves
	// single-letter global keys (like ?) to the page.
	Capturing() bool
}

// Editing is implemented by pages that may hold input not saved yet (a form open on
// them, or a save waiting for its answer): the root never drops such a page to show
// another one.
type Editing interface {
	Editing() bool
}

// IsEditing reports whether p is a page with input not saved yet.
func IsEditing(p Page) bool {
	e, ok := p.(Editing)
	return ok && e.Editing()
}

// Messages from pages to the root.
type (
	// OpenPassMsg opens the Scheda contrassegno.
	OpenPassMsg struct{ ID uint64 }
	// OpenPersonMsg opens a person in Anagrafica.
	OpenPersonMsg struct{ ID uint64 }
	// PushMsg shows a page over the sender's section (a form); esc or PopMsg returns.
	PushMsg struct{ Page Page }
	// PopMsg closes the page that sent it (the page on top when the sender is not
	// known), with an optional notice for the status line.
	PopMsg struct{ Notice string }
	// NoticeMsg is a one-line message on the status line.
	NoticeMsg struct {
		Text  string
		Error bool
	}
	// DataChangedMsg: something changed in the register (from any session).
	DataChangedMsg struct{ Event service.Event }
)

// Push returns a command that shows p over the sender's section.
func Push(p Page) tea.Cmd { return func() tea.Msg { return PushMsg{Page: p} } }

// Pop returns a command that closes the sender's page.
func Pop() tea.Cmd { return func() tea.Msg { return PopMsg{} } }

// Notice returns a command that shows a notice.
func Notice(text string) tea.Cmd { return func() tea.Msg { return NoticeMsg{Text: text} } }

// Err returns a command that shows an error in Italian.
func Err(err error) tea.Cmd {
	return func() tea.Msg { return NoticeMsg{Text: ErrorText(err), Error: true} }
}

// ErrorText is an error as an operator reads it.
func ErrorText(err error) string {
	if err == nil {
		return ""
	}
	var fe service.FieldErrors
	if errors.As(err, &fe) {
		var parts []string
		for _, f := range fe {
			parts = append(parts, f.Message)
		}
		return strings.Join(parts, "; ")
	}
	return explain.Text(err) // the system's English said in Italian (issue 11.9)
}

// Clean shows a control character of the data (an escape sequence in a name written
// before the input checks, issue 12.10) as "�": it never reaches the terminal raw.
func Clean(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return '\uFFFD'
		}
		return r
	}, s)
}

// Truncate cuts s to w cells with an ellipsis; the text is data or words, never
// styled: its control characters are shown (Clean).
func Truncate(s string, w int) string {
	if w <= 0 {
		return ""
	}
	s = Clean(s)
	r := []rune(s)
	if len(r) <= w {
		return s
	}
	if w == 1 {
		return "…"
	}
	return string(r[:w-1]) + "…"
}

// Pad cuts or pads s to exactly w cells.
func Pad(s string, w int) string {
	s = Truncate(s, w)
	if n := len([]rune(s)); n < w {
		s += strings.Repeat(" ", w-n)
	}
	return s
}

// Dash is s, or "–" when s is blank (a value not given).
func Dash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "–"
	}
	return s
}

// When formats an instant in Italian time.
func When(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(domain.Rome).Format("02/01/2006 15:04")
}
