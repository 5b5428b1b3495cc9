package forms

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// Nuovo rilascio (P1, P2, P5, A1, A2): first the holder's codice fiscale; a person of
// the comune with that code is the holder, otherwise the operator fills in a new one
// (sex, birth date and birthplace come from the code) with the code checked live
// against the data, and a reason required to save a code that disagrees. Then the
// pass: kind, dates (the expiry follows the comune rule until typed), the proposed
// number (editable: a typed one is warned about and refused by the service when
// used), the consent to the national circuit and the first plate.
type issueForm struct {
	*Page
	today    domain.Date
	settings domain.ComuneSettings
	step     int // 0: codice fiscale; 1: person and pass

	cf       string
	existing *domain.Person
	notes    []string // about the existing holder (active pass, deceased)

	cognome, nome, sesso, nascita, luogo, residenza, indirizzo, email, telefono string
	motivo                                                                      string

	kind                 domain.Kind
	rilascio, decorrenza string
	scadenza             expiry
	number, proposed     string
	consent              bool
	plate, plateCountry  string
	principale           bool

	personFields []huh.Field // the new person's group and the reason: the code check shows there
	passFirst    huh.Field   // where a refused save resumes
}

// NewIssue is the Nuovo rilascio form (ctrl+n on the Contrassegni page).
func NewIssue(ctx *common.Context) common.Page { return newIssue(ctx, 0) }

// NewIssueFor is Nuovo rilascio for a person of Anagrafica.
func NewIssueFor(ctx *common.Context, personID uint64) common.Page { return newIssue(ctx, personID) }

func newIssue(ctx *common.Context, personID uint64) *Page {
	f := &issueForm{Page: newPage(ctx, "Nuovo rilascio"), today: ctx.Svc.Today(), kind: domain.Permanente,
		plateCountry: domain.Italy, principale: true}
	f.rilascio, f.decorrenza = f.today.String(), f.today.String()
	if pl, ok := domain.ComuneByCode(ctx.Operator.Comune); ok {
		f.residenza = pl.Label()
	}
	svc, a, year := ctx.Svc, ctx.Actor, f.today.Year()
	f.load = func() result {
		st, err := svc.Settings(a, "")
		if err != nil || personID == 0 {
			return result{err: err, then: func() { f.settings = st }}
		}
		h, err := svc.Person(a, personID)
		if err != nil {
			return result{err: err}
		}
		found := f.holderFound(svc, a, h, year)
		return result{then: func() { f.settings = st; found() }}
	}
	f.build = f.makeForm
	f.header = f.heading
	f.live = f.liveLines
	f.onChange = func() bool {
		return f.step == 1 && f.scadenza.follow(proposedExpiry(f.kind, f.decorrenza, f.birth(), f.settings))
	}
	f.submit = f.save
	f.resume = func() huh.Field {
		if f.step == 1 {
			return f.passFirst
		}
		return nil
	}
	warnBefore(f.Page, func() []string { // #11.11
		if f.step != 1 {
			return nil
		}
		return nonEmpty(domain.TemporaryTooLong(f.kind, formkit.ParseDate(f.decorrenza), formkit.ParseDate(f.scadenza.value)))
	})
	return f.Page
}

// holderFound runs in the Cmd: it reads what the form will say about a holder of the
// comune and returns the assignment for Update.
func (f *issueForm) holderFound(svc *service.Service, a service.Actor, h domain.Person, year int) func() {
	today := svc.Today()
	var notes []string
	if h.Deceased(today) {
		notes = append(notes, fmt.Sprintf("Attenzione: risulta %s il %s: il rilascio sarà rifiutato.", h.Agree("deceduto", "deceduta"), h.DataDecesso))
	}
	if passes, err := svc.PersonPasses(a, h.ID); err == nil {
		for _, p := range passes {
			if p.Current() && p.HoldsActive(today) {
				notes = append(notes, fmt.Sprintf("Attenzione: ha già il contrassegno attivo %s (scadenza %s): ne è ammesso uno solo per persona.", p.Number, p.DataScadenza))
			}
		}
	}
	number, err := svc.ProposeNumber(a, "", year)
	return func() {
		f.existing, f.notes, f.cf = &h, notes, h.CodiceFiscale
		f.proposeNumber(number, err)
		f.step = 1
	}
}

