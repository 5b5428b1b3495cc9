package printing_test

import (
	"crypto/ed25519"
	"fmt"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/printing"
)

// One card as the counter prints it: fronte-retro with photo and QR code (target ≤ 5 ms).
func BenchmarkCardPDF(b *testing.B) {
	_, priv, _ := ed25519.GenerateKey(nil)
	d := sampleCard()
	d.Photo = photoJPEG(b, 413, 531) // a fototessera at 300 dpi
	d.QR, _ = printing.Sign(priv, printing.Payload{Number: d.Number, Expiry: domain.MustDate(2030, time.June, 10), Comune: "L736"})
	l := printing.DefaultLayout()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := printing.Card(l, d, printing.ModeFronteRetro, printing.Offset{X: 0.5, Y: -0.5}); err != nil {
			b.Fatal(err)
		}
	}
}

// 1,000 reminder letters in one PDF, from the default template (target ≤ 5 s).
func BenchmarkReminders1000(b *testing.B) {
	var tpl printing.Template
	for _, t := range printing.DefaultTemplates() {
		if t.Name == printing.ReminderTemplate {
			tpl = t
		}
	}
	p, err := printing.Parse(tpl.Body)
	if err != nil {
		b.Fatal(err)
	}
	base := sampleModule()
	b.ReportAllocs()
	for b.Loop() {
		letters := make([]printing.Letter, 1000)
		for i := range letters {
			d := base
			d.Pass.Number = fmt.Sprintf("L736_2020_%05d", i+1)
			d.Person.Cognome = fmt.Sprintf("COGNOME%d", i)
			letters[i] = printing.Letter{Heading: printing.ModuleHeading("L736", printing.DefaultOffice), Lines: p.Fill(d)}
		}
		pdf, err := printing.Module("Promemoria di scadenza", letters)
		if err != nil {
			b.Fatal(err)
		}
		b.ReportMetric(float64(len(pdf))/1e6, "MB/op")
	}
}
