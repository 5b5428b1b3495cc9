package service_test

import (
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// Issue 12.7: nothing leaks across comuni through messages. Venezia (L736) holds a
// pass, an operator, a key, a printer; Padova's operator or administrator runs into
// each of them and is told it is in use in another comune, and nothing more: no
// number, name, comune or date of Venezia's. The system actor (the server's command
// line, every comune) is still told which.

// veneziaSecrets sets up Venezia's data and returns it with what must never reach
// Padova: the pass number, its expiry and start, the holder, the comune.
type venezia struct {
	pass    domain.Pass
	holder  domain.Person
	secrets []string
}

func setupVenezia(t *testing.T, e *env) venezia {
	t.Helper()
	holder := rossi(t)
	res := e.issue(mario, holder, plate("AB123CD"))
	p := res.Pass
	return venezia{pass: p, holder: holder, secrets: []string{
		p.Number, p.DataScadenza.String(), p.DataDecorrenza.String(), "L736", "VENEZIA", "Venezia",
		holder.Cognome, holder.Nome,
	}}
}

// private fails unless msg says "altro comune" and holds none of secrets.
func private(t *testing.T, what, msg string, secrets ...string) {
	t.Helper()
	if !strings.Contains(msg, "altro comune") {
		t.Errorf("%s: %q does not say 'altro comune'", what, msg)
	}
	for _, s := range secrets {
		if s != "" && strings.Contains(msg, s) {
			t.Errorf("%s: %q names %q, another comune's", what, msg, s)
		}
	}
}

func errMsg(t *testing.T, what string, err error) string {
	t.Helper()
	if err == nil {
		t.Fatalf("%s: no error", what)
	}
	return err.Error()
}

// issue 12.7: a pass number in use (P2) at issue and at a duplicate with a new number.
func TestNumberInUseElsewhereSaysOnlyAnotherComune(t *testing.T) {
	e := newEnv(t)
	v := setupVenezia(t, e)
	// The number typed is Padova's own input: it may be repeated, nothing else.
	secrets := append([]string{v.holder.CodiceFiscale, "VENEZIA", "Venezia", "comune L736"}, v.secrets[1:3]...)
	_, err := e.s.IssuePass(giulia, service.IssueRequest{Person: verdi(t),
		Pass: domain.IssueInput{Kind: domain.Permanente, Number: v.pass.Number}})
	msg := errMsg(t, "issue with Venezia's number", err)
	private(t, "issue with Venezia's number", msg, secrets...)
	if !strings.Contains(msg, "in uso in un altro comune") {
		t.Errorf("issue with Venezia's number: %q", msg)
	}

	own := e.issue(giulia, verdi(t))
	_, err = e.s.DuplicatePass(giulia, change(own.Pass), domain.DuplicateInput{Reason: domain.Deterioramento, Number: v.pass.Number})
	private(t, "duplicate with Venezia's number", errMsg(t, "duplicate with Venezia's number", err), secrets...)

	// Venezia itself, and the system actor, are told which pass uses it.
	_, err = e.s.IssuePass(mario, service.IssueRequest{Person: bianchi(t),
		Pass: domain.IssueInput{Kind: domain.Permanente, Number: v.pass.Number}})
	wantErr(t, "Venezia reuses its number", err, "comune L736")
	_, err = e.s.IssuePass(admin, service.IssueRequest{Comune: "G224", Person: bianchi(t),
		Pass: domain.IssueInput{Kind: domain.Permanente, Number: v.pass.Number}})
	wantErr(t, "system actor", err, "comune L736")
}

// issue 12.7: a second active pass (P5) at issue, at a codice fiscale correction and in
// an import: the other comune is not named.
func TestSecondActivePassElsewhereSaysOnlyAnotherComune(t *testing.T) {
	e := newEnv(t)
	v := setupVenezia(t, e)
	_, err := e.s.IssuePass(giulia, service.IssueRequest{Person: v.holder, Pass: domain.IssueInput{Kind: domain.Permanente}})
	// The codice fiscale is the one Padova typed: it may be repeated (its birthplace
	// code is Venezia's too), nothing else.
	typed := func(msg string) string { return strings.ReplaceAll(msg, v.holder.CodiceFiscale, "«cf»") }
	private(t, "issue", typed(errMsg(t, "issue", err)), v.secrets...)

	// Padova corrects the codice fiscale of its own holder to Venezia's holder's.
	own := e.issue(giulia, verdi(t))
	p, err := e.s.Person(giulia, own.Pass.PersonID)
	if err != nil {
		t.Fatal(err)
	}
	p.CodiceFiscale, p.Cognome, p.Nome, p.Sesso, p.DataNascita, p.LuogoNascita =
		v.holder.CodiceFiscale, "ROSSA", "MARIA", "M", v.holder.DataNascita, v.holder.LuogoNascita
	_, err = e.s.SavePerson(giulia, p, "")
	private(t, "codice fiscale correction", typed(errMsg(t, "codice fiscale correction", err)), v.pass.Number, v.pass.DataScadenza.String(), "VENEZIA", "L736")

	// An import of a region-like file by Padova's administrator: every row whose holder
	// Venezia serves is refused without Venezia's number, expiry or name.
	csv := "codice_fiscale;cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\n" +
		v.holder.CodiceFiscale + ";ROSSI;MARIO;PADOVA;G224_2025_00007;P;01/06/2025;01/06/2030\n" +
		v.holder.CodiceFiscale + ";ROSSI;MARIO;VENEZIA;G224_2024_00003;P;01/06/2024;01/06/2029\n"
	for _, dry := range []bool{true, false} {
		rep, _ := e.s.Import(capoPadova, service.ImportRequest{FileName: "regione.csv", Data: []byte(csv), DryRun: dry, ValidOnly: true}, nil)
		if rep.Imported != 0 || len(rep.Errors) == 0 {
			t.Fatalf("import (dry run %v): %+v", dry, rep)
		}
		p5 := 0
		for _, re := range append(rep.Errors, rep.Warnings...) {
			re.Message = typed(re.Message)
			for _, s := range []string{v.pass.Number, v.pass.DataScadenza.String(), v.pass.DataDecorrenza.String(), "L736", "Venezia"} {
				if strings.Contains(re.Message, s) {
					t.Errorf("import row %d: %q names %q", re.Row, re.Message, s)
				}
			}
			// A row of the file may name an earlier row of the same file: the file is
			// the administrator's own.
			if strings.Contains(re.Message, "contrassegno attivo") && !strings.Contains(re.Message, "altro comune") && !strings.Contains(re.Message, "alla riga 2") {
				t.Errorf("import row %d: %q", re.Row, re.Message)
			}
			if strings.Contains(re.Message, "in un altro comune") {
				p5++
			}
		}
		if p5 == 0 {
			t.Errorf("import (dry run %v): no row refused as held in another comune: %+v", dry, rep.Errors)
		}
	}
	// The system actor importing for Padova is told which pass.
	rep, _ := e.s.Import(admin, service.ImportRequest{FileName: "regione.csv", Data: []byte(csv), Comune: "G224", DryRun: true}, nil)
	named := false
	for _, re := range rep.Errors {
		named = named || strings.Contains(re.Message, v.pass.Number)
	}
	if !named {
		t.Errorf("system actor's import: %+v, want Venezia's pass named", rep.Errors)
	}
}

// issue 12.7: an operator name taken in another comune, and a key registered there.
func TestOperatorNameAndKeyElsewhereSayOnlyAnotherComune(t *testing.T) {
	e := newEnv(t)
	k1, fp1 := sshKey(t, "rosa@venezia")
	if _, err := e.s.AddOperator(capo, domain.Operator{Name: "rosa", FullName: "Rosa Zennaro", Role: domain.RoleAmministratore,
		Comune: "L736", Keys: []domain.OperatorKey{k1}}); err != nil {
		t.Fatal(err)
	}
	secrets := []string{"L736", "VENEZIA", "Venezia", "amministratore", "Zennaro", "Rosa"}
	k2, _ := sshKey(t, "rosa@padova")
	_, err := e.s.AddOperator(capoPadova, domain.Operator{Name: "rosa", FullName: "Rosa Bianchi", Role: domain.RoleOperatore,
		Comune: "G224", Keys: []domain.OperatorKey{k2}})
	msg := errMsg(t, "name taken in Venezia", err)
	private(t, "name taken in Venezia", msg, secrets...)
	if !strings.Contains(msg, "in uso in un altro comune") {
		t.Errorf("name taken in Venezia: %q", msg)
	}

	// Venezia's key given to a new operator of Padova: not whose it is.
	_, err = e.s.AddOperator(capoPadova, domain.Operator{Name: "luca", FullName: "Luca Verdi", Role: domain.RoleOperatore,
		Comune: "G224", Keys: []domain.OperatorKey{k1}})
	msg = errMsg(t, "key registered in Venezia", err)
	private(t, "key registered in Venezia", msg, append(secrets, "rosa")...)
	if !strings.Contains(msg, fp1) {
		t.Errorf("key registered in Venezia: %q does not name the key given", msg)
	}
	if ops, _ := e.s.Operators(capoPadova); len(ops) != 0 {
		t.Errorf("Padova has operators after the refusals: %+v", ops)
	}

	// The system actor, and Venezia's administrator, are told who.
	_, err = e.s.AddOperator(admin, domain.Operator{Name: "rosa", FullName: "Rosa Bianchi", Role: domain.RoleOperatore,
		Comune: "G224", Keys: []domain.OperatorKey{k2}})
	wantErr(t, "system actor, name", err, "comune L736")
	_, err = e.s.AddOperator(capo, domain.Operator{Name: "piero", FullName: "Piero Rossi", Role: domain.RoleOperatore,
		Comune: "L736", Keys: []domain.OperatorKey{k1}})
	wantErr(t, "Venezia's administrator, key", err, "rosa")
}

// issue 12.7: a printer queue Venezia configured.
func TestPrinterElsewhereSaysOnlyAnotherComune(t *testing.T) {
	e := newEnv(t)
	if _, err := e.s.SavePrinter(capo, store.Printer{Queue: "SPORTELLO1", Label: "Ufficio di Mestre", OffsetX: 1.5}); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.SavePrinter(capoPadova, store.Printer{Queue: "SPORTELLO1", Version: 1})
	msg := errMsg(t, "Venezia's printer", err)
	private(t, "Venezia's printer", msg, "L736", "VENEZIA", "Venezia", "Mestre", "capo", "1,5", "1.5")
	err = e.s.DeletePrinter(capoPadova, "SPORTELLO1")
	if err == nil || strings.Contains(err.Error(), "L736") || strings.Contains(err.Error(), "Mestre") {
		t.Errorf("Padova deletes Venezia's printer: %v", err)
	}
}

// issue 12.7: a plate also on another comune's pass (T2 shows the overlap): not that
// pass's number, comune or dates.
func TestPlateElsewhereSaysOnlyAnotherComune(t *testing.T) {
	e := newEnv(t)
	v := setupVenezia(t, e)
	own := e.issue(giulia, verdi(t))
	plan, err := e.s.PlanPlate(giulia, change(own.Pass), plate("AB123CD"))
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.s.AddPlate(giulia, change(own.Pass), plate("AB123CD"), false)
	if err != nil {
		t.Fatal(err)
	}
	for what, ws := range map[string][]string{"plan": plan.Overlaps, "add": res.Warnings} {
		if len(ws) != 1 {
			t.Fatalf("%s: %q, want one overlap", what, ws)
		}
		private(t, what, ws[0], v.secrets...)
	}
	// Venezia's second pass is told which of its own passes has it.
	b := e.issue(mario, bianchi(t))
	res, err = e.s.AddPlate(mario, change(b.Pass), plate("AB123CD"), false)
	if err != nil {
		t.Fatal(err)
	}
	joined := strings.Join(res.Warnings, "\n")
	if !strings.Contains(joined, v.pass.Number) || !strings.Contains(joined, "altro comune") {
		t.Errorf("Venezia: %q, want its own pass named and Padova's as another comune's", joined)
	}
	if strings.Contains(joined, own.Pass.Number) {
		t.Errorf("Venezia is told Padova's pass: %q", joined)
	}
}
