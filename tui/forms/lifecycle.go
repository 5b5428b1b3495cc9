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

// expiry keeps a proposed expiry date in step with what it depends on (kind,
// decorrenza, the holder's birth date, the comune rule) until the operator types one.
type expiry struct {
	value string // bound to the field
	auto  string // the last value proposed
	input *huh.Input
}

// follow sets the field to proposed when the operator has not changed it; it reports
// whether the field changed.
func (e *expiry) follow(proposed string) bool {
	if e.value != e.auto || proposed == e.auto {
		return false
	}
	e.value, e.auto = proposed, proposed
	if e.input != nil {
		e.input.Value(&e.value)
	}
	return true
}

// proposedExpiry is the comune's rule for a permanent pass (P1); "" for a temporary one
// (its expiry comes from the medical certificate).
func proposedExpiry(kind domain.Kind, decorrenza string, birth domain.Date, st domain.ComuneSettings) string {
	d, err := domain.ParseDate(decorrenza)
	if err != nil {
		return ""
	}
	if e, ok := domain.DefaultExpiry(kind, d, birth, st.ExpiryRule); ok {
		return e.String()
	}
	return ""
}

func kindOptions() []huh.Option[domain.Kind] {
	return []huh.Option[domain.Kind]{huh.NewOption("permanente", domain.Permanente), huh.NewOption("temporaneo", domain.Temporaneo)}
}

// expiryHint explains where the proposed expiry comes from.
func expiryHint(kind domain.Kind, e expiry, st domain.ComuneSettings) string {
	switch {
	case kind == domain.Temporaneo && e.value == "":
		return "Temporaneo: indicare la scadenza del periodo del certificato medico."
	case kind == domain.Permanente && e.value == e.auto && e.auto != "":
		return "Scadenza proposta dalla regola del comune: " + st.ExpiryRule.Label() + "."
	}
	return ""
}

// Rinnovo (P3): a new version with the same number and new dates; the old one stays in
// the history.
type renewForm struct {
	*passForm
	settings                       domain.ComuneSettings
	kind                           domain.Kind
	rilascio, decorrenza, previous string
	scadenza                       expiry
}

// NewRenew is the Rinnovo form.
func NewRenew(ctx *common.Context, v service.PassView) common.Page { return newRenew(ctx, v).Page }

func newRenew(ctx *common.Context, v service.PassView) *renewForm {
	f := &renewForm{passForm: newPassForm(ctx, v, "Rinnovo", domain.ActRenew)}
	today := ctx.Svc.Today()
	p := v.Pass
	f.kind = p.Kind
	f.rilascio = today.String()
	dec := p.DataScadenza.AddDays(1)
	if dec.Before(today) {
		dec = today
	}
	f.decorrenza = dec.String()
	f.previous = p.Number
	svc, a := ctx.Svc, ctx.Actor
	f.load = func() result {
		st, err := svc.Settings(a, p.Comune)
		return result{err: err, then: func() {
			f.settings = st
			f.scadenza.value = proposedExpiry(f.kind, f.decorrenza, f.view.Holder.DataNascita, st)
			f.scadenza.auto = f.scadenza.value
		}}
	}
	f.build = func() *huh.Form {
		f.scadenza.input = dateField("Nuova scadenza", &f.scadenza.value).Validate(formkit.Date("la nuova scadenza"))
		return huh.NewForm(huh.NewGroup(f.requestFields(
			choice("Tipo", &f.kind, kindOptions()...),
			dateField("Data di rilascio", &f.rilascio).Validate(formkit.Date("la data di rilascio")),
			dateField("Decorrenza", &f.decorrenza).Validate(formkit.Date("la data di decorrenza")),
			f.scadenza.input,
			text("Numero precedente", &f.previous).CharLimit(40).Validate(optionalNumber),
		)...))
	}
	f.onChange = func() bool {
		return f.scadenza.follow(proposedExpiry(f.kind, f.decorrenza, f.view.Holder.DataNascita, f.settings))
	}
	f.live = func() []string {
		lines := []string{"Il contrassegno rinnovato mantiene il numero " + f.view.Pass.Number + "; la versione attuale resta nello storico."}
		if h := expiryHint(f.kind, f.scadenza, f.settings); h != "" {
			lines = append(lines, h)
		}
		return lines
	}
	f.submit = func() tea.Cmd {
		in := domain.RenewInput{Kind: f.kind, DataRilascio: formkit.ParseDate(f.rilascio), DataDecorrenza: formkit.ParseDate(f.decorrenza),
			DataScadenza: formkit.ParseDate(f.scadenza.value), PreviousNumber: strings.ToUpper(strings.TrimSpace(f.previous))}
		return f.run(func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			res, err := svc.RenewPass(a, c, in)
			return joinWarnings(fmt.Sprintf("Contrassegno %s rinnovato: valido dal %s al %s", res.Pass.Number,
				res.Pass.DataDecorrenza, res.Pass.DataScadenza), res.Warnings), err
		})
	}
	warnBefore(f.Page, f.implausible) // #11.11 (plausible.go)
	return f
}

