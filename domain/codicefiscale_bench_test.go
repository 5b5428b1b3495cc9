package domain

import "testing"

// BenchmarkCFValidateAndCompute is the per-row cost of the CF checks of a bulk import:
// the syntax check of the code as given and the code computed from the person's data.
func BenchmarkCFValidateAndCompute(b *testing.B) {
	birth := MustDate(1975, 7, 23)
	for b.Loop() {
		if err := ValidateCFSyntax("BNCGNN75L63L736M"); err != nil {
			b.Fatal(err)
		}
		cf, err := ComputeCF("Bianchi", "Giovanna", 'F', birth, "L736")
		if err != nil || cf != "BNCGNN75L63L736M" {
			b.Fatal(cf, err)
		}
	}
}

func BenchmarkValidateCFSyntax(b *testing.B) {
	for b.Loop() {
		if err := ValidateCFSyntax("CCCFBA85D03L21VE"); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkComputeCFAccented(b *testing.B) {
	birth := MustDate(1990, 12, 31)
	for b.Loop() {
		if _, err := ComputeCF("D'Andrea", "Nicolò", 'M', birth, "L781"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCheckCFAgreement is the full A2 check of one person, birthplace included.
func BenchmarkCheckCFAgreement(b *testing.B) {
	p := CFPerson{Surname: "ROSSI", Name: "MARIO", Sex: 'M', Birth: MustDate(1980, 1, 1), BirthPlace: "L736"}
	today := MustDate(2025, 6, 1)
	for b.Loop() {
		if m := CheckCFAgreement("RSSMRA80A01L73SR", p, today); len(m) != 0 {
			b.Fatal(m)
		}
	}
}
