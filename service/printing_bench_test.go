package service_test

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/service"
	"vivipass/store"
)

// benchService is a register with n passes of Venezia expiring within 60 days.
func benchService(b *testing.B, n int) (*service.Service, []uint64) {
	b.Helper()
	db, err := store.Open(filepath.Join(b.TempDir(), "vivipass.db"), store.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	clk := &clock{}
	clk.set(today)
	s := service.New(db, service.WithClock(clk.now))
	var ids []uint64
	for i := range n {
		name := fmt.Sprintf("NOME%c%c", 'A'+i/26%26, 'A'+i%26)
		cf, err := domain.ComputeCF("COGNOME", name, 'F', date(1940+i%50, time.Month(1+i%12), 1+i%28), "L736")
		if err != nil {
			b.Fatal(err)
		}
		res, err := s.IssuePass(mario, service.IssueRequest{
			Person: domain.Person{CodiceFiscale: cf, Cognome: "COGNOME", Nome: name, Sesso: "F",
				DataNascita: date(1940+i%50, time.Month(1+i%12), 1+i%28), LuogoNascita: "L736", ComuneResidenza: "L736",
				Indirizzo: fmt.Sprintf("SESTIERE CASTELLO %d", i+1)},
			Pass: domain.IssueInput{Kind: domain.Temporaneo, DataScadenza: today.AddDays(1 + i%60)}})
		if err != nil {
			b.Fatal(err)
		}
		ids = append(ids, res.Pass.ID)
	}
	return s, ids
}

// The batch of reminder letters as the operator asks for it: 1,000 passes read from the
// register, 1,000 letters in one PDF (target ≤ 5 s).
func BenchmarkRemindersPDF1000(b *testing.B) {
	s, _ := benchService(b, 1000)
	b.ReportAllocs()
	for b.Loop() {
		_, n, err := s.RemindersPDF(mario, 60)
		if err != nil || n != 1000 {
			b.Fatalf("%d letters, %v", n, err)
		}
	}
}

// One card from the register: pass, holder, layout, signature, PDF (target ≤ 5 ms).
func BenchmarkCardPDFService(b *testing.B) {
	s, ids := benchService(b, 1)
	if err := s.SetPhoto(mario, 1, jpegPhotoB(b)); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.CardPDF(mario, ids[0], printing.ModeFronteRetro, ""); err != nil {
			b.Fatal(err)
		}
	}
}
