// Package print is the desk's printing (issue 4): from a pass, Stampa (the card in a
// mode, on a CUPS queue or into a PDF file on the server, after a preview of the card
// drawn in the terminal with its field boxes) and Moduli (a template filled for the
// pass); from Home, the reminder letters of every pass expiring within N days in one
// PDF; from Amministrazione, Gestione moduli (templates written in a text area with a
// palette of tags, checked while typing, saved with a version check, exported and
// imported as files on the server) and Stampanti (calibration offsets, duplex, the
// calibration page, the printer of each operator and of the comune).
//
// Every page here is pushed over the section it was opened from, so the answers of its
// commands come back to it wherever the operator is meanwhile (see tui/doc.go). The
// forms are the form kit's (tui/components/formkit); the editor's text area and fields
// have a steady cursor. Deliver waits for the end of the CUPS job: it runs in a
// tea.Cmd, the page says what it is waiting for, and then shows the outcome (the job,
// or CUPS's error in Italian) until the operator closes it.
package print
