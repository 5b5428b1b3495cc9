package printing_test

import (
	"time"

	"vivipass/domain"
	"vivipass/printing"
)

// sampleModule is a pass and holder with every field a template may print.
func sampleModule() printing.ModuleData {
	at := time.Date(2025, time.June, 10, 9, 30, 0, 0, domain.Rome)
	return printing.ModuleData{
		Pass: domain.Pass{
			ID: 7, Lineage: 7, Number: "L736_2025_00042", PreviousNumber: "L736_2020_00007", Comune: "L736", IssuingComune: "L736",
			HolderCF: "ZNNNCL50T05D704X", HolderName: "ZANON NICOLÒ", Kind: domain.Permanente,
			DataRilascio: domain.MustDate(2025, time.June, 10), DataDecorrenza: domain.MustDate(2025, time.June, 10),
			DataScadenza: domain.MustDate(2030, time.June, 10), State: domain.Attivo, Duplicate: true, DuplicateReason: domain.Smarrimento,
			Channel:  domain.Sportello,
			Plates:   []domain.Plate{{Number: "AB123CD", Role: domain.RolePrincipale}, {Number: "EF456GH", Role: domain.RoleSecondaria}},
			National: domain.National{Consent: true, CudeID: "CUDE-000123", CodiceUnivoco: "UX7K-93QF-2M", Status: domain.NationalSent},
			Note:     "consegnato al delegato", CreatedAt: at, CreatedBy: "mario", UpdatedAt: at, UpdatedBy: "mario",
		},
		Person: domain.Person{
			ID: 3, Comune: "L736", CodiceFiscale: "ZNNNCL50T05D704X", Cognome: "ZANON", Nome: "NICOLÒ", Sesso: "M",
			DataNascita: domain.MustDate(1950, time.December, 5), LuogoNascita: "D704", ComuneResidenza: "L736",
			Indirizzo: "SESTIERE CANNAREGIO 1234", Email: "nicolo.zanon@example.it", Telefono: "3331234567",
			UpdatedAt: at, UpdatedBy: "mario",
		},
		Today:    domain.MustDate(2025, time.June, 10),
		Operator: "mario",
		Comune:   "L736",
	}
}
