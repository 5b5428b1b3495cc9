package server

import (
	"context"
	"fmt"
	"io"
	"sync"
	"testing"
	"time"

	uv "github.com/charmbracelet/ultraviolet"
)

// chunks of input as a client sends them; a pause after a chunk lets the escape
// timeout pass (a lone escape, or a sequence cut in the middle and then completed in
// time).
var inputChunks = []struct {
	data  string
	pause time.Duration
}{
	{"ciao", 0}, {"ò€", 0}, {"\x03", 0}, {"\x15", 0}, {"\t", 0}, {"\x1b[Z", 0}, {"\r", 0},
	{"\x1b[A\x1b[B\x1b[5~\x1b[6~", 0}, {"\x1bOP\x1bOQ\x1b[15~\x1b[24~", 0}, // arrows, pages, F-keys
	{"\x1b[[A", 0}, {"\x1b[2$", 0}, {"\x1bOa", 0}, // linux console F1, rxvt shift+insert, ctrl+up
	{"\x1ba", 0}, {"\x1bs", 0}, // alt+a, alt+s
	{"\x1b", 120 * time.Millisecond},              // esc, alone
	{"\x1b[", 10 * time.Millisecond}, {"1;5A", 0}, // ctrl+up, cut in two
	{"\x1b[97;5u", 0}, {"\x1b[1;5R", 0}, // kitty ctrl+a; modified F3 (or a cursor report)
	{"\x1b[?2026;2$y", 0}, {"\x1b[?1u", 0}, // the terminal's answers: mode report, kitty flags
	{"\x1b[200~Via Roma 1\nPADOVA\tò\x1b[201~", 0}, // a paste
	{"\x1b[200~due ", 10 * time.Millisecond}, {"pezzi\x1b[201~", 0},
	{"\x1b]11;rgb:0000/0000/0000\x07", 0},
	{"x", 120 * time.Millisecond},
}

func feed(w *io.PipeWriter) {
	for _, c := range inputChunks {
		w.Write([]byte(c.data))
		time.Sleep(max(c.pause, 2*time.Millisecond))
	}
	w.Close()
}

func collect(t *testing.T, run func(r io.Reader, send func(uv.Event))) []string {
	t.Helper()
	r, w := io.Pipe()
	var mu sync.Mutex
	var got []string
	done := make(chan struct{})
	go func() {
		defer close(done)
		run(r, func(e uv.Event) {
			mu.Lock()
			got = append(got, fmt.Sprintf("%T %#v", e, e))
			mu.Unlock()
		})
	}()
	feed(w)
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("the reader did not end with its input")
	}
	mu.Lock()
	defer mu.Unlock()
	return got
}

// TestKeysAsBubbleTea (issue 14.5): the session's key reader, without the table of
// legacy sequences, gives the program the same events as Bubble Tea's reader
// (uv.TerminalReader) for the same input, chunks and pauses: keys, alt and ctrl keys,
// F-keys, an escape alone or a sequence cut in two, pastes, the terminal's answers.
func TestKeysAsBubbleTea(t *testing.T) {
	want := collect(t, func(r io.Reader, send func(uv.Event)) {
		events := make(chan uv.Event)
		go func() {
			for e := range events {
				send(e)
			}
		}()
		uv.NewTerminalReader(r, "xterm-256color").StreamEvents(context.Background(), events)
		time.Sleep(50 * time.Millisecond) // the last events delivered
		close(events)
	})
	got := collect(t, func(r io.Reader, send func(uv.Event)) {
		new(keys).run(context.Background(), r, send)
	})
	if len(want) < 30 {
		t.Fatalf("Bubble Tea's reader gave %d events: %q", len(want), want)
	}
	for i := range max(len(got), len(want)) {
		var g, w string
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("event %d: %s\nBubble Tea's reader: %s", i, g, w)
		}
	}
}
