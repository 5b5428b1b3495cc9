package service_test

import (
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/service"
)

// Issue #8, point 8 (P5, M4): refusing a second active pass for a codice fiscale held
// in another comune says that another comune holds one, never its number or expiry; the
// comune that holds it still reads both. Issue 12.7: nor which comune.
func TestSecondPassElsewhereKeepsThePassPrivate(t *testing.T) {
	e := newEnv(t)
	first := e.issue(mario, rossi(t))
	number, expiry := first.Pass.Number, first.Pass.DataScadenza.String()
	private := func(what string, err error) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: a second active pass was issued", what)
		}
		msg := err.Error()
		if strings.Contains(msg, number) || strings.Contains(msg, expiry) || strings.Contains(msg, "VENEZIA") || !strings.Contains(msg, "in un altro comune del circuito") {
			t.Errorf("%s: %q", what, msg)
		}
	}
	_, err := e.s.IssuePass(giulia, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente}})
	private("issue in Padova", err)

	csv := "codice_fiscale;cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\n" +
		rossi(t).CodiceFiscale + ";ROSSI;MARIO;PADOVA;G224_2025_00007;P;01/06/2025;01/06/2030\n"
	rep, err := e.s.Import(capoPadova, service.ImportRequest{FileName: "pd.csv", Data: []byte(csv)}, nil)
	if err == nil || len(rep.Errors) != 1 || rep.Imported != 0 {
		t.Fatalf("import in Padova: %+v, %v; want the row refused", rep, err)
	}
	err = errorString(rep.Errors[0].Message)
	private("import in Padova", err)

	// Venezia itself is told which pass.
	_, err = e.s.IssuePass(mario, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente}})
	if err == nil || !strings.Contains(err.Error(), number) {
		t.Errorf("issue in Venezia: %v, want the existing pass named", err)
	}
}

type errorString string

func (e errorString) Error() string { return string(e) }
