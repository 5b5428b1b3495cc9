package forms

import (
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/pages/passes"
	"vivipass/tui/styles"
	"vivipass/tui/tuitest"
)

// today is the fixed day of every test.
var today = domain.MustDate(2025, time.June, 10)

// harness is a real service on a temporary bbolt file, one operator of Venezia, and
// the system actor that prepares data (and plays "another operator").
type harness struct {
	t   *testing.T
	svc *service.Service
	sys service.Actor
	ctx *common.Context
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	svc := tuitest.Register(t, time.Date(today.Year(), today.Month(), today.Day(), 10, 30, 0, 0, domain.Rome))
	sys := service.SystemActor("collega")
	for _, c := range []string{"L736", "G224"} {
		if err := svc.Init(sys, c); err != nil {
			t.Fatalf("Init %s: %v", c, err)
		}
	}
	op := domain.Operator{Name: "mario", Role: domain.RoleOperatore, Comune: "L736"}
	ctx := &common.Context{Svc: svc, Operator: op, Actor: service.OperatorActor(op), Styles: styles.New(true), Width: 80, Height: 24}
	return &harness{t: t, svc: svc, sys: sys, ctx: ctx}
}

func cf(t *testing.T, cognome, nome string, sex byte, birth domain.Date, place string) string {
	t.Helper()
	c, err := domain.ComputeCF(cognome, nome, sex, birth, place)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// issue gives a person of Venezia a pass issued on rilascio, with plates.
func (h *harness) issue(cognome, nome string, birth, rilascio domain.Date, plates ...service.PlateInput) service.PassView {
	h.t.Helper()
	res, err := h.svc.IssuePass(h.sys, service.IssueRequest{Comune: "L736",
		Person: domain.Person{CodiceFiscale: cf(h.t, cognome, nome, 'M', birth, "L736"), Cognome: cognome, Nome: nome,
			Sesso: "M", DataNascita: birth, LuogoNascita: "L736"},
		Pass: domain.IssueInput{Kind: domain.Permanente, DataRilascio: rilascio}, Plates: plates})
	if err != nil {
		h.t.Fatalf("IssuePass: %v", err)
	}
	return h.get(res.Pass.ID)
}

func (h *harness) get(id uint64) service.PassView {
	h.t.Helper()
	v, err := h.svc.GetPass(h.sys, id)
	if err != nil {
		h.t.Fatalf("GetPass %d: %v", id, err)
	}
	return v
}

// finestra turns the finestra temporale on for Venezia.
func (h *harness) finestra() {
	h.t.Helper()
	st, err := h.svc.Settings(h.sys, "L736")
	if err != nil {
		h.t.Fatal(err)
	}
	st.FinestraTemporale = true
	if _, err := h.svc.SaveSettings(h.sys, st); err != nil {
		h.t.Fatal(err)
	}
}

// driver feeds a page as the root would, synchronously: key presses, then the
// messages of the commands they return, a bounded number of rounds. Commands that do
// not answer quickly (the cursor blink) are left behind; the page's own service calls
// (while it loads or saves) are waited for. Messages for the root are collected.
type driver struct {
	t   *testing.T
	p   common.Page
	out []tea.Msg
}

func (h *harness) open(p common.Page) *driver {
	d := &driver{t: h.t, p: p}
	p.SetSize(80, 21) // what the root leaves at 80×24
	d.run(p.Init())
	return d
}

func (d *driver) run(cmd tea.Cmd) {
	queue := collect(cmd, d.deadline())
	for round := 0; round < 12 && len(queue) > 0; round++ {
		var next []tea.Msg
		for _, m := range queue {
			switch m.(type) {
			case common.PopMsg, common.OpenPassMsg, common.PushMsg, common.NoticeMsg:
				d.out = append(d.out, m)
				continue
			}
			np, cmd := d.p.Update(m)
			d.p = np
			next = append(next, collect(cmd, d.deadline())...)
		}
		queue = next
	}
}

func (d *driver) deadline() time.Time {
	if p, ok := d.p.(*Page); ok && (p.state == stateLoading || p.state == stateSaving) {
		return time.Now().Add(10 * time.Second)
	}
	return time.Now().Add(60 * time.Millisecond)
}

// collect runs cmd and the commands of batches and sequences (in order) until deadline.
func collect(cmd tea.Cmd, deadline time.Time) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(time.Until(deadline)):
		return nil
	}
	if msg == nil {
		return nil
	}
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != reflect.TypeOf(tea.Cmd(nil)) {
		return []tea.Msg{msg}
	}
	res := make([][]tea.Msg, v.Len())
	var wg sync.WaitGroup
	for i := range v.Len() {
		c, _ := v.Index(i).Interface().(tea.Cmd)
		wg.Add(1)
		go func() { defer wg.Done(); res[i] = collect(c, deadline) }()
	}
	wg.Wait()
	var out []tea.Msg
	for _, r := range res {
		out = append(out, r...)
	}
	return out
}

// press sends keys one by one, running what each one starts.
func (d *driver) press(keys ...string) {
	d.t.Helper()
	for _, k := range keys {
		np, cmd := d.p.Update(tuitest.Key(k))
		d.p = np
		d.run(cmd)
	}
}

// enter presses enter n times.
func (d *driver) enter(n int) {
	d.t.Helper()
	for range n {
		d.press("enter")
	}
}

