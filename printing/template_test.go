package printing_test

import (
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/printing/printtest"
)

func fill(t *testing.T, body string, d printing.ModuleData) string {
	t.Helper()
	p, err := printing.Parse(body)
	if err != nil {
		t.Fatalf("Parse(%q): %v", body, err)
	}
	var out []string
	for _, l := range p.Fill(d) {
		out = append(out, l.Text)
	}
	return strings.Join(out, "\n")
}

func TestTheTenTagsOfS6(t *testing.T) {
	d := sampleModule()
	for body, want := range map[string]string{
		"#nome#":            "NICOLÒ",
		"#cognome#":         "ZANON",
		"#data_nascita#":    "05/12/1950",
		"#luogo_nascita#":   "FORLÌ (FO)", // the province as it was in 1950
		"#luogo_residenza#": "VENEZIA (VE)",
		"#num_pass#":        "L736_2025_00042",
		"#data_scadenza#":   "10/06/2030",
		"#codice_fiscale#":  "ZNNNCL50T05D704X",
		"#data_decorrenza#": "10/06/2025",
		"#data_rilascio#":   "10/06/2025",
		// the old spelling, without the closing #
		"dal #data_decorrenza al #data_scadenza#": "dal 10/06/2025 al 10/06/2030",
		"#data_decorrenza":                        "10/06/2025",
		"(#data_decorrenza)":                      "(10/06/2025)",
		// case does not matter, ## is a #, a lone # is text
		"#COGNOME# ## n. #3 # fine":     "ZANON # n. #3 # fine",
		"#codice_univoco#":              "UX7K-93QF-2M",
		"#targhe#":                      "AB123CD, EF456GH",
		"#nato# #signor#":               "nato Sig.",
		"#sede#, #data_oggi#":           "Venezia, 10/06/2025",
		"#comune_ente#":                 "Comune di Venezia",
		"#giorni_alla_scadenza# giorni": "1826 giorni",
	} {
		if got := fill(t, body, d); got != want {
			t.Errorf("%q → %q, want %q", body, got, want)
		}
	}
}

func TestTagErrorsHaveLineAndColumn(t *testing.T) {
	body := "Gentile #signor# #cognome#,\n" +
		"il contrassegno #numero_pass# scade\n" + // unknown (col 17)
		"[centro]il #data_scadenza e #nome\n" + // not closed: col 12 and col 29 (after the directive)
		"## ok #xyz\n" + // unknown and not closed, col 7
		"testo #nuova_pagina#\n" // a page break must be alone
	_, err := printing.Parse(body)
	var te *printing.TemplateError
	if !errors.As(err, &te) {
		t.Fatalf("err %v, want a TemplateError", err)
	}
	want := []printing.TagError{
		{Line: 2, Col: 17, Message: "tag #numero_pass# sconosciuto (forse #num_pass#?)"},
		{Line: 3, Col: 12, Message: "tag #data_scadenza non chiuso: scrivere #data_scadenza#"},
		{Line: 3, Col: 29, Message: "tag #nome non chiuso: scrivere #nome#"},
		{Line: 4, Col: 7, Message: "tag #xyz sconosciuto e non chiuso (per scrivere il carattere # usare ##)"},
		{Line: 5, Col: 1, Message: "il tag #nuova_pagina# va scritto da solo sulla riga"},
	}
	if !reflect.DeepEqual(te.Errors, want) {
		t.Errorf("errors:\n%v\nwant:\n%v", te.Errors, want)
	}
	if !strings.Contains(err.Error(), "riga 2, colonna 17: tag #numero_pass# sconosciuto") {
		t.Errorf("message %q", err)
	}
	err = printing.Template{Name: "lettera", Body: "#boh#"}.Check()
	if err == nil || !strings.HasPrefix(err.Error(), "modulo «lettera» non valido: riga 1, colonna 1: tag #boh# sconosciuto") {
		t.Errorf("a named template's error: %v", err)
	}
}

// A receipt printed before the national platform answered says so, instead of leaving
// the codice univoco blank; without consent there is none.
func TestNationalValuesNeverBlank(t *testing.T) {
	d := sampleModule()
	d.Pass.National = domain.National{Consent: true}
	d.Pass.Plates = nil
	if got := fill(t, "#codice_univoco#|#cude_id#|#targhe#", d); got != "non ancora assegnato|non ancora assegnato|nessuna" {
		t.Errorf("pending: %q", got)
	}
	d.Pass.National.Consent = false
	if got := fill(t, "#codice_univoco#", d); got != "—" {
		t.Errorf("no consent: %q", got)
	}
}

