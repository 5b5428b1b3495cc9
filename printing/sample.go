package printing

import (
	"time"

	"vivipass/domain"
)

// SampleModuleData is an invented pass and holder with every field filled: the examples
// of docs/TEMPLATES.md and what a template preview can show before a pass is chosen.
func SampleModuleData() ModuleData {
	at := time.Date(2025, time.June, 10, 9, 30, 0, 0, domain.Rome)
	return ModuleData{
		Pass: domain.Pass{
			Number: "L736_2025_00042", PreviousNumber: "L736_2020_00007", Comune: "L736", IssuingComune: "L736",
			HolderCF: "ZNNNCL50T05D704X", HolderName: "ZANON NICOLÒ", Kind: domain.Permanente,
			DataRilascio: domain.MustDate(2025, time.June, 10), DataDecorrenza: domain.MustDate(2025, time.June, 10),
			DataScadenza: domain.MustDate(2030, time.June, 10), State: domain.Attivo, Duplicate: true, DuplicateReason: domain.Smarrimento,
			Denuncia: domain.PoliceReport{Numero: "417/2025", Data: domain.MustDate(2025, time.June, 9), Autorita: "Carabinieri – Stazione di Mestre"},
			Channel:  domain.Sportello,
			Plates:   []domain.Plate{{Number: "AB123CD", Role: domain.RolePrincipale}, {Number: "EF456GH", Role: domain.RoleSecondaria}},
			National: domain.National{Consent: true, CudeID: "CUDE-000123", CodiceUnivoco: "UX7K-93QF-2M", Status: domain.NationalSent},
			Note:     "consegnato al delegato", ImportFile: "pregresso-2024.csv",
			CreatedAt: at, CreatedBy: "mario", UpdatedAt: at, UpdatedBy: "mario",
		},
		Person: domain.Person{
			Comune: "L736", CodiceFiscale: "ZNNNCL50T05D704X", Cognome: "ZANON", Nome: "NICOLÒ", Sesso: "M",
			DataNascita: domain.MustDate(1950, time.December, 5), LuogoNascita: "D704", ComuneResidenza: "L736",
			Indirizzo: "SESTIERE CANNAREGIO 1234", CAP: "30121", Email: "nicolo.zanon@example.it", Telefono: "3331234567",
			Note: "preferisce essere contattato per e-mail", HasPhoto: true, UpdatedAt: at, UpdatedBy: "mario",
		},
		Today:    domain.MustDate(2025, time.June, 10),
		Operator: "Mario Furlan",
		Comune:   "L736",
	}
}