// typ types text into the focused field (the cursor blink it starts is not run).
func (d *driver) typ(s string) {
	for _, r := range s {
		np, _ := d.p.Update(tea.KeyPressMsg{Code: r, Text: string(r)})
		d.p = np
	}
}

// replace empties the focused field and types s.
func (d *driver) replace(s string) {
	d.press("ctrl+u")
	d.typ(s)
}

func (d *driver) screen() string { return ansi.Strip(d.p.View()) }

// flat is the screen as one line: wrapped sentences read whole.
func (d *driver) flat() string { return strings.Join(strings.Fields(d.screen()), " ") }

func (d *driver) see(want ...string) {
	d.t.Helper()
	s := d.flat()
	for _, w := range want {
		if !strings.Contains(s, w) {
			d.t.Fatalf("screen lacks %q:\n%s", w, s)
		}
	}
}

func (d *driver) notSee(w string) {
	d.t.Helper()
	if s := d.flat(); strings.Contains(s, w) {
		d.t.Fatalf("screen shows %q:\n%s", w, s)
	}
}

// fits checks the page fits what the root gives it at 80×24.
func (d *driver) fits() {
	d.t.Helper()
	lines := strings.Split(d.screen(), "\n")
	if len(lines) > 21 {
		d.t.Errorf("%d lines, the page has 21 at 80×24:\n%s", len(lines), d.screen())
	}
	for _, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			d.t.Errorf("line of %d cells: %q", w, l)
		}
	}
}

// closed returns the notice the form closed with, and the pass it opened (0 if none).
func (d *driver) closed() (string, uint64) {
	d.t.Helper()
	if len(d.out) == 0 {
		d.t.Fatalf("the form did not close; screen:\n%s", d.screen())
	}
	pop, ok := d.out[0].(common.PopMsg)
	if !ok {
		d.t.Fatalf("first message for the root is %T, want PopMsg", d.out[0])
	}
	var id uint64
	if len(d.out) > 1 {
		if o, ok := d.out[1].(common.OpenPassMsg); ok {
			id = o.ID
		}
	}
	return pop.Notice, id
}

func (d *driver) stillOpen() {
	d.t.Helper()
	if len(d.out) > 0 {
		d.t.Fatalf("the form closed: %#v", d.out)
	}
	if p, ok := d.p.(*Page); !ok || p.state != stateEditing {
		d.t.Fatalf("the form is not being edited; screen:\n%s", d.screen())
	}
}

func TestPassFormsComplete(t *testing.T) {
	v := reflect.ValueOf(PassForms())
	for i := range v.NumField() {
		switch v.Type().Field(i).Name {
		case "Print", "Modules":
			continue // Stampa and Moduli: tui/pages/print, wired by cmd/vivipass
		}
		if v.Field(i).IsNil() {
			t.Errorf("PassForms().%s is nil", v.Type().Field(i).Name)
		}
	}
}

// The Contrassegni page opens the nuovo rilascio on ctrl+n (wired through pass.Forms).
func TestContrassegniCtrlNOpensNuovoRilascio(t *testing.T) {
	h := newHarness(t)
	pg := passes.New(h.ctx, PassForms().NewIssue)
	_, cmd := pg.Update(tuitest.Key("ctrl+n"))
	if cmd == nil {
		t.Fatal("ctrl+n returned no command")
	}
	push, ok := cmd().(common.PushMsg)
	if !ok || push.Page.Title() != "Nuovo rilascio" {
		t.Fatalf("ctrl+n gave %#v, want a PushMsg of Nuovo rilascio", push)
	}
}

func TestIssueNewPerson(t *testing.T) {
	h := newHarness(t)
	d := h.open(NewIssue(h.ctx))
	d.see("Nuovo rilascio", "Codice fiscale")
	code := cf(t, "VERDI", "LUCA", 'M', domain.MustDate(1970, time.March, 15), "L736")
	d.typ(code[:5])
	d.see("5 caratteri su 16")
	d.typ(code[5:])
	d.see("Dal codice: sesso M, nato il 15/03/1970 a VENEZIA (VE)")
	d.press("enter")
	d.see("Nuova anagrafica", "15/03/1970", "VENEZIA (VE)", "Codice fiscale: concorda con i dati (OK)")
	d.fits()
	d.press("enter") // codice fiscale
	d.typ("Verdi")
	d.press("enter")
	d.typ("Luca")
	d.enter(5) // nome, sesso, nascita, luogo, residenza
	d.typ("Via Roma 1")
	d.press("enter")
	d.typ("luca.verdi@example.it")
	d.enter(2) // e-mail, telefono: the reason group stays hidden (the code agrees)
	d.see("Titolare: VERDI LUCA", "L736_2025_00001", "10/06/2030", "Scadenza proposta dalla regola del comune")
	d.fits()
	d.enter(5)   // tipo, rilascio, decorrenza, scadenza, numero
	d.press("s") // consenso: sì
	d.typ("ab 123 cd")
	d.enter(3) // targa, nazione, principale (sì by default): saves
	notice, id := d.closed()
	if notice != "Contrassegno L736_2025_00001 rilasciato a VERDI LUCA, valido fino al 10/06/2030" {
		t.Errorf("notice %q", notice)
	}
	if id == 0 {
		t.Fatal("the new pass was not opened")
	}
	v := h.get(id)
	if v.Holder.CodiceFiscale != code || v.Holder.Indirizzo != "VIA ROMA 1" || v.Holder.Email != "luca.verdi@example.it" {
		t.Errorf("holder %+v", v.Holder)
	}
	if !v.Pass.National.Consent || len(v.Pass.Plates) != 1 || v.Pass.Plates[0].Number != "AB123CD" || v.Pass.Plates[0].Role != domain.RolePrincipale {
		t.Errorf("pass %+v", v.Pass)
	}
}

