package printing_test

import (
	"crypto/ed25519"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/printing"
)

var pdfDir = flag.String("pdfdir", "", "write every kind of PDF there, to look at them (pdftoppm -png -r 100)")

// TestWritePDFs renders one of each document; with -pdfdir DIR it keeps them:
//
//	go test ./printing -run WritePDFs -pdfdir /tmp/look && cd /tmp/look && for f in *.pdf; do pdftoppm -png -r 100 $f ${f%.pdf}; done
func TestWritePDFs(t *testing.T) {
	save := func(name string, pdf []byte, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if *pdfDir != "" {
			if err := os.WriteFile(filepath.Join(*pdfDir, name+".pdf"), pdf, 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
	_, priv, _ := ed25519.GenerateKey(nil)
	d := sampleCard()
	d.Duplicate = true
	d.Photo = photoJPEG(t, 300, 400)
	d.QR, _ = printing.Sign(priv, printing.Payload{Number: d.Number, Expiry: domain.MustDate(2030, time.June, 10), Comune: "L736"})
	for _, m := range printing.Modes() {
		pdf, err := printing.Card(printing.DefaultLayout(), d, m, printing.Offset{})
		save("card-"+string(m), pdf, err)
	}
	pdf, err := printing.CalibrationPage(148, 106, "DESK1", printing.Offset{X: 1.5, Y: -0.5})
	save("calibration", pdf, err)
	md := sampleModule()
	for _, tpl := range printing.DefaultTemplates() {
		p, err := printing.Parse(tpl.Body)
		if err != nil {
			t.Fatal(err)
		}
		letter := printing.Letter{Heading: printing.ModuleHeading("L736", printing.DefaultOffice), Lines: p.Fill(md)}
		pdf, err := printing.Module(tpl.Title, []printing.Letter{letter, letter})
		save("module-"+tpl.Name, pdf, err)
	}
}
