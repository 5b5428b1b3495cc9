package service_test

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/service/legacy"
)

// issue 12.10: a surname that is a spreadsheet formula, written through the service,
// comes back from every export with a quote in front; the rest of the row is intact.
func TestExportNeutralisesFormulas(t *testing.T) {
	e := newEnv(t)
	p := person(t, "CMD CALC", "MARIO", 'M', date(1980, time.January, 1), "L736")
	p.Cognome, p.Indirizzo = "=cmd|' /C calc'!A0", "@SUM(1+1) VIA ROMA 1"
	res, err := e.s.IssuePass(mario, service.IssueRequest{Person: p, Pass: domain.IssueInput{Kind: domain.Permanente},
		Plates: []service.PlateInput{plate("AB123CD")}, CFOverride: "cognome come da documento"})
	if err != nil {
		t.Fatalf("IssuePass: %v", err)
	}
	if res.Pass.HolderName != "=CMD|' /C CALC'!A0 MARIO" {
		t.Fatalf("holder stored as %q", res.Pass.HolderName)
	}
	var b bytes.Buffer
	if _, err := e.s.Export(mario, "passes", domain.Date{}, &b); err != nil {
		t.Fatal(err)
	}
	var recs [][]string
	r := csv.NewReader(&b)
	r.Comma = ';'
	recs, err = r.ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("export: %v, %d records:\n%s", err, len(recs), b.String())
	}
	for i, cell := range recs[1] {
		if cell != "" && strings.ContainsRune("=+-@\t\r", rune(cell[0])) {
			t.Errorf("cell %d (%s) begins with %q: a spreadsheet runs it", i, recs[0][i], cell[:1])
		}
	}
	if got := recs[1][4]; got != "'=CMD|' /C CALC'!A0 MARIO" {
		t.Errorf("cognome_nome exported as %q", got)
	}
	if recs[1][0] != res.Pass.Number || recs[1][3] != res.Pass.HolderCF {
		t.Errorf("other cells changed: %q", recs[1])
	}
	for _, c := range []struct{ in, out string }{
		{"=1+1", "'=1+1"}, {"+39 041", "'+39 041"}, {"-2", "'-2"}, {"@A1", "'@A1"}, {"\tx", "'\tx"}, {"\rx", "'\rx"},
		{"ROSSI", "ROSSI"}, {"", ""}, {"2025-06-10", "2025-06-10"}, {"a=b", "a=b"},
	} {
		if got := legacy.SafeCell(c.in); got != c.out {
			t.Errorf("SafeCell(%q) = %q, want %q", c.in, got, c.out)
		}
	}
}

// issue 12.10: a name with an escape sequence is refused with an Italian message, and
// nothing is written.
func TestEscapeSequenceInNameRefused(t *testing.T) {
	e := newEnv(t)
	audits := e.auditCount()
	p := rossi(t)
	p.Cognome = "ROSSI\x1b[31m"
	_, err := e.s.IssuePass(mario, service.IssueRequest{Person: p, Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "ESC in the surname", err, "il cognome contiene un carattere di controllo (ESC)", "riscrivere il testo")
	p = rossi(t)
	p.Note = "chiamare \u009b2J"
	_, err = e.s.IssuePass(mario, service.IssueRequest{Person: p, Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "CSI in the note", err, "la nota contiene un carattere di controllo (U+009B)")
	if got := e.auditCount(); got != audits {
		t.Errorf("refused saves wrote %d audit entries", got-audits)
	}
}

// issue 12.9: a deaths file with a line longer than 64 KB is refused, naming the line;
// before, the lines after it were dropped in silence and the others written.
func TestImportDeceasedLongLine(t *testing.T) {
	e := newEnv(t)
	a := e.issue(mario, rossi(t))
	b := e.issue(mario, bianchi(t))
	data := a.Pass.HolderCF + ";01/06/2025\n" + strings.Repeat("A", 1<<20) + "\n" + b.Pass.HolderCF + ";01/06/2025\n"
	rep, err := e.s.ImportDeceased(mario, []byte(data))
	wantErr(t, "long line", err, "nessun decesso registrato")
	if len(rep.Errors) != 1 || rep.Errors[0].Line != 2 || !strings.Contains(rep.Errors[0].Message, "riga più lunga di 64 KB") {
		t.Errorf("errors %+v", rep.Errors)
	}
	if v := e.get(mario, a.Pass.ID); !v.Holder.DataDecesso.IsZero() || v.Pass.State != domain.Attivo {
		t.Errorf("a refused file marked %s deceased", a.Pass.HolderCF)
	}
}

// issue 12.10: the note of a pass edited later, and the reason of an override, refuse
// escape sequences too.
func TestEscapeSequenceInEditsRefused(t *testing.T) {
	e := newEnv(t)
	res := e.issue(mario, rossi(t))
	note := "ritirato\x1b[8m"
	_, err := e.s.EditPass(mario, change(res.Pass), service.PassEdit{Note: &note})
	wantErr(t, "ESC in the note", err, "la nota contiene un carattere di controllo (ESC)")
	ok := "ritirato dal delegato\nil 10/06"
	if _, err := e.s.EditPass(mario, change(res.Pass), service.PassEdit{Note: &ok}); err != nil {
		t.Errorf("a note on two lines refused: %v", err)
	}
	p := person(t, "CMD CALC", "MARIO", 'M', date(1980, time.January, 1), "L736")
	p.Cognome = "BIANCHI"
	_, err = e.s.IssuePass(mario, service.IssueRequest{Person: p, Pass: domain.IssueInput{Kind: domain.Permanente},
		CFOverride: "come da documento\u009b"})
	wantErr(t, "C1 in the override", err, "il motivo contiene un carattere di controllo (U+009B)")
}
