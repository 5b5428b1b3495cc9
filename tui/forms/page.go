package forms

import (
	"errors"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/huh/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// maxFormWidth keeps fields readable on wide terminals.
const maxFormWidth = 100

type pageState int

const (
	stateLoading pageState = iota
	stateEditing
	stateSaving
	stateBroken // the load failed: only esc is left
)

// result is what a submit (or load) Cmd hands back to Update.
type result struct {
	// closeWith closes the form with this notice (success).
	close  bool
	notice string
	open   uint64 // then open this pass
	// err is a refusal: the form stays open with the values typed.
	err error
	// then runs in Update before the form is rebuilt: the next step of a form, or data
	// reloaded after a refusal. It is the only way a Cmd changes the model.
	then func()
}

// doneMsg carries a result to the page that asked for it.
type doneMsg struct {
	p   *Page
	res result
}

// Page is one form on the desk: a huh.Form with a heading, the live checks, and the
// call to the service when it completes.
type Page struct {
	ctx   *common.Context
	title string
	form  *formkit.Form
	state pageState
	err   string // the last refusal, shown above the form
	info  string // a neutral message above the form (a step not confirmed…)
	// passID is the pass the form acts on (0 for a new one): a change to it by another
	// session is announced while the operator types.
	passID  uint64
	changed bool
	// blocked: the form cannot be used at all (the pass's state forbids the action).
	blocked error
	// submitHelp is what enter on the last field does ("salva" when empty).
	submitHelp string
	w, h       int

	// Hooks (see doc.go).
	load   func() result
	build  func() *huh.Form
	submit func() tea.Cmd
	// onChange reports whether it changed a field's value (the form then redraws).
	onChange func() bool
	header   func() []string
	live     func() []string
	// resume is the field a rebuilt form moves to (the group that was submitted);
	// nil = the first one.
	resume func() huh.Field
}

func newPage(ctx *common.Context, title string) *Page {
	return &Page{ctx: ctx, title: title}
}

// Title is the form's name.
func (p *Page) Title() string { return p.title }

// Capturing: a form always has the keyboard (text fields, and esc is its own).
func (p *Page) Capturing() bool { return true }

// Editing: the form is being filled in, or saving; the root never drops it to show
// another page (a section's key comes back to it).
func (p *Page) Editing() bool { return p.state == stateEditing || p.state == stateSaving }

// ShortHelp is the focused field's keys, in Italian.
func (p *Page) ShortHelp() []key.Binding {
	if p.state != stateEditing || p.form == nil {
		return nil
	}
	return p.form.Help()
}

// FullHelp is the short help in one column.
func (p *Page) FullHelp() [][]key.Binding { return [][]key.Binding{p.ShortHelp()} }

// SetSize sizes the page and the form.
func (p *Page) SetSize(w, h int) {
	p.w, p.h = w, h
	p.layout()
}

// Init loads what the form needs, or builds it at once.
func (p *Page) Init() tea.Cmd {
	if p.blocked != nil {
		p.state, p.err = stateBroken, errorText(p.blocked)
		return nil
	}
	if p.load == nil {
		return p.open(false)
	}
	p.state = stateLoading
	load := p.load
	return func() tea.Msg { return doneMsg{p: p, res: load()} }
}

// open (re)builds the form over the current values and, when resuming, moves to the
// group that was submitted.
func (p *Page) open(resume bool) tea.Cmd {
	p.state = stateEditing
	p.form = formkit.New(p.build(), p.ctx.Styles.Plain, p.submitHelp)
	cmds := []tea.Cmd{p.form.Init()}
	if resume && p.resume != nil {
		if target := p.resume(); target != nil {
			for i := 0; i < 8 && p.form.GetFocusedField() != target && p.form.State() == huh.StateNormal; i++ {
				cmds = append(cmds, p.form.NextGroup())
			}
		}
	}
	p.changeHook()
	p.layout()
	return tea.Batch(cmds...)
}

// layout gives the form the room the heading and the live lines leave. The form only
// learns its size from a WindowSizeMsg (the root keeps those for itself); it then
// sizes every group to the tallest one, capped at the room given.
func (p *Page) layout() {
	if p.form == nil || p.form.State() != huh.StateNormal || p.w == 0 {
		return
	}
	// The title, a blank line, the heading, the live lines, and two lines for the
	// errors huh shows under the group.
	used := 1 + 1 + len(p.topLines()) + len(p.bottomLines()) + 2
	w := min(p.w, maxFormWidth)
	p.form.Update(tea.WindowSizeMsg{Width: w, Height: max(4, p.h-used)})
}

// Update feeds the form and acts on its state.
func (p *Page) Update(msg tea.Msg) (common.Page, tea.Cmd) {
	switch msg := msg.(type) {
	case doneMsg:
		if msg.p != p {
			return p, nil
		}
		return p, p.done(msg.res)
	case common.DataChangedMsg:
		if pc, ok := msg.Event.(service.PassChanged); ok && p.passID != 0 && pc.PassID == p.passID && p.state == stateEditing {
			p.changed = true
			p.layout()
		}
		return p, nil
	case tea.KeyPressMsg:
		if p.state == stateLoading || p.state == stateBroken {
			if msg.String() == "esc" {
				return p, pop("")
			}
			return p, nil
		}
	}
	if p.state != stateEditing || p.form == nil {
		return p, nil
	}
	state, cmd := p.form.Update(msg)
	switch state {
	case huh.StateAborted:
		return p, pop("")
	case huh.StateCompleted:
		p.state, p.err, p.info = stateSaving, "", ""
		return p, p.submit()
	}
	p.changeHook()
	if _, ok := msg.(tea.KeyPressMsg); ok {
		p.layout()
	}
	return p, cmd
}

// refreshMsg makes the form redraw its fields after the page changed a value (huh
// draws a group only when the group updates).
type refreshMsg struct{}

func (p *Page) changeHook() {
	if p.onChange != nil && p.onChange() {
		p.form.Update(refreshMsg{})
	}
}

// done applies a load or submit result.
func (p *Page) done(r result) tea.Cmd {
	if r.close && r.err == nil {
		cmds := []tea.Cmd{pop(r.notice)}
		if r.open != 0 {
			id := r.open
			cmds = append(cmds, func() tea.Msg { return common.OpenPassMsg{ID: id} })
		}
		// In order: the pass opens over the page below the form, not under the form.
		return tea.Sequence(cmds...)
	}
	if r.then != nil {
		r.then()
	}
	p.err = ""
	if r.err != nil {
		p.err = errorText(r.err)
	}
	if p.state == stateLoading && r.err != nil {
		p.state = stateBroken
		return nil
	}
	var stale *service.StaleError
	if errors.As(r.err, &stale) {
		p.changed = false // said by the error itself
	}
	return p.open(r.err != nil)
}

// pop closes the form with a notice.
func pop(notice string) tea.Cmd {
	return func() tea.Msg { return common.PopMsg{Notice: notice} }
}

// errorText is a refusal as the operator reads it (after "Errore:", in lower case
// like the validators' messages).
func errorText(err error) string { return common.ErrorText(err) }

// mark styles the "Attenzione:" of a warning line (a word, and colour where there is).
func (p *Page) mark(l string) string {
	if rest, ok := strings.CutPrefix(l, "Attenzione: "); ok {
		return p.ctx.Styles.Warning.Render("Attenzione:") + " " + rest
	}
	return l
}

func (p *Page) topLines() []string {
	st := p.ctx.Styles
	w := max(20, p.w)
	var lines []string
	if p.header != nil {
		for _, l := range p.header() {
			lines = append(lines, wrapLines(p.mark(l), w)...)
		}
	}
	if p.changed {
		lines = append(lines, wrapLines(st.Warning.Render("Attenzione: ")+
			"il contrassegno è stato modificato da un'altra sessione mentre compilavi: il salvataggio sarà rifiutato.", w)...)
	}
	if p.err != "" {
		lines = append(lines, wrapLines(st.Error.Render("Errore: ")+p.err, w)...)
	}
	if p.info != "" {
		lines = append(lines, wrapLines(p.info, w)...)
	}
	return lines
}

func (p *Page) bottomLines() []string {
	if p.live == nil || p.state != stateEditing {
		return nil
	}
	var lines []string
	for _, l := range p.live() {
		lines = append(lines, wrapLines(p.mark(l), max(20, p.w))...)
	}
	return lines
}

// View draws the title, the heading, the form and the live lines.
func (p *Page) View() string {
	st := p.ctx.Styles
	parts := []string{st.Title.Render(p.title)}
	parts = append(parts, p.topLines()...)
	switch p.state {
	case stateLoading:
		parts = append(parts, "", "Caricamento…")
	case stateSaving:
		parts = append(parts, "", "Salvataggio in corso…")
	case stateBroken:
		parts = append(parts, "", st.Muted.Render("esc per tornare indietro"))
	case stateEditing:
		parts = append(parts, "", compact(p.form.View()))
		if b := p.bottomLines(); len(b) > 0 {
			parts = append(parts, b...)
		}
	}
	return strings.Join(parts, "\n")
}

// compact drops the blank lines huh pads a group with (every group is as tall as the
// tallest), keeping one before the errors, so the live lines follow the fields.
func compact(view string) string {
	var out []string
	blank := false
	for _, l := range strings.Split(view, "\n") {
		if strings.TrimSpace(ansi.Strip(l)) == "" {
			blank = true
			continue
		}
		if blank && len(out) > 0 {
			out = append(out, "")
		}
		blank = false
		out = append(out, l)
	}
	return strings.Join(out, "\n")
}

// wrapLines wraps s (which may hold styles) to w cells; a bullet ("  • …") keeps its
// continuation lines under its text.
func wrapLines(s string, w int) []string {
	if rest, ok := strings.CutPrefix(s, "  • "); ok {
		lines := strings.Split(ansi.Wrap(rest, w-4, " "), "\n")
		for i := range lines {
			if i == 0 {
				lines[i] = "  • " + lines[i]
			} else {
				lines[i] = "    " + lines[i]
			}
		}
		return lines
	}
	return strings.Split(ansi.Wrap(s, w, " "), "\n")
}
