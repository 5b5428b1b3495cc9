// Package inbox is the Richieste PEC section (V1–V6, P11, T4): the PEC inbox of the
// operator's comune, the viviVeneto requests and, beside them and shown as such, the
// receipts, the anomalies, the other messages and the quarantine (with its reason).
//
// The list filters by state, by kind and on the items still to handle, reads the
// mailbox on demand (s) and says on one line when it was last read and the last
// error. The detail (detail.go), pushed over the section, shows one item: the request's
// fields, the citizen's contacts, the INPS outcome, the plates, the warnings, the
// attachments (saved under their safe names into a directory of the server, never
// over an existing file), the person and pass it is linked to (by codice fiscale when
// it arrived, or by hand), "crea pratica" (the matching form of tui/forms, pre-filled,
// channel App) and the request's end state with its note.
package inbox

import (
	"context"
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/pec/parse"
	"vivipass/service"
	"vivipass/store"
	"vivipass/tui/common"
	"vivipass/tui/components"
	"vivipass/tui/components/formkit"
)

// KeyMap of the list.
type KeyMap struct {
	Up, Down, PgUp, PgDown, Open key.Binding
	Sync, State, Kind, Pending   key.Binding
}

// NewKeyMap is the default key map.
func NewKeyMap() KeyMap {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	return KeyMap{
		Up:      key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scorri")),
		Down:    key.NewBinding(key.WithKeys("down")),
		PgUp:    key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pag↑/↓", "pagina")),
		PgDown:  key.NewBinding(key.WithKeys("pgdown")),
		Open:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "apri")),
		Sync:    b("s", "leggi la casella"),
		State:   b("f", "stato"),
		Kind:    b("t", "tipo"),
		Pending: b("a", "da gestire/tutte"),
	}
}

// The filter choices, cycled by their keys; index 0 is "all".
var (
	stateChoices = append([]domain.RequestState{""}, domain.RequestStates()...)
	kindChoices  = append([]parse.Kind{0}, parse.Kinds()...)
)

// syncTimeout bounds a sync asked from the desk.
const syncTimeout = 2 * time.Minute

// Model is the list page.
type Model struct {
	ctx     *common.Context
	keys    KeyMap
	table   components.Table
	items   []store.PECItem
	numbers map[uint64]string // linked pass id → number
	status  service.PECStatus
	noBox   string // why the mailbox cannot be read (not configured…)
	loaded  bool
	seq     int
	syncing bool
	state   int
	kind    int
	all     bool // closed items too (default: only those still to handle)
	w, h    int
}

type (
	loadedMsg struct {
		seq     int
		items   []store.PECItem
		numbers map[uint64]string
		status  service.PECStatus
		noBox   string
		err     error
	}
	syncedMsg struct {
		rep service.PECSyncReport
		err error
	}
)

// New makes the page.
func New(ctx *common.Context) *Model {
	return &Model{ctx: ctx, keys: NewKeyMap()}
}

func (m *Model) Title() string   { return "Richieste PEC" }
func (m *Model) Capturing() bool { return false }

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	return []key.Binding{k.Open, k.Sync, k.State, k.Kind, k.Pending}
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Up, k.PgUp, k.Open}, {k.Sync, k.State, k.Kind, k.Pending}}
}

// infoLines are the selected item's summary under the table.
const infoLines = 2

func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.layout()
	m.layoutColumns()
}

// layout gives the table what the filter line, the mailbox lines and the summary
// leave.
func (m *Model) layout() {
	m.table.SetSize(m.w, max(3, m.h-1-len(m.boxLines())-infoLines))
}

func (m *Model) layoutColumns() {
	// Four-digit years, and the citizen's name whole at 80 columns: the codice fiscale,
	// in the summary under the list, gets a column from 100 (issue 11.8, 11.10).
	date := 10
	if m.w >= 100 {
		date = 16
	}
	m.table.Columns = []components.Column{{Title: "Stato", Width: 11}, {Title: "Tipo", Width: 10}, {Title: "Data", Width: date},
		{Title: "Cittadino", Width: 10, Flex: true}}
	if m.w >= 100 {
		m.table.Columns = append(m.table.Columns, components.Column{Title: "Codice fiscale", Width: 16})
	}
	m.table.Columns = append(m.table.Columns, components.Column{Title: "Contrassegno", Width: 15})
	m.fill()
}

// Init loads the list.
func (m *Model) Init() tea.Cmd { return m.load() }

