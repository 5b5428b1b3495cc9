package inbox

import (
	"fmt"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// The forms of the detail: the request's state with its note (esito), saving the
// attachments (save.go), and linking the request to a person and pass by hand.

// stateDialog moves the item to another state with a note (V4): respinta and
// integrazione richiesta need one, and the citizen's contacts are shown to ask for
// the missing documents.
func (m *Detail) stateDialog() *formkit.Dialog {
	it := m.d.Item
	var opts []huh.Option[domain.RequestState]
	for _, s := range domain.RequestStates() {
		if domain.RequestTransition(it.State, s, "nota") == nil {
			opts = append(opts, huh.NewOption(s.Label(), s))
		}
	}
	if len(opts) == 0 {
		return nil
	}
	to, note := opts[0].Value, ""
	from := it.State
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(
			huh.NewSelect[domain.RequestState]().Title("Nuovo stato").Options(opts...).Value(&to),
			huh.NewInput().Title("Nota").Description("il motivo del rifiuto, i documenti da integrare, cosa è stato fatto").
				CharLimit(500).Value(&note).
				Validate(func(s string) error { return domain.RequestTransition(from, to, s) }),
		)}
	}
	svc, a, id := m.ctx.Svc, m.ctx.Actor, it.ID
	contacts := m.contacts()
	short, isRequest := m.shortContacts(), m.isRequest()
	submit := func() tea.Cmd {
		s, n, version := to, strings.TrimSpace(note), m.d.Item.Version
		return func() tea.Msg {
			if _, err := svc.SetRequestState(a, id, version, s, n); err != nil {
				return doneMsg{err: err}
			}
			text := "Messaggio: " + s.Label() + "."
			if isRequest {
				text = "Richiesta " + s.Label() + "."
			}
			if s == domain.RequestIntegrazione && short != "" {
				text = "Integrazione richiesta: contattare " + short + "."
			}
			return doneMsg{notice: text}
		}
	}
	title := fmt.Sprintf("Esito della richiesta (ora %s)", it.State.Label())
	if !m.isRequest() {
		title = fmt.Sprintf("Stato del messaggio (ora %s)", it.State.Label())
	}
	d := formkit.NewDialog(title, m.ctx.Styles.Plain, m.w, m.dialogHeight(), groups, submit)
	if !m.isRequest() {
		return d
	}
	d.Below = func() []string {
		if contacts == "" {
			return []string{"Contatti del cittadino: nessuno nella richiesta."}
		}
		return []string{"Contatti del cittadino, per chiedere l'integrazione:", "  " + contacts}
	}
	return d
}

// contacts are the citizen's e-mail and mobile from the request.
func (m *Detail) contacts() string {
	q := m.d.Parsed.Request
	if q == nil {
		return ""
	}
	var parts []string
	if e := q.Applicant.Email; e != "" {
		parts = append(parts, "e-mail "+e)
	}
	if c := q.Applicant.Cellulare; c != "" {
		parts = append(parts, "cellulare "+c)
	}
	return strings.Join(parts, " · ")
}

// shortContacts are the contacts for the status line.
func (m *Detail) shortContacts() string {
	q := m.d.Parsed.Request
	if q == nil {
		return ""
	}
	var parts []string
	for _, c := range []string{q.Applicant.Email, q.Applicant.Cellulare} {
		if c != "" {
			parts = append(parts, c)
		}
	}
	return strings.Join(parts, " o ")
}

// linkState is where linking by hand stands: the people found, the one chosen and
// their passes.
type linkState struct {
	people []domain.Person
	person domain.Person
	passes []domain.Pass
}

// linkMsg is the answer of a step of linking by hand.
type linkMsg struct {
	step   int // 1: people found; 2: the person's passes
	people []domain.Person
	person domain.Person
	passes []domain.Pass
	err    error
}

// searchDialog is the first step of linking by hand: the person, searched by name or
// codice fiscale (the request's, to begin with).
func (m *Detail) searchDialog() *formkit.Dialog {
	it := m.d.Item
	text := it.CodiceFiscale
	if text == "" {
		text = strings.TrimSpace(it.Cognome + " " + it.Nome)
	}
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(
			huh.NewInput().Title("Cerca la persona").Description("cognome e nome, oppure codice fiscale; solo le persone del comune").
				CharLimit(60).Value(&text).Validate(formkit.Required("indicare cognome e nome, o il codice fiscale")),
		)}
	}
	svc, a := m.ctx.Svc, m.ctx.Actor
	submit := func() tea.Cmd {
		q := strings.TrimSpace(text)
		return func() tea.Msg {
			ps, err := svc.SearchPeople(a, q, 30)
			if err == nil && len(ps) == 0 {
				err = fmt.Errorf("nessuna persona del comune trovata con «%s»: registrarla in Anagrafica (F3), poi collegare la richiesta", q)
			}
			return linkMsg{step: 1, people: ps, err: err}
		}
	}
	return formkit.NewDialog("Collega la richiesta a una persona e a un contrassegno", m.ctx.Styles.Plain, m.w, m.dialogHeight(), groups, submit)
}

