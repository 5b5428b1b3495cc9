package tui_test

import (
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
	"vivipass/tui/tuitest"
)

// cutLines are the lines of a screen that end in "…": a text cut.
func cutLines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasSuffix(strings.TrimRight(l, " "), "…") {
			out = append(out, l)
		}
	}
	return out
}

// chosen is the line of the Storico with the marker of the chosen change.
func chosen(t *testing.T, s string) string {
	t.Helper()
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, "› ") {
			return l
		}
	}
	t.Fatalf("no change is chosen in the Storico:\n%s", s)
	return ""
}

// issue 11.7 (T5): in the Storico ↑/↓ choose a change and enter opens its detail: who
// (login and full name), when (weekday, date with the four-digit year, time), the
// channel in Italian, the action, and each field before → after; ←/→ go to the other
// changes; esc goes back to the list. Nothing on either screen is cut, at 80×24 and
// 120×40; the detail screens are golden.
func TestStoricoDetail(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		suffix := "-" + itoa(size.w) + "x" + itoa(size.h)
		m := session(t, svc, "mario", size.w, size.h)
		tuitest.Send(m, tuitest.Key("f2"))
		tuitest.Send(m, tuitest.Type("BIA")...)
		tuitest.Send(m, tuitest.Key("enter"))
		tuitest.Send(m, tuitest.Key("tab"), tuitest.Key("tab"))
		s := mustShow(t, m, "[Storico]", "Modifiche (2)", "invio per il dettaglio")
		if cut := cutLines(s); len(cut) > 0 {
			t.Errorf("%s: the Storico cuts %q:\n%s", suffix, cut, s)
		}
		if l := chosen(t, s); !strings.Contains(l, "mario · Sportello · duplicato") {
			t.Errorf("%s: the newest change is not chosen first: %q", suffix, l)
		}
		tuitest.Send(m, tuitest.Key("down"))
		if l := chosen(t, tuitest.Screen(m)); !strings.Contains(l, "rilascio") {
			t.Errorf("%s: ↓ did not choose the issue: %q", suffix, l)
		}
		tuitest.Send(m, tuitest.Key("down")) // the last stays chosen
		if l := chosen(t, tuitest.Screen(m)); !strings.Contains(l, "rilascio") {
			t.Errorf("%s: ↓ on the last change moved: %q", suffix, l)
		}
		tuitest.Send(m, tuitest.Key("up"))
		tuitest.Send(m, tuitest.Key("enter"))
		s = mustShow(t, m, "Modifica 2 di 2 dello storico di L736_2026_00002",
			"Chi          mario (Mario Furlan)",
			"Quando       giovedì 26/11/2026 alle 10:00:00",
			"Canale       Sportello",
			"Operazione   duplicato",
			"Descrizione  emesso per furto con lo stesso numero L736_2026_00002",
			"Cosa è cambiato",
			"Duplicato: no → sì, per furto",
			"Data di rilascio: 22/06/2026 → 26/11/2026",
			"Denuncia: – → n. 417/2026 del 24/11/2026")
		if cut := cutLines(s); len(cut) > 0 {
			t.Errorf("%s: the detail cuts %q:\n%s", suffix, cut, s)
		}
		tuitest.Golden(t, "storico-dettaglio"+suffix, s)
		tuitest.Send(m, tuitest.Key("right"))
		s = mustShow(t, m, "Modifica 1 di 2", "Operazione   rilascio", "Numero: – → L736_2026_00002",
			"Scadenza: – → 22/06/2031", "Titolare: – → BIANCHI GIOVANNA (BNCGNN75L63L736M)")
		if cut := cutLines(s); len(cut) > 0 {
			t.Errorf("%s: the detail of the issue cuts %q:\n%s", suffix, cut, s)
		}
		tuitest.Send(m, tuitest.Key("left"))
		mustShow(t, m, "Modifica 2 di 2", "Operazione   duplicato")
		tuitest.Send(m, tuitest.Key("esc"))
		s = mustShow(t, m, "[Storico]", "Modifiche (2)", "BIANCHI GIOVANNA")
		if l := chosen(t, s); !strings.Contains(l, "duplicato") {
			t.Errorf("%s: back from the detail, the change chosen is %q", suffix, l)
		}
	}
}