func TestDefaultTemplates(t *testing.T) {
	ts := printing.DefaultTemplates()
	var names []string
	for _, tpl := range ts {
		names = append(names, tpl.Name)
		if err := tpl.Check(); err != nil {
			t.Errorf("%s: %v", tpl.Name, err)
		}
	}
	if !reflect.DeepEqual(names, []string{"autorizzazione", "ricevuta", "promemoria"}) {
		t.Errorf("defaults %v", names)
	}
	// The receipt carries the codice univoco (N1).
	if !strings.Contains(ts[1].Body, "#codice_univoco#") {
		t.Error("the ricevuta has no #codice_univoco#")
	}
}

func TestTemplateFileRoundTrip(t *testing.T) {
	for _, tpl := range printing.DefaultTemplates() {
		back, err := printing.ParseTemplateFile("x.txt", tpl.File())
		if err != nil || back != tpl {
			t.Errorf("%s: round trip %+v, %v", tpl.Name, back, err)
		}
	}
	// A bare body takes its name from the file; Windows line ends and a BOM are fine.
	tpl, err := printing.ParseTemplateFile("/tmp/Lettera_Rinnovo.txt", []byte("\ufeffGentile #cognome#,\r\nsaluti\r\n"))
	if err != nil || tpl.Name != "lettera_rinnovo" || tpl.Body != "Gentile #cognome#,\nsaluti\n" {
		t.Errorf("bare body: %+v, %v", tpl, err)
	}
	if _, err := printing.ParseTemplateFile("a.txt", []byte("---\nnome: a\n---\n#boh#\n")); err == nil || !strings.Contains(err.Error(), "riga 1, colonna 1") {
		t.Errorf("unknown tag in a file: %v", err)
	}
	if _, err := printing.ParseTemplateFile("a.txt", []byte("---\nnome: A B\n---\nciao\n")); err == nil {
		t.Error("bad name accepted")
	}
}

// Every field of domain.Pass and domain.Person has a tag, or is listed as internal: a
// field added later without a tag fails here (S6: a tag for every field).
func TestEveryFieldHasATag(t *testing.T) {
	covered := map[string]bool{}
	for _, f := range printing.InternalFields() {
		covered[f] = true
	}
	for _, tag := range printing.Tags() {
		for _, f := range tag.Fields {
			covered[f] = true
		}
	}
	for prefix, typ := range map[string]reflect.Type{"Pass": reflect.TypeOf(domain.Pass{}), "Person": reflect.TypeOf(domain.Person{})} {
		for i := range typ.NumField() {
			name := prefix + "." + typ.Field(i).Name
			if !covered[name] {
				t.Errorf("%s has no tag (add one to printing.Tags, or list it in InternalFields)", name)
			}
			delete(covered, name)
		}
	}
	for f := range covered {
		t.Errorf("Tags/InternalFields name %s, which is not a field", f)
	}
}

func TestTagNamesAreUniqueAndWellFormed(t *testing.T) {
	seen := map[string]bool{}
	for _, tag := range printing.Tags() {
		if seen[tag.Name] {
			t.Errorf("tag %s twice", tag.Name)
		}
		seen[tag.Name] = true
		if err := printing.CheckTemplateName(tag.Name); err != nil || strings.Contains(tag.Name, "-") {
			t.Errorf("tag name %q", tag.Name)
		}
		if tag.Description == "" || tag.Value == nil {
			t.Errorf("tag %s incomplete", tag.Name)
		}
	}
}

func TestTitleName(t *testing.T) {
	for in, want := range map[string]string{
		"VENEZIA": "Venezia", "FORLÌ": "Forlì", "SAN DONÀ DI PIAVE": "San Donà di Piave",
		"REGGIO NELL'EMILIA": "Reggio nell'Emilia", "SANT'ANGELO DI PIOVE DI SACCO": "Sant'Angelo di Piove di Sacco",
		"DI": "Di", "CASTELNUOVO DEL GARDA": "Castelnuovo del Garda",
	} {
		if got := printing.TitleName(in); got != want {
			t.Errorf("TitleName(%q) = %q, want %q", in, got, want)
		}
	}
}

