package inbox_test

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/internal/mailtest"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/tuitest"
)

// The list shows every sample as what it is: the requests by type with citizen, codice
// fiscale and linked pass; the receipt, the anomaly, the other PEC and the quarantine
// (with its reason) as such; the request the app cannot make as "da gestire allo
// sportello". The filters narrow it; the mailbox line says when it was read.
func TestListShowsTheSamplesByType(t *testing.T) {
	f := newFixture(t, "mario", parserSamples...)
	rossi := f.holderPass("RSSMRA80A01L736U")
	bianchi := f.holderPass("BNCGNN75L63L736M")
	f.key("alt+5")
	s := f.see("the list", "[alt+5 Richieste PEC]", "Stato: tutti · tipo: tutti · solo da gestire · 9 messaggi",
		"Casella protocollo.venezia@127.0.0.1 · letta il 26/11/2026 10:00")
	for _, row := range []string{
		// Four-digit years, whole names at 80 columns (issue 11.8, 11.10).
		"nuova       rinnovo    20/11/2026 ROSSI MARIO                 " + rossi.Number,
		"nuova       duplicato  20/11/2026 BIANCHI GIOVANNA            " + bianchi.Number,
		"nuova       targhe     20/11/2026 ROSSI MARIO                 " + rossi.Number,
		"nuova       sportello  20/11/2026 ROSSI MARIO",
		"nuova       anomalia",
		"nuova       altro",
		"nuova       quarantena",
	} {
		if !strings.Contains(s, row) {
			t.Errorf("the list does not show %q:\n%s", row, s)
		}
	}
	// The selected row in words, under the table: the quarantine with its reason, the
	// counter request, the unverified sender.
	for _, c := range []struct{ what, shows string }{
		{"quarantine", "In quarantena: " + f.item("quarantine").Reason},
		{"SPORTELLO", "Da gestire allo sportello: rinnovo dopo cambio di residenza"},
		{"anomaly", "Busta di anomalia (messaggio non certificato, senza valore legale)"},
		{"other", "Altro messaggio PEC da cittadino@pec.it"},
	} {
		f.pick(f.item(c.what).ID)
		f.see(c.what, c.shows)
	}
	it := f.item("falso.viviveneto@pec.example.it")
	f.pick(it.ID)
	f.see("unverified sender", "Attenzione: mittente non verificato")

	// Filters: the kind (requests only), the state, and the closed ones.
	f.key("t")
	f.see("kind filter", "tipo: richiesta", "6 messaggi")
	f.notSee("kind filter", "quarantena ")
	f.key("t", "t", "t", "t")
	f.see("kind filter", "tipo: in quarantena", "1 messaggio")
	f.key("t")
	if _, err := f.svc.SetRequestState(sys, f.item("receipt").ID, 0, domain.RequestEvasa, "archiviata"); err != nil {
		t.Fatal(err)
	}
	f.key("f")
	f.see("state filter", "Stato: nuova", "9 messaggi")
	f.key("f", "f", "f")
	f.see("state filter: evasa", "Stato: evasa · tipo: tutti · 1 messaggio", "evasa       ricevuta")
	f.key("f", "f")
	f.see("every state, only open", "Stato: tutti · tipo: tutti · solo da gestire · 9 messaggi")
	f.key("a")
	f.see("every state, all", "Stato: tutti · tipo: tutti · anche evase, respinte e ricevute · 10 messaggi")
}

// pick moves the list's cursor to item id.
func (f *fixture) pick(id uint64) {
	f.t.Helper()
	f.open(id)
	f.key("esc")
}

