// Package people is the Anagrafica page (A1–A4): the people of the operator's comune
// with search while typing (name prefix or codice fiscale), the scheda of one person
// with their passes, and the forms of the person (with the live codice fiscale check and
// the override with a reason, A2), of the photo (a file on the server, A3) and of the
// death (A4, P8).
//
// The page has modes rather than pages pushed on the root: the root opens it on a
// person (OpenPersonMsg → Show) and esc walks back scheda → list inside the page.
package people

import (
	"bytes"
	"fmt"
	"image"
	"strings"

	"charm.land/bubbles/v2/key"
	"charm.land/bubbles/v2/textinput"
	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/tui/common"
	"vivipass/tui/components"
	"vivipass/tui/components/formkit"
)

// KeyMap of the page: the list, then the scheda of a person.
type KeyMap struct {
	Up, Down, PgUp, PgDown, Open, New, Focus key.Binding
	Back, OpenPass, Edit, Photo, RemovePhoto key.Binding
	Deceased                                 key.Binding
}

// NewKeyMap is the default key map.
func NewKeyMap() KeyMap {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	return KeyMap{
		Up:          key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scorri")),
		Down:        key.NewBinding(key.WithKeys("down")),
		PgUp:        key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pag↑/↓", "pagina")),
		PgDown:      key.NewBinding(key.WithKeys("pgdown")),
		Open:        key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "apri")),
		New:         key.NewBinding(key.WithKeys("ctrl+n"), key.WithHelp("ctrl+n", "nuova persona")),
		Focus:       key.NewBinding(key.WithKeys("tab"), key.WithHelp("tab", "cerca/elenco")),
		Back:        key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "elenco")),
		OpenPass:    key.NewBinding(key.WithKeys("enter"), key.WithHelp("invio", "apri contrassegno")),
		Edit:        b("e", "modifica"),
		Photo:       b("f", "allega foto"),
		RemovePhoto: b("x", "rimuovi foto"),
		Deceased:    b("m", "decesso"),
	}
}

// peopleLimit is the most people a search shows: typing more narrows it.
const peopleLimit = 300

type mode int

const (
	modeList mode = iota
	modeDetail
	modeDialog // a form over the list or the scheda
)

// Model is the page.
type Model struct {
	ctx      *common.Context
	keys     KeyMap
	mode     mode
	search   textinput.Model
	table    components.Table
	people   []domain.Person
	searches components.Search

	// The scheda of one person.
	id       uint64
	detail   detail
	loaded   bool
	passes   components.Table
	dlg      *formkit.Dialog
	dlgFrom  mode // where esc from the dialog goes back to
	w, h     int
	loadSeq  int
	selectID uint64 // select this person in the list when the results come
}

// detail is what the scheda shows.
type detail struct {
	person domain.Person
	passes []domain.Pass
	status []domain.State
	photo  string // "JPEG 300×400, 42 KB"; "" when there is none
}

type (
	resultMsg struct {
		seq    int
		people []domain.Person
		err    error
	}
	detailMsg struct {
		seq int
		d   detail
		err error
	}
)

// New makes the page.
func New(ctx *common.Context) *Model {
	m := &Model{ctx: ctx, keys: NewKeyMap(), search: formkit.TextInput("Cerca: ", "cognome e nome, oppure codice fiscale", 40)}
	m.search.Focus()
	m.table.Columns = []components.Column{{Title: "Cognome e nome", Width: 16, Flex: true}, {Title: "Codice fiscale", Width: 16},
		{Title: "Nascita", Width: 10}, {Title: "Residenza", Width: 18}}
	m.passes.Columns = []components.Column{{Title: "Numero", Width: 15}, {Title: "Stato", Width: 15}, {Title: "Tipo", Width: 10},
		{Title: "Scadenza", Width: 10}, {Title: "Targhe", Width: 8, Flex: true}}
	return m
}

func (m *Model) Title() string {
	if m.mode != modeList && m.loaded {
		return "Anagrafica di " + m.detail.person.FullName()
	}
	return "Anagrafica"
}

// Capturing: the search field and the forms take every key.
func (m *Model) Capturing() bool {
	return m.mode == modeDialog || (m.mode == modeList && m.search.Focused())
}

// Editing: a form is open (being filled in, or saving).
func (m *Model) Editing() bool { return m.mode == modeDialog }

