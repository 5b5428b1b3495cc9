package print

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components"
	"vivipass/tui/components/formkit"
)

// PrinterKeys are the keys of Stampanti.
type PrinterKeys struct {
	Up, Down, New, Edit, Delete, Calibrate, Default key.Binding
}

// NewPrinterKeys is the default.
func NewPrinterKeys() PrinterKeys {
	return PrinterKeys{
		Up:        key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scegli")),
		Down:      key.NewBinding(key.WithKeys("down")),
		New:       key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "nuova")),
		Edit:      key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "modifica")),
		Delete:    key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "elimina")),
		Calibrate: key.NewBinding(key.WithKeys("c"), key.WithHelp("c", "calibrazione")),
		Default:   key.NewBinding(key.WithKeys("p"), key.WithHelp("p", "predefinita")),
	}
}

// Printers is Amministrazione › Stampanti (S1, S2): the CUPS queues of the comune with
// their calibration offsets (x/y mm, measured on the calibration page) and how they
// print fronte-retro; the calibration page; the printer of each operator and the
// comune's default.
type Printers struct {
	ctx     *common.Context
	keys    PrinterKeys
	ops     []domain.Operator
	mine    string // the queue the administrator prints on
	comune  service.PrintSettingsView
	table   components.List[service.Printer]
	loaded  bool
	seq     int
	dlg     *formkit.Dialog
	focus   string
	outcome string // the last calibration page's
	failed  bool
	w, h    int
}

type (
	printersMsg struct {
		seq    int
		list   []service.Printer
		ops    []domain.Operator
		mine   string
		comune service.PrintSettingsView
		err    error
	}
	printerDoneMsg struct {
		notice  string
		outcome string // a calibration page: shown under the list
		focus   string
		err     error
	}
)

// NewPrinters opens Stampanti (the Amministrazione menu).
func NewPrinters(ctx *common.Context) common.Page {
	m := &Printers{ctx: ctx, keys: NewPrinterKeys()}
	m.table.Columns = []components.Column{{Title: "Coda", Width: 14}, {Title: "X mm", Width: 6}, {Title: "Y mm", Width: 6},
		{Title: "Fronte-retro", Width: 22}, {Title: "Predefinita di", Width: 14, Flex: true}}
	return m
}

func (m *Printers) Title() string   { return "Stampanti" }
func (m *Printers) Capturing() bool { return m.dlg != nil }
func (m *Printers) Editing() bool   { return m.dlg != nil && m.dlg.Busy() }

func (m *Printers) ShortHelp() []key.Binding {
	if m.dlg != nil {
		return m.dlg.Help()
	}
	k := m.keys
	return []key.Binding{k.Edit, k.New, k.Calibrate, k.Default, k.Delete, k.Up}
}

func (m *Printers) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Up, k.Edit, k.New, k.Delete}, {k.Calibrate, k.Default}}
}

func (m *Printers) SetSize(w, h int) {
	m.w, m.h = w, h
	m.table.SetSize(w, max(3, h-8))
	if m.dlg != nil {
		m.dlg.Resize(w, h-2)
	}
}

func (m *Printers) Init() tea.Cmd { return m.load() }

func (m *Printers) load() tea.Cmd {
	m.seq++
	seq, svc, a := m.seq, m.ctx.Svc, m.ctx.Actor
	return func() tea.Msg {
		msg := printersMsg{seq: seq}
		if msg.list, msg.err = svc.Printers(a); msg.err != nil {
			return msg
		}
		if msg.ops, msg.err = svc.Operators(a); msg.err != nil {
			return msg
		}
		if msg.mine, msg.err = svc.PrinterFor(a); msg.err != nil {
			return msg
		}
		msg.comune, msg.err = svc.PrintSettings(a, "")
		return msg
	}
}

// users are who prints on a queue by default: operators, and the comune.
func (m *Printers) users(q string) string {
	var who []string
	for _, op := range m.ops {
		if op.Printer == q {
			who = append(who, op.Name)
		}
	}
	if m.comune.Printer == q {
		who = append(who, "comune")
	}
	return strings.Join(who, ", ")
}