func (m *Model) filter() service.PECFilter {
	// A state chosen is the filter: "only those to handle" is for the list of all states.
	f := service.PECFilter{State: stateChoices[m.state], Open: !m.all && m.state == 0}
	if k := kindChoices[m.kind]; k.Valid() {
		f.Kind = k.String()
	}
	return f
}

func (m *Model) load() tea.Cmd {
	m.seq++
	seq, svc, a, f := m.seq, m.ctx.Svc, m.ctx.Actor, m.filter()
	return func() tea.Msg {
		msg := loadedMsg{seq: seq, numbers: map[uint64]string{}}
		if msg.items, msg.err = svc.PECList(a, f); msg.err != nil {
			return msg
		}
		msg.numbers = passNumbers(svc, a, msg.items)
		if a.Comune == "" {
			msg.noBox = "sessione senza comune: nessuna casella"
		} else if msg.status, msg.err = svc.PECStatus(a, a.Comune); msg.err != nil {
			msg.noBox, msg.err = common.ErrorText(msg.err), nil
		}
		return msg
	}
}

// passNumbers finds the numbers of the linked passes (one lookup per person).
func passNumbers(svc *service.Service, a service.Actor, items []store.PECItem) map[uint64]string {
	out := map[uint64]string{}
	seen := map[uint64]bool{}
	for _, it := range items {
		if it.PassID == 0 || out[it.PassID] != "" {
			continue
		}
		if it.PersonID != 0 && !seen[it.PersonID] {
			seen[it.PersonID] = true
			if ps, err := svc.PersonPasses(a, it.PersonID); err == nil {
				for _, p := range ps {
					out[p.ID] = p.Number
				}
			}
		}
		if out[it.PassID] == "" {
			if v, err := svc.GetPass(a, it.PassID); err == nil {
				out[it.PassID] = v.Pass.Number
			}
		}
	}
	return out
}

// Update handles results and keys.
func (m *Model) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case loadedMsg:
		if msg.seq != m.seq {
			return m, nil
		}
		if msg.err != nil {
			return m, common.Err(msg.err)
		}
		m.items, m.numbers, m.status, m.noBox, m.loaded = msg.items, msg.numbers, msg.status, msg.noBox, true
		m.layout()
		m.fill()
		return m, nil
	case syncedMsg:
		m.syncing = false
		m.layout()
		return m, tea.Batch(m.load(), syncNotice(msg.rep, msg.err))
	case common.DataChangedMsg:
		return m, m.load()
	case tea.KeyPressMsg:
		return m, m.key(msg)
	}
	return m, nil
}

func (m *Model) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.table.Move(-1)
	case key.Matches(msg, k.Down):
		m.table.Move(1)
	case key.Matches(msg, k.PgUp):
		m.table.Move(-m.table.Page())
	case key.Matches(msg, k.PgDown):
		m.table.Move(m.table.Page())
	case key.Matches(msg, k.Open):
		if i := m.table.Cursor(); i >= 0 {
			p := newDetail(m.ctx, m.items[i].ID)
			return common.Push(p)
		}
	case key.Matches(msg, k.State):
		m.state = (m.state + 1) % len(stateChoices)
		m.table.SetCursor(0)
		return m.load()
	case key.Matches(msg, k.Kind):
		m.kind = (m.kind + 1) % len(kindChoices)
		m.table.SetCursor(0)
		return m.load()
	case key.Matches(msg, k.Pending):
		m.all = !m.all
		m.table.SetCursor(0)
		return m.load()
	case key.Matches(msg, k.Sync):
		return m.sync()
	}
	return nil
}

// sync reads the mailbox now: the worker does it when it runs, or a connection is
// opened for this sync.
func (m *Model) sync() tea.Cmd {
	if m.syncing {
		return common.Notice("Lettura della casella già in corso.")
	}
	if m.ctx.Actor.Comune == "" {
		return common.Notice("Sessione senza comune: nessuna casella da leggere.")
	}
	m.syncing = true
	m.layout()
	svc, a := m.ctx.Svc, m.ctx.Actor
	return func() tea.Msg {
		ctx, cancel := context.WithTimeout(context.Background(), syncTimeout)
		defer cancel()
		rep, err := svc.PECSync(ctx, a, a.Comune, service.PECSyncOptions{})
		return syncedMsg{rep, err}
	}
}