// linkStep opens the next step of linking by hand.
func (m *Detail) linkStep(msg linkMsg) tea.Cmd {
	if m.dlg == nil {
		return nil
	}
	if msg.err != nil {
		return m.dlg.Refused(common.ErrorText(msg.err))
	}
	switch msg.step {
	case 1:
		m.link.people = msg.people
		return m.open(m.personDialog())
	case 2:
		m.link.person, m.link.passes = msg.person, msg.passes
		return m.open(m.passDialog())
	}
	return nil
}

// cfMismatch says how the request's codice fiscale differs from the person's ("" when
// it does not, or the request gives none).
func cfMismatch(requestCF string, p domain.Person) string {
	cf := strings.ToUpper(strings.TrimSpace(requestCF))
	if cf == "" || cf == p.CodiceFiscale {
		return ""
	}
	return fmt.Sprintf("Attenzione: il codice fiscale della richiesta (%s) è diverso da quello di %s (%s).", cf, p.FullName(), p.CodiceFiscale)
}

// personDialog chooses the person among those found (or unlinks the request).
func (m *Detail) personDialog() *formkit.Dialog {
	opts := []huh.Option[uint64]{}
	for _, p := range m.link.people {
		opts = append(opts, huh.NewOption(fmt.Sprintf("%s · %s · %s %s", p.FullName(), p.CodiceFiscale, strings.ToLower(p.BornLabel()), p.DataNascita), p.ID))
	}
	opts = append(opts, huh.NewOption("nessuna: togliere il collegamento", uint64(0)))
	choice := opts[0].Value
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(huh.NewSelect[uint64]().Title("Persona").Options(opts...).Value(&choice))}
	}
	svc, a, id, people := m.ctx.Svc, m.ctx.Actor, m.id, m.link.people
	submit := func() tea.Cmd {
		pid, version := choice, m.d.Item.Version
		if pid == 0 {
			return func() tea.Msg {
				if _, err := svc.LinkRequest(a, id, version, 0, 0); err != nil {
					return doneMsg{err: err}
				}
				return doneMsg{notice: "La richiesta non è più collegata."}
			}
		}
		var person domain.Person
		for _, p := range people {
			if p.ID == pid {
				person = p
			}
		}
		return func() tea.Msg {
			ps, err := svc.PersonPasses(a, pid)
			return linkMsg{step: 2, person: person, passes: ps, err: err}
		}
	}
	return formkit.NewDialog("Collega la richiesta: la persona", m.ctx.Styles.Plain, m.w, m.dialogHeight(), groups, submit)
}

// passDialog chooses the person's pass (or none) and links the request.
func (m *Detail) passDialog() *formkit.Dialog {
	person := m.link.person
	// The pass the request names comes first and says so; another one is asked about
	// (issue 11.11).
	stated, named := m.d.Item.PassNumber, uint64(0)
	var opts []huh.Option[uint64]
	for _, p := range m.link.passes {
		if p.Current() {
			label := fmt.Sprintf("%s · %s · dal %s al %s", p.Number, p.State.Label(), p.DataDecorrenza, p.DataScadenza)
			if stated != "" && p.Number == stated {
				label, named = label+" · nella richiesta", p.ID
			}
			opts = append(opts, huh.NewOption(label, p.ID))
		}
	}
	opts = append(opts, huh.NewOption("nessun contrassegno: solo la persona", uint64(0)))
	choice := opts[0].Value
	if named != 0 {
		choice = named
	}
	otherNumber, sureNumber := func() bool {
		for _, p := range m.link.passes {
			if p.ID == choice && choice != 0 {
				return stated != "" && p.Number != stated
			}
		}
		return false
	}, false
	// A person whose codice fiscale is not the request's is asked about, No the
	// default (issue 11.6): the request may be someone else's.
	mismatch, sure := cfMismatch(m.d.Item.CodiceFiscale, person), false
	groups := func() []*huh.Group {
		fields := []huh.Field{huh.NewSelect[uint64]().Title("Contrassegno di " + person.FullName()).Options(opts...).Value(&choice)}
		if mismatch != "" {
			fields = append(fields, formkit.Confirm("Collegare comunque?", "Sì, collega", &sure).Description(mismatch))
		}
		return []*huh.Group{huh.NewGroup(fields...),
			huh.NewGroup(formkit.Confirm("Collegare comunque?", "Sì, collega", &sureNumber).
				Description("Attenzione: la richiesta indica il contrassegno " + stated + ", non quello scelto.")).
				WithHideFunc(func() bool { return !otherNumber() })}
	}
	svc, a, id := m.ctx.Svc, m.ctx.Actor, m.id
	passes := m.link.passes
	submit := func() tea.Cmd {
		if (mismatch != "" && !sure) || (otherNumber() && !sureNumber) {
			return func() tea.Msg { return doneMsg{notice: "Richiesta non collegata: nessuna modifica."} }
		}
		passID, version := choice, m.d.Item.Version
		number := ""
		for _, p := range passes {
			if p.ID == passID {
				number = p.Number
			}
		}
		return func() tea.Msg {
			if _, err := svc.LinkRequest(a, id, version, person.ID, passID); err != nil {
				return doneMsg{err: err}
			}
			text := "Richiesta collegata a " + person.FullName()
			if number != "" {
				text += " e al contrassegno " + number
			}
			return doneMsg{notice: text + "."}
		}
	}
	return formkit.NewDialog("Collega la richiesta: il contrassegno", m.ctx.Styles.Plain, m.w, m.dialogHeight(), groups, submit)
}