func (m *Printers) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case printersMsg:
		if msg.seq != m.seq {
			return m, nil
		}
		if msg.err != nil {
			return m, common.Err(msg.err)
		}
		m.ops, m.mine, m.comune, m.loaded = msg.ops, msg.mine, msg.comune, true
		m.fill(msg.list)
		return m, nil
	case common.DataChangedMsg:
		return m, m.load()
	case printerDoneMsg:
		if m.dlg == nil {
			return m, nil
		}
		if msg.err != nil {
			return m, m.dlg.Refused(common.ErrorText(msg.err))
		}
		m.dlg, m.focus = nil, msg.focus
		if msg.outcome != "" {
			m.outcome, m.failed = msg.outcome, false
		}
		cmds := []tea.Cmd{m.load()}
		if msg.notice != "" {
			cmds = append(cmds, common.Notice(msg.notice))
		}
		return m, tea.Batch(cmds...)
	}
	if m.dlg != nil {
		cmd, aborted := m.dlg.Update(msg)
		if aborted {
			m.dlg = nil
		}
		return m, cmd
	}
	k, ok := msg.(tea.KeyPressMsg)
	if !ok || !m.loaded {
		return m, nil
	}
	p, sel := m.table.Selected()
	var d *formkit.Dialog
	switch {
	case key.Matches(k, m.keys.Up):
		m.table.Move(-1)
	case key.Matches(k, m.keys.Down):
		m.table.Move(1)
	case key.Matches(k, m.keys.New):
		d = m.editDialog(service.Printer{})
	case key.Matches(k, m.keys.Edit) && sel:
		d = m.editDialog(p)
	case key.Matches(k, m.keys.Delete) && sel:
		d = m.deleteDialog(p)
	case key.Matches(k, m.keys.Calibrate) && sel:
		d = m.calibrationDialog(p)
	case key.Matches(k, m.keys.Default) && sel:
		d = m.defaultDialog(p)
	case !sel && (key.Matches(k, m.keys.Edit) || key.Matches(k, m.keys.Calibrate) || key.Matches(k, m.keys.Default)):
		return m, common.Notice("Nessuna stampante configurata: n per aggiungerne una (il nome della coda CUPS, come in lpstat -p).")
	}
	if d != nil {
		m.dlg = d
		return m, d.Init()
	}
	return m, nil
}

func (m *Printers) fill(list []service.Printer) {
	m.table.Set(list, func(p service.Printer) []string {
		q := p.Queue
		if p.Label != "" {
			q += " " + p.Label
		}
		return []string{q, strings.TrimSuffix(mm(p.OffsetX), " mm"), strings.TrimSuffix(mm(p.OffsetY), " mm"), duplexLabel(p.Duplex), m.users(p.Queue)}
	})
	m.table.Focus(func(p service.Printer) bool { return p.Queue == m.focus })
	m.focus = ""
}

// parseMM reads millimetres typed with a comma or a point.
func parseMM(s string) (float64, error) {
	v, err := strconv.ParseFloat(strings.Replace(strings.TrimSpace(s), ",", ".", 1), 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("%q non è un numero di millimetri (per esempio -1,5)", s)
	}
	if math.Abs(v) > 30 {
		return 0, errors.New("correzione fuori intervallo: al massimo ±30 mm")
	}
	return v, nil
}

func mmText(v float64) string {
	return strings.Replace(strconv.FormatFloat(v, 'f', -1, 64), ".", ",", 1)
}

