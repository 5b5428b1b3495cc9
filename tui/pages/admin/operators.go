package admin

import (
	"errors"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components"
	"vivipass/tui/components/formkit"
)

// OperatorKeys are the keys of Operatori.
type OperatorKeys struct {
	Up, Down, Add, AddKey, Remove key.Binding
	Role, RemoveKey               key.Binding
	FullName                      key.Binding // #11.14: "Nome e cognome", printed on the documents
}

// NewOperatorKeys is the default.
func NewOperatorKeys() OperatorKeys {
	return OperatorKeys{
		Up:       key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scegli")),
		Down:     key.NewBinding(key.WithKeys("down")),
		Add:      key.NewBinding(key.WithKeys("a"), key.WithHelp("a", "nuovo operatore")),
		AddKey:   key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "aggiungi chiave")),
		Remove:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "rimuovi")),
		Role:     key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "ruolo")),
		FullName: key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "nome e cognome")),
		// The sessions opened with the key close at once (M4).
		RemoveKey: key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "togli chiave")),
	}
}

// operatorsView lists the operators of the comune with their role and keys, and adds
// and removes them (M4).
type operatorsView struct {
	ctx   *common.Context
	keys  OperatorKeys
	table components.List[domain.Operator]
	dlg   *formkit.Dialog
	seq   int
	focus string // select this operator when the list comes
	w, h  int
}

type operatorsMsg struct {
	seq int
	ops []domain.Operator
	err error
}

func newOperators(ctx *common.Context) *operatorsView {
	v := &operatorsView{ctx: ctx, keys: NewOperatorKeys()}
	v.table.Columns = []components.Column{{Title: "Operatore", Width: 12}, {Title: "Nome e cognome", Width: 18}, {Title: "Ruolo", Width: 14},
		{Title: "Comune", Width: 6}, {Title: "Chiavi SSH (impronta)", Width: 16, Flex: true}}
	return v
}

func (v *operatorsView) init() tea.Cmd {
	return v.load()
}

func (v *operatorsView) load() tea.Cmd {
	v.seq++
	seq, svc, a := v.seq, v.ctx.Svc, v.ctx.Actor
	return func() tea.Msg {
		ops, err := svc.Operators(a)
		return operatorsMsg{seq, ops, err}
	}
}

func (v *operatorsView) capturing() bool { return v.dlg != nil }
func (v *operatorsView) busy() bool      { return v.dlg != nil }

func (v *operatorsView) help() []key.Binding {
	if v.dlg != nil {
		return v.dlg.Help()
	}
	k := v.keys
	return []key.Binding{k.Up, k.Add, k.FullName, k.AddKey, k.RemoveKey, k.Role, k.Remove}
}

func (v *operatorsView) setSize(w, h int) {
	v.w, v.h = w, h
	v.table.SetSize(w, v.tableHeight())
	if v.dlg != nil {
		v.dlg.Resize(w, h-3)
	}
}