// A2: a codice fiscale that disagrees with the data is shown as the operator types,
// and the pass cannot be saved without a reason, which is stored.
func TestIssueCFMismatchNeedsReason(t *testing.T) {
	h := newHarness(t)
	d := h.open(NewIssue(h.ctx))
	d.typ(cf(t, "VERDI", "LUCA", 'M', domain.MustDate(1970, time.March, 15), "L736"))
	d.press("enter")
	d.press("enter")
	d.typ("Verdi")
	d.press("enter")
	d.typ("Marco")
	d.see("Il codice fiscale NON concorda con i dati", "il nome MARCO dà MRC, nel codice fiscale c'è LCU")
	d.enter(8) // to the end of the person
	d.see("Il codice fiscale non concorda con i dati", "Motivo")
	d.fits()
	d.press("enter")
	d.see("Errore: indicare perché si accetta un codice fiscale che non concorda con i dati")
	d.typ("tessera sanitaria con codice diverso")
	d.press("enter")
	d.see("Titolare: VERDI MARCO")
	d.enter(5)
	d.press("n") // no consent
	d.enter(3)   // no plate
	_, id := d.closed()
	v := h.get(id)
	if v.Holder.Nome != "MARCO" || v.Holder.CFOverride != "tessera sanitaria con codice diverso" {
		t.Errorf("holder %+v", v.Holder)
	}
}

// P2: a typed number is warned about; one already used is refused and the form stays
// open with everything typed.
func TestIssueUsedNumberRefused(t *testing.T) {
	h := newHarness(t)
	used := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today).Pass.Number // L736_2025_00001
	d := h.open(NewIssue(h.ctx))
	d.typ(cf(t, "VERDI", "LUCA", 'M', domain.MustDate(1970, time.March, 15), "L736"))
	d.press("enter")
	d.press("enter")
	d.typ("Verdi")
	d.press("enter")
	d.typ("Luca")
	d.enter(8)
	d.see("L736_2025_00002")
	d.enter(4) // to the number
	d.replace(used)
	d.see("Attenzione: numero inserito a mano", "proposto L736_2025_00002")
	d.enter(2)
	d.typ("GA001ZZ")
	d.enter(3)
	d.stillOpen()
	d.see("Errore: il numero L736_2025_00001 è già usato da un altro contrassegno", "GA001ZZ", "Titolare: VERDI LUCA")
	d.fits()
	if pg := d.p.(*Page); pg.form.GetFocusedField() != pg.resume() {
		t.Errorf("the form did not resume on the pass group")
	}
	d.enter(4)
	d.replace("L736_2025_00009")
	d.see("la numerazione salterà da 00002 a 00009")
	d.enter(5)
	notice, id := d.closed()
	if !strings.HasPrefix(notice, "Contrassegno L736_2025_00009 rilasciato a VERDI LUCA") ||
		!strings.Contains(notice, "Attenzione: numero inserito a mano: la numerazione salterà da 00002 a 00009") {
		t.Errorf("notice %q", notice)
	}
	if v := h.get(id); v.Pass.Number != "L736_2025_00009" || len(v.Pass.Plates) != 1 {
		t.Errorf("pass %+v", v.Pass)
	}
}

// A person of the comune found by codice fiscale is the holder; P5 is said before
// saving and enforced by the service.
func TestIssueExistingPerson(t *testing.T) {
	h := newHarness(t)
	birth := domain.MustDate(1975, time.July, 23)
	p, err := h.svc.SavePerson(h.sys, domain.Person{Comune: "L736", CodiceFiscale: cf(t, "BIANCHI", "GIOVANNA", 'F', birth, "L736"),
		Cognome: "BIANCHI", Nome: "GIOVANNA", Sesso: "F", DataNascita: birth, LuogoNascita: "L736"}, "")
	if err != nil {
		t.Fatal(err)
	}
	d := h.open(NewIssue(h.ctx))
	d.typ(strings.ToLower(p.CodiceFiscale))
	d.press("enter")
	d.see("Titolare: BIANCHI GIOVANNA", "nata il 23/07/1975 a VENEZIA (VE)", "L736_2025_00001")
	d.notSee("Attenzione")
	d.fits()
	d.enter(5)
	d.press("n")
	d.enter(3)
	_, id := d.closed()
	if v := h.get(id); v.Pass.PersonID != p.ID {
		t.Errorf("holder %d, want the existing person %d", v.Pass.PersonID, p.ID)
	}

	// A second pass for her: said at once, refused on save.
	d = h.open(NewIssue(h.ctx))
	d.typ(p.CodiceFiscale)
	d.press("enter")
	d.see("ha già il contrassegno attivo L736_2025_00001")
	d.enter(5)
	d.press("n")
	d.enter(3)
	d.stillOpen()
	d.see("Errore: il codice fiscale " + p.CodiceFiscale + " ha già un contrassegno attivo: L736_2025_00001")
}

