package service

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"vivipass/domain"
	"vivipass/files"
	"vivipass/keyring"
	"vivipass/printing"
	"vivipass/store"
)

// Printing (S1–S9): the card, the calibration page, the documents filled from templates
// and the reminder letters are made here from the register and the printing settings;
// Deliver writes them to a file or hands them to CUPS and records the print in the
// audit log. Every use case is scoped to the actor's comune.

// WithSpooler sets how jobs reach CUPS (tests use a private cupsd).
func WithSpooler(sp printing.Spooler) Option { return func(s *Service) { s.spooler = sp } }

// metaSignKey is where registers before issue 12.4 kept the signing key's seed: moved
// out into the key ring at first use, and deleted from the register.
const metaSignKey = "sign_ed25519"

// WithKeyring sets the folder of the signing keys (default: keyring.DirFor the
// database, beside it and outside its backups).
func WithKeyring(r *keyring.Ring) Option { return func(s *Service) { s.ring = r } }

func (s *Service) keyRing() *keyring.Ring {
	if s.ring == nil {
		s.ring = keyring.Open(keyring.DirFor(s.db.Path()))
	}
	return s.ring
}

// ensureSigningKey makes sure the ring has a key that signs (S9): at init, and on
// first use; a key made now goes in the history with its public half.
func (s *Service) ensureSigningKey(tx *store.Tx, a Actor) (ed25519.PrivateKey, error) {
	k, created, err := s.keyRing().Active()
	if err != nil || !created {
		return k.Private, err
	}
	return k.Private, s.keyCreated(tx, a, k)
}

// keyCreated writes a new signing key's public half in the history.
func (s *Service) keyCreated(tx *store.Tx, a Actor, k keyring.Key) error {
	return s.audit(tx, a, "", "chiave di firma creata", "chiave "+k.ID, 0,
		"chiave Ed25519 per i codici QR dei contrassegni: "+printing.PublicKeyText(k.Public())+" (in "+s.keyRing().Dir()+", fuori dal database)")
}

// adoptRegisterKey moves a seed an older vivipass kept in the register into the ring,
// and deletes it from the register: from then on no copy of the database carries it.
func (s *Service) adoptRegisterKey() error {
	if s.keyAdopted.Load() {
		return nil // checked already: nothing writes the seed back into the register
	}
	var seed []byte
	if err := s.view(func(tx *store.Tx) error { seed = tx.Meta(metaSignKey); return nil }); err != nil {
		return err
	}
	if len(seed) == 0 {
		s.keyAdopted.Store(true)
		return nil
	}
	if len(seed) != ed25519.SeedSize {
		return fmt.Errorf("la chiave di firma nel database è illeggibile")
	}
	k, err := s.keyRing().Adopt(seed)
	if err != nil {
		return err
	}
	if err := s.update(func(tx *store.Tx, _ *[]Event) error {
		if err := tx.DeleteMeta(metaSignKey); err != nil {
			return err
		}
		return s.audit(tx, SystemActor(""), "", "chiave di firma spostata", "chiave "+k.ID, 0,
			"la chiave che firma i codici QR non è più nel database: è in "+s.keyRing().Dir()+
				"; le copie fatte prima la contengono ancora: ruotarla (vivipass key rotate)")
	}); err != nil {
		return err
	}
	// Deleted, the seed still lies in a freed page of the file: rewrite it without.
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if err := s.db.Compact(); err != nil {
		return err
	}
	s.keyAdopted.Store(true)
	return nil
}

// signingKey is the key that signs now, creating it if there is none yet.
func (s *Service) signingKey() (ed25519.PrivateKey, error) {
	if err := s.adoptRegisterKey(); err != nil {
		return nil, err
	}
	k, created, err := s.keyRing().Active() // no transaction to print a card: only a new key writes
	if err != nil || !created {
		return k.Private, err
	}
	return k.Private, s.update(func(tx *store.Tx, _ *[]Event) error { return s.keyCreated(tx, SystemActor(""), k) })
}

// PublicKeys are the keys that verify the cards' QR codes, the one signing now first
// (vivipass verify --public-key).
func (s *Service) PublicKeys() ([]keyring.Key, error) {
	if _, err := s.signingKey(); err != nil {
		return nil, err
	}
	return s.keyRing().Keys()
}

