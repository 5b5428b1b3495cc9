package server

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"

	"vivipass/server/sshtest"
)

// tableRow is a row of a passes table as the desk draws it: styled, some full width.
func tableRow(i int, selected bool) string {
	row := fmt.Sprintf("  L736_2026_%05d %-27s attivo      24/03/2031 KL%03dMN", i, fmt.Sprintf("ZANON NICOLÒ %d", i), i%1000)
	if i%7 == 0 {
		row += strings.Repeat("·", 80-ansi.StringWidth(row)) // exactly the width
	}
	if selected {
		return "\x1b[1;7m>" + row[1:] + "\x1b[0m"
	}
	if i%3 == 0 {
		return "\x1b[31m" + row + "\x1b[39m"
	}
	return row
}

func tableFrame(offset, cursor int, status string) string {
	lines := []string{"\x1b[1;7m F1 Home [F2 Contrassegni]\x1b[0m", "Cerca: ", "  Numero    Titolare"}
	for i := offset; i < offset+19; i++ {
		lines = append(lines, tableRow(i, i == cursor))
	}
	return strings.Join(append(lines, status, "? aiuto • ctrl+c esci"), "\n")
}

// plainText is what a terminal shows for a frame: its rows without styles, each cut
// to the width.
func plainText(content string, w, h int) string {
	lines := strings.Split(content, "\n")
	out := make([]string, h)
	for i := range out {
		if i < len(lines) {
			out[i] = strings.TrimRight(ansi.Strip(ansi.Truncate(lines[i], w, "")), " ")
		}
	}
	return strings.Join(out, "\n")
}

func drawOn(f *frames, content string) {
	f.draw(tea.View{Content: content, AltScreen: true, WindowTitle: "vivipass"})
}

// TestFramesShowEveryFrame (issue 14.5): whatever the frames (tables scrolling one row
// or a few, rows changed anywhere, full-width and styled rows, lines longer than the
// window, fewer lines than the window), the terminal ends up showing each frame exactly.
func TestFramesShowEveryFrame(t *testing.T) {
	scr := sshtest.NewScreen(80, 24)
	f := newFrames(scr, 80, 24)
	rng := rand.New(rand.NewPCG(14, 5))
	offset, cursor := 0, 0
	for step := range 2000 {
		var content string
		switch rng.IntN(6) {
		case 0, 1, 2: // the selection moves, the table scrolls when it must
			cursor = max(0, cursor+rng.IntN(9)-4)
			if cursor < offset {
				offset = cursor
			}
			if cursor >= offset+19 {
				offset = cursor - 18
			}
			content = tableFrame(offset, cursor, "")
		case 3: // a status line, sometimes too long for the window
			content = tableFrame(offset, cursor, strings.Repeat("errore ", rng.IntN(20)))
		case 4: // another page: fewer lines
			content = "Finestra troppo piccola\n\nriga"
		case 5: // a page jump
			offset += rng.IntN(40) - 20
			offset = max(0, offset)
			cursor = offset
			content = tableFrame(offset, cursor, "")
		}
		drawOn(f, content)
		if got, want := scr.Text(), plainText(content, 80, 24); got != want {
			t.Fatalf("step %d: the terminal shows\n%s\nwant\n%s", step, got, want)
		}
	}
}

// TestFramesScrollTheTable (issue 14.5): moving the selection one row down in a table
// that scrolls sends the terminal a scroll and three rows, not the whole table; a frame
// equal to the last sends nothing.
func TestFramesScrollTheTable(t *testing.T) {
	var out bytes.Buffer
	f := newFrames(&out, 80, 24)
	drawOn(f, tableFrame(0, 18, ""))
	out.Reset()
	drawOn(f, tableFrame(1, 19, ""))
	if n := out.Len(); n == 0 || n > 400 {
		t.Errorf("one row down in a scrolling table: %d bytes, want 1..400", n)
	}
	if !strings.Contains(out.String(), ansi.Index) {
		t.Errorf("no scroll in %q", out.String())
	}
	out.Reset()
	drawOn(f, tableFrame(1, 19, ""))
	if out.Len() != 0 {
		t.Errorf("an unchanged frame wrote %q", out.String())
	}
}

// TestFramesPlainAndClose (issue 14.5): with the Ascii profile (plain mode, NO_COLOR)
// no colour reaches the terminal, reverse video stays; the end gives the terminal back.
func TestFramesPlainAndClose(t *testing.T) {
	var out bytes.Buffer
	scr := sshtest.NewScreen(80, 24)
	f := newFrames(&out, 80, 24)
	f.update(tea.ColorProfileMsg{Profile: colorprofile.Ascii})
	drawOn(f, tableFrame(0, 3, "\x1b[1;31mErrore:\x1b[0m lettura"))
	scr.Write(out.Bytes())
	if n := scr.ColourSGRs(); n != 0 {
		t.Errorf("%d colour SGRs in plain mode", n)
	}
	if !strings.Contains(out.String(), "\x1b[1;7m>") {
		t.Errorf("the selected row lost its reverse video: %q", out.String())
	}
	if got, want := scr.Text(), plainText(tableFrame(0, 3, "Errore: lettura"), 80, 24); got != want {
		t.Errorf("plain frame:\n%s\nwant\n%s", got, want)
	}
	out.Reset()
	f.close()
	for _, seq := range []string{ansi.ResetModeAltScreenSaveCursor, ansi.SetModeTextCursorEnable, ansi.ResetModeBracketedPaste, ansi.PopKittyKeyboard(1)} {
		if !strings.Contains(out.String(), seq) {
			t.Errorf("close: %q missing in %q", seq, out.String())
		}
	}
}