func optionalNumber(s string) error {
	if strings.TrimSpace(s) == "" {
		return nil
	}
	return passNumber(s)
}

// Duplicato (P4): a new card after theft, loss or wear, that prints DUPLICATO. After a
// theft or a loss the police report is recorded (number, date, authority: #11.13); a
// worn card is handed back and needs none.
type duplicateForm struct {
	*passForm
	reason   domain.DuplicateReason
	number   string
	proposed string // the next number of the sequence, for a fresh one after a theft
	// The denuncia, asked only for furto and smarrimento.
	repNumber, repDate, repAuthority string
}

// NewDuplicate is the Duplicato form.
func NewDuplicate(ctx *common.Context, v service.PassView) common.Page {
	return newDuplicate(ctx, v).Page
}

func newDuplicate(ctx *common.Context, v service.PassView) *duplicateForm {
	f := &duplicateForm{passForm: newPassForm(ctx, v, "Duplicato", domain.ActDuplicate), reason: domain.Smarrimento, number: v.Pass.Number}
	svc, a, comune, today := ctx.Svc, ctx.Actor, v.Pass.Comune, ctx.Svc.Today()
	year := today.Year()
	f.load = func() result {
		n, err := svc.ProposeNumber(a, comune, year)
		return result{err: err, then: func() { f.proposed = n }}
	}
	base := f.header
	f.header = func() []string {
		return append(base(), "Sul nuovo cartoncino sarà stampato DUPLICATO; il contrassegno attuale sarà sostituito e non varrà più.")
	}
	// The report's fields check only when the reason asks for it.
	ifReport := func(v func(string) error) func(string) error {
		return func(s string) error {
			if !f.reason.NeedsReport() {
				return nil
			}
			return v(s)
		}
	}
	f.build = func() *huh.Form {
		groups := []*huh.Group{
			huh.NewGroup(
				list("Motivo del duplicato", &f.reason,
					huh.NewOption("smarrimento (serve la denuncia)", domain.Smarrimento),
					huh.NewOption("furto (serve la denuncia)", domain.Furto),
					huh.NewOption("deterioramento (si ritira il contrassegno rovinato)", domain.Deterioramento)),
				text("Numero del duplicato", &f.number).CharLimit(40).Validate(passNumber),
			),
			huh.NewGroup(
				text("Numero della denuncia", &f.repNumber).CharLimit(40).Placeholder("es. 417/"+fmt.Sprint(year)).
					Validate(ifReport(formkit.Required("indicare il numero della denuncia"))),
				dateField("Data della denuncia", &f.repDate).Validate(ifReport(formkit.NotAfter("la data della denuncia", today))),
				text("Autorità", &f.repAuthority).CharLimit(120).Placeholder("es. Carabinieri – Stazione di Mestre").
					Validate(ifReport(formkit.Required("indicare l'autorità che ha ricevuto la denuncia (es. Carabinieri – Stazione di Mestre)"))),
			).Title("Denuncia").WithHideFunc(func() bool { return !f.reason.NeedsReport() }),
		}
		if fields := f.requestFields(); len(fields) > 0 {
			groups = append(groups, huh.NewGroup(fields...))
		}
		return huh.NewForm(groups...)
	}
	f.live = func() []string {
		var lines []string
		if f.reason.NeedsReport() {
			lines = append(lines, "Per "+string(f.reason)+" serve la denuncia: numero, data e autorità restano registrati con il duplicato.")
		} else {
			lines = append(lines, "Deterioramento: nessuna denuncia; ritirare il contrassegno deteriorato.")
		}
		n := strings.ToUpper(strings.TrimSpace(f.number))
		if n == f.view.Pass.Number {
			lines = append(lines, "Il duplicato mantiene il numero "+n+".")
			if f.reason == domain.Furto && f.proposed != "" {
				lines = append(lines, "Dopo un furto si può dare un numero nuovo: il prossimo della numerazione è "+f.proposed+".")
			}
			return lines
		}
		lines = append(lines, "Numero nuovo: "+f.view.Pass.Number+" resterà come numero precedente.")
		if w := domain.ManualNumberWarning(n, f.proposed); w != "" && f.proposed != "" {
			lines = append(lines, "Attenzione: "+w+" (proposto: "+f.proposed+").")
		}
		return lines
	}
	f.submit = func() tea.Cmd {
		in := domain.DuplicateInput{Reason: f.reason, Number: strings.ToUpper(strings.TrimSpace(f.number))}
		if in.Number == f.view.Pass.Number {
			in.Number = ""
		}
		if f.reason.NeedsReport() {
			in.Denuncia = domain.PoliceReport{Numero: strings.TrimSpace(f.repNumber), Data: formkit.ParseDate(f.repDate),
				Autorita: strings.TrimSpace(f.repAuthority)}
		}
		return f.run(func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			res, err := svc.DuplicatePass(a, c, in)
			return joinWarnings(fmt.Sprintf("Duplicato %s emesso per %s: la stampa riporterà DUPLICATO", res.Pass.Number, in.Reason), res.Warnings), err
		})
	}
	return f
}