func (m *Model) ShortHelp() []key.Binding {
	k := m.keys
	switch m.mode {
	case modeDialog:
		return m.dlg.Help()
	case modeDetail:
		return []key.Binding{k.Back, k.OpenPass, k.Edit, k.Photo, k.RemovePhoto, k.Deceased}
	}
	return []key.Binding{k.Open, k.New, k.Focus, k.Up}
}

func (m *Model) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Up, k.PgUp, k.Open, k.New, k.Focus},
		{k.Back, k.OpenPass, k.Edit, k.Photo, k.RemovePhoto, k.Deceased}}
}

// formHeight is what a form may take: the page less the title and a refusal.
func (m *Model) formHeight() int { return m.h - 5 }

func (m *Model) SetSize(w, h int) {
	m.w, m.h = w, h
	m.search.SetWidth(max(10, w-len(m.search.Prompt)-2))
	m.table.SetSize(w, h-2)
	m.layoutDetail()
	if m.dlg != nil {
		m.dlg.Resize(w, m.formHeight())
	}
}

// Init runs the first search (every person of the comune, by name).
func (m *Model) Init() tea.Cmd {
	cmds := []tea.Cmd{m.query()}
	if m.mode == modeDetail {
		cmds = append(cmds, m.load())
	}
	return tea.Batch(cmds...)
}

// Show opens the scheda of person id (the root calls it on OpenPersonMsg).
func (m *Model) Show(id uint64) tea.Cmd {
	m.id, m.mode, m.loaded, m.dlg = id, modeDetail, false, nil
	m.passes.SetCursor(0)
	return m.load()
}

// Selected is the person of the scheda, or the one selected in the list (0 if none).
func (m *Model) Selected() uint64 {
	if m.mode != modeList {
		return m.id
	}
	if i := m.table.Cursor(); i >= 0 {
		return m.people[i].ID
	}
	return 0
}

func (m *Model) query() tea.Cmd {
	seq, svc, a, text := m.searches.Ask(), m.ctx.Svc, m.ctx.Actor, m.search.Value()
	return func() tea.Msg {
		ps, err := svc.SearchPeople(a, text, peopleLimit)
		return resultMsg{seq, ps, err}
	}
}

func (m *Model) load() tea.Cmd {
	m.loadSeq++
	seq, svc, a, id := m.loadSeq, m.ctx.Svc, m.ctx.Actor, m.id
	return func() tea.Msg {
		var d detail
		var err error
		if d.person, err = svc.Person(a, id); err != nil {
			return detailMsg{seq: seq, err: err}
		}
		if d.passes, err = svc.PersonPasses(a, id); err != nil {
			return detailMsg{seq: seq, err: err}
		}
		st, err := svc.Settings(a, d.person.Comune)
		if err != nil {
			return detailMsg{seq: seq, err: err}
		}
		today := svc.Today()
		for _, p := range d.passes {
			d.status = append(d.status, p.Status(today, st.AlertDays))
		}
		if d.person.HasPhoto {
			img, err := svc.Photo(a, id)
			if err != nil {
				return detailMsg{seq: seq, err: err}
			}
			d.photo = describePhoto(img)
		}
		return detailMsg{seq: seq, d: d}
	}
}

// describePhoto says what the stored photo is, for the scheda.
func describePhoto(img []byte) string {
	if len(img) == 0 {
		return ""
	}
	size := fmt.Sprintf("%d KB", (len(img)+1023)/1024)
	cfg, format, err := image.DecodeConfig(bytes.NewReader(img))
	if err != nil {
		return "presente, " + size
	}
	return fmt.Sprintf("presente (%s %d×%d, %s)", strings.ToUpper(format), cfg.Width, cfg.Height, size)
}

