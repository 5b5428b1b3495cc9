package lookup

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// A search text of any length is cut to maxSearchText characters, whole runes, before
// any scan (the scans are linear in it).
func TestSearchTextBounded(t *testing.T) {
	got := boundText(strings.Repeat("à", 1<<20))
	if utf8.RuneCountInString(got) != maxSearchText || !utf8.ValidString(got) {
		t.Errorf("cut to %d runes (valid %v)", utf8.RuneCountInString(got), utf8.ValidString(got))
	}
	if boundText("ROSSI M") != "ROSSI M" {
		t.Error("a short text changed")
	}
}
