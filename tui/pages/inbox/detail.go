package inbox

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/pec/parse"
	"vivipass/service"
	"vivipass/store"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
	"vivipass/tui/forms"
)

// DetailKeys are the keys of the detail.
type DetailKeys struct {
	Up, Down, PgUp, PgDown            key.Binding
	Create, Plates, State, Link, Save key.Binding
	Photo, OpenPass, OpenPerson       key.Binding
}

// NewDetailKeys is the default key map of the detail.
func NewDetailKeys() DetailKeys {
	b := func(k, h string) key.Binding { return key.NewBinding(key.WithKeys(k), key.WithHelp(k, h)) }
	return DetailKeys{
		Up:         key.NewBinding(key.WithKeys("up"), key.WithHelp("↑/↓", "scorri")),
		Down:       key.NewBinding(key.WithKeys("down")),
		PgUp:       key.NewBinding(key.WithKeys("pgup"), key.WithHelp("pag↑/↓", "pagina")),
		PgDown:     key.NewBinding(key.WithKeys("pgdown")),
		Create:     b("c", "crea pratica"),
		Plates:     b("t", "targhe della richiesta"),
		State:      b("e", "esito"),
		Link:       b("l", "collega"),
		Save:       b("s", "allegati in allegati/"),
		Photo:      b("f", "foto al titolare"),
		OpenPass:   b("o", "apri contrassegno"),
		OpenPerson: b("p", "anagrafica"),
	}
}

// Detail is one inbox item, pushed over the section.
type Detail struct {
	ctx    *common.Context
	keys   DetailKeys
	id     uint64
	d      service.PECDetail
	pass   *service.PassView // the linked pass, its live version
	loaded bool
	seq    int
	scroll int
	dlg    *formkit.Dialog // a form over the detail (esito, salva, collega)
	link   linkState
	w, h   int
}

type detailMsg struct {
	seq  int
	d    service.PECDetail
	pass *service.PassView
	err  error
}

// doneMsg is the answer of a dialog's use case: a refusal gives the form back, else
// the dialog closes with the notice (an error one when error is set) and the item
// reloads.
type doneMsg struct {
	err    error
	notice string
	error  bool
}

func newDetail(ctx *common.Context, id uint64) *Detail {
	return &Detail{ctx: ctx, keys: NewDetailKeys(), id: id}
}

// NewDetail opens the detail of item id (tests, and the list's enter).
func NewDetail(ctx *common.Context, id uint64) common.Page { return newDetail(ctx, id) }

func (m *Detail) Title() string {
	if m.loaded {
		return fmt.Sprintf("Messaggio PEC n. %d", m.id)
	}
	return "Messaggio PEC"
}

// Capturing: a form has the keyboard.
func (m *Detail) Capturing() bool { return m.dlg != nil }

// Editing: a form is open over the detail.
func (m *Detail) Editing() bool { return m.dlg != nil }

func (m *Detail) ShortHelp() []key.Binding {
	if m.dlg != nil {
		return m.dlg.Help()
	}
	k := m.keys
	if !m.isRequest() {
		return []key.Binding{k.State, k.Save, k.Up}
	}
	out := []key.Binding{k.Create}
	if m.hasPlates() && m.d.Item.Type != parse.TypeTarghe.String() {
		out = append(out, k.Plates)
	}
	return append(out, k.State, k.Link, k.Save, k.Photo, k.Up)
}

func (m *Detail) FullHelp() [][]key.Binding {
	k := m.keys
	return [][]key.Binding{{k.Up, k.PgUp, k.OpenPass, k.OpenPerson}, {k.Create, k.Plates, k.State, k.Link, k.Save, k.Photo}}
}

func (m *Detail) SetSize(w, h int) {
	m.w, m.h = w, h
	if m.dlg != nil {
		m.dlg.Resize(w, m.dialogHeight())
	}
}

func (m *Detail) dialogHeight() int { return max(4, m.h-4) }

// Init loads the item.
func (m *Detail) Init() tea.Cmd { return m.load() }

