package printing

import (
	"fmt"
	"strconv"
)

// Crosshair is a mark of the calibration page at a known position (mm).
type Crosshair struct{ X, Y float64 }

// Crosshairs are the marks of the calibration page for a card of w × h mm: one near
// each corner (clear of the rulers) and one in the middle.
func Crosshairs(w, h float64) []Crosshair {
	return []Crosshair{{30, 30}, {w - 30, 30}, {w / 2, h / 2}, {30, h - 20}, {w - 30, h - 20}}
}

// rulerBand is how far the rulers reach into the page (mm).
const rulerBand = 8

// CalibrationPage is a page of the card's size with rulers along the top and left
// edges (a tick every millimetre, longer every 5 and 10, numbered every 10) and
// crosshairs at known positions, all moved by the printer's current offset. The operator
// prints it on a card, measures where the centre of each cross landed from the card's
// left and top edges, and corrects the offset by expected − measured.
func CalibrationPage(w, h float64, printer string, off Offset) ([]byte, error) {
	doc, err := newDoc(w, h, "Pagina di calibrazione")
	if err != nil {
		return nil, err
	}
	doc.pdf.AddPage()
	p := doc.pdf
	ox, oy := off.X, off.Y
	p.SetLineWidth(0.15)
	// Rulers: ticks on the top edge (x) and on the left edge (y).
	for x := 0; float64(x) <= w; x++ {
		p.Line(ox+float64(x), oy, ox+float64(x), oy+tick(x))
	}
	for y := 0; float64(y) <= h; y++ {
		p.Line(ox, oy+float64(y), ox+tick(y), oy+float64(y))
	}
	if err := doc.setFont(false, 5); err != nil {
		return nil, err
	}
	for x := 10; float64(x) < w; x += 10 {
		s := strconv.Itoa(x)
		tw, _ := doc.width(s)
		if err := doc.textAt(ox+float64(x)-tw/2, oy+5.5, 5, s); err != nil {
			return nil, err
		}
	}
	for y := 10; float64(y) < h; y += 10 {
		if err := doc.textAt(ox+5.6, oy+float64(y)-1, 5, strconv.Itoa(y)); err != nil {
			return nil, err
		}
	}
	// Crosshairs: arms of 5 mm, a circle of 2 mm radius, the position beside.
	p.SetLineWidth(0.2)
	for _, c := range Crosshairs(w, h) {
		x, y := ox+c.X, oy+c.Y
		p.Line(x-5, y, x+5, y)
		p.Line(x, y-5, x, y+5)
		p.Oval(x-2, y-2, x+2, y+2)
		label := "X " + num(c.X) + "  Y " + num(c.Y)
		if err := doc.textAt(x+2.5, y+1, 5, label); err != nil {
			return nil, err
		}
	}
	// What the operator reads: the printer, the offset in use, how to correct it.
	lines := []struct {
		bold bool
		size float64
		text string
	}{
		{true, 9, "Pagina di calibrazione"},
		{false, 7, "Stampante: " + orDash(printer)},
		{false, 7, fmt.Sprintf("Correzione in uso: X %s, Y %s", mm(off.X), mm(off.Y))},
		{false, 6, "Misurare dal bordo sinistro e dal bordo superiore della carta il centro delle croci."},
		{false, 6, "Nuova correzione = correzione in uso + posizione attesa − posizione misurata."},
	}
	y := 61.0
	for _, l := range lines {
		if err := doc.setFont(l.bold, l.size); err != nil {
			return nil, err
		}
		tw, _ := doc.width(l.text)
		if err := doc.textAt(ox+(w-tw)/2, oy+y, l.size, l.text); err != nil {
			return nil, err
		}
		y += l.size/ptPerMM*1.5 + 0.5
	}
	return doc.bytes()
}

// tick is the length of the ruler tick at n mm.
func tick(n int) float64 {
	switch {
	case n%10 == 0:
		return 4.5
	case n%5 == 0:
		return 3
	}
	return 1.5
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}
