package admin_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	gossh "golang.org/x/crypto/ssh"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/pages/admin"
	"vivipass/tui/pages/home"
	"vivipass/tui/tuitest"
)

// now is the service clock of every test.
var now = time.Date(2025, time.June, 10, 10, 30, 0, 0, domain.Rome)

// form is huh's key map: the page's forms keep its keys (enter moves on, ↓ chooses).
var form = huh.NewDefaultKeyMap()

func newAdmin(t *testing.T, demo bool) (*tuitest.Harness, admin.KeyMap) {
	t.Helper()
	var svc *service.Service
	if demo {
		svc = tuitest.Demo(t, now)
	} else {
		svc = tuitest.Register(t, now)
		sys := service.SystemActor("")
		if err := svc.Init(sys, "L736"); err != nil {
			t.Fatal(err)
		}
		if _, err := svc.AddOperator(sys, domain.Operator{Name: "admin", Role: domain.RoleAmministratore, Comune: "L736"}); err != nil {
			t.Fatal(err)
		}
	}
	ctx := tuitest.Session(t, svc, "admin")
	return tuitest.NewHarness(t, ctx, admin.New(ctx)), admin.NewKeyMap()
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
	h.WantView("menu", "Amministrazione", "1 Import massivi", "2 Operatori", "3 Impostazioni del comune", "4 Bacheca")
	h.Fits("menu")
	h.Press(k.Down)
	h.Press(k.Open)
	h.WantView("enter opens the selected entry", "Amministrazione › Operatori")
	h.Press(k.Back)
	h.Press(k.Bacheca)
	h.WantView("number opens its entry", "Amministrazione › Bacheca")
	h.Press(k.Back)
	h.WantView("esc back to the menu", "1 Import massivi")
}

// put writes a file into a subfolder of the session's comune folder, as SFTP would.
func put(t *testing.T, h *tuitest.Harness, sub, name string, data []byte) {
	t.Helper()
	if _, err := h.Ctx.Files.Create(sub, name, data); err != nil {
		t.Fatal(err)
	}
}

// chooseFile moves the cursor of a file list onto name.
func chooseFile(t *testing.T, h *tuitest.Harness, name string) {
	t.Helper()
	ik := admin.NewImportKeys()
	for range 20 {
		h.Press(ik.Up)
	}
	for range 20 {
		for _, l := range strings.Split(h.View(), "\n") {
			if strings.HasPrefix(l, ">") && strings.Contains(l, name) {
				return
			}
		}
		h.Press(ik.Down)
	}
	t.Fatalf("%s not in the list:\n%s", name, h.View())
}