func (f *issueForm) proposeNumber(n string, err error) {
	if err == nil {
		f.number, f.proposed = n, n
	}
	f.scadenza.value = proposedExpiry(f.kind, f.decorrenza, f.birth(), f.settings)
	f.scadenza.auto = f.scadenza.value
}

// birth is the holder's birth date as known now (for the birthday expiry rule).
func (f *issueForm) birth() domain.Date {
	if f.existing != nil {
		return f.existing.DataNascita
	}
	return formkit.ParseDate(f.nascita)
}

// person is the new person as typed, normalised, places resolved to their codes.
func (f *issueForm) person() domain.Person {
	p := domain.Person{CodiceFiscale: f.cf, Cognome: f.cognome, Nome: f.nome, Sesso: f.sesso,
		DataNascita: formkit.ParseDate(f.nascita), Indirizzo: f.indirizzo, Email: f.email, Telefono: f.telefono,
		LuogoNascita: f.luogo, ComuneResidenza: f.residenza}
	if pl, err := place(f.luogo, p.DataNascita); err == nil {
		p.LuogoNascita = pl.Code
	}
	if pl, err := comune(f.residenza, f.today); err == nil {
		p.ComuneResidenza = pl.Code
	}
	domain.NormalizePerson(&p)
	return p
}

func (f *issueForm) mismatches() []domain.FieldError {
	if f.existing != nil || f.step != 1 || domain.ValidateCFSyntax(f.cf) != nil {
		return nil
	}
	return domain.CheckPerson(f.person(), f.today).Mismatches
}

func (f *issueForm) makeForm() *huh.Form {
	f.submitHelp = ""
	if f.step == 0 {
		f.submitHelp = "cerca"
		return huh.NewForm(huh.NewGroup(
			text("Codice fiscale", &f.cf).CharLimit(16).Placeholder("16 caratteri").Validate(formkit.CodiceFiscale),
		))
	}
	var groups []*huh.Group
	f.personFields = nil
	if f.existing == nil {
		fields := []huh.Field{
			text("Codice fiscale", &f.cf).CharLimit(16).Validate(formkit.CodiceFiscale),
			text("Cognome", &f.cognome).CharLimit(60).Validate(formkit.Required("indicare il cognome")),
			text("Nome", &f.nome).CharLimit(60).Validate(formkit.Required("indicare il nome")),
			choice("Sesso", &f.sesso, huh.NewOption("maschio", "M"), huh.NewOption("femmina", "F")),
			dateField("Data di nascita", &f.nascita).Validate(formkit.NotAfter("la data di nascita", f.today)),
			text("Luogo di nascita", &f.luogo).CharLimit(60).Placeholder("comune o stato estero").Validate(func(s string) error {
				_, err := place(s, formkit.ParseDate(f.nascita))
				return err
			}),
			text("Comune di residenza", &f.residenza).CharLimit(60).Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return nil
				}
				_, err := comune(s, f.today)
				return err
			}),
			text("Indirizzo", &f.indirizzo).CharLimit(80),
			text("E-mail", &f.email).CharLimit(80).Validate(formkit.Email),
			text("Telefono", &f.telefono).CharLimit(20).Validate(formkit.Phone),
		}
		reason := text("Motivo", &f.motivo).CharLimit(200).Placeholder("es. codice della tessera sanitaria").
			Validate(func(s string) error {
				if len(f.mismatches()) > 0 && strings.TrimSpace(s) == "" {
					return fmt.Errorf("indicare perché si accetta un codice fiscale che non concorda con i dati")
				}
				return nil
			})
		f.personFields = append(fields, reason)
		groups = append(groups,
			huh.NewGroup(fields...),
			huh.NewGroup(reason).Title("Il codice fiscale non concorda con i dati").
				WithHideFunc(func() bool { return len(f.mismatches()) == 0 }))
	}
	f.scadenza.input = dateField("Scadenza", &f.scadenza.value).Validate(formkit.Date("la data di scadenza"))
	kind := choice("Tipo", &f.kind, kindOptions()...)
	f.passFirst = kind
	groups = append(groups, huh.NewGroup(
		kind,
		dateField("Data di rilascio", &f.rilascio).Validate(formkit.Date("la data di rilascio")),
		dateField("Decorrenza", &f.decorrenza).Validate(formkit.Date("la data di decorrenza")),
		f.scadenza.input,
		text("Numero", &f.number).CharLimit(40).Validate(passNumber),
		yesNo("Consenso circuito naz.", &f.consent),
		text("Targa (facoltativa)", &f.plate).CharLimit(16).Validate(func(s string) error {
			if strings.TrimSpace(s) == "" {
				return nil
			}
			return plateNumber(s)
		}),
		text("Nazione della targa", &f.plateCountry).CharLimit(3).Validate(country),
		yesNo("Targa principale", &f.principale),
	))
	return huh.NewForm(groups...)
}