// The detail of 001-rinnovo: the request's fields, the contacts, the INPS outcome, the
// attachments, and the link made when it arrived to ROSSI MARIO and his pass.
func TestDetailOfTheRenewal(t *testing.T) {
	f := newFixture(t, "mario")
	rossi := f.holderPass("RSSMRA80A01L736U")
	it := f.item("RINNOVO")
	if it.PassID != rossi.ID || it.LinkedBy != "automatico" {
		t.Fatalf("stored linked to pass %d by %q, want %d automatico", it.PassID, it.LinkedBy, rossi.ID)
	}
	f.open(it.ID)
	f.see("detail", "Richiesta di rinnovo · VV-2026-000101 · nuova",
		"Inviato 20/11/2026 10:15 · PEC certificata",
		"Mittente noreply.viviveneto@pec.regione.veneto.it (viviVeneto)",
		"Richiedente ROSSI MARIO · RSSMRA80A01L736U",
		"Nascita 01/01/1980 a VENEZIA",
		"Residenza VIA GARIBALDI 1, VENEZIA (L736)",
		"Contatti e-mail cittadino@example.it · cellulare +39 333 1234567",
		"Contrassegno L736_2021_00042, scadenza 31/12/2026 (indicato nella richiesta)",
		"Verifica INPS positivo · certificato medico non necessario",
		"Collegata a ROSSI MARIO · "+rossi.Number+" (attivo, al "+rossi.DataScadenza.String()+") · automatico per codice fiscale",
		"c crea pratica")
	f.key("down", "down", "down", "down", "down", "down")
	f.see("detail, scrolled", "Allegati (2) 1. istanza.xml · istanza (dati della richiesta)", "2. fototessera.jpg · fototessera · 5,4 KB",
		"Stato nuova")
	// o opens the linked pass over the detail; esc comes back.
	f.key("o")
	f.see("linked pass", rossi.Number, "ROSSI MARIO")
	f.key("esc")
	f.see("back", "Richiesta di rinnovo")
}

// "crea pratica" on the renewal opens the Rinnovo form on ROSSI MARIO's pass; saving it
// renews the pass with channel App and marks the request evasa with the note.
func TestCreaPraticaRenewal(t *testing.T) {
	f := newFixture(t, "mario")
	rossi := f.holderPass("RSSMRA80A01L736U")
	it := f.item("RINNOVO")
	f.open(it.ID)
	f.key("c")
	f.see("renewal form", "Rinnovo da richiesta PEC · "+rossi.Number, "ROSSI MARIO (RSSMRA80A01L736U)",
		"Richiesta PEC VV-2026-000101 del 20/11/2026: quanto si salva ha canale App.",
		"Decorrenza "+rossi.DataScadenza.AddDays(1).String(), "Richiesta evasa", "Nota per la richiesta Rinnovo eseguito.")
	// The demo's pass expires in years and the sample names another number (#11.11).
	f.confirmWarnings(10, "Attenzione: scade tra 4 anni e 10 mesi ("+rossi.DataScadenza.String()+"): è il contrassegno da rinnovare?",
		"Attenzione: la richiesta indica L736_2021_00042, non questo contrassegno.")
	f.submitForm(1)
	f.see("after the renewal", "Richiesta PEC evasa. Contrassegno "+rossi.Number+" rinnovato")
	f.event()
	f.see("the detail reloaded", "Richiesta di rinnovo · VV-2026-000101 · evasa")
	next := f.pass(f.pass(rossi.ID).Pass.NextID)
	if next.Pass.Channel != domain.App || !next.Pass.DataDecorrenza.Equal(rossi.DataScadenza.AddDays(1)) {
		t.Errorf("renewed: channel %s, decorrenza %s", next.Pass.Channel, next.Pass.DataDecorrenza)
	}
	if h := next.History[len(next.History)-1]; h.Channel != domain.App || h.Operator != "mario" || h.Action != string(domain.ActRenew) {
		t.Errorf("last change: %+v", h)
	}
	got := f.reload(it.ID)
	if got.State != domain.RequestEvasa || got.Note != "Rinnovo eseguito." || got.StateBy != "mario" {
		t.Errorf("request after the renewal: %s %q by %s", got.State, got.Note, got.StateBy)
	}
	// The detail says so when it reloads; a closed request creates nothing more.
	f.open2(it.ID)
	f.see("closed request", "Richiesta di rinnovo · VV-2026-000101 · evasa")
	f.key("c")
	f.see("crea pratica on a closed request", "La richiesta è già evasa")
}

