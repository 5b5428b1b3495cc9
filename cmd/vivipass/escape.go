package main

import (
	"fmt"
	"io"
)

// escaper is the stdout and stderr of a command (issue 12.10): the control characters
// in what it prints are written as \u001b, \u009b…, never raw, so a name or a note
// holding an escape sequence (old data, or a field of a PEC message) cannot move the
// cursor, recolour or retitle the operator's terminal, or fake other output. Line
// feeds, tabs and CRLF line ends stay as they are. The \uXXXX form keeps --json output
// valid JSON (encoding/json already escapes C0 but writes C1 raw).
type escaper struct {
	w    io.Writer
	held byte // a CR or the lead byte of a C1 character, ended by the next write
}

// escapeOutput wraps the streams of every command but the server (its own log, its
// sessions), the template (CRLF lines, no data of the register) and the desk.
func (e *env) escapeOutput(command string) {
	switch command {
	case "serve", "template-csv":
		return
	}
	e.stdout, e.stderr = &escaper{w: e.stdout}, &escaper{w: e.stderr}
}

func (x *escaper) Write(p []byte) (int, error) {
	in := p
	if x.held != 0 {
		in = append([]byte{x.held}, p...)
		x.held = 0
	}
	var out []byte // nil while nothing needs escaping
	from := 0      // in[from:i] not yet copied to out
	for i := 0; i < len(in); i++ {
		c := in[i]
		var r rune
		width := 1
		switch {
		case c == '\n' || c == '\t' || (c >= 0x20 && c < 0x7F) || (c > 0xC2):
			continue
		case (c == '\r' || c == 0xC2) && i+1 == len(in):
			// Decided by the next byte: hold it (written with the next write).
			if out == nil {
				out = make([]byte, 0, len(in)+8)
			}
			out = append(out, in[from:i]...)
			x.held, from = c, len(in)
			i = len(in)
			continue
		case c == '\r' && in[i+1] == '\n':
			continue
		case c == 0xC2:
			if in[i+1] < 0x80 || in[i+1] > 0x9F {
				continue
			}
			r, width = rune(in[i+1]), 2
		case c < 0x20 || c == 0x7F:
			r = rune(c)
		default:
			continue // the bytes of other characters
		}
		if out == nil {
			out = make([]byte, 0, len(in)+16)
		}
		out = append(out, in[from:i]...)
		out = fmt.Appendf(out, `\u%04x`, r)
		from = i + width
		i += width - 1
	}
	if out == nil {
		if len(in) != len(p) { // a held byte went first
			_, err := x.w.Write(in)
			return len(p), err
		}
		return x.w.Write(p)
	}
	out = append(out, in[from:]...)
	if _, err := x.w.Write(out); err != nil {
		return 0, err
	}
	return len(p), nil
}
