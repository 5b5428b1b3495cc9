package tuitest

import (
	"reflect"
	"runtime"
	"strings"
	"testing"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/service"
	"vivipass/tui/common"
)

// Harness drives one page of one session the way the root does: messages in, commands
// run, their messages fed back, for a bounded number of rounds. The messages for the
// root that a page test looks at are kept: notices and the passes asked to be opened.
type Harness struct {
	t       *testing.T
	Svc     *service.Service
	Ctx     *common.Context
	Page    common.Page
	Notices []common.NoticeMsg
	Opened  []uint64 // OpenPassMsg
}

// NewHarness gives page the 80×21 the root leaves it at 80×24 and runs its Init.
func NewHarness(t *testing.T, ctx *common.Context, page common.Page) *Harness {
	h := &Harness{t: t, Svc: ctx.Svc, Ctx: ctx, Page: page}
	page.SetSize(80, 21)
	h.Run(page.Init())
	return h
}

// Send delivers a message and runs what follows.
func (h *Harness) Send(msg tea.Msg) {
	h.t.Helper()
	h.Run(h.Deliver(msg))
}

// Deliver hands one message to the page (or keeps it, if it is for the root) and
// returns the page's command without running it.
func (h *Harness) Deliver(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case common.NoticeMsg:
		h.Notices = append(h.Notices, m)
		return nil
	case common.OpenPassMsg:
		h.Opened = append(h.Opened, m.ID)
		return nil
	}
	p, cmd := h.Page.Update(msg)
	h.Page = p
	return cmd
}

// Run executes commands and feeds their messages back, at most 30 rounds: never until
// nil (a blinking cursor re-arms itself forever). Timers (cursor blinks) are not run.
func (h *Harness) Run(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for round := 0; round < 30 && len(queue) > 0; round++ {
		var msgs []tea.Msg
		for _, c := range queue {
			msgs = append(msgs, runSkippingBlinks(c)...)
		}
		queue = nil
		for _, m := range msgs {
			if c := h.Deliver(m); c != nil {
				queue = append(queue, c)
			}
		}
	}
}

// runSkippingBlinks runs c (each command of a Batch or a Sequence, in order) as long as
// it takes, except a cursor's blink: a timer, never run.
func runSkippingBlinks(c tea.Cmd) []tea.Msg {
	if c == nil {
		return nil
	}
	if name := runtime.FuncForPC(reflect.ValueOf(c).Pointer()).Name(); strings.Contains(name, "bubbles/v2/cursor.") {
		return nil // a blink: a timer
	}
	msg := c()
	if msg == nil {
		return nil
	}
	if cmds, ok := group(msg); ok {
		var out []tea.Msg
		for _, c := range cmds {
			out = append(out, runSkippingBlinks(c)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// Press presses a binding (its first key).
func (h *Harness) Press(b key.Binding) {
	h.t.Helper()
	if len(b.Keys()) == 0 {
		h.t.Fatalf("binding %q has no keys", b.Help().Desc)
	}
	h.Send(Key(b.Keys()[0]))
}

// Type types text one key at a time.
func (h *Harness) Type(s string) {
	h.t.Helper()
	for _, r := range s {
		h.Send(Key(string(r)))
	}
}

// Clear empties the focused field (ctrl+u deletes to the start of the line).
func (h *Harness) Clear() {
	h.t.Helper()
	h.Send(Key("end"))
	h.Send(Key("ctrl+u"))
}

// View is the page as the operator reads it (no escapes).
func (h *Harness) View() string { return ansi.Strip(h.Page.View()) }

// WantView checks the page shows each part; runs of spaces and line breaks count as
// one space (a message may wrap, inside a form too).
func (h *Harness) WantView(what string, parts ...string) {
	h.t.Helper()
	v := h.View()
	flat := strings.Join(strings.Fields(strings.ReplaceAll(v, "┃", " ")), " ") // the bar marks the form's focus
	for _, p := range parts {
		if !strings.Contains(flat, strings.Join(strings.Fields(p), " ")) {
			h.t.Errorf("%s: the page does not show %q:\n%s", what, p, v)
		}
	}
}

// Fits checks the page fits its 80×21 area.
func (h *Harness) Fits(what string) {
	h.t.Helper()
	lines := strings.Split(h.View(), "\n")
	if len(lines) > 21 {
		h.t.Errorf("%s: %d lines, the page has 21:\n%s", what, len(lines), h.View())
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			h.t.Errorf("%s: line %d is %d cells wide: %q", what, i+1, w, l)
		}
	}
}

// LastNotice is the last notice the page sent (none: the zero one).
func (h *Harness) LastNotice() common.NoticeMsg {
	if len(h.Notices) == 0 {
		return common.NoticeMsg{}
	}
	return h.Notices[len(h.Notices)-1]
}