func TestIssueForAnagrafica(t *testing.T) {
	h := newHarness(t)
	birth := domain.MustDate(1975, time.July, 23)
	p, err := h.svc.SavePerson(h.sys, domain.Person{Comune: "L736", CodiceFiscale: cf(t, "BIANCHI", "GIOVANNA", 'F', birth, "L736"),
		Cognome: "BIANCHI", Nome: "GIOVANNA", Sesso: "F", DataNascita: birth, LuogoNascita: "L736"}, "")
	if err != nil {
		t.Fatal(err)
	}
	d := h.open(NewIssueFor(h.ctx, p.ID))
	d.see("Titolare: BIANCHI GIOVANNA", "Tipo")
	d.press("right") // temporaneo: no proposed expiry
	d.see("temporaneo", "Temporaneo: indicare la scadenza")
	d.enter(4)
	d.see("Errore: indicare la data di scadenza")
	d.typ("30/06/2026")
	d.enter(2)
	d.press("n")
	d.enter(3)
	_, id := d.closed()
	if v := h.get(id); v.Pass.Kind != domain.Temporaneo || v.Pass.DataScadenza != domain.MustDate(2026, time.June, 30) {
		t.Errorf("pass %+v", v.Pass)
	}
}

func TestRenewExpiryFollowsUntilTyped(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), domain.MustDate(2020, time.July, 1))
	d := h.open(NewRenew(h.ctx, v))
	d.see("Rinnovo · L736_2020_00001", "ROSSI MARIO", "02/07/2025", "02/07/2030", "mantiene il numero L736_2020_00001")
	d.fits()
	d.enter(2) // tipo, rilascio
	d.replace("01/08/2025")
	d.see("01/08/2030")
	d.press("enter")
	d.replace("15/07/2030") // typed by the operator: no longer follows
	d.press("shift+tab")
	d.replace("01/09/2025")
	d.see("15/07/2030")
	d.notSee("01/09/2030")
	d.enter(3)
	notice, _ := d.closed()
	if notice != "Contrassegno L736_2020_00001 rinnovato: valido dal 01/09/2025 al 15/07/2030" {
		t.Errorf("notice %q", notice)
	}
	old := h.get(v.Pass.ID)
	if old.Pass.State != domain.Rinnovato || old.Pass.NextID == 0 {
		t.Fatalf("old version %+v", old.Pass)
	}
	if n := h.get(old.Pass.NextID).Pass; n.PreviousNumber != "L736_2020_00001" || n.DataScadenza != domain.MustDate(2030, time.July, 15) {
		t.Errorf("new version %+v", n)
	}
}

// Two operators on one pass: the second save is refused saying who changed it, the
// pass is unchanged, what was typed stays; saving again applies it to the pass now
// shown.
func TestStaleVersionRefusedNothingLost(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today)
	d := h.open(NewSuspend(h.ctx, v))
	d.press("enter")
	d.typ("verifica dei requisiti")

	note := "telefonato il 10/06"
	if _, err := h.svc.EditPass(h.sys, service.Change{PassID: v.Pass.ID}, service.PassEdit{Note: &note}); err != nil {
		t.Fatal(err)
	}
	d.run(func() tea.Msg {
		return common.DataChangedMsg{Event: service.PassChanged{PassID: v.Pass.ID, InComune: "L736"}}
	})
	d.see("modificato da un'altra sessione")

	d.press("enter")
	d.stillOpen()
	d.see("è stato modificato da collega alle", "nessuna modifica salvata", "verifica dei requisiti", "ricaricato")
	d.fits()
	if p := h.get(v.Pass.ID).Pass; p.State != domain.Attivo || p.Note != note {
		t.Fatalf("pass changed by the refused save: %+v", p)
	}
	d.enter(2)
	notice, _ := d.closed()
	if notice != "Contrassegno L736_2025_00001 sospeso dal 10/06/2025" {
		t.Errorf("notice %q", notice)
	}
	if p := h.get(v.Pass.ID).Pass; p.State != domain.Sospeso || p.StateReason != "verifica dei requisiti" || p.Note != note {
		t.Errorf("pass %+v", p)
	}
}

// A pass renewed by another session while the form was open: the refusal reloads the
// live version, and saving again acts on it.
func TestStaleFollowsTheRenewedVersion(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), domain.MustDate(2020, time.July, 1))
	d := h.open(NewRevoke(h.ctx, v))
	d.press("enter")
	d.typ("requisiti non più presenti")
	res, err := h.svc.RenewPass(h.sys, service.Change{PassID: v.Pass.ID}, domain.RenewInput{})
	if err != nil {
		t.Fatal(err)
	}
	d.press("enter")
	d.press("s")
	d.stillOpen()
	d.see("è stato modificato da collega", "valido dal 02/07/2025 al 02/07/2030", "requisiti non più presenti")
	d.enter(2)
	d.press("s")
	if notice, _ := d.closed(); notice != "Contrassegno L736_2020_00001 revocato dal 10/06/2025" {
		t.Errorf("notice %q", notice)
	}
	if p := h.get(res.Pass.ID).Pass; p.State != domain.Revocato {
		t.Errorf("renewed version %+v", p)
	}
}

