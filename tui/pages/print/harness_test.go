package print_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui"
	"vivipass/tui/common"
	"vivipass/tui/keys"
	"vivipass/tui/pages/admin"
	"vivipass/tui/pages/pass"
	"vivipass/tui/pages/people"
	"vivipass/tui/pages/print"
	"vivipass/tui/tuitest"
)

// fixedNow is the service clock of every test (the demo data depend on it).
var fixedNow = time.Date(2026, 11, 26, 10, 0, 0, 0, domain.Rome)

// desk is one session as cmd/vivipass wires the printing (the scheda's Stampa and
// Moduli, Home's reminders, Amministrazione's entries), 80×24, driven through the root:
// the answers of the commands reach the page that asked, as in the program.
type desk struct {
	t      *testing.T
	svc    *service.Service
	m      *tui.Model
	a      service.Actor
	stampe string // the comune's stampe/ folder, where PDF files go
}

func newDesk(t *testing.T, svc *service.Service, name string) *desk {
	t.Helper()
	op := tuitest.Operator(t, svc, name)
	g := keys.NewGlobal()
	m := tui.New(tui.Options{Svc: svc, Operator: op, Plain: true, Files: tuitest.Files(t),
		Forms: pass.Forms{Print: print.NewCard, Modules: print.NewModules},
		Sections: []tui.Section{
			{Name: "Anagrafica", Key: g.People, New: func(c *common.Context) common.Page { return people.New(c) }},
			{Name: "Amministrazione", Key: g.Admin, AdminOnly: true, New: func(c *common.Context) common.Page { return admin.New(c) }},
		}})
	t.Cleanup(m.Close)
	folder, err := tuitest.Files(t).Comune(op.Comune)
	if err != nil {
		t.Fatal(err)
	}
	d := &desk{t: t, svc: svc, m: m, a: service.OperatorActor(op), stampe: filepath.Join(folder.Path(), "stampe")}
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.keys("f1")
	return d
}

// send feeds messages and the messages of the commands they produce (a print to CUPS
// included: its command waits for the job), for a bounded number of rounds.
func (d *desk) send(msgs ...tea.Msg) { d.sendWait(90*time.Second, msgs...) }

// sendWait is send with commands left behind after wait (the root's wait for the next
// event, re-armed after each one).
func (d *desk) sendWait(wait time.Duration, msgs ...tea.Msg) {
	d.t.Helper()
	queue := msgs
	for round := 0; round < 20 && len(queue) > 0; round++ {
		var next []tea.Msg
		for _, msg := range queue {
			_, cmd := d.m.Update(msg)
			next = append(next, tuitest.RunWait(cmd, wait)...)
		}
		queue = next
	}
}

// keys presses keys one at a time (names as tuitest.Key: "enter", "esc", "f2", a letter).
func (d *desk) keys(ks ...string) {
	d.t.Helper()
	for _, k := range ks {
		d.send(tuitest.Key(k))
	}
}

// typeText types s, one key per rune.
func (d *desk) typeText(s string) {
	d.t.Helper()
	for _, m := range tuitest.Type(s) {
		d.send(m)
	}
}

// clearAndType empties the focused text field (ctrl+u) and types s.
func (d *desk) clearAndType(s string) {
	d.t.Helper()
	d.keys("ctrl+u")
	d.typeText(s)
}

// events delivers the register's events published so far (the program waits for them
// with the root's Listen; the tests do not keep that wait running).
func (d *desk) events() {
	d.t.Helper()
	for {
		msgs := tuitest.RunWait(d.m.Listen(), 300*time.Millisecond)
		if len(msgs) == 0 {
			return
		}
		d.sendWait(time.Second, msgs...)
	}
}

func (d *desk) screen() string { return tuitest.Screen(d.m) }

// shows fails unless the screen shows every text.
func (d *desk) shows(texts ...string) string {
	d.t.Helper()
	s := d.screen()
	for _, x := range texts {
		if !strings.Contains(s, x) {
			d.t.Fatalf("the screen does not show %q:\n%s", x, s)
		}
	}
	return s
}

// fits fails when a line of the screen is wider than 80 cells or there are more than
// 24 lines.
func (d *desk) fits() {
	d.t.Helper()
	s := d.screen()
	lines := strings.Split(s, "\n")
	if len(lines) > 24 {
		d.t.Errorf("%d lines on a 24-line terminal:\n%s", len(lines), s)
	}
	for i, l := range lines {
		if n := len([]rune(l)); n > 80 {
			d.t.Errorf("line %d is %d cells wide: %q", i+1, n, l)
		}
	}
}

// openPass opens the scheda of the pass found by a search.
func (d *desk) openPass(search string) {
	d.t.Helper()
	d.keys("f2")
	d.typeText(search)
	d.keys("enter")
	d.shows("Dati", "Storico")
}

// passBy finds a pass of the demo by its holder's surname.
func passBy(t *testing.T, svc *service.Service, a service.Actor, surname string) service.PassView {
	t.Helper()
	res, err := svc.Search(a, service.Query{Text: surname})
	if err != nil || len(res.Rows) == 0 {
		t.Fatalf("search %s: %v %+v", surname, err, res)
	}
	v, err := svc.GetPass(a, res.Rows[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	return v
}