// syncNotice says what a sync did.
func syncNotice(rep service.PECSyncReport, err error) tea.Cmd {
	if err != nil {
		return func() tea.Msg {
			return common.NoticeMsg{Text: "Lettura della casella non riuscita: " + common.ErrorText(err), Error: true}
		}
	}
	var text string
	switch rep.New {
	case 0:
		text = "Casella letta: nessun messaggio nuovo"
	case 1:
		text = "Casella letta: 1 messaggio nuovo"
	default:
		text = "Casella letta: " + domain.Count(rep.New, "messaggio nuovo", "messaggi nuovi")
	}
	if rep.Duplicates > 0 {
		text += fmt.Sprintf(" (%d già presenti)", rep.Duplicates)
	}
	if rep.Truncated > 0 {
		text += fmt.Sprintf("; %d oltre 30 MB, tenuti in quarantena", rep.Truncated)
	}
	if rep.Resync {
		text += "; la casella è stata riletta da capo (UIDVALIDITY cambiato), senza doppioni"
	}
	return common.Notice(text + ".")
}

func (m *Model) fill() {
	rows := make([][]string, len(m.items))
	long := m.w >= 100
	for i, it := range m.items {
		day := it.Sent
		if day.IsZero() {
			day = it.Received
		}
		date := ""
		if !day.IsZero() {
			if long {
				date = common.When(day)
			} else {
				date = day.In(domain.Rome).Format("02/01/2006")
			}
		}
		pass := m.numbers[it.PassID]
		if pass == "" {
			pass = "–"
		}
		cf := it.CodiceFiscale
		if cf == "" {
			cf = "–"
		}
		rows[i] = []string{stateShort(it.State), kindShort(it), date, who(it)}
		if m.w >= 100 {
			rows[i] = append(rows[i], cf)
		}
		rows[i] = append(rows[i], pass)
	}
	m.table.SetRows(rows)
}

// stateShort is a state in the list's column.
func stateShort(s domain.RequestState) string {
	switch s {
	case domain.RequestInLavorazione:
		return "lavorazione"
	case domain.RequestIntegrazione:
		return "integraz."
	}
	return s.Label()
}

// kindShort is what an item is, in the list's column: a request's type, or its kind.
func kindShort(it store.PECItem) string {
	k, _ := parse.KindFromString(it.Kind)
	switch k {
	case parse.KindRequest:
		switch it.Type {
		case parse.TypeRinnovo.String():
			return "rinnovo"
		case parse.TypeDuplicato.String():
			return "duplicato"
		case parse.TypeTarghe.String():
			return "targhe"
		}
		return "sportello"
	case parse.KindReceipt:
		return "ricevuta"
	case parse.KindAnomaly:
		return "anomalia"
	case parse.KindOther:
		return "altro"
	case parse.KindQuarantine:
		return "quarantena"
	}
	return it.Kind
}

// who is the citizen of a request, or what another item is about.
func who(it store.PECItem) string {
	if name := strings.TrimSpace(it.Cognome + " " + it.Nome); name != "" {
		return name
	}
	switch it.Kind {
	case parse.KindQuarantine.String():
		return it.Reason
	case parse.KindReceipt.String():
		l := parse.ReceiptType(it.ReceiptType).Label()
		for _, p := range []string{"ricevuta di ", "avviso di ", "preavviso di "} {
			l = strings.TrimPrefix(l, p)
		}
		return l
	}
	if it.Subject != "" {
		return it.Subject
	}
	return it.Sender
}

// summary is the selected item in words, under the table.
func summary(it store.PECItem) (text string, warn bool) {
	k, _ := parse.KindFromString(it.Kind)
	switch k {
	case parse.KindRequest:
		typ := requestLabel(it.Type)
		text = fmt.Sprintf("Richiesta di %s di %s (%s)", typ, who(it), it.RequestID)
		if it.Type == parse.TypeSportello.String() {
			text, warn = "Da gestire allo sportello: "+sportelloReason(it), true
		}
	case parse.KindReceipt:
		rt := parse.ReceiptType(it.ReceiptType)
		text, warn = upper(rt.Label())+" · "+it.Subject, rt.Failure()
	case parse.KindAnomaly:
		text, warn = "Busta di anomalia (messaggio non certificato, senza valore legale) da "+it.Sender, true
	case parse.KindOther:
		text = "Altro messaggio PEC da " + it.Sender + ": " + it.Subject
	case parse.KindQuarantine:
		text, warn = "In quarantena: "+it.Reason, true
	}
	if len(it.Warnings) > 0 && k != parse.KindAnomaly {
		text += " · Attenzione: " + strings.Join(it.Warnings, "; ")
		warn = true
	}
	if it.State != domain.RequestNuova {
		text += " · " + it.State.Label()
		if it.Note != "" {
			text += ": " + it.Note
		}
	}
	return text, warn
}

