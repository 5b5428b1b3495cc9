package printing

import (
	"bytes"
	"image"
	_ "image/jpeg" // photo formats (A3)
	_ "image/png"
	"strings"

	"github.com/signintech/gopdf"
	"rsc.io/qr"
)

// Mode is what one card job prints (S1).
type Mode string

const (
	ModeFronte      Mode = "fronte"
	ModeRetro       Mode = "retro"
	ModeFronteRetro Mode = "fronte-retro"
)

// Modes in the order the TUI offers them.
func Modes() []Mode { return []Mode{ModeFronte, ModeRetro, ModeFronteRetro} }

// ParseMode accepts the three modes (and "fronteretro", "fr").
func ParseMode(s string) (Mode, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "fronte", "f":
		return ModeFronte, nil
	case "retro", "r":
		return ModeRetro, nil
	case "fronte-retro", "fronteretro", "fronte_retro", "fr":
		return ModeFronteRetro, nil
	}
	return "", errorf("modalità di stampa %q non valida: fronte, retro o fronte-retro", s)
}

// Sides are the pages of a mode, in print order: fronte first, so a duplex printer puts
// the retro on the back of the same card.
func (m Mode) Sides() []Side {
	switch m {
	case ModeFronte:
		return []Side{Fronte}
	case ModeRetro:
		return []Side{Retro}
	}
	return []Side{Fronte, Retro}
}

// Offset is a printer's calibration (S2): millimetres added to every position, positive
// to the right and down.
type Offset struct {
	X float64 `json:"x"`
	Y float64 `json:"y"`
}

// CardData is what one card carries. Text is printed as given (the service upper-cases
// names and formats the date).
type CardData struct {
	Number    string
	Expiry    string // dd/mm/yyyy
	Comune    string // "COMUNE DI VENEZIA"
	Cognome   string
	Nome      string
	Photo     []byte // JPEG or PNG; nil = no photo (A3, S4)
	Duplicate bool   // prints DUPLICATO (P4, S5)
	QR        string // the signed payload; "" = no code
}

// DuplicateWord is what a duplicate carries.
const DuplicateWord = "DUPLICATO"

// Card renders a card: one page per side of the mode, page size from the layout, every
// field moved by the printer's offset.
func Card(l Layout, d CardData, m Mode, off Offset) ([]byte, error) {
	if err := l.Validate(); err != nil {
		return nil, err
	}
	doc, err := newDoc(l.Width, l.Height, "Contrassegno "+d.Number)
	if err != nil {
		return nil, err
	}
	for _, side := range m.Sides() {
		doc.pdf.AddPage()
		for _, f := range l.Side(side) {
			f.X += off.X
			f.Y += off.Y
			if err := drawField(doc, f, d); err != nil {
				return nil, err
			}
		}
	}
	return doc.bytes()
}

func drawField(doc *pdfDoc, f Field, d CardData) error {
	switch f.Name {
	case FieldScadenza:
		return drawText(doc, f, d.Expiry)
	case FieldNumero:
		return drawText(doc, f, d.Number)
	case FieldComune:
		return drawText(doc, f, d.Comune)
	case FieldCognome:
		return drawText(doc, f, d.Cognome)
	case FieldNome:
		return drawText(doc, f, d.Nome)
	case FieldDuplicato:
		if d.Duplicate {
			return drawText(doc, f, DuplicateWord)
		}
	case FieldQR:
		if d.QR != "" {
			return drawQR(doc, f, d.QR)
		}
	case FieldFoto:
		if len(d.Photo) > 0 {
			return drawPhoto(doc, f, d.Photo)
		}
	case FieldFirma: // left free for the holder's signature
	}
	return nil
}

// minTextSize is the smallest size a text is shrunk to so it fits its field.
const minTextSize = 5

