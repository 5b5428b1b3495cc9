package server_test

import (
	"testing"

	"vivipass/server"
	"vivipass/server/sshtest"
)

// TestKeysOverSSH (issue 14.5): with the session's own key reader and frames, typed
// text, ctrl and alt keys, tab and enter, and an escape alone reach the desk over SSH.
func TestKeysOverSSH(t *testing.T) {
	f := newFixture(t, server.Config{})
	term := f.connect("mario", sshtest.Options{})
	must(t, term.Send(sshtest.F2))
	must(t, term.WaitFor(wait, "Cerca:", "trovati"))
	must(t, term.Send("ro", "ssi"))
	must(t, term.WaitFor(wait, "Cerca: rossi"))
	must(t, term.Send("\x15", "\x1bs")) // ctrl+u, alt+s: the state filter
	must(t, term.WaitFor(wait, "stato: attivo"))
	must(t, term.Send(sshtest.Tab, "\r"))
	must(t, term.WaitFor(wait, "[Dati]"))
	must(t, term.Send("\x1b")) // esc, alone: back to the table
	must(t, term.WaitFor(wait, "Cerca:", "stato: attivo"))
}
