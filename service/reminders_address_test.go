package service_test

import (
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/printing/printtest"
	"vivipass/service"
)

// issue 11.15: the reminder letter is addressed to the holder's residence (address, CAP
// and comune); a permanent pass is told it can be renewed at the counter or with the
// app viviVeneto, a temporary one to come to the counter with the new certificate,
// since the app cannot renew it (V6). Read back from the PDF with pdftotext.
func TestReminderLettersAddressAndTemporary(t *testing.T) {
	e := newEnv(t)
	perm := rossi(t)
	perm.Indirizzo, perm.CAP, perm.ComuneResidenza = "Via Garibaldi 1", "30122", "L736"
	start := today.AddYears(-5).AddDays(20)
	e.issueReq(mario, service.IssueRequest{Person: perm, Pass: domain.IssueInput{Kind: domain.Permanente,
		DataRilascio: start, DataDecorrenza: start, DataScadenza: today.AddDays(20)}})
	temp := bianchi(t)
	temp.Indirizzo, temp.CAP, temp.ComuneResidenza = "Fondamenta Nuove 5", "30121", "L736"
	e.issueReq(mario, service.IssueRequest{Person: temp, Pass: domain.IssueInput{Kind: domain.Temporaneo,
		DataScadenza: today.AddDays(30)}})

	pdf, n, err := e.s.RemindersPDF(mario, 60)
	if err != nil || n != 2 {
		t.Fatalf("RemindersPDF: %d letters, %v", n, err)
	}
	letters := strings.Split(printtest.Text(t, pdf), "\f")
	if len(letters) < 2 {
		t.Fatalf("%d pages", len(letters))
	}
	flat := func(s string) string { return strings.Join(strings.Fields(s), " ") }
	first, second := flat(letters[0]), flat(letters[1]) // in expiry order: ROSSI, then BIANCHI
	for _, want := range []string{"Sig. MARIO ROSSI VIA GARIBALDI 1 30122 VENEZIA (VE)",
		"Il rinnovo si può chiedere anche con l'app viviVeneto."} {
		if !strings.Contains(first, want) {
			t.Errorf("the permanent pass's letter lacks %q:\n%s", want, first)
		}
	}
	if strings.Contains(first, "temporaneo") {
		t.Errorf("the permanent pass's letter speaks of a temporary one:\n%s", first)
	}
	for _, want := range []string{"Sig.ra GIOVANNA BIANCHI FONDAMENTA NUOVE 5 30121 VENEZIA (VE)",
		"Il contrassegno è temporaneo: per rinnovarlo deve presentarsi allo sportello",
		"la nuova certificazione dell'Ufficio medico-legale dell'Azienda ULSS",
		"Il rinnovo di un contrassegno temporaneo non si può chiedere con l'app viviVeneto."} {
		if !strings.Contains(second, want) {
			t.Errorf("the temporary pass's letter lacks %q:\n%s", want, second)
		}
	}
	if strings.Contains(second, "si può chiedere anche con l'app") {
		t.Errorf("the temporary pass's letter sends the holder to the app:\n%s", second)
	}

	// A CAP that is not one is refused with its reason.
	bad := verdi(t)
	bad.CAP = "3012"
	if _, err := e.s.SavePerson(mario, bad, ""); err == nil || !strings.Contains(err.Error(), "CAP \"3012\" non valido: 5 cifre") {
		t.Errorf("CAP 3012 saved: %v", err)
	}
}
