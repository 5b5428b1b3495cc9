package formkit

import (
	"charm.land/bubbles/v2/key"
	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
)

// Theme is the huh theme of the desk: the 16 ANSI colours only, or none at all in
// plain mode (bold, faint, underline and reverse remain). Focus and choice never show by
// colour alone: the focused field has a bar at its left, the chosen button is reversed
// (underlined when its field has no focus), the selected option is bold with a "> ", a
// validation message starts with the word "Errore:". No blank line between fields, so
// the forms fit 80×24.
func Theme(plain bool) huh.Theme {
	return huh.ThemeFunc(func(isDark bool) *huh.Styles {
		t := huh.ThemeBase(isDark)
		base := lipgloss.NewStyle()
		t.FieldSeparator = base.SetString("\n")
		f := &t.Focused
		f.Base = base.PaddingLeft(1).BorderStyle(lipgloss.ThickBorder()).BorderLeft(true)
		f.Card = f.Base
		f.Title = base.Bold(true)
		f.NoteTitle = base.Bold(true)
		f.Description = base.Faint(true)
		f.ErrorIndicator = base.Bold(true).SetString(" *")
		f.ErrorMessage = base.Bold(true).SetString("Errore:")
		f.SelectSelector = base.Bold(true).SetString("> ")
		f.Option = base
		f.SelectedOption = base.Bold(true)
		f.NextIndicator = base.MarginLeft(1).SetString("→")
		f.PrevIndicator = base.MarginRight(1).SetString("←")
		// The chosen button is in brackets too: with no colours at all (NO_COLOR, a plain
		// terminal) reverse and bold are gone, and Sì and No must still differ.
		f.FocusedButton = base.Border(chosen, false, true).MarginRight(1).Reverse(true).Bold(true)
		f.BlurredButton = base.Padding(0, 1).MarginRight(1)
		f.Next = f.FocusedButton
		f.TextInput.Placeholder = base.Faint(true)
		f.TextInput.Prompt = base
		f.TextInput.Text = base
		if !plain {
			f.Base = f.Base.BorderForeground(lipgloss.Cyan)
			f.Title = f.Title.Foreground(lipgloss.Blue)
			f.NoteTitle = f.NoteTitle.Foreground(lipgloss.Blue)
			f.ErrorMessage = f.ErrorMessage.Foreground(lipgloss.Red)
			f.ErrorIndicator = f.ErrorIndicator.Foreground(lipgloss.Red)
			f.SelectSelector = f.SelectSelector.Foreground(lipgloss.Cyan)
			f.SelectedOption = f.SelectedOption.Foreground(lipgloss.Cyan)
			f.TextInput.Cursor = base.Foreground(lipgloss.Cyan)
		}
		t.Blurred = t.Focused
		t.Blurred.Base = f.Base.BorderStyle(lipgloss.HiddenBorder())
		t.Blurred.Card = t.Blurred.Base
		t.Blurred.Title = base.Bold(true)
		t.Blurred.NextIndicator = base
		t.Blurred.PrevIndicator = base
		t.Blurred.FocusedButton = base.Border(chosen, false, true).MarginRight(1).Underline(true)
		t.Group.Title = f.Title
		t.Group.Description = f.Description
		return t
	})
}

// chosen marks the chosen button of a Sì/No question: "[Sì]  No ".
var chosen = lipgloss.Border{Left: "[", Right: "]"}

// KeyMap is huh's key map in Italian. esc abandons the form (huh's default is only
// ctrl+c, which the desk keeps for quitting); s or n answer a confirmation (y too, for
// fingers used to it); enter on the last field says submit ("salva" when empty); no
// filtering in lists (its "No matches" is English, and our lists are short); no
// external editor (over SSH it would open on the server).
func KeyMap(submit string) *huh.KeyMap {
	if submit == "" {
		submit = "salva"
	}
	km := huh.NewDefaultKeyMap()
	km.Quit = key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "annulla"))

	back := func(b *key.Binding) { b.SetHelp("shift+tab", "campo prec.") }
	next := func(b *key.Binding) { b.SetHelp("invio", "avanti") }
	done := func(b *key.Binding) { b.SetHelp("invio", submit) }

	km.Input.AcceptSuggestion.SetHelp("ctrl+e", "completa")
	back(&km.Input.Prev)
	next(&km.Input.Next)
	done(&km.Input.Submit)

	back(&km.Text.Prev)
	next(&km.Text.Next)
	done(&km.Text.Submit)
	km.Text.NewLine.SetHelp("ctrl+j", "a capo")
	km.Text.Editor.SetEnabled(false)

	back(&km.Select.Prev)
	next(&km.Select.Next)
	done(&km.Select.Submit)
	km.Select.Up.SetHelp("↑", "su")
	km.Select.Down.SetHelp("↓", "giù")
	km.Select.Left.SetHelp("←/→", "cambia")
	km.Select.Right.SetHelp("", "")
	km.Select.Filter.SetEnabled(false)
	km.Select.SetFilter.SetEnabled(false)
	km.Select.ClearFilter.SetEnabled(false)
	km.Select.HalfPageUp.SetEnabled(false)
	km.Select.HalfPageDown.SetEnabled(false)
	km.Select.GotoTop.SetHelp("inizio", "primo")
	km.Select.GotoBottom.SetHelp("fine", "ultimo")

	back(&km.MultiSelect.Prev)
	next(&km.MultiSelect.Next)
	done(&km.MultiSelect.Submit)
	km.MultiSelect.Toggle.SetHelp("spazio", "scegli")
	km.MultiSelect.Filter.SetEnabled(false)
	km.MultiSelect.SelectAll.SetHelp("ctrl+a", "tutti")
	km.MultiSelect.SelectNone.SetHelp("ctrl+a", "nessuno")

	back(&km.Note.Prev)
	next(&km.Note.Next)
	done(&km.Note.Submit)

	back(&km.Confirm.Prev)
	next(&km.Confirm.Next)
	done(&km.Confirm.Submit)
	km.Confirm.Toggle.SetHelp("←/→", "cambia")
	km.Confirm.Accept = key.NewBinding(key.WithKeys("s", "S", "y", "Y"), key.WithHelp("s", "sì"))
	km.Confirm.Reject = key.NewBinding(key.WithKeys("n", "N"), key.WithHelp("n", "no"))
	return km
}
