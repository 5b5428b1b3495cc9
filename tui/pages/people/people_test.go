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
	"vivipass/tui/tuitest"
)

// today is the service clock's day in every test (at 10:30).
var (
	today = domain.MustDate(2025, time.June, 10)
	now   = time.Date(today.Year(), today.Month(), today.Day(), 10, 30, 0, 0, domain.Rome)
)

// form keys: the huh bindings the page gives its forms (enter moves on, s confirms).
var form = huh.NewDefaultKeyMap()

func formKeys(t *testing.T, h *tuitest.Harness) (enter func(), yes func()) {
	return func() { t.Helper(); h.Press(form.Input.Next) },
		func() { t.Helper(); h.Send(tuitest.Key("s")) }
}

// personID finds a person of the actor's comune by name or codice fiscale.
func personID(t *testing.T, h *tuitest.Harness, text string) domain.Person {
	t.Helper()
	ps, err := h.Svc.SearchPeople(h.Ctx.Actor, text, 0)
	if err != nil || len(ps) != 1 {
		t.Fatalf("SearchPeople(%q) = %d people, %v; want one", text, len(ps), err)
	}
	return ps[0]
}

func newPage(t *testing.T, operator string) (*tuitest.Harness, people.KeyMap) {
	svc := tuitest.Demo(t, now)
	ctx := tuitest.Session(t, svc, operator)
	return tuitest.NewHarness(t, ctx, people.New(ctx)), people.NewKeyMap()
}

func TestSearchWhileTypingAndOpen(t *testing.T) {
	h, k := newPage(t, "mario")
	h.WantView("all people", "ROSSI MARIO", "BIANCHI GIOVANNA", "16 persone")
	h.Fits("list")
	h.Type("ros")
	h.WantView("surname prefix", "ROSSI MARIO", "1 persona")
	if strings.Contains(h.View(), "BIANCHI") {
		t.Errorf("search 'ros' still shows BIANCHI:\n%s", h.View())
	}
	h.Clear()
	h.Type("bncgnn")
	h.WantView("codice fiscale prefix", "BIANCHI GIOVANNA", "BNCGNN75L63L736M", "1 persona")
	h.Clear()
	h.Type("nessuno così")
	h.WantView("nothing found", "Nessuna persona trovata", "0 persone")

	// The scheda: data, photo, passes; enter opens the pass.
	h.Clear()
	h.Type("rossi mario")
	h.Press(k.Open)
	rossi := personID(t, h, "RSSMRA80A01L736U")
	h.WantView("scheda", "ROSSI MARIO", "RSSMRA80A01L736U", "01/01/1980 a VENEZIA (VE)", "VIA DEMO 1", "cittadino1@example.it",
		"Foto", "nessuna", "Contrassegni (1)", "L736_2025_00001", "attivo", "AB123CD")
	h.Fits("scheda")
	if got := h.Page.(*people.Model).Selected(); got != rossi.ID {
		t.Errorf("Selected() = %d, want %d", got, rossi.ID)
	}
	h.Press(k.OpenPass)
	passes, _ := h.Svc.PersonPasses(h.Ctx.Actor, rossi.ID)
	if len(h.Opened) != 1 || h.Opened[0] != passes[0].ID {
		t.Errorf("enter on the pass sent OpenPassMsg %v, want [%d]", h.Opened, passes[0].ID)
	}
	h.Press(k.Back)
	h.WantView("back to the list", "Cerca:", "ROSSI MARIO")

	// The root opens the page on a person (OpenPersonMsg → Show).
	bianchi := personID(t, h, "BIANCHI")
	h.Run(h.Page.(*people.Model).Show(bianchi.ID))
	h.WantView("Show", "BIANCHI GIOVANNA", "Contrassegni (1)", "attivo (D)")
}

