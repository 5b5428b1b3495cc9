// Package components holds small widgets shared by pages.
package components

import (
	"github.com/charmbracelet/x/ansi"
	"strings"

	"vivipass/tui/common"
	"vivipass/tui/styles"
)

// Column of a Table; the Flex column takes the width the others leave.
type Column struct {
	Title string
	Width int
	Flex  bool
}

// Table is a list of rows with a cursor, drawn only for the rows that fit. The
// selected row is reversed and marked with ">" so it shows without colour.
type Table struct {
	Columns []Column
	rows    [][]string
	cursor  int
	offset  int
	width   int
	height  int
}

// SetRows replaces the rows, keeping the cursor in range.
func (t *Table) SetRows(rows [][]string) {
	t.rows = rows
	t.clamp()
}

// Len is the number of rows.
func (t *Table) Len() int { return len(t.rows) }

// Cursor is the selected row index (-1 when empty).
func (t *Table) Cursor() int {
	if len(t.rows) == 0 {
		return -1
	}
	return t.cursor
}

// SetCursor selects row i.
func (t *Table) SetCursor(i int) { t.cursor = i; t.clamp() }

// SetSize sets the drawing area (the header takes one line).
func (t *Table) SetSize(w, h int) { t.width, t.height = w, h; t.clamp() }

// Move moves the cursor by n rows.
func (t *Table) Move(n int) { t.cursor += n; t.clamp() }

// Page is the number of rows shown at once.
func (t *Table) Page() int { return max(1, t.height-1) }

func (t *Table) clamp() {
	if t.cursor >= len(t.rows) {
		t.cursor = len(t.rows) - 1
	}
	if t.cursor < 0 {
		t.cursor = 0
	}
	page := t.Page()
	if t.cursor < t.offset {
		t.offset = t.cursor
	}
	if t.cursor >= t.offset+page {
		t.offset = t.cursor - page + 1
	}
	if t.offset < 0 {
		t.offset = 0
	}
}

func (t *Table) widths() []int {
	w := make([]int, len(t.Columns))
	used, flex := 2, -1 // 2 = the selection marker
	for i, c := range t.Columns {
		w[i] = c.Width
		used += c.Width + 1
		if c.Flex {
			flex = i
		}
	}
	if flex >= 0 && t.width > used {
		w[flex] += t.width - used
	}
	return w
}

// View draws the header and the visible rows, padded to the table height.
func (t *Table) View(st *styles.Styles, empty string) string {
	w := t.widths()
	var b strings.Builder
	line := func(cells []string) string {
		var l strings.Builder
		for i, c := range cells {
			if i < len(w) {
				if i > 0 {
					l.WriteByte(' ')
				}
				l.WriteString(common.Pad(c, w[i]))
			}
		}
		return l.String()
	}
	var head []string
	for _, c := range t.Columns {
		head = append(head, c.Title)
	}
	b.WriteString("  " + st.Header.Render(line(head)))
	shown := 0
	if len(t.rows) == 0 { // wrapped, never cut (issue 11.8)
		for _, l := range strings.Split(ansi.Wrap(empty, max(10, t.width-2), " "), "\n") {
			if shown < max(1, t.Page()) {
				b.WriteString("\n  " + st.Muted.Render(l))
				shown++
			}
		}
	}
	for i := t.offset; i < len(t.rows) && shown < t.Page(); i++ {
		b.WriteByte('\n')
		if i == t.cursor {
			b.WriteString(st.Selected.Render("> " + line(t.rows[i])))
		} else {
			b.WriteString("  " + line(t.rows[i]))
		}
		shown++
	}
	for ; shown < t.Page(); shown++ {
		b.WriteByte('\n')
	}
	return b.String()
}
