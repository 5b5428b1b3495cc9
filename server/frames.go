package server

import (
	"bytes"
	"io"
	"strings"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/ansi"
)

// frames draws a session's desk on its terminal by whole rows (issue 14.5), in place of
// Bubble Tea's renderer (tea.WithoutRenderer): that one keeps two grids of cells the
// size of the terminal for every program (the frame being drawn and the terminal's copy,
// 112 bytes a cell: 450 KB a session at 80×24, more than half of a session's memory).
// The desk's frames are whole lines of styled text, so the terminal's copy here is the
// rows as last written, a few KB.
//
// A frame is written as soon as the model changed (Bubble Tea calls View after every
// message): rows equal to what the terminal shows are skipped, a block of rows that
// moved up or down by a few (the table scrolled one row) is scrolled by the terminal
// inside margins, and the others are rewritten whole. Colours are brought down to the
// session's colour profile as Bubble Tea's renderer does (none in plain mode). The
// terminal's modes are those Bubble Tea sets: alternate screen, hidden cursor, bracketed
// paste, the window title, modifyOtherKeys and the Kitty keyboard's disambiguation (the
// keys arrive as before), synchronized output when the terminal says it has it.
type frames struct {
	out           io.Writer
	profile       colorprofile.Profile
	width, height int
	shown         []string // the rows on the terminal, as written (after the profile)
	content       string   // the view they were made of
	started       bool     // the modes are set and the screen is the desk's
	clear         bool     // the next frame starts from a cleared screen (a new size)
	syncd         bool     // the terminal has synchronized output (mode 2026)
	title         string
	buf           bytes.Buffer
	conv          bytes.Buffer
	err           error // the first write error: the session is going
}

func newFrames(out io.Writer, width, height int) *frames {
	return &frames{out: out, profile: colorprofile.TrueColor, width: width, height: height}
}

// update follows the messages that concern the terminal: its size, its colour profile,
// and its answer about synchronized output.
func (f *frames) update(msg tea.Msg) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		if msg.Width != f.width || msg.Height != f.height {
			f.width, f.height = msg.Width, msg.Height
			f.clear = true
		}
	case tea.ColorProfileMsg:
		if msg.Profile != f.profile {
			f.profile = msg.Profile
			f.clear = true
		}
	case tea.ModeReportMsg:
		if msg.Mode == ansi.ModeSynchronizedOutput && msg.Value == ansi.ModeReset {
			f.syncd = true // supported, and off until a frame turns it on
		}
	}
}

// maxScroll is the largest shift looked for between two frames: a table moves by one
// row per key, by a page with pgup/pgdown (redrawn whole).
const maxScroll = 3

// draw writes what changed between the rows on the terminal and v.
func (f *frames) draw(v tea.View) {
	if f.err != nil || f.width <= 0 || f.height <= 0 {
		return
	}
	if f.started && !f.clear && v.Content == f.content && v.WindowTitle == f.title {
		return // most messages change nothing on screen
	}
	f.content = v.Content
	b := &f.buf
	b.Reset()
	if !f.started {
		f.started = true
		f.clear = true
		if v.AltScreen {
			b.WriteString(ansi.SetModeAltScreenSaveCursor)
		}
		b.WriteString(ansi.ResetModeTextCursorEnable + ansi.SetModeBracketedPaste)
		// As Bubble Tea does with input: the keys keep their encoding.
		b.WriteString(ansi.SetModifyOtherKeys2 + ansi.PushKittyKeyboard(1) + ansi.RequestKittyKeyboard)
		b.WriteString(ansi.RequestModeSynchronizedOutput)
	}
	if v.WindowTitle != f.title {
		f.title = v.WindowTitle
		b.WriteString(ansi.SetWindowTitle(f.title))
	}
	if f.clear {
		f.clear = false
		b.WriteString(ansi.ResetStyle + ansi.EraseEntireScreen)
		f.shown = make([]string, f.height) // all blank
	}
	rows := f.rows(v.Content)
	f.scroll(rows)
	for y, row := range rows {
		if row == f.shown[y] {
			continue
		}
		b.WriteString(ansi.CursorPosition(1, y+1))
		b.WriteString(row)
		if strings.IndexByte(row, ansi.ESC) >= 0 {
			b.WriteString(ansi.ResetStyle)
		}
		// A full row leaves the cursor on its last cell: erasing would take that cell.
		if ansi.StringWidth(row) < f.width {
			b.WriteString(ansi.EraseLineRight)
		}
		f.shown[y] = row
	}
	if b.Len() == 0 {
		return
	}
	if f.syncd {
		_, f.err = io.WriteString(f.out, ansi.SetModeSynchronizedOutput+b.String()+ansi.ResetModeSynchronizedOutput)
		return
	}
	_, f.err = f.out.Write(b.Bytes())
}