func (f *issueForm) heading() []string {
	switch {
	case f.step == 0:
		return []string{"Codice fiscale del titolare: se la persona è già in anagrafica si usa quella, altrimenti si compila la nuova."}
	case f.existing != nil:
		h := f.existing
		pl := h.LuogoNascita
		if p, err := domain.LookupPlace(h.LuogoNascita, h.DataNascita); err == nil {
			pl = p.Label()
		}
		born := "nato"
		if h.Sesso == "F" {
			born = "nata"
		}
		return append([]string{fmt.Sprintf("Titolare: %s (%s), %s il %s a %s", h.FullName(), h.CodiceFiscale, born, h.DataNascita, pl)}, f.notes...)
	}
	if !f.onPerson() {
		return []string{fmt.Sprintf("Titolare: %s (%s), nuova anagrafica", f.person().FullName(), domain.NormalizeCF(f.cf))}
	}
	return []string{"Nuova anagrafica (sesso, data e luogo di nascita ricavati dal codice fiscale)"}
}

// liveLines: the codice fiscale check while the person is typed (A2), the number and
// expiry while the pass is.
func (f *issueForm) liveLines() []string {
	if f.step == 0 {
		return f.cfHint()
	}
	if f.onPerson() {
		return f.cfCheck()
	}
	var lines []string
	if n := strings.ToUpper(strings.TrimSpace(f.number)); f.proposed != "" && n != f.proposed {
		lines = append(lines, "Attenzione: "+domain.ManualNumberWarning(n, f.proposed)+
			" (proposto "+f.proposed+"); un numero già usato sarà rifiutato.")
	}
	if h := expiryHint(f.kind, f.scadenza, f.settings); h != "" {
		lines = append(lines, h)
	}
	if num := domain.NormalizePlate(f.plate); num != "" && domain.CheckPlateNumber(num) == nil {
		if _, w := domain.ClassifyPlate(num, f.plateCountry); w != "" {
			lines = append(lines, "Targa "+num+": "+w+".")
		}
	}
	return lines
}

func (f *issueForm) onPerson() bool {
	if f.Page.form == nil {
		return false
	}
	cur := f.Page.form.GetFocusedField()
	for _, fl := range f.personFields {
		if fl == cur {
			return true
		}
	}
	return false
}

// cfHint is what the code typed so far says.
func (f *issueForm) cfHint() []string {
	cf := domain.NormalizeCF(f.cf)
	if n := len([]rune(cf)); n < 16 {
		if n == 0 {
			return nil
		}
		return []string{fmt.Sprintf("%d caratteri su 16", n)}
	}
	info, err := domain.DecodeCF(cf, f.today)
	if err != nil {
		return []string{sentence(err.Error())}
	}
	return []string{"Dal codice: " + describe(info)}
}

func describe(info domain.CFInfo) string {
	p := domain.Person{Sesso: string(info.Sex), DataNascita: info.Birth, LuogoNascita: info.BirthPlace}
	// "nata il … a VERONA (VR)", "nato il … in GERMANIA" (issue 11.10)
	return fmt.Sprintf("sesso %c, %s", info.Sex, strings.ToLower(p.Born()[:1])+p.Born()[1:])
}