// Issue #8, point 7 (T3, T4): a regional plate added over the principale, with the
// finestra temporale on, never closes the principale: the plan says the setting cannot
// be honoured and asks; once confirmed both plates are valid, the principale untouched.
func TestAddPlateFinestraNeverTouchesThePrincipale(t *testing.T) {
	h := newHarness(t)
	h.finestra()
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), domain.MustDate(2024, time.March, 1),
		service.PlateInput{Number: "AB123CD", Role: domain.RolePrincipale})
	d := h.open(NewAddPlate(h.ctx, v))
	d.typ("CD456EF")
	d.enter(5) // targa, nazione, dal, al, ruolo: solo regionale
	d.stillOpen()
	d.see("la targa AB123CD è principale per il circuito nazionale e non si chiude né si rimuove",
		"ATTENZIONE: la finestra temporale non si può rispettare", "Aggiungere la targa? Sì [No]")
	d.fits()
	d.press("s")
	if notice, _ := d.closed(); !strings.HasPrefix(notice, "Targa CD456EF aggiunta") {
		t.Errorf("notice %q", notice)
	}
	p := h.get(v.Pass.ID).Pass
	if len(p.Plates) != 2 || p.Plates[0].Role != domain.RolePrincipale || !p.Plates[0].To.IsZero() || p.Plates[1].Role != domain.RoleNone {
		t.Errorf("plates %+v", p.Plates)
	}
}

// T4: with the finestra temporale on, the plan (the other plate closed the day
// before) is shown and applied only once confirmed.
func TestAddPlateFinestraTemporaleConfirmed(t *testing.T) {
	h := newHarness(t)
	h.finestra()
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), domain.MustDate(2024, time.March, 1),
		service.PlateInput{Number: "AB123CD", Role: domain.RolePrincipale})
	d := h.open(NewAddPlate(h.ctx, v))
	d.see("Aggiungi targa · L736_2024_00001", "10/06/2025", "01/03/2029")
	d.fits()
	d.typ("CD456EF")
	d.see("Targa CD456EF: autoveicolo")
	d.enter(4)
	d.press("down") // principale
	d.see("La targa AB123CD non sarà più principale")
	d.press("enter")
	d.stillOpen()
	d.see("Con la finestra temporale (una sola targa valida alla volta):",
		"la targa AB123CD sarà valida fino al 09/06/2025 (invece che fino al 01/03/2029)",
		"Attenzione: la targa AB123CD non sarà più principale", "Aggiungere la targa? Sì [No]")
	d.fits()
	if n := len(h.get(v.Pass.ID).Pass.Plates); n != 1 {
		t.Fatalf("%d plates before the confirmation", n)
	}

	d.press("n") // not confirmed: back to the plate, values kept
	d.stillOpen()
	d.see("Targa non aggiunta", "CD456EF")
	if n := len(h.get(v.Pass.ID).Pass.Plates); n != 1 {
		t.Fatalf("%d plates after no", n)
	}
	d.enter(5)
	d.see("Aggiungere la targa?")
	d.press("s")
	notice, _ := d.closed()
	if !strings.HasPrefix(notice, "Targa CD456EF aggiunta al contrassegno L736_2024_00001") {
		t.Errorf("notice %q", notice)
	}
	p := h.get(v.Pass.ID).Pass
	if len(p.Plates) != 2 {
		t.Fatalf("plates %+v", p.Plates)
	}
	old, added := p.Plates[0], p.Plates[1]
	if old.To != today.AddDays(-1) || old.Role != domain.RoleNone || added.Role != domain.RolePrincipale || added.From != today {
		t.Errorf("plates %+v", p.Plates)
	}
}

// Without anything to confirm the plate is added at once.
func TestAddPlateDirect(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today)
	d := h.open(NewAddPlate(h.ctx, v))
	d.typ("CD456EF")
	d.enter(5)
	notice, _ := d.closed()
	if notice != "Targa CD456EF aggiunta al contrassegno L736_2025_00001" {
		t.Errorf("notice %q", notice)
	}
}

