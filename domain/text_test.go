package domain

import (
	"strings"
	"testing"
)

// issue 12.10: control characters and escape sequences are refused in names and free
// text, with an Italian message naming the character and its place.
func TestCheckText(t *testing.T) {
	for _, c := range []struct {
		s         string
		multiline bool
		want      string // "" = accepted
	}{
		{"ROSSI", false, ""},
		{"D'ANDREA NICOLÒ", false, ""},
		{"=cmd|' /C calc'!A0", false, ""}, // neutralised on export, not refused
		{"prima riga\nseconda\triga", true, ""},
		{"ROSSI\x1b[31m", false, "il cognome contiene un carattere di controllo (ESC) al carattere 6"},
		{"a\nb", false, "(a capo) al carattere 2"},
		{"nota\r\nsovrascritta", true, "(ritorno carrello, CR) al carattere 5"},
		{"ÈRA\u009b31m", false, "(U+009B) al carattere 4"},
		{"x\x7f", true, "(DEL)"},
		{"x\x00", true, "(NUL)"},
		{"x\xffy", false, "byte non valido"},
	} {
		err := CheckText("il cognome", c.s, c.multiline)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%q refused: %v", c.s, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want)):
			t.Errorf("%q: error %v, want %q", c.s, err, c.want)
		}
	}
	p := Person{CodiceFiscale: "RSSMRA80A01L736U", Cognome: "ROSSI\x1b[31m", Nome: "MARIO", Indirizzo: "VIA\x1b]0;x\x07", Note: "ok\nok"}
	chk := CheckPerson(p, MustDate(2025, 6, 1))
	var fields []string
	for _, e := range chk.Errors {
		fields = append(fields, e.Field)
	}
	if got := strings.Join(fields, ","); got != "cognome,indirizzo" {
		t.Errorf("fields refused %q, want cognome,indirizzo: %+v", got, chk.Errors)
	}
	in := IssueInput{Number: "L736_1", Kind: Permanente, DataRilascio: MustDate(2025, 6, 1), DataDecorrenza: MustDate(2025, 6, 1),
		DataScadenza: MustDate(2030, 6, 1), Note: "consegnato\x1b[2J"}
	rep := PoliceReport{Numero: "123", Data: MustDate(2025, 5, 1), Autorita: "Carabinieri\x1b[2J"}
	if err := rep.Check(Furto, MustDate(2025, 6, 1)); err == nil || !strings.Contains(err.Error(), "l'autorità della denuncia contiene un carattere di controllo (ESC)") {
		t.Errorf("report with ESC: %v", err)
	}
	if _, err := NewPass(in, "L736", p, Sportello); err == nil || !strings.Contains(err.Error(), "la nota contiene un carattere di controllo (ESC)") {
		t.Errorf("NewPass with ESC in the note: %v", err)
	}
}
