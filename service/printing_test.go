package service_test

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/printing/printtest"
	"vivipass/service"
	"vivipass/store"
)

func jpegPhoto(t *testing.T) []byte { return jpegPhotoB(t) }

func jpegPhotoB(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 60, 80))
	for i := range img.Pix {
		img.Pix[i] = 200
	}
	img.Set(3, 3, color.Black)
	var b bytes.Buffer
	if err := jpeg.Encode(&b, img, nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func (e *env) card(a service.Actor, id uint64, m printing.Mode, printer string) []byte {
	e.t.Helper()
	pdf, err := e.s.CardPDF(a, id, m, printer)
	if err != nil {
		e.t.Fatalf("CardPDF: %v", err)
	}
	return pdf
}

func TestCardOfAPass(t *testing.T) {
	e := newEnv(t)
	res := e.issue(mario, rossi(t))
	p := res.Pass
	pdf := e.card(mario, p.ID, printing.ModeFronteRetro, "")
	info := printtest.PDFInfo(t, pdf)
	if info.Pages != 2 || math.Abs(info.W-148) > 0.05 || math.Abs(info.H-106) > 0.05 {
		t.Errorf("card: %d pages of %.1f × %.1f", info.Pages, info.W, info.H)
	}
	text := printtest.Text(t, pdf)
	for _, s := range []string{p.Number, p.DataScadenza.String(), "COMUNE DI VENEZIA", "ROSSI", "MARIO"} {
		if !strings.Contains(text, s) {
			t.Errorf("%q missing:\n%s", s, text)
		}
	}
	if strings.Contains(text, "DUPLICATO") {
		t.Error("DUPLICATO on a first issue")
	}
	if imgs := printtest.Images(t, pdf); len(imgs) != 0 {
		t.Errorf("no photo, images %v", imgs)
	}
	// Another comune's operator does not see it.
	_, err := e.s.CardPDF(giulia, p.ID, printing.ModeFronte, "")
	wantNotFound(t, "giulia prints Venezia's card", err)

	// The photo, once attached, is on the retro.
	if err := e.s.SetPhoto(mario, p.PersonID, jpegPhoto(t)); err != nil {
		t.Fatal(err)
	}
	if imgs := printtest.Images(t, e.card(mario, p.ID, printing.ModeRetro, "")); len(imgs) != 1 {
		t.Errorf("photo attached: images %v", imgs)
	}

	// A duplicate prints DUPLICATO (P4, S5); the replaced card no longer prints.
	dup, err := e.s.DuplicatePass(mario, change(p), domain.DuplicateInput{Reason: domain.Smarrimento, Denuncia: mestre})
	if err != nil {
		t.Fatal(err)
	}
	if text := printtest.Text(t, e.card(mario, dup.Pass.ID, printing.ModeFronte, "")); !strings.Contains(text, "DUPLICATO") {
		t.Errorf("duplicate without DUPLICATO:\n%s", text)
	}
	_, err = e.s.CardPDF(mario, p.ID, printing.ModeFronte, "")
	wantErr(t, "card of the replaced version", err, "sostituito", "non si stampa")
}

// The QR code on the card verifies against the register's key, created on first use
// for a register initialised before keys existed, and at init for new ones.
func TestQRSignedWithTheRegistersKey(t *testing.T) {
	e := newEnv(t) // no Init: like a register from before this release
	p := e.issue(mario, rossi(t)).Pass
	before := e.auditCount()
	pdf := e.card(mario, p.ID, printing.ModeFronte, "")
	if e.auditCount() != before+1 {
		t.Errorf("the key's creation is not in the audit log")
	}
	payload := printtest.DecodeQR(t, pdf, 1)
	got, err := e.s.VerifyPayload(payload)
	if err != nil || got.Number != p.Number || got.Expiry != p.DataScadenza || got.Comune != "L736" {
		t.Errorf("VerifyPayload = %+v, %v", got, err)
	}
	keys1, _ := e.s.PublicKeys()
	e.card(mario, p.ID, printing.ModeFronte, "")
	keys2, _ := e.s.PublicKeys()
	if len(keys1) != 1 || len(keys2) != 1 || !keys1[0].Public().Equal(keys2[0].Public()) || e.auditCount() != before+1 {
		t.Error("the key changed, or was created twice")
	}
	_, err = e.s.VerifyPayload(strings.Replace(payload, p.DataScadenza.Key(), "20991231", 1))
	wantErr(t, "forged expiry", err, "FIRMA NON VALIDA")

	// A new register has its key from init.
	e2 := newEnv(t)
	if err := e2.s.Init(admin, "L736"); err != nil {
		t.Fatal(err)
	}
	if keys, err := e2.s.PublicKeys(); err != nil || len(keys) != 1 {
		t.Errorf("no signing key after Init: %v, %v", keys, err)
	}
	// Another register's key refuses this register's cards.
	_, err = e2.s.VerifyPayload(payload)
	wantErr(t, "other register", err, "un'altra chiave")
}

func TestPrinterCalibration(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t)).Pass
	pr, err := e.s.SavePrinter(capo, store.Printer{Queue: "DESK1", OffsetX: 2, OffsetY: -1.5})
	if err != nil {
		t.Fatal(err)
	}
	if pr.Comune != "L736" || pr.Version != 1 {
		t.Errorf("saved %+v", pr)
	}
	at := func(a service.Actor, printer string) printtest.Word {
		w := printtest.Find(printtest.Words(t, e.card(a, p.ID, printing.ModeFronte, printer)), p.Number)
		if len(w) != 1 {
			t.Fatalf("number found %d times", len(w))
		}
		return w[0]
	}
	plain, shifted := at(mario, ""), at(mario, "DESK1")
	if math.Abs(shifted.XMin-plain.XMin-2) > 0.05 || math.Abs(shifted.YMin-plain.YMin+1.5) > 0.05 {
		t.Errorf("calibrated card: number at (%.2f,%.2f), plain (%.2f,%.2f): want +2, -1.5 mm", shifted.XMin, shifted.YMin, plain.XMin, plain.YMin)
	}
	// Stale, out of range, another comune's printer.
	_, err = e.s.SavePrinter(capo, store.Printer{Queue: "DESK1", OffsetX: 1})
	var stale *service.StaleError
	if !errors.As(err, &stale) {
		t.Errorf("save over a newer version: %v", err)
	}
	_, err = e.s.SavePrinter(capo, store.Printer{Queue: "DESK2", OffsetX: 45})
	wantErr(t, "offset 45 mm", err, "fuori intervallo")
	_, err = e.s.SavePrinter(giulia, store.Printer{Queue: "DESK1", Version: 1})
	if !errors.Is(err, service.ErrForbidden) {
		t.Errorf("an operator saves a printer: %v", err)
	}
	_, err = e.s.SavePrinter(capoPadova, store.Printer{Queue: "DESK1", Version: 1})
	wantErr(t, "Padova's administrator edits Venezia's printer", err, "già in uso in un altro comune") // issue 12.7: not which
	if ps, _ := e.s.Printers(giulia); len(ps) != 0 {
		t.Errorf("giulia sees %v", ps)
	}
	// The calibration page carries the printer and its offsets.
	cal, err := e.s.CalibrationPDF(mario, "DESK1")
	if err != nil {
		t.Fatal(err)
	}
	if text := printtest.Text(t, cal); !strings.Contains(text, "DESK1") || !strings.Contains(text, "X +2,0 mm, Y -1,5 mm") {
		t.Errorf("calibration page:\n%s", text)
	}
	// The operator's printer, else the comune's.
	if err := e.s.SetOperatorPrinter(mario, "mario", "DESK1"); err == nil {
		t.Error("mario is not a registered operator here: want not found")
	}
	if _, err := e.s.AddOperator(admin, domain.Operator{Name: "mario", Role: domain.RoleOperatore, Comune: "L736"}); err != nil {
		t.Fatal(err)
	}
	if q, _ := e.s.PrinterFor(mario); q != "" {
		t.Errorf("PrinterFor with nothing set: %q", q)
	}
	if _, err := e.s.SavePrintSettings(capo, "", service.PrintSettingsChange{Printer: ptr("SPORTELLO")}); err != nil {
		t.Fatal(err)
	}
	if q, _ := e.s.PrinterFor(mario); q != "SPORTELLO" {
		t.Errorf("PrinterFor = %q, want the comune's SPORTELLO", q)
	}
	if err := e.s.SetOperatorPrinter(mario, "mario", "DESK1"); err != nil {
		t.Fatal(err)
	}
	if q, _ := e.s.PrinterFor(mario); q != "DESK1" {
		t.Errorf("PrinterFor = %q, want mario's DESK1", q)
	}
	wantErr(t, "anna sets mario's printer", e.s.SetOperatorPrinter(anna, "mario", "X"), "non consentita")
}

