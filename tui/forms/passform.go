package forms

import (
	"errors"
	"fmt"

	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
)

// passForm is what every form on an existing pass shares: the page, and the pass as
// the operator saw it (its Version goes with every change, so that a change made
// meanwhile by another operator is refused instead of overwritten).
type passForm struct {
	*Page
	name string // of the operation, for the title
	view service.PassView
	// reloaded runs after the pass was read again (a step that depended on the old
	// version goes back).
	reloaded func()
	// req is the PEC request the form was opened from ("crea pratica"); nil when the
	// operator opened it at the desk.
	req *requestLink
}

// newPassForm starts a form for action on the pass. An action the pass's state does
// not allow (a renewal of a revoked pass…) is said at once, with only esc left, rather
// than after the operator filled the form in.
func newPassForm(ctx *common.Context, v service.PassView, title string, action domain.Action) *passForm {
	f := &passForm{Page: newPage(ctx, title+" · "+v.Pass.Number), name: title, view: v}
	f.passID = v.Pass.ID
	f.header = f.passHeader
	p := v.Pass
	switch {
	case !p.Current():
		f.blocked = fmt.Errorf("il contrassegno %s è %s: è storico, non si modifica", p.Number, p.State.Label())
	default:
		f.blocked = domain.CheckTransition(p, action, ctx.Svc.Today())
	}
	return f
}

func (f *passForm) change() service.Change {
	return service.Change{PassID: f.view.Pass.ID, Version: f.view.Pass.Version}
}

// passHeader says which pass and whose.
func (f *passForm) passHeader() []string {
	p, h := f.view.Pass, f.view.Holder
	return []string{
		fmt.Sprintf("%s (%s) · %s, %s · valido dal %s al %s", h.FullName(), h.CodiceFiscale,
			f.view.Status.Label(), p.Kind.Label(), p.DataDecorrenza, p.DataScadenza),
	}
}

// run calls a use case on the pass in a Cmd. do gets copies of everything it needs
// (built in Update); success closes the form with its notice. When another session
// changed the pass meanwhile (StaleError) the pass is read again: the error says who
// changed it, the heading shows the pass as it is now, and what the operator typed
// stays in the form: saving again applies it to the version now shown.
func (f *passForm) run(do func(svc *service.Service, a service.Actor, c service.Change) (string, error)) tea.Cmd {
	svc, a, c, id, p := f.ctx.Svc, f.ctx.Actor, f.change(), f.view.Pass.ID, f.Page
	settle := f.settle()
	return func() tea.Msg {
		notice, err := do(svc, a, c)
		if err == nil {
			return doneMsg{p: p, res: result{close: true, notice: settle(svc, a, notice)}}
		}
		res := result{err: err}
		var stale *service.StaleError
		if errors.As(err, &stale) {
			if v, gerr := svc.GetPass(a, id); gerr == nil {
				// Renewed, duplicated or transferred meanwhile: the live version.
				if !v.Pass.Current() && v.Pass.NextID != 0 {
					if next, nerr := svc.GetPass(a, v.Pass.NextID); nerr == nil {
						v = next
					}
				}
				res.then = func() {
					f.view, f.passID, f.title = v, v.Pass.ID, f.name+" · "+v.Pass.Number
					if f.reloaded != nil {
						f.reloaded()
					}
					f.info = "Il contrassegno è stato ricaricato: controllare i dati e salvare di nuovo per applicare la modifica."
				}
			}
		}
		return doneMsg{p: p, res: res}
	}
}
