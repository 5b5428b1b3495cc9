// Package keys holds the global key bindings of the desk; every page has its own
// KeyMap next to it. Help lines are generated from the same bindings.
package keys

import "charm.land/bubbles/v2/key"

// Global is what works on every page (unless a text field has the keyboard).
type Global struct {
	Home   key.Binding
	Passes key.Binding
	People key.Binding
	Admin  key.Binding
	Inbox  key.Binding // Richieste PEC (F5 is the Contrassegni state filter)
	Back   key.Binding
	Help   key.Binding
	Quit   key.Binding
}

// NewGlobal is the default global key map.
func NewGlobal() Global {
	return Global{
		Home:   key.NewBinding(key.WithKeys("f1", "alt+1"), key.WithHelp("F1", "home")),
		Passes: key.NewBinding(key.WithKeys("f2", "alt+2"), key.WithHelp("F2", "contrassegni")),
		People: key.NewBinding(key.WithKeys("f3", "alt+3"), key.WithHelp("F3", "anagrafica")),
		Admin:  key.NewBinding(key.WithKeys("f4", "alt+4"), key.WithHelp("F4", "amministrazione")),
		Inbox:  key.NewBinding(key.WithKeys("alt+5"), key.WithHelp("alt+5", "richieste PEC")),
		Back:   key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "indietro")),
		Help:   key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "aiuto")),
		Quit:   key.NewBinding(key.WithKeys("ctrl+c", "ctrl+q"), key.WithHelp("ctrl+c", "esci")),
	}
}

// ShortHelp is the global part of the help line.
func (g Global) ShortHelp() []key.Binding { return []key.Binding{g.Help, g.Quit} }

// FullHelp lists every global binding.
func (g Global) FullHelp() [][]key.Binding {
	return [][]key.Binding{{g.Home, g.Passes, g.People, g.Admin, g.Inbox}, {g.Back, g.Help, g.Quit}}
}