// event is what the hub delivers after a change (the desk of the tests does not
// listen: the waiting command would swallow the events).
func (f *fixture) event() {
	tuitest.Send(f.m, common.DataChangedMsg{Event: service.InboxChanged{InComune: "L736"}})
}

// open2 opens an item that is no longer among those to handle.
func (f *fixture) open2(id uint64) {
	f.t.Helper()
	f.key("alt+5", "a")
	defer f.key("a")
	f.openAll(id)
}

// openAll opens item id from the list showing every item.
func (f *fixture) openAll(id uint64) {
	f.t.Helper()
	if !f.enterOn(id, service.PECFilter{}) {
		f.t.Fatalf("item %d missing", id)
	}
}

// The duplicate (002): the form comes with the request's reason (furto); saving it
// issues the duplicate with channel App and closes the request.
func TestCreaPraticaDuplicateTheft(t *testing.T) {
	f := newFixture(t, "mario")
	bianchi := f.holderPass("BNCGNN75L63L736M")
	it := f.item("DUPLICATO")
	f.open(it.ID)
	f.see("detail", "Verifica INPS negativo · certificato medico allegato: certificato.pdf, da verificare", "Motivo furto · denuncia allegata")
	f.key("c")
	f.see("duplicate form", "Duplicato da richiesta PEC · "+bianchi.Number, "Motivo indicato nella richiesta: furto.", "> furto",
		"La denuncia è allegata alla richiesta: riportarne numero, data e autorità.")
	f.key("enter", "enter") // #11.13: the reason and the number, then the police report
	f.see("the police report", "Numero della denuncia", "Data della denuncia", "Autorità")
	f.typeText("417/2026")
	f.key("enter")
	f.typeText("19/11/2026")
	f.key("enter")
	f.typeText("Carabinieri – Stazione di Mestre")
	f.key("enter")
	f.see("the request's end", "Richiesta evasa", "Nota per la richiesta Duplicato emesso per furto.")
	f.confirmWarnings(10, "Attenzione: la richiesta indica L736_2022_00007, non questo contrassegno.") // #11.11
	f.submitForm(1)
	f.see("after", "Richiesta PEC evasa. Duplicato "+bianchi.Number+" emesso per furto")
	next := f.pass(f.pass(bianchi.ID).Pass.NextID).Pass
	if !next.Duplicate || next.DuplicateReason != domain.Furto || next.Channel != domain.App ||
		next.Denuncia != (domain.PoliceReport{Numero: "417/2026", Data: domain.MustDate(2026, 11, 19), Autorita: "Carabinieri – Stazione di Mestre"}) {
		t.Errorf("duplicate: %v %s channel %s denuncia %+v", next.Duplicate, next.DuplicateReason, next.Channel, next.Denuncia)
	}
	if got := f.reload(it.ID); got.State != domain.RequestEvasa || got.Note != "Duplicato emesso per furto." {
		t.Errorf("request: %s %q", got.State, got.Note)
	}
}

