package tui_test

import (
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/tui"
	"vivipass/tui/forms"
	"vivipass/tui/tuitest"
)

// issue 11.13: a duplicate after a theft, from the pass card at 80×24: the police
// report is typed in its own step and the card then shows it whole, wrapped (a long
// authority is never cut).
func TestDuplicateTheftReportOnTheCard(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := tui.New(tui.Options{Svc: svc, Operator: tuitest.Operator(t, svc, "mario"), Plain: true, Forms: forms.PassForms()})
	t.Cleanup(m.Close)
	tuitest.Send(m, tea.WindowSizeMsg{Width: 80, Height: 24}, tuitest.Key("f1"), tuitest.Key("f2"))
	tuitest.Send(m, tuitest.Type("ZANON")...)
	tuitest.Send(m, tuitest.Key("enter"))
	mustShow(t, m, "ZANON NICOLÒ", "[Dati]")
	tuitest.Send(m, tuitest.Key("d"))
	mustShow(t, m, "Duplicato ·", "> smarrimento (serve la denuncia)")
	tuitest.Send(m, tuitest.Key("down"), tuitest.Key("enter"), tuitest.Key("enter"))
	mustShow(t, m, "Denuncia", "Numero della denuncia", "Per furto serve la denuncia")
	authority := "Polizia di Stato – Commissariato di Pubblica Sicurezza di Venezia Mestre"
	for _, field := range []string{"88/2026", "25/11/2026", authority} {
		tuitest.Send(m, tuitest.Type(field)...)
		tuitest.Send(m, tuitest.Key("enter"))
	}
	tuitest.Send(m, tuitest.Run(m.Listen())...) // the change, as every session gets it: the card follows
	s := mustShow(t, m, "[DUPLICATO]", "Duplicato          sì, per furto", "Denuncia           n. 88/2026 del 25/11/2026, Polizia di Stato –")
	flat := strings.Join(strings.Fields(s), " ")
	if !strings.Contains(flat, "Polizia di Stato – Commissariato di Pubblica Sicurezza di Venezia Mestre") {
		t.Errorf("the authority is cut on the card:\n%s", s)
	}
	for i, l := range strings.Split(s, "\n") {
		if w := ansi.StringWidth(l); w > 80 || strings.Contains(l, "…") && strings.Contains(l, "Commissariato") {
			t.Errorf("line %d: %q", i+1, l)
		}
	}
}