// RotateSigningKey makes a new key sign the cards printed from now on; the cards
// signed before keep verifying with their key (vivipass key rotate).
func (s *Service) RotateSigningKey(a Actor) (keyring.Key, error) {
	if !a.Admin() || a.Comune != "" {
		return keyring.Key{}, ErrForbidden // the server's administrator only
	}
	if err := s.adoptRegisterKey(); err != nil {
		return keyring.Key{}, err
	}
	k, err := s.keyRing().Rotate()
	if err != nil {
		return k, err
	}
	return k, s.update(func(tx *store.Tx, _ *[]Event) error {
		return s.audit(tx, a, "", "chiave di firma ruotata", "chiave "+k.ID, 0,
			"nuova chiave per i codici QR: "+printing.PublicKeyText(k.Public())+"; le precedenti continuano a verificare")
	})
}

// VerifyPayload checks the text of a card's QR code against the register's keys: the
// one its id names. The signature only: whether the card is the one in force (its
// edition, issue 13.2) is VerifyCard's.
func (s *Service) VerifyPayload(text string) (printing.Payload, error) {
	keys, err := s.PublicKeys()
	if err != nil {
		return printing.Payload{}, err
	}
	pubs := make([]ed25519.PublicKey, len(keys))
	for i, k := range keys {
		pubs[i] = k.Public()
	}
	return printing.VerifyAny(pubs, text)
}

// Document is a PDF ready for Deliver.
type Document struct {
	PDF      []byte
	Title    string // CUPS job title; cups-pdf and the CLI name files after it
	What     string // for the audit log and the operator: "contrassegno fronte-retro"
	PassID   uint64 // the pass it is about (0 = none)
	Pages    int
	PageSize string // CUPS media of a card ("" = the queue's default, A4)
	Sides    string // CUPS sides ("" = the queue's default)
	// NoAddress names the holders whose reminder letter has no street address to mail it
	// to (#11.15): the desk says so, to complete their record.
	NoAddress []string
}

// cardPrintable refuses cards that must not be printed: history versions (renewed,
// replaced, transferred), revoked, suspended or expired passes.
func cardPrintable(p domain.Pass, status domain.State) error {
	switch status {
	case domain.Attivo, domain.InScadenza:
		return nil
	}
	return &domain.Error{Message: fmt.Sprintf("il contrassegno %s è %s: la carta non si stampa", p.Number, status.Label())}
}

// CardPDF makes the card of a pass in a mode, calibrated for printer ("" = no offset).
func (s *Service) CardPDF(a Actor, passID uint64, mode printing.Mode, printer string) ([]byte, error) {
	d, err := s.CardDocument(a, passID, mode, printer)
	return d.PDF, err
}

// CardDocument is CardPDF with what Deliver needs to print it (page size, duplex).
func (s *Service) CardDocument(a Actor, passID uint64, mode printing.Mode, printer string) (Document, error) {
	var doc Document
	c, err := s.CardPreview(a, passID, printer)
	if err != nil {
		return doc, err
	}
	pdf, err := printing.Card(c.Layout, c.Data, mode, c.Offset)
	if err != nil {
		return doc, err
	}
	doc = Document{PDF: pdf, Title: "contrassegno " + c.Data.Number + " " + string(mode), What: "contrassegno " + string(mode),
		PassID: passID, Pages: len(mode.Sides()), PageSize: printing.CardPageSize(c.Layout), Sides: "one-sided"}
	if mode == printing.ModeFronteRetro && c.Printer.Duplex != "" {
		doc.Sides = c.Printer.Duplex
	}
	return doc, nil
}

// CardPreview is everything a card is made of, for the TUI's preview (the layout's
// field boxes with the values that go in them) and for CardDocument.
type CardPreview struct {
	Layout  printing.Layout
	Data    printing.CardData
	Offset  printing.Offset
	Printer Printer // the queue's settings (zero but Queue when not configured)
}