// issue 11.7: no line of the Storico, nor of the detail of any change, ends in "…",
// for every pass of the demo (Venezia's and Padova's), at 80×24 and 120×40.
func TestStoricoNeverCut(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	for _, name := range []string{"mario", "giulia"} {
		actor := service.OperatorActor(tuitest.Operator(t, svc, name))
		res, err := svc.Search(actor, service.Query{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Rows) < 3 {
			t.Fatalf("%s sees %d passes in the demo", name, len(res.Rows))
		}
		for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
			for _, row := range res.Rows {
				what := name + " " + row.Number + " " + itoa(size.w) + "x" + itoa(size.h)
				m := session(t, svc, name, size.w, size.h)
				tuitest.Send(m, tuitest.Key("f2"))
				tuitest.Send(m, tuitest.Type(row.Number)...)
				tuitest.Send(m, tuitest.Key("enter"))
				tuitest.Send(m, tuitest.Key("tab"), tuitest.Key("tab"))
				s := mustShow(t, m, row.Number, "[Storico]", "Modifiche (")
				if cut := cutLines(s); len(cut) > 0 {
					t.Errorf("%s: the Storico cuts %q:\n%s", what, cut, s)
				}
				v, err := svc.GetPass(actor, row.ID)
				if err != nil {
					t.Fatal(err)
				}
				for i := range v.History {
					tuitest.Send(m, tuitest.Key("enter"))
					s := mustShow(t, m, "Chi ", "Quando ", "Cosa è cambiato")
					if cut := cutLines(s); len(cut) > 0 {
						t.Errorf("%s, change %d: the detail cuts %q:\n%s", what, i+1, cut, s)
					}
					tuitest.Send(m, tuitest.Key("esc"), tuitest.Key("down"))
					mustShow(t, m, "[Storico]")
				}
			}
		}
	}
}

// issue 11.7: a change another session makes while the operator reads the Storico
// comes first in the list without moving the choice: enter opens the change chosen.
func TestStoricoChoiceStaysOnReload(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	tuitest.Send(m, tuitest.Type("BIA")...)
	tuitest.Send(m, tuitest.Key("enter"))
	tuitest.Send(m, tuitest.Key("tab"), tuitest.Key("tab"), tuitest.Key("down"))
	if l := chosen(t, mustShow(t, m, "Modifiche (2)")); !strings.Contains(l, "rilascio") {
		t.Fatalf("↓ chose %q", l)
	}
	admin := service.OperatorActor(tuitest.Operator(t, svc, "admin"))
	res, err := svc.Search(admin, service.Query{Text: "BIANCHI GIOVANNA"})
	if err != nil || len(res.Rows) != 1 {
		t.Fatalf("search: %v %+v", err, res.Rows)
	}
	note := "telefonato il 26/11/2026"
	if _, err := svc.EditPass(admin, service.Change{PassID: res.Rows[0].ID}, service.PassEdit{Note: &note}); err != nil {
		t.Fatal(err)
	}
	tuitest.Send(m, tuitest.Run(m.Listen())...)
	s := mustShow(t, m, "Modifiche (3)", "admin · Sportello · modifica")
	if l := chosen(t, s); !strings.Contains(l, "rilascio") {
		t.Errorf("after another session's change the choice moved to %q:\n%s", l, s)
	}
	tuitest.Send(m, tuitest.Key("enter"))
	mustShow(t, m, "Modifica 1 di 3", "Operazione   rilascio")
	tuitest.Send(m, tuitest.Key("right"), tuitest.Key("left"), tuitest.Key("left"))
	mustShow(t, m, "Modifica 3 di 3", "Chi          admin (Laura Zennaro)", "Operazione   modifica",
		"Descrizione  aggiornati: note", "Note: – → telefonato il 26/11/2026")
}

