package domain

import (
	"encoding/json"
	"strings"
	"testing"
)

// lcReport is a denuncia filed a few days before lcDay.
var lcReport = PoliceReport{Numero: "417/2026", Data: MustDate(2026, 5, 28), Autorita: "Carabinieri – Stazione di Mestre"}

// reportFor is the report a duplicate for reason carries: lcReport after a theft or a
// loss, none after wear.
func reportFor(reason DuplicateReason) PoliceReport {
	if r, ok := ParseDuplicateReason(string(reason)); ok && !r.NeedsReport() {
		return PoliceReport{}
	}
	return lcReport
}

// issue 11.13: after a theft or a loss the duplicate records the police report (number,
// date not in the future, authority); after wear there is none (P4, V3).
func TestDuplicatePoliceReport(t *testing.T) {
	if !Furto.NeedsReport() || !Smarrimento.NeedsReport() || Deterioramento.NeedsReport() {
		t.Fatal("NeedsReport: furto and smarrimento need the denuncia, deterioramento does not")
	}
	_, next, err := lcPass(nil).MakeDuplicate(DuplicateInput{Reason: "SMARRIMENTO",
		Denuncia: PoliceReport{Numero: " 417/2026 ", Data: lcDay, Autorita: "  Carabinieri –  Stazione di   Mestre "}}, lcDay, Sportello)
	if err != nil {
		t.Fatal(err)
	}
	want := PoliceReport{Numero: "417/2026", Data: lcDay, Autorita: "Carabinieri – Stazione di Mestre"}
	if next.Denuncia != want || next.DuplicateReason != Smarrimento {
		t.Errorf("denuncia %+v, want %+v", next.Denuncia, want)
	}
	if got := next.Denuncia.String(); got != "n. 417/2026 del 01/06/2026, Carabinieri – Stazione di Mestre" {
		t.Errorf("String = %q", got)
	}
	// A renewal of the duplicate is no duplicate: no report on it.
	next.DataScadenza = lcDay.AddDays(30)
	_, renewed, err := next.Renew(RenewInput{DataRilascio: lcDay, DataDecorrenza: lcDay.AddDays(31), DataScadenza: lcDay.AddDays(31 + 365*5)}, lcDay, Sportello)
	if err != nil {
		t.Fatal(err)
	}
	if !renewed.Denuncia.IsZero() || renewed.Duplicate {
		t.Errorf("renewal kept the duplicate's report %+v", renewed.Denuncia)
	}

	tests := []struct {
		name   string
		reason DuplicateReason
		rep    PoliceReport
		want   string
	}{
		{"theft without report", Furto, PoliceReport{}, "per il duplicato per furto indicare il numero della denuncia"},
		{"loss without date", Smarrimento, PoliceReport{Numero: "1", Autorita: "Polizia"}, "indicare la data della denuncia (gg/mm/aaaa)"},
		{"report in the future", Furto, PoliceReport{Numero: "1", Data: lcDay.AddDays(1), Autorita: "Polizia"}, "la data della denuncia 02/06/2026 è nel futuro"},
		{"no authority", Furto, PoliceReport{Numero: "1", Data: lcDay, Autorita: "  "}, "indicare l'autorità che ha ricevuto la denuncia"},
		{"number too long", Furto, PoliceReport{Numero: strings.Repeat("1", 41), Data: lcDay, Autorita: "Polizia"}, "al massimo 40 caratteri"},
		{"wear with a report", Deterioramento, lcReport, "per il deterioramento non serve la denuncia"},
	}
	for _, tt := range tests {
		_, _, err := lcPass(nil).MakeDuplicate(DuplicateInput{Reason: tt.reason, Denuncia: tt.rep}, lcDay, Sportello)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want %q", tt.name, err, tt.want)
		}
	}
	_, next, err = lcPass(nil).MakeDuplicate(DuplicateInput{Reason: "usura"}, lcDay, Sportello)
	if err != nil || next.DuplicateReason != Deterioramento || !next.Denuncia.IsZero() {
		t.Errorf("wear: %v %+v", err, next)
	}
}

// issue 11.13: the report is stored with the pass; a duplicate stored before it was
// asked (no "denuncia" in the record) reads back with none and still changes.
func TestDuplicatePoliceReportStored(t *testing.T) {
	_, next, err := lcPass(nil).MakeDuplicate(DuplicateInput{Reason: Furto, Denuncia: lcReport}, lcDay, Sportello)
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(next)
	if err != nil {
		t.Fatal(err)
	}
	var back Pass
	if err := json.Unmarshal(data, &back); err != nil || back.Denuncia != lcReport {
		t.Fatalf("round trip: %+v, %v\n%s", back.Denuncia, err, data)
	}
	if !strings.Contains(string(data), `"denuncia":{"numero":"417/2026","data":"2026-05-28","autorita":"Carabinieri – Stazione di Mestre"}`) {
		t.Errorf("stored as %s", data)
	}
	old := strings.Replace(string(data), string(data[strings.Index(string(data), `"denuncia"`):strings.Index(string(data), `"channel"`)]), "", 1)
	var legacy Pass
	if err := json.Unmarshal([]byte(old), &legacy); err != nil || !legacy.Denuncia.IsZero() || legacy.DuplicateReason != Furto {
		t.Fatalf("record without the report: %+v, %v\n%s", legacy, err, old)
	}
	if _, _, err := legacy.MakeDuplicate(DuplicateInput{Reason: Deterioramento}, lcDay, Sportello); err != nil {
		t.Errorf("a duplicate without a stored report cannot change: %v", err)
	}
	if noReport, _ := json.Marshal(lcPass(nil)); strings.Contains(string(noReport), "denuncia") {
		t.Errorf("a pass without a report stores one: %s", noReport)
	}
}

// issue 11.13: what the card and the command line say of the report: the report; "non
// registrata" on a theft or loss duplicate recorded before it was asked; nothing else.
func TestReportLabel(t *testing.T) {
	for _, c := range []struct {
		p    Pass
		want string
	}{
		{Pass{Duplicate: true, DuplicateReason: Furto, Denuncia: lcReport}, "n. 417/2026 del 28/05/2026, Carabinieri – Stazione di Mestre"},
		{Pass{Duplicate: true, DuplicateReason: Smarrimento}, "non registrata"},
		{Pass{Duplicate: true, DuplicateReason: Deterioramento}, ""},
		{Pass{}, ""},
	} {
		if got := c.p.ReportLabel(); got != c.want {
			t.Errorf("%+v: %q, want %q", c.p.DuplicateReason, got, c.want)
		}
	}
}
