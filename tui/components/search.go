package components

import tea "charm.land/bubbletea/v2"

// Search numbers the searches a page asks while the operator types and remembers an
// enter pressed before the last one answered: a search typed in one burst and enter
// (a paste, a tessera sanitaria barcode reader) then opens the first row of what was
// typed, never a row of the list that was on screen (issue 11.1).
type Search struct {
	asked, shown int
	enter        bool
}

// Ask numbers a new search (an enter waiting goes on waiting, for this one).
func (s *Search) Ask() int { s.asked++; return s.asked }

// Answered takes the answer to search seq: current is false for an older search
// (drop it); enter is true when an enter waits for this answer (act on it now).
func (s *Search) Answered(seq int) (current, enter bool) {
	if seq != s.asked {
		return false, false
	}
	s.shown = seq
	enter, s.enter = s.enter, false
	return true, enter
}

// Enter reports whether the rows on screen answer everything typed (act now); when
// not, the enter waits for the answer.
func (s *Search) Enter() bool {
	if s.shown == s.asked {
		return true
	}
	s.enter = true
	return false
}

// Printable reports whether k types a character (no ctrl or alt): a list hands such
// a key to its search field rather than dropping it (issue 11.2).
func Printable(k tea.KeyPressMsg) bool {
	return k.Text != "" && k.Mod&^tea.ModShift == 0
}