func TestImportSample(t *testing.T) {
	sample, err := os.ReadFile(filepath.Join(sharedDir(t), "samples", "legacy", "pregresso-esempio.csv"))
	if err != nil {
		t.Fatalf("sample file missing: %v", err)
	}
	h, k := newAdmin(t, false)
	h.Press(k.Import)
	h.WantView("empty folder", "dalla cartella import/ del comune", "La cartella import/ è vuota", "sftp -P 2222 admin@server")
	h.Fits("import page")
	if h.Page.Capturing() {
		t.Error("the file list captures the keys: no path is typed any more")
	}
	put(t, h, "import", "pregresso-esempio.csv", sample)
	h.Press(admin.NewImportKeys().Reload)
	h.WantView("listed", "pregresso-esempio.csv")
	h.Send(tuitest.Key("enter"))
	h.WantView("dry run", "Righe 3 · valide 3 (già nel registro 0) · con errori 0", "UTF-8, separatore ;", "i: importa 3 righe")
	h.Fits("dry run")
	if rows, _ := h.Svc.Search(h.Ctx.Actor, service.Query{}); len(rows.Rows) != 0 {
		t.Fatalf("the check wrote %d passes", len(rows.Rows))
	}
	// Issue 11.4: i asks first; anything but s (here esc) writes nothing.
	h.Send(tuitest.Key("i"))
	h.WantView("question", "Importare 3 contrassegni nel registro di VENEZIA?", "s per importare")
	h.Fits("question")
	if !h.Page.Capturing() {
		t.Error("the question does not take esc")
	}
	h.Send(tuitest.Key("esc"))
	h.WantView("back", "i: importa 3 righe")
	if n := h.LastNotice(); n.Text != "Import non avviato: nessuna riga scritta." {
		t.Errorf("notice %+v", n)
	}
	if rows, _ := h.Svc.Search(h.Ctx.Actor, service.Query{}); len(rows.Rows) != 0 {
		t.Fatalf("esc on the question wrote %d passes", len(rows.Rows))
	}
	h.Send(tuitest.Key("i"))
	// The progress bar shows at once, fed by the import's progress through the job.
	cmd := h.Deliver(tuitest.Key("s"))
	h.WantView("importing", "in corso", "0 di 3 righe scritte", "░")
	if c := h.Deliver(tuitest.Key("esc")); c != nil || !strings.Contains(h.View(), "in corso") {
		t.Error("esc left the import under way")
	}
	h.Run(cmd)
	h.WantView("final report", "Import completato: 3 contrassegni importati, 0 già nel registro.")
	if n := h.LastNotice(); !strings.Contains(n.Text, "3 contrassegni importati") {
		t.Errorf("notice %+v", n)
	}
	res, _ := h.Svc.Search(h.Ctx.Actor, service.Query{Text: "ROSSI"})
	if len(res.Rows) != 1 || res.Rows[0].Number != "L736_2021_00042" || res.Rows[0].Channel != domain.Import {
		t.Errorf("ROSSI after the import: %+v", res.Rows)
	}
	all, _ := h.Svc.Search(h.Ctx.Actor, service.Query{})
	if len(all.Rows) != 3 {
		t.Errorf("%d passes after the import, want 3", len(all.Rows))
	}

	// The same file again: all already there, nothing to import.
	h.Press(admin.NewImportKeys().Again)
	h.Send(tuitest.Key("enter"))
	h.WantView("second check", "già nel registro 3", "non c'è nulla da importare")
}

