package forms

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// Variazione targhe da richiesta (T4): the plates a request adds (AddPlate) and removes
// (ClosePlate the day before, or RemovePlate when the plate had not started yet). The
// operator checks the dates (and the role of an added plate), then sees everything the
// change will do, the finestra temporale reconciliation included, and confirms it.
//
// Additions come first: where the comune has finestra temporale on, adding a plate
// closes the plates valid at the same time, as for an addition at the desk; a removal
// then finds its plate already closed or acts on what is left. The plan shown is the
// service's own (PlanPlate) for the first addition, and the same computation carried
// on for the next ones; before each addition is applied the service plans it again,
// and a plan that differs from the one confirmed stops the change there.
type requestPlatesForm struct {
	*passForm
	finestra bool
	adds     []plateAddition
	removes  []plateRemoval
	plan     *platesPlan // set: the confirmation step
	confirm  bool
}

type plateAddition struct {
	number   string
	from, to string
	role     domain.PlateRole
}

type plateRemoval struct {
	number string
	from   string // the first day without the plate
}

// plateStep is one call to the service.
type plateStep struct {
	add     *service.PlateInput  // AddPlate
	changes []domain.PlateChange // of an addition: the reconciliation confirmed
	plateID uint32               // ClosePlate (closeAt set) or RemovePlate
	closeAt domain.Date
	number  string
}

// platesPlan is the confirmation step: the calls, and what the operator reads.
type platesPlan struct {
	steps []plateStep
	lines []string
	after []domain.Plate // the pass's plates once applied
}

// PlatesFromRequest is the Variazione targhe form of a request's pass.
func PlatesFromRequest(ctx *common.Context, v service.PassView, r Request) common.Page {
	ctx = appContext(ctx)
	f := &requestPlatesForm{passForm: newPassForm(ctx, v, "Variazione targhe", domain.ActPlates)}
	p := v.Pass
	for _, rp := range r.Plates {
		num := domain.NormalizePlate(rp.Number)
		if rp.Remove {
			f.removes = append(f.removes, plateRemoval{number: num, from: dateText(rp.From)})
			continue
		}
		a := plateAddition{number: num, from: dateText(rp.From)}
		if !rp.To.IsZero() && rp.To.Before(p.DataScadenza) {
			a.to = rp.To.String()
		}
		f.adds = append(f.adds, a)
	}
	f.reloaded = func() { f.plan = nil }
	f.fromRequest(r, "Variazione targhe applicata.")
	svc, a := ctx.Svc, ctx.Actor
	f.load = func() result {
		st, err := svc.Settings(a, p.Comune)
		return result{err: err, then: func() {
			f.finestra = st.FinestraTemporale
			// An added plate takes the national role of the plate it replaces: the one
			// the request removes, or (finestra temporale) the one it closes.
			for i := range f.adds {
				f.adds[i].role = inheritedRole(p, f.adds[i], f.removes, f.finestra)
			}
		}}
	}
	base := f.header
	f.header = func() []string {
		lines := base()
		if f.plan != nil {
			return append(lines, f.plan.lines...)
		}
		lines = append(lines, "Richiesta: "+requestedPlates(r.Plates)+".")
		if f.finestra {
			return append(lines, "Finestra temporale attiva: una sola targa valida alla volta; prima di applicare si vede cosa cambia nelle altre targhe.")
		}
		return append(lines, "Finestra temporale non attiva: le targhe del contrassegno possono sovrapporsi.")
	}
	f.build = func() *huh.Form {
		f.submitHelp = ""
		if f.plan != nil {
			f.confirm, f.submitHelp = false, "conferma"
			return huh.NewForm(huh.NewGroup(yesNo("Applicare le modifiche?", &f.confirm)))
		}
		var fields []huh.Field
		for i := range f.adds {
			ad := &f.adds[i]
			fields = append(fields,
				dateField("Aggiungi "+ad.number+" dal", &ad.from).Validate(formkit.Date("l'inizio di "+ad.number)),
				dateField("  "+ad.number+" fino al", &ad.to).Placeholder("scadenza").
					Validate(formkit.Optional(formkit.Date("la fine di "+ad.number))),
				choice(pad("  "+ad.number+" ruolo"), &ad.role,
					huh.NewOption("solo regionale", domain.RoleNone),
					huh.NewOption("principale", domain.RolePrincipale),
					huh.NewOption("secondaria", domain.RoleSecondaria)))
		}
		for i := range f.removes {
			rm := &f.removes[i]
			fields = append(fields, dateField("Rimuovi "+rm.number+" dal", &rm.from).Validate(formkit.Date("il giorno da cui togliere "+rm.number)))
		}
		return huh.NewForm(huh.NewGroup(f.requestFields(fields...)...))
	}
	f.live = func() []string {
		if f.plan != nil || len(f.adds)+len(f.removes) > 0 {
			return nil
		}
		return []string{"La richiesta non indica targhe: nulla da applicare."}
	}
	f.submit = func() tea.Cmd {
		pg := f.Page
		if f.plan != nil {
			if !f.confirm {
				return func() tea.Msg {
					return doneMsg{p: pg, res: result{then: func() {
						f.plan = nil
						f.info = "Modifiche non applicate: correggere le date, oppure esc per uscire."
					}}}
				}
			}
			return f.apply()
		}
		if len(f.adds)+len(f.removes) == 0 {
			return func() tea.Msg {
				return doneMsg{p: pg, res: result{err: errors.New("la richiesta non indica targhe da aggiungere o rimuovere")}}
			}
		}
		// Copies for the Cmd: it runs on another goroutine.
		svc, a, c, pass, finestra := f.ctx.Svc, f.ctx.Actor, f.change(), f.view.Pass.Clone(), f.finestra
		adds, removes := slices.Clone(f.adds), slices.Clone(f.removes)
		return func() tea.Msg {
			plan, err := planRequestPlates(svc, a, c, pass, finestra, adds, removes)
			if err != nil {
				return doneMsg{p: pg, res: result{err: err}}
			}
			return doneMsg{p: pg, res: result{then: func() { f.plan = &plan }}}
		}
	}
	warnBefore(f.Page, func() []string { return nonEmpty(f.requestNumber(), f.requestHolder()) }) // #11.6, #11.11
	return f.Page
}

