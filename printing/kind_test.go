package printing

import (
	"testing"

	"vivipass/domain"
)

// issue 11.15: [solo permanente] and [solo temporaneo] keep a line for one kind of pass;
// an aligned line whose tags are empty loses the spaces around them.
func TestLinesForOneKind(t *testing.T) {
	p, err := Parse("[rientro]#cap# #luogo_residenza#\n[solo permanente]anche con l'app\n[grassetto][solo temporaneo]allo sportello\nfine")
	if err != nil {
		t.Fatal(err)
	}
	d := SampleModuleData()
	d.Person.CAP = ""
	for kind, want := range map[domain.Kind][]string{
		domain.Permanente: {"VENEZIA (VE)", "anche con l'app", "fine"},
		domain.Temporaneo: {"VENEZIA (VE)", "allo sportello", "fine"},
	} {
		d.Pass.Kind = kind
		lines := p.Fill(d)
		var got []string
		for _, l := range lines {
			got = append(got, l.Text)
		}
		if len(got) != len(want) {
			t.Fatalf("%s: %q, want %q", kind, got, want)
		}
		for i := range want {
			if got[i] != want[i] {
				t.Errorf("%s: line %d %q, want %q", kind, i+1, got[i], want[i])
			}
		}
		if kind == domain.Temporaneo && !lines[1].Bold {
			t.Error("[grassetto] lost with [solo temporaneo]")
		}
	}
}
