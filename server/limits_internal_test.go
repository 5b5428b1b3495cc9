package server

import (
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// TestPasteLimit (issue 12.1): a paste past maxPaste is ended after maxPaste bytes and
// the rest dropped up to its own end; shorter pastes and keys pass unchanged, read a byte
// at a time (markers split between reads) or in one go.
func TestPasteLimit(t *testing.T) {
	const start = "\x1b[200~"
	in := "x" + start + strings.Repeat("a", 2*maxPaste) + pasteEnd + "y\x1b[A" + start + "short" + pasteEnd + "z\x1b[20"
	want := "x" + start + strings.Repeat("a", maxPaste+1) + pasteEnd + "y\x1b[A" + start + "short" + pasteEnd + "z\x1b[20"
	for name, r := range map[string]io.Reader{"a byte at a time": iotest.OneByteReader(strings.NewReader(in)),
		"whole": strings.NewReader(in)} {
		got, err := io.ReadAll(&pasteLimit{r: r})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(got) != want {
			t.Errorf("%s: %d bytes, want %d; tail %q", name, len(got), len(want), got[max(0, len(got)-40):])
		}
	}
}
