// Package sshtest connects to the desk's SSH server as an operator's terminal would, for
// the end-to-end tests and the benchmarks: a golang.org/x/crypto/ssh client with a PTY
// and a virtual screen that follows what the server draws.
//
// Bubble Tea's renderer sends only what changed since the last frame (cursor moves,
// partial lines, erase and insert sequences), so text cannot be searched for in the
// stream: "0 trovati" may arrive as a single "0" written over "3". Screen plays the
// stream on a grid of cells, like a terminal, and the tests read the grid.
package sshtest

import (
	"strings"
	"sync"

	"github.com/charmbracelet/x/ansi"
)

// Screen is a minimal terminal: the cursor movements, erasures, insertions, scroll
// regions and repeats that Bubble Tea's renderer uses on an xterm, without attributes.
// It also counts the SGR sequences that touch colour (3x, 4x, 9x, 10x, 58, 59).
type Screen struct {
	mu         sync.Mutex
	w, h       int
	cells      [][]rune // 0 = the right half of a wide character
	x, y       int
	wrapNext   bool
	autowrap   bool
	top, bot   int // scroll region, inclusive
	saveX      int
	saveY      int
	last       rune
	colourSGRs int
	parser     *ansi.Parser
}

// NewScreen makes a blank w×h screen.
func NewScreen(w, h int) *Screen {
	s := &Screen{w: w, h: h, autowrap: true, bot: h - 1}
	s.cells = make([][]rune, h)
	for i := range s.cells {
		s.cells[i] = blank(w)
	}
	s.parser = ansi.NewParser()
	s.parser.SetHandler(ansi.Handler{Print: s.print, Execute: s.execute, HandleCsi: s.csi, HandleEsc: s.esc})
	return s
}

func blank(w int) []rune {
	r := make([]rune, w)
	for i := range r {
		r[i] = ' '
	}
	return r
}

// Write plays p on the screen.
func (s *Screen) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.parser.Parse(p)
	return len(p), nil
}

// Text is the screen's content: one line per row, trailing spaces removed.
func (s *Screen) Text() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	lines := make([]string, s.h)
	for i, row := range s.cells {
		var b strings.Builder
		for _, r := range row {
			if r != 0 {
				b.WriteRune(r)
			}
		}
		lines[i] = strings.TrimRight(b.String(), " ")
	}
	return strings.Join(lines, "\n")
}

// Line is row y of Text.
func (s *Screen) Line(y int) string {
	lines := strings.Split(s.Text(), "\n")
	if y < 0 || y >= len(lines) {
		return ""
	}
	return lines[y]
}

// ColourSGRs counts the SGR sequences seen that set or reset a foreground, background
// or underline colour.
func (s *Screen) ColourSGRs() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.colourSGRs
}

// Resize changes the screen's size (the client's window), keeping what fits.
func (s *Screen) Resize(w, h int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	cells := make([][]rune, h)
	for i := range cells {
		cells[i] = blank(w)
		if i < len(s.cells) {
			copy(cells[i], s.cells[i])
		}
	}
	s.cells, s.w, s.h, s.top, s.bot = cells, w, h, 0, h-1
	s.x, s.y = min(s.x, w-1), min(s.y, h-1)
}

func (s *Screen) print(r rune) {
	wd := ansi.StringWidth(string(r))
	if wd == 0 {
		return // combining marks: the grid keeps the base character
	}
	if s.wrapNext || s.x+wd > s.w {
		if s.autowrap {
			s.x = 0
			s.lineFeed()
		} else {
			s.x = s.w - wd
		}
		s.wrapNext = false
	}
	s.cells[s.y][s.x] = r
	if wd == 2 && s.x+1 < s.w {
		s.cells[s.y][s.x+1] = 0
	}
	s.last = r
	s.x += wd
	if s.x >= s.w {
		s.x, s.wrapNext = s.w-1, true
	}
}

func (s *Screen) lineFeed() {
	if s.y == s.bot {
		s.scrollUp(1)
	} else if s.y < s.h-1 {
		s.y++
	}
}

func (s *Screen) scrollUp(n int) {
	for range n {
		copy(s.cells[s.top:s.bot+1], s.cells[s.top+1:s.bot+1])
		s.cells[s.bot] = blank(s.w)
	}
}

func (s *Screen) scrollDown(n int) {
	for range n {
		copy(s.cells[s.top+1:s.bot+1], s.cells[s.top:s.bot])
		s.cells[s.top] = blank(s.w)
	}
}

func (s *Screen) execute(b byte) {
	switch b {
	case '\r':
		s.x, s.wrapNext = 0, false
	case '\n', '\v', '\f':
		s.lineFeed()
		s.wrapNext = false
	case '\b':
		if s.x > 0 {
			s.x--
		}
		s.wrapNext = false
	case '\t':
		s.x = min(s.w-1, (s.x/8+1)*8)
	}
}

func (s *Screen) esc(cmd ansi.Cmd) {
	switch cmd.Final() {
	case '7':
		s.saveX, s.saveY = s.x, s.y
	case '8':
		s.x, s.y, s.wrapNext = s.saveX, s.saveY, false
	case 'D':
		s.lineFeed()
	case 'E':
		s.x = 0
		s.lineFeed()
	case 'M': // reverse index
		if s.y == s.top {
			s.scrollDown(1)
		} else if s.y > 0 {
			s.y--
		}
	case 'c':
		*s = *NewScreen(s.w, s.h)
	}
}

func clamp(v, lo, hi int) int { return max(lo, min(v, hi)) }