func TestOtherPassForms(t *testing.T) {
	birth := domain.MustDate(1980, time.January, 1)
	cases := []struct {
		name     string
		rilascio domain.Date // default today
		plates   []service.PlateInput
		open     func(*common.Context, service.PassView) common.Page
		fill     func(d *driver)
		see      []string
		notice   string
		check    func(t *testing.T, h *harness, v service.PassView)
	}{
		{name: "duplicato", open: NewDuplicate,
			fill: func(d *driver) {
				d.see("DUPLICATO", "Il duplicato mantiene il numero")
				d.press("down") // furto
				d.press("enter")
				d.see("il prossimo della numerazione è L736_2025_00002")
				d.press("enter")
				d.see("Denuncia", "Numero della denuncia") // #11.13: after a theft, the police report
				d.typ("417/2025")
				d.press("enter")
				d.typ("09/06/2025")
				d.press("enter")
				d.typ("Carabinieri – Stazione di Mestre")
				d.press("enter")
			},
			notice: "Duplicato L736_2025_00001 emesso per furto: la stampa riporterà DUPLICATO",
			check: func(t *testing.T, h *harness, v service.PassView) {
				if p := h.get(v.Pass.ID).Pass; p.State != domain.Sostituito {
					t.Errorf("old version %s", p.State)
				}
			}},
		{name: "trasferimento", open: NewTransfer,
			fill: func(d *driver) {
				d.typ("padova")
				d.see("Destinazione: PADOVA (PD) · codice G224")
				d.press("enter")
				d.press("s")
			},
			notice: "Contrassegno L736_2025_00001 trasferito a PADOVA (PD), che da ora lo gestisce",
			check: func(t *testing.T, h *harness, v service.PassView) {
				if p := h.get(v.Pass.ID).Pass; p.State != domain.Trasferito {
					t.Errorf("old version %s", p.State)
				}
			}},
		{name: "revoca", open: NewRevoke,
			fill: func(d *driver) {
				d.replace("31/02/2025")
				d.press("enter")
				d.see("Errore: la data della revoca: data \"31/02/2025\" impossibile")
				d.replace("01/06/2025")
				d.enter(2)
				d.see("Errore: indicare il motivo della revoca")
				d.typ("requisiti non più presenti")
				d.press("enter") // issue 11.4: enter in the reason asks, it does not save
				d.see("Revocare definitivamente il contrassegno?")
				d.press("s")
			},
			notice: "Contrassegno L736_2025_00001 revocato dal 01/06/2025",
			check: func(t *testing.T, h *harness, v service.PassView) {
				if p := h.get(v.Pass.ID).Pass; p.State != domain.Revocato || p.StateReason != "requisiti non più presenti" {
					t.Errorf("pass %+v", p)
				}
			}},
		{name: "decesso", rilascio: domain.MustDate(2024, time.May, 2), plates: []service.PlateInput{{Number: "AB123CD"}}, open: NewDeceased,
			fill: func(d *driver) {
				d.see("revocato da quella data")
				d.typ("11/06/2025")
				d.press("enter")
				d.see("Errore: la data del decesso 11/06/2025 è nel futuro")
				d.replace("05/06/2025")
				d.press("enter")
				d.press("s")
			},
			notice: "Decesso di ROSSI MARIO al 05/06/2025: contrassegno revocato, targhe chiuse",
			check: func(t *testing.T, h *harness, v service.PassView) {
				p := h.get(v.Pass.ID).Pass
				if p.State != domain.Revocato || len(p.Plates) != 1 || p.Plates[0].To != domain.MustDate(2025, time.June, 4) {
					t.Errorf("pass %+v", p)
				}
			}},
		{name: "modifica", open: NewEdit,
			fill: func(d *driver) {
				d.typ("ritira la figlia")
				d.press("enter")
				d.press("s")
				d.press("enter")
				d.typ("IT123 456")
				d.press("enter")
				d.see("Errore: il CUDE ID non contiene spazi")
				d.replace("IT123456")
				d.press("enter")
				d.typ("ABCD-1234")
				d.press("enter")
			},
			notice: "Contrassegno L736_2025_00001 aggiornato",
			check: func(t *testing.T, h *harness, v service.PassView) {
				p := h.get(v.Pass.ID).Pass
				if p.Note != "ritira la figlia" || !p.National.Consent || p.National.CudeID != "IT123456" || p.National.CodiceUnivoco != "ABCD-1234" {
					t.Errorf("pass %+v", p)
				}
			}},
		{name: "chiudi targa", plates: []service.PlateInput{{Number: "AB123CD"}},
			open: func(c *common.Context, v service.PassView) common.Page {
				return NewClosePlate(c, v, v.Pass.Plates[0].ID)
			},
			fill: func(d *driver) {
				d.see("Targa AB123CD (IT, autoveicolo) valida dal 10/06/2025 al 10/06/2030")
				d.replace("30/06/2025")
				d.press("enter")
			},
			notice: "Targa AB123CD chiusa al 30/06/2025",
			check: func(t *testing.T, h *harness, v service.PassView) {
				if p := h.get(v.Pass.ID).Pass; p.Plates[0].To != domain.MustDate(2025, time.June, 30) {
					t.Errorf("plate %+v", p.Plates[0])
				}
			}},
		{name: "ruolo", plates: []service.PlateInput{{Number: "AB123CD", Role: domain.RolePrincipale}, {Number: "CD456EF"}},
			open: func(c *common.Context, v service.PassView) common.Page { return NewRole(c, v, v.Pass.Plates[1].ID) },
			fill: func(d *driver) {
				d.see("Targa CD456EF, ora solo circuito regionale")
				d.press("down")
				d.see("La targa AB123CD non sarà più principale")
				d.press("enter")
			},
			notice: "Targa CD456EF: principale",
			check: func(t *testing.T, h *harness, v service.PassView) {
				if p := h.get(v.Pass.ID).Pass; p.Plates[0].Role != domain.RoleNone || p.Plates[1].Role != domain.RolePrincipale {
					t.Errorf("plates %+v", p.Plates)
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := newHarness(t)
			rilascio := today
			if !c.rilascio.IsZero() {
				rilascio = c.rilascio
			}
			v := h.issue("ROSSI", "MARIO", birth, rilascio, c.plates...)
			d := h.open(c.open(h.ctx, v))
			d.fits()
			c.fill(d)
			notice, _ := d.closed()
			if notice != c.notice {
				t.Errorf("notice %q, want %q", notice, c.notice)
			}
			c.check(t, h, v)
		})
	}
}

// Answering no to a transfer or a death changes nothing.
func TestConfirmNoChangesNothing(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today)
	d := h.open(NewTransfer(h.ctx, v))
	d.typ("G224")
	d.press("enter")
	d.press("n")
	if notice, _ := d.closed(); notice != "Trasferimento non confermato: nessuna modifica." {
		t.Errorf("notice %q", notice)
	}
	if p := h.get(v.Pass.ID).Pass; p.State != domain.Attivo || p.Version != v.Pass.Version {
		t.Errorf("pass changed: %+v", p)
	}
}