// rows splits content into the terminal's rows: cut to its width and height, blank
// rows below, colours brought to the profile.
func (f *frames) rows(content string) []string {
	rows := make([]string, f.height)
	y := 0
	for line := range strings.SplitSeq(content, "\n") {
		if y == f.height {
			break
		}
		line = strings.TrimSuffix(line, "\r")
		if strings.IndexByte(line, '\t') >= 0 { // a tab would skip cells, not write them
			line = strings.ReplaceAll(line, "\t", " ")
		}
		if ansi.StringWidth(line) > f.width {
			line = ansi.Truncate(line, f.width, "")
		}
		if f.profile != colorprofile.TrueColor && strings.IndexByte(line, ansi.ESC) >= 0 {
			f.conv.Reset()
			w := colorprofile.Writer{Forward: &f.conv, Profile: f.profile}
			_, _ = w.WriteString(line)
			line = f.conv.String()
		}
		rows[y] = line
		y++
	}
	return rows
}

// scroll: when the rows that changed are mostly the terminal's rows moved up or down by
// a few, the terminal moves them itself (index or reverse index inside margins), and
// only the rows that differ still are written.
func (f *frames) scroll(rows []string) {
	top, bot := -1, -1
	for y := range rows {
		if rows[y] != f.shown[y] {
			if top < 0 {
				top = y
			}
			bot = y
		}
	}
	if top < 0 || bot-top+1 < 4 {
		return
	}
	best, bestN := 0, 0
	for k := -maxScroll; k <= maxScroll; k++ {
		if k == 0 {
			continue
		}
		n := 0
		for y := top; y <= bot; y++ {
			if z := y + k; z >= top && z <= bot && rows[y] != f.shown[y] && rows[y] == f.shown[z] && rows[y] != "" {
				n++
			}
		}
		if n > bestN {
			best, bestN = k, n
		}
	}
	// Worth it when it saves more rows than it costs.
	if bestN < 3 || bestN <= (bot-top+1)/3 {
		return
	}
	b := &f.buf
	b.WriteString(ansi.SetTopBottomMargins(top+1, bot+1))
	if best > 0 { // the rows moved up: index at the bottom margin
		b.WriteString(ansi.CursorPosition(1, bot+1))
		b.WriteString(strings.Repeat(ansi.Index, best))
		copy(f.shown[top:bot+1-best], f.shown[top+best:bot+1])
		for y := bot + 1 - best; y <= bot; y++ {
			f.shown[y] = ""
		}
	} else { // down: reverse index at the top margin
		b.WriteString(ansi.CursorPosition(1, top+1))
		b.WriteString(strings.Repeat(ansi.ReverseIndex, -best))
		copy(f.shown[top-best:bot+1], f.shown[top:bot+1+best])
		for y := top; y < top-best; y++ {
			f.shown[y] = ""
		}
	}
	b.WriteString("\x1b[r") // the whole screen again
}

// close gives the terminal back as Bubble Tea does when a program ends: the keyboard's
// modes, the main screen, the cursor, paste and title as they were.
func (f *frames) close() {
	if !f.started || f.err != nil {
		return
	}
	var b strings.Builder
	b.WriteString(ansi.ResetStyle + ansi.ResetModifyOtherKeys + ansi.PopKittyKeyboard(1))
	b.WriteString(ansi.CursorPosition(1, f.height))
	b.WriteString(ansi.ResetModeAltScreenSaveCursor + ansi.SetModeTextCursorEnable + ansi.ResetModeBracketedPaste)
	if f.title != "" {
		b.WriteString(ansi.SetWindowTitle(""))
	}
	_, f.err = io.WriteString(f.out, b.String())
}
