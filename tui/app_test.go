package tui_test

import (
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
	"vivipass/tui"
	"vivipass/tui/common"
	"vivipass/tui/tuitest"
)

// fixedNow keeps the demo data, and so the golden screens, the same every day.
var fixedNow = time.Date(2026, 11, 26, 10, 0, 0, 0, domain.Rome)

// session opens a desk at w×h on Home. It does not start listening to events (the
// waiting command would swallow them): tests that need them call Listen.
func session(t *testing.T, svc *service.Service, name string, w, h int) *tui.Model {
	t.Helper()
	m := tui.New(tui.Options{Svc: svc, Operator: tuitest.Operator(t, svc, name), Plain: true})
	t.Cleanup(m.Close)
	tuitest.Send(m, tea.WindowSizeMsg{Width: w, Height: h}, tuitest.Key("f1"))
	return m
}

func mustShow(t *testing.T, m tea.Model, texts ...string) string {
	t.Helper()
	s := tuitest.Screen(m)
	for _, x := range texts {
		if !strings.Contains(s, x) {
			t.Fatalf("the screen does not show %q:\n%s", x, s)
		}
	}
	return s
}

func TestGoldenScreens(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	for _, size := range []struct{ w, h int }{{80, 24}, {120, 40}} {
		m := session(t, svc, "mario", size.w, size.h)
		suffix := "-" + itoa(size.w) + "x" + itoa(size.h)
		tuitest.Golden(t, "home"+suffix, mustShow(t, m, "Bacheca informativa", "In scadenza entro 60 giorni"))
		tuitest.Send(m, tuitest.Key("f2"))
		tuitest.Golden(t, "contrassegni"+suffix, mustShow(t, m, "Cerca:", "ZANON NICOLÒ"))
		tuitest.Send(m, tuitest.Type("BIA")...)
		tuitest.Send(m, tuitest.Key("enter"))
		tuitest.Golden(t, "scheda"+suffix, mustShow(t, m, "BIANCHI GIOVANNA", "[DUPLICATO]"))
		tuitest.Send(m, tuitest.Key("tab"))
		tuitest.Golden(t, "scheda-targhe"+suffix, mustShow(t, m, "FG456HJ"))
		tuitest.Send(m, tuitest.Key("tab"))
		tuitest.Golden(t, "scheda-storico"+suffix, mustShow(t, m, "Versioni (2)", "duplicato"))
	}
}

func itoa(n int) string {
	return strings.TrimSpace(strings.Replace(time.Duration(n).String(), "ns", "", 1))
}

// Every screen works at 80×24; below it the size needed is said, wrapped and whole,
// and keys do nothing out of sight (issue 11.5: at 70×20 s opened a suspension form).
func TestTooSmall(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 79, 24)
	s := tuitest.Screen(m)
	flat := strings.Join(strings.Fields(s), " ")
	if !strings.Contains(flat, "servono almeno 80×24 (ora 79×24)") || !strings.Contains(flat, "ctrl+c esce") {
		t.Fatalf("79×24: %q", s)
	}
	for _, l := range strings.Split(s, "\n") {
		if ansi.StringWidth(l) > 79 {
			t.Errorf("line wider than the window: %q", l)
		}
	}
	tuitest.Send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	tuitest.Send(m, tuitest.Key("f2"))
	tuitest.Send(m, tuitest.Key("enter")) // the first pass's card
	mustShow(t, m, "[Dati]")
	tuitest.Send(m, tea.WindowSizeMsg{Width: 70, Height: 20})
	tuitest.Send(m, tuitest.Key("s"), tuitest.Key("v"), tuitest.Key("esc"), tuitest.Key("f1"))
	mustShow(t, m, "(ora 70×20)")
	tuitest.Send(m, tea.WindowSizeMsg{Width: 80, Height: 23})
	mustShow(t, m, "servono almeno 80×24 (ora 80×23)")
	tuitest.Send(m, tea.WindowSizeMsg{Width: 80, Height: 24})
	s = mustShow(t, m, "[F2 Contrassegni]", "[Dati]")
	if strings.Contains(s, "Sospensione") || strings.Contains(s, "Revoca") {
		t.Fatalf("keys pressed while the window was too small acted:\n%s", s)
	}
	if strings.Count(s, "\n") != 23 {
		t.Fatalf("80×24 draws %d lines", strings.Count(s, "\n")+1)
	}
}

