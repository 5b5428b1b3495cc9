package printing_test

import (
	"math"
	"strings"
	"testing"

	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"vivipass/printing"
	"vivipass/printing/printtest"
)

func TestDefaultLayout(t *testing.T) {
	l := printing.DefaultLayout()
	if l.Width != 148 || l.Height != 106 {
		t.Errorf("default %v × %v", l.Width, l.Height)
	}
	want := map[printing.Side][]string{
		printing.Fronte: {"data_scadenza", "numero", "comune", "duplicato", "qr"},
		printing.Retro:  {"cognome", "nome", "foto", "firma"},
	}
	for side, names := range want {
		for _, n := range names {
			if _, ok := l.Field(side, n); !ok {
				t.Errorf("default layout: no %s on the %s (S1)", n, side)
			}
		}
	}
	back, err := printing.ParseLayout(l.JSON())
	if err != nil || len(back.Fields) != len(l.Fields) {
		t.Errorf("JSON round trip: %v", err)
	}
}

func TestLayoutValidation(t *testing.T) {
	for json, want := range map[string]string{
		`{"width": 148, "height": 106, "fields": [{"name": "numerone", "side": "fronte", "x": 1, "y": 1, "width": 10, "size": 10}]}`:                                                                       "nome sconosciuto",
		`{"width": 148, "height": 106, "fields": [{"name": "numero", "side": "davanti", "x": 1, "y": 1, "width": 10, "size": 10}]}`:                                                                        "lato",
		`{"width": 148, "height": 106, "fields": [{"name": "numero", "side": "fronte", "x": 140, "y": 1, "width": 10, "size": 10}]}`:                                                                       "esce dalla carta",
		`{"width": 148, "height": 106, "fields": [{"name": "numero", "side": "fronte", "x": 1, "y": 1, "width": 10, "size": 2}]}`:                                                                          "dimensione del carattere",
		`{"width": 148, "height": 106, "fields": [{"name": "foto", "side": "retro", "x": 1, "y": 1, "width": 10}]}`:                                                                                        "altezza mancante",
		`{"width": 148, "height": 106, "fields": [{"name": "qr", "side": "fronte", "x": 130, "y": 1, "width": 20}]}`:                                                                                       "esce dalla carta",
		`{"width": 148, "height": 106, "fields": [{"name": "nome", "side": "retro", "x": 1, "y": 1, "width": 10, "size": 9, "align": "giustificato"}]}`:                                                    "allineamento",
		`{"width": 148, "height": 106, "fields": [{"name": "nome", "side": "retro", "x": 1, "y": 1, "width": 10, "size": 9}, {"name": "nome", "side": "retro", "x": 1, "y": 20, "width": 10, "size": 9}]}`: "due volte",
		`{"width": 10, "height": 106, "fields": []}`:                     "formato",
		`{"width": 148, "height": 106, "fields": [], "colore": "rosso"}`: "non leggibile",
		`{"width": 148,`: "non leggibile",
	} {
		if _, err := printing.ParseLayout([]byte(json)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: err %v, want %q", json, err, want)
		}
	}
}

// The ascent and descent the package places text with are the fonts' own (pdftotext
// uses the same numbers from the font descriptor gopdf writes).
func TestFontMetrics(t *testing.T) {
	for _, ttf := range [][]byte{goregular.TTF, gobold.TTF} {
		f, err := sfnt.Parse(ttf)
		if err != nil {
			t.Fatal(err)
		}
		var buf sfnt.Buffer
		u := f.UnitsPerEm()
		m, err := f.Metrics(&buf, fixed.I(int(u)), font.HintingNone)
		if err != nil {
			t.Fatal(err)
		}
		if m.Ascent.Round() != 1935 || m.Descent.Round() != 432 || u != 2048 {
			t.Errorf("font metrics changed: ascent %d descent %d per %d em: update goAscent/goDescent", m.Ascent.Round(), m.Descent.Round(), u)
		}
	}
}

func TestCalibrationPage(t *testing.T) {
	for _, off := range []printing.Offset{{}, {X: 2, Y: -1.5}} {
		pdf, err := printing.CalibrationPage(148, 106, "DESK1", off)
		if err != nil {
			t.Fatal(err)
		}
		info := printtest.PDFInfo(t, pdf)
		if info.Pages != 1 || math.Abs(info.W-148) > 0.05 || math.Abs(info.H-106) > 0.05 {
			t.Errorf("calibration page %d × %.2f × %.2f", info.Pages, info.W, info.H)
		}
		text := printtest.Text(t, pdf)
		if !strings.Contains(text, "DESK1") || !strings.Contains(text, "Pagina di calibrazione") {
			t.Errorf("text:\n%s", text)
		}
		// Each crosshair is where it says, moved by the offset: rendered at 10 pixels per
		// mm, the arms cross at its centre and 1 mm beside an arm the paper is blank.
		img := printtest.Raster(t, pdf, 1, 254)
		dark := func(xmm, ymm float64) bool {
			r, g, b, _ := img.At(int(xmm*10), int(ymm*10)).RGBA()
			return r+g+b < 3*0x8000
		}
		for _, c := range printing.Crosshairs(148, 106) {
			x, y := c.X+off.X, c.Y+off.Y
			if !dark(x+4, y) || !dark(x-4, y) || !dark(x, y+4) || !dark(x, y-4) {
				t.Errorf("offset %+v: crosshair %+v: arms not at (%.1f, %.1f)", off, c, x, y)
			}
			if dark(x+4, y+1) || dark(x+4, y-1) || dark(x+1, y+4) || dark(x-1, y+4) {
				t.Errorf("offset %+v: crosshair %+v: ink beside the arms", off, c)
			}
		}
		// The ruler's 10 mm ticks: dark at the tick, blank half a millimetre beside.
		for x := 10.0; x < 148; x += 10 {
			if !dark(x+off.X, 2+off.Y) || dark(x+off.X+0.5, 2+off.Y) {
				t.Errorf("offset %+v: ruler tick at %v mm", off, x)
			}
		}
	}
}
