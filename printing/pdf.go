package printing

import (
	"fmt"
	"strings"

	"github.com/signintech/gopdf"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
)

// The Go fonts cover Italian (and Latin Extended-A: foreign names), €, and are BSD
// licensed. Their vertical metrics (hhea, units per em 2048) are what gopdf writes in
// the font descriptor and what pdftotext uses for a word's box; a test checks them
// against the font files.
const (
	fontRegular = "R"
	fontBold    = "B"
	goAscent    = 1935.0 / 2048 // of the font size: from the baseline up to the ascent line
	goDescent   = 432.0 / 2048  // from the baseline down
)

const ptPerMM = 72 / 25.4

// pdfDoc is one document under construction: a fresh gopdf.GoPdf with both fonts.
type pdfDoc struct {
	pdf   *gopdf.GoPdf
	w, h  float64 // page size in mm
	fonts map[string]bool
	// wrapped remembers the lines of a paragraph already wrapped (body size only).
	wrapped map[wrapKey][]string
}

func newDoc(w, h float64, title string) (*pdfDoc, error) {
	pdf := &gopdf.GoPdf{}
	pdf.Start(gopdf.Config{Unit: gopdf.UnitMM, PageSize: gopdf.Rect{W: w, H: h}})
	// Content streams are small (text and rectangles) and go to a printer or a file next
	// to it: compressing each one cost more time than anything else in a card (every
	// zlib writer allocates ~800 KB). gopdf still compresses the embedded font subsets.
	pdf.SetNoCompression()
	pdf.SetInfo(gopdf.PdfInfo{Title: title, Creator: "vivipass", Producer: "vivipass (gopdf)"})
	d := &pdfDoc{pdf: pdf, w: w, h: h}
	d.black()
	return d, nil
}

// fontFiles are the two faces, added to a document when it first uses them: an added
// font is embedded (and its subset compressed) even if unused, which was a third of the
// time of a card.
func (d *pdfDoc) addFont(name string) error {
	if d.fonts[name] {
		return nil
	}
	ttf := goregular.TTF
	if name == fontBold {
		ttf = gobold.TTF
	}
	// AddTTFFontData must come after Start (before it, it panics): newDoc did.
	if err := d.pdf.AddTTFFontData(name, ttf); err != nil {
		return fmt.Errorf("font: %w", err)
	}
	if d.fonts == nil {
		d.fonts = map[string]bool{}
	}
	d.fonts[name] = true
	return nil
}

// black sets text, fill and stroke to pure black (K only): S3.
func (d *pdfDoc) black() {
	d.pdf.SetTextColorCMYK(0, 0, 0, 100)
	d.pdf.SetFillColorCMYK(0, 0, 0, 100)
	d.pdf.SetStrokeColorCMYK(0, 0, 0, 100)
}

func (d *pdfDoc) setFont(bold bool, size float64) error {
	f := fontRegular
	if bold {
		f = fontBold
	}
	if err := d.addFont(f); err != nil {
		return err
	}
	return d.pdf.SetFont(f, "", size)
}

// width of s in mm in the current font.
func (d *pdfDoc) width(s string) (float64, error) { return d.pdf.MeasureTextWidth(s) }

// checkGlyphs refuses characters the font cannot draw: gopdf would print nothing for
// them without an error, and a card with a letter missing from the name is worse than
// no card.
func (d *pdfDoc) checkGlyphs(what, s string) error {
	for _, r := range s {
		if r == ' ' || r == '\n' || r == '\t' {
			continue
		}
		ok, err := d.pdf.IsCurrFontContainGlyph(r)
		if err != nil {
			return err
		}
		if !ok {
			return &Error{fmt.Sprintf("%s: il carattere «%c» (U+%04X) non è stampabile con il carattere tipografico in uso", what, r, r)}
		}
	}
	return nil
}

// textAt draws s with the top of its line box at y (see the package doc) and its left
// edge at x.
func (d *pdfDoc) textAt(x, y, size float64, s string) error {
	d.pdf.SetXY(x, y+goAscent*size/ptPerMM)
	return d.pdf.Text(s)
}

func (d *pdfDoc) bytes() ([]byte, error) {
	b, err := d.pdf.GetBytesPdfReturnErr()
	if err != nil {
		return nil, fmt.Errorf("creazione del PDF non riuscita: %w", err)
	}
	return b, nil
}

// Error is a problem the operator can fix (layout, template, printer), in Italian.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

func errorf(format string, a ...any) error { return &Error{fmt.Sprintf(format, a...)} }

// mm formats a length for the operator: "1,5 mm", "-0,5 mm".
func mm(v float64) string {
	s := fmt.Sprintf("%+.1f", v)
	return strings.Replace(s, ".", ",", 1) + " mm"
}
