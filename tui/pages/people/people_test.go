package people_test

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/pages/people"
)

// form keys: the huh bindings the page gives its forms (enter moves on, s confirms).
var form = huh.NewDefaultKeyMap()

func formKeys(t *testing.T, h *harness) (enter func(), yes func()) {
	return func() { t.Helper(); h.press(form.Input.Next) },
		func() { t.Helper(); h.send(keyPress(t, "s")) }
}

// personID finds a person of the actor's comune by name or codice fiscale.
func personID(t *testing.T, h *harness, text string) domain.Person {
	t.Helper()
	ps, err := h.svc.SearchPeople(h.ctx.Actor, text, 0)
	if err != nil || len(ps) != 1 {
		t.Fatalf("SearchPeople(%q) = %d people, %v; want one", text, len(ps), err)
	}
	return ps[0]
}

func newPage(t *testing.T, operator string) (*harness, people.KeyMap) {
	svc := newService(t, true)
	ctx := session(t, svc, operator)
	return newHarness(t, ctx, people.New(ctx)), people.NewKeyMap()
}

func TestSearchWhileTypingAndOpen(t *testing.T) {
	h, k := newPage(t, "mario")
	h.wantView("all people", "ROSSI MARIO", "BIANCHI GIOVANNA", "16 persone")
	h.fits("list")
	h.typeText("ros")
	h.wantView("surname prefix", "ROSSI MARIO", "1 persona")
	if strings.Contains(h.view(), "BIANCHI") {
		t.Errorf("search 'ros' still shows BIANCHI:\n%s", h.view())
	}
	h.clear()
	h.typeText("bncgnn")
	h.wantView("codice fiscale prefix", "BIANCHI GIOVANNA", "BNCGNN75L63L736M", "1 persona")
	h.clear()
	h.typeText("nessuno così")
	h.wantView("nothing found", "Nessuna persona trovata", "0 persone")

	// The scheda: data, photo, passes; enter opens the pass.
	h.clear()
	h.typeText("rossi mario")
	h.press(k.Open)
	rossi := personID(t, h, "RSSMRA80A01L736U")
	h.wantView("scheda", "ROSSI MARIO", "RSSMRA80A01L736U", "01/01/1980 a VENEZIA (VE)", "VIA DEMO 1", "cittadino1@example.it",
		"Foto", "nessuna", "Contrassegni (1)", "L736_2025_00001", "attivo", "AB123CD")
	h.fits("scheda")
	if got := h.page.(*people.Model).Selected(); got != rossi.ID {
		t.Errorf("Selected() = %d, want %d", got, rossi.ID)
	}
	h.press(k.OpenPass)
	passes, _ := h.svc.PersonPasses(h.ctx.Actor, rossi.ID)
	if len(h.opened) != 1 || h.opened[0] != passes[0].ID {
		t.Errorf("enter on the pass sent OpenPassMsg %v, want [%d]", h.opened, passes[0].ID)
	}
	h.press(k.Back)
	h.wantView("back to the list", "Cerca:", "ROSSI MARIO")

	// The root opens the page on a person (OpenPersonMsg → Show).
	bianchi := personID(t, h, "BIANCHI")
	h.run(h.page.(*people.Model).Show(bianchi.ID))
	h.wantView("Show", "BIANCHI GIOVANNA", "Contrassegni (1)", "attivo (D)")
}

func TestOtherComuneNotFound(t *testing.T) {
	h, _ := newPage(t, "giulia") // Padova
	h.typeText("rossi")
	h.wantView("Venezia's person from Padova", "Nessuna persona trovata")
}