// P10: the table follows the text while it is typed.
func TestSearchWhileTyping(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	mustShow(t, m, "ROSSI MARIO", "BIANCHI GIOVANNA")
	tuitest.Send(m, tuitest.Type("RSSMRA")...)
	s := mustShow(t, m, "ROSSI MARIO", "1 trovato")
	if strings.Contains(s, "BIANCHI") {
		t.Fatalf("search by codice fiscale prefix still lists others:\n%s", s)
	}
	for range 6 {
		tuitest.Send(m, tuitest.Key("backspace"))
	}
	tuitest.Send(m, tuitest.Type("AB123")...) // a plate
	mustShow(t, m, "ROSSI MARIO", "1 trovato")
	// A Padova holder never shows to a Venezia operator.
	for range 5 {
		tuitest.Send(m, tuitest.Key("backspace"))
	}
	tuitest.Send(m, tuitest.Type("CARRARO")...)
	mustShow(t, m, "0 trovati", "Nessun contrassegno")
}

// Filters cycle with their keys; F5 on "attivo" hides the suspended pass.
func TestFilters(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"), tuitest.Key("f5"))
	s := mustShow(t, m, "stato: attivo")
	if strings.Contains(s, "sospeso ") || strings.Contains(s, "revocato") {
		t.Fatalf("stato attivo lists others:\n%s", s)
	}
	tuitest.Send(m, tuitest.Key("f5"), tuitest.Key("f5"), tuitest.Key("f5")) // in scadenza, scaduto, sospeso
	mustShow(t, m, "stato: sospeso", "SCARPA ANNA", "1 trovato")
}

// A change by another operator reaches this session with no key pressed.
func TestOtherSessionsChange(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	if strings.Contains(tuitest.Screen(m), "NUOVO TITOLARE") {
		t.Fatal("already there")
	}
	admin := service.OperatorActor(tuitest.Operator(t, svc, "admin"))
	birth := domain.MustDate(1960, time.March, 3)
	cf, err := domain.ComputeCF("NUOVO", "TITOLARE", 'M', birth, "L736")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.IssuePass(admin, service.IssueRequest{Person: domain.Person{CodiceFiscale: cf, Cognome: "NUOVO", Nome: "TITOLARE",
		Sesso: "M", DataNascita: birth, LuogoNascita: "L736"}, Pass: domain.IssueInput{Kind: domain.Permanente}}); err != nil {
		t.Fatal(err)
	}
	tuitest.Send(m, tuitest.Run(m.Listen())...)
	mustShow(t, m, "NUOVO TITOLARE")
}

// Help: ? shows every binding of the page, any key closes it; esc goes back.
func TestHelpAndBack(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("?"))
	mustShow(t, m, "Tasti di Home", "leggi bacheca", "esci")
	tuitest.Send(m, tuitest.Key("x"))
	mustShow(t, m, "Bacheca informativa")
	tuitest.Send(m, tuitest.Key("enter")) // opens the expiring pass
	mustShow(t, m, "BORTOLOTTO RENATO", "esc indietro")
	tuitest.Send(m, tuitest.Key("esc"))
	mustShow(t, m, "Bacheca informativa")
	tuitest.Send(m, tuitest.Key("b"))
	mustShow(t, m, "Sportello del giovedì", "dalle 14:30")
}

// The Contrassegni table takes every line under the search and the filters: with more
// passes than fit at 80×24, the last line of the page is a pass, not a blank line.
func TestContrassegniFillsThePage(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	admin := service.OperatorActor(tuitest.Operator(t, svc, "admin"))
	for i := range 6 {
		birth := domain.MustDate(1950+i, time.April, 2)
		name := "ZZRIEMPI" + string(rune('A'+i))
		cf, err := domain.ComputeCF(name, "TABELLA", 'F', birth, "L736")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.IssuePass(admin, service.IssueRequest{Person: domain.Person{CodiceFiscale: cf, Cognome: name, Nome: "TABELLA",
			Sesso: "F", DataNascita: birth, LuogoNascita: "L736"}, Pass: domain.IssueInput{Kind: domain.Permanente}}); err != nil {
			t.Fatal(err)
		}
	}
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	lines := strings.Split(mustShow(t, m, "22 trovati"), "\n")
	// top bar, search, filters, table header, rows…, status line, help line
	if last := lines[len(lines)-3]; !strings.Contains(last, "L736_") {
		t.Fatalf("the last line of the page is %q, want a pass:\n%s", last, strings.Join(lines, "\n"))
	}
}

