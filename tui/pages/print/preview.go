package print

import (
	"math"
	"strings"

	"vivipass/printing"
	"vivipass/service"
)

// cellRatio is how much taller than wide a terminal cell is: the card keeps its
// proportions on screen.
const cellRatio = 2.1

// cardSize is the size in cells (border included) of a card drawn within maxW×maxH
// cells, keeping the layout's proportions.
func cardSize(l printing.Layout, maxW, maxH int) (w, h int) {
	if l.Width <= 0 || l.Height <= 0 {
		return 0, 0
	}
	ratio := l.Width / l.Height * cellRatio // inner columns per inner row
	ih := maxH - 2
	iw := int(math.Round(float64(ih) * ratio))
	if iw > maxW-2 {
		iw = maxW - 2
		ih = int(math.Round(float64(iw) / ratio))
	}
	if iw < 10 || ih < 4 {
		return 0, 0
	}
	return iw + 2, ih + 2
}

// fieldLabel is a field's short name in the legend.
func fieldLabel(name string) string {
	switch name {
	case printing.FieldScadenza:
		return "scadenza"
	case printing.FieldQR:
		return "codice QR"
	}
	return name
}

// boxText is what a field's box shows on screen; show is false when the field prints
// nothing (DUPLICATO on a pass that is not a duplicate).
func boxText(name string, d printing.CardData) (text string, show bool) {
	switch name {
	case printing.FieldScadenza:
		return d.Expiry, true
	case printing.FieldNumero:
		return d.Number, true
	case printing.FieldComune:
		return d.Comune, true
	case printing.FieldDuplicato:
		return printing.DuplicateWord, d.Duplicate
	case printing.FieldQR:
		return "QR", d.QR != ""
	case printing.FieldCognome:
		return d.Cognome, true
	case printing.FieldNome:
		return d.Nome, true
	case printing.FieldFoto:
		if len(d.Photo) == 0 {
			return "no foto", true
		}
		return "foto", true
	case printing.FieldFirma:
		return "firma", true
	}
	return "", false
}

// legendText is a field's value in the legend beside the card (in full).
func legendText(name string, d printing.CardData) string {
	switch name {
	case printing.FieldDuplicato:
		if d.Duplicate {
			return printing.DuplicateWord
		}
		return "no"
	case printing.FieldQR:
		if d.QR == "" {
			return "nessuno"
		}
		return "firmato, verificabile"
	case printing.FieldFoto:
		if len(d.Photo) == 0 {
			return "nessuna (resta vuoto)"
		}
		return "sì (nel riquadro)"
	case printing.FieldFirma:
		return "spazio lasciato libero"
	}
	t, _ := boxText(name, d)
	return t
}

// sideTitle is a side's name as the preview shows it.
func sideTitle(s printing.Side) string {
	if s == printing.Retro {
		return "Retro"
	}
	return "Fronte"
}