func (m *Detail) load() tea.Cmd {
	m.seq++
	seq, svc, a, id := m.seq, m.ctx.Svc, m.ctx.Actor, m.id
	return func() tea.Msg {
		d, err := svc.PECItem(a, id)
		if err != nil {
			return detailMsg{seq: seq, err: err}
		}
		msg := detailMsg{seq: seq, d: d}
		if d.Item.PassID != 0 {
			if v, err := livePass(svc, a, d.Item.PassID); err == nil {
				msg.pass = &v
			}
		}
		return msg
	}
}

// livePass reads a pass and, when it was renewed or duplicated since, its live version.
func livePass(svc *service.Service, a service.Actor, id uint64) (service.PassView, error) {
	v, err := svc.GetPass(a, id)
	for i := 0; err == nil && i < 50 && !v.Pass.Current() && v.Pass.NextID != 0; i++ {
		next, nerr := svc.GetPass(a, v.Pass.NextID)
		if nerr != nil {
			break
		}
		v = next
	}
	return v, err
}

// Update handles the item, the keys and the forms.
func (m *Detail) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case detailMsg:
		if msg.seq != m.seq {
			return m, nil
		}
		if msg.err != nil {
			return m, tea.Batch(common.Err(msg.err), common.Pop())
		}
		m.d, m.pass, m.loaded = msg.d, msg.pass, true
		return m, nil
	case doneMsg:
		if m.dlg == nil { // a one-key action: attachments saved, the photo taken
			if msg.err != nil {
				return m, common.Err(msg.err)
			}
			return m, tea.Batch(m.load(), func() tea.Msg { return common.NoticeMsg{Text: msg.notice, Error: msg.error} })
		}
		if msg.err != nil {
			// The item reloads too: a refusal for a version changed meanwhile is
			// answered by saving again on the one now shown.
			return m, tea.Batch(m.dlg.Refused(common.ErrorText(msg.err)), m.load())
		}
		m.dlg = nil
		return m, tea.Batch(m.load(), func() tea.Msg { return common.NoticeMsg{Text: msg.notice, Error: msg.error} })
	case linkMsg:
		return m, m.linkStep(msg)
	case common.DataChangedMsg:
		// A form keeps what was typed; the item reloads under it.
		return m, m.load()
	}
	if m.dlg != nil {
		cmd, aborted := m.dlg.Update(msg)
		if aborted {
			m.dlg = nil
		}
		return m, cmd
	}
	if k, ok := msg.(tea.KeyPressMsg); ok && m.loaded {
		return m, m.key(k)
	}
	return m, nil
}

func (m *Detail) key(msg tea.KeyPressMsg) tea.Cmd {
	k := m.keys
	switch {
	case key.Matches(msg, k.Up):
		m.scroll = max(0, m.scroll-1)
	case key.Matches(msg, k.Down):
		m.scroll++
	case key.Matches(msg, k.PgUp):
		m.scroll = max(0, m.scroll-(m.h-2))
	case key.Matches(msg, k.PgDown):
		m.scroll += m.h - 2
	case key.Matches(msg, k.Create):
		return m.create(false)
	case key.Matches(msg, k.Plates):
		return m.create(true)
	case key.Matches(msg, k.State):
		return m.open(m.stateDialog())
	case key.Matches(msg, k.Link):
		if !m.isRequest() {
			return common.Notice("Solo una richiesta si collega a una persona e a un contrassegno.")
		}
		return m.open(m.searchDialog())
	case key.Matches(msg, k.Save):
		return m.saveAttachments()
	case key.Matches(msg, k.Photo):
		return m.usePhoto()
	case key.Matches(msg, k.OpenPass):
		if m.pass == nil {
			return common.Notice("La richiesta non è collegata a un contrassegno: l per collegarla.")
		}
		id := m.pass.Pass.ID
		return func() tea.Msg { return common.OpenPassMsg{ID: id} }
	case key.Matches(msg, k.OpenPerson):
		if m.d.Person == nil {
			return common.Notice("La richiesta non è collegata a una persona: l per collegarla.")
		}
		id := m.d.Person.ID
		return func() tea.Msg { return common.OpenPersonMsg{ID: id} }
	}
	return nil
}

