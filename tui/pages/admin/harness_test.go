package admin_test

import (
	"path/filepath"
	"reflect"
	"runtime"
	"strings"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
	"vivipass/tui/common"
	"vivipass/tui/styles"
)

// today is the service clock of every test.
var today = domain.MustDate(2025, time.June, 10)

// harness drives one page of one session over a real register (a temp bbolt file with
// the demo data), the way the root does: messages in, commands run, their messages fed
// back, for a bounded number of rounds.
type harness struct {
	t       *testing.T
	svc     *service.Service
	ctx     *common.Context
	page    common.Page
	notices []common.NoticeMsg
	opened  []uint64 // OpenPassMsg
}

func newService(t *testing.T, demo bool) *service.Service {
	t.Helper()
	db, err := store.Open(filepath.Join(t.TempDir(), "vivipass.db"), store.Options{})
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	at := time.Date(today.Year(), today.Month(), today.Day(), 10, 30, 0, 0, domain.Rome)
	svc := service.New(db, service.WithClock(func() time.Time { return at }))
	if demo {
		if _, err := svc.LoadDemo(service.SystemActor("")); err != nil {
			t.Fatalf("LoadDemo: %v", err)
		}
	}
	return svc
}

// session is the context of the demo operator name, 80×24 (the page gets 80×21).
func session(t *testing.T, svc *service.Service, name string) *common.Context {
	t.Helper()
	ops, err := svc.Operators(service.SystemActor(""))
	if err != nil {
		t.Fatal(err)
	}
	for _, op := range ops {
		if op.Name == name {
			return &common.Context{Svc: svc, Operator: op, Actor: service.OperatorActor(op), Styles: styles.New(true), Width: 80, Height: 24}
		}
	}
	t.Fatalf("operator %s not in the demo", name)
	return nil
}

func newHarness(t *testing.T, ctx *common.Context, page common.Page) *harness {
	h := &harness{t: t, svc: ctx.Svc, ctx: ctx, page: page}
	page.SetSize(80, 21)
	h.run(page.Init())
	return h
}

// send delivers a message and runs what follows.
func (h *harness) send(msg tea.Msg) {
	h.t.Helper()
	h.run(h.deliver(msg))
}

func (h *harness) deliver(msg tea.Msg) tea.Cmd {
	switch m := msg.(type) {
	case common.NoticeMsg:
		h.notices = append(h.notices, m)
		return nil
	case common.OpenPassMsg:
		h.opened = append(h.opened, m.ID)
		return nil
	}
	p, cmd := h.page.Update(msg)
	h.page = p
	return cmd
}

// run executes commands and feeds their messages back, at most 30 rounds: never until
// nil (a blinking cursor re-arms itself forever). Timers (cursor blinks) are not run.
func (h *harness) run(cmd tea.Cmd) {
	queue := []tea.Cmd{cmd}
	for round := 0; round < 30 && len(queue) > 0; round++ {
		var msgs []tea.Msg
		for _, c := range queue {
			msgs = append(msgs, exec(c)...)
		}
		queue = nil
		for _, m := range msgs {
			if c := h.deliver(m); c != nil {
				queue = append(queue, c)
			}
		}
	}
}

var cmdType = reflect.TypeOf(tea.Cmd(nil))

func exec(c tea.Cmd) []tea.Msg {
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
	// Batch and Sequence carry commands (Sequence's type is unexported).
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == cmdType {
		var out []tea.Msg
		for i := 0; i < v.Len(); i++ {
			out = append(out, exec(v.Index(i).Interface().(tea.Cmd))...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// press presses a binding (its first key).
func (h *harness) press(b key.Binding) {
	h.t.Helper()
	if len(b.Keys()) == 0 {
		h.t.Fatalf("binding %q has no keys", b.Help().Desc)
	}
	h.send(keyPress(h.t, b.Keys()[0]))
}

// typeText types text one key at a time.
func (h *harness) typeText(s string) {
	h.t.Helper()
	for _, r := range s {
		h.send(keyPress(h.t, string(r)))
	}
}

// clear empties the focused field (ctrl+u deletes to the start of the line).
func (h *harness) clear() {
	h.t.Helper()
	h.send(keyPress(h.t, "end"))
	h.send(keyPress(h.t, "ctrl+u"))
}

func keyPress(t *testing.T, k string) tea.KeyPressMsg {
	t.Helper()
	named := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp,
		"down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
		"backspace": tea.KeyBackspace, "end": tea.KeyEnd, "home": tea.KeyHome, "space": tea.KeySpace,
		"f1": tea.KeyF1, "f2": tea.KeyF2, "f3": tea.KeyF3, "f4": tea.KeyF4}
	var msg tea.KeyPressMsg
	rest := k
	for {
		if r, ok := strings.CutPrefix(rest, "ctrl+"); ok && len(r) > 0 {
			msg.Mod |= tea.ModCtrl
			rest = r
			continue
		}
		if r, ok := strings.CutPrefix(rest, "shift+"); ok && len(r) > 0 {
			msg.Mod |= tea.ModShift
			rest = r
			continue
		}
		if r, ok := strings.CutPrefix(rest, "alt+"); ok && len(r) > 0 {
			msg.Mod |= tea.ModAlt
			rest = r
			continue
		}
		break
	}
	if k == " " {
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
	if code, ok := named[rest]; ok {
		msg.Code = code
	} else if r := []rune(rest); len(r) == 1 {
		msg.Code = r[0]
		if msg.Mod == 0 {
			msg.Text = rest
		}
	} else {
		t.Fatalf("key %q: unknown", k)
	}
	if msg.String() != k {
		t.Fatalf("key %q built as %q", k, msg.String())
	}
	return msg
}

// view is the page as the operator reads it (no escapes).
func (h *harness) view() string { return ansi.Strip(h.page.View()) }

// wantView checks the page shows each part; runs of spaces and line breaks count as
// one space (a message may wrap, inside a form too).
func (h *harness) wantView(what string, parts ...string) {
	h.t.Helper()
	v := h.view()
	flat := strings.Join(strings.Fields(strings.ReplaceAll(v, "┃", " ")), " ") // the bar marks the form's focus
	for _, p := range parts {
		if !strings.Contains(flat, strings.Join(strings.Fields(p), " ")) {
			h.t.Errorf("%s: the page does not show %q:\n%s", what, p, v)
		}
	}
}

// fits checks the page fits its 80×21 area.
func (h *harness) fits(what string) {
	h.t.Helper()
	lines := strings.Split(h.view(), "\n")
	if len(lines) > 21 {
		h.t.Errorf("%s: %d lines, the page has 21:\n%s", what, len(lines), h.view())
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			h.t.Errorf("%s: line %d is %d cells wide: %q", what, i+1, w, l)
		}
	}
}

func (h *harness) lastNotice() common.NoticeMsg {
	if len(h.notices) == 0 {
		return common.NoticeMsg{}
	}
	return h.notices[len(h.notices)-1]
}