func (s *Screen) csi(cmd ansi.Cmd, p ansi.Params) {
	n := func(i, def int) int {
		v, _, _ := p.Param(i, def)
		if v == 0 {
			v = def
		}
		return v
	}
	if cmd.Prefix() == '?' {
		for i := range p {
			mode, _, _ := p.Param(i, 0)
			set := cmd.Final() == 'h'
			switch mode {
			case 7:
				s.autowrap = set
			case 47, 1047, 1049:
				s.erase(0, 0, s.w-1, s.h-1)
				if set {
					s.x, s.y = 0, 0
				}
			}
		}
		return
	}
	if cmd.Prefix() != 0 || cmd.Intermediate() != 0 {
		return
	}
	if cmd.Final() != 'm' && cmd.Final() != 'b' {
		s.wrapNext = false
	}
	switch cmd.Final() {
	case 'A':
		s.y = clamp(s.y-n(0, 1), 0, s.h-1)
	case 'B', 'e':
		s.y = clamp(s.y+n(0, 1), 0, s.h-1)
	case 'C', 'a':
		s.x = clamp(s.x+n(0, 1), 0, s.w-1)
	case 'D':
		s.x = clamp(s.x-n(0, 1), 0, s.w-1)
	case 'E':
		s.x, s.y = 0, clamp(s.y+n(0, 1), 0, s.h-1)
	case 'F':
		s.x, s.y = 0, clamp(s.y-n(0, 1), 0, s.h-1)
	case 'G', '`':
		s.x = clamp(n(0, 1)-1, 0, s.w-1)
	case 'd':
		s.y = clamp(n(0, 1)-1, 0, s.h-1)
	case 'H', 'f':
		s.y, s.x = clamp(n(0, 1)-1, 0, s.h-1), clamp(n(1, 1)-1, 0, s.w-1)
	case 'I':
		for range n(0, 1) {
			s.x = min(s.w-1, (s.x/8+1)*8)
		}
	case 'Z':
		for range n(0, 1) {
			s.x = max(0, (s.x-1)/8*8)
		}
	case 'J':
		switch v, _, _ := p.Param(0, 0); v {
		case 0:
			s.erase(s.x, s.y, s.w-1, s.y)
			s.erase(0, s.y+1, s.w-1, s.h-1)
		case 1:
			s.erase(0, 0, s.w-1, s.y-1)
			s.erase(0, s.y, s.x, s.y)
		case 2, 3:
			s.erase(0, 0, s.w-1, s.h-1)
		}
	case 'K':
		switch v, _, _ := p.Param(0, 0); v {
		case 0:
			s.erase(s.x, s.y, s.w-1, s.y)
		case 1:
			s.erase(0, s.y, s.x, s.y)
		case 2:
			s.erase(0, s.y, s.w-1, s.y)
		}
	case 'X':
		s.erase(s.x, s.y, min(s.w-1, s.x+n(0, 1)-1), s.y)
	case '@':
		row, k := s.cells[s.y], min(n(0, 1), s.w-s.x)
		copy(row[s.x+k:], row[s.x:s.w-k])
		for i := s.x; i < s.x+k; i++ {
			row[i] = ' '
		}
	case 'P':
		row, k := s.cells[s.y], min(n(0, 1), s.w-s.x)
		copy(row[s.x:], row[s.x+k:])
		for i := s.w - k; i < s.w; i++ {
			row[i] = ' '
		}
	case 'L', 'M':
		if s.y < s.top || s.y > s.bot {
			return
		}
		top := s.top
		s.top = s.y
		if cmd.Final() == 'L' {
			s.scrollDown(min(n(0, 1), s.bot-s.y+1))
		} else {
			s.scrollUp(min(n(0, 1), s.bot-s.y+1))
		}
		s.top, s.x = top, 0
	case 'S':
		s.scrollUp(min(n(0, 1), s.bot-s.top+1))
	case 'T':
		s.scrollDown(min(n(0, 1), s.bot-s.top+1))
	case 'r':
		t, b := n(0, 1)-1, n(1, s.h)-1
		if t < b && b < s.h {
			s.top, s.bot = t, b
		}
		s.x, s.y = 0, 0
	case 's':
		s.saveX, s.saveY = s.x, s.y
	case 'u':
		s.x, s.y = s.saveX, s.saveY
	case 'b':
		for range n(0, 1) {
			s.print(s.last)
		}
	case 'm':
		s.sgr(p)
	}
}

func (s *Screen) sgr(p ansi.Params) {
	for i := 0; i < len(p); i++ {
		v, more, _ := p.Param(i, 0)
		switch {
		case v >= 30 && v <= 49, v >= 90 && v <= 97, v >= 100 && v <= 107, v == 58, v == 59:
			// 3x and 4x: colours, and the resets to the default colour (39, 49), which
			// a stream without colour has no reason to send either.
			s.colourSGRs++
			return
		}
		for more && i+1 < len(p) { // sub-parameters (38:5:n) belong to the previous one
			i++
			_, more, _ = p.Param(i, 0)
		}
	}
}

// erase blanks the rectangle from (x0,y0) to (x1,y1) row by row, like a terminal: the
// first and last rows from/to the given columns when they are one row.
func (s *Screen) erase(x0, y0, x1, y1 int) {
	for y := max(0, y0); y <= min(y1, s.h-1); y++ {
		from, to := 0, s.w-1
		if y == y0 {
			from = x0
		}
		if y == y1 {
			to = x1
		}
		for x := max(0, from); x <= min(to, s.w-1); x++ {
			s.cells[y][x] = ' '
		}
	}
}
