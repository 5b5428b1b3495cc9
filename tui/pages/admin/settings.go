package admin

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// SettingsKeys are the keys of Impostazioni del comune (the form has huh's).
type SettingsKeys struct{ Edit key.Binding }

// NewSettingsKeys is the default.
func NewSettingsKeys() SettingsKeys {
	return SettingsKeys{Edit: key.NewBinding(key.WithKeys("e"), key.WithHelp("e", "modifica"))}
}

// settingsView shows the comune's settings (M5) and edits them in a form.
type settingsView struct {
	ctx    *common.Context
	keys   SettingsKeys
	st     domain.ComuneSettings
	loaded bool
	dlg    *formkit.Dialog
	seq    int
	w, h   int
}

type settingsMsg struct {
	seq int
	st  domain.ComuneSettings
	err error
}

func newSettings(ctx *common.Context) *settingsView {
	return &settingsView{ctx: ctx, keys: NewSettingsKeys()}
}

func (v *settingsView) init() tea.Cmd {
	return v.load()
}

func (v *settingsView) load() tea.Cmd {
	v.seq++
	seq, svc, a := v.seq, v.ctx.Svc, v.ctx.Actor
	return func() tea.Msg {
		st, err := svc.Settings(a, a.Comune)
		return settingsMsg{seq, st, err}
	}
}

func (v *settingsView) capturing() bool { return v.dlg != nil }
func (v *settingsView) busy() bool      { return v.dlg != nil }

func (v *settingsView) help() []key.Binding {
	if v.dlg != nil {
		return v.dlg.Help()
	}
	return []key.Binding{v.keys.Edit}
}

func (v *settingsView) setSize(w, h int) {
	v.w, v.h = w, h
	if v.dlg != nil {
		v.dlg.Resize(w, h-3)
	}
}

func (v *settingsView) update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case settingsMsg:
		if msg.seq != v.seq {
			return nil
		}
		if msg.err != nil {
			return common.Err(msg.err)
		}
		v.st, v.loaded = msg.st, true
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
		v.dlg = nil
		return tea.Batch(common.Notice(msg.notice), v.load())
	}
	if v.dlg != nil {
		cmd, aborted := v.dlg.Update(msg)
		if aborted {
			v.dlg = nil
		}
		return cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && key.Matches(k, v.keys.Edit) && v.loaded {
		v.dlg = v.form(v.st)
		return v.dlg.Init()
	}
	return nil
}

func (v *settingsView) view() string {
	st := v.ctx.Styles
	if v.dlg != nil {
		return v.dlg.View(st, v.w)
	}
	if !v.loaded {
		return "Caricamento…"
	}
	s := v.st
	place, _ := domain.ComuneByCode(s.Code)
	row := func(label, value string) string {
		return st.Label.Render(common.Pad(label, 26)) + common.Truncate(value, max(10, v.w-26))
	}
	senders := "nessuno"
	if len(s.TrustedSenders) > 0 {
		senders = strings.Join(s.TrustedSenders, ", ")
	}
	lines := []string{
		"",
		row("Comune", s.Code+" "+place.Label()),
		row("Regola di scadenza", s.ExpiryRule.Label()),
		row("Finestra temporale", siNo(s.FinestraTemporale, "una sola targa valida per volta", "più targhe valide insieme")),
		row("Giorni di preavviso", fmt.Sprintf("%d (scadenze mostrate in Home)", s.AlertDays)),
		row("PEC del comune", common.Dash(s.PEC)),
		row("Mittenti viviVeneto", senders),
		row("Aderente al circuito", siNo(s.CircuitMember, "", "")),
		"",
		st.Muted.Render("e per modificarle. La regola di scadenza vale per i rilasci da ora in poi."),
	}
	if s.Version == 0 {
		lines = append(lines, st.Muted.Render("Sono le impostazioni predefinite: nessuno le ha ancora salvate."))
	}
	return strings.Join(lines, "\n")
}