// apply makes the confirmed calls in order. A refusal of the first one leaves the
// form open; one after some were applied closes it, saying what was done and what was
// not (the scheda shows the pass as it is), and leaves the request open.
func (f *requestPlatesForm) apply() tea.Cmd {
	svc, a, c, pg, steps := f.ctx.Svc, f.ctx.Actor, f.change(), f.Page, slices.Clone(f.plan.steps)
	settle := f.settle()
	number := f.view.Pass.Number
	return func() tea.Msg {
		var done, warnings []string
		for i, s := range steps {
			var res service.Result
			var err error
			var what string
			switch {
			case s.add != nil:
				what = "aggiunta " + s.number
				var plan service.PlatePlan
				if plan, err = svc.PlanPlate(a, c, *s.add); err == nil && !sameChanges(plan.Changes, s.changes) {
					err = fmt.Errorf("l'aggiunta di %s ora cambierebbe le altre targhe in modo diverso da quanto confermato: ricontrollare", s.number)
				}
				if err == nil {
					res, err = svc.AddPlate(a, c, *s.add, true)
				}
			case !s.closeAt.IsZero():
				what = fmt.Sprintf("%s chiusa al %s", s.number, s.closeAt)
				res, err = svc.ClosePlate(a, c, s.plateID, s.closeAt)
			default:
				what = "rimossa " + s.number
				res, err = svc.RemovePlate(a, c, s.plateID)
			}
			if err != nil {
				if i == 0 {
					return doneMsg{p: pg, res: result{err: err, then: func() { f.plan = nil }}}
				}
				return doneMsg{p: pg, res: result{close: true, notice: fmt.Sprintf("Attenzione: variazione targhe del contrassegno %s applicata solo in parte (%s); non applicata: %s: %s. La richiesta PEC resta aperta",
					number, strings.Join(done, ", "), what, errorText(err))}}
			}
			c.Version = res.Pass.Version
			done = append(done, what)
			warnings = append(warnings, res.Warnings...)
		}
		notice := joinWarnings(fmt.Sprintf("Targhe del contrassegno %s: %s", number, strings.Join(done, ", ")), warnings)
		return doneMsg{p: pg, res: result{close: true, notice: settle(svc, a, notice)}}
	}
}

