// Package tuitest drives Bubble Tea models in tests without a terminal: it feeds
// messages, runs the commands they return (each with a deadline, so a command that
// waits for an event or a timer is left behind instead of hanging the test) and feeds
// their messages back, a bounded number of rounds.
package tuitest

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"reflect"
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

// Run runs a command (and the commands of a batch or sequence, in order) and returns
// the messages that arrive within CmdTimeout.
func Run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), CmdTimeout)
	defer cancel()
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-ctx.Done():
		return nil // a command waiting for an event or a timer
	}
	if msg == nil {
		return nil
	}
	if cmds, ok := group(msg); ok { // a Batch or a Sequence: the messages in order
		var out []tea.Msg
		for _, c := range cmds {
			out = append(out, Run(c)...)
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

// Key is a key press as the terminal sends it: "enter", "f2", "ctrl+n", or text.
func Key(k string) tea.KeyPressMsg {
	switch k {
	case "enter":
		return tea.KeyPressMsg{Code: tea.KeyEnter}
	case "esc":
		return tea.KeyPressMsg{Code: tea.KeyEscape}
	case "tab":
		return tea.KeyPressMsg{Code: tea.KeyTab}
	case "up":
		return tea.KeyPressMsg{Code: tea.KeyUp}
	case "down":
		return tea.KeyPressMsg{Code: tea.KeyDown}
	case "backspace":
		return tea.KeyPressMsg{Code: tea.KeyBackspace}
	case "f1", "f2", "f3", "f4", "f5", "f6", "f7", "f8", "f9":
		return tea.KeyPressMsg{Code: tea.KeyF1 + rune(k[1]-'1')}
	case "ctrl+c":
		return tea.KeyPressMsg{Code: 'c', Mod: tea.ModCtrl}
	case "ctrl+n":
		return tea.KeyPressMsg{Code: 'n', Mod: tea.ModCtrl}
	}
	r := []rune(k)
	return tea.KeyPressMsg{Code: r[0], Text: k}
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
