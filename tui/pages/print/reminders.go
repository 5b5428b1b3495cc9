package print

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// Reminders is the batch of reminder letters (P9): one letter (the comune's
// «promemoria» template) for every pass expiring within N days, in one PDF on the
// server or on a printer. N starts at the comune's alert days.
type Reminders struct {
	ctx     *common.Context
	keys    DocKeys
	loaded  bool
	fatal   string
	setup   setup
	alert   int // the comune's alert days
	count   int // passes expiring within alert days
	days    string
	queue   string
	path    string
	file    string
	dlg     *formkit.Dialog
	outcome string
	w, h    int
}

type remindersSetupMsg struct {
	setup        setup
	alert, count int
	err          error
}

// NewReminders opens the reminder letters (Home's key).
func NewReminders(ctx *common.Context) common.Page {
	return &Reminders{ctx: ctx, keys: NewDocKeys(), path: defaultDir() + "/"}
}

func (m *Reminders) Title() string   { return "Promemoria di scadenza" }
func (m *Reminders) Capturing() bool { return m.dlg != nil && m.outcome == "" }
func (m *Reminders) Editing() bool   { return m.dlg != nil && m.dlg.Busy() }

func (m *Reminders) ShortHelp() []key.Binding {
	if m.dlg != nil && m.outcome == "" {
		return m.dlg.Help()
	}
	if m.outcome != "" {
		return []key.Binding{m.keys.Again}
	}
	return nil
}

func (m *Reminders) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

func (m *Reminders) SetSize(w, h int) {
	m.w, m.h = w, h
	if m.dlg != nil {
		m.dlg.Resize(w, h-3)
	}
}

func (m *Reminders) Init() tea.Cmd {
	svc, a := m.ctx.Svc, m.ctx.Actor
	return func() tea.Msg {
		st, err := svc.Settings(a, a.Comune)
		if err != nil {
			return remindersSetupMsg{err: err}
		}
		rows, err := svc.Expiring(a, st.AlertDays)
		if err != nil {
			return remindersSetupMsg{err: err}
		}
		s, err := loadSetup(svc, a)
		return remindersSetupMsg{s, st.AlertDays, len(rows), err}
	}
}

func (m *Reminders) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case remindersSetupMsg:
		if msg.err != nil {
			m.fatal = common.ErrorText(msg.err)
			return m, nil
		}
		m.setup, m.alert, m.count, m.loaded = msg.setup, msg.alert, msg.count, true
		m.days, m.queue = strconv.Itoa(msg.alert), fileDest
		m.dlg = m.form()
		return m, m.dlg.Init()
	case docDoneMsg:
		if m.dlg == nil {
			return m, nil
		}
		if msg.err != nil {
			return m, m.dlg.Refused(common.ErrorText(msg.err))
		}
		m.outcome = msg.text
		return m, nil
	case tea.KeyPressMsg:
		if m.outcome != "" {
			if key.Matches(msg, m.keys.Again) {
				m.outcome = ""
				return m, m.dlg.Refused("")
			}
			return m, nil
		}
	}
	if m.dlg == nil || m.outcome != "" {
		return m, nil
	}
	cmd, aborted := m.dlg.Update(msg)
	if aborted {
		return m, func() tea.Msg { return common.PopMsg{} }
	}
	return m, cmd
}

func checkDays(s string) error {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n < 0 || n > 3660 {
		return errors.New("giorni: un numero da 0 a 3660")
	}
	return nil
}

func (m *Reminders) form() *formkit.Dialog {
	groups := func() []*huh.Group {
		return []*huh.Group{
			huh.NewGroup(
				huh.NewInput().Key("days").Title(formkit.Pad("Scadenza entro (giorni)", 24)).Inline(true).
					CharLimit(4).Value(&m.days).Validate(checkDays),
				huh.NewSelect[string]().Key("dest").Title("Destinazione").Options(m.setup.options()...).Value(&m.queue),
			),
			huh.NewGroup(pathInput(&m.path)).WithHideFunc(func() bool { return m.queue != fileDest }),
		}
	}
	svc, a := m.ctx.Svc, m.ctx.Actor
	submit := func() tea.Cmd {
		days, _ := strconv.Atoi(strings.TrimSpace(m.days))
		queue := m.queue
		m.file = ""
		if queue == fileDest {
			m.file = resolvePath(m.path, fmt.Sprintf("promemoria-entro-%d-giorni-%s.pdf", days, svc.Today().ISO()))
		}
		file := m.file
		return func() tea.Msg {
			doc, n, err := svc.RemindersDocument(a, days)
			if err != nil {
				return docDoneMsg{err: err}
			}
			d, err := deliver(svc, a, doc, queue, file)
			if err != nil {
				return docDoneMsg{err: err}
			}
			what := fmt.Sprintf("%s di promemoria (contrassegni in scadenza entro %d giorni)", letters(n), days)
			if d.File != "" {
				return docDoneMsg{text: fmt.Sprintf("%s %s in %s.", what, saved(n), d.File)}
			}
			return docDoneMsg{text: what + ": " + d.Message() + "."}
		}
	}
	return formkit.NewDialog("Promemoria di scadenza: una lettera per contrassegno, in un solo PDF", m.ctx.Styles.Plain, m.w, m.h-3, groups, submit)
}

func saved(n int) string {
	if n == 1 {
		return "salvata"
	}
	return "salvate"
}

func letters(n int) string {
	if n == 1 {
		return "1 lettera"
	}
	return fmt.Sprintf("%d lettere", n)
}

func (m *Reminders) View() string {
	st := m.ctx.Styles
	switch {
	case m.fatal != "":
		return st.Title.Render(m.Title()) + "\n\n" + st.Error.Render("Errore: ") + m.fatal
	case !m.loaded:
		return st.Title.Render(m.Title()) + "\n\nCaricamento…"
	}
	unit := "contrassegni scadono"
	if m.count == 1 {
		unit = "contrassegno scade"
	}
	head := st.Muted.Render(common.Truncate(fmt.Sprintf("Oggi %d %s entro %d giorni (il preavviso del comune).", m.count, unit, m.alert), m.w))
	switch {
	case m.dlg.Busy() && m.outcome == "":
		return st.Title.Render(m.Title()) + "\n" + head + "\n\n" + st.Warning.Render(waiting(m.queue, m.file))
	case m.outcome != "":
		var b strings.Builder
		b.WriteString(st.Title.Render(m.Title()) + "\n" + head + "\n\n")
		for _, l := range formkit.Wrap(m.outcome, max(20, m.w-2)) {
			b.WriteString(st.OK.Render(l) + "\n")
		}
		b.WriteString("\n" + st.Muted.Render("invio per altri promemoria · esc torna indietro"))
		return b.String()
	}
	return head + "\n\n" + m.dlg.View(st, m.w)
}
