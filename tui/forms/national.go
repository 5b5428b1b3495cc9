package forms

import (
	"fmt"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
)

// What the Invio nazionale form does with a pass's sends to the platform.
const (
	nationalRetry = "ritenta"
	nationalSkip  = "non_inviare"
)

type nationalForm struct {
	*passForm
	choice string
	sure   bool
}

// NewNational is the Invio nazionale form (N3, N5): the pass's sends tried again now
// (after the operator acted on a rejection), or the pass marked "non inviare".
func NewNational(ctx *common.Context, v service.PassView) common.Page {
	f := &nationalForm{passForm: newPassForm(ctx, v, "Invio nazionale", domain.ActEdit), choice: nationalRetry}
	n := v.Pass.National
	if v.Pass.Current() {
		f.blocked = nil // a revoked pass's revocation is sent too: only history is closed
	}
	if f.blocked == nil && !n.Consent {
		f.blocked = fmt.Errorf("il titolare di %s non ha dato il consenso al circuito nazionale: nulla da inviare", v.Pass.Number)
	}
	base := f.header
	f.header = func() []string {
		lines := append(base(), "Circuito nazionale: "+n.Status.Label())
		if n.LastError != "" {
			lines = append(lines, "Ultimo errore: "+n.LastError)
		}
		return append(lines, "Per CUDE ID e codice univoco avuti dal portale: tasto e (Modifica).")
	}
	f.build = func() *huh.Form {
		return huh.NewForm(huh.NewGroup(
			list("Che cosa fare", &f.choice,
				huh.NewOption("Ritentare ora l'invio (dopo aver corretto il motivo del rifiuto)", nationalRetry),
				huh.NewOption("Non inviare alla piattaforma: gli invii in coda si chiudono", nationalSkip)),
			yesNo("Confermare", &f.sure),
		))
	}
	f.submit = func() tea.Cmd {
		if !f.sure {
			return func() tea.Msg {
				return doneMsg{p: f.Page, res: result{close: true, notice: "Nessuna modifica all'invio nazionale."}}
			}
		}
		choice := f.choice
		return f.run(func(svc *service.Service, a service.Actor, c service.Change) (string, error) {
			if choice == nationalSkip {
				p, err := svc.NationalSkip(a, c.PassID)
				return fmt.Sprintf("Contrassegno %s: non sarà inviato alla piattaforma nazionale.", p.Number), err
			}
			n, err := svc.NationalRetryPass(a, c.PassID)
			if n == 1 {
				return "L'invio alla piattaforma nazionale riparte ora.", err
			}
			return domain.Count(n, "invio alla piattaforma nazionale riparte ora.", "invii alla piattaforma nazionale ripartono ora."), err
		})
	}
	return f.Page
}