// The plates request (003) where Venezia has finestra temporale on: adding AB123CD from
// 01/12/2026 closes ROSSI MARIO's current AB123CD the day before and drops GD555RS
// (its period is all inside the new one); EF456GH, to remove, is not on the pass. All
// of it is shown, and applied only after the confirmation, with channel App.
func TestCreaPraticaPlatesReconciled(t *testing.T) {
	f := newFixture(t, "mario")
	st, err := f.svc.Settings(sys, "L736")
	if err != nil {
		t.Fatal(err)
	}
	st.FinestraTemporale = true
	if _, err := f.svc.SaveSettings(sys, st); err != nil {
		t.Fatal(err)
	}
	rossi := f.holderPass("RSSMRA80A01L736U")
	if len(rossi.Plates) != 2 || rossi.Plates[0].Number != "AB123CD" || rossi.Plates[1].Number != "GD555RS" {
		t.Fatalf("demo plates of ROSSI MARIO: %+v", rossi.Plates)
	}
	it := f.item("TARGHE")
	f.open(it.ID)
	f.see("detail", "Targhe aggiungere AB123CD dal 01/12/2026 al 30/11/2031", "rimuovere EF456GH dal 01/12/2026")
	f.key("c")
	f.see("plates form", "Variazione targhe da richiesta PEC · "+rossi.Number,
		"Richiesta: aggiungere AB123CD dal 01/12/2026 al 30/11/2031; rimuovere EF456GH dal 01/12/2026.",
		"Finestra temporale attiva", "Aggiungi AB123CD dal 01/12/2026", "AB123CD ruolo", "principale",
		"Rimuovi EF456GH dal 01/12/2026")
	f.confirmWarnings(6, "Attenzione: la richiesta indica L736_2021_00042, non questo contrassegno.") // #11.11
	end := rossi.DataScadenza
	f.see("the plan", "1. aggiungere AB123CD (autoveicolo) dal 01/12/2026 al "+end.String()+", principale",
		"Con la finestra temporale (una sola targa valida alla volta):",
		"• la targa AB123CD sarà valida fino al 30/11/2026 (invece che fino al "+end.String()+")",
		"• la targa GD555RS (dal "+rossi.Plates[1].From.String()+" al "+end.String()+") sarà rimossa",
		"• Attenzione: la targa AB123CD non sarà più principale",
		"2. EF456GH non è sul contrassegno: niente da rimuovere",
		"Targhe dopo le modifiche: AB123CD "+rossi.Plates[0].From.String()+"–30/11/2026 · AB123CD 01/12/2026–"+end.String()+" principale.",
		"Applicare le modifiche?")
	if v := f.pass(rossi.ID); len(v.Pass.Plates) != 2 || v.Pass.Version != rossi.Version {
		t.Fatalf("changed before the confirmation: %+v", v.Pass.Plates)
	}
	// Not confirmed: back to the dates, nothing applied.
	f.key("n")
	f.see("not confirmed", "Modifiche non applicate", "Aggiungi AB123CD dal")
	for range 6 {
		f.key("enter")
	}
	f.see("the plan again", "Applicare le modifiche?")
	f.key("s")
	f.see("applied", "Targhe del contrassegno "+rossi.Number+": aggiunta AB123CD", "Richiesta PEC evasa")
	v := f.pass(rossi.ID)
	p := v.Pass
	if len(p.Plates) != 2 || p.Plates[0].Number != "AB123CD" || !p.Plates[0].To.Equal(domain.MustDate(2026, 11, 30)) ||
		p.Plates[1].Number != "AB123CD" || !p.Plates[1].From.Equal(domain.MustDate(2026, 12, 1)) ||
		p.Plates[1].Role != domain.RolePrincipale || p.Plates[1].Channel != domain.App {
		t.Errorf("plates after: %+v", p.Plates)
	}
	if h := v.History[len(v.History)-1]; h.Channel != domain.App || !strings.Contains(h.Detail, "GD555RS") {
		t.Errorf("last change: %+v", h)
	}
	if got := f.reload(it.ID); got.State != domain.RequestEvasa || got.Note != "Variazione targhe applicata." {
		t.Errorf("request: %s %q", got.State, got.Note)
	}
}