// The table asks the search for a page of rows per keystroke and fetches more as the
// cursor nears the end (typing stays fast on a comune with thousands of passes).
func TestPassesFetchMoreOnScroll(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	admin := service.OperatorActor(tuitest.Operator(t, svc, "admin"))
	for i := range 70 {
		birth := domain.MustDate(1940+i%50, time.Month(1+i%12), 1+i%28)
		name := "TITOLARE" + string(rune('A'+i%26)) + string(rune('A'+i/26))
		cf, err := domain.ComputeCF("ZZTEST", name, 'M', birth, "L736")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := svc.IssuePass(admin, service.IssueRequest{Person: domain.Person{CodiceFiscale: cf, Cognome: "ZZTEST", Nome: name,
			Sesso: "M", DataNascita: birth, LuogoNascita: "L736"}, Pass: domain.IssueInput{Kind: domain.Permanente}}); err != nil {
			t.Fatal(err)
		}
	}
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	mustShow(t, m, "60+ trovati")
	tuitest.Send(m, tuitest.Key("tab")) // to the table
	for range 4 {
		tuitest.Send(m, tea.KeyPressMsg{Code: tea.KeyPgDown})
	}
	mustShow(t, m, "86 trovati") // 16 of the demo (Venezia) + 70
}

// Issue 11.1: a search typed in one burst and enter (a paste, a barcode reader) opens
// the first row of what was typed, never a row of the list on screen before; the same
// on Anagrafica.
func TestEnterActsOnWhatWasTyped(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	for _, text := range []string{"sartori", "pavan", "sart", "RSSMRA"} {
		m := session(t, svc, "mario", 80, 24)
		tuitest.Send(m, tuitest.Key("f2"))
		first := strings.Fields(strings.Split(mustShow(t, m, "Cerca:"), "\n")[4])
		msgs := append(tuitest.Type(text), tuitest.Key("enter"))
		tuitest.Burst(m, msgs...)
		s := tuitest.Screen(m)
		if strings.Contains(s, "Cerca:") {
			t.Fatalf("%q + enter opened nothing:\n%s", text, s)
		}
		want := map[string]string{"sartori": "SARTORI", "pavan": "PAVAN", "sart": "SARTORI", "RSSMRA": "ROSSI MARIO"}[text]
		if !strings.Contains(s, want) {
			t.Errorf("%q + enter: the card is not %s's (first row before the search: %v):\n%s", text, want, first, s)
		}
	}
	// Keys typed after the enter do not change what it opens.
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	tuitest.Burst(m, append(append(tuitest.Type("pavan"), tuitest.Key("enter")), tuitest.Type("zz")...)...)
	if s := tuitest.Screen(m); !strings.Contains(s, "PAVAN ROSA") || strings.Contains(s, "Cerca:") {
		t.Errorf("pavan, enter, zz did not open PAVAN's card:\n%s", s)
	}
	m = withSections(t, "mario")
	tuitest.Send(m, tuitest.Key("f3"))
	tuitest.Burst(m, append(tuitest.Type("pavan"), tuitest.Key("enter"))...)
	mustShow(t, m, "PAVAN", "esc elenco")
	if s := tuitest.Screen(m); strings.Contains(s, "BERTO") {
		t.Errorf("Anagrafica: pavan + enter shows BERTO:\n%s", s)
	}
}

// Issue 11.2: letters typed while the list has the focus go to the search box, and
// the enter that follows opens what they found, not the row selected before.
func TestLettersOnTheListSearch(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"), tuitest.Key("tab"), tuitest.Key("down")) // the list has the focus, second row
	tuitest.Send(m, tuitest.Type("pavan")...)
	mustShow(t, m, "Cerca: pavan", "PAVAN")
	tuitest.Send(m, tuitest.Key("enter"))
	s := tuitest.Screen(m)
	if !strings.Contains(s, "PAVAN") || strings.Contains(s, "Cerca:") {
		t.Fatalf("enter after typing on the list did not open PAVAN's card:\n%s", s)
	}
}