// Trasferimento (P6): the pass, its plates and history go to another comune.
type transferForm struct {
	*passForm
	dest    string
	confirm bool
}

// NewTransfer is the Trasferimento form.
func NewTransfer(ctx *common.Context, v service.PassView) common.Page {
	f := &transferForm{passForm: newPassForm(ctx, v, "Trasferimento", domain.ActTransfer)}
	today := ctx.Svc.Today()
	resolve := func() (domain.Place, error) {
		pl, err := comune(f.dest, today)
		if err == nil && pl.Code == f.view.Pass.Comune {
			err = fmt.Errorf("il contrassegno è già del comune %s", pl.Label())
		}
		return pl, err
	}
	base := f.header
	f.header = func() []string {
		return append(base(), "Il contrassegno passa, con targhe e storico, al comune di destinazione: da allora lo gestisce quel comune.")
	}
	f.build = func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			text("Comune di destinazione", &f.dest).Placeholder("nome o codice catastale").
				Validate(func(string) error { _, err := resolve(); return err }),
			yesNo("Trasferire?", &f.confirm),
		))
	}
	f.live = func() []string {
		if strings.TrimSpace(f.dest) == "" {
			return nil
		}
		pl, err := resolve()
		if err != nil {
			return []string{"Destinazione: " + errorText(err)}
		}
		lines := []string{"Destinazione: " + pl.Label() + " · codice " + pl.Code}
		if in, err := ctx.Svc.InCircuit(pl.Code); err == nil && !in {
			lines = append(lines, "FUORI DAL CIRCUITO: il contrassegno sarà chiuso qui come «trasferito fuori circuito» da oggi,",
				"le sue targhe usciranno dalla whitelist e la piattaforma nazionale sarà avvisata.")
		}
		return lines
	}
	f.submit = func() tea.Cmd {
		pl, _ := resolve()
		if !f.confirm {
			return pop("Trasferimento non confermato: nessuna modifica.")
		}
		return f.run(func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			res, err := svc.TransferPass(a, c, pl.Code)
			if res.Pass.State == domain.TrasferitoFuori {
				return fmt.Sprintf("Contrassegno %s chiuso: trasferito fuori circuito (%s); le sue targhe escono dalla whitelist", res.Pass.Number, pl.Label()), err
			}
			return joinWarnings(fmt.Sprintf("Contrassegno %s trasferito a %s, che da ora lo gestisce", res.Pass.Number, pl.Label()), res.Warnings), err
		})
	}
	return f.Page
}

