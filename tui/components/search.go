package components

import tea "charm.land/bubbletea/v2"

// Search numbers the searches a page asks while the operator types and remembers an
// enter pressed before the search of what was typed answered: a search typed in one
// burst and enter (a paste, a tessera sanitaria barcode reader) opens the first row of
// what was typed before the enter, never a row of the list that was on screen, nor of
// what was typed after it (issue 11.1).
type Search struct {
	asked, shown int
	enterAt      int // the search an enter waits for (0: none)
}

// Ask numbers a new search.
func (s *Search) Ask() int { s.asked++; return s.asked }

// Answered takes the answer to search seq: current reports that it is the latest
// (show it; otherwise drop it); enter that an enter waited for this very search (act on
// its rows now, shown or not).
func (s *Search) Answered(seq int) (current, enter bool) {
	if seq == s.enterAt {
		enter, s.enterAt = true, 0
	}
	if seq != s.asked {
		return false, enter
	}
	s.shown = seq
	return true, enter
}

// Enter reports whether the rows on screen answer everything typed (act now); when
// not, the enter waits for the answer of what was typed so far.
func (s *Search) Enter() bool {
	if s.shown == s.asked {
		return true
	}
	s.enterAt = s.asked
	return false
}

// Printable reports whether k types a character (no ctrl or alt): a list hands such
// a key to its search field rather than dropping it (issue 11.2).
func Printable(k tea.KeyPressMsg) bool {
	return k.Text != "" && k.Mod&^tea.ModShift == 0
}
