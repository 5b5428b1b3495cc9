package admin_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	gossh "golang.org/x/crypto/ssh"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/pages/admin"
	"vivipass/tui/pages/home"
)

// form is huh's key map: the page's forms keep its keys (enter moves on, ↓ chooses).
var form = huh.NewDefaultKeyMap()

func newAdmin(t *testing.T, demo bool) (*harness, admin.KeyMap) {
	t.Helper()
	svc := newService(t, demo)
	if !demo {
		sys := service.SystemActor("")
		if err := svc.Init(sys, "L736"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddOperator(sys, domain.Operator{Name: "admin", Role: domain.RoleAmministratore, Comune: "L736"}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := session(t, svc, "admin")
	return newHarness(t, ctx, admin.New(ctx)), admin.NewKeyMap()
}

// sharedDir finds ../shared above the package (the samples are part of the test: a
// missing directory fails it, never skips it).
func sharedDir(t *testing.T) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		p := filepath.Join(dir, "shared")
		if st, err := os.Stat(filepath.Join(p, "samples", "legacy")); err == nil && st.IsDir() {
			return p
		}
		up := filepath.Dir(dir)
		if up == dir {
			t.Fatal("directory shared/samples/legacy not found above the package: the sample files are part of the test")
		}
		dir = up
	}
}

func TestMenu(t *testing.T) {
	h, k := newAdmin(t, true)
	h.wantView("menu", "Amministrazione", "1 Import massivi", "2 Operatori", "3 Impostazioni del comune", "4 Bacheca")
	h.fits("menu")
	h.press(k.Down)
	h.press(k.Open)
	h.wantView("enter opens the selected entry", "Amministrazione › Operatori")
	h.press(k.Back)
	h.press(k.Bacheca)
	h.wantView("number opens its entry", "Amministrazione › Bacheca")
	h.press(k.Back)
	h.wantView("esc back to the menu", "1 Import massivi")
}

func TestImportSample(t *testing.T) {
	sample := filepath.Join(sharedDir(t), "samples", "legacy", "pregresso-esempio.csv")
	if _, err := os.Stat(sample); err != nil {
		t.Fatalf("sample file missing: %v", err)
	}
	h, k := newAdmin(t, false)
	h.press(k.Import)
	h.wantView("import page", "File CSV sul server:", "si legge sul server")
	h.fits("import page")
	if !h.page.Capturing() {
		t.Error("the path field does not capture the keys")
	}
	h.typeText(sample)
	h.send(keyPress(t, "enter"))
	h.wantView("dry run", "Righe 3 · valide 3 (già nel registro 0) · con errori 0", "UTF-8, separatore ;", "i: importa 3 righe")
	h.fits("dry run")
	if rows, _ := h.svc.Search(h.ctx.Actor, service.Query{}); len(rows.Rows) != 0 {
		t.Fatalf("the check wrote %d passes", len(rows.Rows))
	}
	// The progress bar shows at once, fed by the import's progress through the job.
	cmd := h.deliver(keyPress(t, "i"))
	h.wantView("importing", "in corso", "0 di 3 righe scritte", "░")
	if c := h.deliver(keyPress(t, "esc")); c != nil || !strings.Contains(h.view(), "in corso") {
		t.Error("esc left the import under way")
	}
	h.run(cmd)
	h.wantView("final report", "Import completato: 3 contrassegni importati, 0 già nel registro.")
	if n := h.lastNotice(); !strings.Contains(n.Text, "3 contrassegni importati") {
		t.Errorf("notice %+v", n)
	}
	res, _ := h.svc.Search(h.ctx.Actor, service.Query{Text: "ROSSI"})
	if len(res.Rows) != 1 || res.Rows[0].Number != "L736_2021_00042" || res.Rows[0].Channel != domain.Import {
		t.Errorf("ROSSI after the import: %+v", res.Rows)
	}
	all, _ := h.svc.Search(h.ctx.Actor, service.Query{})
	if len(all.Rows) != 3 {
		t.Errorf("%d passes after the import, want 3", len(all.Rows))
	}

	// The same file again: all already there, nothing to import.
	h.press(admin.NewImportKeys().Again)
	h.clear()
	h.typeText(sample)
	h.send(keyPress(t, "enter"))
	h.wantView("second check", "già nel registro 3", "non c'è nulla da importare")
}

func TestImportErrorsByRowAndColumn(t *testing.T) {
	sample := filepath.Join(sharedDir(t), "samples", "legacy", "pregresso-esempio.csv")
	data, err := os.ReadFile(sample)
	if err != nil {
		t.Fatalf("sample file missing: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	// Row 3 (the second data row): an impossible expiry date.
	lines[2] = strings.Replace(lines[2], "10/05/2023", "31/02/2023", 1)
	dir := t.TempDir()
	bad := filepath.Join(dir, "errato.csv")
	if err := os.WriteFile(bad, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	binary := filepath.Join(dir, "foto.csv")
	os.WriteFile(binary, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"), 0o600)

	h, k := newAdmin(t, false)
	ik := admin.NewImportKeys()
	h.press(k.Import)
	try := func(path string, want ...string) {
		t.Helper()
		h.clear()
		h.typeText(path)
		h.send(keyPress(t, "enter"))
		h.wantView(path, want...)
		h.press(ik.Again)
	}
	try("registro.csv", "non è un percorso completo")
	try(filepath.Join(dir, "manca.csv"), "non esiste sul server")
	try(dir, "è una cartella")
	try(binary, "Il file non si importa")

	h.clear()
	h.typeText(bad)
	h.send(keyPress(t, "enter"))
	h.wantView("errors", "valide 2", "con errori 1", "Errori (1, in 1 riga)", "Riga Colonna", "3 data_scadenza", "31/02/2023",
		"i: importa solo le 2 righe valide")
	h.fits("errors")
	for _, b := range h.page.ShortHelp() {
		if b.Help().Key == "i" && b.Help().Desc != "importa solo le righe valide" {
			t.Errorf("help of i: %q", b.Help().Desc)
		}
	}
	// The report scrolls.
	h.press(ik.Down)
	h.press(ik.Up)
	h.press(ik.Import)
	h.wantView("imported the valid rows", "2 contrassegni importati", "1 riga con errori lasciata fuori", "3 data_scadenza")
	all, _ := h.svc.Search(h.ctx.Actor, service.Query{})
	if len(all.Rows) != 2 {
		t.Errorf("%d passes after importing the valid rows, want 2", len(all.Rows))
	}
	if res, _ := h.svc.Search(h.ctx.Actor, service.Query{Text: "BIANCHI"}); len(res.Rows) != 0 {
		t.Errorf("the row with errors was imported: %+v", res.Rows)
	}
}

func newKey(t *testing.T, comment string) (line, fingerprint string) {
	t.Helper()
	pub, _, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	pk, err := gossh.NewPublicKey(pub)
	if err != nil {
		t.Fatal(err)
	}
	return strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))) + " " + comment, gossh.FingerprintSHA256(pk)
}

func TestOperatorsAddAndRemove(t *testing.T) {
	h, k := newAdmin(t, true)
	ok := admin.NewOperatorKeys()
	yes := func() { h.send(keyPress(t, "s")) }
	line, fp := newKey(t, "lucia@sportello")
	h.press(k.Operators)
	h.wantView("operators", "admin (io)", "amministratore", "mario", "operatore", "L736")
	h.fits("operators")
	if strings.Contains(h.view(), "giulia") {
		t.Error("Padova's operator listed to Venezia's administrator")
	}
	h.press(ok.Remove)
	if n := h.lastNotice(); !strings.Contains(n.Text, "proprio operatore") {
		t.Errorf("removing oneself: notice %+v", n)
	}

	h.press(ok.Add)
	h.wantView("add form", "Nuovo operatore del comune L736 VENEZIA", "Nome utente", "Ruolo", "Chiave pubblica SSH")
	h.fits("add form")
	h.typeText("Lucia")
	h.press(form.Input.Next)
	h.wantView("bad name", "non valido")
	h.clear()
	h.typeText("mario")
	h.press(form.Input.Next)
	h.wantView("existing name", "l'operatore mario esiste già")
	h.clear()
	h.typeText("lucia")
	h.press(form.Input.Next)
	h.press(form.Select.Down) // amministratore
	h.press(form.Select.Next)
	h.send(tea.PasteMsg{Content: "ssh-ed25519 non-una-chiave"})
	h.press(form.Input.Next)
	h.wantView("bad key", "chiave pubblica SSH non leggibile")
	h.clear()
	h.send(tea.PasteMsg{Content: line + "\n"})
	h.press(form.Input.Next)
	op, found := h.svc.Authenticate(fp)
	if !found || op.Name != "lucia" || op.Role != domain.RoleAmministratore || op.Comune != "L736" || len(op.Keys) != 1 {
		t.Fatalf("after adding: %+v, %v", op, found)
	}
	h.wantView("listed", "lucia", fp)
	if n := h.lastNotice(); !strings.Contains(n.Text, "Operatore lucia (amministratore) registrato") {
		t.Errorf("notice %+v", n)
	}

	// A second key for lucia (selected: the list is by name).
	for h.page.(*admin.Model).SelectedOperator() != "lucia" {
		h.press(ok.Down)
	}
	line2, fp2 := newKey(t, "lucia@casa")
	h.press(ok.AddKey)
	h.wantView("add key form", "Nuova chiave per lucia")
	h.send(tea.PasteMsg{Content: line2})
	h.press(form.Input.Next)
	if op, _ := h.svc.Authenticate(fp2); op.Name != "lucia" || len(op.Keys) != 2 {
		t.Fatalf("second key: %+v", op)
	}
	h.wantView("two keys", "(2) SHA256:", "lucia@casa")

	h.press(ok.Remove)
	h.wantView("removal asks", "Rimuovere l'operatore lucia?", "non potrà più aprire sessioni")
	yes()
	if _, found := h.svc.Authenticate(fp); found {
		t.Error("lucia's key still authenticates")
	}
	if strings.Contains(h.view(), "lucia") {
		t.Errorf("lucia still listed:\n%s", h.view())
	}
}

func TestSettingsSaved(t *testing.T) {
	h, k := newAdmin(t, true)
	h.press(k.Settings)
	h.wantView("summary", "Regola di scadenza", "5 anni dalla decorrenza", "Giorni di preavviso 60")
	h.fits("summary")
	h.press(admin.NewSettingsKeys().Edit)
	h.wantView("form", "Contrassegni e targhe", "Regola di scadenza dei permanenti", "Finestra temporale")
	h.fits("form")
	h.press(form.Select.Down) // il compleanno dopo il quinto anno
	h.press(form.Select.Next)
	h.press(form.Confirm.Toggle) // finestra temporale: sì
	h.press(form.Confirm.Next)
	h.clear()
	h.typeText("400")
	h.press(form.Input.Next)
	h.wantView("alert days out of range", "un numero da 0 a 365")
	h.clear()
	h.typeText("90")
	h.press(form.Input.Next)
	h.wantView("second group", "PEC e circuito", "Mittenti viviVeneto attendibili")
	h.typeText("protocollo@pec.comune.venezia.it")
	h.press(form.Input.Next)
	h.clear()
	h.typeText("istanze@pec.regione.veneto.it, Altro@PEC.example.it")
	h.press(form.Input.Next)
	h.send(keyPress(t, "n")) // not a member of the circuit: saves
	st, err := h.svc.Settings(h.ctx.Actor, "L736")
	if err != nil {
		t.Fatal(err)
	}
	if st.ExpiryRule != domain.ExpiryBirthday || !st.FinestraTemporale || st.AlertDays != 90 || st.PEC != "protocollo@pec.comune.venezia.it" ||
		strings.Join(st.TrustedSenders, " ") != "istanze@pec.regione.veneto.it altro@pec.example.it" || st.CircuitMember {
		t.Errorf("saved settings %+v", st)
	}
	h.wantView("summary after saving", "compleanno dopo il quinto anno", "sì (una sola targa valida per volta)", "90", "protocollo@pec.comune.venezia.it")
	if n := h.lastNotice(); n.Text != "Impostazioni del comune salvate." {
		t.Errorf("notice %+v", n)
	}
}

func TestBachecaPostShowsInHomeUnread(t *testing.T) {
	h, k := newAdmin(t, true)
	bk := admin.NewBachecaKeys()
	h.press(k.Bacheca)
	h.wantView("bacheca", "Sportello del giovedì", "Benvenuti in vivipass")
	h.fits("bacheca")
	h.press(bk.Add)
	h.wantView("publish form", "Titolo", "Testo")
	h.fits("publish form")
	h.press(form.Input.Next)
	h.wantView("title required", "il titolo dell'avviso è obbligatorio")
	h.typeText("Chiusura per inventario")
	h.press(form.Input.Next)
	h.typeText("Venerdì lo sportello resta chiuso.")
	h.press(form.Text.Submit)
	posts, _ := h.svc.Bacheca(h.ctx.Actor)
	if len(posts) != 3 || posts[0].Title != "Chiusura per inventario" || posts[0].Text != "Venerdì lo sportello resta chiuso." || posts[0].Comune != "L736" {
		t.Fatalf("posts after publishing: %+v", posts)
	}
	h.wantView("listed", "Chiusura per inventario", "Venerdì lo sportello resta chiuso.")

	// Mario, an operator of the comune, sees it in Home as new.
	mario := session(t, h.svc, "mario")
	hm := newHarness(t, mario, home.New(mario))
	hm.wantView("home of mario", "Chiusura per inventario (nuovo)", "da leggere")

	// The notice for every comune is not the comune administrator's to remove.
	for h.page.(*admin.Model).SelectedPost() != "Benvenuti in vivipass" {
		h.press(bk.Down)
	}
	h.press(bk.Remove)
	if n := h.lastNotice(); !strings.Contains(n.Text, "per tutti i comuni") {
		t.Errorf("removing a notice for every comune: %+v", n)
	}
	for h.page.(*admin.Model).SelectedPost() != "Chiusura per inventario" {
		h.press(bk.Up)
	}
	h.press(bk.Remove)
	h.wantView("removal asks", "Rimuovere l'avviso «Chiusura per inventario»?")
	h.send(keyPress(t, "s"))
	if posts, _ := h.svc.Bacheca(h.ctx.Actor); len(posts) != 2 {
		t.Errorf("%d posts after the removal, want 2", len(posts))
	}
}

func TestOperatorSessionGetsNoAdminData(t *testing.T) {
	// The root shows the section to administrators only; the use cases refuse anyway.
	svc := newService(t, true)
	mario := session(t, svc, "mario")
	h := newHarness(t, mario, admin.New(mario))
	h.press(admin.NewKeyMap().Settings)
	h.press(admin.NewSettingsKeys().Edit)
	for range 3 {
		h.press(form.Input.Next)
	}
	for range 3 {
		h.press(form.Input.Next)
	}
	h.wantView("refused", "operazione non consentita al proprio ruolo")
}