// Without finestra temporale the plates request adds AB123CD beside the others and
// closes EF456GH (on the pass since before) the day before the date of the request.
func TestCreaPraticaPlatesRemoval(t *testing.T) {
	f := newFixture(t, "mario")
	rossi := f.holderPass("RSSMRA80A01L736U")
	res, err := f.svc.AddPlate(sys, service.Change{PassID: rossi.ID}, service.PlateInput{Number: "EF456GH", From: domain.MustDate(2026, 10, 1)}, true)
	if err != nil {
		t.Fatal(err)
	}
	ef := res.Pass.Plates[len(res.Pass.Plates)-1]
	it := f.item("TARGHE")
	f.open(it.ID)
	f.key("c")
	f.see("plates form", "Finestra temporale non attiva")
	f.confirmWarnings(6, "Attenzione: la richiesta indica L736_2021_00042, non questo contrassegno.") // #11.11
	f.see("the plan", "1. aggiungere AB123CD (autoveicolo) dal 01/12/2026 al "+rossi.DataScadenza.String()+", solo circuito regionale",
		"• Attenzione: AB123CD è già sul contrassegno dal "+rossi.Plates[0].From.String()+" al "+rossi.DataScadenza.String()+": i due periodi si sovrappongono",
		"2. chiudere EF456GH al 30/11/2026 (invece che al "+rossi.DataScadenza.String()+")")
	f.notSee("the plan", "Con la finestra temporale")
	f.key("s")
	f.see("applied", "Richiesta PEC evasa. Targhe del contrassegno "+rossi.Number+": aggiunta AB123CD")
	p := f.pass(rossi.ID).Pass
	i, ok := p.PlateByID(ef.ID)
	if !ok || !p.Plates[i].To.Equal(domain.MustDate(2026, 11, 30)) || len(p.Plates) != 4 {
		t.Errorf("plates after: %+v", p.Plates)
	}
}