// settingsInput is what the form edits, as typed.
type settingsInput struct {
	rule     domain.ExpiryRule
	finestra bool
	alert    string
	pec      string
	senders  string
	member   bool
	original domain.ComuneSettings
}

func (v *settingsView) form(cur domain.ComuneSettings) *formkit.Dialog {
	in := &settingsInput{rule: cur.ExpiryRule, finestra: cur.FinestraTemporale, alert: strconv.Itoa(cur.AlertDays),
		pec: cur.PEC, senders: strings.Join(cur.TrustedSenders, ", "), member: cur.CircuitMember, original: cur}
	plain := v.ctx.Styles.Plain
	yesNo := func(title string, val *bool) *huh.Confirm {
		return formkit.YesNo(fmt.Sprintf("%-44s", title), val)
	}
	groups := func() []*huh.Group {
		return []*huh.Group{
			huh.NewGroup(
				huh.NewSelect[domain.ExpiryRule]().Key("rule").Title("Regola di scadenza dei permanenti").Options(
					huh.NewOption("5 anni dalla decorrenza", domain.ExpiryFiveYears),
					huh.NewOption("il compleanno dopo il quinto anno", domain.ExpiryBirthday),
				).Value(&in.rule),
				yesNo("Finestra temporale (una targa valida per volta)", &in.finestra),
				huh.NewInput().Key("alert").Title(fmt.Sprintf("%-44s", "Giorni di preavviso delle scadenze (0–365)")).Inline(true).
					CharLimit(3).Value(&in.alert).Validate(alertDays),
			).Title("Contrassegni e targhe"),
			huh.NewGroup(
				huh.NewInput().Key("pec").Title(fmt.Sprintf("%-16s", "PEC del comune")).Inline(true).
					Placeholder("protocollo@pec.comune.it").CharLimit(120).Value(&in.pec).Validate(optionalAddress),
				huh.NewInput().Key("senders").Title("Mittenti viviVeneto attendibili").
					Description("Indirizzi PEC da cui arrivano le istanze dell'app, separati da virgola.").
					CharLimit(1000).Value(&in.senders).Validate(func(s string) error { _, err := senderList(s); return err }),
				yesNo("Aderente al circuito regionale delle ZTL", &in.member),
			).Title("PEC e circuito"),
		}
	}
	svc, a := v.ctx.Svc, v.ctx.Actor
	submit := func() tea.Cmd {
		s := in.original
		s.ExpiryRule, s.FinestraTemporale, s.CircuitMember = in.rule, in.finestra, in.member
		s.AlertDays, _ = strconv.Atoi(strings.TrimSpace(in.alert))
		s.PEC = strings.TrimSpace(in.pec)
		senders, err := senderList(in.senders)
		if err != nil {
			return func() tea.Msg { return doneMsg{err: err} }
		}
		s.TrustedSenders = senders
		return func() tea.Msg {
			if _, err := svc.SaveSettings(a, s); err != nil {
				return doneMsg{err: err}
			}
			return doneMsg{notice: "Impostazioni del comune salvate."}
		}
	}
	return formkit.NewDialog("Impostazioni del comune "+cur.Code, plain, v.w, v.h-3, groups, submit)
}

func alertDays(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 365 {
		return errors.New("giorni di preavviso: un numero da 0 a 365")
	}
	return nil
}

// optionalAddress accepts an empty value or a bare PEC address.
var optionalAddress = formkit.EmailAddress("indirizzo")

// senderList splits the trusted senders typed (commas, semicolons or spaces).
func senderList(s string) ([]string, error) {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' || r == ' ' || r == '\n' }) {
		if err := optionalAddress(f); err != nil {
			return nil, err
		}
		out = append(out, strings.ToLower(f))
	}
	return out, nil
}

func siNo(b bool, yes, no string) string {
	if b {
		return strings.TrimSpace("sì " + paren(yes))
	}
	return strings.TrimSpace("no " + paren(no))
}

func paren(s string) string {
	if s == "" {
		return ""
	}
	return "(" + s + ")"
}