func (m *Printers) editDialog(p service.Printer) *formkit.Dialog {
	isNew := p.Queue == ""
	queue, label, x, y, duplex := p.Queue, p.Label, mmText(p.OffsetX), mmText(p.OffsetY), p.Duplex
	var duplexOpts []huh.Option[string]
	for _, d := range service.DuplexModes() {
		l := duplexLabel(d)
		if d != "" {
			l += " (" + d + ")"
		}
		duplexOpts = append(duplexOpts, huh.NewOption(l, d))
	}
	groups := func() []*huh.Group {
		var fields []huh.Field
		if isNew {
			fields = append(fields, huh.NewInput().Key("queue").Title(formkit.Pad("Coda CUPS", 32)).Inline(true).
				Placeholder("come in lpstat -p").CharLimit(127).Value(&queue).Validate(printing.CheckQueue))
		}
		fields = append(fields,
			huh.NewInput().Key("label").Title(formkit.Pad("Descrizione", 32)).Inline(true).Placeholder("facoltativa: sportello 1").
				CharLimit(60).Value(&label),
			huh.NewInput().Key("x").Title(formkit.Pad("Correzione X (mm, + a destra)", 32)).Inline(true).CharLimit(8).Value(&x).
				Validate(func(s string) error { _, err := parseMM(s); return err }),
			huh.NewInput().Key("y").Title(formkit.Pad("Correzione Y (mm, + in basso)", 32)).Inline(true).CharLimit(8).Value(&y).
				Validate(func(s string) error { _, err := parseMM(s); return err }),
			huh.NewSelect[string]().Key("duplex").Title("Fronte-retro").Options(duplexOpts...).Value(&duplex),
		)
		return []*huh.Group{huh.NewGroup(fields...).
			Description("Le correzioni si misurano sulla pagina di calibrazione: di quanto i mirini stampati sono spostati.")}
	}
	svc, a := m.ctx.Svc, m.ctx.Actor
	submit := func() tea.Cmd {
		np := p
		np.Queue, np.Label, np.Duplex = strings.TrimSpace(queue), strings.TrimSpace(label), duplex
		np.OffsetX, _ = parseMM(x)
		np.OffsetY, _ = parseMM(y)
		return func() tea.Msg {
			saved, err := svc.SavePrinter(a, np)
			if err != nil {
				return printerDoneMsg{err: err}
			}
			return printerDoneMsg{notice: fmt.Sprintf("Stampante %s salvata: calibrazione X %s, Y %s; fronte-retro %s.", saved.Queue,
				mm(saved.OffsetX), mm(saved.OffsetY), duplexLabel(saved.Duplex)), focus: saved.Queue}
		}
	}
	title := "Stampante " + p.Queue
	if isNew {
		title = "Nuova stampante"
	}
	return formkit.NewDialog(title, m.ctx.Styles.Plain, m.w, m.h-2, groups, submit)
}

func (m *Printers) deleteDialog(p service.Printer) *formkit.Dialog {
	svc, a := m.ctx.Svc, m.ctx.Actor
	return formkit.Question{Title: "Stampanti: eliminazione",
		Ask: "Eliminare le impostazioni della stampante " + p.Queue + "?", Yes: "Sì, elimina",
		What: "La coda CUPS resta: vivipass la userà senza correzioni di calibrazione.",
		Do: func() tea.Msg {
			if err := svc.DeletePrinter(a, p.Queue); err != nil {
				return printerDoneMsg{err: err}
			}
			return printerDoneMsg{notice: "Impostazioni della stampante " + p.Queue + " eliminate."}
		},
		No: func() tea.Msg {
			return printerDoneMsg{notice: "Stampante " + p.Queue + " non eliminata.", focus: p.Queue}
		},
	}.Dialog(m.ctx.Styles.Plain, m.w, m.h-2)
}

// calibrationDialog prints the calibration page on the queue (or writes it to a file,
// with the queue's offsets, to look at it first).
func (m *Printers) calibrationDialog(p service.Printer) *formkit.Dialog {
	dest, path := p.Queue, ""
	groups := func() []*huh.Group {
		return []*huh.Group{
			huh.NewGroup(
				huh.NewSelect[string]().Key("dest").Title("Destinazione").Options(
					huh.NewOption("stampante "+p.Queue, p.Queue), huh.NewOption("file PDF nella cartella stampe/", fileDest)).Value(&dest),
			).Title("Pagina di calibrazione per " + p.Queue).
				Description("Righelli e mirini in posizioni note: si misura dove cadono e si corregge.\nCorrezioni attuali: X " + mm(p.OffsetX) + ", Y " + mm(p.OffsetY) + "."),
			huh.NewGroup(nameInput(m.ctx, &path)).WithHideFunc(func() bool { return dest != fileDest }),
		}
	}
	svc, a, folder := m.ctx.Svc, m.ctx.Actor, m.ctx.Files
	submit := func() tea.Cmd {
		queue, file := dest, fileFor(dest, path, "calibrazione-"+p.Queue+".pdf")
		return func() tea.Msg {
			doc, err := svc.CalibrationDocument(a, p.Queue)
			if err != nil {
				return printerDoneMsg{err: err}
			}
			d, err := deliver(svc, a, folder, doc, queue, file)
			if err != nil {
				return printerDoneMsg{err: err}
			}
			return printerDoneMsg{outcome: "Pagina di calibrazione per " + p.Queue + ": " + d.Message() + ".", focus: p.Queue}
		}
	}
	return formkit.NewDialog("Stampanti: calibrazione", m.ctx.Styles.Plain, m.w, m.h-2, groups, submit)
}