// CardPreview reads what the card of a pass would carry, calibrated for printer.
func (s *Service) CardPreview(a Actor, passID uint64, printer string) (CardPreview, error) {
	var c CardPreview
	key, err := s.signingKey()
	if err != nil {
		return c, err
	}
	today := s.Today()
	err = s.view(func(tx *store.Tx) error {
		p, err := loadPass(tx, a, passID)
		if err != nil {
			return err
		}
		st, err := tx.ComuneSettings(p.Comune)
		if err != nil {
			return err
		}
		if err := cardPrintable(p, p.Status(today, st.AlertDays)); err != nil {
			return err
		}
		holder, err := tx.Person(p.PersonID)
		if err != nil {
			return err
		}
		if c.Layout, err = comuneLayout(tx, p.Comune); err != nil {
			return err
		}
		if c.Printer, err = printerFor(tx, a, printer); err != nil {
			return err
		}
		c.Offset = printing.Offset{X: c.Printer.OffsetX, Y: c.Printer.OffsetY}
		issuing := p.IssuingComune
		if issuing == "" {
			issuing = p.Comune
		}
		c.Data = printing.CardData{Number: p.Number, Expiry: p.DataScadenza.String(), Comune: printing.CardComune(issuing),
			Cognome: holder.Cognome, Nome: holder.Nome, Duplicate: p.Duplicate}
		if holder.HasPhoto {
			c.Data.Photo = tx.Photo(holder.ID)
		}
		c.Data.QR, err = printing.Sign(key, printing.Payload{Number: p.Number, Expiry: p.DataScadenza, Comune: issuing, Edition: p.CardEdition()})
		return err
	})
	return c, err
}

// comuneLayout is the comune's card layout, or the default.
func comuneLayout(tx *store.Tx, comune string) (printing.Layout, error) {
	ps, err := tx.PrintSettings(comune)
	if err != nil {
		return printing.Layout{}, err
	}
	if len(ps.Layout) == 0 {
		return printing.DefaultLayout(), nil
	}
	return printing.ParseLayout(ps.Layout)
}

// printerFor reads a queue's settings; a queue nobody configured (or another comune's)
// prints without offsets.
func printerFor(tx *store.Tx, a Actor, queue string) (store.Printer, error) {
	if queue == "" {
		return store.Printer{}, nil
	}
	if err := printing.CheckQueue(queue); err != nil {
		return store.Printer{}, err
	}
	p, err := tx.Printer(queue)
	if err == store.ErrNotFound || (err == nil && !a.Sees(p.Comune)) {
		return store.Printer{Queue: queue}, nil
	}
	return p, err
}

// CalibrationPDF is the calibration page for a printer, the size of the actor's comune's
// card (the printer's comune for the system actor), with the printer's offsets applied.
func (s *Service) CalibrationPDF(a Actor, printer string) ([]byte, error) {
	d, err := s.CalibrationDocument(a, printer)
	return d.PDF, err
}

// CalibrationDocument is CalibrationPDF ready for Deliver.
func (s *Service) CalibrationDocument(a Actor, printer string) (Document, error) {
	var (
		layout printing.Layout
		pr     store.Printer
	)
	err := s.view(func(tx *store.Tx) error {
		var err error
		if pr, err = printerFor(tx, a, printer); err != nil {
			return err
		}
		comune := a.Comune
		if comune == "" {
			comune = pr.Comune
		}
		if comune == "" {
			comune = string(tx.Meta("comune_principale"))
		}
		if comune == "" {
			layout = printing.DefaultLayout()
			return nil
		}
		layout, err = comuneLayout(tx, comune)
		return err
	})
	if err != nil {
		return Document{}, err
	}
	pdf, err := printing.CalibrationPage(layout.Width, layout.Height, printer, printing.Offset{X: pr.OffsetX, Y: pr.OffsetY})
	if err != nil {
		return Document{}, err
	}
	return Document{PDF: pdf, Title: "calibrazione " + printer, What: "pagina di calibrazione", Pages: 1,
		PageSize: printing.CardPageSize(layout), Sides: "one-sided"}, nil
}

// ---- templates (S6, S7) ----

// TemplateInfo is one line of the templates list.
type TemplateInfo struct {
	Name      string `json:"nome"`
	Title     string `json:"titolo"`
	Custom    bool   `json:"personalizzato"` // saved by the comune
	Default   bool   `json:"predefinito"`    // shipped with vivipass (Custom too: the comune's version replaces it)
	Version   uint64 `json:"versione"`       // of the saved one (0 = none)
	UpdatedBy string `json:"modificato_da,omitempty"`
}