func TestImportErrorsByRowAndColumn(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(sharedDir(t), "samples", "legacy", "pregresso-esempio.csv"))
	if err != nil {
		t.Fatalf("sample file missing: %v", err)
	}
	lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	// Row 3 (the second data row): an impossible expiry date.
	lines[2] = strings.Replace(lines[2], "10/05/2023", "31/02/2023", 1)

	h, k := newAdmin(t, false)
	ik := admin.NewImportKeys()
	put(t, h, "import", "errato.csv", []byte(strings.Join(lines, "\n")+"\n"))
	put(t, h, "import", "foto.csv", []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"))
	// A link planted in the folder is neither listed nor followed.
	os.Symlink("/etc/passwd", filepath.Join(h.Ctx.Files.Path(), "import", "passwd.csv"))
	h.Press(k.Import)
	h.WantView("listed", "errato.csv", "foto.csv")
	if strings.Contains(h.View(), "passwd") {
		t.Fatalf("a link is offered:\n%s", h.View())
	}
	chooseFile(t, h, "foto.csv")
	h.Send(tuitest.Key("enter"))
	h.WantView("binary", "Il file non si importa")
	h.Press(ik.Again)

	chooseFile(t, h, "errato.csv")
	h.Send(tuitest.Key("enter"))
	h.WantView("errors", "valide 2", "con errori 1", "Errori (1, in 1 riga)", "Riga Colonna", "3 data_scadenza", "31/02/2023",
		"i: importa solo le 2 righe valide")
	h.Fits("errors")
	for _, b := range h.Page.ShortHelp() {
		if b.Help().Key == "i" && b.Help().Desc != "importa solo le righe valide" {
			t.Errorf("help of i: %q", b.Help().Desc)
		}
	}
	// The report scrolls.
	h.Press(ik.Down)
	h.Press(ik.Up)
	h.Press(ik.Import)
	h.Fits("question over the errors")
	h.Send(tuitest.Key("s"))
	h.WantView("imported the valid rows", "2 contrassegni importati", "1 riga con errori lasciata fuori", "3 data_scadenza")
	all, _ := h.Svc.Search(h.Ctx.Actor, service.Query{})
	if len(all.Rows) != 2 {
		t.Errorf("%d passes after importing the valid rows, want 2", len(all.Rows))
	}
	if res, _ := h.Svc.Search(h.Ctx.Actor, service.Query{Text: "BIANCHI"}); len(res.Rows) != 0 {
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
	yes := func() { h.Send(tuitest.Key("s")) }
	line, fp := newKey(t, "lucia@sportello")
	h.Press(k.Operators)
	h.WantView("operators", "admin (io)", "amministratore", "mario", "operatore", "L736")
	h.Fits("operators")
	if strings.Contains(h.View(), "giulia") {
		t.Error("Padova's operator listed to Venezia's administrator")
	}
	h.Press(ok.Remove)
	if n := h.LastNotice(); !strings.Contains(n.Text, "proprio operatore") {
		t.Errorf("removing oneself: notice %+v", n)
	}
	h.Press(ok.Role)
	if n := h.LastNotice(); !strings.Contains(n.Text, "proprio ruolo") {
		t.Errorf("changing one's own role: notice %+v", n)
	}

	h.Press(ok.Add)
	h.WantView("add form", "Nuovo operatore del comune L736 VENEZIA", "Nome utente", "Nome e cognome", "Ruolo", "Chiave pubblica SSH")
	h.Fits("add form")
	h.Type("Lucia")
	h.Press(form.Input.Next)
	h.WantView("bad name", "non valido")
	h.Clear()
	h.Type("mario")
	h.Press(form.Input.Next)
	h.WantView("existing name", "l'operatore mario esiste già")
	h.Clear()
	h.Type("lucia")
	h.Press(form.Input.Next)
	h.Press(form.Input.Next) // #11.14: the full name is asked
	h.WantView("no full name", "indicare nome e cognome: si stampano sulle ricevute")
	h.Type("Lucia Cendron")
	h.Press(form.Input.Next)
	h.Press(form.Select.Down) // amministratore
	h.Press(form.Select.Next)
	h.Send(tea.PasteMsg{Content: "ssh-ed25519 non-una-chiave"})
	h.Press(form.Input.Next)
	h.WantView("bad key", "chiave pubblica SSH non leggibile")
	h.Clear()
	h.Send(tea.PasteMsg{Content: line + "\n"})
	h.Press(form.Input.Next)
	op, found := h.Svc.Authenticate(fp)
	if !found || op.Name != "lucia" || op.FullName != "Lucia Cendron" || op.Role != domain.RoleAmministratore || op.Comune != "L736" || len(op.Keys) != 1 {
		t.Fatalf("after adding: %+v, %v", op, found)
	}
	h.WantView("listed", "lucia", fp)
	if n := h.LastNotice(); !strings.Contains(n.Text, "Operatore lucia (Lucia Cendron, amministratore) registrato") {
		t.Errorf("notice %+v", n)
	}

	// A second key for lucia (selected: the list is by name).
	for h.Page.(*admin.Model).SelectedOperator() != "lucia" {
		h.Press(ok.Down)
	}
	line2, fp2 := newKey(t, "lucia@casa")
	h.Press(ok.AddKey)
	h.WantView("add key form", "Nuova chiave per lucia")
	h.Send(tea.PasteMsg{Content: line2})
	h.Press(form.Input.Next)
	if op, _ := h.Svc.Authenticate(fp2); op.Name != "lucia" || len(op.Keys) != 2 {
		t.Fatalf("second key: %+v", op)
	}
	h.WantView("two keys", "(2) SHA256:", "lucia@casa")

	// One key taken away: the other still enters (issue #9: sessions follow the register).
	h.Press(ok.RemoveKey)
	h.WantView("remove key form", "Chiave da togliere", fp, fp2, "si chiudono subito")
	h.Fits("remove key form")
	h.Press(form.Select.Next) // the first key
	h.WantView("key removal asks (#11.14)", "Togliere a lucia la chiave "+fp+" (lucia@sportello)?", "le altre chiavi continuano a entrare")
	yes()
	if _, found := h.Svc.Authenticate(fp); found {
		t.Error("the removed key still authenticates")
	}
	if op, found := h.Svc.Authenticate(fp2); !found || op.Name != "lucia" {
		t.Error("the other key no longer authenticates")
	}
	// The role, both ways; never one's own.
	h.Press(ok.Role)
	h.WantView("role asks", "Rendere lucia operatore?", "Le sue sessioni aperte cambiano subito")
	yes()
	if op, _ := h.Svc.Authenticate(fp2); op.Role != domain.RoleOperatore {
		t.Errorf("role after the change: %s", op.Role)
	}
	h.WantView("role listed", "lucia", "operatore")

	h.Press(ok.Remove)
	h.WantView("removal asks", "Rimuovere l'operatore lucia?", "non potrà più aprire sessioni")
	yes()
	if _, found := h.Svc.Authenticate(fp); found {
		t.Error("lucia's key still authenticates")
	}
	if strings.Contains(h.View(), "lucia") {
		t.Errorf("lucia still listed:\n%s", h.View())
	}
}

func TestSettingsSaved(t *testing.T) {
	h, k := newAdmin(t, true)
	h.Press(k.Settings)
	h.WantView("summary", "Regola di scadenza", "5 anni dalla decorrenza", "Giorni di preavviso 60")
	h.Fits("summary")
	h.Press(admin.NewSettingsKeys().Edit)
	h.WantView("form", "Contrassegni e targhe", "Regola di scadenza dei permanenti", "Finestra temporale")
	h.Fits("form")
	h.Press(form.Select.Down) // il compleanno dopo il quinto anno
	h.Press(form.Select.Next)
	h.Press(form.Confirm.Toggle) // finestra temporale: sì
	h.Press(form.Confirm.Next)
	h.Clear()
	h.Type("400")
	h.Press(form.Input.Next)
	h.WantView("alert days out of range", "un numero da 0 a 365")
	h.Clear()
	h.Type("90")
	h.Press(form.Input.Next)
	h.WantView("second group", "PEC e circuito", "Mittenti viviVeneto attendibili")
	h.Type("protocollo@pec.comune.venezia.it")
	h.Press(form.Input.Next)
	h.Clear()
	h.Type("istanze@pec.regione.veneto.it, Altro@PEC.example.it")
	h.Press(form.Input.Next)
	h.Send(tuitest.Key("n")) // not a member of the circuit: saves
	st, err := h.Svc.Settings(h.Ctx.Actor, "L736")
	if err != nil {
		t.Fatal(err)
	}
	if st.ExpiryRule != domain.ExpiryBirthday || !st.FinestraTemporale || st.AlertDays != 90 || st.PEC != "protocollo@pec.comune.venezia.it" ||
		strings.Join(st.TrustedSenders, " ") != "istanze@pec.regione.veneto.it altro@pec.example.it" || st.CircuitMember {
		t.Errorf("saved settings %+v", st)
	}
	h.WantView("summary after saving", "compleanno dopo il quinto anno", "sì (una sola targa valida per volta)", "90", "protocollo@pec.comune.venezia.it")
	if n := h.LastNotice(); n.Text != "Impostazioni del comune salvate." {
		t.Errorf("notice %+v", n)
	}
}

func TestBachecaPostShowsInHomeUnread(t *testing.T) {
	h, k := newAdmin(t, true)
	bk := admin.NewBachecaKeys()
	h.Press(k.Bacheca)
	h.WantView("bacheca", "Sportello del giovedì", "Benvenuti in vivipass")
	h.Fits("bacheca")
	h.Press(bk.Add)
	h.WantView("publish form", "Titolo", "Testo")
	h.Fits("publish form")
	h.Press(form.Input.Next)
	h.WantView("title required", "il titolo dell'avviso è obbligatorio")
	h.Type("Chiusura per inventario")
	h.Press(form.Input.Next)
	h.Type("Venerdì lo sportello resta chiuso.")
	h.Press(form.Text.Submit)
	posts, _ := h.Svc.Bacheca(h.Ctx.Actor)
	if len(posts) != 3 || posts[0].Title != "Chiusura per inventario" || posts[0].Text != "Venerdì lo sportello resta chiuso." || posts[0].Comune != "L736" {
		t.Fatalf("posts after publishing: %+v", posts)
	}
	h.WantView("listed", "Chiusura per inventario", "Venerdì lo sportello resta chiuso.")

	// Mario, an operator of the comune, sees it in Home as new.
	mario := tuitest.Session(t, h.Svc, "mario")
	hm := tuitest.NewHarness(t, mario, home.New(mario))
	hm.WantView("home of mario", "Chiusura per inventario (nuovo)", "da leggere")

	// The notice for every comune is not the comune administrator's to remove.
	for h.Page.(*admin.Model).SelectedPost() != "Benvenuti in vivipass" {
		h.Press(bk.Down)
	}
	h.Press(bk.Remove)
	if n := h.LastNotice(); !strings.Contains(n.Text, "per tutti i comuni") {
		t.Errorf("removing a notice for every comune: %+v", n)
	}
	for h.Page.(*admin.Model).SelectedPost() != "Chiusura per inventario" {
		h.Press(bk.Up)
	}
	h.Press(bk.Remove)
	h.WantView("removal asks", "Rimuovere l'avviso «Chiusura per inventario»?")
	h.Send(tuitest.Key("s"))
	if posts, _ := h.Svc.Bacheca(h.Ctx.Actor); len(posts) != 2 {
		t.Errorf("%d posts after the removal, want 2", len(posts))
	}
}

func TestOperatorSessionGetsNoAdminData(t *testing.T) {
	// The root shows the section to administrators only; the use cases refuse anyway.
	svc := tuitest.Demo(t, now)
	mario := tuitest.Session(t, svc, "mario")
	h := tuitest.NewHarness(t, mario, admin.New(mario))
	h.Press(admin.NewKeyMap().Settings)
	h.Press(admin.NewSettingsKeys().Edit)
	for range 3 {
		h.Press(form.Input.Next)
	}
	for range 3 {
		h.Press(form.Input.Next)
	}
	h.WantView("refused", "operazione non consentita al proprio ruolo")
}

// Issue #10, N2: Circuito nazionale lists the sends to the platform of the comune with
// their state, and puts one back in the queue at once; the password's expiry shows.
func TestNationalQueuePage(t *testing.T) {
	h, k := newAdmin(t, true)
	h.Press(k.National)
	h.WantView("queue", "Amministrazione › Circuito nazionale", "password CUDE nazionale in scadenza", "da inviare (f)", "rilascio", "in coda")
	h.Fits("queue")
	for _, j := range mustQueue(t, h) {
		if j.Comune != "L736" {
			t.Errorf("another comune's send listed to Venezia: %+v", j)
		}
	}
	nk := admin.NewNationalKeys()
	h.Press(nk.Retry)
	if n := h.LastNotice(); !strings.Contains(n.Text, "rimesso in coda") {
		t.Errorf("retry: %+v", n)
	}
	h.Press(nk.Filter)
	h.WantView("rejected", "rifiutati (f)", "Nessun invio rifiutati.")
	h.Press(nk.Filter)
	h.WantView("all", "tutti (f)", "rilascio")
}

func mustQueue(t *testing.T, h *tuitest.Harness) []service.NationalJob {
	t.Helper()
	jobs, err := h.Svc.NationalQueue(h.Ctx.Actor, false)
	if err != nil || len(jobs) == 0 {
		t.Fatalf("queue %v, %v", jobs, err)
	}
	return jobs
}

// Issue #10, N2: an operator who is not an administrator opens Circuito nazionale from
// Home as a page of its own: their comune's sends only, Enter opens the pass.
func TestNationalPageForOperators(t *testing.T) {
	svc := tuitest.Demo(t, now)
	ctx := tuitest.Session(t, svc, "mario")
	if ctx.Actor.Admin() {
		t.Fatal("mario is an administrator in the demo: the test wants an operator")
	}
	h := tuitest.NewHarness(t, ctx, admin.NewNationalPage(ctx))
	h.WantView("queue", "Invii alla piattaforma nazionale · da inviare (f)", "rilascio", "in coda")
	h.Fits("queue")
	jobs, err := svc.NationalQueue(ctx.Actor, true)
	if err != nil || len(jobs) == 0 {
		t.Fatalf("queue %v, %v", jobs, err)
	}
	for _, j := range jobs {
		if j.Comune != "L736" {
			t.Errorf("another comune's send listed to Venezia: %+v", j)
		}
	}
	nk := admin.NewNationalKeys()
	h.Press(nk.Open)
	if len(h.Opened) != 1 || h.Opened[0] != jobs[0].PassID {
		t.Errorf("enter opened %v, want pass %d", h.Opened, jobs[0].PassID)
	}
}