// An action the pass's state forbids is said when the form opens, not after it was
// filled in.
func TestForbiddenActionSaidAtOnce(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today)
	if _, err := h.svc.RevokePass(h.sys, service.Change{PassID: v.Pass.ID}, today, "requisiti non più presenti"); err != nil {
		t.Fatal(err)
	}
	v = h.get(v.Pass.ID)
	d := h.open(NewRenew(h.ctx, v))
	d.see("Errore: rinnovo non consentito: il contrassegno L736_2025_00001 è revocato", "esc per tornare indietro")
	d.press("enter")
	if len(d.out) != 0 {
		t.Fatalf("enter did something: %#v", d.out)
	}
	d.press("esc")
	if notice, _ := d.closed(); notice != "" {
		t.Errorf("notice %q", notice)
	}
}

func TestEscAbandons(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today)
	d := h.open(NewRevoke(h.ctx, v))
	d.press("enter")
	d.typ("qualcosa")
	// Issue 11.4: what was typed would be lost: esc asks, and only s leaves.
	d.press("esc")
	d.see("Uscire senza salvare?", "qualcosa")
	d.press("n")
	d.see("qualcosa")
	d.notSee("Uscire senza salvare?")
	d.press("esc")
	d.press("esc") // esc on the question goes back too
	d.see("qualcosa")
	d.press("esc")
	d.press("s")
	if notice, _ := d.closed(); notice != "" {
		t.Errorf("notice %q", notice)
	}
	if p := h.get(v.Pass.ID).Pass; p.State != domain.Attivo {
		t.Errorf("pass changed: %+v", p)
	}
}

// The help line is Italian, and says the key that works (huh writes "y" into it).
func TestItalianHelp(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today)
	d := h.open(NewTransfer(h.ctx, v))
	d.typ("G224")
	d.press("enter")
	d.p.View()
	var help []string
	for _, b := range d.p.ShortHelp() {
		help = append(help, b.Help().Key+" "+b.Help().Desc)
	}
	got := strings.Join(help, " · ")
	for _, w := range []string{"shift+tab campo prec.", "invio salva", "←/→ cambia", "s sì", "n no"} {
		if !strings.Contains(got, w) {
			t.Errorf("help %q lacks %q", got, w)
		}
	}
	for _, en := range []string{"Yes", "submit", "next", "toggle", "y "} {
		if strings.Contains(got, en) {
			t.Errorf("help %q has English %q", got, en)
		}
	}
}

// A resize while a validation message shows keeps every field of the group on screen
// (the message is drawn under the group, in the room the page keeps for it).
func TestResizeWithErrorKeepsFields(t *testing.T) {
	h := newHarness(t)
	d := h.open(NewIssue(h.ctx))
	d.typ(cf(t, "VERDI", "LUCA", 'M', domain.MustDate(1970, time.March, 15), "L736"))
	d.press("enter")
	d.press("enter")
	d.press("enter") // an empty cognome
	d.see("Errore: indicare il cognome", "Codice fiscale VRDLCU70C15L736W", "Telefono")
	d.p.SetSize(100, 30)
	d.p.SetSize(80, 21)
	d.see("Errore: indicare il cognome", "Codice fiscale VRDLCU70C15L736W", "Telefono")
	d.fits()
	d.typ("Verdi")
	d.press("enter")
	d.notSee("Errore")
	d.see("Codice fiscale VRDLCU70C15L736W", "Telefono")
}

// Issue #8 at the desk: a real omocode code with a letter left of a digit, and a code
// whose birthplace was not in force at the birth date (a note), are issued with no
// override reason; a ceased state is named.
func TestIssueRealCodes(t *testing.T) {
	cases := []struct {
		cf, surname, name string
		see               []string
	}{
		{"CNTFNC84R44H5L1E", "Conti", "Francesca", []string{"nata il 04/10/1984 a ROMA (RM)", "concorda con i dati (OK)"}},
		{"BNCLCU50C52D244Z", "Bianchi", "Lucia", []string{"nata il 12/03/1950 a DAIRAGO (MI)", "concorda con i dati (OK)", "Nota: il codice catastale D244 (DAIRAGO) non era in vigore"}},
		{"MCHFDA07A01D877A", "Machi", "Fadia", []string{"nato il 01/01/1907 a GALLICO (RC)", "concorda con i dati (OK)"}},
		{"PTRMLN60E05Z118L", "Petrovic", "Milan", []string{"nato il 05/05/1960 in REPUBBLICA SOCIALISTA FEDERALE DI JUGOSLAVIA"}},
	}
	for _, c := range cases {
		t.Run(c.cf, func(t *testing.T) {
			h := newHarness(t)
			d := h.open(NewIssue(h.ctx))
			d.typ(c.cf)
			d.see(c.see[0])
			d.press("enter")
			d.press("enter")
			d.typ(c.surname)
			d.press("enter")
			d.typ(c.name)
			d.see(c.see[1:]...)
			d.enter(8) // to the end of the person: no reason asked
			d.see("Titolare: " + strings.ToUpper(c.surname+" "+c.name))
			d.enter(5)
			d.press("n") // no consent
			d.enter(3)   // no plate
			_, id := d.closed()
			if v := h.get(id); v.Holder.CodiceFiscale != c.cf || v.Holder.CFOverride != "" {
				t.Errorf("holder %+v", v.Holder)
			}
		})
	}
}

