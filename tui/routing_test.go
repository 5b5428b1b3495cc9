package tui_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/tui"
	"vivipass/tui/tuitest"
)

// startSave presses keys (the last one completes a form) and stops when the form says
// it is saving: it returns the commands of that moment (the call to the service among
// them) without running them.
func startSave(t *testing.T, m *tui.Model, keys ...string) tea.Cmd {
	t.Helper()
	for _, k := range keys[:len(keys)-1] {
		tuitest.Send(m, tuitest.Key(k))
	}
	_, cmd := m.Update(tuitest.Key(keys[len(keys)-1]))
	if strings.Contains(tuitest.Screen(m), "Salvataggio in corso") {
		return cmd // the last enter completed the form at once (the form kit settles moves)
	}
	for round := 0; round < 8; round++ {
		var cmds []tea.Cmd
		for _, msg := range tuitest.Run(cmd) {
			_, c := m.Update(msg)
			cmds = append(cmds, c)
		}
		cmd = tea.Batch(cmds...)
		if strings.Contains(tuitest.Screen(m), "Salvataggio in corso") {
			return cmd
		}
	}
	t.Fatalf("the form is not saving:\n%s", tuitest.Screen(m))
	return nil
}

// A save started in a form whose section was then left (F-key) reaches its form: the
// notice shows on the section on screen, the form closes on its own section, nothing
// is lost. (The root delivered every message to the page on top: the answer went to
// the section shown, which ignored it.)
func TestSaveAnswerReachesItsFormInAnotherSection(t *testing.T) {
	m := desk(t, "mario")
	tuitest.Send(m, tuitest.Key("enter")) // Home: the expiring pass
	mustShow(t, m, "BORTOLOTTO RENATO", "in scadenza")
	save := startSave(t, m, "r", "enter", "enter", "enter", "enter", "enter")
	tuitest.Send(m, tuitest.Key("f3"))
	mustShow(t, m, "[F3 Anagrafica]", "Cerca:")
	tuitest.Send(m, tuitest.Run(save)...)
	s := mustShow(t, m, "[F3 Anagrafica]", "Cerca:", "rinnovato: valido dal")
	if strings.Contains(s, "Errore") {
		t.Fatalf("an error shows:\n%s", s)
	}
	// Home: the form closed; the scheda under it follows the register's event to the
	// renewed pass.
	tuitest.Send(m, tuitest.Run(m.Listen())...)
	tuitest.Send(m, tuitest.Key("f1"))
	s = mustShow(t, m, "[F1 Home]", "BORTOLOTTO RENATO", "attivo")
	if strings.Contains(s, "Salvataggio") || strings.Contains(s, "Nuova scadenza") || strings.Contains(s, "in scadenza") {
		t.Fatalf("the form is still open, or the pass not renewed:\n%s", s)
	}
}

// The same for a form drawn inside a page (Anagrafica): the person is saved, the notice
// shows where the operator is, and Anagrafica shows the scheda of the person saved.
func TestSaveAnswerReachesAnagraficaFromAnotherSection(t *testing.T) {
	m := desk(t, "mario")
	born := domain.MustDate(1960, time.March, 12)
	cf, err := domain.ComputeCF("VERDI", "CARLA", 'F', born, "L407")
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"f3", "ctrl+n"}
	for _, field := range []string{"Verdi", "Carla", "", "12/03/1960", "Treviso", cf, "", "", "", "", "", ""} { // 12 fields, one enter each
		for _, r := range field {
			keys = append(keys, string(r))
		}
		keys = append(keys, "enter")
	}
	save := startSave(t, m, keys...)
	tuitest.Send(m, tuitest.Key("f2"))
	tuitest.Send(m, tuitest.Run(save)...)
	mustShow(t, m, "[F2 Contrassegni]", "Anagrafica di VERDI CARLA salvata.")
	tuitest.Send(m, tuitest.Key("f3"))
	mustShow(t, m, "[F3 Anagrafica]", "VERDI CARLA", cf, "Contrassegni (0)")
}

// F1–F4 never drop a form: the section left keeps it with what was typed, and shows it
// again when its key is pressed; the key of the section on screen does not close it
// either (it says so). esc closes it, and then the key goes back to the list.
func TestSectionKeysKeepTheForm(t *testing.T) {
	m := desk(t, "mario")
	tuitest.Send(m, tuitest.Key("f2"), tuitest.Key("ctrl+n"))
	tuitest.Send(m, tuitest.Type("RSSMR")...)
	mustShow(t, m, "Nuovo rilascio", "RSSMR")
	tuitest.Send(m, tuitest.Key("f1"))
	mustShow(t, m, "[F1 Home]", "Bacheca informativa")
	tuitest.Send(m, tuitest.Key("f3"))
	mustShow(t, m, "[F3 Anagrafica]")
	tuitest.Send(m, tuitest.Key("f2"))
	mustShow(t, m, "[F2 Contrassegni]", "Nuovo rilascio", "RSSMR")
	tuitest.Send(m, tuitest.Type("A80")...)
	mustShow(t, m, "RSSMRA80")
	tuitest.Send(m, tuitest.Key("f2"))
	mustShow(t, m, "Nuovo rilascio", "RSSMRA80", "C'è un modulo aperto")
	tuitest.Send(m, tuitest.Key("esc")) // what was typed would be lost: it asks (issue 11.4)
	mustShow(t, m, "Nuovo rilascio", "RSSMRA80", "Uscire senza salvare?")
	tuitest.Send(m, tuitest.Key("s"))
	s := mustShow(t, m, "[F2 Contrassegni]", "Cerca:")
	if strings.Contains(s, "Nuovo rilascio") {
		t.Fatalf("esc did not close the form:\n%s", s)
	}

	// A scheda is not a form: the key of its section goes back to the list.
	tuitest.Send(m, tuitest.Type("BIA")...)
	tuitest.Send(m, tuitest.Key("enter"))
	mustShow(t, m, "BIANCHI GIOVANNA", "[DUPLICATO]")
	tuitest.Send(m, tuitest.Key("f1"), tuitest.Key("f2"))
	mustShow(t, m, "BIANCHI GIOVANNA", "[DUPLICATO]") // kept while away
	tuitest.Send(m, tuitest.Key("f2"))
	mustShow(t, m, "Cerca:", "1 trovato")
}