// planRequestPlates computes the calls and what they do, on pass as the operator saw
// it (c.Version): additions first, then removals.
func planRequestPlates(svc *service.Service, a service.Actor, c service.Change, pass domain.Pass, finestra bool,
	adds []plateAddition, removes []plateRemoval) (platesPlan, error) {
	var plan platesPlan
	sim := pass.Clone()
	end := pass.DataScadenza
	added := map[uint32]bool{}
	n := 0
	item := func(s string) {
		n++
		plan.lines = append(plan.lines, fmt.Sprintf("%d. %s", n, s))
	}
	for i, ad := range adds {
		in := service.PlateInput{Number: ad.number, Country: domain.Italy, From: formkit.ParseDate(ad.from), To: formkit.ParseDate(ad.to), Role: ad.role}
		var pp service.PlatePlan
		if i == 0 {
			// The service's own plan.
			var err error
			if pp, err = svc.PlanPlate(a, c, in); err != nil {
				return plan, fmt.Errorf("targa %s: %s", ad.number, errorText(err))
			}
		} else {
			// The same computation on the plates the previous additions leave.
			if in.To.Equal(end) {
				in.To = domain.Date{}
			}
			if !in.To.IsZero() && in.To.Before(in.From) {
				return plan, fmt.Errorf("targa %s: la fine %s precede l'inizio %s", ad.number, in.To, in.From)
			}
			sim.NextPlateID++
			class, w := domain.ClassifyPlate(ad.number, domain.Italy)
			pp.Plate = domain.Plate{ID: sim.NextPlateID, Number: ad.number, Country: domain.Italy, Class: class, From: in.From, To: in.To, Role: in.Role}
			if w != "" {
				pp.Warnings = append(pp.Warnings, ad.number+": "+w)
			}
			if pp.Plate.Role != domain.RoleNone { // the new plate takes the role first, as PlanPlate does
				for j, o := range sim.Plates {
					if o.Role == pp.Plate.Role {
						sim.Plates[j].Role = domain.RoleNone
						pp.Warnings = append(pp.Warnings, fmt.Sprintf("la targa %s non sarà più %s", o.Number, pp.Plate.Role))
					}
				}
			}
			if finestra {
				f, t := pp.Plate.Window(end)
				pp.Changes = domain.Reconcile(sim.Plates, 0, f, t, end)
			}
		}
		pl := pp.Plate
		sim.NextPlateID = max(sim.NextPlateID, pl.ID)
		nf, nt := pl.Window(end)
		for _, o := range domain.ApplyChanges(sim.Plates, pp.Changes) {
			if of, ot := o.Window(end); o.Number == pl.Number && !ot.Before(nf) && !nt.Before(of) {
				pp.Warnings = append(pp.Warnings, fmt.Sprintf("%s è già sul contrassegno dal %s al %s: i due periodi si sovrappongono", o.Number, of, ot))
			}
		}
		if pl.Role != domain.RoleNone && i == 0 { // the first addition's plan came from the service
			for j, o := range sim.Plates {
				if o.Role == pl.Role {
					sim.Plates[j].Role = domain.RoleNone
				}
			}
		}
		sim.Plates = append(domain.ApplyChanges(sim.Plates, pp.Changes), pl)
		added[pl.ID] = true
		in.Number = pl.Number
		plan.steps = append(plan.steps, plateStep{add: &in, changes: pp.Changes, number: pl.Number})
		_, to := pl.Window(end)
		item(fmt.Sprintf("aggiungere %s (%s) dal %s al %s, %s", pl.Number, pl.Class, pl.From, to, roleLabel(pl.Role)))
		plan.lines = append(plan.lines, finestraLines(pp.Changes, "   ")...)
		for _, o := range pp.Overlaps {
			plan.lines = append(plan.lines, "  • "+o+" (consentito)")
		}
		for _, w := range pp.Warnings {
			plan.lines = append(plan.lines, "  • Attenzione: "+w)
		}
	}
	for _, rm := range removes {
		day := formkit.ParseDate(rm.from)
		found := false
		for _, pl := range slices.Clone(sim.Plates) {
			if pl.Number != rm.number || added[pl.ID] {
				continue
			}
			found = true
			f, t := pl.Window(end)
			switch {
			case t.Before(day):
				item(fmt.Sprintf("%s è già valida solo fino al %s: niente da togliere", pl.Number, t))
				continue
			case !f.Before(day):
				plan.steps = append(plan.steps, plateStep{plateID: pl.ID, number: pl.Number})
				item(fmt.Sprintf("rimuovere %s (valida dal %s al %s): dal %s non vale più", pl.Number, f, t, day))
				sim.Plates = slices.DeleteFunc(sim.Plates, func(x domain.Plate) bool { return x.ID == pl.ID })
			default:
				closeAt := day.AddDays(-1)
				plan.steps = append(plan.steps, plateStep{plateID: pl.ID, closeAt: closeAt, number: pl.Number})
				item(fmt.Sprintf("chiudere %s al %s (invece che al %s)", pl.Number, closeAt, t))
				for j := range sim.Plates {
					if sim.Plates[j].ID == pl.ID {
						sim.Plates[j].To = closeAt
					}
				}
			}
		}
		if !found {
			what := "non è sul contrassegno"
			if slices.ContainsFunc(pass.Plates, func(x domain.Plate) bool { return x.Number == rm.number }) {
				what = "è già tolta dalla finestra temporale"
			}
			item(fmt.Sprintf("%s %s: niente da rimuovere", rm.number, what))
		}
	}
	if len(plan.steps) == 0 {
		return plan, errors.New("la richiesta non cambia le targhe del contrassegno: niente da applicare")
	}
	plan.after = sim.Plates
	var after []string
	for _, pl := range sim.Plates {
		f, t := pl.Window(end)
		s := fmt.Sprintf("%s %s–%s", pl.Number, f, t)
		if pl.Role != domain.RoleNone {
			s += " " + string(pl.Role)
		}
		after = append(after, s)
	}
	if len(after) == 0 {
		after = []string{"nessuna"}
	}
	plan.lines = append(plan.lines, "Targhe dopo le modifiche: "+strings.Join(after, " · ")+".")
	return plan, nil
}