// drawText writes s in the field: aligned in its width, shrunk (down to minTextSize)
// when it does not fit, its baseline kept where the nominal size puts it so it still
// sits on the preprinted line.
func drawText(doc *pdfDoc, f Field, s string) error {
	s = strings.Join(strings.Fields(s), " ")
	if s == "" {
		return nil
	}
	size := f.Size
	if err := doc.setFont(f.Bold, size); err != nil {
		return err
	}
	if err := doc.checkGlyphs(f.Name, s); err != nil {
		return err
	}
	w, err := doc.width(s)
	if err != nil {
		return err
	}
	if w > f.Width {
		size = max(minTextSize, size*f.Width/w)
		if err := doc.setFont(f.Bold, size); err != nil {
			return err
		}
		if w, err = doc.width(s); err != nil {
			return err
		}
		if w > f.Width+0.01 {
			return errorf("il testo «%s» non entra nel campo %s (largo %s mm) nemmeno con il carattere a %d pt: allargare il campo nel tracciato della carta",
				s, f.Name, num(f.Width), minTextSize)
		}
	}
	x := f.X
	switch f.Align {
	case Center:
		x += (f.Width - w) / 2
	case Right:
		x += f.Width - w
	}
	baseline := f.Y + goAscent*f.Size/ptPerMM
	doc.pdf.SetXY(x, baseline)
	return doc.pdf.Text(s)
}

// quietZone is the blank margin a QR reader needs around the code, in modules.
const quietZone = 4

// drawQR draws the code in the field's square, quiet zone included, as filled black
// rectangles: a run of dark modules in a row is one rectangle, grown downwards while the
// rows below have the same run (749 rectangles instead of 815 for a version-8 code).
func drawQR(doc *pdfDoc, f Field, text string) error {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return errorf("codice QR: %v", err)
	}
	mod := f.Width / float64(code.Size+2*quietZone)
	x0, y0 := f.X+quietZone*mod, f.Y+quietZone*mod
	for _, r := range qrRects(code) {
		// A hair of overlap between rows, so no white seam shows when a viewer
		// anti-aliases the edges.
		doc.pdf.RectFromUpperLeftWithStyle(x0+float64(r.x)*mod, y0+float64(r.y)*mod, float64(r.w)*mod, float64(r.h)*mod+0.01, "F")
	}
	return nil
}

type moduleRect struct{ x, y, w, h int }

// qrRects covers the dark modules of the code with rectangles.
func qrRects(code *qr.Code) []moduleRect {
	var out []moduleRect
	open := map[[2]int]int{} // (x, w) of a run on the previous row → index in out
	for y := 0; y < code.Size; y++ {
		next := map[[2]int]int{}
		for x := 0; x < code.Size; {
			if !code.Black(x, y) {
				x++
				continue
			}
			w := 1
			for x+w < code.Size && code.Black(x+w, y) {
				w++
			}
			if i, ok := open[[2]int{x, w}]; ok {
				out[i].h++
				next[[2]int{x, w}] = i
			} else {
				out = append(out, moduleRect{x, y, w, 1})
				next[[2]int{x, w}] = len(out) - 1
			}
			x += w
		}
		open = next
	}
	return out
}

// QRModules is the side of the code for text in modules, quiet zone included (layout
// checks and the TUI preview).
func QRModules(text string) (int, error) {
	code, err := qr.Encode(text, qr.M)
	if err != nil {
		return 0, err
	}
	return code.Size + 2*quietZone, nil
}

// drawPhoto scales the photo into the box keeping its proportions, centred.
func drawPhoto(doc *pdfDoc, f Field, img []byte) error {
	cfg, _, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil || cfg.Width == 0 || cfg.Height == 0 {
		return errorf("la foto del titolare non è un'immagine JPEG o PNG leggibile")
	}
	w, h := FitBox(float64(cfg.Width), float64(cfg.Height), f.Width, f.Height)
	holder, err := gopdf.ImageHolderByBytes(img)
	if err != nil {
		return errorf("foto del titolare: %v", err)
	}
	x, y := f.X+(f.Width-w)/2, f.Y+(f.Height-h)/2
	if err := doc.pdf.ImageByHolder(holder, x, y, &gopdf.Rect{W: w, H: h}); err != nil {
		return errorf("foto del titolare: %v", err)
	}
	return nil
}

// FitBox is the largest size with the image's proportions that fits in bw × bh.
func FitBox(iw, ih, bw, bh float64) (w, h float64) {
	if iw/ih > bw/bh {
		return bw, bw * ih / iw
	}
	return bh * iw / ih, bh
}
