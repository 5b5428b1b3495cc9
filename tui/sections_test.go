package tui_test

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui"
	"vivipass/tui/common"
	"vivipass/tui/keys"
	"vivipass/tui/pages/admin"
	"vivipass/tui/pages/people"
	"vivipass/tui/tuitest"
)

// withSections is a desk with Anagrafica and Amministrazione, as cmd/vivipass wires it.
func withSections(t *testing.T, name string) *tui.Model {
	t.Helper()
	svc := tuitest.Demo(t, fixedNow)
	g := keys.NewGlobal()
	m := tui.New(tui.Options{Svc: svc, Operator: tuitest.Operator(t, svc, name), Plain: true, Sections: []tui.Section{
		{Name: "Anagrafica", Key: g.People, New: func(c *common.Context) common.Page { return people.New(c) }},
		{Name: "Amministrazione", Key: g.Admin, AdminOnly: true, New: func(c *common.Context) common.Page { return admin.New(c) }},
	}})
	t.Cleanup(m.Close)
	tuitest.Send(m, tea.WindowSizeMsg{Width: 80, Height: 24}, tuitest.Key("f1"))
	return m
}

// The scheda contrassegno's "anagrafica titolare" (OpenPersonMsg) opens Anagrafica on
// the holder; the top bar offers Amministrazione to administrators only.
func TestOpenPersonFromThePass(t *testing.T) {
	m := withSections(t, "mario")
	if s := tuitest.Screen(m); !strings.Contains(s, "F3 Anagrafica") || strings.Contains(s, "Amministrazione") {
		t.Fatalf("top bar of an operator:\n%s", s)
	}
	tuitest.Send(m, tuitest.Key("f2"))
	tuitest.Send(m, tuitest.Type("ROSSI M")...)
	tuitest.Send(m, tuitest.Key("enter"))
	mustShow(t, m, "ROSSI MARIO", "Rilascio")
	tuitest.Send(m, tuitest.Key("o"))
	mustShow(t, m, "ROSSI MARIO", "RSSMRA80A01L736U", "Contrassegni (1)", "esc elenco")
	if _, ok := m.Top().(*people.Model); !ok {
		t.Fatalf("the page on top is %T, want Anagrafica", m.Top())
	}
	// enter on the pass opens the scheda over Anagrafica; esc comes back.
	tuitest.Send(m, tuitest.Key("enter"))
	mustShow(t, m, "Rilascio", "Circuito nazionale")
	tuitest.Send(m, tuitest.Key("esc"))
	mustShow(t, m, "ROSSI MARIO", "Contrassegni (1)")

	a := withSections(t, "admin")
	tuitest.Send(a, tuitest.Key("f4"))
	mustShow(t, a, "F4 Amministrazione", "1  Import massivi")
}

// Issue #9, point 4 (M4): a role change applies at once in the open session
// (Amministrazione shows, or goes with what was open in it); removing the operator, or
// the key the session came in with, ends it with a message.
func TestSessionFollowsTheRegister(t *testing.T) {
	m := withSections(t, "mario")
	svc := m.Context().Svc
	boss := service.OperatorActor(tuitest.Operator(t, svc, "admin"))
	if err := svc.SetOperatorRole(boss, "mario", domain.RoleAmministratore); err != nil {
		t.Fatal(err)
	}
	tuitest.Send(m, tuitest.Run(m.Listen())...)
	if s := tuitest.Screen(m); !strings.Contains(s, "Amministrazione") || !strings.Contains(s, "ora sei amministratore") {
		t.Fatalf("after the promotion:\n%s", s)
	}
	tuitest.Send(m, tuitest.Key("f4"))
	if _, ok := m.Top().(*admin.Model); !ok {
		t.Fatalf("F4 opens %T", m.Top())
	}
	if err := svc.SetOperatorRole(boss, "mario", domain.RoleOperatore); err != nil {
		t.Fatal(err)
	}
	tuitest.Send(m, tuitest.Run(m.Listen())...)
	if s := tuitest.Screen(m); strings.Contains(s, "Amministrazione") || !strings.Contains(s, "[F1 Home]") {
		t.Fatalf("after the demotion:\n%s", s)
	}
	if err := svc.SetOperatorRole(boss, "admin", domain.RoleOperatore); err == nil {
		t.Error("an administrator changed their own role")
	}

	// The session's key removed: the session ends; another operator's session goes on.
	op := tuitest.Operator(t, svc, "mario")
	op.Keys = []domain.OperatorKey{{Fingerprint: "SHA256:chiave-di-mario", AuthorizedKey: "ssh-ed25519 AAAA"}}
	if _, err := svc.AddOperator(service.SystemActor("test"), op); err != nil {
		t.Fatal(err)
	}
	g := keys.NewGlobal()
	keyed := tui.New(tui.Options{Svc: svc, Operator: tuitest.Operator(t, svc, "mario"), Plain: true, KeyFingerprint: "SHA256:chiave-di-mario",
		Sections: []tui.Section{{Name: "Anagrafica", Key: g.People, New: func(c *common.Context) common.Page { return people.New(c) }}}})
	t.Cleanup(keyed.Close)
	tuitest.Send(keyed, tea.WindowSizeMsg{Width: 80, Height: 24}, tuitest.Key("f1"))
	if err := svc.RemoveOperatorKey(boss, "mario", "SHA256:chiave-di-mario"); err != nil {
		t.Fatal(err)
	}
	if !quits(keyed) || !strings.Contains(keyed.Ended(), "accesso è stato revocato") {
		t.Fatalf("the session of the removed key goes on (ended %q)", keyed.Ended())
	}
	if err := svc.RemoveOperator(boss, "mario"); err != nil {
		t.Fatal(err)
	}
	if !quits(m) || m.Ended() == "" {
		t.Fatal("the session of the removed operator goes on")
	}
}

// quits delivers the session's next events (as the program would) and reports whether
// the desk asked to quit.
func quits(m *tui.Model) bool {
	for range 3 { // an operator change publishes AdminChanged, then OperatorChanged
		queue := tuitest.Run(m.Listen())
		for round := 0; round < 8 && len(queue) > 0; round++ {
			var next []tea.Msg
			for _, msg := range queue {
				if _, ok := msg.(tea.QuitMsg); ok {
					return true
				}
				_, cmd := m.Update(msg)
				next = append(next, tuitest.Run(cmd)...)
			}
			queue = next
		}
	}
	return false
}