func TestComuneLayoutAndHeading(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t)).Pass
	custom := []byte(`{"name": "cartoncino piccolo", "width": 120, "height": 80, "fields": [
		{"name": "numero", "side": "fronte", "x": 5, "y": 5, "width": 100, "size": 10}]}`)
	_, err := e.s.SavePrintSettings(mario, "", service.PrintSettingsChange{Layout: &custom})
	wantErr(t, "an operator changes the layout", err, "non consentita")
	bad := []byte(`{"width": 120, "height": 80, "fields": [{"name": "numero", "side": "fronte", "x": 115, "y": 5, "width": 100, "size": 10}]}`)
	_, err = e.s.SavePrintSettings(capo, "", service.PrintSettingsChange{Layout: &bad})
	wantErr(t, "a field off the card", err, "esce dalla carta")
	v, err := e.s.SavePrintSettings(capo, "", service.PrintSettingsChange{Layout: &custom, Heading: &[]string{"Città di Venezia", "Polizia Locale"}})
	if err != nil || !v.CustomLayout || v.Layout.Width != 120 || v.Version != 1 {
		t.Fatalf("SavePrintSettings = %+v, %v", v, err)
	}
	info := printtest.PDFInfo(t, e.card(mario, p.ID, printing.ModeFronte, ""))
	if math.Abs(info.W-120) > 0.05 || math.Abs(info.H-80) > 0.05 {
		t.Errorf("card on the comune's layout: %.1f × %.1f", info.W, info.H)
	}
	pdf, err := e.s.ModulePDF(mario, "ricevuta", p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if text := printtest.Text(t, pdf); !strings.Contains(text, "Città di Venezia") || !strings.Contains(text, "Polizia Locale") {
		t.Errorf("heading:\n%s", text)
	}
	// Back to the default.
	v, err = e.s.SavePrintSettings(capo, "", service.PrintSettingsChange{Layout: &[]byte{}, Version: 1})
	if err != nil || v.CustomLayout || v.Layout.Width != 148 {
		t.Errorf("reset: %+v, %v", v, err)
	}
}

