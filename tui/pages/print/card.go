package print

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/printing"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// CardKeys are the keys of Stampa once the choices are made (the form has huh's).
type CardKeys struct {
	Print, Change, Side key.Binding
}

// NewCardKeys is the default.
func NewCardKeys() CardKeys {
	return CardKeys{
		Print:  key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "stampa")),
		Change: key.NewBinding(key.WithKeys("m"), key.WithHelp("m", "modifica scelte")),
		Side:   key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "altro lato")),
	}
}

type cardStep int

const (
	cardLoading  cardStep = iota
	cardForm              // mode and printer
	cardPreview           // the card as it will print, waiting for the confirmation
	cardPrinting          // Deliver under way
	cardDone              // the outcome
)

// Card is Stampa: the card of a pass in a mode (fronte, retro, fronte-retro), on a
// printer (the operator's preselected) or into a PDF file on the server, after a
// preview drawn in the terminal. The print is recorded in the pass's history by the
// service.
type Card struct {
	ctx     *common.Context
	keys    CardKeys
	id      uint64
	number  string
	holder  string
	step    cardStep
	setup   setup
	mode    printing.Mode
	queue   string // fileDest: a PDF file
	path    string // as typed: a folder or a file
	file    string // the file the card goes to
	dlg     *formkit.Dialog
	prev    service.CardPreview
	side    int // the side shown when the two do not fit side by side
	fatal   string
	outcome string
	failed  bool
	w, h    int
}

type (
	cardSetupMsg struct {
		setup setup
		err   error
	}
	cardPreviewMsg struct {
		c   service.CardPreview
		err error
	}
	cardDoneMsg struct {
		d   service.Delivery
		err error
	}
)

// NewCard opens Stampa on a pass (the Scheda contrassegno's key).
func NewCard(ctx *common.Context, v service.PassView) common.Page {
	return &Card{ctx: ctx, keys: NewCardKeys(), id: v.Pass.ID, number: v.Pass.Number, holder: v.Holder.FullName(),
		mode: printing.ModeFronteRetro, path: ""}
}

func (m *Card) Title() string { return "Stampa del contrassegno " + m.number }

// Capturing: the form has the keyboard; while the job runs, esc does not close the page
// (its outcome would be lost).
func (m *Card) Capturing() bool {
	return m.step == cardForm || m.step == cardPrinting
}

// Editing: a print under way is not dropped by the section key.
func (m *Card) Editing() bool { return m.step == cardPrinting }

func (m *Card) ShortHelp() []key.Binding {
	switch m.step {
	case cardForm:
		return m.dlg.Help()
	case cardPreview:
		b := []key.Binding{m.keys.Print, m.keys.Change}
		if m.twoSides() && !m.sideBySide() {
			b = append(b, m.keys.Side)
		}
		return b
	case cardDone:
		b := []key.Binding{m.keys.Change}
		if m.failed {
			retry := m.keys.Print
			retry.SetHelp("invio", "riprova")
			b = append([]key.Binding{retry}, b...)
		}
		if m.twoSides() && !m.sideBySide() {
			b = append(b, m.keys.Side)
		}
		return b
	}
	return nil
}

func (m *Card) FullHelp() [][]key.Binding { return [][]key.Binding{m.ShortHelp()} }

func (m *Card) SetSize(w, h int) {
	m.w, m.h = w, h
	if m.dlg != nil {
		m.dlg.Resize(w, h-1)
	}
}

// Init checks the pass can be printed and reads the printers.
func (m *Card) Init() tea.Cmd {
	svc, a, id := m.ctx.Svc, m.ctx.Actor, m.id
	return func() tea.Msg {
		if _, err := svc.CardPreview(a, id, ""); err != nil {
			return cardSetupMsg{err: err}
		}
		s, err := loadSetup(svc, a)
		return cardSetupMsg{s, err}
	}
}