func (v *operatorsView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case operatorsMsg:
		if msg.seq != v.seq {
			return nil
		}
		if msg.err != nil {
			return common.Err(msg.err)
		}
		v.fill(msg.ops)
		v.table.Focus(func(op domain.Operator) bool { return op.Name == v.focus })
		v.focus = ""
		return nil
	case common.DataChangedMsg:
		return v.load()
	case doneMsg:
		if v.dlg == nil {
			return nil
		}
		if msg.err != nil {
			return v.dlg.Refused(common.ErrorText(msg.err))
		}
		v.dlg, v.focus = nil, msg.focus
		return tea.Batch(common.Notice(msg.notice), v.load())
	case keyChosenMsg:
		// The key chosen: now the question, No by default.
		if v.dlg == nil {
			return nil
		}
		return v.open(v.removeKeyQuestion(msg.op, msg.fp))
	}
	if v.dlg != nil {
		cmd, aborted := v.dlg.Update(msg)
		if aborted {
			v.dlg = nil
		}
		return cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	switch {
	case key.Matches(k, v.keys.Up):
		v.table.Move(-1)
	case key.Matches(k, v.keys.Down):
		v.table.Move(1)
	case key.Matches(k, v.keys.Add):
		return v.open(v.addDialog(domain.Operator{}))
	case key.Matches(k, v.keys.AddKey):
		if op, ok := v.table.Selected(); ok {
			return v.open(v.addDialog(op))
		}
	case key.Matches(k, v.keys.Remove):
		op, ok := v.table.Selected()
		if !ok {
			return nil
		}
		if op.Name == v.ctx.Operator.Name {
			return common.Notice("Non si rimuove il proprio operatore: lo fa un altro amministratore.")
		}
		return v.open(v.removeDialog(op))
	case key.Matches(k, v.keys.Role):
		op, ok := v.table.Selected()
		switch {
		case !ok:
			return nil
		case op.Name == v.ctx.Operator.Name:
			return common.Notice("Non si cambia il proprio ruolo: lo fa un altro amministratore.")
		}
		return v.open(v.roleDialog(op))
	case key.Matches(k, v.keys.RemoveKey):
		op, ok := v.table.Selected()
		switch {
		case !ok:
			return nil
		case len(op.Keys) == 0:
			return common.Notice(op.Name + " non ha chiavi SSH.")
		case op.Name == v.ctx.Operator.Name && len(op.Keys) == 1:
			// #11.14: one's own last key would lock one out.
			return common.Notice("È la tua unica chiave SSH: senza non potresti più collegarti. Aggiungine prima un'altra (k).")
		case len(op.Keys) == 1:
			return v.open(v.removeKeyQuestion(op, op.Keys[0].Fingerprint))
		}
		return v.open(v.removeKeyDialog(op))
	case key.Matches(k, v.keys.FullName):
		if op, ok := v.table.Selected(); ok {
			return v.open(v.fullNameDialog(op))
		}
	}
	return nil
}

func (v *operatorsView) open(d *formkit.Dialog) tea.Cmd {
	v.dlg = d
	return d.Init()
}

// doneMsg is the answer of a use case started by a dialog of the admin page.
type doneMsg struct {
	err    error
	notice string
	focus  string // the operator to select afterwards
}

func (v *operatorsView) fill(ops []domain.Operator) {
	v.table.Set(ops, func(op domain.Operator) []string {
		keys := "nessuna"
		if n := len(op.Keys); n > 0 {
			keys = op.Keys[0].Fingerprint
			if n > 1 {
				keys = fmt.Sprintf("(%d) %s", n, keys)
			}
		}
		name := op.Name
		if op.Name == v.ctx.Operator.Name {
			name += " (io)"
		}
		return []string{name, op.FullName, string(op.Role), op.Comune, keys}
	})
	v.table.SetSize(v.w, v.tableHeight())
}

// tableHeight fits the operators, leaving room for the keys of the selected one.
func (v *operatorsView) tableHeight() int { return max(3, min(v.table.Len()+1, v.h-9)) }

func (v *operatorsView) view() string {
	st := v.ctx.Styles
	if v.dlg != nil {
		return v.dlg.View(st, v.w)
	}
	var b strings.Builder
	b.WriteString(v.table.View(st, "Nessun operatore.") + "\n")
	b.WriteString(st.Muted.Render(common.Truncate("a nuovo · n nome e cognome · k aggiungi chiave · d togli · r ruolo · x rimuovi", v.w)) + "\n\n")
	if op, ok := v.table.Selected(); ok {
		who := op.Name
		if op.FullName != "" {
			who += " (" + op.FullName + ")"
		}
		b.WriteString(st.Label.Render(common.Truncate("Chiavi di "+who, v.w)) + "\n")
		if len(op.Keys) == 0 {
			b.WriteString(st.Muted.Render("  nessuna chiave SSH: entra solo dal terminale del server (k per aggiungerla)") + "\n")
		}
		for i, k := range op.Keys {
			if i == 4 {
				b.WriteString(st.Muted.Render(fmt.Sprintf("  … altre %d", len(op.Keys)-4)))
				break
			}
			b.WriteString(common.Truncate("  "+k.Fingerprint+"  "+k.Comment, v.w) + "\n")
		}
	}
	return strings.TrimRight(b.String(), "\n")
}