// Sospensione and Revoca (P7): from a date, with a reason.
type closeForm struct {
	*passForm
	date, reason string
	// confirm is asked after the reason when the change cannot be undone (revoca): an
	// enter in the reason no longer saves it at once (issue 11.4).
	confirm bool
}

// NewSuspend is the Sospensione form.
func NewSuspend(ctx *common.Context, v service.PassView) common.Page {
	return newCloseForm(ctx, v, domain.ActSuspend, "Sospensione", "sospensione", "Sospeso dal",
		"Il contrassegno non vale dalla data indicata finché la sospensione non è revocata (tasto a nella scheda).",
		func(svc *service.Service, a service.Actor, c service.Change, d domain.Date, r string) (service.Result, error) {
			return svc.SuspendPass(a, c, d, r)
		}, "sospeso", "")
}

// NewRevoke is the Revoca form.
func NewRevoke(ctx *common.Context, v service.PassView) common.Page {
	return newCloseForm(ctx, v, domain.ActRevoke, "Revoca", "revoca", "Revocato dal",
		"La revoca è definitiva: dalla data indicata il contrassegno non vale più e le sue targhe escono dalla whitelist.",
		func(svc *service.Service, a service.Actor, c service.Change, d domain.Date, r string) (service.Result, error) {
			return svc.RevokePass(a, c, d, r)
		}, "revocato", "Revocare definitivamente il contrassegno?")
}

func newCloseForm(ctx *common.Context, v service.PassView, action domain.Action, title, what, dateLabel, explain string,
	do func(*service.Service, service.Actor, service.Change, domain.Date, string) (service.Result, error), done, ask string) common.Page {
	f := &closeForm{passForm: newPassForm(ctx, v, title, action), date: ctx.Svc.Today().String()}
	base := f.header
	f.header = func() []string { return append(base(), explain) }
	f.build = func() *huh.Form {
		fields := []huh.Field{
			dateField(dateLabel, &f.date).Validate(formkit.Date("la data della " + what)),
			text("Motivo", &f.reason).CharLimit(200).Validate(formkit.Required("indicare il motivo della " + what)),
		}
		if ask != "" {
			fields = append(fields, yesNo(ask, &f.confirm))
		}
		return huh.NewForm(huh.NewGroup(fields...))
	}
	f.submit = func() tea.Cmd {
		if ask != "" && !f.confirm {
			return pop(strings.ToUpper(what[:1]) + what[1:] + " non registrata: nessuna modifica.")
		}
		d, reason := formkit.ParseDate(f.date), strings.TrimSpace(f.reason)
		return f.run(func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			res, err := do(svc, a, c, d, reason)
			return joinWarnings(fmt.Sprintf("Contrassegno %s %s dal %s", res.Pass.Number, done, d), res.Warnings), err
		})
	}
	return f.Page
}

// Decesso (P8): the holder's death revokes the pass and closes its plates.
type deceasedForm struct {
	*passForm
	date    string
	confirm bool
}