func (m *Detail) open(d *formkit.Dialog) tea.Cmd {
	if d == nil {
		return nil
	}
	m.dlg = d
	return d.Init()
}

func (m *Detail) isRequest() bool { return m.d.Item.Kind == parse.KindRequest.String() }

func (m *Detail) hasPlates() bool {
	return m.d.Parsed.Request != nil && len(m.d.Parsed.Request.Plates) > 0
}

// create opens the form the request asks for ("crea pratica"), pre-filled, over the
// detail: the renewal, the duplicate with its reason, the plate changes (plates: those
// of a renewal that carries plates too).
func (m *Detail) create(plates bool) tea.Cmd {
	it, q := m.d.Item, m.d.Parsed.Request
	switch {
	case !m.isRequest() || q == nil:
		return common.Notice("Questo messaggio non è una richiesta viviVeneto: non c'è una pratica da creare.")
	case it.Type == parse.TypeSportello.String():
		return common.Notice("Richiesta da gestire allo sportello (" + sportelloReason(it) + "): l'app non può farla; concordarla con il cittadino e chiuderla con e.")
	case it.State.Closed():
		return common.Notice("La richiesta è già " + it.State.Label() + ": per una nuova pratica riaprirla prima (e, in lavorazione).")
	case m.pass == nil:
		return common.Notice("Collegare prima la richiesta al contrassegno del cittadino (l).")
	case plates && !m.hasPlates():
		return common.Notice("La richiesta non indica targhe.")
	}
	req := m.request()
	var p common.Page
	switch {
	case plates || it.Type == parse.TypeTarghe.String():
		p = forms.PlatesFromRequest(m.ctx, *m.pass, req)
	case it.Type == parse.TypeRinnovo.String():
		p = forms.RenewFromRequest(m.ctx, *m.pass, req)
	case it.Type == parse.TypeDuplicato.String():
		p = forms.DuplicateFromRequest(m.ctx, *m.pass, req)
	default:
		return common.Notice("Tipo di richiesta " + it.Type + " sconosciuto: gestirla allo sportello.")
	}
	return common.Push(p)
}

// request is what the forms take of the request.
func (m *Detail) request() forms.Request {
	it, q := m.d.Item, m.d.Parsed.Request
	r := forms.Request{ID: it.ID, Version: it.Version, Ref: ref(it), CodiceFiscale: it.CodiceFiscale}
	if q.Pass != nil {
		r.Number = q.Pass.Numero
	}
	if reason, ok := domain.ParseDuplicateReason(string(q.DuplicateReason)); ok {
		r.DuplicateReason = reason
	}
	for _, p := range q.Plates {
		rp := forms.RequestPlate{Number: p.Numero, Remove: p.Operazione == parse.PlateRemove, From: p.Dal}
		if !p.AlDefault {
			rp.To = p.Al
		}
		if p.Operazione != parse.PlateAdd && p.Operazione != parse.PlateRemove {
			continue // shown in the detail: the operator handles it at the desk
		}
		r.Plates = append(r.Plates, rp)
	}
	return r
}

// ref names a request: its istanza id and date.
func ref(it store.PECItem) string {
	s := it.RequestID
	if s == "" {
		s = fmt.Sprintf("n. %d", it.ID)
	}
	if !it.Sent.IsZero() {
		s += " del " + it.Sent.In(domain.Rome).Format("02/01/2006")
	}
	return s
}

// View draws the heading and the body, scrolled, or the form open over it.
func (m *Detail) View() string {
	if !m.loaded {
		return "Caricamento…"
	}
	if m.dlg != nil {
		return m.dlg.View(m.ctx.Styles, m.w)
	}
	head := m.heading()
	body := m.body()
	avail := max(1, m.h-1)
	if m.scroll > len(body)-avail {
		m.scroll = max(0, len(body)-avail)
	}
	body = body[m.scroll:]
	if len(body) > avail {
		body = body[:avail]
		body[avail-1] = m.ctx.Styles.Muted.Render("  … ↓ per continuare")
	}
	return head + "\n" + strings.Join(body, "\n")
}