// addDialog registers an operator of the administrator's comune with a key, or (with
// op named) adds a key to that operator.
func (v *operatorsView) addDialog(op domain.Operator) *formkit.Dialog {
	svc, a, plain := v.ctx.Svc, v.ctx.Actor, v.ctx.Styles.Plain
	name, fullName, role, pub := op.Name, op.FullName, string(op.Role), ""
	if role == "" {
		role = string(domain.RoleOperatore)
	}
	existing := op.Name != ""
	place, _ := domain.ComuneByCode(v.ctx.Operator.Comune)
	known := map[string]bool{}
	for _, o := range v.table.Items {
		known[o.Name] = true
	}
	keyField := func() *huh.Input {
		return huh.NewInput().Key("key").Title("Chiave pubblica SSH").
			Description("Incollare la riga della chiave pubblica (es. il contenuto di id_ed25519.pub): ssh-ed25519 AAAA… nome").
			Placeholder("ssh-ed25519 AAAA… mario@sportello").CharLimit(16000).Value(&pub).
			Validate(func(s string) error {
				if strings.TrimSpace(s) == "" {
					return errors.New("incollare la chiave pubblica SSH dell'operatore")
				}
				_, err := service.ParseOperatorKeys([]byte(s), svc.Now())
				return err
			})
	}
	groups := func() []*huh.Group {
		if existing {
			return []*huh.Group{huh.NewGroup(keyField()).
				Title("Nuova chiave per " + op.Name).Description(fmt.Sprintf("%s del comune %s. Le chiavi già registrate restano.", op.Role, op.Comune))}
		}
		return []*huh.Group{huh.NewGroup(
			huh.NewInput().Key("name").Title(fmt.Sprintf("%-20s", "Nome utente SSH")).Inline(true).
				Placeholder("es. mario.rossi").CharLimit(32).Value(&name).
				Validate(func(s string) error {
					s = strings.TrimSpace(s)
					if err := domain.CheckOperatorName(s); err != nil {
						return err
					}
					if known[s] {
						return fmt.Errorf("l'operatore %s esiste già: sceglierlo nell'elenco e aggiungere la chiave con k", s)
					}
					return nil
				}),
			huh.NewInput().Key("fullname").Title(fmt.Sprintf("%-20s", "Nome e cognome")).Inline(true).
				Placeholder("es. Mario Rossi").CharLimit(80).Value(&fullName).
				Validate(formkit.All(formkit.Required("indicare nome e cognome: si stampano sulle ricevute"), domain.CheckFullName)),
			huh.NewSelect[string]().Key("role").Title("Ruolo").Options(
				huh.NewOption("operatore: contrassegni e anagrafica", string(domain.RoleOperatore)),
				huh.NewOption("amministratore: anche import, operatori, impostazioni, bacheca", string(domain.RoleAmministratore)),
			).Value(&role),
			keyField(),
		).Title("Nuovo operatore del comune " + place.Code + " " + place.Name)}
	}
	title := "Nuovo operatore"
	if existing {
		title = "Chiave SSH di " + op.Name
	}
	submit := func() tea.Cmd {
		o := domain.Operator{Name: strings.TrimSpace(name), FullName: domain.NormalizeFullName(fullName), Role: domain.Role(role), Comune: v.ctx.Operator.Comune}
		if existing {
			o.Role, o.Comune, o.FullName = op.Role, op.Comune, ""
		}
		return func() tea.Msg {
			keys, err := service.ParseOperatorKeys([]byte(pub), svc.Now())
			if err != nil {
				return doneMsg{err: err}
			}
			o.Keys = keys
			saved, err := svc.AddOperator(a, o)
			if err != nil {
				return doneMsg{err: err}
			}
			if existing {
				return doneMsg{notice: fmt.Sprintf("Chiave %s aggiunta a %s (%s).", keys[0].Fingerprint, saved.Name, domain.Count(len(saved.Keys), "chiave", "chiavi")), focus: saved.Name}
			}
			return doneMsg{notice: fmt.Sprintf("Operatore %s (%s, %s) registrato: entra con la sua chiave come utente %s.", saved.Name, saved.FullName, saved.Role, saved.Name), focus: saved.Name}
		}
	}
	return formkit.NewDialog(title, plain, v.w, v.h-3, groups, submit)
}