func TestModulesOfAPass(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t)).Pass
	r, err := e.s.EditPass(mario, change(p), service.PassEdit{CudeID: ptr("CUDE-77"), CodiceUnivoco: ptr("K7Q-19ZZ")})
	if err != nil {
		t.Fatal(err)
	}
	p = r.Pass
	for _, name := range []string{"autorizzazione", "ricevuta", "promemoria"} {
		pdf, err := e.s.ModulePDF(mario, name, p.ID)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		info := printtest.PDFInfo(t, pdf)
		if math.Abs(info.W-210) > 0.1 || math.Abs(info.H-297) > 0.1 {
			t.Errorf("%s: %.1f × %.1f mm, want A4", name, info.W, info.H)
		}
		text := printtest.Text(t, pdf)
		for _, s := range []string{"Comune di Venezia", p.Number, "ROSSI"} {
			if !strings.Contains(text, s) {
				t.Errorf("%s: %q missing:\n%s", name, s, text)
			}
		}
		if name == "ricevuta" && !strings.Contains(text, "K7Q-19ZZ") {
			t.Errorf("the receipt has no codice univoco (N1):\n%s", text)
		}
	}
	_, err = e.s.ModulePDF(mario, "nessuno", p.ID)
	wantErr(t, "unknown template", err, "modulo «nessuno» non trovato")
	_, err = e.s.ModulePDF(giulia, "ricevuta", p.ID)
	wantNotFound(t, "giulia fills Venezia's pass", err)
}