// sameChanges reports whether two reconciliations do the same to the same plates.
func sameChanges(a, b []domain.PlateChange) bool {
	return slices.EqualFunc(a, b, func(x, y domain.PlateChange) bool {
		return x.Kind == y.Kind && x.PlateID == y.PlateID && x.NewFrom.Equal(y.NewFrom) && x.NewTo.Equal(y.NewTo)
	})
}

// inheritedRole is the national role an added plate takes: that of a plate the request
// removes, else (finestra temporale: it is closed) that of the plate valid on the day
// the new one starts.
func inheritedRole(p domain.Pass, ad plateAddition, removes []plateRemoval, finestra bool) domain.PlateRole {
	for _, rm := range removes {
		for _, pl := range p.Plates {
			if pl.Number == rm.number && pl.Role != domain.RoleNone {
				return pl.Role
			}
		}
	}
	if !finestra {
		return domain.RoleNone
	}
	day := formkit.ParseDate(ad.from)
	for _, pl := range p.Plates {
		if f, t := pl.Window(p.DataScadenza); pl.Role != domain.RoleNone && !day.Before(f) && !t.Before(day) {
			return pl.Role
		}
	}
	return domain.RoleNone
}

// requestedPlates is what the request asks, in one line.
func requestedPlates(ps []RequestPlate) string {
	if len(ps) == 0 {
		return "nessuna targa indicata"
	}
	var out []string
	for _, p := range ps {
		num := domain.NormalizePlate(p.Number)
		switch {
		case p.Remove:
			out = append(out, "rimuovere "+num+" dal "+dateText(p.From))
		case p.To.IsZero():
			out = append(out, "aggiungere "+num+" dal "+dateText(p.From))
		default:
			out = append(out, "aggiungere "+num+" dal "+dateText(p.From)+" al "+p.To.String())
		}
	}
	return strings.Join(out, "; ")
}

// dateText is a date for a field ("" when unknown).
func dateText(d domain.Date) string {
	if d.IsZero() {
		return ""
	}
	return d.String()
}