// Update handles results, keys and the forms.
func (m *Model) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case resultMsg:
		current, enter := m.searches.Answered(msg.seq)
		if msg.err != nil {
			return m, common.Err(msg.err)
		}
		if enter && !current && m.mode == modeList { // what was typed before the enter
			if len(msg.people) == 0 {
				return m, common.Notice("Nessuna persona da aprire: cambiare la ricerca.")
			}
			return m, m.Show(msg.people[0].ID)
		}
		if !current {
			return m, nil // an older search answered late
		}
		m.people = msg.people
		m.fillList()
		if enter && m.mode == modeList {
			return m, m.openSelected()
		}
		return m, nil
	case detailMsg:
		if msg.seq != m.loadSeq {
			return m, nil
		}
		if msg.err != nil {
			if m.mode == modeDetail {
				m.mode = modeList
			}
			return m, common.Err(msg.err)
		}
		m.detail, m.loaded = msg.d, true
		m.fillPasses()
		return m, nil
	case savedMsg:
		return m, m.saved(msg)
	case common.DataChangedMsg:
		// Another session (or this one) changed the register: reload what is shown.
		// An open form keeps what the operator typed; saving it will say if it is stale.
		cmds := []tea.Cmd{m.query()}
		if m.id != 0 && m.mode != modeList {
			cmds = append(cmds, m.load())
		}
		return m, tea.Batch(cmds...)
	}
	switch m.mode {
	case modeDialog:
		cmd, aborted := m.dlg.Update(msg)
		if aborted {
			m.dlg, m.mode = nil, m.dlgFrom
		}
		return m, cmd
	case modeDetail:
		if k, ok := msg.(tea.KeyPressMsg); ok {
			return m, m.detailKey(k)
		}
		return m, nil
	}
	if k, ok := msg.(tea.KeyPressMsg); ok {
		return m, m.listKey(k)
	}
	// Other messages (paste) go to the search field.
	if m.search.Focused() {
		return m, m.typed(msg)
	}
	return m, nil
}

func (m *Model) typed(msg tea.Msg) tea.Cmd {
	before := m.search.Value()
	var cmd tea.Cmd
	m.search, cmd = m.search.Update(msg)
	if m.search.Value() != before {
		return tea.Batch(cmd, m.query())
	}
	return cmd
}

func (m *Model) listKey(msg tea.KeyPressMsg) tea.Cmd {
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
		if m.searches.Enter() {
			return m.openSelected()
		} // else: opens when the search of what was typed answers (issue 11.1)
	case key.Matches(msg, k.New):
		return m.openDialog(m.personDialog(domain.Person{}))
	case key.Matches(msg, k.Focus):
		if m.search.Focused() {
			m.search.Blur()
			return nil
		}
		return m.search.Focus()
	default:
		if !m.search.Focused() && components.Printable(msg) {
			m.search.Focus() // a letter typed on the list is a search (issue 11.2)
		}
		if m.search.Focused() {
			return m.typed(msg)
		}
	}
	return nil
}

// openSelected shows the person under the cursor; on an empty list it says so.
func (m *Model) openSelected() tea.Cmd {
	if id := m.Selected(); id != 0 {
		return m.Show(id)
	}
	return common.Notice("Nessuna persona da aprire: cambiare la ricerca.")
}

func (m *Model) detailKey(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	if key.Matches(msg, k.Back) {
		m.mode = modeList
		return m.query()
	}
	if !m.loaded {
		return nil
	}
	p := m.detail.person
	switch {
	case key.Matches(msg, k.Up):
		m.passes.Move(-1)
	case key.Matches(msg, k.Down):
		m.passes.Move(1)
	case key.Matches(msg, k.OpenPass):
		if i := m.passes.Cursor(); i >= 0 {
			id := m.detail.passes[i].ID
			return func() tea.Msg { return common.OpenPassMsg{ID: id} }
		}
		return common.Notice("Questa persona non ha contrassegni.")
	case key.Matches(msg, k.Edit):
		return m.openDialog(m.personDialog(p))
	case key.Matches(msg, k.Photo):
		return m.openDialog(m.photoDialog(p))
	case key.Matches(msg, k.RemovePhoto):
		if !p.HasPhoto {
			return common.Notice(p.FullName() + " non ha una foto da rimuovere.")
		}
		return m.openDialog(m.removePhotoDialog(p))
	case key.Matches(msg, k.Deceased):
		return m.openDialog(m.deceasedDialog(p))
	}
	return nil
}

func (m *Model) openDialog(d *formkit.Dialog) tea.Cmd {
	if m.mode != modeDialog {
		m.dlgFrom = m.mode
	}
	m.dlg, m.mode = d, modeDialog
	return d.Init()
}

// savedMsg is the answer of a use case started by a dialog.
type savedMsg struct {
	err    error
	notice string
	show   uint64 // open this person's scheda afterwards
}

func (m *Model) saved(msg savedMsg) tea.Cmd {
	if m.dlg == nil {
		return nil
	}
	if msg.err != nil {
		return m.dlg.Refused(common.ErrorText(msg.err))
	}
	m.dlg = nil
	cmds := []tea.Cmd{common.Notice(msg.notice), m.query()}
	if msg.show != 0 {
		cmds = append(cmds, m.Show(msg.show))
	} else {
		m.mode = m.dlgFrom
	}
	return tea.Batch(cmds...)
}

