package printing

import (
	"strconv"
	"strings"
)

// A4 geometry of the modules (mm).
const (
	a4W, a4H      = 210.0, 297.0
	marginLeft    = 25.0
	marginRight   = 20.0
	marginTop     = 15.0
	marginBottom  = 20.0
	bodySize      = 11.0 // pt
	lineFactor    = 1.4  // line height / font size
	headingSize   = 15.0
	headingSub    = 9.5
	footerSize    = 8.0
	headingBottom = 12.0 // from the rule under the heading to the first line
)

// ModuleHeading is the default heading of a comune's documents.
func ModuleHeading(comune string, office string) []string {
	h := []string{ComuneHeading(comune)}
	if office = strings.TrimSpace(office); office != "" {
		h = append(h, office)
	}
	return h
}

// DefaultOffice is the second line of the heading until a comune sets its own.
const DefaultOffice = "Ufficio contrassegni per persone con disabilità"

// Module renders letters on A4: each letter starts on a new page and repeats its
// heading on every page; lines wrap at word boundaries (a word longer than the line
// alone is cut); a page ends when the next line would enter the bottom margin or at a
// #nuova_pagina# line; the footer numbers the pages of each letter.
func Module(title string, letters []Letter) ([]byte, error) {
	if len(letters) == 0 {
		return nil, errorf("nessun documento da stampare")
	}
	doc, err := newDoc(a4W, a4H, title)
	if err != nil {
		return nil, err
	}
	for _, l := range letters {
		if err := doc.letter(l); err != nil {
			return nil, err
		}
	}
	return doc.bytes()
}

// placed is one line of text at its place on a page.
type placed struct {
	x, y float64
	bold bool
	text string
}

func (d *pdfDoc) letter(l Letter) error {
	textW := a4W - marginLeft - marginRight
	lineH := bodySize * lineFactor / ptPerMM
	top, err := d.headingHeight(l.Heading)
	if err != nil {
		return err
	}
	bottom := a4H - marginBottom
	// Lay out every line first, so the footer knows the page count.
	var pages [][]placed
	page := []placed{}
	y := top
	newPage := func() {
		pages = append(pages, page)
		page = []placed{}
		y = top
	}
	for _, ln := range l.Lines {
		if ln.PageBreak {
			newPage()
			continue
		}
		if err := d.setFont(ln.Bold, bodySize); err != nil {
			return err
		}
		if err := d.checkGlyphs("modulo", ln.Text); err != nil {
			return err
		}
		x0, w := marginLeft, textW
		if ln.Align == alignIndent {
			x0, w = marginLeft+textW/2, textW/2
		}
		wrapped, err := d.wrap(ln.Text, w, ln.Bold)
		if err != nil {
			return err
		}
		if len(wrapped) == 0 { // an empty line: a blank line
			wrapped = []string{""}
		}
		for _, s := range wrapped {
			if y+lineH > bottom {
				newPage()
			}
			if s != "" {
				x := x0
				if ln.Align == alignCenter || ln.Align == alignRight {
					tw, err := d.width(s)
					if err != nil {
						return err
					}
					if ln.Align == alignCenter {
						x += (w - tw) / 2
					} else {
						x += w - tw
					}
				}
				page = append(page, placed{x, y, ln.Bold, s})
			}
			y += lineH
		}
	}
	pages = append(pages, page)
	for i, p := range pages {
		d.pdf.AddPage()
		if err := d.heading(l.Heading); err != nil {
			return err
		}
		for _, pl := range p {
			if err := d.setFont(pl.bold, bodySize); err != nil {
				return err
			}
			if err := d.textAt(pl.x, pl.y, bodySize, pl.text); err != nil {
				return err
			}
		}
		if err := d.footer(i+1, len(pages)); err != nil {
			return err
		}
	}
	return nil
}

// headingHeight is where the body starts under the heading.
func (d *pdfDoc) headingHeight(h []string) (float64, error) {
	y := marginTop
	for i := range h {
		y += lineHeight(i) / ptPerMM
	}
	return y + 3 + headingBottom, nil
}

func lineHeight(i int) float64 {
	if i == 0 {
		return headingSize * 1.3
	}
	return headingSub * 1.35
}

// heading draws the comune's heading centred, and a rule under it.
func (d *pdfDoc) heading(h []string) error {
	y := marginTop
	for i, s := range h {
		size := headingSub
		if i == 0 {
			size = headingSize
		}
		if err := d.setFont(i == 0, size); err != nil {
			return err
		}
		if err := d.checkGlyphs("intestazione", s); err != nil {
			return err
		}
		w, err := d.width(s)
		if err != nil {
			return err
		}
		if err := d.textAt((a4W-w)/2, y, size, s); err != nil {
			return err
		}
		y += lineHeight(i) / ptPerMM
	}
	d.pdf.SetLineWidth(0.3)
	d.pdf.Line(marginLeft, y+3, a4W-marginRight, y+3)
	return nil
}

func (d *pdfDoc) footer(page, pages int) error {
	if pages < 2 {
		return nil
	}
	s := "Pagina " + strconv.Itoa(page) + " di " + strconv.Itoa(pages)
	if err := d.setFont(false, footerSize); err != nil {
		return err
	}
	w, err := d.width(s)
	if err != nil {
		return err
	}
	return d.textAt((a4W-w)/2, a4H-marginBottom+6, footerSize, s)
}

// wrap splits s into lines no wider than w at spaces (gopdf's SplitTextWithWordWrap);
// only a word wider than the whole line is cut. SplitTextWithWordWrap measures the line
// again for every character (80% of the time of 1,000 letters), and a batch of letters
// repeats the same paragraphs: the document remembers what it wrapped.
func (d *pdfDoc) wrap(s string, w float64, bold bool) ([]string, error) {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return nil, nil
	}
	key := wrapKey{s, w, bold}
	if lines, ok := d.wrapped[key]; ok {
		return lines, nil
	}
	lines, err := d.pdf.SplitTextWithWordWrap(s, w)
	if err != nil {
		return nil, err
	}
	if d.wrapped == nil {
		d.wrapped = map[wrapKey][]string{}
	}
	d.wrapped[key] = lines
	return lines, nil
}

type wrapKey struct {
	text  string
	width float64
	bold  bool
}
