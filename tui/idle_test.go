package tui_test

import (
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"vivipass/tui"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
	"vivipass/tui/forms"
	"vivipass/tui/keys"
	"vivipass/tui/pages/admin"
	"vivipass/tui/pages/people"
	"vivipass/tui/tuitest"
)

// desk is a session as cmd/vivipass wires it: every section, every form, 80×24.
func desk(t *testing.T, name string) *tui.Model {
	t.Helper()
	svc := tuitest.Demo(t, fixedNow)
	g := keys.NewGlobal()
	m := tui.New(tui.Options{Svc: svc, Operator: tuitest.Operator(t, svc, name), Plain: true, Files: tuitest.Files(t), Forms: forms.PassForms(), Sections: []tui.Section{
		{Name: "Anagrafica", Key: g.People, New: func(c *common.Context) common.Page { return people.New(c) }},
		{Name: "Amministrazione", Key: g.Admin, AdminOnly: true, New: func(c *common.Context) common.Page { return admin.New(c) }},
	}})
	t.Cleanup(m.Close)
	tuitest.Send(m, tea.WindowSizeMsg{Width: 80, Height: 24}, tuitest.Key("f1"))
	return m
}

// Issue 3: no redraws on a timer when nothing changes. On every page with a text
// field, the field focused and a key just typed, no command sends a message while no
// key is pressed: no blinking cursor (bubbles' textinput and huh's fields blink by
// default, a message every 530 ms), no spinner, no clock. The desk started as the
// program starts it (Init: Home and the wait for the register's events) is idle too.
func TestIdleDeskSendsNothing(t *testing.T) {
	const wait = 1500 * time.Millisecond
	t.Run("start", func(t *testing.T) {
		svc := tuitest.Demo(t, fixedNow)
		m := tui.New(tui.Options{Svc: svc, Operator: tuitest.Operator(t, svc, "admin"), Plain: true})
		t.Cleanup(m.Close)
		if late := tuitest.Idle(m, m.Init(), wait, tea.WindowSizeMsg{Width: 80, Height: 24}); len(late) > 0 {
			t.Errorf("the desk just started sent %d messages while idle: %#v", len(late), late)
		}
		mustShow(t, m, "Bacheca informativa")
	})
	cases := []struct {
		name  string
		keys  []string // to the page, the field focused
		typed string   // pressed last (it moves the cursor), then nothing
		shows string
	}{
		{"contrassegni", []string{"f2"}, "R", "Cerca: R"},
		{"anagrafica", []string{"f3"}, "R", "Cerca: R"},
		{"nuovo rilascio", []string{"f2", "ctrl+n"}, "R", "Codice fiscale"},
		{"rinnovo", []string{"f2", "B", "I", "A", "enter", "r", "enter"}, "backspace", "Data di rilascio"},
		{"nuova persona", []string{"f3", "ctrl+n"}, "R", "Nuova persona"},
		{"import", []string{"f4", "1"}, "down", "La cartella import/ è vuota"},
		{"nuovo operatore", []string{"f4", "2", "a"}, "x", "Nome utente SSH"},
		{"nuovo avviso", []string{"f4", "4", "a", "T", "enter"}, "x", "Testo"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			m := desk(t, "admin")
			for _, k := range c.keys {
				tuitest.Send(m, tuitest.Key(k))
			}
			late := tuitest.Idle(m, nil, wait, tuitest.Key(c.typed))
			for _, msg := range late {
				what := "a message"
				if formkit.IsBlink(msg) {
					what = "a cursor blink"
				}
				t.Errorf("%s while idle: %#v", what, msg)
			}
			mustShow(t, m, c.shows)
		})
	}
}
