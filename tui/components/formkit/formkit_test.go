package formkit

import (
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
)

var cmdType = reflect.TypeOf(tea.Cmd(nil))

// settle runs cmd and the commands of its Batches and Sequences; it fails when one of
// them has not answered within wait (a timer: the cursor blink), and returns the
// messages.
func settle(t *testing.T, cmd tea.Cmd, wait time.Duration) []tea.Msg {
	t.Helper()
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(wait):
		t.Fatalf("a command is still waiting after %v: a timer", wait)
	}
	if msg == nil {
		return nil
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == cmdType {
		var out []tea.Msg
		for i := range v.Len() {
			c, _ := v.Index(i).Interface().(tea.Cmd)
			out = append(out, settle(t, c, wait)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// A huh text field blinks (its textinput's cursor re-arms a 530 ms timer): the kit's
// Form never lets that timer out, on focus, while typing, or moving to the next field.
func TestFormDoesNotBlink(t *testing.T) {
	a, b, notes := "", "", ""
	f := New(huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("Primo").Value(&a),
		huh.NewInput().Title("Secondo").Value(&b),
		huh.NewText().Title("Note").Value(&notes),
	)), true, "")
	feed := func(cmd tea.Cmd) {
		for round := 0; cmd != nil && round < 10; round++ {
			var next []tea.Cmd
			for _, m := range settle(t, cmd, 100*time.Millisecond) {
				if IsBlink(m) {
					t.Fatalf("a blink came out of the form")
				}
				_, c := f.Update(m)
				next = append(next, c)
			}
			cmd = tea.Batch(next...)
		}
	}
	feed(f.Init())
	for _, k := range []tea.KeyPressMsg{{Code: 'x', Text: "x"}, {Code: tea.KeyEnter}, {Code: 'y', Text: "y"}, {Code: tea.KeyLeft},
		{Code: tea.KeyEnter}, {Code: 'z', Text: "z"}} {
		_, cmd := f.Update(k)
		feed(cmd)
	}
	if a != "x" || b != "y" || notes != "z" {
		t.Fatalf("values %q %q %q: the keys did not reach the fields", a, b, notes)
	}
}

// The blink commands are known before they run: the cursor package's own closures.
func TestQuiet(t *testing.T) {
	in := huh.NewInput()
	blink := in.Focus()
	if blink == nil || !isBlink(blink) {
		t.Fatal("huh's input no longer returns the cursor's blink on focus: review Quiet")
	}
	if Quiet(blink) != nil {
		t.Error("Quiet kept a blink")
	}
	other := func() tea.Msg { return "answer" }
	got := settle(t, Quiet(tea.Batch(blink, other)), 100*time.Millisecond)
	if len(got) != 1 || got[0] != "answer" {
		t.Errorf("Quiet(Batch(blink, other)) = %v", got)
	}
	got = settle(t, Quiet(tea.Sequence(other, blink, other)), 100*time.Millisecond)
	if len(got) != 2 {
		t.Errorf("Quiet(Sequence(other, blink, other)) = %v", got)
	}
}

// The page's text fields have a steady cursor: no command on focus or typing.
func TestTextInputSteady(t *testing.T) {
	ti := TextInput("Cerca: ", "", 40)
	if cmd := ti.Focus(); cmd != nil {
		t.Errorf("Focus returned a command (%v)", settle(t, cmd, time.Second))
	}
	var cmd tea.Cmd
	ti, cmd = ti.Update(tea.KeyPressMsg{Code: 'a', Text: "a"})
	if cmd != nil {
		t.Errorf("typing returned a command (%v)", settle(t, cmd, time.Second))
	}
	if ti.Value() != "a" {
		t.Errorf("value %q", ti.Value())
	}
}

func TestValidators(t *testing.T) {
	today := domain.MustDate(2025, time.June, 10)
	cases := []struct {
		v    func(string) error
		in   string
		want string // "" accepted
	}{
		{Required("il cognome è obbligatorio"), " ", "il cognome è obbligatorio"},
		{Required("indicare il nome"), "Mario", ""},
		{Date("la data di decorrenza"), "", "indicare la data di decorrenza (gg/mm/aaaa)"},
		{Date("la data di decorrenza"), "31/02/2025", "la data di decorrenza: data \"31/02/2025\""},
		{Date("la data di decorrenza"), "01/02/2025", ""},
		{Optional(Date("la data di fine")), "", ""},
		{Optional(Date("la data di fine")), "x", "la data di fine: data \"x\" non valida"},
		{NotAfter("la data del decesso", today), "11/06/2025", "la data del decesso 11/06/2025 è nel futuro"},
		{NotAfter("la data del decesso", today), "10/06/2025", ""},
		{All(Required("il codice fiscale è obbligatorio"), CodiceFiscale), "", "il codice fiscale è obbligatorio"},
		{All(Required("il codice fiscale è obbligatorio"), CodiceFiscale), "RSSMRA80A01L736U", ""},
		{Email, "carla.verdi", `indirizzo e-mail "carla.verdi" non valido`},
		{Email, "", ""},
		{EmailAddress("indirizzo"), "a b@c", `indirizzo "a b@c" non valido`},
		{Phone, "+39 333 0000001", ""},
		{Phone, "333 abc", `numero "333 abc" non valido: solo cifre, spazi e un + iniziale`},
	}
	for i, c := range cases {
		err := c.v(c.in)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%d: %q refused: %v", i, c.in, err)
		case c.want != "" && (err == nil || !strings.HasPrefix(err.Error(), c.want)):
			t.Errorf("%d: %q: error %v, want %q", i, c.in, err, c.want)
		}
	}
}

// The help line is Italian and names the keys that work, a confirmation's too.
func TestHelpItalian(t *testing.T) {
	yes := false
	f := New(huh.NewForm(huh.NewGroup(YesNo("Procedere?", &yes))), true, "")
	f.Init()
	f.View() // huh writes "y" into the accept key's help here
	var help []string
	for _, b := range f.Help() {
		help = append(help, b.Help().Key+" "+b.Help().Desc)
	}
	got := strings.Join(help, " · ")
	for _, w := range []string{"←/→ cambia", "invio salva", "s sì", "n no"} {
		if !strings.Contains(got, w) {
			t.Errorf("help %q lacks %q", got, w)
		}
	}
	for _, en := range []string{"Yes", "submit", "next", "toggle", "y "} {
		if strings.Contains(got, en) {
			t.Errorf("help %q has English %q", got, en)
		}
	}
	if v := f.View(); !strings.Contains(v, "Sì") || strings.Contains(v, "Yes") {
		t.Errorf("confirmation drawn as %q", v)
	}
}

// Issue 11.1: keys typed in one burst (a paste, a barcode reader) with no command run
// between them land in the fields they were meant for: enter moves at once, within the
// group and to the next group, and the form completes on the last enter.
func TestTypingAheadLandsInTheRightField(t *testing.T) {
	cognome, nome, note := "", "", ""
	f := New(huh.NewForm(
		huh.NewGroup(huh.NewInput().Title("Cognome").Value(&cognome), huh.NewInput().Title("Nome").Value(&nome)),
		huh.NewGroup(huh.NewInput().Title("Note").Value(&note)),
	), true, "")
	f.Init() // its commands never run: nothing between the keys below
	var state huh.FormState
	for _, k := range []string{"N", "E", "R", "I", "enter", "L", "U", "C", "A", "enter", "x", "enter"} {
		msg := tea.KeyPressMsg{Code: []rune(k)[0], Text: k}
		if k == "enter" {
			msg = tea.KeyPressMsg{Code: tea.KeyEnter}
		}
		state, _ = f.Update(msg)
	}
	if cognome != "NERI" || nome != "LUCA" || note != "x" {
		t.Errorf("cognome %q, nome %q, note %q: want NERI, LUCA, x", cognome, nome, note)
	}
	if state != huh.StateCompleted {
		t.Errorf("state %v after the last enter, want completed", state)
	}
}

// Issue 11.3: in a Sì/No question the arrows move and stop at the ends: → on the
// default No stays on No (it toggled to Sì), ← goes to Sì, ← again stays there.
func TestConfirmArrowsMove(t *testing.T) {
	yes := false
	f := New(huh.NewForm(huh.NewGroup(Confirm("Rimuovere l'operatore?", "Sì, rimuovi", &yes))), true, "")
	f.Init()
	press := func(k string, code rune) {
		f.Update(tea.KeyPressMsg{Code: code})
		t.Logf("%s → %v", k, yes)
	}
	press("→", tea.KeyRight)
	if yes {
		t.Fatal("→ on No selected Sì")
	}
	press("←", tea.KeyLeft)
	if !yes {
		t.Fatal("← did not move to Sì")
	}
	press("←", tea.KeyLeft)
	if !yes {
		t.Fatal("← at the left end moved away from Sì")
	}
	press("→", tea.KeyRight)
	press("→", tea.KeyRight)
	if yes {
		t.Fatal("→ → did not end on No")
	}
}

// With no colours at all the chosen button of a Sì/No question still shows: it is in
// brackets (reverse and bold are lost on a plain terminal).
func TestConfirmChoiceShowsWithoutColour(t *testing.T) {
	yes := false
	f := New(huh.NewForm(huh.NewGroup(Confirm("Rimuovere la targa?", "Sì, rimuovi", &yes))), true, "")
	f.Init()
	f.Update(tea.WindowSizeMsg{Width: 80, Height: 20})
	plain := func() string { return ansi.Strip(f.View()) }
	if v := plain(); !strings.Contains(v, "[No]") || strings.Contains(v, "[Sì, rimuovi]") {
		t.Fatalf("No chosen, plain view:\n%s", v)
	}
	f.Update(tea.KeyPressMsg{Code: tea.KeyLeft})
	if v := plain(); !strings.Contains(v, "[Sì, rimuovi]") || strings.Contains(v, "[No]") {
		t.Fatalf("Sì chosen, plain view:\n%s", v)
	}
}
