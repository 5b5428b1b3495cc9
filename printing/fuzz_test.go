package printing

import (
	"testing"
)

// Issue 12.13: template files come from outside (import at the desk): reading and
// checking one never panics, and a template accepted is written and read back the same.
func FuzzTemplateFile(f *testing.F) {
	for _, s := range []string{
		"---\nnome: ricevuta\ntitolo: Ricevuta\n---\nIl #signor# #cognome# #nome#\n",
		"Gentile #nome#,\n## non è un tag; #data_decorrenza\n",
		"#sconosciuto#", "#", "##", "#a", "---\nnome: \n---\n", "\ufeff---\r\nnome: x\r\ntitolo: y\r\n---\r\ntesto\r\n",
		"[solo temporaneo] venga allo sportello\n[solo permanente] usi l'app\n",
	} {
		f.Add("modello.txt", []byte(s))
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		tpl, err := ParseTemplateFile(name, data)
		if err != nil {
			return
		}
		if _, err := Parse(tpl.Body); err != nil {
			return // read, but its tags are refused with line and column
		}
		again, err := ParseTemplateFile(name, tpl.File())
		if err != nil || again.Body != tpl.Body || again.Title != tpl.Title {
			t.Fatalf("template %q does not read back: %+v, %v (was %+v)", data, again, err, tpl)
		}
	})
}
