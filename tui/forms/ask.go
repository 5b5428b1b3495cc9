package forms

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// Ask is a Sì/No question before a change of the pass made with one key (removing a
// plate, lifting a suspension): No is the default, and only Sì calls the use case
// (issue 11.4). What says what will happen; do returns the notice of the change.
type Ask struct {
	Title, Question, Yes, What string
	Action                     domain.Action
	Do                         func(svc *service.Service, a service.Actor, c service.Change) (string, error)
}

// Page makes the question's page over the pass.
func (q Ask) Page(ctx *common.Context, v service.PassView) common.Page {
	f := newPassForm(ctx, v, q.Title, q.Action)
	yes := false
	base := f.header
	f.header = func() []string { return append(base(), q.What) }
	f.build = func() *huh.Form {
		return huh.NewForm(huh.NewGroup(formkit.Confirm(q.Question, q.Yes, &yes)))
	}
	f.submit = func() tea.Cmd {
		if !yes {
			return pop("Nessuna modifica.")
		}
		return f.run(q.Do)
	}
	return f.Page
}

// NewRemovePlate asks before removing a plate from the pass (it stays in the history).
func NewRemovePlate(ctx *common.Context, v service.PassView, plateID uint32) common.Page {
	var pl domain.Plate
	if i, ok := v.Pass.PlateByID(plateID); ok {
		pl = v.Pass.Plates[i]
	}
	return Ask{Title: "Rimozione della targa", Action: domain.ActPlates,
		Question: "Rimuovere la targa " + pl.Number + "?", Yes: "Sì, rimuovi",
		What: "La targa esce dal contrassegno e dalla whitelist; resta nello storico. Per una targa usata fino a una data, chiuderla (c) invece di rimuoverla.",
		Do: func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			_, err := svc.RemovePlate(a, c, pl.ID)
			return "Targa " + pl.Number + " rimossa (resta nello storico).", err
		}}.Page(ctx, v)
}

// NewResume asks before lifting a suspension.
func NewResume(ctx *common.Context, v service.PassView) common.Page {
	return Ask{Title: "Riattivazione", Action: domain.ActResume,
		Question: "Revocare la sospensione e riattivare il contrassegno?", Yes: "Sì, riattiva",
		What: "Il contrassegno torna valido da oggi e le sue targhe rientrano nella whitelist.",
		Do: func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			_, err := svc.ResumePass(a, c)
			return "Sospensione revocata: il contrassegno è di nuovo attivo.", err
		}}.Page(ctx, v)
}

// NewUndo asks before undoing the operator's own last change of the pass (a wrong
// revoke, transfer, duplicate…): the change, when it was made, what happens. It opens
// from the pass's card, the old version's too (a pass just handed to another comune).
func NewUndo(ctx *common.Context, v service.PassView) common.Page {
	f := &passForm{Page: newPage(ctx, "Annulla ultima operazione · "+v.Pass.Number), name: "Annulla ultima operazione", view: v}
	f.passID = v.Pass.ID
	yes := false
	var u service.Undoable
	svc, a, id := ctx.Svc, ctx.Actor, v.Pass.ID
	f.load = func() result {
		got, err := svc.LastUndoable(a, id)
		return result{err: err, then: func() { u = got }}
	}
	f.header = func() []string {
		if u.Action == "" {
			return nil
		}
		ago := "poco fa"
		if n := int(svc.Now().Sub(u.At).Minutes()); n >= 1 {
			ago = domain.Count(n, "minuto", "minuti") + " fa"
		}
		return []string{
			fmt.Sprintf("Ultima operazione tua su questo contrassegno: %s alle %s (%s).", u.Action,
				u.At.In(domain.Rome).Format("15:04"), ago),
			"Annullandola si scrive una nuova versione com'era prima e una voce nello storico; nulla viene cancellato. " +
				"Se la piattaforma nazionale l'ha già ricevuta, riceve la correzione.",
		}
	}
	f.build = func() *huh.Form {
		return huh.NewForm(huh.NewGroup(formkit.Confirm("Annullare la "+u.Action+"?", "Sì, annulla", &yes)))
	}
	f.submit = func() tea.Cmd {
		if !yes {
			return pop("Nessuna modifica.")
		}
		what := u.Action
		return f.run(func(svc *service.Service, a service.Actor, _ service.Change) (string, error) {
			res, err := svc.UndoLast(a, id)
			return fmt.Sprintf("Annullata la %s: il contrassegno %s è di nuovo com'era prima.", what, res.Pass.Number), err
		})
	}
	return f.Page
}