func TestOtherComuneNotFound(t *testing.T) {
	h, _ := newPage(t, "giulia") // Padova
	h.Type("rossi")
	h.WantView("Venezia's person from Padova", "Nessuna persona trovata")
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
	h.Press(k.New)
	h.WantView("new person form", "Nuova persona", "Cognome", "Codice fiscale", "da inserire")
	h.Fits("new person form")
	h.Type("Verdi")
	enter()
	h.Type("Carla")
	enter()
	enter() // sex: from the code
	h.Type("12/03/1960")
	enter()
	h.Type("Treviso")
	enter()
	h.Type(cf[:10])
	h.WantView("half a code", "Codice fiscale errato", "lunghezza 10 invece di 16")
	h.Type(cf[10:])
	h.WantView("live check", "Non concorda", "la data di nascita 12/03/1960 non corrisponde")
	h.Fits("live check")
	enter()
	h.WantView("the reason is asked", "Il codice fiscale non concorda con i dati", "Motivo della forzatura", "Non concorda")
	enter()
	h.WantView("empty reason", "il motivo è obbligatorio")
	if ps, _ := h.Svc.SearchPeople(h.Ctx.Actor, "VERDI", 0); len(ps) != 0 {
		t.Fatalf("saved without a reason: %+v", ps)
	}
	h.Type("codice della tessera sanitaria")
	enter()
	h.WantView("residence group", "Residenza e contatti", "Comune di residenza")
	h.Type("Venezia")
	enter()
	h.Type("Calle Larga 3")
	enter()
	h.Type("3012") // the CAP, for the letters (issue 11.15)
	enter()
	h.WantView("bad CAP", `CAP "3012" non valido: 5 cifre (es. 30124)`)
	h.Type("4")
	h.Fits("residence group")
	enter()
	h.Type("carla.verdi")
	enter()
	h.WantView("bad e-mail", `indirizzo e-mail "carla.verdi" non valido`)
	h.Type("@example.it")
	enter()
	h.Type("+39 333 1234567")
	enter()
	enter() // note: empty → save
	p := personID(t, h, "VERDI CARLA")
	if p.CodiceFiscale != cf || p.CFOverride != "codice della tessera sanitaria" || !p.DataNascita.Equal(born) ||
		p.LuogoNascita != "L407" || p.ComuneResidenza != "L736" || p.Sesso != "F" || p.Email != "carla.verdi@example.it" || p.Comune != "L736" ||
		p.CAP != "30124" {
		t.Errorf("saved person %+v", p)
	}
	h.WantView("scheda after saving", "VERDI CARLA", "CALLE LARGA 3, 30124 VENEZIA (VE)", "CF forzato", "motivo: codice della tessera sanitaria", "Contrassegni (0)")
	if n := h.LastNotice(); !strings.Contains(n.Text, "codice fiscale forzato") {
		t.Errorf("notice %+v", n)
	}

	// Editing: correcting the birth date to the code's removes the need of a reason,
	// and the reason is dropped.
	h.Press(k.Edit)
	h.WantView("edit form", "Modifica anagrafica di VERDI CARLA", "VERDI", "12/03/1960", "TREVISO (TV)", "Non concorda")
	for range 3 {
		enter()
	}
	h.Clear()
	h.Type("13/03/1960")
	h.WantView("fixed", "Codice fiscale corretto e concorde con i dati")
	for range 3 {
		enter()
	}
	h.WantView("no reason group", "Residenza e contatti")
	for range 6 {
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
	h.Press(k.New)
	enter()
	h.WantView("surname required", "il cognome è obbligatorio")
	// The window size huh asks for arrives after the validation message (its request
	// waits behind the cursor blink): the fields must all stay on screen.
	h.Page.SetSize(80, 21)
	h.WantView("after a resize", "Codice fiscale > 16 caratteri", "il cognome è obbligatorio")
	h.Type("Rossi")
	enter()
	h.Type("Mario")
	enter()
	h.Type("X")
	enter()
	h.WantView("sex", `sesso "X" non valido: M o F`)
	h.Clear()
	enter()
	h.Type("31/02/1980")
	enter()
	h.WantView("bad date", "31/02/1980")
	h.Clear()
	enter()
	h.Type("Atlantide")
	enter()
	h.WantView("unknown place", "Atlantide")
	h.Clear()
	enter()
	// Rossi's code is already in Venezia's register: the service refuses, the form
	// comes back with what was typed.
	h.Type("RSSMRA80A01L736U")
	h.WantView("the code fits", "Codice fiscale corretto e concorde con i dati")
	for range 7 { // to the end of the residence (with the CAP)
		enter()
	}
	h.WantView("refused", "Errore:", "esiste già un'anagrafica con codice fiscale RSSMRA80A01L736U", "Nuova persona")
	h.WantView("values kept", "Rossi", "Mario", "RSSMRA80A01L736U")
	h.Send(tuitest.Key("esc"))
	h.WantView("esc leaves the form", "Cerca:")
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

// A3, issue #9: the photo is chosen among the files of the comune's foto/ folder (put
// there over SFTP); no path of the server is ever typed, a link planted in the folder is
// not followed, and another comune's photos are not offered.
func TestPhotoFromTheComuneFolder(t *testing.T) {
	h, k := newPage(t, "mario")
	enter, yes := formKeys(t, h)
	photo := png30x40(t)
	folder := h.Ctx.Files
	mustCreate := func(name string, data []byte) {
		t.Helper()
		if _, err := folder.Create("foto", name, data); err != nil {
			t.Fatal(err)
		}
	}
	rossi := personID(t, h, "RSSMRA80A01L736U")
	h.Run(h.Page.(*people.Model).Show(rossi.ID))

	h.Press(k.RemovePhoto)
	if n := h.LastNotice(); !strings.Contains(n.Text, "non ha una foto") {
		t.Errorf("removing a missing photo: notice %+v", n)
	}
	h.Press(k.Photo)
	h.WantView("empty folder", "Foto di ROSSI MARIO", "La cartella foto/ del comune è vuota", "sftp -P 2222 mario@server")
	h.Fits("empty folder")
	enter()
	h.WantView("nothing to choose", "nessun file da scegliere in foto/")
	h.Press(k.Back)

	mustCreate("rossi.foto", photo) // the name says nothing: the content does
	mustCreate("testo.jpg", []byte("non sono una foto"))
	// A link planted in the folder (say, by someone with a shell) is never followed.
	os.Symlink("/etc/passwd", filepath.Join(folder.Path(), "foto", "passwd.jpg"))
	// Padova's photo, in Padova's folder.
	pd, err := tuitest.Files(t).Comune("G224")
	if err != nil {
		t.Fatal(err)
	}
	pd.Create("foto", "di-padova.png", photo)

	choose := func(name string) {
		t.Helper()
		h.Press(k.Photo)
		h.WantView("photo form", "File della foto", "rossi.foto", "testo.jpg")
		if v := h.View(); strings.Contains(v, "passwd") || strings.Contains(v, "di-padova") {
			t.Fatalf("offered a link or another comune's file:\n%s", v)
		}
		for !strings.Contains(selectedLine(h.View()), name) {
			h.Press(form.Select.Down)
		}
		enter()
	}
	choose("testo.jpg")
	h.WantView("not a photo", "non è una foto JPEG o PNG leggibile")
	if img, _ := h.Svc.Photo(h.Ctx.Actor, rossi.ID); img != nil {
		t.Fatal("a text file was stored as the photo")
	}
	h.Press(k.Back)
	choose("rossi.foto")
	if img, _ := h.Svc.Photo(h.Ctx.Actor, rossi.ID); !bytes.Equal(img, photo) {
		t.Fatalf("stored photo: %d bytes, want the file's %d", len(img), len(photo))
	}
	h.WantView("scheda with the photo", "presente (PNG 30×40, 1 KB)")
	if n := h.LastNotice(); n.Text != "Foto di ROSSI MARIO allegata (foto/rossi.foto)." {
		t.Errorf("notice %+v", n)
	}

	// Removal asks first; "no" keeps it.
	h.Press(k.RemovePhoto)
	h.WantView("removal asks", "Rimuovere la foto di ROSSI MARIO?", "Sì, rimuovi")
	h.Send(tuitest.Key("n"))
	if img, _ := h.Svc.Photo(h.Ctx.Actor, rossi.ID); img == nil {
		t.Fatal("'no' removed the photo")
	}
	h.Press(k.RemovePhoto)
	yes()
	if img, _ := h.Svc.Photo(h.Ctx.Actor, rossi.ID); img != nil {
		t.Fatal("the photo is still there")
	}
	if p := personID(t, h, "RSSMRA80A01L736U"); p.HasPhoto {
		t.Error("HasPhoto after removal")
	}
	h.WantView("scheda without photo", "nessuna (f per allegarla)")
}

func TestMarkDeceased(t *testing.T) {
	h, k := newPage(t, "mario")
	enter, yes := formKeys(t, h)
	rossi := personID(t, h, "RSSMRA80A01L736U")
	h.Run(h.Page.(*people.Model).Show(rossi.ID))
	h.Press(k.Deceased)
	h.WantView("deceased form", "Decesso di ROSSI MARIO", "revocati", "targhe chiuse", "whitelist", "Data del decesso", today.String())
	h.Fits("deceased form")
	h.Clear()
	h.Type(today.AddDays(1).String())
	enter()
	h.WantView("future date", "è nel futuro")
	h.Clear()
	h.Type(today.AddDays(-2).String())
	enter()
	h.WantView("confirmation", "Registrare il decesso e revocare i contrassegni?")
	yes()
	p := personID(t, h, "RSSMRA80A01L736U")
	if !p.DataDecesso.Equal(today.AddDays(-2)) {
		t.Errorf("DataDecesso = %s", p.DataDecesso)
	}
	passes, _ := h.Svc.PersonPasses(h.Ctx.Actor, rossi.ID)
	if len(passes) != 1 || passes[0].State != domain.Revocato {
		t.Errorf("passes after the death: %+v", passes)
	}
	if n := h.LastNotice(); !strings.Contains(n.Text, "L736_2025_00001 revocato, targhe chiuse") {
		t.Errorf("notice %+v", n)
	}
	h.WantView("scheda", "[DECEDUTO il "+today.AddDays(-2).String()+"]", "revocato")
}

func TestReloadOnDataChanged(t *testing.T) {
	h, _ := newPage(t, "mario")
	admin := service.SystemActor("")
	rossi := personID(t, h, "RSSMRA80A01L736U")
	h.Run(h.Page.(*people.Model).Show(rossi.ID))
	rossi.Email = "nuova@example.it"
	if _, err := h.Svc.SavePerson(admin, rossi, ""); err != nil {
		t.Fatal(err)
	}
	h.Send(common.DataChangedMsg{Event: service.PersonChanged{PersonID: rossi.ID, InComune: "L736"}})
	h.WantView("reloaded", "nuova@example.it")
}

// selectedLine is the line of a select with the cursor (huh marks it with ">").
func selectedLine(view string) string {
	for _, l := range strings.Split(view, "\n") {
		if strings.Contains(l, "> ") {
			return l
		}
	}
	return ""
}