func TestTemplatesCRUD(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t)).Pass
	list, err := e.s.Templates(mario, "")
	if err != nil || len(list) != 3 {
		t.Fatalf("Templates = %+v, %v", list, err)
	}
	// Unknown tags: refused with line and column, nothing saved.
	_, err = e.s.SaveTemplate(capo, "", printing.Template{Name: "lettera", Body: "Gentile #cognome#,\nil #numero# scade"}, 0)
	var te *printing.TemplateError
	if !errors.As(err, &te) || te.Errors[0].Line != 2 || te.Errors[0].Col != 4 {
		t.Errorf("unknown tag: %v", err)
	}
	v, err := e.s.SaveTemplate(capo, "", printing.Template{Name: "lettera", Title: "Lettera", Body: "Gentile #cognome#,\nil #num_pass# scade il #data_scadenza#"}, 0)
	if err != nil || v != 1 {
		t.Fatalf("SaveTemplate = %d, %v", v, err)
	}
	vice := service.OperatorActor(domain.Operator{Name: "vice", Role: domain.RoleAmministratore, Comune: "L736"})
	_, err = e.s.SaveTemplate(vice, "", printing.Template{Name: "lettera", Body: "altro"}, 0)
	var stale *service.StaleError
	if !errors.As(err, &stale) || !strings.Contains(err.Error(), "capo") {
		t.Errorf("two operators save the same template: %v", err)
	}
	if _, err := e.s.SaveTemplate(anna, "", printing.Template{Name: "altra", Body: "x"}, 0); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("an operator saves a template: %v", err)
	}
	pdf, err := e.s.ModulePDF(mario, "lettera", p.ID)
	if err != nil {
		t.Fatal(err)
	}
	if text := printtest.Text(t, pdf); !strings.Contains(text, "il "+p.Number+" scade il "+p.DataScadenza.String()) {
		t.Errorf("custom template:\n%s", text)
	}
	// Another comune has only the defaults.
	if l, _ := e.s.Templates(giulia, ""); len(l) != 3 {
		t.Errorf("giulia sees %+v", l)
	}
	// A comune's own ricevuta replaces the shipped one; deleting it brings that back.
	if _, err := e.s.SaveTemplate(capo, "", printing.Template{Name: "ricevuta", Title: "Ricevuta nostra", Body: "Ricevuta nostra #num_pass#"}, 0); err != nil {
		t.Fatal(err)
	}
	tpl, ver, _ := e.s.Template(mario, "", "ricevuta")
	if tpl.Title != "Ricevuta nostra" || ver != 1 {
		t.Errorf("Template(ricevuta) = %+v v%d", tpl, ver)
	}
	if err := e.s.DeleteTemplate(capo, "", "ricevuta"); err != nil {
		t.Fatal(err)
	}
	if tpl, ver, _ = e.s.Template(mario, "", "ricevuta"); ver != 0 || !strings.Contains(tpl.Body, "#codice_univoco#") {
		t.Errorf("after delete: %+v v%d", tpl, ver)
	}
	wantErr(t, "delete a shipped template", e.s.DeleteTemplate(capo, "", "ricevuta"), "non ha un modulo")
	list, _ = e.s.Templates(mario, "")
	if len(list) != 4 || list[1].Name != "lettera" || !list[1].Custom || list[1].Default {
		t.Errorf("list %+v", list)
	}
}

// One letter, one page, per pass expiring within the days asked (P9).
func TestRemindersOneLetterPerExpiringPass(t *testing.T) {
	e := newEnv(t)
	_, _, err := e.s.RemindersPDF(mario, 60)
	wantErr(t, "nothing expiring", err, "nessun contrassegno scade entro 60 giorni")
	people := []domain.Person{rossi(t), bianchi(t), person(t, "ZANON", "NICOLÒ", 'M', date(1950, time.December, 5), "D704")}
	for i, pp := range people {
		e.issueReq(mario, service.IssueRequest{Person: pp, Pass: domain.IssueInput{Kind: domain.Temporaneo,
			DataScadenza: today.AddDays(10 + 10*i)}})
	}
	e.issue(mario, verdi(t))                                                 // permanent: five years away
	e.issue(giulia, person(t, "NERI", "ADA", 'F', date(1960, 1, 1), "G224")) // another comune
	pdf, n, err := e.s.RemindersPDF(mario, 60)
	if err != nil {
		t.Fatal(err)
	}
	if info := printtest.PDFInfo(t, pdf); n != 3 || info.Pages != 3 {
		t.Errorf("%d letters, %d pages: want 3 and 3", n, info.Pages)
	}
	text := printtest.Text(t, pdf)
	for _, s := range []string{"ROSSI", "BIANCHI", "NICOLÒ"} {
		if !strings.Contains(text, s) {
			t.Errorf("%q missing", s)
		}
	}
	if strings.Contains(text, "VERDI") || strings.Contains(text, "NERI") {
		t.Error("a letter for a pass not expiring, or of another comune")
	}
	if _, n, _ := e.s.RemindersPDF(mario, 15); n != 1 {
		t.Errorf("within 15 days: %d letters", n)
	}
}