// cfCheck is the live agreement of the code with the data (A2).
func (f *issueForm) cfCheck() []string {
	if err := domain.ValidateCFSyntax(f.cf); err != nil {
		return []string{sentence(err.Error())}
	}
	var lines []string
	mm := f.mismatches()
	var notes []string
	if f.existing == nil && f.step == 1 {
		for _, n := range domain.CheckPerson(f.person(), f.today).Notes {
			notes = append(notes, "Nota: "+n.Message)
		}
	}
	if s := strings.TrimSpace(f.luogo); s != "" && len(mm) < 3 { // room for the fields at 80×24
		if pl, err := place(s, formkit.ParseDate(f.nascita)); err == nil {
			lines = append(lines, "Luogo di nascita: "+pl.Label()+" · codice "+pl.Code)
		}
	}
	if len(mm) == 0 {
		return append(append(lines, "Codice fiscale: concorda con i dati (OK)."), notes...)
	}
	lines = append(lines, "Il codice fiscale NON concorda con i dati (correggerli o indicare il motivo):")
	for _, m := range mm {
		lines = append(lines, "  • "+m.Message)
	}
	return lines
}

// save: step 0 looks the holder up; step 1 issues the pass.
func (f *issueForm) save() tea.Cmd {
	svc, a, p, year := f.ctx.Svc, f.ctx.Actor, f.Page, f.today.Year()
	if f.step == 0 {
		cf := domain.NormalizeCF(f.cf)
		today := f.today
		return func() tea.Msg {
			people, err := svc.SearchPeople(a, cf, 20)
			if err != nil {
				return doneMsg{p: p, res: result{err: err}}
			}
			for _, h := range people {
				if h.CodiceFiscale == cf && a.Sees(h.Comune) {
					return doneMsg{p: p, res: result{then: f.holderFound(svc, a, h, year)}}
				}
			}
			number, nerr := svc.ProposeNumber(a, "", year)
			info, _ := domain.DecodeCF(cf, today)
			return doneMsg{p: p, res: result{then: func() {
				f.newPerson(cf, info)
				f.proposeNumber(number, nerr)
				f.step = 1
			}}}
		}
	}
	req := service.IssueRequest{
		Pass: domain.IssueInput{Kind: f.kind, DataRilascio: formkit.ParseDate(f.rilascio), DataDecorrenza: formkit.ParseDate(f.decorrenza),
			DataScadenza: formkit.ParseDate(f.scadenza.value), Consent: f.consent},
	}
	if n := strings.ToUpper(strings.TrimSpace(f.number)); n != f.proposed {
		req.Pass.Number = n // typed: checked (and refused when used) by the service
	}
	if f.existing != nil {
		req.PersonID = f.existing.ID
	} else {
		req.Person = f.person()
		if len(f.mismatches()) > 0 {
			req.CFOverride = strings.TrimSpace(f.motivo)
		}
	}
	if strings.TrimSpace(f.plate) != "" {
		role := domain.RoleNone
		if f.principale {
			role = domain.RolePrincipale
		}
		req.Plates = []service.PlateInput{{Number: f.plate, Country: f.plateCountry, Role: role}}
	}
	return func() tea.Msg {
		res, err := svc.IssuePass(a, req)
		if err != nil {
			return doneMsg{p: p, res: result{err: err}}
		}
		return doneMsg{p: p, res: result{close: true, open: res.Pass.ID, notice: joinWarnings(
			fmt.Sprintf("Contrassegno %s rilasciato a %s, valido fino al %s", res.Pass.Number, res.Pass.HolderName, res.Pass.DataScadenza),
			res.Warnings)}}
	}
}

// newPerson starts a new person from what the code says.
func (f *issueForm) newPerson(cf string, info domain.CFInfo) {
	f.existing, f.notes, f.cf = nil, nil, cf
	f.sesso = "M"
	if info.Sex == 'F' {
		f.sesso = "F"
	}
	if !info.Birth.IsZero() {
		f.nascita = info.Birth.String()
	}
	if pl, err := domain.LookupPlace(info.BirthPlace, info.Birth); err == nil {
		f.luogo = pl.Label()
	} else {
		f.luogo = info.BirthPlace
	}
}

// sentence capitalises a message shown on its own line ("codice fiscale non valido: …").
func sentence(s string) string {
	r := []rune(s)
	if len(r) == 0 {
		return s
	}
	return strings.ToUpper(string(r[:1])) + string(r[1:])
}