// Templates lists a comune's templates: the shipped ones and the comune's own, by name.
func (s *Service) Templates(a Actor, comune string) ([]TemplateInfo, error) {
	comune, err := a.targetComune(comune)
	if err != nil {
		return nil, err
	}
	byName := map[string]*TemplateInfo{}
	for _, t := range printing.DefaultTemplates() {
		byName[t.Name] = &TemplateInfo{Name: t.Name, Title: t.Title, Default: true}
	}
	err = s.view(func(tx *store.Tx) error {
		saved, err := tx.Templates(comune)
		for _, t := range saved {
			info, ok := byName[t.Name]
			if !ok {
				info = &TemplateInfo{Name: t.Name}
				byName[t.Name] = info
			}
			info.Title, info.Custom, info.Version, info.UpdatedBy = t.Title, true, t.Version, t.UpdatedBy
		}
		return err
	})
	out := make([]TemplateInfo, 0, len(byName))
	for _, i := range byName {
		out = append(out, *i)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, err
}

// Template reads a comune's template (its own, else the shipped one) and the version
// of the saved one (0 = not saved: SaveTemplate with 0 creates it).
func (s *Service) Template(a Actor, comune, name string) (printing.Template, uint64, error) {
	comune, err := a.targetComune(comune)
	if err != nil {
		return printing.Template{}, 0, err
	}
	var (
		t printing.Template
		v uint64
	)
	err = s.view(func(tx *store.Tx) error {
		var err error
		t, v, err = loadTemplate(tx, comune, name)
		return err
	})
	return t, v, err
}

func loadTemplate(tx *store.Tx, comune, name string) (printing.Template, uint64, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	st, err := tx.Template(comune, name)
	if err == nil {
		return printing.Template{Name: st.Name, Title: st.Title, Body: st.Body}, st.Version, nil
	}
	if err != store.ErrNotFound {
		return printing.Template{}, 0, err
	}
	for _, t := range printing.DefaultTemplates() {
		if t.Name == name {
			return t, 0, nil
		}
	}
	return printing.Template{}, 0, &domain.Error{Message: fmt.Sprintf("modulo «%s» non trovato (i moduli: vivipass template list)", name)}
}

// SaveTemplate saves a comune's template after checking every tag (the error lists them
// with line and column). seen is the version the operator edited (0 for a new one, or
// for a shipped one never saved); a template saved meanwhile by someone else is not
// overwritten.
func (s *Service) SaveTemplate(a Actor, comune string, t printing.Template, seen uint64) (uint64, error) {
	if !a.Admin() {
		return 0, ErrForbidden // Gestione moduli belongs to administrators
	}
	comune, err := a.targetComune(comune)
	if err != nil {
		return 0, err
	}
	t.Name = strings.ToLower(strings.TrimSpace(t.Name))
	t.Title = strings.TrimSpace(t.Title)
	if t.Title == "" {
		t.Title = t.Name
	}
	if err := t.Check(); err != nil {
		return 0, err
	}
	var version uint64
	err = s.update(func(tx *store.Tx, ev *[]Event) error {
		old, err := tx.Template(comune, t.Name)
		if err != nil && err != store.ErrNotFound {
			return err
		}
		if old.Version != seen {
			return &StaleError{What: "il modulo " + t.Name, By: old.UpdatedBy, At: old.UpdatedAt}
		}
		action := "modulo modificato"
		if old.Version == 0 {
			action = "modulo creato"
		}
		st := store.Template{Comune: comune, Name: t.Name, Title: t.Title, Body: t.Body, Version: old.Version + 1,
			UpdatedAt: s.now().UTC(), UpdatedBy: a.Operator}
		if err := tx.PutTemplate(st); err != nil {
			return err
		}
		version = st.Version
		*ev = append(*ev, AdminChanged{comune})
		return s.audit(tx, a, comune, action, "modulo "+t.Name, 0, t.Title)
	})
	return version, err
}

// DeleteTemplate removes a comune's own template; a shipped one of the same name comes
// back.
func (s *Service) DeleteTemplate(a Actor, comune, name string) error {
	if !a.Admin() {
		return ErrForbidden
	}
	comune, err := a.targetComune(comune)
	if err != nil {
		return err
	}
	return s.update(func(tx *store.Tx, ev *[]Event) error {
		if _, err := tx.Template(comune, name); err == store.ErrNotFound {
			return &domain.Error{Message: fmt.Sprintf("il comune non ha un modulo «%s» proprio", name)}
		} else if err != nil {
			return err
		}
		if err := tx.DeleteTemplate(comune, name); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{comune})
		return s.audit(tx, a, comune, "modulo eliminato", "modulo "+name, 0, "")
	})
}

