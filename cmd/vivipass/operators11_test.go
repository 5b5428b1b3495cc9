//go:build !lean

package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// issue 11.14: operator add --full-name and operator full-name set the name printed on
// the receipts; operator list shows it (JSON nome_completo, "" on old records); the last
// administrator of a comune is not demoted.
func TestOperatorFullNameCLI(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	key, _ := pubKey(t, "anna@sportello")
	r := must(t, 0, "operator", "add", "--name", "anna", "--full-name", "Anna  De Marchi", "--role", "amministratore", "--comune", "L736", "--key", key, "--db", db)
	contains(t, "operator add", r.stdout, "Operatore anna (amministratore, comune L736) registrato con 1 chiave.", "Nome e cognome: Anna De Marchi.")
	key2, _ := pubKey(t, "bruno@sportello")
	must(t, 0, "operator", "add", "--name", "bruno", "--role", "operatore", "--comune", "L736", "--key", key2, "--db", db)
	ops := operators(t, db)
	if ops["anna"].NomeCompleto != "Anna De Marchi" || ops["bruno"].NomeCompleto != "" {
		t.Errorf("operator list --json: %+v", ops)
	}
	r = must(t, 0, "operator", "list", "--db", db)
	contains(t, "operator list", r.stdout, "NOME E COGNOME", "Anna De Marchi", "bruno")

	r = must(t, 0, "operator", "full-name", "bruno", "Bruno", "Zanetti", "--db", db)
	contains(t, "full-name", r.stdout, "Operatore bruno: nome e cognome Bruno Zanetti (stampati sulle ricevute).")
	if got := operators(t, db)["bruno"].NomeCompleto; got != "Bruno Zanetti" {
		t.Errorf("bruno's full name %q", got)
	}
	r = must(t, 1, "operator", "full-name", "bruno", "Bruno", "--db", db)
	contains(t, "a name alone", r.stderr, "indicare nome e cognome (es. Mario Rossi)")
	r = must(t, 2, "operator", "full-name", "bruno", "--db", db)
	contains(t, "no name", r.stderr, "indicare l'operatore e il suo nome e cognome")
	r = must(t, 1, "operator", "add", "--name", "carla", "--full-name", "Carla 2", "--role", "operatore", "--comune", "L736", "--key", key, "--db", db)
	contains(t, "bad full name", r.stderr, "solo lettere")

	r = must(t, 1, "operator", "role", "anna", "operatore", "--db", db)
	contains(t, "last administrator", r.stderr, "è l'ultimo amministratore del comune L736; nominare prima un altro amministratore")
	r = must(t, 1, "operator", "remove", "anna", "--db", db)
	contains(t, "last administrator", r.stderr, "è l'ultimo amministratore del comune L736")
	must(t, 0, "operator", "role", "bruno", "amministratore", "--db", db)
	must(t, 0, "operator", "role", "anna", "operatore", "--db", db)
	if ops := operators(t, db); ops["anna"].Ruolo != "operatore" || ops["bruno"].Ruolo != "amministratore" {
		t.Errorf("roles %+v", ops)
	}
}

// issue 11.13: pass show names the police report of the demo's theft duplicate (text
// and JSON), and the demo's changes are signed by its operator mario (#11.14).
func TestPassShowPoliceReport(t *testing.T) {
	t.Parallel()
	db := demoDB(t)
	bianchi := rowOf(t, db, "BIANCHI", "BIANCHI GIOVANNA")
	r := must(t, 0, "pass", "show", bianchi.Numero, "--db", db)
	contains(t, "pass show", r.stdout, "Duplicato", "sì (furto)", "Denuncia", "Carabinieri – Stazione di Mestre")
	r = must(t, 0, "pass", "show", bianchi.Numero, "--json", "--db", db)
	var shown struct {
		Denuncia struct{ Numero, Data, Autorita string } `json:"denuncia"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &shown); err != nil {
		t.Fatal(err)
	}
	if d := shown.Denuncia; !strings.HasPrefix(d.Numero, "417/") || len(d.Data) != 10 || d.Autorita != "Carabinieri – Stazione di Mestre" {
		t.Errorf("denuncia %+v:\n%s", d, r.stdout)
	}
	p := showPass(t, db, bianchi.Numero)
	for _, h := range p.Storico {
		if h.Operatore != "mario" {
			t.Errorf("history entry by %q, want mario: %+v", h.Operatore, h)
		}
	}
}