func (m *Card) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case cardSetupMsg:
		if msg.err != nil {
			m.fatal, m.step = common.ErrorText(msg.err), cardDone
			return m, nil
		}
		m.setup, m.queue = msg.setup, msg.setup.mine
		m.step = cardForm
		m.dlg = m.form()
		return m, m.dlg.Init()
	case cardPreviewMsg:
		if m.step != cardForm {
			return m, nil
		}
		if msg.err != nil {
			return m, m.dlg.Refused(common.ErrorText(msg.err))
		}
		m.prev, m.step, m.side, m.outcome, m.failed = msg.c, cardPreview, 0, "", false
		return m, nil
	case cardDoneMsg:
		m.step = cardDone
		if msg.err != nil {
			m.outcome, m.failed = common.ErrorText(msg.err), true
			return m, nil
		}
		m.outcome, m.failed = msg.d.Message()+".", false
		return m, nil
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	if m.step == cardForm {
		return m, m.formUpdate(msg)
	}
	return m, nil
}

func (m *Card) formUpdate(msg tea.Msg) tea.Cmd {
	cmd, aborted := m.dlg.Update(msg)
	if aborted {
		return common.Pop()
	}
	return cmd
}

func (m *Card) key(k tea.KeyPressMsg) tea.Cmd {
	switch m.step {
	case cardForm:
		return m.formUpdate(k)
	case cardPreview, cardDone:
		if m.fatal != "" {
			return nil
		}
		switch {
		case key.Matches(k, m.keys.Print) && (m.step == cardPreview || m.failed):
			return m.print() // after a failure: the printer fixed, enter tries again (issue 11.9)
		case key.Matches(k, m.keys.Change):
			m.step = cardForm
			return m.dlg.Refused("")
		case key.Matches(k, m.keys.Side):
			m.side = (m.side + 1) % 2
		}
	}
	return nil
}

// form asks the mode and the printer (or a file on the server).
func (m *Card) form() *formkit.Dialog {
	groups := func() []*huh.Group {
		return []*huh.Group{
			huh.NewGroup(
				huh.NewSelect[printing.Mode]().Key("mode").Title("Modalità").Options(
					huh.NewOption("fronte (scadenza, numero, comune, codice QR)", printing.ModeFronte),
					huh.NewOption("retro (cognome, nome, foto; firma libera)", printing.ModeRetro),
					huh.NewOption("fronte-retro (due pagine: fronte, poi retro)", printing.ModeFronteRetro),
				).Value(&m.mode),
				huh.NewSelect[string]().Key("dest").Title("Stampante").Options(m.setup.options()...).Value(&m.queue),
			),
			huh.NewGroup(nameInput(m.ctx, &m.path)).WithHideFunc(func() bool { return m.queue != fileDest }),
		}
	}
	svc, a, id := m.ctx.Svc, m.ctx.Actor, m.id
	submit := func() tea.Cmd {
		queue := m.queue
		m.file = fileFor(queue, m.path, fmt.Sprintf("contrassegno-%s-%s.pdf", m.number, m.mode))
		return func() tea.Msg {
			c, err := svc.CardPreview(a, id, queue)
			return cardPreviewMsg{c, err}
		}
	}
	return formkit.NewDialog("Stampa del contrassegno "+m.number, m.ctx.Styles.Plain, m.w, m.h-1, groups, submit)
}

// print makes the card and hands it to the printer (or writes the file).
func (m *Card) print() tea.Cmd {
	m.step, m.outcome, m.failed = cardPrinting, "", false
	svc, a, id, mode, queue, file, folder := m.ctx.Svc, m.ctx.Actor, m.id, m.mode, m.queue, m.file, m.ctx.Files
	return func() tea.Msg {
		doc, err := svc.CardDocument(a, id, mode, queue)
		if err != nil {
			return cardDoneMsg{err: err}
		}
		d, err := deliver(svc, a, folder, doc, queue, file)
		return cardDoneMsg{d, err}
	}
}

func (m *Card) twoSides() bool { return len(m.mode.Sides()) == 2 }

