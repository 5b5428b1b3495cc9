package print

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// Reminders is the batch of reminder letters (P9): one letter (the comune's
// «promemoria» template) for every pass expiring within N days, in one PDF on the
// server or on a printer. N starts at the comune's alert days.
type Reminders struct {
	docForm
	alert int // the comune's alert days
	count int // passes expiring within alert days
	days  string
}

type remindersSetupMsg struct {
	setup        setup
	alert, count int
	err          error
}

// NewReminders opens the reminder letters (Home's key).
func NewReminders(ctx *common.Context) common.Page {
	return &Reminders{docForm: newDocForm(ctx, 3)}
}

func (m *Reminders) Title() string { return "Promemoria di scadenza" }

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
	setupMsg, ok := msg.(remindersSetupMsg)
	if !ok {
		return m, m.update(msg)
	}
	if setupMsg.err == nil {
		m.setup, m.alert, m.count = setupMsg.setup, setupMsg.alert, setupMsg.count
		m.days = strconv.Itoa(setupMsg.alert)
	}
	return m, m.start(setupMsg.err, m.form)
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
			huh.NewGroup(nameInput(m.ctx, &m.path)).WithHideFunc(func() bool { return m.queue != fileDest }),
		}
	}
	svc, a, folder := m.ctx.Svc, m.ctx.Actor, m.ctx.Files
	submit := func() tea.Cmd {
		days, _ := strconv.Atoi(strings.TrimSpace(m.days))
		queue, file := m.target(fmt.Sprintf("promemoria-entro-%d-giorni-%s.pdf", days, svc.Today().ISO()))
		return func() tea.Msg {
			doc, n, err := svc.RemindersDocument(a, days)
			if err != nil {
				return docDoneMsg{err: err}
			}
			d, err := deliver(svc, a, folder, doc, queue, file)
			if err != nil {
				return docDoneMsg{err: err}
			}
			what := fmt.Sprintf("%s di promemoria (contrassegni in scadenza entro %d giorni)", letters(n), days)
			text := what + ": " + d.Message() + "."
			if d.File != "" {
				text = fmt.Sprintf("%s %s in %s.", what, saved(n), d.File)
			}
			return docDoneMsg{text: text + noAddress(doc.NoAddress)}
		}
	}
	return m.newDialog("Promemoria di scadenza: una lettera per contrassegno, in un solo PDF", groups, submit)
}

// noAddress says which letters cannot be mailed as they are (#11.15).
func noAddress(names []string) string {
	switch len(names) {
	case 0:
		return ""
	case 1:
		return " Attenzione: 1 lettera senza indirizzo (" + names[0] + "): completare la residenza in Anagrafica (F3)."
	}
	list := strings.Join(names[:min(3, len(names))], ", ")
	if len(names) > 3 {
		list += "…"
	}
	return fmt.Sprintf(" Attenzione: %d lettere senza indirizzo (%s): completare la residenza in Anagrafica (F3).", len(names), list)
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
	unit := "contrassegni scadono"
	if m.count == 1 {
		unit = "contrassegno scade"
	}
	head := m.ctx.Styles.Muted.Render(common.Truncate(fmt.Sprintf("Oggi %d %s entro %d giorni (il preavviso del comune).", m.count, unit, m.alert), m.w))
	if v, ok := m.status(m.Title(), head, "invio per altri promemoria · esc torna indietro"); ok {
		return v
	}
	return head + "\n\n" + m.dlg.View(m.ctx.Styles, m.w)
}