// heading is the comune's document heading.
func heading(tx *store.Tx, comune string) ([]string, error) {
	ps, err := tx.PrintSettings(comune)
	if err != nil {
		return nil, err
	}
	if len(ps.Heading) > 0 {
		return ps.Heading, nil
	}
	return printing.ModuleHeading(comune, printing.DefaultOffice), nil
}

// ModulePDF fills a template with a pass (Scarica moduli, S7).
func (s *Service) ModulePDF(a Actor, template string, passID uint64) ([]byte, error) {
	d, err := s.ModuleDocument(a, template, passID)
	return d.PDF, err
}

// ModuleDocument is ModulePDF ready for Deliver.
func (s *Service) ModuleDocument(a Actor, template string, passID uint64) (Document, error) {
	var (
		tpl    printing.Template
		letter printing.Letter
		number string
	)
	today := s.Today()
	err := s.view(func(tx *store.Tx) error {
		p, err := loadPass(tx, a, passID)
		if err != nil {
			return err
		}
		holder, err := tx.Person(p.PersonID)
		if err != nil {
			return err
		}
		if tpl, _, err = loadTemplate(tx, p.Comune, template); err != nil {
			return err
		}
		parsed, err := tpl.Parse()
		if err != nil {
			return err
		}
		h, err := heading(tx, p.Comune)
		if err != nil {
			return err
		}
		number = p.Number
		letter = printing.Letter{Heading: h, Lines: parsed.Fill(printing.ModuleData{Pass: p, Person: holder, Today: today,
			Operator: operatorLabel(tx, a.Operator), Comune: p.Comune})}
		return nil
	})
	if err != nil {
		return Document{}, err
	}
	pdf, err := printing.Module(tpl.Title+" "+number, []printing.Letter{letter})
	if err != nil {
		return Document{}, err
	}
	return Document{PDF: pdf, Title: tpl.Name + " " + number, What: "modulo " + tpl.Name, PassID: passID}, nil
}

// RemindersPDF is one PDF with a reminder letter (template "promemoria" of each pass's
// comune) for every pass of the actor's comune expiring within days (P9), in expiry
// order; n is the number of letters.
func (s *Service) RemindersPDF(a Actor, days int) (pdf []byte, n int, err error) {
	d, n, err := s.RemindersDocument(a, days)
	return d.PDF, n, err
}

// RemindersDocument is RemindersPDF ready for Deliver.
func (s *Service) RemindersDocument(a Actor, days int) (Document, int, error) {
	if days < 0 || days > 3660 {
		return Document{}, 0, &domain.Error{Message: fmt.Sprintf("giorni %d fuori intervallo (0–3660)", days)}
	}
	rows, err := s.Expiring(a, days)
	if err != nil {
		return Document{}, 0, err
	}
	if len(rows) == 0 {
		unit := "giorni"
		if days == 1 {
			unit = "giorno"
		}
		return Document{}, 0, &domain.Error{Message: fmt.Sprintf("nessun contrassegno scade entro %d %s: nessuna lettera da stampare", days, unit)}
	}
	today := s.Today()
	letters := make([]printing.Letter, 0, len(rows))
	var noAddress []string
	err = s.view(func(tx *store.Tx) error {
		type comuneDoc struct {
			parsed  *printing.Parsed
			heading []string
		}
		docs := map[string]comuneDoc{}
		for _, r := range rows {
			p, err := loadPass(tx, a, r.ID)
			if err != nil {
				return err
			}
			cd, ok := docs[p.Comune]
			if !ok {
				tpl, _, err := loadTemplate(tx, p.Comune, printing.ReminderTemplate)
				if err != nil {
					return err
				}
				if cd.parsed, err = tpl.Parse(); err != nil {
					return err
				}
				if cd.heading, err = heading(tx, p.Comune); err != nil {
					return err
				}
				docs[p.Comune] = cd
			}
			holder, err := tx.Person(p.PersonID)
			if err != nil {
				return err
			}
			if strings.TrimSpace(holder.Indirizzo) == "" || holder.ComuneResidenza == "" {
				noAddress = append(noAddress, holder.FullName())
			}
			letters = append(letters, printing.Letter{Heading: cd.heading, Lines: cd.parsed.Fill(printing.ModuleData{
				Pass: p, Person: holder, Today: today, Operator: operatorLabel(tx, a.Operator), Comune: p.Comune})})
		}
		return nil
	})
	if err != nil {
		return Document{}, 0, err
	}
	pdf, err := printing.Module("Promemoria di scadenza", letters)
	if err != nil {
		return Document{}, 0, err
	}
	return Document{PDF: pdf, Title: fmt.Sprintf("promemoria entro %d giorni", days),
		What: fmt.Sprintf("promemoria di scadenza (%d lettere)", len(letters)), NoAddress: noAddress}, len(letters), nil
}