// Issue #8, point 6: moving a holder to Milano says, before the confirmation, that the
// pass ends here; after it the pass is "trasferito fuori circuito".
func TestTransferOutsideTheCircuitSaid(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today, service.PlateInput{Number: "AB123CD"})
	d := h.open(NewTransfer(h.ctx, v))
	d.typ("Milano")
	d.see("Destinazione: MILANO (MI) · codice F205", "FUORI DAL CIRCUITO", "trasferito fuori circuito")
	d.fits()
	d.press("enter")
	d.press("s")
	notice, _ := d.closed()
	if !strings.HasPrefix(notice, "Contrassegno L736_2025_00001 chiuso: trasferito fuori circuito (MILANO (MI))") {
		t.Errorf("notice %q", notice)
	}
	if p := h.get(v.Pass.ID).Pass; p.State != domain.TrasferitoFuori || p.Comune != "L736" {
		t.Errorf("pass %+v", p)
	}
}

// Issue 11.4: x (remove a plate) and a (lift a suspension) ask first, No is the
// default: enter leaves everything as it was; ← then enter (or s) does it.
func TestOneKeyChangesAskFirst(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today, service.PlateInput{Number: "AB123CD"})
	pl := v.Pass.Plates[0]
	d := h.open(NewRemovePlate(h.ctx, v, pl.ID))
	d.see("Rimuovere la targa AB123CD?", "resta nello storico")
	d.press("right") // the arrows move: → on No stays on No
	d.press("enter")
	if notice, _ := d.closed(); notice != "Nessuna modifica." {
		t.Errorf("notice %q", notice)
	}
	if got := h.get(v.Pass.ID).Pass.Plates; len(got) != 1 {
		t.Fatalf("enter on No removed the plate: %+v", got)
	}
	d = h.open(NewRemovePlate(h.ctx, h.get(v.Pass.ID), pl.ID))
	d.press("left")
	d.press("enter")
	if notice, _ := d.closed(); notice != "Targa AB123CD rimossa (resta nello storico)." {
		t.Errorf("notice %q", notice)
	}
	if got := h.get(v.Pass.ID).Pass.Plates; len(got) != 0 {
		t.Errorf("plates after Sì: %+v", got)
	}

	if _, err := h.svc.SuspendPass(h.sys, service.Change{PassID: v.Pass.ID}, today, "accertamenti"); err != nil {
		t.Fatal(err)
	}
	d = h.open(NewResume(h.ctx, h.get(v.Pass.ID)))
	d.see("Revocare la sospensione e riattivare il contrassegno?")
	d.press("enter")
	if p := h.get(v.Pass.ID).Pass; p.State != domain.Sospeso {
		t.Fatalf("enter on No resumed the pass: %s", p.State)
	}
	d = h.open(NewResume(h.ctx, h.get(v.Pass.ID)))
	d.press("s")
	if notice, _ := d.closed(); notice != "Sospensione revocata: il contrassegno è di nuovo attivo." {
		t.Errorf("notice %q", notice)
	}
	if p := h.get(v.Pass.ID).Pass; p.State != domain.Attivo {
		t.Errorf("state after Sì: %s", p.State)
	}
}

// Issue 11.4: u on the card undoes the operator's own wrong revoke: it says which
// change and when, asks (No the default), and the pass is active again.
func TestUndoAtTheDesk(t *testing.T) {
	h := newHarness(t)
	v := h.issue("ROSSI", "MARIO", domain.MustDate(1980, time.January, 1), today)
	d := h.open(NewUndo(h.ctx, v))
	d.see("nessuna operazione da annullare sul contrassegno " + v.Pass.Number)
	d.press("esc")
	d = h.open(NewRevoke(h.ctx, v))
	d.press("enter")
	d.typ("errore di persona")
	d.press("enter")
	d.press("s")
	d.closed()
	v = h.get(v.Pass.ID)
	if v.Pass.State != domain.Revocato {
		t.Fatalf("not revoked: %s", v.Pass.State)
	}
	d = h.open(NewUndo(h.ctx, v))
	d.see("Ultima operazione tua su questo contrassegno: revoca alle", "nulla viene cancellato", "Annullare la revoca?")
	d.press("enter") // No
	if notice, _ := d.closed(); notice != "Nessuna modifica." || h.get(v.Pass.ID).Pass.State != domain.Revocato {
		t.Fatalf("No undid: %q", notice)
	}
	d = h.open(NewUndo(h.ctx, h.get(v.Pass.ID)))
	d.press("s")
	if notice, _ := d.closed(); !strings.Contains(notice, "Annullata la revoca") {
		t.Errorf("notice %q", notice)
	}
	if p := h.get(v.Pass.ID).Pass; p.State != domain.Attivo {
		t.Errorf("after the undo: %s", p.State)
	}
}
