// Package styles builds the desk's styles: the 16 ANSI colours only,
// never colour alone (a marker or a word always says the same), selection by reverse
// video so that a monochrome terminal still shows it, and a plain mode with no colour
// at all.
package styles

import (
	"sync"

	"charm.land/lipgloss/v2"
)

// Styles of the desk. Sessions share them (For): read only once made.
type Styles struct {
	Plain    bool
	Title    lipgloss.Style
	Section  lipgloss.Style // active section in the top bar
	Nav      lipgloss.Style // other sections
	Header   lipgloss.Style // table headers, field labels
	Selected lipgloss.Style // the selected row
	Muted    lipgloss.Style
	Error    lipgloss.Style
	Warning  lipgloss.Style
	OK       lipgloss.Style
	Label    lipgloss.Style
	Value    lipgloss.Style
	Box      lipgloss.Style
	HelpKey  lipgloss.Style
	HelpDesc lipgloss.Style
	Unread   lipgloss.Style
}

// For is the styles every session shares, plain or in colour: a session used to hold
// its own copy (10 KB, issue 14.5).
func For(plain bool) *Styles {
	if plain {
		return plainStyles()
	}
	return colourStyles()
}

var (
	plainStyles  = sync.OnceValue(func() *Styles { return New(true) })
	colourStyles = sync.OnceValue(func() *Styles { return New(false) })
)

// New builds the styles; plain drops every colour (bold and reverse stay).
func New(plain bool) *Styles {
	s := &Styles{Plain: plain}
	base := lipgloss.NewStyle()
	s.Title = base.Bold(true)
	s.Section = base.Bold(true).Reverse(true)
	s.Nav = base
	s.Header = base.Bold(true).Underline(true)
	s.Selected = base.Reverse(true).Bold(true)
	s.Muted = base.Faint(true)
	s.Error = base.Bold(true)
	s.Warning = base.Bold(true)
	s.OK = base
	s.Label = base.Bold(true)
	s.Value = base
	s.Box = base.Border(lipgloss.NormalBorder()).Padding(0, 1)
	s.HelpKey = base.Bold(true)
	s.HelpDesc = base.Faint(true)
	s.Unread = base.Bold(true)
	if plain {
		return s
	}
	s.Title = s.Title.Foreground(lipgloss.Blue)
	s.Section = s.Section.Foreground(lipgloss.Blue)
	s.Error = s.Error.Foreground(lipgloss.Red)
	s.Warning = s.Warning.Foreground(lipgloss.Yellow)
	s.OK = s.OK.Foreground(lipgloss.Green)
	s.HelpKey = s.HelpKey.Foreground(lipgloss.Cyan)
	s.Box = s.Box.BorderForeground(lipgloss.BrightBlack)
	return s
}