// ---- printers and printing settings (S1, S2) ----

// Printer is a CUPS queue's settings (calibration, duplex), named here so the TUI need
// not import store.
type Printer = store.Printer

// Printers lists the queues configured in the actor's scope.
func (s *Service) Printers(a Actor) ([]Printer, error) {
	var out []Printer
	err := s.view(func(tx *store.Tx) error {
		all, err := tx.Printers()
		for _, p := range all {
			if a.Sees(p.Comune) {
				out = append(out, p)
			}
		}
		return err
	})
	return out, err
}

// DuplexModes are the values of store.Printer.Duplex, for forms ("" = the operator turns
// the card).
func DuplexModes() []string { return []string{"", "two-sided-long-edge", "two-sided-short-edge"} }

// maxOffset bounds calibration offsets: a larger one is a typo, not a printer.
const maxOffset = 30.0

// SavePrinter creates or updates a queue's settings: calibration offsets and duplex.
// p.Version is the version the operator saw (0 for a new queue).
func (s *Service) SavePrinter(a Actor, p Printer) (Printer, error) {
	if !a.Admin() {
		return p, ErrForbidden // printers and their calibration belong to administrators
	}
	if err := printing.CheckQueue(p.Queue); err != nil {
		return p, err
	}
	for _, v := range []float64{p.OffsetX, p.OffsetY} {
		if math.IsNaN(v) || math.Abs(v) > maxOffset {
			return p, &domain.Error{Message: fmt.Sprintf("correzione di calibrazione %v mm fuori intervallo (±%v mm)", v, maxOffset)}
		}
	}
	okDuplex := false
	for _, d := range DuplexModes() {
		okDuplex = okDuplex || p.Duplex == d
	}
	if !okDuplex {
		return p, &domain.Error{Message: fmt.Sprintf("fronte-retro %q non valido: vuoto, two-sided-long-edge o two-sided-short-edge", p.Duplex)}
	}
	comune, err := a.targetComune(p.Comune)
	if err != nil {
		return p, err
	}
	p.Comune = comune
	err = s.update(func(tx *store.Tx, ev *[]Event) error {
		old, err := tx.Printer(p.Queue)
		if err == nil && !a.Sees(old.Comune) {
			return &domain.Error{Message: fmt.Sprintf("la stampante %s è già in uso in un altro comune: sceglierne un'altra", p.Queue)} // #12.7: not which
		}
		if err != nil && err != store.ErrNotFound {
			return err
		}
		if old.Version != p.Version {
			return &StaleError{What: "la stampante " + p.Queue, By: old.UpdatedBy, At: old.UpdatedAt}
		}
		p.Version++
		p.UpdatedAt, p.UpdatedBy = s.now().UTC(), a.Operator
		if err := tx.PutPrinter(p); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{comune})
		return s.audit(tx, a, comune, "stampante", "stampante "+p.Queue, 0,
			fmt.Sprintf("calibrazione X %+.1f mm, Y %+.1f mm; fronte-retro %s", p.OffsetX, p.OffsetY, orNone(p.Duplex)))
	})
	return p, err
}

func orNone(s string) string {
	if s == "" {
		return "a mano"
	}
	return s
}

// DeletePrinter forgets a queue's settings.
func (s *Service) DeletePrinter(a Actor, queue string) error {
	if !a.Admin() {
		return ErrForbidden
	}
	return s.update(func(tx *store.Tx, ev *[]Event) error {
		p, err := tx.Printer(queue)
		if err == store.ErrNotFound || (err == nil && !a.Sees(p.Comune)) {
			return &domain.Error{Message: "stampante " + queue + " non configurata"}
		}
		if err != nil {
			return err
		}
		if err := tx.DeletePrinter(queue); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{p.Comune})
		return s.audit(tx, a, p.Comune, "stampante rimossa", "stampante "+queue, 0, "")
	})
}