// issue 11.7: a long history scrolls with the choice: at 80×24 every change chosen with
// ↓ is on the screen with what it says, down to the first one (the issue).
func TestStoricoScrollsToTheChoice(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	mario := service.OperatorActor(tuitest.Operator(t, svc, "mario"))
	res, err := svc.Search(mario, service.Query{Text: "BIANCHI GIOVANNA"})
	if err != nil || len(res.Rows) != 1 {
		t.Fatalf("search: %v %+v", err, res.Rows)
	}
	for i := range 12 {
		note := "nota numero " + itoa(i+1) + ", scritta per allungare lo storico oltre la pagina"
		if _, err := svc.EditPass(mario, service.Change{PassID: res.Rows[0].ID}, service.PassEdit{Note: &note}); err != nil {
			t.Fatal(err)
		}
	}
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	tuitest.Send(m, tuitest.Type("BIA")...)
	tuitest.Send(m, tuitest.Key("enter"))
	tuitest.Send(m, tuitest.Key("tab"), tuitest.Key("tab"))
	s := mustShow(t, m, "Versioni (2)", "Modifiche (14)")
	for i := 0; i < 14; i++ {
		l := chosen(t, s)
		switch {
		case i < 12 && !strings.Contains(l, "modifica"), i == 12 && !strings.Contains(l, "duplicato"), i == 13 && !strings.Contains(l, "rilascio"):
			t.Fatalf("after %d ↓ the change chosen is %q:\n%s", i, l, s)
		}
		lines := strings.Split(s, "\n")
		for j, x := range lines {
			if x == l && (j+1 >= len(lines)-2 || !strings.HasPrefix(lines[j+1], "    ")) {
				t.Errorf("after %d ↓ the chosen change's text is not on the screen:\n%s", i, s)
			}
		}
		if cut := cutLines(s); len(cut) > 0 {
			t.Errorf("after %d ↓ the Storico cuts %q", i, cut)
		}
		tuitest.Send(m, tuitest.Key("down"))
		s = tuitest.Screen(m)
	}
	tuitest.Send(m, tuitest.Key("enter"))
	mustShow(t, m, "Modifica 1 di 14", "Operazione   rilascio")
	tuitest.Send(m, tuitest.Key("esc"))
	for range 13 {
		tuitest.Send(m, tuitest.Key("up"))
	}
	s = mustShow(t, m, "Versioni (2)", "Modifiche (14)")
	if l := chosen(t, s); !strings.Contains(l, "modifica") {
		t.Errorf("back at the top the change chosen is %q", l)
	}
	tuitest.Send(m, tuitest.Key("enter"))
	mustShow(t, m, "Modifica 14 di 14", "  Note\n", "    prima: nota numero 11, scritta", "    dopo:  nota numero 12, scritta")
}

// issue 11.7: a change recorded before the history kept the fields (Detail only) still
// opens, with its text and a word on why no field is listed.
func TestStoricoOldEntry(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	mario := service.OperatorActor(tuitest.Operator(t, svc, "mario"))
	res, err := svc.Search(mario, service.Query{Text: "BIANCHI GIOVANNA"})
	if err != nil || len(res.Rows) != 1 {
		t.Fatalf("search: %v %+v", err, res.Rows)
	}
	v, err := svc.GetPass(mario, res.Rows[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.DB().Update(func(tx *store.Tx) error {
		_, err := tx.Audit(store.AuditEntry{At: fixedNow, Operator: "mario", Comune: "L736", Channel: domain.Sportello,
			Action: "rinnovo", Subject: "contrassegno " + v.Pass.Number, Lineage: v.Pass.Lineage,
			Detail: "rinnovo: validità dal 22/06/2026 al 22/06/2031 (prima fino al 21/06/2026)"})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	tuitest.Send(m, tuitest.Type("BIA")...)
	tuitest.Send(m, tuitest.Key("enter"))
	tuitest.Send(m, tuitest.Key("tab"), tuitest.Key("tab"))
	mustShow(t, m, "Modifiche (3)", "› 26/11/2026 10:00  mario · Sportello · rinnovo")
	tuitest.Send(m, tuitest.Key("enter"))
	mustShow(t, m, "Modifica 3 di 3", "Operazione   rinnovo", "validità dal 22/06/2026 al 22/06/2031",
		"Cosa è cambiato", "registrata prima che lo storico annotasse i singoli", "vale la descrizione")
}