func (m *Model) fillList() {
	rows := make([][]string, len(m.people))
	for i, p := range m.people {
		name := p.FullName()
		if !p.DataDecesso.IsZero() {
			name += " (" + p.Agree("deceduto", "deceduta") + ")"
		}
		res := ""
		if pl, ok := domain.ComuneByCode(p.ComuneResidenza); ok {
			res = pl.Name
		}
		rows[i] = []string{name, p.CodiceFiscale, p.DataNascita.String(), res}
		if p.ID == m.selectID {
			m.table.SetCursor(i)
		}
	}
	m.selectID = 0
	m.table.SetRows(rows)
}

func (m *Model) fillPasses() {
	rows := make([][]string, len(m.detail.passes))
	for i, p := range m.detail.passes {
		var plates []string
		for _, pl := range p.Plates {
			plates = append(plates, pl.Number)
		}
		status := m.detail.status[i].Label()
		if p.Duplicate {
			status += " (D)"
		}
		rows[i] = []string{p.Number, status, p.Kind.Label(), p.DataScadenza.String(), strings.Join(plates, " ")}
	}
	m.passes.SetRows(rows)
	m.layoutDetail()
}

// View draws the current mode.
func (m *Model) View() string {
	switch m.mode {
	case modeDialog:
		return m.dlg.View(m.ctx.Styles, m.w)
	case modeDetail:
		return m.detailView()
	}
	count := domain.Count(len(m.people), "persona", "persone")
	switch len(m.people) {
	case 1:
		count = "1 persona"
	case peopleLimit:
		count = fmt.Sprintf("prime %d persone (scrivere di più per restringere)", peopleLimit)
	}
	return m.search.View() + "\n" + m.ctx.Styles.Muted.Render(common.Truncate(count+" · invio apre la scheda, ctrl+n registra una persona nuova", m.w)) + "\n" +
		m.table.View(m.ctx.Styles, "Nessuna persona trovata: cambiare la ricerca, o ctrl+n per registrarla.")
}

// detailLines are the person's data above the passes table.
func (m *Model) detailLines() []string {
	st := m.ctx.Styles
	p := m.detail.person
	row := func(label, value string) string {
		return st.Label.Render(common.Pad(label, 12)) + common.Truncate(value, max(10, m.w-12))
	}
	head := st.Title.Render(p.FullName()) + "  " + p.CodiceFiscale
	if !p.DataDecesso.IsZero() {
		head += "  " + st.Warning.Render("[DECEDUTO il "+p.DataDecesso.String()+"]")
	}
	born := p.DataNascita.String()
	if p.LuogoNascita != "" {
		born += " a " + placeLabel(p.LuogoNascita, p.DataNascita)
	}
	if p.Sesso != "" {
		born += " · sesso " + p.Sesso
	}
	res := p.Indirizzo
	if p.ComuneResidenza != "" {
		res = strings.TrimSpace(res + ", " + strings.TrimSpace(p.CAP+" "+placeLabel(p.ComuneResidenza, domain.Date{})))
		res = strings.TrimPrefix(res, ", ")
	}
	photo := m.detail.photo
	if photo == "" {
		photo = "nessuna (f per allegarla)"
	}
	lines := []string{head, row("Nascita", born), row("Residenza", common.Dash(res)),
		row("Contatti", common.Dash(strings.TrimSpace(p.Email+"  "+p.Telefono))), row("Foto", photo)}
	if p.CFOverride != "" {
		lines = append(lines, row("CF forzato", "motivo: "+p.CFOverride))
	}
	if p.Note != "" {
		lines = append(lines, row("Note", p.Note))
	}
	lines = append(lines, row("Modificata", common.When(p.UpdatedAt)+" da "+p.UpdatedBy),
		st.Muted.Render(common.Truncate("e modifica · f foto · x rimuovi la foto · m decesso · esc torna all'elenco", m.w)),
		"", st.Title.Render(fmt.Sprintf("Contrassegni (%d)", len(m.detail.passes)))+st.Muted.Render("  invio apre quello scelto"))
	return lines
}

func (m *Model) layoutDetail() {
	if !m.loaded {
		return
	}
	m.passes.SetSize(m.w, max(2, m.h-len(m.detailLines())))
}

func (m *Model) detailView() string {
	if !m.loaded {
		return "Caricamento…"
	}
	return strings.Join(m.detailLines(), "\n") + "\n" + m.passes.View(m.ctx.Styles, "Nessun contrassegno per questa persona.")
}

// placeLabel is a comune or foreign state by code, as valid at a date.
func placeLabel(code string, at domain.Date) string { return domain.PlaceName(code, at) }