// NewDeceased is the Decesso form.
func NewDeceased(ctx *common.Context, v service.PassView) common.Page {
	f := &deceasedForm{passForm: newPassForm(ctx, v, "Decesso del titolare", domain.ActDeceased)}
	today := ctx.Svc.Today()
	birth := v.Holder.DataNascita
	base := f.header
	f.header = func() []string {
		return append(base(), "Registrando il decesso il contrassegno è revocato da quella data, le targhe sono chiuse "+
			"al giorno prima ed escono dalla whitelist; la piattaforma nazionale viene avvisata.")
	}
	f.build = func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			dateField("Data del decesso", &f.date).Validate(func(s string) error {
				if err := formkit.NotAfter("la data del decesso", today)(s); err != nil {
					return err
				}
				if d := formkit.ParseDate(s); !birth.IsZero() && d.Before(birth) {
					return fmt.Errorf("la data del decesso %s precede la nascita (%s)", d, birth)
				}
				return nil
			}),
			yesNo("Registrare il decesso?", &f.confirm),
		))
	}
	f.submit = func() tea.Cmd {
		if !f.confirm {
			return pop("Decesso non registrato: nessuna modifica.")
		}
		d, personID, name := formkit.ParseDate(f.date), f.view.Holder.ID, f.view.Holder.FullName()
		return f.run(func(svc *service.Service, a service.Actor, _ service.Change) (string, error) {
			changed, err := svc.MarkDeceased(a, personID, d)
			return fmt.Sprintf("Decesso di %s al %s: %s", name, d, revokedText(len(changed))), err
		})
	}
	return f.Page
}

func revokedText(n int) string {
	switch n {
	case 0:
		return "nessun contrassegno attivo da revocare"
	case 1:
		return "contrassegno revocato, targhe chiuse"
	}
	return fmt.Sprintf("%d contrassegni revocati, targhe chiuse", n)
}

// Modifica: notes, consent to the national circuit, previous number, and the national
// data typed from the portal (manual mode, N5).
type editForm struct {
	*passForm
	note, previous, cudeID, codice string
	consent                        bool
}

// NewEdit is the Modifica form.
func NewEdit(ctx *common.Context, v service.PassView) common.Page {
	p := v.Pass
	f := &editForm{passForm: newPassForm(ctx, v, "Modifica", domain.ActEdit), note: p.Note, previous: p.PreviousNumber,
		cudeID: p.National.CudeID, codice: p.National.CodiceUnivoco, consent: p.National.Consent}
	base := f.header
	f.header = func() []string {
		return append(base(), "CUDE ID e codice univoco: da inserire a mano solo se rilasciati dal portale nazionale (modalità manuale).")
	}
	f.build = func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			text("Note", &f.note).CharLimit(300),
			yesNo("Consenso circuito naz.", &f.consent),
			text("Numero precedente", &f.previous).CharLimit(40).Validate(optionalNumber),
			text("CUDE ID", &f.cudeID).CharLimit(40).Validate(noSpaces("il CUDE ID")),
			text("Codice univoco", &f.codice).CharLimit(40).Validate(noSpaces("il codice univoco")),
		))
	}
	f.submit = func() tea.Cmd {
		e := service.PassEdit{Note: ptr(strings.TrimSpace(f.note)), Consent: ptr(f.consent),
			PreviousNumber: ptr(strings.ToUpper(strings.TrimSpace(f.previous))),
			CudeID:         ptr(strings.TrimSpace(f.cudeID)), CodiceUnivoco: ptr(strings.TrimSpace(f.codice))}
		return f.run(func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			res, err := svc.EditPass(a, c, e)
			return joinWarnings(fmt.Sprintf("Contrassegno %s aggiornato", res.Pass.Number), res.Warnings), err
		})
	}
	return f.Page
}

func ptr[T any](v T) *T { return &v }

func noSpaces(what string) func(string) error {
	return func(s string) error {
		if strings.ContainsAny(strings.TrimSpace(s), " \t") {
			return fmt.Errorf("%s non contiene spazi: ricopiarlo dal portale", what)
		}
		return nil
	}
}
