package print

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/service"
	"vivipass/store"
)

// The preview draws the card at the layout's proportions within the cells it is given,
// each field at its place with its value: the number and the expiry inside their boxes
// on the fronte, the names on the retro; DUPLICATO only on a duplicate.
func TestDrawSide(t *testing.T) {
	db, err := store.Open(filepath.Join(t.TempDir(), "vivipass.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	svc := service.New(db, service.WithClock(func() time.Time { return time.Date(2026, 11, 26, 10, 0, 0, 0, domain.Rome) }))
	if _, err := svc.LoadDemo(service.SystemActor("test")); err != nil {
		t.Fatal(err)
	}
	a := service.SystemActor("test")
	res, err := svc.Search(a, service.Query{Text: "ROSSI MARIO"})
	if err != nil || len(res.Rows) == 0 {
		t.Fatal(err)
	}
	c, err := svc.CardPreview(a, res.Rows[0].ID, "")
	if err != nil {
		t.Fatal(err)
	}
	for _, size := range []struct{ maxW, maxH int }{{48, 17}, {58, 33}, {120, 40}} {
		w, h := cardSize(c.Layout, size.maxW, size.maxH)
		if w > size.maxW || h > size.maxH || w < 12 {
			t.Fatalf("cardSize(%d, %d) = %d × %d", size.maxW, size.maxH, w, h)
		}
		// The card's proportions, with cells about twice as tall as wide.
		if r := float64(w-2) / float64(h-2) / cellRatio; r < 1.25 || r > 1.55 {
			t.Errorf("%d × %d cells: ratio %.2f, the card is 1.40", w, h, r)
		}
		fronte := strings.Join(drawSide(c, printing.Fronte, w, h), "\n")
		for _, v := range []string{"[" + c.Data.Number, "[" + c.Data.Expiry, "[" + c.Data.Comune, "QR", "┌─ Fronte"} {
			if !strings.Contains(fronte, v) {
				t.Errorf("%d × %d: the fronte lacks %q:\n%s", w, h, v, fronte)
			}
		}
		if strings.Contains(fronte, "DUPLICATO") {
			t.Errorf("DUPLICATO on a pass that is not a duplicate:\n%s", fronte)
		}
		retro := strings.Join(drawSide(c, printing.Retro, w, h), "\n")
		for _, v := range []string{"[ROSSI", "[MARIO", "firma", "┌─ Retro"} {
			if !strings.Contains(retro, v) {
				t.Errorf("%d × %d: the retro lacks %q:\n%s", w, h, v, retro)
			}
		}
		for _, l := range drawSide(c, printing.Fronte, w, h) {
			if n := len([]rune(l)); n != w {
				t.Fatalf("a line of %d cells in a card %d wide: %q", n, w, l)
			}
		}
	}
	// The number's box is where the layout puts it: left third, lower half.
	w, h := cardSize(c.Layout, 48, 17)
	lines := drawSide(c, printing.Fronte, w, h)
	for r, l := range lines {
		if i := strings.Index(l, c.Data.Number); i >= 0 {
			col := len([]rune(l[:i]))
			f, _ := c.Layout.Field(printing.Fronte, printing.FieldNumero)
			if x := float64(col-1) * c.Layout.Width / float64(w-2); x < f.X-4 || x > f.X+4 {
				t.Errorf("number at column %d (%.0f mm), the layout says x %.0f mm", col, x, f.X)
			}
			if y := float64(r-1) * c.Layout.Height / float64(h-2); y < f.Y-8 || y > f.Y+8 {
				t.Errorf("number at row %d (%.0f mm), the layout says y %.0f mm", r, y, f.Y)
			}
		}
	}
	c.Data.Duplicate = true
	if s := strings.Join(drawSide(c, printing.Fronte, w, h), "\n"); !strings.Contains(s, "DUPLICATO") {
		t.Errorf("a duplicate without DUPLICATO:\n%s", s)
	}
}
