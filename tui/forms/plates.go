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

func roleOptions() []huh.Option[domain.PlateRole] {
	return []huh.Option[domain.PlateRole]{
		huh.NewOption("solo circuito regionale", domain.RoleNone),
		huh.NewOption("principale (circuito nazionale)", domain.RolePrincipale),
		huh.NewOption("secondaria (circuito nazionale)", domain.RoleSecondaria),
	}
}

func roleLabel(r domain.PlateRole) string {
	if r == domain.RoleNone {
		return "solo circuito regionale"
	}
	return string(r)
}

// roleTaken says which plate loses role r when plate self takes it (T3).
func roleTaken(p domain.Pass, self uint32, r domain.PlateRole) string {
	if r == domain.RoleNone {
		return ""
	}
	for _, pl := range p.Plates {
		if pl.ID != self && pl.Role == r {
			return fmt.Sprintf("La targa %s non sarà più %s.", pl.Number, r)
		}
	}
	return ""
}

// Targa aggiungi (T1–T4): the plate, then what adding it does to the others (the
// finestra temporale reconciliation, plates of other passes, format warnings), shown
// and confirmed before it is applied.
type addPlateForm struct {
	*passForm
	number, country, from, to string
	role                      domain.PlateRole
	plan                      *service.PlatePlan // set: the confirmation step
	confirm                   bool
}

// NewAddPlate is the Targa aggiungi form.
func NewAddPlate(ctx *common.Context, v service.PassView) common.Page {
	p := v.Pass
	from := ctx.Svc.Today()
	if from.Before(p.DataDecorrenza) {
		from = p.DataDecorrenza
	}
	f := &addPlateForm{passForm: newPassForm(ctx, v, "Aggiungi targa", domain.ActPlates), country: domain.Italy,
		from: from.String(), to: p.DataScadenza.String()}
	f.reloaded = func() { f.plan = nil } // the plan was made on the old version
	base := f.header
	f.header = func() []string {
		if f.plan != nil {
			return append(base(), f.planLines()...)
		}
		return base()
	}
	f.build = func() *huh.Form {
		f.submitHelp = ""
		if f.plan != nil {
			f.confirm, f.submitHelp = false, "conferma"
			return huh.NewForm(huh.NewGroup(yesNo("Aggiungere la targa?", &f.confirm)))
		}
		return huh.NewForm(huh.NewGroup(
			text("Targa", &f.number).CharLimit(16).Validate(plateNumber),
			text("Nazione", &f.country).CharLimit(3).Validate(country),
			dateField("Valida dal", &f.from).Validate(formkit.Date("la data di inizio")),
			dateField("Valida al", &f.to).Validate(formkit.Optional(formkit.Date("la data di fine"))),
			list("Ruolo", &f.role, roleOptions()...),
		))
	}
	f.live = func() []string {
		if f.plan != nil {
			return nil
		}
		var lines []string
		num := domain.NormalizePlate(f.number)
		if domain.CheckPlateNumber(num) == nil {
			if class, w := domain.ClassifyPlate(num, f.country); w != "" {
				lines = append(lines, "Targa "+num+": "+w+".")
			} else {
				lines = append(lines, "Targa "+num+": "+string(class)+".")
			}
		}
		if t := roleTaken(f.view.Pass, 0, f.role); t != "" {
			lines = append(lines, t)
		}
		if to := f.view.Pass.DataScadenza.String(); strings.TrimSpace(f.to) == "" || strings.TrimSpace(f.to) == to {
			lines = append(lines, "Fino alla scadenza del contrassegno ("+to+"): segue i rinnovi.")
		}
		return lines
	}
	f.submit = func() tea.Cmd {
		in := service.PlateInput{Number: f.number, Country: f.country, From: formkit.ParseDate(f.from), To: formkit.ParseDate(f.to), Role: f.role}
		svc, a, c, pg := f.ctx.Svc, f.ctx.Actor, f.change(), f.Page
		add := func(svc *service.Service, a service.Actor, c service.Change, confirmed bool) (string, error) {
			res, err := svc.AddPlate(a, c, in, confirmed)
			num := domain.NormalizePlate(in.Number)
			return joinWarnings(fmt.Sprintf("Targa %s aggiunta al contrassegno %s", num, res.Pass.Number), res.Warnings), err
		}
		if f.plan != nil {
			if !f.confirm {
				return func() tea.Msg {
					return doneMsg{p: pg, res: result{then: func() {
						f.plan = nil
						f.info = "Targa non aggiunta: modificare i dati, oppure esc per uscire."
					}}}
				}
			}
			return f.run(func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
				return add(svc, a, c, true)
			})
		}
		// Both outcomes are made here, in Update (they read the model); the Cmd only
		// picks one.
		var planErr error
		refused := f.run(func(*service.Service, service.Actor, service.Change) (string, error) { return "", planErr })
		direct := f.run(func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			return add(svc, a, c, false)
		})
		return func() tea.Msg {
			plan, err := svc.PlanPlate(a, c, in)
			if err != nil {
				planErr = err
				return refused()
			}
			if len(plan.Changes) > 0 || len(plan.Overlaps) > 0 || len(plan.Warnings) > 0 {
				return doneMsg{p: pg, res: result{then: func() { f.plan = &plan }}}
			}
			return direct()
		}
	}
	return f.Page
}

