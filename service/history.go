package service

import (
	"vivipass/domain"
	"vivipass/store"
)

// auditPass records a change of a pass with the fields it touched, before and after
// (T5): what the Storico's detail shows. before is the version as it was (the zero
// Pass for a new one); after is what was written.
func (s *Service) auditPass(tx *store.Tx, a Actor, before, after domain.Pass, act, detail string) error {
	return s.auditChanges(tx, a, after.Comune, act, "contrassegno "+after.Number, after.Lineage, detail,
		passChanges(before, after, s.Today()))
}

// auditChanges is audit with the fields changed.
func (s *Service) auditChanges(tx *store.Tx, a Actor, comune, action, subject string, lineage uint64, detail string, changes []store.FieldChange) error {
	_, err := tx.Audit(store.AuditEntry{At: s.now(), Operator: a.Operator, Comune: comune, Channel: a.channel(),
		Action: action, Subject: subject, Lineage: lineage, Detail: detail, Changes: changes})
	return err
}

// passChanges is what differs between two versions of a pass, field by field, in the
// words of the scheda: "Scadenza: 22/06/2031 → 22/06/2036". A field of a new pass has
// no before; a plate added has no before, a plate removed no after.
func passChanges(before, after domain.Pass, day domain.Date) []store.FieldChange {
	var out []store.FieldChange
	b, a := passFields(before, day), passFields(after, day)
	for i := range a {
		if before.ID == 0 && a[i].name == "Duplicato" && a[i].value == "no" {
			continue // a new card is not a duplicate: nothing to say
		}
		if b[i].value != a[i].value {
			out = append(out, store.FieldChange{Field: a[i].name, Before: b[i].value, After: a[i].value})
		}
	}
	// Plates: the same vehicle (number and country) on both sides is one plate.
	used := make([]bool, len(after.Plates))
	for _, pb := range before.Plates {
		j := -1
		for k, pa := range after.Plates {
			if !used[k] && pa.Is(pb.Number, pb.Country) {
				j = k
				break
			}
		}
		was := plateText(pb)
		if j < 0 {
			out = append(out, store.FieldChange{Field: plateField(pb), Before: was})
			continue
		}
		used[j] = true
		if now := plateText(after.Plates[j]); now != was {
			out = append(out, store.FieldChange{Field: plateField(pb), Before: was, After: now})
		}
	}
	for k, pa := range after.Plates {
		if !used[k] {
			out = append(out, store.FieldChange{Field: plateField(pa), After: plateText(pa)})
		}
	}
	return out
}

type passField struct{ name, value string }

// passFields are the fields of a pass an operator reads, in the scheda's order; the
// zero Pass (not issued yet) has every value empty.
func passFields(p domain.Pass, day domain.Date) []passField {
	f := []passField{{"Numero", ""}, {"Comune", ""}, {"Titolare", ""}, {"Tipo", ""}, {"Stato", ""}, {"Motivo dello stato", ""},
		{"Data di rilascio", ""}, {"Decorrenza", ""}, {"Scadenza", ""}, {"Duplicato", ""}, {"Denuncia", ""}, {"Numero precedente", ""},
		{"Note", ""}, {"Consenso al circuito nazionale", ""}, {"Invio alla piattaforma nazionale", ""}, {"CUDE ID", ""},
		{"Codice univoco", ""}}
	if p.Number == "" && p.ID == 0 {
		return f
	}
	state := p.State.Label()
	if !p.StateFrom.IsZero() {
		state += " dal " + p.StateFrom.String()
	}
	holder := p.HolderName
	if p.HolderCF != "" {
		holder += " (" + p.HolderCF + ")"
	}
	dup := "no"
	if p.Duplicate {
		dup = "sì, per " + string(p.DuplicateReason)
	}
	report := ""
	if !p.Denuncia.IsZero() {
		report = p.Denuncia.String()
	}
	values := []string{p.Number, domain.PlaceName(p.Comune, day), holder, p.Kind.Label(), state, p.StateReason,
		p.DataRilascio.String(), p.DataDecorrenza.String(), p.DataScadenza.String(), dup, report, p.PreviousNumber,
		p.Note, siNo(p.National.Consent), p.National.Status.Label(), p.National.CudeID, p.National.CodiceUnivoco}
	for i := range f {
		f[i].value = values[i]
	}
	return f
}

func plateField(pl domain.Plate) string {
	if c := domain.NormalizeCountry(pl.Country); c != domain.Italy {
		return "Targa " + pl.Number + " (" + c + ")"
	}
	return "Targa " + pl.Number
}

// plateText is a plate's window and role: "dal 10/06/2025 al 10/06/2030, principale";
// a window with no end follows the pass's expiry.
func plateText(pl domain.Plate) string {
	s := "fino"
	if !pl.From.IsZero() {
		s = "dal " + pl.From.String()
	}
	if pl.To.IsZero() {
		s += " alla scadenza del contrassegno"
	} else {
		s += " al " + pl.To.String()
	}
	role := string(pl.Role)
	if pl.Role == domain.RoleNone {
		role = "solo circuito regionale"
	}
	return s + ", " + role
}