// PrinterFor is the queue the actor prints on: the operator's own, else their comune's
// default, else "" (the TUI then asks).
func (s *Service) PrinterFor(a Actor) (string, error) {
	var q string
	err := s.view(func(tx *store.Tx) error {
		if op, err := tx.Operator(a.Operator); err == nil && op.Printer != "" {
			q = op.Printer
			return nil
		}
		if a.Comune == "" {
			return nil
		}
		ps, err := tx.PrintSettings(a.Comune)
		q = ps.Printer
		return err
	})
	return q, err
}

// SetOperatorPrinter sets the queue an operator prints on ("" = the comune's default):
// operators their own, administrators anyone of their scope.
func (s *Service) SetOperatorPrinter(a Actor, operator, queue string) error {
	if queue != "" {
		if err := printing.CheckQueue(queue); err != nil {
			return err
		}
	}
	return s.updateOperator(a, operator, "stampante dell'operatore", orNone(queue), func(op *domain.Operator) { op.Printer = queue })
}

// PrintSettingsView is what the printing settings screen shows.
type PrintSettingsView struct {
	Comune       string
	Layout       printing.Layout
	CustomLayout bool
	Heading      []string // as printed (the default when the comune set none)
	Printer      string   // the comune's default queue
	Version      uint64
}

// PrintSettings reads a comune's printing settings.
func (s *Service) PrintSettings(a Actor, comune string) (PrintSettingsView, error) {
	comune, err := a.targetComune(comune)
	if err != nil {
		return PrintSettingsView{}, err
	}
	var v PrintSettingsView
	err = s.view(func(tx *store.Tx) error {
		ps, err := tx.PrintSettings(comune)
		if err != nil {
			return err
		}
		v = PrintSettingsView{Comune: comune, CustomLayout: len(ps.Layout) > 0, Printer: ps.Printer, Version: ps.Version}
		if v.Layout, err = comuneLayout(tx, comune); err != nil {
			return err
		}
		v.Heading, err = heading(tx, comune)
		return err
	})
	return v, err
}

// PrintSettingsChange is what an administrator changes; nil fields stay as they are.
type PrintSettingsChange struct {
	Layout  *[]byte   // layout JSON; empty = back to the default
	Heading *[]string // heading lines; empty = the default
	Printer *string   // the comune's default queue
	Version uint64    // the version the administrator saw
}

// SavePrintSettings changes a comune's printing settings (administrators only).
func (s *Service) SavePrintSettings(a Actor, comune string, c PrintSettingsChange) (PrintSettingsView, error) {
	comune, err := a.targetComune(comune)
	if err != nil {
		return PrintSettingsView{}, err
	}
	if !a.Admin() || !a.Sees(comune) {
		return PrintSettingsView{}, ErrForbidden
	}
	var layoutJSON json.RawMessage
	if c.Layout != nil && len(*c.Layout) > 0 {
		l, err := printing.ParseLayout(*c.Layout)
		if err != nil {
			return PrintSettingsView{}, err
		}
		layoutJSON = l.JSON()
	}
	if c.Printer != nil && *c.Printer != "" {
		if err := printing.CheckQueue(*c.Printer); err != nil {
			return PrintSettingsView{}, err
		}
	}
	err = s.update(func(tx *store.Tx, ev *[]Event) error {
		ps, err := tx.PrintSettings(comune)
		if err != nil {
			return err
		}
		if ps.Version != c.Version {
			return &StaleError{What: "le impostazioni di stampa del comune " + comune, By: ps.UpdatedBy, At: ps.UpdatedAt}
		}
		var what []string
		if c.Layout != nil {
			ps.Layout = layoutJSON
			what = append(what, "tracciato della carta")
		}
		if c.Heading != nil {
			ps.Heading = nil
			for _, h := range *c.Heading {
				if h = strings.TrimSpace(h); h != "" {
					ps.Heading = append(ps.Heading, h)
				}
			}
			what = append(what, "intestazione")
		}
		if c.Printer != nil {
			ps.Printer = *c.Printer
			what = append(what, "stampante predefinita "+orNone(ps.Printer))
		}
		ps.Comune, ps.Version = comune, ps.Version+1
		ps.UpdatedAt, ps.UpdatedBy = s.now().UTC(), a.Operator
		if err := tx.PutPrintSettings(ps); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{comune})
		return s.audit(tx, a, comune, "impostazioni di stampa", "comune "+comune, 0, strings.Join(what, ", "))
	})
	if err != nil {
		return PrintSettingsView{}, err
	}
	return s.PrintSettings(a, comune)
}