func TestPersonFormLiveCheckAndOverride(t *testing.T) {
	h, k := newPage(t, "mario")
	enter, _ := formKeys(t, h)
	born := domain.MustDate(1960, time.March, 12)
	// The code of the tessera sanitaria says the 13th: it disagrees with the birth date.
	cf, err := domain.ComputeCF("VERDI", "CARLA", 'F', born.AddDays(1), "L407")
	if err != nil {
		t.Fatal(err)
	}
	h.press(k.New)
	h.wantView("new person form", "Nuova persona", "Cognome", "Codice fiscale", "da inserire")
	h.fits("new person form")
	h.typeText("Verdi")
	enter()
	h.typeText("Carla")
	enter()
	enter() // sex: from the code
	h.typeText("12/03/1960")
	enter()
	h.typeText("Treviso")
	enter()
	h.typeText(cf[:10])
	h.wantView("half a code", "Codice fiscale errato", "lunghezza 10 invece di 16")
	h.typeText(cf[10:])
	h.wantView("live check", "Non concorda", "la data di nascita 12/03/1960 non corrisponde")
	h.fits("live check")
	enter()
	h.wantView("the reason is asked", "Il codice fiscale non concorda con i dati", "Motivo della forzatura", "Non concorda")
	enter()
	h.wantView("empty reason", "il motivo è obbligatorio")
	if ps, _ := h.svc.SearchPeople(h.ctx.Actor, "VERDI", 0); len(ps) != 0 {
		t.Fatalf("saved without a reason: %+v", ps)
	}
	h.typeText("codice della tessera sanitaria")
	enter()
	h.wantView("residence group", "Residenza e contatti", "Comune di residenza")
	h.typeText("Venezia")
	enter()
	h.typeText("Calle Larga 3")
	enter()
	h.typeText("carla.verdi")
	enter()
	h.wantView("bad e-mail", `indirizzo e-mail "carla.verdi" non valido`)
	h.typeText("@example.it")
	enter()
	h.typeText("+39 333 1234567")
	enter()
	enter() // note: empty → save
	p := personID(t, h, "VERDI CARLA")
	if p.CodiceFiscale != cf || p.CFOverride != "codice della tessera sanitaria" || !p.DataNascita.Equal(born) ||
		p.LuogoNascita != "L407" || p.ComuneResidenza != "L736" || p.Sesso != "F" || p.Email != "carla.verdi@example.it" || p.Comune != "L736" {
		t.Errorf("saved person %+v", p)
	}
	h.wantView("scheda after saving", "VERDI CARLA", "CF forzato", "motivo: codice della tessera sanitaria", "Contrassegni (0)")
	if n := h.lastNotice(); !strings.Contains(n.Text, "codice fiscale forzato") {
		t.Errorf("notice %+v", n)
	}

	// Editing: correcting the birth date to the code's removes the need of a reason,
	// and the reason is dropped.
	h.press(k.Edit)
	h.wantView("edit form", "Modifica anagrafica di VERDI CARLA", "VERDI", "12/03/1960", "TREVISO (TV)", "Non concorda")
	for range 3 {
		enter()
	}
	h.clear()
	h.typeText("13/03/1960")
	h.wantView("fixed", "Codice fiscale corretto e concorde con i dati")
	for range 3 {
		enter()
	}
	h.wantView("no reason group", "Residenza e contatti")
	for range 5 {
		enter()
	}
	p = personID(t, h, "VERDI CARLA")
	if p.CFOverride != "" || !p.DataNascita.Equal(born.AddDays(1)) || p.Version != 2 {
		t.Errorf("after the correction: %+v", p)
	}
}

func TestPersonFormRefusalsKeepTheForm(t *testing.T) {
	h, k := newPage(t, "mario")
	enter, _ := formKeys(t, h)
	h.press(k.New)
	enter()
	h.wantView("surname required", "il cognome è obbligatorio")
	// The window size huh asks for arrives after the validation message (its request
	// waits behind the cursor blink): the fields must all stay on screen.
	h.page.SetSize(80, 21)
	h.wantView("after a resize", "Codice fiscale > 16 caratteri", "il cognome è obbligatorio")
	h.typeText("Rossi")
	enter()
	h.typeText("Mario")
	enter()
	h.typeText("X")
	enter()
	h.wantView("sex", `sesso "X" non valido: M o F`)
	h.clear()
	enter()
	h.typeText("31/02/1980")
	enter()
	h.wantView("bad date", "31/02/1980")
	h.clear()
	enter()
	h.typeText("Atlantide")
	enter()
	h.wantView("unknown place", "Atlantide")
	h.clear()
	enter()
	// Rossi's code is already in Venezia's register: the service refuses, the form
	// comes back with what was typed.
	h.typeText("RSSMRA80A01L736U")
	h.wantView("the code fits", "Codice fiscale corretto e concorde con i dati")
	for range 6 {
		enter()
	}
	h.wantView("refused", "Errore:", "esiste già un'anagrafica con codice fiscale RSSMRA80A01L736U", "Nuova persona")
	h.wantView("values kept", "Rossi", "Mario", "RSSMRA80A01L736U")
	h.send(keyPress(t, "esc"))
	h.wantView("esc leaves the form", "Cerca:")
}

