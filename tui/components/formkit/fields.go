package formkit

import (
	"strings"

	"charm.land/huh/v2"
	"charm.land/lipgloss/v2"
	"github.com/charmbracelet/x/ansi"
)

// Pad makes a label w cells wide (at least one space after it), so inline fields line
// their values up.
func Pad(s string, w int) string {
	if n := ansi.StringWidth(s); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s + " "
}

// YesNo is a Sì/No question on one line (s or n answer it, ←/→ change it).
func YesNo(title string, v *bool) *huh.Confirm {
	return Confirm(title, "Sì", v).Inline(true)
}

// Confirm asks before an operation: yes is the affirmative button ("Sì, rimuovi"), the
// other says No. English never shows (huh's defaults are Yes/No).
func Confirm(title, yes string, v *bool) *huh.Confirm {
	return huh.NewConfirm().Title(title).Affirmative(yes).Negative("No").WithButtonAlignment(lipgloss.Left).Value(v)
}

// Wrap breaks text at spaces to width cells (runes); blank lines are kept.
func Wrap(text string, width int) []string {
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