// removeDialog asks before removing an operator.
func (v *operatorsView) removeDialog(op domain.Operator) *formkit.Dialog {
	svc, a := v.ctx.Svc, v.ctx.Actor
	return formkit.Question{Title: "Rimozione di un operatore",
		Ask: "Rimuovere l'operatore " + op.Name + "?", Yes: "Sì, rimuovi",
		What: fmt.Sprintf("%s del comune %s, %d chiavi SSH: non potrà più aprire sessioni. "+
			"Quello che ha fatto resta nel registro delle modifiche.", op.Role, op.Comune, len(op.Keys)),
		Do: func() tea.Msg {
			if err := svc.RemoveOperator(a, op.Name); err != nil {
				return doneMsg{err: err}
			}
			return doneMsg{notice: "Operatore " + op.Name + " rimosso: le sue sessioni aperte si chiudono e le sue chiavi non entrano più."}
		},
		No: func() tea.Msg { return doneMsg{notice: "Operatore " + op.Name + " non rimosso."} },
	}.Dialog(v.ctx.Styles.Plain, v.w, v.h-3)
}

// roleDialog asks before switching an operator between operatore and amministratore:
// their open sessions take the new role at once.
func (v *operatorsView) roleDialog(op domain.Operator) *formkit.Dialog {
	svc, a := v.ctx.Svc, v.ctx.Actor
	to, what := domain.RoleAmministratore, "potrà anche importare, gestire operatori, impostazioni, bacheca, moduli e stampanti"
	if op.Role == domain.RoleAmministratore {
		to, what = domain.RoleOperatore, "non potrà più entrare in Amministrazione"
	}
	return formkit.Question{Title: "Ruolo di un operatore",
		Ask: fmt.Sprintf("Rendere %s %s?", op.Name, to), Yes: "Sì, cambia ruolo",
		What: fmt.Sprintf("Ora è %s: %s. Le sue sessioni aperte cambiano subito.", op.Role, what),
		Do: func() tea.Msg {
			if err := svc.SetOperatorRole(a, op.Name, to); err != nil {
				return doneMsg{err: err}
			}
			return doneMsg{notice: fmt.Sprintf("%s ora è %s.", op.Name, to), focus: op.Name}
		},
		No: func() tea.Msg { return doneMsg{notice: "Ruolo di " + op.Name + " non cambiato.", focus: op.Name} },
	}.Dialog(v.ctx.Styles.Plain, v.w, v.h-3)
}

