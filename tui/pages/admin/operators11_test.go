package admin_test

import (
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/pages/admin"
	"vivipass/tui/tuitest"
)

// addKey registers a new key for operator name and returns its fingerprint.
func addKey(t *testing.T, h *tuitest.Harness, name, comment string) string {
	t.Helper()
	line, fp := newKey(t, comment)
	keys, err := service.ParseOperatorKeys([]byte(line), now)
	if err != nil {
		t.Fatal(err)
	}
	op := tuitest.Operator(t, h.Svc, name)
	op.Keys, op.FullName = keys, ""
	if _, err := h.Svc.AddOperator(service.SystemActor(""), op); err != nil {
		t.Fatal(err)
	}
	h.Send(common.DataChangedMsg{Event: service.AdminChanged{InComune: op.Comune}}) // what the root hands on
	return fp
}

// issue 11.14: at Amministrazione → Operatori the full name shows and is changed with
// n (checked, in Italian); the role changes only after Sì (No is the default).
func TestOperatorFullNameAndRole(t *testing.T) {
	h, k := newAdmin(t, true)
	ok := admin.NewOperatorKeys()
	h.Press(k.Operators)
	h.WantView("operators", "Nome e cognome", "admin (io)", "Laura Zennaro", "mario", "Mario Furlan",
		"n nome e cognome", "Chiavi di admin (Laura Zennaro)")
	h.Fits("operators")
	h.Press(ok.Down)
	if got := h.Page.(*admin.Model).SelectedOperator(); got != "mario" {
		t.Fatalf("selected %q", got)
	}
	h.Press(ok.FullName)
	h.WantView("full name form", "Nome e cognome di mario", "Mario Furlan", "Si stampano sulle ricevute e sui moduli al posto del nome utente.")
	h.Fits("full name form")
	h.Clear()
	h.Press(form.Input.Next)
	h.WantView("empty", "indicare nome e cognome: si stampano sulle ricevute")
	h.Type("Mario")
	h.Press(form.Input.Next)
	h.WantView("name alone", "indicare nome e cognome (es. Mario Rossi)")
	h.Clear()
	h.Type("Mario  Bortolato")
	h.Press(form.Input.Next)
	if n := h.LastNotice(); n.Text != "Operatore mario: nome e cognome Mario Bortolato." {
		t.Errorf("notice %+v", n)
	}
	if op := tuitest.Operator(t, h.Svc, "mario"); op.FullName != "Mario Bortolato" {
		t.Errorf("full name %q", op.FullName)
	}
	h.WantView("listed", "Mario Bortolato")

	h.Press(ok.Role)
	h.WantView("role asks", "Rendere mario amministratore?", "Sì, cambia ruolo", "No")
	h.Send(tuitest.Key("enter")) // No is the default
	if op := tuitest.Operator(t, h.Svc, "mario"); op.Role != domain.RoleOperatore {
		t.Fatalf("enter on the default changed the role: %s", op.Role)
	}
	if n := h.LastNotice(); n.Text != "Ruolo di mario non cambiato." {
		t.Errorf("notice %+v", n)
	}
	h.Press(ok.Role)
	h.Send(tuitest.Key("s"))
	if op := tuitest.Operator(t, h.Svc, "mario"); op.Role != domain.RoleAmministratore {
		t.Fatalf("role after Sì: %s", op.Role)
	}
	h.WantView("role listed", "mario", "amministratore")
}

// issue 11.14: a key is taken away only after Sì; one's own last key never (it would
// lock the administrator out); another operator's last key with a warning.
func TestOperatorKeyRemovalAsks(t *testing.T) {
	h, k := newAdmin(t, true)
	ok := admin.NewOperatorKeys()
	mine := addKey(t, h, "admin", "admin@sportello")
	marios := addKey(t, h, "mario", "mario@sportello")
	h.Press(k.Operators)
	h.WantView("keys", "Chiavi di admin (Laura Zennaro)", mine)

	h.Press(ok.RemoveKey)
	if n := h.LastNotice(); !strings.Contains(n.Text, "È la tua unica chiave SSH: senza non potresti più collegarti. Aggiungine prima un'altra (k).") {
		t.Errorf("own last key: notice %+v", n)
	}
	if _, found := h.Svc.Authenticate(mine); !found {
		t.Fatal("own last key removed")
	}

	// With a second key: chosen, then asked; No keeps it.
	other := addKey(t, h, "admin", "admin@casa")
	h.Press(ok.RemoveKey)
	h.WantView("choose", "Chiave da togliere", mine, other)
	h.Press(form.Select.Next)
	h.WantView("asks", "Togliere a admin la chiave "+mine+" (admin@sportello)?",
		"Se questa sessione è aperta con questa chiave, si chiude subito: ti ricolleghi con un'altra delle tue chiavi.")
	h.Fits("asks")
	h.Send(tuitest.Key("enter"))
	if _, found := h.Svc.Authenticate(mine); !found {
		t.Fatal("No removed the key")
	}
	if n := h.LastNotice(); n.Text != "Chiave di admin non tolta." {
		t.Errorf("notice %+v", n)
	}

	// mario's only key: asked, with what it means.
	h.Press(ok.Down)
	h.Press(ok.RemoveKey)
	h.WantView("last key of another", "Togliere a mario la chiave "+marios+" (mario@sportello)?",
		"È l'ultima chiave di mario: non potrà più collegarsi finché non gliene si aggiunge una (k).")
	h.Send(tuitest.Key("s"))
	if _, found := h.Svc.Authenticate(marios); found {
		t.Error("mario's key still enters")
	}
	if n := h.LastNotice(); n.Text != "Chiave "+marios+" tolta a mario." {
		t.Errorf("notice %+v", n)
	}
	h.WantView("no keys", "nessuna chiave SSH")
}