func module(t *testing.T, body string, d printing.ModuleData, n int) []byte {
	t.Helper()
	p, err := printing.Parse(body)
	if err != nil {
		t.Fatal(err)
	}
	var letters []printing.Letter
	for range n {
		letters = append(letters, printing.Letter{Heading: printing.ModuleHeading(d.Comune, printing.DefaultOffice), Lines: p.Fill(d)})
	}
	pdf, err := printing.Module("prova", letters)
	if err != nil {
		t.Fatal(err)
	}
	return pdf
}

func TestModuleA4WithHeading(t *testing.T) {
	d := sampleModule()
	d.Comune = "D704" // Forlì
	pdf := module(t, "Gentile #signor# #cognome# #nome#,\n\n[grassetto]Oggetto: prova", d, 1)
	info := printtest.PDFInfo(t, pdf)
	if info.Pages != 1 || math.Abs(info.W-210) > 0.1 || math.Abs(info.H-297) > 0.1 {
		t.Errorf("module: %d pages of %.1f × %.1f mm, want 1 A4", info.Pages, info.W, info.H)
	}
	text := printtest.Text(t, pdf)
	for _, s := range []string{"Comune di Forlì", printing.DefaultOffice, "Gentile Sig. ZANON NICOLÒ,", "Oggetto: prova"} {
		if !strings.Contains(text, s) {
			t.Errorf("%q missing from\n%s", s, text)
		}
	}
}

// Long paragraphs wrap at spaces, never inside a word, inside the margins; a long text
// goes on to more pages, each with the heading, numbered; #nuova_pagina# starts a page.
func TestModuleWrapsAndBreaksPages(t *testing.T) {
	d := sampleModule()
	var words []string
	for i := range 900 {
		words = append(words, "parola"+strings.Repeat("x", i%7)+"fine")
	}
	body := strings.Join(words, " ") + "\n#nuova_pagina#\nultima pagina"
	pdf := module(t, body, d, 1)
	info := printtest.PDFInfo(t, pdf)
	if info.Pages < 3 {
		t.Fatalf("%d pages, want the long paragraph on at least 2 and the last line on its own", info.Pages)
	}
	found := printtest.Words(t, pdf)
	n := 0
	for _, w := range found {
		if strings.HasPrefix(w.Text, "parola") {
			n++
			if !strings.HasSuffix(w.Text, "fine") {
				t.Errorf("word cut: %v", w)
			}
			if w.XMin < 25-0.5 || w.XMax > 210-20+0.5 {
				t.Errorf("word outside the margins: %v", w)
			}
			if w.YMax > 297-20+0.5 {
				t.Errorf("word in the bottom margin: %v", w)
			}
		}
	}
	if n != len(words) {
		t.Errorf("%d words printed, want %d", n, len(words))
	}
	last := printtest.Find(found, "ultima")
	if len(last) != 1 || last[0].Page != info.Pages {
		t.Errorf("«ultima pagina» on %v, want page %d", last, info.Pages)
	}
	if len(printtest.Find(found, "Venezia")) != info.Pages {
		t.Errorf("heading not on every page")
	}
	text := printtest.Text(t, pdf)
	if !strings.Contains(text, "Pagina 1 di") {
		t.Errorf("no page numbers")
	}
}

func TestModuleLettersStartOnNewPages(t *testing.T) {
	pdf := module(t, "Gentile #cognome#,\nbreve.", sampleModule(), 5)
	if info := printtest.PDFInfo(t, pdf); info.Pages != 5 {
		t.Errorf("5 short letters: %d pages", info.Pages)
	}
}

func TestModuleAlignment(t *testing.T) {
	pdf := module(t, "[centro]CENTRO\n[destra]DESTRA\n[rientro]RIENTRO\nSINISTRA", sampleModule(), 1)
	w := printtest.Words(t, pdf)
	get := func(s string) printtest.Word {
		f := printtest.Find(w, s)
		if len(f) != 1 {
			t.Fatalf("%s: %v", s, f)
		}
		return f[0]
	}
	textW := 210.0 - 25 - 20
	if c := get("CENTRO"); !near((c.XMin+c.XMax)/2, 25+textW/2) {
		t.Errorf("centre %v", c)
	}
	if r := get("DESTRA"); !near(r.XMax, 190) {
		t.Errorf("right %v", r)
	}
	if r := get("RIENTRO"); !near(r.XMin, 25+textW/2) {
		t.Errorf("indent %v", r)
	}
	if l := get("SINISTRA"); !near(l.XMin, 25) {
		t.Errorf("left %v", l)
	}
}