// drawSide draws one side of the card in w×h cells (border included): the outline with
// the side's name, and each field's box where the layout puts it (moved by the
// printer's calibration), scaled from millimetres, with the value it will carry. Text
// fields are one line between brackets, as wide as the field; boxes (photo,
// signature, QR code) are framed.
func drawSide(c service.CardPreview, side printing.Side, w, h int) []string {
	if w < 12 || h < 6 {
		return nil
	}
	g := make([][]rune, h)
	for r := range g {
		g[r] = []rune(strings.Repeat(" ", w))
	}
	put := func(r, col int, ch rune) {
		if r >= 0 && r < h && col >= 0 && col < w {
			g[r][col] = ch
		}
	}
	text := func(r, col int, s string, maxW int) {
		rs := []rune(s)
		if len(rs) > maxW && maxW > 0 {
			rs = append(rs[:maxW-1], '…')
		}
		for i, ch := range rs {
			if i >= maxW {
				break
			}
			put(r, col+i, ch)
		}
	}
	frame := func(r0, c0, r1, c1 int) { // inclusive corners
		for col := c0 + 1; col < c1; col++ {
			put(r0, col, '─')
			put(r1, col, '─')
		}
		for r := r0 + 1; r < r1; r++ {
			put(r, c0, '│')
			put(r, c1, '│')
		}
		put(r0, c0, '┌')
		put(r0, c1, '┐')
		put(r1, c0, '└')
		put(r1, c1, '┘')
	}
	frame(0, 0, h-1, w-1)
	text(0, 2, " "+sideTitle(side)+" ", w-4)

	l := c.Layout
	iw, ih := w-2, h-2
	sx, sy := float64(iw)/l.Width, float64(ih)/l.Height
	col := func(x float64) int { return 1 + int(math.Round(x*sx)) }
	row := func(y float64) int { return 1 + int(math.Round(y*sy)) }
	clampC := func(v int) int { return min(max(v, 1), w-2) }
	clampR := func(v int) int { return min(max(v, 1), h-2) }
	for _, f := range l.Side(side) {
		val, show := boxText(f.Name, c.Data)
		if !show {
			continue
		}
		x, y, fw, fh := f.Box()
		x, y = x+c.Offset.X, y+c.Offset.Y
		c0, c1 := clampC(col(x)), clampC(col(x+fw)-1) // the field's cells, inclusive
		if f.Kind() == printing.KindText || row(y+fh)-row(y) < 3 {
			r := clampR(1 + int(math.Floor((y+fh/2)*sy)))
			span := c1 - c0 + 1
			vr := []rune(val)
			pad := 0
			if len(vr) < span {
				switch f.Align {
				case printing.Center:
					pad = (span - len(vr)) / 2
				case printing.Right:
					pad = span - len(vr)
				}
			}
			for cc := c0; cc <= c1; cc++ {
				put(r, cc, ' ')
			}
			text(r, c0+pad, val, span-pad)
			if c0 > 1 {
				put(r, c0-1, '[')
			}
			if c1 < w-2 {
				put(r, c1+1, ']')
			}
			continue
		}
		r0, r1 := clampR(row(y)), clampR(row(y+fh)-1)
		for r := r0; r <= r1; r++ {
			for cc := c0; cc <= c1; cc++ {
				put(r, cc, ' ')
			}
		}
		frame(r0, c0, r1, c1)
		inner := c1 - c0 - 1
		lines := []string{val}
		if len([]rune(val)) > inner && r1-r0-1 > 1 {
			lines = wrapWords(val, inner)
		}
		top := (r0+r1)/2 - (len(lines)-1)/2
		for i, l := range lines {
			if r := top + i; r > r0 && r < r1 {
				pad := max(0, (inner-len([]rune(l)))/2)
				text(r, c0+1+pad, l, inner-pad)
			}
		}
	}
	out := make([]string, h)
	for r := range g {
		out[r] = string(g[r])
	}
	return out
}

// legend lists a side's fields with their values in full, w cells wide.
func legend(c service.CardPreview, side printing.Side, w int) []string {
	lines := []string{sideTitle(side) + ":"}
	for _, f := range c.Layout.Side(side) {
		lines = append(lines, cut(padRight(fieldLabel(f.Name), 10)+legendText(f.Name, c.Data), w))
	}
	return lines
}

// beside joins two blocks of lines side by side, gap cells apart (the left block padded
// to its widest line).
func beside(left, right []string, gap int) []string {
	lw := 0
	for _, l := range left {
		lw = max(lw, len([]rune(l)))
	}
	n := max(len(left), len(right))
	out := make([]string, n)
	for i := range n {
		var l, r string
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		if r == "" {
			out[i] = l
			continue
		}
		out[i] = padRight(l, lw+gap) + r
	}
	return out
}

func padRight(s string, w int) string {
	if n := len([]rune(s)); n < w {
		return s + strings.Repeat(" ", w-n)
	}
	return s
}

func cut(s string, w int) string {
	r := []rune(s)
	if w <= 0 {
		return ""
	}
	if len(r) <= w {
		return s
	}
	return string(r[:w-1]) + "…"
}

// wrapWords breaks s at spaces into lines of at most w runes (a longer word is cut).
func wrapWords(s string, w int) []string {
	var out []string
	line := ""
	for _, word := range strings.Fields(s) {
		if line != "" && len([]rune(line))+1+len([]rune(word)) > w {
			out = append(out, line)
			line = ""
		}
		if line != "" {
			line += " "
		}
		line += word
	}
	return append(out, line)
}
