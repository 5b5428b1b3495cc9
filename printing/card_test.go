package printing_test

import (
	"bytes"
	"crypto/ed25519"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/printing/printtest"
)

// sampleCard is a card with every field filled and accents where they hurt.
func sampleCard() printing.CardData {
	return printing.CardData{
		Number:  "L736_2025_00042",
		Expiry:  "10/06/2030",
		Comune:  "COMUNE DI FORLÌ",
		Cognome: "ZANON",
		Nome:    "NICOLÒ",
	}
}

func photoJPEG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.RGBA{uint8(x), uint8(y), 120, 255})
		}
	}
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, &jpeg.Options{Quality: 80}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func photoPNG(t testing.TB, w, h int) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			img.Set(x, y, color.NRGBA{200, uint8(x), uint8(y), 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func card(t testing.TB, d printing.CardData, m printing.Mode, off printing.Offset) []byte {
	t.Helper()
	pdf, err := printing.Card(printing.DefaultLayout(), d, m, off)
	if err != nil {
		t.Fatalf("Card(%s): %v", m, err)
	}
	return pdf
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1 }

func TestCardPageSizeEachMode(t *testing.T) {
	for _, tc := range []struct {
		mode  printing.Mode
		pages int
	}{{printing.ModeFronte, 1}, {printing.ModeRetro, 1}, {printing.ModeFronteRetro, 2}} {
		info := printtest.PDFInfo(t, card(t, sampleCard(), tc.mode, printing.Offset{}))
		if info.Pages != tc.pages || math.Abs(info.W-148) > 0.05 || math.Abs(info.H-106) > 0.05 {
			t.Errorf("%s: %d pages of %.2f × %.2f mm, want %d of 148 × 106", tc.mode, info.Pages, info.W, info.H, tc.pages)
		}
	}
}

// wantAt checks that the field's text was found by pdftotext where the layout puts it:
// the word's box starts at the field's top, and at its left edge (or centred, or right
// aligned) within 1 mm.
func wantAt(t *testing.T, words []printtest.Word, page int, f printing.Field, text string, off printing.Offset) {
	t.Helper()
	first := strings.Fields(text)[0]
	var found []printtest.Word
	for _, w := range printtest.Find(words, first) {
		if w.Page == page {
			found = append(found, w)
		}
	}
	if len(found) != 1 {
		t.Errorf("%s: %q found %d times on page %d: %v", f.Name, first, len(found), page, words)
		return
	}
	w := found[0]
	last := w
	for _, x := range words {
		if x.Page == page && x.Text == strings.Fields(text)[len(strings.Fields(text))-1] && math.Abs(x.YMin-w.YMin) < 0.5 {
			last = x
		}
	}
	x, y := f.X+off.X, f.Y+off.Y
	got := w.XMin
	switch f.Align {
	case printing.Center:
		got, x = (w.XMin+last.XMax)/2, x+f.Width/2
	case printing.Right:
		got, x = last.XMax, x+f.Width
	}
	if !near(got, x) || !near(w.YMin, y) {
		t.Errorf("%s %q at (%.2f, %.2f) mm, layout says (%.2f, %.2f)", f.Name, text, got, w.YMin, x, y)
	}
}

func checkPositions(t *testing.T, off printing.Offset) {
	l := printing.DefaultLayout()
	d := sampleCard()
	d.Duplicate = true
	words := printtest.Words(t, card(t, d, printing.ModeFronteRetro, off))
	for _, c := range []struct {
		side printing.Side
		page int
		name string
		text string
	}{
		{printing.Fronte, 1, printing.FieldScadenza, d.Expiry},
		{printing.Fronte, 1, printing.FieldNumero, d.Number},
		{printing.Fronte, 1, printing.FieldComune, d.Comune},
		{printing.Fronte, 1, printing.FieldDuplicato, "DUPLICATO"},
		{printing.Retro, 2, printing.FieldCognome, d.Cognome},
		{printing.Retro, 2, printing.FieldNome, d.Nome},
	} {
		f, ok := l.Field(c.side, c.name)
		if !ok {
			t.Fatalf("default layout has no %s on the %s", c.name, c.side)
		}
		wantAt(t, words, c.page, f, c.text, off)
	}
}

func TestCardTextWhereTheLayoutPutsIt(t *testing.T) { checkPositions(t, printing.Offset{}) }

func TestCalibrationOffsetsMoveEveryField(t *testing.T) {
	checkPositions(t, printing.Offset{X: 2.5, Y: -1.5})
	checkPositions(t, printing.Offset{X: -3, Y: 4})
}

// A layout of the operator's: a right-aligned field, another size, and fields on the
// other side than the default.
func TestCardCustomLayout(t *testing.T) {
	l, err := printing.ParseLayout([]byte(`{"name": "prova", "width": 120, "height": 80, "fields": [
		{"name": "numero", "side": "retro", "x": 10, "y": 10, "width": 100, "size": 20, "align": "right"},
		{"name": "cognome", "side": "fronte", "x": 5, "y": 40, "width": 60, "size": 8}]}`))
	if err != nil {
		t.Fatal(err)
	}
	pdf, err := printing.Card(l, sampleCard(), printing.ModeFronteRetro, printing.Offset{})
	if err != nil {
		t.Fatal(err)
	}
	info := printtest.PDFInfo(t, pdf)
	if math.Abs(info.W-120) > 0.05 || math.Abs(info.H-80) > 0.05 {
		t.Errorf("page %.2f × %.2f mm, want 120 × 80", info.W, info.H)
	}
	words := printtest.Words(t, pdf)
	f, _ := l.Field(printing.Retro, "numero")
	wantAt(t, words, 2, f, "L736_2025_00042", printing.Offset{})
	f, _ = l.Field(printing.Fronte, "cognome")
	wantAt(t, words, 1, f, "ZANON", printing.Offset{})
}

func TestDuplicatoOnlyOnDuplicates(t *testing.T) {
	d := sampleCard()
	for _, dup := range []bool{false, true} {
		d.Duplicate = dup
		for _, m := range printing.Modes() {
			text := printtest.Text(t, card(t, d, m, printing.Offset{}))
			want := dup && m != printing.ModeRetro // DUPLICATO is on the front
			if got := strings.Contains(text, "DUPLICATO"); got != want {
				t.Errorf("duplicate=%v mode %s: DUPLICATO printed %v, want %v\n%s", dup, m, got, want, text)
			}
		}
	}
}

func TestAccents(t *testing.T) {
	text := printtest.Text(t, card(t, sampleCard(), printing.ModeFronteRetro, printing.Offset{}))
	for _, s := range []string{"NICOLÒ", "FORLÌ", "ZANON", "10/06/2030"} {
		if !strings.Contains(text, s) {
			t.Errorf("%q not in the card's text:\n%s", s, text)
		}
	}
}

func TestPhoto(t *testing.T) {
	l := printing.DefaultLayout()
	box, _ := l.Field(printing.Retro, printing.FieldFoto)
	d := sampleCard()
	if imgs := printtest.Images(t, card(t, d, printing.ModeFronteRetro, printing.Offset{})); len(imgs) != 0 {
		t.Errorf("no photo: pdfimages lists %v", imgs)
	}
	for _, c := range []struct {
		name string
		img  []byte
		w, h int
	}{
		{"JPEG portrait", photoJPEG(t, 300, 400), 300, 400},
		{"PNG landscape", photoPNG(t, 400, 200), 400, 200},
	} {
		d.Photo = c.img
		imgs := printtest.Images(t, card(t, d, printing.ModeFronteRetro, printing.Offset{}))
		if len(imgs) != 1 || imgs[0].Page != 2 || imgs[0].Width != c.w || imgs[0].Height != c.h {
			t.Errorf("%s: pdfimages lists %+v, want one %d×%d image on page 2", c.name, imgs, c.w, c.h)
			continue
		}
		// The size on paper, from the resolution pdfimages computes: same ppi both ways
		// (proportions kept), and the image fills the box's width or its height.
		im := imgs[0]
		wmm, hmm := float64(im.Width)/im.XPPI*25.4, float64(im.Height)/im.YPPI*25.4
		if math.Abs(im.XPPI-im.YPPI) > 1 {
			t.Errorf("%s: %v × %v ppi: proportions changed", c.name, im.XPPI, im.YPPI)
		}
		if wmm > box.Width+0.2 || hmm > box.Height+0.2 || (math.Abs(wmm-box.Width) > 0.2 && math.Abs(hmm-box.Height) > 0.2) {
			t.Errorf("%s: printed %.1f × %.1f mm in a box of %v × %v", c.name, wmm, hmm, box.Width, box.Height)
		}
	}
	d.Photo = []byte("not an image")
	if _, err := printing.Card(l, d, printing.ModeRetro, printing.Offset{}); err == nil || !strings.Contains(err.Error(), "foto") {
		t.Errorf("unreadable photo: err %v", err)
	}
	// The photo is on the retro: a fronte has no image.
	d.Photo = photoJPEG(t, 30, 40)
	if imgs := printtest.Images(t, card(t, d, printing.ModeFronte, printing.Offset{})); len(imgs) != 0 {
		t.Errorf("fronte with photo data: %v", imgs)
	}
}

func TestFitBox(t *testing.T) {
	for _, c := range []struct{ iw, ih, bw, bh, w, h float64 }{
		{300, 400, 28, 36, 27, 36},
		{400, 200, 28, 36, 28, 14},
		{28, 36, 28, 36, 28, 36},
	} {
		w, h := printing.FitBox(c.iw, c.ih, c.bw, c.bh)
		if math.Abs(w-c.w) > 1e-9 || math.Abs(h-c.h) > 1e-9 {
			t.Errorf("FitBox(%v×%v in %v×%v) = %v×%v, want %v×%v", c.iw, c.ih, c.bw, c.bh, w, h, c.w, c.h)
		}
	}
}

// A name the font cannot draw is refused: gopdf would leave the letter out silently.
func TestMissingGlyphRefused(t *testing.T) {
	d := sampleCard()
	d.Cognome = "王"
	_, err := printing.Card(printing.DefaultLayout(), d, printing.ModeRetro, printing.Offset{})
	if err == nil || !strings.Contains(err.Error(), "non è stampabile") {
		t.Errorf("err %v", err)
	}
}

// A long comune name shrinks to fit its field instead of running over the preprinted card.
func TestLongTextShrinks(t *testing.T) {
	l := printing.DefaultLayout()
	f, _ := l.Field(printing.Fronte, printing.FieldComune)
	d := sampleCard()
	d.Comune = "COMUNE DI SAN VALENTINO IN ABRUZZO CITERIORE" // the longest name of a comune
	words := printtest.Words(t, card(t, d, printing.ModeFronte, printing.Offset{}))
	var minX, maxX = 1e9, 0.0
	for _, w := range words {
		if w.YMin > f.Y-3 && w.YMin < f.Y+3 {
			minX, maxX = min(minX, w.XMin), max(maxX, w.XMax)
		}
	}
	if minX < f.X-0.5 || maxX > f.X+f.Width+0.5 {
		t.Errorf("comune spans %.1f–%.1f mm, field %.1f–%.1f", minX, maxX, f.X, f.X+f.Width)
	}
	d.Comune = strings.Repeat("COMUNE DI SAN VALENTINO ", 3)
	if _, err := printing.Card(l, d, printing.ModeFronte, printing.Offset{}); err == nil || !strings.Contains(err.Error(), "allargare il campo") {
		t.Errorf("text too long even at the smallest size: err %v", err)
	}
}

// The QR code drawn on the card is read back by a real reader (zbarimg) from the page
// rendered at 300 dpi, and the payload it carries verifies.
func TestQRCodeReadsBackAndVerifies(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	payload, err := printing.Sign(priv, printing.Payload{Number: "L736_2025_00042", Expiry: domain.MustDate(2030, time.June, 10), Comune: "L736"})
	if err != nil {
		t.Fatal(err)
	}
	d := sampleCard()
	d.QR = payload
	pdf := card(t, d, printing.ModeFronte, printing.Offset{})
	got := printtest.DecodeQR(t, pdf, 1)
	if got != payload {
		t.Fatalf("QR decoded %q, want %q", got, payload)
	}
	p, err := printing.Verify(pub, got)
	if err != nil || p.Number != "L736_2025_00042" || p.Comune != "L736" || p.Expiry != domain.MustDate(2030, time.June, 10) {
		t.Errorf("Verify: %+v, %v", p, err)
	}
	// Without a payload no code is drawn.
	d.QR = ""
	if got := printtest.QRCodes(t, card(t, d, printing.ModeFronte, printing.Offset{}), 1); len(got) != 0 {
		t.Errorf("card without payload: codes %q", got)
	}
}