// Issue 11.8 and 11.9: a long message on the status line wraps (up to three lines taken
// from the page) and is never cut; an error goes on in lower case after "Errore:".
func TestStatusWraps(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 80, 24)
	long := "Lettura della casella non riuscita: connessione a 127.0.0.1:993 non riuscita: connessione rifiutata, il servizio non è in ascolto: controllare che sia avviato e l'indirizzo nelle impostazioni"
	tuitest.Send(m, common.NoticeMsg{Text: long, Error: true})
	s := tuitest.Screen(m)
	flat := strings.Join(strings.Fields(s), " ")
	if !strings.Contains(flat, "Errore: lettura della casella non riuscita") || !strings.Contains(flat, "l'indirizzo nelle impostazioni") {
		t.Errorf("the message is not whole:\n%s", s)
	}
	if n := strings.Count(s, "\n") + 1; n != 24 {
		t.Errorf("%d lines, want 24", n)
	}
	for _, l := range strings.Split(s, "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("line of %d cells: %q", ansi.StringWidth(l), l)
		}
	}
	tuitest.Send(m, tuitest.Key("f2")) // the next key clears it
	if s := tuitest.Screen(m); strings.Contains(s, "Errore:") {
		t.Errorf("the message stayed:\n%s", s)
	}
}

// Issue 11.12 at the desk: "ros" lists DE ROSSI, an expiry range typed in the box is
// the filter the line shows (whole, within 80 columns), and ? is typed, not help.
func TestSearchBoxAsTheCounterTypes(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	tuitest.Send(m, tuitest.Type("ros")...)
	mustShow(t, m, "DE ROSSI PAOLO", "ROSSI MARIO")
	tuitest.Send(m, tuitest.Key("ctrl+u"))
	tuitest.Send(m, tuitest.Type("01/01/2027-31/12/2027")...)
	s := mustShow(t, m, "scad.: 01/01/2027–31/12/2027", "MARCON ALBERTO")
	for _, l := range strings.Split(s, "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("line of %d cells: %q", ansi.StringWidth(l), l)
		}
	}
	tuitest.Send(m, tuitest.Key("ctrl+u"))
	tuitest.Send(m, tuitest.Type("ros?")...)
	mustShow(t, m, "Cerca: ros?")
	if strings.Contains(tuitest.Screen(m), "Tasti di") {
		t.Error("? in the search box opened the help")
	}
}

// Issue 11.8: the help of the pass card, the longest, fits 80×24: its groups go on
// below when they do not fit side by side, every key whole.
func TestHelpOverlayFits(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	tuitest.Send(m, tuitest.Key("enter"))
	tuitest.Send(m, tuitest.Key("?"))
	s := mustShow(t, m, "Tasti di", "annulla ultima operazione", "v revoca", "ctrl+c esci", tui.ManualHint)
	for i, l := range strings.Split(s, "\n") {
		if ansi.StringWidth(l) > 80 {
			t.Errorf("line %d is %d cells wide: %q", i+1, ansi.StringWidth(l), l)
		}
	}
}

// Issue 12.10: a name holding an escape sequence, written before the input checks,
// never reaches the terminal raw: the list and the card show "�".
func TestControlCharactersOfOldDataShown(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	res, err := svc.Search(service.SystemActor("test"), service.Query{Text: "ZANON"})
	if err != nil || len(res.Rows) != 1 {
		t.Fatalf("ZANON: %+v, %v", res.Rows, err)
	}
	if err := svc.DB().Update(func(tx *store.Tx) error {
		p, err := tx.Pass(res.Rows[0].ID)
		if err != nil {
			return err
		}
		h, err := tx.Person(p.PersonID)
		if err != nil {
			return err
		}
		h.Cognome = "ZANON\x1b[2J\x9b31m"
		return tx.PutPerson(&h)
	}); err != nil {
		t.Fatal(err)
	}
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"))
	tuitest.Send(m, tuitest.Type("zanon")...)
	tuitest.Send(m, tuitest.Key("enter"))
	s := m.View().Content
	if strings.ContainsRune(s, '\u009b') || strings.Contains(s, "\x1b[2J") {
		t.Fatalf("a control sequence of the data reached the screen:\n%q", s)
	}
	mustShow(t, m, "ZANON�[2J�31m")
}

// A codice fiscale pasted on the Contrassegni page (bracketed paste, from a PEC message
// or a spreadsheet) is a search, whether the focus was on the box or on the list.
func TestPasteOnThePassesSearches(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	m := session(t, svc, "mario", 80, 24)
	tuitest.Send(m, tuitest.Key("f2"), tuitest.Key("tab")) // the list has the focus
	tuitest.Send(m, tea.PasteMsg{Content: "PVNRSO"})
	mustShow(t, m, "Cerca: PVNRSO", "PAVAN ROSA")
	if s := tuitest.Screen(m); strings.Contains(s, "ROSSI MARIO") {
		t.Errorf("the paste did not filter the list:\n%s", s)
	}
}
