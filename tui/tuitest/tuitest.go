// Package tuitest drives Bubble Tea models in tests without a terminal: it feeds
// messages, runs the commands they return (each with a deadline, so a command that
// waits for an event or a timer is left behind instead of hanging the test) and feeds
// their messages back, a bounded number of rounds.
//
// For the tests of one page there is a Harness (the page as the root drives it, at
// 80×21) over a real register on a temp file (Register, Demo) and an operator's
// session (Session). Only tests import this package.
package tuitest

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"
)

// Update rewrites golden files: go test ./tui/... -args -update (per package).
var Update = flag.Bool("update", false, "rewrite the golden screens")

// CmdTimeout is how long a command may take before it is taken for a waiting one.
const CmdTimeout = 150 * time.Millisecond

// Send feeds msgs to m and then the messages of the commands they produce, for at
// most rounds rounds. It returns the model.
func Send(m tea.Model, msgs ...tea.Msg) tea.Model {
	queue := append([]tea.Msg{}, msgs...)
	for round := 0; round < 8 && len(queue) > 0; round++ {
		var next []tea.Msg
		for _, msg := range queue {
			var cmd tea.Cmd
			m, cmd = m.Update(msg)
			next = append(next, Run(cmd)...)
		}
		queue = next
	}
	return m
}

// Burst feeds msgs to m one after another with no command run between them, as keys
// arrive from a paste or a barcode reader faster than any answer; then runs what they
// started, the latest first (an older search answering late), and feeds it back.
func Burst(m tea.Model, msgs ...tea.Msg) tea.Model {
	var cmds []tea.Cmd
	for _, msg := range msgs {
		var cmd tea.Cmd
		m, cmd = m.Update(msg)
		cmds = append(cmds, cmd)
	}
	var answers []tea.Msg
	for i := len(cmds) - 1; i >= 0; i-- {
		answers = append(answers, Run(cmds[i])...)
	}
	return Send(m, answers...)
}

// Run runs a command (and the commands of a batch or sequence, in order) and returns
// the messages that arrive within CmdTimeout.
func Run(cmd tea.Cmd) []tea.Msg { return RunWait(cmd, CmdTimeout) }