// comuneTarget is the choice "the comune's default" among the operators.
const comuneTarget = "\x00comune"

// defaultDialog makes the queue the printer of an operator (the administrator first)
// or of the comune (for the operators without one of their own).
func (m *Printers) defaultDialog(p service.Printer) *formkit.Dialog {
	who := m.ctx.Operator.Name
	opts := []huh.Option[string]{huh.NewOption("te ("+who+")", who)}
	for _, op := range m.ops {
		if op.Name != who && op.Comune == m.ctx.Operator.Comune {
			cur := "nessuna"
			if op.Printer != "" {
				cur = op.Printer
			}
			opts = append(opts, huh.NewOption(fmt.Sprintf("operatore %s (ora: %s)", op.Name, cur), op.Name))
		}
	}
	opts = append(opts, huh.NewOption("tutto il comune (chi non ne ha una propria)", comuneTarget))
	groups := func() []*huh.Group {
		return []*huh.Group{huh.NewGroup(
			huh.NewSelect[string]().Key("who").Title("Per chi").Options(opts...).Value(&who),
		).Title("Stampante predefinita: " + p.Queue).Description("È la stampante proposta per prima in Stampa e Moduli.")}
	}
	svc, a, comune := m.ctx.Svc, m.ctx.Actor, m.comune
	submit := func() tea.Cmd {
		target := who
		return func() tea.Msg {
			if target == comuneTarget {
				q := p.Queue
				if _, err := svc.SavePrintSettings(a, comune.Comune, service.PrintSettingsChange{Printer: &q, Version: comune.Version}); err != nil {
					return printerDoneMsg{err: err}
				}
				return printerDoneMsg{notice: p.Queue + " è la stampante predefinita del comune.", focus: p.Queue}
			}
			if err := svc.SetOperatorPrinter(a, target, p.Queue); err != nil {
				return printerDoneMsg{err: err}
			}
			return printerDoneMsg{notice: p.Queue + " è la stampante di " + target + ".", focus: p.Queue}
		}
	}
	return formkit.NewDialog("Stampanti: predefinita", m.ctx.Styles.Plain, m.w, m.h-2, groups, submit)
}

func (m *Printers) View() string {
	st := m.ctx.Styles
	head := st.Title.Render("Amministrazione › Stampanti")
	if m.dlg != nil {
		if m.dlg.Busy() {
			return head + "\n\n" + st.Warning.Render("Attendere: si stampa o si salva…")
		}
		return head + "\n" + m.dlg.View(st, m.w)
	}
	if !m.loaded {
		return head + "\n\nCaricamento…"
	}
	mine := "nessuna"
	if m.mine != "" {
		mine = m.mine
	}
	comune := "nessuna"
	if m.comune.Printer != "" {
		comune = m.comune.Printer
	}
	var b strings.Builder
	b.WriteString(head + "\n")
	b.WriteString(common.Truncate("La tua stampante: "+mine+" · predefinita del comune: "+comune, m.w) + "\n")
	b.WriteString(m.table.View(st, "Nessuna stampante configurata: n per aggiungere una coda CUPS.") + "\n")
	b.WriteString(st.Muted.Render(common.Truncate("invio modifica · n nuova · c pagina di calibrazione · p predefinita · x elimina", m.w)) + "\n")
	if m.outcome != "" {
		b.WriteString("\n")
		for _, l := range formkit.Wrap(m.outcome, max(20, m.w-2)) {
			b.WriteString(st.OK.Render(l) + "\n")
		}
		b.WriteString(st.Muted.Render(common.Truncate("Misurare dove cadono i mirini rispetto ai segni e correggere X/Y (invio).", m.w)))
	}
	return strings.TrimRight(b.String(), "\n")
}
