package print_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"vivipass/tui/tuitest"

	"vivipass/printing"
)

// Gestione moduli: a new template written in the editor; an unknown tag is shown with
// its line and column while typing and refuses the save; a tag of the palette goes in
// at the cursor; the save, then a save over a version saved meanwhile by someone else,
// refused.
func TestTemplateEditor(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	d := newDesk(t, svc, "admin")
	d.keys("f4", "5")
	d.shows("Amministrazione › Gestione moduli", "ricevuta", "promemoria", "autorizzazione", "predefinito")
	d.fits()
	d.keys("n")
	d.shows("Gestione moduli › Nuovo modulo", "Nome", "Titolo", "Tag (invio inserisce)", "#num_pass#", "controllo: 1 errore", "Nome: nome del modulo")
	d.typeText("avviso")
	d.keys("tab")
	d.typeText("Avviso al titolare")
	d.keys("tab") // the text, cursor at its start
	d.typeText("Gentile #cogome# ")
	s := d.shows("controllo: 1 errore", "Riga 1, colonna 9: tag #cogome# sconosciuto (forse #cognome#?)", "riga 1, colonna 18")
	d.fits()
	d.keys("ctrl+s")
	d.shows("Non salvato: correggere prima gli errori")
	if _, v, err := svc.Template(d.a, "", "avviso"); err == nil || v != 0 {
		t.Fatalf("a template with an unknown tag was saved (v%d, %v)", v, err)
	}
	// Away with the bad tag (ctrl+u: the line up to the cursor), then #nome# from the
	// palette (the first tag) at the cursor.
	d.keys("ctrl+u")
	d.shows("controllo: nessun errore")
	d.keys("tab")
	d.shows("#nome#: nome del titolare")
	d.keys("enter")
	s = d.shows("   1 #nome#[centro]", "riga 1, colonna 7", "•#nome#")
	d.keys("ctrl+s")
	d.shows("Modulo «avviso» salvato: versione 1", "del comune, versione 1")
	tpl, v, err := svc.Template(d.a, "", "avviso")
	if err != nil || v != 1 || tpl.Title != "Avviso al titolare" || !strings.HasPrefix(tpl.Body, "#nome#[centro]") {
		t.Fatalf("saved: v%d %v %+v", v, err, tpl)
	}
	// Someone else saves it meanwhile: this editor's save is refused, nothing lost.
	tpl.Body += "altro\n"
	if _, err := svc.SaveTemplate(d.a, "", tpl, 1); err != nil {
		t.Fatal(err)
	}
	d.typeText("X")
	d.keys("ctrl+s")
	d.shows("Non salvato: il modulo avviso è stato modificato da admin")
	// esc over unsaved changes asks first; a second esc drops them.
	d.keys("esc")
	d.shows("Modifiche non salvate: esc di nuovo")
	d.keys("esc")
	d.events()
	s = d.shows("Amministrazione › Gestione moduli", "avviso", "Avviso al titolare")
	_ = s
}

// Export a shipped template to a file, change it, import it: it opens in the editor
// and, saved, replaces the shipped one for the comune; deleted (after a confirmation),
// the shipped one is back.
func TestTemplateExportImportDelete(t *testing.T) {
	svc := tuitest.Demo(t, fixedNow)
	d := newDesk(t, svc, "admin")
	d.keys("f4", "5")
	d.keys("down", "down") // ricevuta
	d.shows("> ricevuta")
	dir := filepath.Join(filepath.Dir(d.stampe), "moduli")
	d.keys("e")
	d.shows("Esporta il modulo «ricevuta»", "Nome del file", "ricevuta.txt")
	d.keys("enter")
	file := filepath.Join(dir, "ricevuta.txt")
	d.shows("Modulo «ricevuta» esportato in moduli/ricevuta.txt")
	data := mustRead(t, file)
	if !strings.HasPrefix(string(data), "---\nnome: ricevuta\ntitolo: ") || !strings.Contains(string(data), "#codice_univoco#") {
		t.Fatalf("exported:\n%s", data)
	}
	changed := strings.Replace(string(data), "RICEVUTA DI CONSEGNA", "RICEVUTA DI CONSEGNA DEL CONTRASSEGNO", 1)
	if err := os.WriteFile(file, []byte(changed), 0o644); err != nil {
		t.Fatal(err)
	}
	d.keys("i")
	d.shows("File del modulo", "ricevuta.txt")
	d.keys("enter")
	d.shows("Gestione moduli › Modulo ricevuta · importato, sostituisce il predefinito", "Importato da moduli/ricevuta.txt", "RICEVUTA DI CONSEGNA DEL", "controllo: nessun errore")
	d.keys("ctrl+s")
	d.shows("Modulo «ricevuta» salvato: versione 1")
	if tpl, v, _ := svc.Template(d.a, "", "ricevuta"); v != 1 || !strings.Contains(tpl.Body, "DEL CONTRASSEGNO") {
		t.Fatalf("imported: v%d %q", v, tpl.Body)
	}
	d.keys("esc")
	d.events()
	d.shows("> ricevuta", "modificato")
	// A file with an unknown tag opens too: the editor shows where.
	bad := filepath.Join(dir, "prova.txt")
	if err := os.WriteFile(bad, []byte("Gentile #signore# #cognome#\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	d.keys("i")
	d.shows("prova.txt")
	d.keys("enter") // the newest first
	d.shows("Modulo prova", "Riga 1, colonna 9: tag #signore# sconosciuto")
	d.keys("esc", "esc")
	// Delete the comune's ricevuta: asked first; "no" keeps it.
	d.keys("x")
	d.shows("Eliminare il modulo «ricevuta» del comune?", "Torna il modulo predefinito")
	d.keys("n")
	d.shows("Modulo «ricevuta» non eliminato.")
	if _, v, _ := svc.Template(d.a, "", "ricevuta"); v != 1 {
		t.Fatal("deleted on no")
	}
	d.keys("x", "s")
	d.shows("Modulo «ricevuta» eliminato.")
	if tpl, v, _ := svc.Template(d.a, "", "ricevuta"); v != 0 || strings.Contains(tpl.Body, "DEL CONTRASSEGNO") {
		t.Fatalf("after delete: v%d", v)
	}
	d.events()
	d.shows("> ricevuta")
	d.keys("x")
	d.shows("è un modulo predefinito di vivipass: non si elimina")
	_ = printing.Tags
}