// sideBySide: both sides fit the page wide enough to read the number in its box.
func (m *Card) sideBySide() bool {
	w, _ := cardSize(m.prev.Layout, (m.w-2)/2, m.cardRows(1))
	return m.twoSides() && w-2 >= 45
}

func (m *Card) View() string {
	st := m.ctx.Styles
	title := st.Title.Render(m.Title()) + st.Muted.Render(" · "+common.Truncate(m.holder, max(10, m.w-40)))
	switch {
	case m.fatal != "":
		return title + "\n\n" + st.Error.Render("Errore: ") + m.fatal + "\n\n" + st.Muted.Render("esc per tornare alla scheda.")
	case m.step == cardLoading:
		return title + "\n\nCaricamento…"
	case m.step == cardForm:
		return m.dlg.View(st, m.w)
	}
	var status []string
	switch m.step {
	case cardPreview:
		status = []string{st.Muted.Render(common.Truncate("invio stampa · m cambia modalità o stampante · esc torna alla scheda", m.w))}
	case cardPrinting:
		status = []string{st.Warning.Render(common.Truncate(waiting(m.queue, m.file), m.w))}
	case cardDone:
		label, style := "Fatto: ", st.OK
		if m.failed {
			label, style = "Errore: ", st.Error
		}
		for i, l := range formkit.Wrap(label+m.outcome, max(20, m.w)) {
			if i == 0 {
				l = style.Render(label) + strings.TrimPrefix(l, label)
			}
			status = append(status, l)
		}
		if m.failed {
			for _, l := range formkit.Wrap("invio riprova la stampa · m cambia modalità o stampante · esc torna alla scheda", max(20, m.w)) {
				status = append(status, st.Muted.Render(l))
			}
		}
	}
	lines := []string{title, common.Truncate(m.modeLine(), m.w), common.Truncate(m.destLine(), m.w)}
	lines = append(lines, m.cardLines(len(status))...)
	room := m.h - len(status)
	for len(lines) < room {
		lines = append(lines, "")
	}
	if len(lines) > room {
		lines = lines[:room]
	}
	return strings.Join(append(lines, status...), "\n")
}

// modeLine says the mode and the printer's settings.
func (m *Card) modeLine() string {
	s := "Modalità " + string(m.mode)
	if m.queue == fileDest {
		return s + " · file PDF: nessuna calibrazione"
	}
	p := m.prev.Printer
	return s + " · calibrazione X " + mm(p.OffsetX) + ", Y " + mm(p.OffsetY)
}

// destLine says where the card goes.
func (m *Card) destLine() string {
	if m.queue == fileDest {
		return "Destinazione: file stampe/" + m.file
	}
	s := "Destinazione: stampante " + m.queue
	if m.twoSides() {
		s += " · fronte-retro " + duplexLabel(m.prev.Printer.Duplex)
	}
	return s
}

// cardRows is the height left to the card under the heading and above the status.
func (m *Card) cardRows(status int) int { return max(6, m.h-3-max(1, status)) }

// cardLines draws the sides of the mode: side by side when they fit, else the one
// chosen with tab, with a legend of the values beside it.
func (m *Card) cardLines(status int) []string {
	sides := m.mode.Sides()
	rows := m.cardRows(status)
	if m.sideBySide() {
		w, h := cardSize(m.prev.Layout, (m.w-2)/2, rows)
		return beside(drawSide(m.prev, sides[0], w, h), drawSide(m.prev, sides[1], w, h), 2)
	}
	side := sides[min(m.side, len(sides)-1)]
	w, h := cardSize(m.prev.Layout, m.w-32, rows)
	card := drawSide(m.prev, side, w, h)
	leg := legend(m.prev, side, m.w-w-2)
	if m.twoSides() {
		other := sides[(m.side+1)%2]
		leg = append(leg, "", m.ctx.Styles.Muted.Render("tab: "+strings.ToLower(sideTitle(other))))
	}
	return beside(card, append([]string{""}, leg...), 2)
}
