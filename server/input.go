package server

import (
	"context"
	"io"
	"reflect"
	"strings"
	"time"
	"unicode/utf8"

	uv "github.com/charmbracelet/ultraviolet"
	"github.com/charmbracelet/x/ansi"
)

// keys reads a session's input and sends its keys, pastes and the terminal's answers
// to the program (issue 14.5). Bubble Tea's own reader (uv.TerminalReader) builds a
// table of 1,320 legacy key sequences for every program, 136 KB a session, which its
// decoder reads the same without (the only sequences it tells apart, modified F3 as
// CSI 1;m R, it also reports as a cursor position, which the desk ignores). This is
// that reader's loop without the table: the same decoder (uv.EventDecoder), the same
// wait for the rest of an escape sequence (uv.DefaultEscTimeout), bracketed pastes
// gathered into one event.
type keys struct {
	dec   uv.EventDecoder
	paste []byte // inside a bracketed paste: what it holds so far; nil outside
}

// ignored is the decoder's type for sequences it consumes and drops.
const ignored = "ignoredEvent"

// scan decodes the events at the start of buf; n is the bytes used. Unless expired, an
// escape sequence that may be incomplete waits for more input.
func (k *keys) scan(buf []byte, expired bool) (n int, events []uv.Event) {
	for len(buf) > 0 {
		esc := buf[0] == ansi.ESC
		m, event := k.dec.Decode(buf)
		if k.paste != nil {
			if _, end := event.(uv.PasteEndEvent); !end {
				switch event := event.(type) {
				case uv.KeyPressEvent:
					if len(event.Text) > 0 {
						k.paste = append(k.paste, event.Text...)
					} else {
						if esc && m <= 2 && !expired {
							return n, events
						}
						k.paste = append(k.paste, buf[:m]...)
					}
				case uv.UnknownEvent:
					if !expired {
						return n, events
					}
				}
				buf, n = buf[m:], n+m
				continue
			}
		}
		unknown := false
		switch event.(type) {
		case uv.UnknownEvent:
			if !expired {
				return n, events
			}
			unknown = true
			events = append(events, event)
		case uv.PasteStartEvent:
			k.paste = []byte{}
		case uv.PasteEndEvent:
			var text strings.Builder
			for p := k.paste; len(p) > 0; {
				r, w := utf8.DecodeRune(p)
				if r != utf8.RuneError {
					text.WriteRune(r)
				}
				p = p[w:]
			}
			k.paste = nil
			events = append(events, uv.PasteEvent{Content: text.String()})
		}
		if event != nil && reflect.TypeOf(event).Name() == ignored {
			event = nil
		}
		if !unknown && event != nil { // the start and end of a paste too, as Bubble Tea's
			if esc && m <= 2 && !expired {
				return n, events // an escape, or the start of a sequence
			}
			if multi, ok := event.(uv.MultiEvent); ok {
				for _, e := range multi {
					// CSI 1;m R is a modified F3 or a cursor position; the desk never
					// asks for the cursor's position (Bubble Tea's table says F3).
					if _, cursor := e.(uv.CursorPositionEvent); !cursor {
						events = append(events, e)
					}
				}
			} else {
				events = append(events, event)
			}
		}
		buf, n = buf[m:], n+m
	}
	return n, events
}

// run reads r until it fails or ctx ends, and sends every event.
func (k *keys) run(ctx context.Context, r io.Reader, send func(uv.Event)) {
	reads := make(chan []byte)
	go func() {
		defer close(reads)
		var chunk [1024]byte
		for {
			n, err := r.Read(chunk[:])
			if n > 0 {
				select {
				case reads <- append([]byte(nil), chunk[:n]...):
				case <-ctx.Done():
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	var buf []byte
	timer := time.NewTimer(uv.DefaultEscTimeout)
	timer.Stop()
	defer timer.Stop()
	flush := func(expired bool) {
		n, events := k.scan(buf, expired)
		buf = append(buf[:0], buf[n:]...)
		for _, e := range events {
			send(e)
		}
		timer.Stop()
		if len(buf) > 0 {
			timer.Reset(uv.DefaultEscTimeout)
		}
	}
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C: // what is left is all there is: a lone escape, or a cut sequence
			flush(true)
		case data, ok := <-reads:
			if !ok {
				flush(true)
				return
			}
			buf = append(buf, data...)
			flush(false)
		}
	}
}
