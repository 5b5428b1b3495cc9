package service_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"strings"
	"testing"

	gossh "golang.org/x/crypto/ssh"

	"vivipass/domain"
	"vivipass/printing/printtest"
	"vivipass/service"
)

// sshKey is a fresh public key line and its fingerprint.
func sshKey(t *testing.T, comment string) (domain.OperatorKey, string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	line := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))) + " " + comment
	keys, err := service.ParseOperatorKeys([]byte(line), today.Time())
	if err != nil {
		t.Fatal(err)
	}
	return keys[0], keys[0].Fingerprint
}

// issue 11.14: an operator has a full name (optional on old records, checked when
// given, kept when a key is added), set by administrators only, printed on the
// documents in place of the login.
func TestOperatorFullName(t *testing.T) {
	e := newEnv(t)
	k1, _ := sshKey(t, "mario@sportello")
	_, err := e.s.AddOperator(capo, domain.Operator{Name: "mario", FullName: "Mario", Role: domain.RoleOperatore, Comune: "L736", Keys: []domain.OperatorKey{k1}})
	wantErr(t, "name alone", err, "indicare nome e cognome (es. Mario Rossi)")
	_, err = e.s.AddOperator(capo, domain.Operator{Name: "mario", FullName: "Mario R0ssi", Role: domain.RoleOperatore, Comune: "L736", Keys: []domain.OperatorKey{k1}})
	wantErr(t, "digits", err, "solo lettere")
	op, err := e.s.AddOperator(capo, domain.Operator{Name: "mario", FullName: "  Mario   D'Agostino ", Role: domain.RoleOperatore, Comune: "L736", Keys: []domain.OperatorKey{k1}})
	if err != nil || op.FullName != "Mario D'Agostino" || op.Label() != "Mario D'Agostino" {
		t.Fatalf("AddOperator: %+v, %v", op, err)
	}
	k2, _ := sshKey(t, "mario@casa")
	op, err = e.s.AddOperator(capo, domain.Operator{Name: "mario", Role: domain.RoleOperatore, Comune: "L736", Keys: []domain.OperatorKey{k2}})
	if err != nil || op.FullName != "Mario D'Agostino" || len(op.Keys) != 2 {
		t.Fatalf("a key added forgot the name: %+v, %v", op, err)
	}
	// An old record: no name; the login is what prints.
	if _, err := e.s.AddOperator(capo, domain.Operator{Name: "anna", Role: domain.RoleOperatore, Comune: "L736"}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetOperatorFullName(mario, "mario", "Mario Bianchi"); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("an operator renaming themselves: %v", err)
	}
	wantErr(t, "bad name", e.s.SetOperatorFullName(capo, "mario", "mario!"), "solo lettere")
	if err := e.s.SetOperatorFullName(capo, "mario", "Mario  Furlan"); err != nil {
		t.Fatal(err)
	}
	if got := operatorNamed(t, e, "mario"); got.FullName != "Mario Furlan" {
		t.Errorf("full name %q", got.FullName)
	}

	p := e.issue(mario, rossi(t)).Pass
	for _, c := range []struct {
		a    service.Actor
		want string
	}{{mario, "L'operatore: Mario Furlan"}, {anna, "L'operatore: anna"}} {
		pdf, err := e.s.ModulePDF(c.a, "ricevuta", p.ID)
		if err != nil {
			t.Fatal(err)
		}
		if text := printtest.Text(t, pdf); !strings.Contains(text, c.want) {
			t.Errorf("receipt printed by %s lacks %q:\n%s", c.a.Operator, c.want, text)
		}
	}
}

func operatorNamed(t *testing.T, e *env, name string) domain.Operator {
	t.Helper()
	ops, err := e.s.Operators(admin)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range ops {
		if o.Name == name {
			return o
		}
	}
	t.Fatalf("operator %s missing", name)
	return domain.Operator{}
}