// RunWait is Run with each command given wait to answer; with wait 0 each one takes as
// long as it takes.
func RunWait(cmd tea.Cmd, wait time.Duration) []tea.Msg {
	if cmd == nil {
		return nil
	}
	var msg tea.Msg
	if wait == 0 {
		msg = cmd()
	} else {
		ch := make(chan tea.Msg, 1)
		go func() { ch <- cmd() }()
		select {
		case msg = <-ch:
		case <-time.After(wait):
			return nil // a command waiting for an event or a timer
		}
	}
	if msg == nil {
		return nil
	}
	if cmds, ok := group(msg); ok { // a Batch or a Sequence: the messages in order
		var out []tea.Msg
		for _, c := range cmds {
			out = append(out, RunWait(c, wait)...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// Idle feeds m the messages msgs, then runs the commands they (and cmd) return as the
// program would, feeding m every message that comes at once (within CmdTimeout of the
// previous one). When nothing more comes at once the desk is idle: Idle waits up to
// wait for the commands still running and returns the messages they produce. On a desk
// where nothing changes there are none: a blinking cursor, a spinner or a clock would
// send one (and the program would draw the screen again).
func Idle(m tea.Model, cmd tea.Cmd, wait time.Duration, msgs ...tea.Msg) []tea.Msg {
	out := make(chan tea.Msg, 256)
	start := func(c tea.Cmd) { runAsync(c, out) }
	start(cmd)
	for _, msg := range msgs {
		var c tea.Cmd
		m, c = m.Update(msg)
		start(c)
	}
	for settled := false; !settled; {
		select {
		case msg := <-out:
			var c tea.Cmd
			m, c = m.Update(msg)
			start(c)
		case <-time.After(CmdTimeout):
			settled = true
		}
	}
	var late []tea.Msg
	deadline := time.After(wait)
	for {
		select {
		case msg := <-out:
			late = append(late, msg)
		case <-deadline:
			return late
		}
	}
}

var cmdType = reflect.TypeOf(tea.Cmd(nil))

// runAsync runs cmd in its own goroutine and sends its messages to out: the commands
// of a Batch concurrently, those of a Sequence in order.
func runAsync(cmd tea.Cmd, out chan<- tea.Msg) {
	if cmd == nil {
		return
	}
	go func() { deliver(cmd(), out) }()
}

func deliver(msg tea.Msg, out chan<- tea.Msg) {
	if msg == nil {
		return
	}
	if cmds, ok := group(msg); ok {
		if _, batch := msg.(tea.BatchMsg); batch {
			for _, c := range cmds {
				runAsync(c, out)
			}
			return
		}
		for _, c := range cmds {
			if c != nil {
				deliver(c(), out)
			}
		}
		return
	}
	out <- msg
}

// group returns the commands of a Batch or a Sequence (whose type is unexported: a
// slice of commands).
func group(msg tea.Msg) ([]tea.Cmd, bool) {
	v := reflect.ValueOf(msg)
	if v.Kind() != reflect.Slice || v.Type().Elem() != cmdType {
		return nil, false
	}
	cmds := make([]tea.Cmd, v.Len())
	for i := range cmds {
		cmds[i], _ = v.Index(i).Interface().(tea.Cmd)
	}
	return cmds, true
}

// namedKeys are the keys Key knows by name.
var namedKeys = map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab, "up": tea.KeyUp,
	"down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown,
	"backspace": tea.KeyBackspace, "end": tea.KeyEnd, "home": tea.KeyHome, "space": tea.KeySpace,
	"f1": tea.KeyF1, "f2": tea.KeyF2, "f3": tea.KeyF3, "f4": tea.KeyF4, "f5": tea.KeyF5, "f6": tea.KeyF6,
	"f7": tea.KeyF7, "f8": tea.KeyF8, "f9": tea.KeyF9, "f10": tea.KeyF10, "f11": tea.KeyF11, "f12": tea.KeyF12}

// Key is a key press as the terminal sends it: a name ("enter", "f2", "pgdown"), one
// character ("s", " "), either after modifiers ("ctrl+u", "shift+tab", "alt+5"). A
// name it does not know, or a press that does not read back as k, is a mistake in the
// test: it panics.
func Key(k string) tea.KeyPressMsg {
	if k == " " {
		return tea.KeyPressMsg{Code: tea.KeySpace, Text: " "}
	}
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
	if code, ok := namedKeys[rest]; ok {
		msg.Code = code
	} else if r := []rune(rest); len(r) == 1 {
		msg.Code = r[0]
		if msg.Mod == 0 {
			msg.Text = rest
		}
	} else {
		panic(fmt.Sprintf("tuitest.Key(%q): unknown key", k))
	}
	if msg.String() != k {
		panic(fmt.Sprintf("tuitest.Key(%q): built as %q", k, msg.String()))
	}
	return msg
}

// Type is one key press per rune of s.
func Type(s string) []tea.Msg {
	var out []tea.Msg
	for _, r := range s {
		out = append(out, tea.KeyPressMsg{Code: r, Text: string(r)})
	}
	return out
}

// Screen is the model's view with escape sequences removed.
func Screen(m tea.Model) string { return ansi.Strip(m.View().Content) }

// Golden compares a screen with testdata/<name>.golden (rewritten with -update).
func Golden(t *testing.T, name, screen string) {
	t.Helper()
	// A golden screen shows no cut word (issue 11.8): text wraps, a table names its
	// overflow ("+1"), the help line takes whole keys.
	for i, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, "…") {
			t.Errorf("screen %s, line %d is cut: %q", name, i+1, l)
		}
	}
	path := filepath.Join("testdata", name+".golden")
	if *Update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(screen), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("golden screen %s missing: run go test with -args -update once and review it: %v", path, err)
	}
	if string(want) != screen {
		t.Errorf("screen %s differs from the golden one:\n--- got:\n%s\n--- want:\n%s", name, screen, want)
	}
}