// requestLabel is a request type in words.
func requestLabel(typ string) string {
	for _, t := range []parse.Type{parse.TypeRinnovo, parse.TypeDuplicato, parse.TypeTarghe, parse.TypeSportello} {
		if t.String() == typ {
			return t.Label()
		}
	}
	return strings.ToLower(typ)
}

// sportelloReason is why the app cannot make a request.
func sportelloReason(it store.PECItem) string {
	r := strings.TrimSuffix(it.SportelloReason, ": da gestire allo sportello")
	if r == "" {
		r = "richiesta che l'app non può fare"
	}
	return r
}

func upper(s string) string {
	if s == "" {
		return s
	}
	r := []rune(s)
	return strings.ToUpper(string(r[0])) + string(r[1:])
}

// filterLine says which items are listed.
func (m *Model) filterLine() string {
	state := "tutti"
	if s := stateChoices[m.state]; s != "" {
		state = s.Label()
	}
	kind := "tutti"
	if k := kindChoices[m.kind]; k.Valid() {
		kind = k.Label()
	}
	which := " · solo da gestire"
	switch {
	case m.state != 0:
		which = ""
	case m.all:
		which = " · anche evase, respinte e ricevute" // #11.16: receipts of our mail are not to handle
	}
	count := domain.Count(len(m.items), "messaggio", "messaggi")
	if len(m.items) == 1 {
		count = "1 messaggio"
	}
	return common.Truncate("Stato: "+state+" · tipo: "+kind+which+" · "+count, m.w)
}

// boxLines are the mailbox: last read, and the last error (on up to two lines of its
// own: it names what to fix).
func (m *Model) boxLines() []string {
	st := m.ctx.Styles
	if m.syncing {
		return []string{"Lettura della casella in corso…"}
	}
	if m.noBox != "" { // wrapped, never cut (issue 11.8)
		lines := wrap("Casella: "+m.noBox, m.w)
		lines[0] = strings.Replace(lines[0], "Casella:", st.Warning.Render("Casella:"), 1)
		return lines
	}
	s := m.status
	text := "Casella " + s.Config.User + "@" + s.Config.Host
	if s.Sync.LastSync.IsZero() {
		text += " · mai letta"
	} else {
		text += " · letta il " + common.When(s.Sync.LastSync)
	}
	if s.Running {
		text += " · lettura automatica attiva"
	}
	if s.Sync.LastError == "" {
		return []string{common.Truncate(text+" · s: leggi ora", m.w)}
	}
	lines := []string{common.Truncate(text, m.w)}
	errLines := wrap("Errore il "+common.When(s.Sync.ErrorAt)+": "+s.Sync.LastError, m.w)
	if len(errLines) > 2 {
		errLines = errLines[:2]
		errLines[1] = common.Truncate(errLines[1]+" …", m.w)
	}
	errLines[0] = strings.Replace(errLines[0], "Errore", st.Error.Render("Errore"), 1)
	return append(lines, errLines...)
}

// View draws the filters, the mailbox, the table and the selected item.
func (m *Model) View() string {
	if !m.loaded {
		return "Caricamento…"
	}
	st := m.ctx.Styles
	empty := "Nessun messaggio da gestire: a per vedere anche quelli chiusi, s per leggere la casella."
	if m.all || m.state != 0 || m.kind != 0 {
		empty = "Nessun messaggio con questi filtri."
	}
	out := m.filterLine() + "\n" + strings.Join(m.boxLines(), "\n") + "\n" + m.table.View(st, empty)
	if i := m.table.Cursor(); i >= 0 {
		text, warn := summary(m.items[i])
		lines := formkit.Wrap(text, m.w)
		if len(lines) > infoLines {
			lines = lines[:infoLines]
			lines[infoLines-1] = common.Truncate(lines[infoLines-1]+" …", m.w)
		}
		if warn {
			lines[0] = st.Warning.Render(lines[0])
		}
		out += "\n" + strings.Join(lines, "\n")
	}
	return out
}

// when is an instant as the inbox shows it.
func when(t time.Time) string { return common.When(t) }