// issue 11.14: the last administrator of a comune is neither demoted nor removed (the
// command line could do both); one's own last key is not taken away (locked out).
func TestOperatorRoleAndKeysGuarded(t *testing.T) {
	e := newEnv(t)
	kCapo, fpCapo := sshKey(t, "capo@sportello")
	for _, op := range []domain.Operator{
		{Name: "capo", FullName: "Carla Povoledo", Role: domain.RoleAmministratore, Comune: "L736", Keys: []domain.OperatorKey{kCapo}},
		{Name: "capopd", Role: domain.RoleAmministratore, Comune: "G224"},
		{Name: "mario", Role: domain.RoleOperatore, Comune: "L736"},
	} {
		if _, err := e.s.AddOperator(admin, op); err != nil {
			t.Fatal(err)
		}
	}
	wantErr(t, "demote the last administrator", e.s.SetOperatorRole(admin, "capo", domain.RoleOperatore),
		"non si può rendere operatore capo: è l'ultimo amministratore del comune L736; nominare prima un altro amministratore")
	wantErr(t, "remove the last administrator", e.s.RemoveOperator(admin, "capo"), "è l'ultimo amministratore del comune L736")
	// Padova's administrator does not count for Venezia.
	if got := operatorNamed(t, e, "capo"); got.Role != domain.RoleAmministratore {
		t.Fatalf("capo is %s", got.Role)
	}
	if err := e.s.SetOperatorRole(capo, "mario", domain.RoleAmministratore); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetOperatorRole(admin, "capo", domain.RoleOperatore); err != nil {
		t.Errorf("demoting one of two administrators: %v", err)
	}
	if err := e.s.SetOperatorRole(admin, "capo", domain.RoleAmministratore); err != nil {
		t.Fatal(err)
	}

	// Keys: one's own last key stays; with a second one, the first goes.
	wantErr(t, "own last key", e.s.RemoveOperatorKey(capo, "capo", fpCapo), "è la tua unica chiave SSH")
	if _, ok := e.s.Authenticate(fpCapo); !ok {
		t.Fatal("own last key removed")
	}
	k2, fp2 := sshKey(t, "capo@casa")
	if _, err := e.s.AddOperator(capo, domain.Operator{Name: "capo", Role: domain.RoleAmministratore, Comune: "L736", Keys: []domain.OperatorKey{k2}}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RemoveOperatorKey(capo, "capo", fpCapo); err != nil {
		t.Fatalf("own key with another left: %v", err)
	}
	if _, ok := e.s.Authenticate(fpCapo); ok {
		t.Error("the removed key still enters")
	}
	if op, ok := e.s.Authenticate(fp2); !ok || op.Name != "capo" || op.FullName != "Carla Povoledo" {
		t.Errorf("the other key: %+v %v", op, ok)
	}
	// Another operator's last key may go (the administrator adds a new one later).
	k3, fp3 := sshKey(t, "mario@sportello")
	if _, err := e.s.AddOperator(capo, domain.Operator{Name: "mario", Role: domain.RoleAmministratore, Comune: "L736", Keys: []domain.OperatorKey{k3}}); err != nil {
		t.Fatal(err)
	}
	if err := e.s.RemoveOperatorKey(capo, "mario", fp3); err != nil {
		t.Errorf("another operator's last key: %v", err)
	}
}

// issue 11.14: the demo's passes are issued and changed by its named operators (mario
// at Venezia, giulia at Padova), not by the account that loaded it; the theft duplicate
// carries its denuncia (#11.13).
func TestDemoSignedByNamedOperators(t *testing.T) {
	e := newEnv(t)
	if _, err := e.s.LoadDemo(admin); err != nil {
		t.Fatal(err)
	}
	for name, full := range map[string]string{"admin": "Laura Zennaro", "mario": "Mario Furlan", "giulia": "Giulia Toffolo"} {
		if got := operatorNamed(t, e, name).FullName; got != full {
			t.Errorf("%s: full name %q, want %q", name, got, full)
		}
	}
	res, err := e.s.Search(admin, service.Query{Limit: 1000})
	if err != nil {
		t.Fatal(err)
	}
	dup := false
	for _, r := range res.Rows {
		v := e.get(admin, r.ID)
		want := map[string]string{"L736": "mario", "G224": "giulia"}[v.Pass.Comune]
		if v.Pass.CreatedBy == "admin" || v.Pass.UpdatedBy == "admin" {
			t.Errorf("%s signed by admin", v.Pass.Number)
		}
		for _, h := range v.History {
			if h.Operator != "mario" && h.Operator != "giulia" {
				t.Errorf("%s: %s by %q", v.Pass.Number, h.Action, h.Operator)
			}
		}
		if v.Pass.Duplicate {
			dup = true
			if v.Pass.UpdatedBy != want || v.Pass.Denuncia.Autorita != "Carabinieri – Stazione di Mestre" {
				t.Errorf("demo duplicate %+v", v.Pass)
			}
		}
	}
	if !dup {
		t.Error("the demo has no duplicate")
	}
}