// removeKeyDialog chooses which of an operator's SSH keys to take away; the question
// comes next (removeKeyQuestion).
func (v *operatorsView) removeKeyDialog(op domain.Operator) *formkit.Dialog {
	plain := v.ctx.Styles.Plain
	fp := op.Keys[0].Fingerprint
	var options []huh.Option[string]
	for _, k := range op.Keys {
		options = append(options, huh.NewOption(common.Truncate(k.Fingerprint+"  "+k.Comment, max(20, v.w-8)), k.Fingerprint))
	}
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(huh.NewSelect[string]().Key("key").Title("Chiave da togliere").Options(options...).Value(&fp)).
			Title("Chiavi SSH di " + op.Name).
			Description("Le sessioni aperte con la chiave tolta si chiudono subito; le altre chiavi continuano a entrare.")}
	}
	submit := func() tea.Cmd {
		return func() tea.Msg { return keyChosenMsg{op: op, fp: fp} }
	}
	return formkit.NewDialog("Togli una chiave SSH", plain, v.w, v.h-3, groups, submit)
}

// keyChosenMsg is the key chosen in removeKeyDialog.
type keyChosenMsg struct {
	op domain.Operator
	fp string
}

// removeKeyQuestion asks before taking key fp away from op (#11.14): the sessions
// opened with it close at once, the other keys keep working; the last key of another
// operator leaves them out until a new one is added, one's own last key is refused.
func (v *operatorsView) removeKeyQuestion(op domain.Operator, fp string) *formkit.Dialog {
	svc, a := v.ctx.Svc, v.ctx.Actor
	comment := ""
	for _, k := range op.Keys {
		if k.Fingerprint == fp && k.Comment != "" {
			comment = " (" + k.Comment + ")"
		}
	}
	what := "Le sessioni aperte con questa chiave si chiudono subito; le altre chiavi continuano a entrare."
	switch {
	case len(op.Keys) == 1:
		what = "Le sessioni aperte con questa chiave si chiudono subito. È l'ultima chiave di " + op.Name +
			": non potrà più collegarsi finché non gliene si aggiunge una (k)."
	case op.Name == v.ctx.Operator.Name:
		what = "Se questa sessione è aperta con questa chiave, si chiude subito: ti ricolleghi con un'altra delle tue chiavi."
	}
	return formkit.Question{Title: "Togli una chiave SSH",
		Ask: "Togliere a " + op.Name + " la chiave " + fp + comment + "?", Yes: "Sì, togli",
		What: what,
		Do: func() tea.Msg {
			if err := svc.RemoveOperatorKey(a, op.Name, fp); err != nil {
				return doneMsg{err: err}
			}
			return doneMsg{notice: fmt.Sprintf("Chiave %s tolta a %s.", fp, op.Name), focus: op.Name}
		},
		No: func() tea.Msg { return doneMsg{notice: "Chiave di " + op.Name + " non tolta.", focus: op.Name} },
	}.Dialog(v.ctx.Styles.Plain, v.w, v.h-3)
}

// fullNameDialog sets an operator's "Nome e cognome" (#11.14), printed on receipts and
// documents instead of the login.
func (v *operatorsView) fullNameDialog(op domain.Operator) *formkit.Dialog {
	svc, a, plain := v.ctx.Svc, v.ctx.Actor, v.ctx.Styles.Plain
	fullName := op.FullName
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(
			huh.NewInput().Key("fullname").Title(fmt.Sprintf("%-20s", "Nome e cognome")).Inline(true).
				Placeholder("es. Mario Rossi").CharLimit(80).Value(&fullName).
				Validate(formkit.All(formkit.Required("indicare nome e cognome: si stampano sulle ricevute"), domain.CheckFullName)),
		).Title("Nome e cognome di " + op.Name).
			Description("Si stampano sulle ricevute e sui moduli al posto del nome utente.")}
	}
	submit := func() tea.Cmd {
		name := domain.NormalizeFullName(fullName)
		return func() tea.Msg {
			if err := svc.SetOperatorFullName(a, op.Name, name); err != nil {
				return doneMsg{err: err}
			}
			return doneMsg{notice: fmt.Sprintf("Operatore %s: nome e cognome %s.", op.Name, name), focus: op.Name}
		}
	}
	return formkit.NewDialog("Nome e cognome", plain, v.w, v.h-3, groups, submit)
}
