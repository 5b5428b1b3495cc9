package forms

import (
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/tui/components/formkit"
)

// warnBefore makes p ask before saving data that the rules allow but are most likely a
// mistake (#11, point 11): check lists the warnings of the values typed. While any
// applies, each shows under the form as "Attenzione: …"; on save a question follows,
// the warnings above it: Sì saves, No goes back to the data with everything typed. The
// same warnings confirmed once are not asked again (a save refused by the service, the
// confirmation step of the form's own).
//
// It wraps the page's hooks: call it last, once the form has set them all.
func warnBefore(p *Page, check func() []string) {
	var (
		asking    []string // set: the question is on screen
		confirm   bool
		confirmed string // the warnings the operator said Sì to
		help      string // the form's own submit help, while the question shows
	)
	build, header, live, submit := p.build, p.header, p.live, p.submit
	p.build = func() *huh.Form {
		if asking != nil {
			p.submitHelp, confirm = "conferma", false
			return huh.NewForm(huh.NewGroup(yesNo("Salvare comunque?", &confirm)))
		}
		return build()
	}
	p.header = func() []string {
		var lines []string
		if header != nil {
			lines = header()
		}
		for _, w := range asking {
			lines = append(lines, attenzione(w))
		}
		if asking != nil {
			lines = append(lines, "Sì salva così; No torna ai dati per correggerli.")
		}
		return lines
	}
	p.live = func() []string {
		if asking != nil {
			return nil
		}
		var lines []string
		if live != nil {
			lines = live()
		}
		for _, w := range check() {
			lines = append(lines, attenzione(w))
		}
		return lines
	}
	p.submit = func() tea.Cmd {
		if asking != nil {
			ws := asking
			asking, p.submitHelp = nil, help
			if confirm {
				confirmed = strings.Join(ws, "\n")
				return submit()
			}
			confirmed = ""
			return func() tea.Msg {
				return doneMsg{p: p, res: result{then: func() {
					p.info = "Non salvato: correggere i dati, oppure esc per uscire."
				}}}
			}
		}
		ws := check()
		if len(ws) == 0 || strings.Join(ws, "\n") == confirmed {
			return submit()
		}
		return func() tea.Msg {
			return doneMsg{p: p, res: result{then: func() { asking, help = ws, p.submitHelp }}}
		}
	}
}

// nonEmpty is the warnings that say something.
func nonEmpty(ws ...string) []string {
	var out []string
	for _, w := range ws {
		if w != "" {
			out = append(out, w)
		}
	}
	return out
}

// implausible is what a renewal asks about: a temporary pass longer than the law
// allows, a renewal long before the expiry, a request that names another pass.
func (f *renewForm) implausible() []string {
	return nonEmpty(
		domain.TemporaryTooLong(f.kind, formkit.ParseDate(f.decorrenza), formkit.ParseDate(f.scadenza.value)),
		domain.EarlyRenewal(f.ctx.Svc.Today(), f.view.Pass.DataScadenza, f.settings.AlertDays),
		f.requestNumber(), f.requestHolder())
}

// requestNumber warns when the request the form was opened from names a pass number
// other than the pass it is linked to.
func (f *passForm) requestNumber() string {
	if f.req == nil {
		return ""
	}
	n := strings.ToUpper(strings.TrimSpace(f.req.Number))
	if n == "" || n == f.view.Pass.Number {
		return ""
	}
	return "la richiesta indica " + n + ", non questo contrassegno"
}

// requestHolder warns when the request the form was opened from gives a codice fiscale
// other than the holder's (a link made by hand, issue 11.6): the pass may be someone
// else's.
func (f *passForm) requestHolder() string {
	if f.req == nil {
		return ""
	}
	cf := strings.ToUpper(strings.TrimSpace(f.req.CodiceFiscale))
	if cf == "" || cf == f.view.Holder.CodiceFiscale {
		return ""
	}
	return "la richiesta è di " + cf + ", il titolare di questo contrassegno è " + f.view.Holder.CodiceFiscale
}

// attenzione is a warning as a line: "Attenzione: …", ended by a full stop unless it
// asks.
func attenzione(w string) string {
	if strings.HasSuffix(w, "?") || strings.HasSuffix(w, ".") {
		return "Attenzione: " + w
	}
	return "Attenzione: " + w + "."
}
