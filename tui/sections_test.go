package tui_test

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"

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