// Saving the attachments writes them into the directory typed, under their safe names,
// and never over an existing file: the second save is refused and says so.
// V4, issue #9: one key saves every attachment into the comune's allegati/ folder under
// safe names (the names the sender wrote are never paths), never over a file already
// there; Padova's folder gets nothing.
func TestSaveAttachments(t *testing.T) {
	f := newFixture(t, "mario", "nomi-pericolosi.eml")
	it := f.item("RINNOVO") // the newest renewal: the one with the dangerous names
	if it.RequestID != "VV-2026-000912" {
		it = f.item("VV-2026-000912")
	}
	atts, err := f.svc.PECAttachments(sys, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	folder, err := tuitest.Files(t).Comune("L736")
	if err != nil {
		t.Fatal(err)
	}
	f.open(it.ID)
	f.key("s")
	f.see("saved", "Salvati in allegati/: istanza.xml", "passwd", "x.exe")
	entries, err := folder.List("allegati")
	if err != nil || len(entries) != len(atts) {
		t.Fatalf("%d files in allegati/ (%v), want %d", len(entries), err, len(atts))
	}
	for _, a := range atts {
		got, err := folder.Read("allegati", a.SafeName, 1<<20)
		if err != nil || !bytes.Equal(got, a.Data) {
			t.Errorf("%s: %d bytes, %v", a.SafeName, len(got), err)
		}
	}
	// Nothing outside the folder: the names the sender wrote are never paths.
	if err := filepath.WalkDir(filepath.Dir(folder.Path()), func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !strings.HasPrefix(p, filepath.Join(folder.Path(), "allegati")) {
			t.Errorf("written outside allegati/: %s", p)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}

	// Again: nothing already there is overwritten; the new copies get new names.
	marker := []byte("modificato dall'operatore")
	if err := folder.Remove("allegati", "passwd"); err != nil {
		t.Fatal(err)
	}
	if _, err := folder.Create("allegati", "passwd", marker); err != nil {
		t.Fatal(err)
	}
	f.key("s")
	f.see("saved again", "Salvati in allegati/: istanza-1.xml")
	if got, _ := folder.Read("allegati", "passwd", 1<<10); !bytes.Equal(got, marker) {
		t.Errorf("passwd overwritten: %q", got)
	}
	if entries, _ := folder.List("allegati"); len(entries) != 2*len(atts) {
		t.Errorf("%d files after saving twice, want %d", len(entries), 2*len(atts))
	}
	pd, _ := tuitest.Files(t).Comune("G224")
	if entries, _ := pd.List("allegati"); len(entries) != 0 {
		t.Errorf("Padova's folder got %d files", len(entries))
	}
}

// A3, issue #9: the request's photo becomes the linked holder's photo with one key.
func TestRequestPhotoToHolder(t *testing.T) {
	f := newFixture(t, "mario")
	it := f.item("RINNOVO")
	f.open(it.ID)
	d, err := f.svc.PECItem(f.actor(), it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Person == nil {
		t.Fatalf("the sample renewal is not linked to a person: %+v", d.Item)
	}
	var photo []byte
	atts, _ := f.svc.PECAttachments(sys, it.ID)
	for i, a := range d.Parsed.Attachments {
		if a.Type == "FOTOTESSERA" {
			photo = atts[i].Data
		}
	}
	if photo == nil {
		t.Fatal("the sample renewal has no photo")
	}
	f.key("f")
	f.see("photo taken", "La foto della richiesta è ora la foto di "+d.Person.FullName())
	if got, _ := f.svc.Photo(f.actor(), d.Person.ID); !bytes.Equal(got, photo) {
		t.Errorf("the holder's photo is %d bytes, want the request's %d", len(got), len(photo))
	}
}

func fileIs(t *testing.T, path string, want []byte) bool {
	t.Helper()
	got, err := os.ReadFile(path)
	return err == nil && bytes.Equal(got, want)
}

// The end state: respinta without a note is refused (the form stays, nothing changes);
// integrazione richiesta shows the citizen's contacts to use; the state and the note
// reach the request and the detail.
func TestRequestEndStates(t *testing.T) {
	f := newFixture(t, "mario")
	it := f.item("DUPLICATO")
	f.open(it.ID)
	f.key("e")
	f.see("state dialog", "Esito della richiesta (ora nuova)", "in lavorazione", "integrazione richiesta", "evasa", "respinta",
		"Contatti del cittadino, per chiedere l'integrazione:", "e-mail cittadino@example.it · cellulare +39 333 1234567")
	f.key("down", "down", "down", "enter") // respinta
	f.key("enter")                         // no note
	f.see("respinta without a note", "per respingere una richiesta indicare il motivo nella nota")
	if got := f.reload(it.ID); got.State != domain.RequestNuova {
		t.Fatalf("state changed to %s", got.State)
	}
	f.key("esc")
	f.key("e", "down", "enter") // integrazione richiesta
	f.typeText("manca la fototessera recente")
	f.key("enter")
	f.see("integrazione", "Integrazione richiesta: contattare cittadino@example.it o +39 333 1234567.",
		"Richiesta di duplicato · VV-2026-000102 · integrazione richiesta")
	got := f.reload(it.ID)
	if got.State != domain.RequestIntegrazione || got.Note != "manca la fototessera recente" || got.StateBy != "mario" {
		t.Errorf("after integrazione: %s %q by %s", got.State, got.Note, got.StateBy)
	}
	f.key("e")
	f.key("down", "down", "enter") // respinta (after in lavorazione, evasa)
	f.typeText("documenti non arrivati")
	f.key("enter")
	if got := f.reload(it.ID); got.State != domain.RequestRespinta || got.Note != "documenti non arrivati" {
		t.Errorf("after respinta: %s %q", got.State, got.Note)
	}
	f.see("respinta", "· respinta")
}

// Linking by hand: the request unlinked, then linked again to a person found by codice
// fiscale and to one of their passes; the detail says who linked it.
func TestLinkByHand(t *testing.T) {
	f := newFixture(t, "mario")
	bianchi := f.holderPass("BNCGNN75L63L736M")
	it := f.item("DUPLICATO")
	f.open(it.ID)
	f.key("l")
	f.see("search", "Cerca la persona", "BNCGNN75L63L736M")
	f.key("enter")
	f.see("people", "BIANCHI GIOVANNA · BNCGNN75L63L736M", "nessuna: togliere il collegamento")
	f.key("down", "enter")
	f.see("unlinked", "La richiesta non è più collegata.", "Collegata a nessuna persona del comune: l per collegarla a mano")
	if got := f.reload(it.ID); got.PersonID != 0 || got.PassID != 0 {
		t.Fatalf("still linked: %+v", got)
	}
	f.key("c")
	f.see("crea pratica unlinked", "Collegare prima la richiesta al contrassegno del cittadino (l).")
	f.key("l", "enter", "enter")
	f.see("passes", "Contrassegno di BIANCHI GIOVANNA", bianchi.Number, "nessun contrassegno: solo la persona")
	f.key("enter")
	// The request names another number (the demo's pass is newer): asked, No the
	// default, nothing linked (issue 11.11).
	f.see("number asked", "Attenzione: la richiesta indica il contrassegno L736_2022_00007, non quello scelto.", "Collegare comunque?")
	f.key("enter")
	f.see("not linked", "Richiesta non collegata: nessuna modifica.")
	if got := f.reload(it.ID); got.PassID != 0 {
		t.Fatalf("linked without the confirmation: %+v", got)
	}
	f.key("l", "enter", "enter", "enter")
	f.key("s")
	f.see("linked", "Richiesta collegata a BIANCHI GIOVANNA e al contrassegno "+bianchi.Number, "a mano da mario")
	if got := f.reload(it.ID); got.PersonID != bianchi.PersonID || got.PassID != bianchi.ID || got.LinkedBy != "mario" {
		t.Errorf("linked: %+v", got)
	}
}

// Home counts the new requests (the receipt is not a request), and no longer once they
// are handled.
func TestHomeCountsNewRequests(t *testing.T) {
	f := newFixture(t, "mario")
	f.see("home", "Attenzione: 3 nuove richieste PEC da viviVeneto (alt+5)")
	for _, typ := range []string{"RINNOVO", "DUPLICATO"} {
		if _, err := f.svc.SetRequestState(sys, f.item(typ).ID, 0, domain.RequestInLavorazione, ""); err != nil {
			t.Fatal(err)
		}
	}
	f.key("f2", "f1")
	f.see("home", "Attenzione: 1 nuova richiesta PEC da viviVeneto (alt+5)")
}

// s reads the mailbox now: new messages appear with the outcome on the status line; a
// failure is said there and on the mailbox line.
func TestSyncNow(t *testing.T) {
	f := newFixture(t, "mario")
	f.mem.Seed("INBOX", mailtest.Requests(t, 1, 2)...)
	f.key("alt+5")
	f.see("before", "3 messaggi") // and the receipt, not to handle (#11.16)
	f.runSync(tuitest.Key("s"))
	f.see("synced", "5 messaggi", "Casella letta: 2 messaggi nuovi.")
	f.mem.Stop()
	f.runSync(tuitest.Key("s"))
	f.see("failed", "Errore: lettura della casella non riuscita: connessione a", "rifiutata", "Errore il 26/11/2026 10:00: connessione a 127.0.0.1") // in Italian (#11.9)
	f.key("f1")
	f.see("home", "Attenzione: lettura della casella PEC non riuscita il 26/11/2026 10:00 (alt+5)")
}

// Nothing redraws on a timer: the list, the detail and a form over it are idle.
func TestIdle(t *testing.T) {
	f := newFixture(t, "mario")
	f.open(f.item("RINNOVO").ID)
	for _, step := range []struct{ key, shows string }{{"", "Richiesta di rinnovo"}, {"e", "Nota"}, {"esc", "Richiesta di rinnovo"}} {
		var msgs []tea.Msg
		if step.key != "" {
			msgs = append(msgs, tuitest.Key(step.key))
		}
		if late := tuitest.Idle(f.m, nil, 800*time.Millisecond, msgs...); len(late) > 0 {
			t.Errorf("%q: %d messages while idle: %#v", step.key, len(late), late)
		}
		f.see(step.key, step.shows)
	}
}
