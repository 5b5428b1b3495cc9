package service_test

import (
	"strings"
	"testing"

	"vivipass/domain"
)

// mestre is a denuncia filed the day before today.
var mestre = domain.PoliceReport{Numero: "417/2025", Data: today.AddDays(-1), Autorita: "Carabinieri – Stazione di Mestre"}

// issue 11.13: a duplicate after a theft or a loss needs the police report, which is
// stored with the new version and said by its history entry; a duplicate for wear
// needs none (P4, V3).
func TestDuplicateRecordsPoliceReport(t *testing.T) {
	e := newEnv(t)
	first := e.issue(mario, rossi(t), plate("AB123CD"))
	audits := e.auditCount()
	_, err := e.s.DuplicatePass(mario, change(first.Pass), domain.DuplicateInput{Reason: domain.Furto})
	wantErr(t, "theft without report", err, "per il duplicato per furto indicare il numero della denuncia")
	_, err = e.s.DuplicatePass(mario, change(first.Pass), domain.DuplicateInput{Reason: domain.Smarrimento,
		Denuncia: domain.PoliceReport{Numero: "12", Data: today.AddDays(1), Autorita: "Polizia di Stato"}})
	wantErr(t, "report in the future", err, "la data della denuncia 11/06/2025 è nel futuro")
	_, err = e.s.DuplicatePass(mario, change(first.Pass), domain.DuplicateInput{Reason: domain.Deterioramento, Denuncia: mestre})
	wantErr(t, "wear with a report", err, "per il deterioramento non serve la denuncia")
	if n := e.auditCount(); n != audits {
		t.Fatalf("refused duplicates wrote %d audit entries", n-audits)
	}
	if v := e.get(mario, first.Pass.ID); v.Pass.State != domain.Attivo {
		t.Fatalf("a refused duplicate changed the pass: %s", v.Pass.State)
	}

	res, err := e.s.DuplicatePass(mario, change(first.Pass), domain.DuplicateInput{Reason: domain.Furto, Denuncia: mestre})
	if err != nil {
		t.Fatal(err)
	}
	v := e.get(mario, res.Pass.ID)
	if v.Pass.Denuncia != mestre || v.Versions[1].Denuncia != (domain.PoliceReport{}) {
		t.Errorf("report on the new version %+v, on the old one %+v", v.Pass.Denuncia, v.Versions[1].Denuncia)
	}
	last := v.History[len(v.History)-1]
	if want := "denuncia n. 417/2025 del 09/06/2025, Carabinieri – Stazione di Mestre"; last.Action != "duplicato" ||
		!strings.Contains(last.Detail, "emesso per furto con lo stesso numero") || !strings.Contains(last.Detail, want) || last.Operator != "mario" {
		t.Errorf("history entry %+v, want the report %q", last, want)
	}

	// Wear: no report; the duplicate of a duplicate drops the theft's report.
	res2, err := e.s.DuplicatePass(mario, change(res.Pass), domain.DuplicateInput{Reason: domain.Deterioramento})
	if err != nil {
		t.Fatal(err)
	}
	v = e.get(mario, res2.Pass.ID)
	if !v.Pass.Denuncia.IsZero() || v.Pass.DuplicateReason != domain.Deterioramento {
		t.Errorf("wear duplicate %+v", v.Pass)
	}
	if d := v.History[len(v.History)-1].Detail; strings.Contains(d, "denuncia") {
		t.Errorf("wear history says a report: %q", d)
	}
	// The version of the theft keeps its report in the history of versions.
	if v.Versions[1].Denuncia != mestre {
		t.Errorf("versions %+v", v.Versions)
	}
}