func TestDeliverToFileIsInTheHistory(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t)).Pass
	doc, err := e.s.CardDocument(mario, p.ID, printing.ModeFronteRetro, "")
	if err != nil {
		t.Fatal(err)
	}
	if doc.PageSize != "Custom.148x106mm" || doc.Sides != "one-sided" || doc.Pages != 2 {
		t.Errorf("document %+v", doc)
	}
	out := filepath.Join(t.TempDir(), "carta.pdf")
	d, err := e.s.Deliver(context.Background(), admin, doc, service.Target{File: out}) // a path: the command line's (#12.3)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); !bytes.Equal(b, doc.PDF) || d.Message() != "salvato in "+out {
		t.Errorf("file %d bytes, message %q", len(b), d.Message())
	}
	h := e.get(mario, p.ID).History
	if last := h[len(h)-1]; last.Action != "stampa" || !strings.Contains(last.Detail, "contrassegno fronte-retro nel file carta.pdf") {
		t.Errorf("history: %+v", last)
	}
	_, err = e.s.Deliver(context.Background(), mario, doc, service.Target{})
	wantErr(t, "no target", err, "indicare un file PDF oppure una stampante")
	_, err = e.s.Deliver(context.Background(), admin, doc, service.Target{File: "/nonexistent/dir/x.pdf"})
	wantErr(t, "unwritable", err, "impossibile scrivere")
}

// A card printed through a real CUPS (a private cupsd with a cups-pdf queue): the job's
// media is the card's, the print is in the pass's history with the job id.
func TestDeliverToCUPS(t *testing.T) {
	cups := printtest.StartCUPS(t)
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "vivipass.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	clk := &clock{}
	clk.set(today)
	s := service.New(db, service.WithClock(clk.now), service.WithSpooler(printing.Spooler{Server: cups.Addr, Timeout: time.Minute}))
	res, err := s.IssuePass(mario, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente}})
	if err != nil {
		t.Fatal(err)
	}
	doc, err := s.CardDocument(mario, res.Pass.ID, printing.ModeFronte, cups.Queue)
	if err != nil {
		t.Fatal(err)
	}
	d, err := s.Deliver(context.Background(), mario, doc, service.Target{Queue: cups.Queue})
	if err != nil {
		t.Fatalf("Deliver: %v\n%s", err, cups.Log())
	}
	if d.Job.State != "completato" || !strings.Contains(d.Message(), d.Job.ID) {
		t.Errorf("delivery %+v: %q", d, d.Message())
	}
	info := printtest.PDFInfoFile(t, cups.Output(t, 30*time.Second))
	if info.Pages != 1 || math.Abs(info.W-148) > 0.5 || math.Abs(info.H-106) > 0.5 {
		t.Errorf("printed %d pages of %.1f × %.1f mm", info.Pages, info.W, info.H)
	}
	v, _ := s.GetPass(mario, res.Pass.ID)
	if last := v.History[len(v.History)-1]; last.Action != "stampa" || !strings.Contains(last.Detail, "lavoro "+d.Job.ID) {
		t.Errorf("history: %+v", last)
	}
	// A queue that does not exist: an Italian error, nothing in the history.
	n := len(v.History)
	_, err = s.Deliver(context.Background(), mario, doc, service.Target{Queue: "NESSUNA"})
	wantErr(t, "missing queue", err, "non esiste")
	if v, _ = s.GetPass(mario, res.Pass.ID); len(v.History) != n {
		t.Error("a failed print recorded")
	}
}

func TestCardPreview(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t)).Pass
	if _, err := e.s.SavePrinter(capo, service.Printer{Queue: "DESK1", OffsetX: 1, OffsetY: 2, Duplex: "two-sided-short-edge"}); err != nil {
		t.Fatal(err)
	}
	c, err := e.s.CardPreview(mario, p.ID, "DESK1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Data.Number != p.Number || c.Data.Cognome != "ROSSI" || c.Data.Comune != "COMUNE DI VENEZIA" || c.Data.QR == "" ||
		c.Offset != (printing.Offset{X: 1, Y: 2}) || len(c.Layout.Fields) == 0 {
		t.Errorf("preview %+v", c)
	}
	doc, err := e.s.CardDocument(mario, p.ID, printing.ModeFronteRetro, "DESK1")
	if err != nil || doc.Sides != "two-sided-short-edge" {
		t.Errorf("duplex printer: sides %q, %v", doc.Sides, err)
	}
	if doc, _ = e.s.CardDocument(mario, p.ID, printing.ModeFronte, "DESK1"); doc.Sides != "one-sided" {
		t.Errorf("one side on a duplex printer: sides %q", doc.Sides)
	}
}