// planLines is the confirmation step: what will change, and what to know.
func (f *addPlateForm) planLines() []string {
	pl := f.plan.Plate
	_, to := pl.Window(f.view.Pass.DataScadenza)
	lines := []string{fmt.Sprintf("Targa %s (%s, %s) dal %s al %s, %s.", pl.Number, pl.Country, pl.Class, pl.From, to, roleLabel(pl.Role))}
	lines = append(lines, finestraLines(f.plan.Changes, "")...)
	for _, o := range f.plan.Overlaps {
		lines = append(lines, "  • "+o+" (consentito)")
	}
	for _, w := range f.plan.Warnings {
		lines = append(lines, "  • Attenzione: "+w)
	}
	return lines
}

// finestraLines shows a finestra temporale plan (T4) under indent: what changes, and
// when a national plate keeps the setting from being honoured, that it stays as it is
// and the confirmation is the operator's choice.
func finestraLines(changes []domain.PlateChange, indent string) []string {
	if len(changes) == 0 {
		return nil
	}
	lines := []string{indent + "Con la finestra temporale (una sola targa valida alla volta):"}
	for _, c := range changes {
		lines = append(lines, indent+"  • "+c.Text)
	}
	if !domain.Honoured(changes) {
		lines = append(lines, indent+"ATTENZIONE: la finestra temporale non si può rispettare senza toccare una targa del circuito",
			indent+"nazionale, che resta com'è. Confermare solo se va bene così; altrimenti cambiare le date.")
	}
	return lines
}

// Chiudi targa: the plate's window ends on a date.
type closePlateForm struct {
	*passForm
	plate domain.Plate
	date  string
}

// NewClosePlate is the Chiudi targa form.
func NewClosePlate(ctx *common.Context, v service.PassView, plateID uint32) common.Page {
	f := &closePlateForm{passForm: newPassForm(ctx, v, "Chiudi targa", domain.ActPlates)}
	if i, ok := v.Pass.PlateByID(plateID); ok {
		f.plate = v.Pass.Plates[i]
	}
	// Today, unless the plate already ends earlier (or starts later).
	day := ctx.Svc.Today()
	if _, to := f.plate.Window(v.Pass.DataScadenza); to.Before(day) {
		day = to
	}
	if day.Before(f.plate.From) {
		day = f.plate.From
	}
	f.date = day.String()
	base := f.header
	f.header = func() []string {
		from, to := f.plate.Window(f.view.Pass.DataScadenza)
		return append(base(), fmt.Sprintf("Targa %s (%s, %s) valida dal %s al %s: dopo la data di chiusura esce dalla whitelist.",
			f.plate.Number, f.plate.Country, f.plate.Class, from, to))
	}
	f.build = func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			dateField("Valida fino al", &f.date).Validate(func(s string) error {
				if err := formkit.Date("la data di chiusura")(s); err != nil {
					return err
				}
				if d := formkit.ParseDate(s); d.Before(f.plate.From) {
					return fmt.Errorf("la data di chiusura %s precede l'inizio %s: per toglierla usare rimuovi (x)", d, f.plate.From)
				}
				return nil
			}),
		))
	}
	f.submit = func() tea.Cmd {
		d, id, num := formkit.ParseDate(f.date), f.plate.ID, f.plate.Number
		return f.run(func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			res, err := svc.ClosePlate(a, c, id, d)
			return joinWarnings(fmt.Sprintf("Targa %s chiusa al %s", num, d), res.Warnings), err
		})
	}
	return f.Page
}

// Ruolo: principale, secondaria or regional only (T3: one of each on the national
// circuit, only the principale active there).
type roleForm struct {
	*passForm
	plate domain.Plate
	role  domain.PlateRole
}

// NewRole is the Ruolo form.
func NewRole(ctx *common.Context, v service.PassView, plateID uint32) common.Page {
	f := &roleForm{passForm: newPassForm(ctx, v, "Ruolo della targa", domain.ActPlates)}
	if i, ok := v.Pass.PlateByID(plateID); ok {
		f.plate = v.Pass.Plates[i]
	}
	f.role = f.plate.Role
	base := f.header
	f.header = func() []string {
		return append(base(), fmt.Sprintf("Targa %s, ora %s. Sul circuito nazionale al più una principale (la sola attiva) e una secondaria.",
			f.plate.Number, roleLabel(f.plate.Role)))
	}
	f.build = func() *huh.Form {
		return huh.NewForm(huh.NewGroup(list("Nuovo ruolo", &f.role, roleOptions()...)))
	}
	f.live = func() []string {
		if t := roleTaken(f.view.Pass, f.plate.ID, f.role); t != "" {
			return []string{t}
		}
		return nil
	}
	f.submit = func() tea.Cmd {
		role, id, num := f.role, f.plate.ID, f.plate.Number
		return f.run(func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			res, err := svc.SetPlateRole(a, c, id, role)
			return joinWarnings(fmt.Sprintf("Targa %s: %s", num, roleLabel(role)), res.Warnings), err
		})
	}
	return f.Page
}