// ---- output (S8) ----

// Target is where a document goes: a PDF file, or a CUPS queue.
type Target struct {
	File  string // a path of the server: the command line's
	Queue string
	// Folder and Name: a PDF in the comune's stampe/ folder (the desk), under a safe
	// name, never over a file already there (the folder adds -1, -2…).
	Folder *files.Folder
	Name   string
}

// Delivery is what happened to a document.
type Delivery struct {
	File string             // the file written
	Job  printing.JobResult // the CUPS job
}

// Message is the one line the operator reads.
func (d Delivery) Message() string {
	if d.File != "" {
		return "salvato in " + d.File
	}
	return d.Job.Describe()
}

// Deliver writes the document to a file (atomically: a temp file renamed) or prints it
// on a CUPS queue and waits for the job's outcome; a print of a pass is recorded in its
// history. A session (an actor of one comune) writes only into its comune's stampe/
// (Folder), never a path of the server (#12.3: the path is typed, not trusted: it could
// be the register, another comune's password file, an authorized_keys); the command
// line's paths are the administrator's and may replace a file.
func (s *Service) Deliver(ctx context.Context, a Actor, doc Document, to Target) (Delivery, error) {
	var d Delivery
	if n := btoi(to.File != "") + btoi(to.Queue != "") + btoi(to.Folder != nil); n != 1 {
		return d, &domain.Error{Message: "indicare un file PDF oppure una stampante"}
	}
	if to.File != "" && a.Comune != "" {
		// #12.3: a session writes only into its comune's folder (Folder); a path of the
		// server is the command line's.
		return d, &domain.Error{Message: "dalla scrivania un PDF si salva solo nella cartella stampe/ del comune: un file del server si indica dalla riga di comando"}
	}
	if to.Folder != nil && !a.Sees(to.Folder.Code()) {
		return d, ErrForbidden // another comune's folder
	}
	where := ""
	if to.Folder != nil {
		name := strings.TrimSpace(to.Name)
		if !strings.EqualFold(filepath.Ext(name), ".pdf") {
			name += ".pdf"
		}
		saved, err := to.Folder.Create("stampe", name, doc.PDF)
		if err != nil {
			return d, err
		}
		d.File = "stampe/" + saved
		where = "nel file " + d.File
	} else if to.File != "" {
		if err := writeFileAtomic(to.File, doc.PDF, a.Comune == ""); err != nil {
			return d, err
		}
		d.File, where = to.File, "nel file "+filepath.Base(to.File)
	} else {
		res, err := s.spooler.Print(ctx, printing.Job{Queue: to.Queue, Title: doc.Title, PDF: doc.PDF,
			PageSize: doc.PageSize, Sides: doc.Sides})
		d.Job = res
		if err != nil {
			return d, err
		}
		where = fmt.Sprintf("sulla stampante %s (lavoro %s)", to.Queue, res.ID)
	}
	if doc.PassID == 0 {
		return d, nil
	}
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		p, err := loadPass(tx, a, doc.PassID)
		if err != nil {
			return err
		}
		*ev = append(*ev, PassChanged{p.ID, p.Comune})
		return s.audit(tx, a, p.Comune, "stampa", "contrassegno "+p.Number, p.Lineage, doc.What+" "+where)
	})
	return d, err
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

// writeFileAtomic writes data to path through a temporary file in the same folder;
// without replace an existing path (a file, a link, anything) is left alone and refused.
func writeFileAtomic(path string, data []byte, replace bool) error {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, ".vivipass-*.pdf")
	if err != nil {
		return &domain.Error{Message: fmt.Sprintf("impossibile scrivere in %s: %v", dir, err)}
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.Write(data)
	if err == nil { // never world-readable, whatever the umask (#12 point 6)
		err = tmp.Chmod(0o600)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && replace {
		err = os.Rename(tmp.Name(), path)
	} else if err == nil {
		// link(2) fails when the name exists, and does not follow a link there.
		if err = os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
			return &domain.Error{Message: fmt.Sprintf("il file %s esiste già e non viene sovrascritto: indicare un altro nome o una cartella", path)}
		}
	}
	if err != nil {
		return &domain.Error{Message: fmt.Sprintf("impossibile scrivere %s: %v", path, err)}
	}
	return nil
}