// png30x40 is a small real PNG.
func png30x40(t *testing.T) []byte {
	img := image.NewRGBA(image.Rect(0, 0, 30, 40))
	for x := range 30 {
		img.Set(x, x, color.RGBA{200, 10, 10, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestPhotoFromAFileOnTheServer(t *testing.T) {
	h, k := newPage(t, "mario")
	enter, yes := formKeys(t, h)
	dir := t.TempDir()
	photo := png30x40(t)
	good := filepath.Join(dir, "rossi.foto") // the name says nothing: the content does
	if err := os.WriteFile(good, photo, 0o600); err != nil {
		t.Fatal(err)
	}
	text := filepath.Join(dir, "rossi.jpg")
	os.WriteFile(text, []byte("non sono una foto"), 0o600)
	big := filepath.Join(dir, "grande.png")
	os.WriteFile(big, append(append([]byte{}, photo...), make([]byte, 5<<20)...), 0o600)
	rossi := personID(t, h, "RSSMRA80A01L736U")
	h.run(h.page.(*people.Model).Show(rossi.ID))

	h.press(k.RemovePhoto)
	if n := h.lastNotice(); !strings.Contains(n.Text, "non ha una foto") {
		t.Errorf("removing a missing photo: notice %+v", n)
	}
	h.press(k.Photo)
	h.wantView("photo form", "Foto di ROSSI MARIO", "Percorso del file sul server", "JPEG o PNG, al massimo 5 MB")
	h.fits("photo form")
	attempt := func(path string, want ...string) {
		t.Helper()
		h.clear()
		h.typeText(path)
		enter()
		h.wantView(path, want...)
		if img, _ := h.svc.Photo(h.ctx.Actor, rossi.ID); img != nil {
			t.Fatalf("%s: a photo was stored", path)
		}
	}
	attempt("foto/rossi.png", "indicare il percorso completo")
	attempt(filepath.Join(dir, "manca.png"), "Errore:", "non esiste sul server")
	attempt(dir, "è una cartella")
	attempt(text, "non è una foto JPEG o PNG leggibile")
	attempt(big, "al massimo di 5 MB")
	h.clear()
	h.typeText(good)
	enter()
	if img, _ := h.svc.Photo(h.ctx.Actor, rossi.ID); !bytes.Equal(img, photo) {
		t.Fatalf("stored photo: %d bytes, want the file's %d", len(img), len(photo))
	}
	h.wantView("scheda with the photo", "presente (PNG 30×40, 1 KB)")
	if n := h.lastNotice(); n.Text != "Foto di ROSSI MARIO allegata." {
		t.Errorf("notice %+v", n)
	}

	// Removal asks first; "no" keeps it.
	h.press(k.RemovePhoto)
	h.wantView("removal asks", "Rimuovere la foto di ROSSI MARIO?", "Sì, rimuovi")
	h.send(keyPress(t, "n"))
	if img, _ := h.svc.Photo(h.ctx.Actor, rossi.ID); img == nil {
		t.Fatal("'no' removed the photo")
	}
	h.press(k.RemovePhoto)
	yes()
	if img, _ := h.svc.Photo(h.ctx.Actor, rossi.ID); img != nil {
		t.Fatal("the photo is still there")
	}
	if p := personID(t, h, "RSSMRA80A01L736U"); p.HasPhoto {
		t.Error("HasPhoto after removal")
	}
	h.wantView("scheda without photo", "nessuna (f per allegarla)")
}

func TestMarkDeceased(t *testing.T) {
	h, k := newPage(t, "mario")
	enter, yes := formKeys(t, h)
	rossi := personID(t, h, "RSSMRA80A01L736U")
	h.run(h.page.(*people.Model).Show(rossi.ID))
	h.press(k.Deceased)
	h.wantView("deceased form", "Decesso di ROSSI MARIO", "revocati", "targhe chiuse", "whitelist", "Data del decesso", today.String())
	h.fits("deceased form")
	h.clear()
	h.typeText(today.AddDays(1).String())
	enter()
	h.wantView("future date", "è nel futuro")
	h.clear()
	h.typeText(today.AddDays(-2).String())
	enter()
	h.wantView("confirmation", "Registrare il decesso e revocare i contrassegni?")
	yes()
	p := personID(t, h, "RSSMRA80A01L736U")
	if !p.DataDecesso.Equal(today.AddDays(-2)) {
		t.Errorf("DataDecesso = %s", p.DataDecesso)
	}
	passes, _ := h.svc.PersonPasses(h.ctx.Actor, rossi.ID)
	if len(passes) != 1 || passes[0].State != domain.Revocato {
		t.Errorf("passes after the death: %+v", passes)
	}
	if n := h.lastNotice(); !strings.Contains(n.Text, "L736_2025_00001 revocato, targhe chiuse") {
		t.Errorf("notice %+v", n)
	}
	h.wantView("scheda", "[DECEDUTO il "+today.AddDays(-2).String()+"]", "revocato")
}

func TestReloadOnDataChanged(t *testing.T) {
	h, _ := newPage(t, "mario")
	admin := service.SystemActor("")
	rossi := personID(t, h, "RSSMRA80A01L736U")
	h.run(h.page.(*people.Model).Show(rossi.ID))
	rossi.Email = "nuova@example.it"
	if _, err := h.svc.SavePerson(admin, rossi, ""); err != nil {
		t.Fatal(err)
	}
	h.send(common.DataChangedMsg{Event: service.PersonChanged{PersonID: rossi.ID, InComune: "L736"}})
	h.wantView("reloaded", "nuova@example.it")
}
