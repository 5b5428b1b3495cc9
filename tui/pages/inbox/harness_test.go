package inbox_test

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
	"vivipass/internal/mailtest"
	"vivipass/service"
	"vivipass/store"
	"vivipass/tui"
	"vivipass/tui/common"
	"vivipass/tui/forms"
	"vivipass/tui/keys"
	"vivipass/tui/pages/home"
	"vivipass/tui/pages/inbox"
	"vivipass/tui/tuitest"
)

// fixedNow is the service clock: the demo data and the samples (sent 20/11/2026) agree.
var fixedNow = time.Date(2026, 11, 26, 10, 0, 0, 0, domain.Rome)

const (
	pecUser     = "protocollo.venezia"
	pecPassword = "Pw-Venezia-Inbox-4471"
)

var sys = service.SystemActor("test")

// parserSamples are messages of the parser's corpus that show the other kinds: a
// request for the counter, an anomaly, another PEC, a quarantine, an unverified
// sender, and attachments with dangerous names.
var parserSamples = []string{"cambio-residenza.eml", "anomalia.eml", "pec-altro.eml", "header-illeggibile.eml",
	"mittente-non-verificato.eml", "nomi-pericolosi.eml"}

// fixture is the register (a temp bbolt file with the demo data), Venezia's mailbox on
// go-imap's in-process server, and a desk at 80×24 wired as cmd/vivipass wires it.
type fixture struct {
	t   *testing.T
	svc *service.Service
	mem *mailtest.Mem
	m   *tui.Model
	op  domain.Operator
}

// newFixture fills the mailbox with the shared samples (and the parser's messages
// named), syncs it as the worker does, and opens a desk for operator name.
func newFixture(t *testing.T, name string, extra ...string) *fixture {
	t.Helper()
	f := &fixture{t: t, svc: tuitest.Demo(t, fixedNow)}
	f.mem = mailtest.NewMem(t, pecUser, pecPassword)
	n := 0
	for _, s := range mailtest.Samples(t) { // fails (never skips) without shared/
		f.mem.Seed("INBOX", s.Raw)
		n++
	}
	for _, name := range extra {
		raw, err := os.ReadFile(filepath.Join("..", "..", "..", "pec", "parse", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		f.mem.Seed("INBOX", raw)
		n++
	}
	f.configure()
	rep, err := f.svc.PECSync(context.Background(), sys, "L736", service.PECSyncOptions{})
	if err != nil || rep.New != n {
		t.Fatalf("sync: %+v %v, want %d new", rep, err, n)
	}
	f.op = tuitest.Operator(t, f.svc, name)
	f.m = desk(t, f.svc, f.op)
	return f
}

// configure points Venezia's mailbox at the in-process server (TLS, its certificate
// trusted, the password in a file).
func (f *fixture) configure() {
	t := f.t
	dir := t.TempDir()
	pw := filepath.Join(dir, "password")
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(pw, []byte(pecPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, f.mem.Cert.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(f.mem.TLSAddr)
	p, _ := strconv.Atoi(port)
	if _, err := f.svc.PECConfigure(sys, service.PECSettings{Comune: "L736", Host: host, Port: p, User: pecUser,
		Security: "tls", PasswordFile: pw, CAFile: ca}); err != nil {
		t.Fatal(err)
	}
}

// desk is a session as cmd/vivipass wires the inbox: its section (alt+5), its Home
// warning, the pass forms; 80×24, on Home. It does not listen to events (the waiting
// command would swallow them): pages reload after their own changes.
func desk(t *testing.T, svc *service.Service, op domain.Operator) *tui.Model {
	t.Helper()
	g := keys.NewGlobal()
	m := tui.New(tui.Options{Svc: svc, Operator: op, Plain: true, Forms: forms.PassForms(), Files: tuitest.Files(t), FilesHint: "sftp -P 2222 " + op.Name + "@server",
		Sections: []tui.Section{{Name: "Richieste PEC", Key: g.Inbox, New: func(c *common.Context) common.Page { return inbox.New(c) }}},
		Warnings: []home.Warning{inbox.Warning}})
	t.Cleanup(m.Close)
	tuitest.Send(m, tea.WindowSizeMsg{Width: 80, Height: 24}, tuitest.Key("f1"))
	return m
}

// actor is the session's actor (for reading what the desk did).
func (f *fixture) actor() service.Actor { return service.OperatorActor(f.op) }

// key presses keys (names as tuitest.Key knows them).
func (f *fixture) key(keys ...string) {
	f.t.Helper()
	for _, k := range keys {
		tuitest.Send(f.m, tuitest.Key(k))
	}
}

// typeText types s one key at a time.
func (f *fixture) typeText(s string) { tuitest.Send(f.m, tuitest.Type(s)...) }

// screen is what the operator sees, checked to fit 80×24.
func (f *fixture) screen() string {
	f.t.Helper()
	s := tuitest.Screen(f.m)
	lines := strings.Split(s, "\n")
	if len(lines) != 24 {
		f.t.Errorf("%d lines on an 80×24 screen:\n%s", len(lines), s)
	}
	for i, l := range lines {
		if w := ansi.StringWidth(l); w > 80 {
			f.t.Errorf("line %d is %d cells wide: %q", i+1, w, l)
		}
	}
	return s
}

// see checks the screen shows each text; runs of spaces and line breaks count as one
// space (a text may wrap), and the bar that marks a form's focus is ignored.
func (f *fixture) see(what string, texts ...string) string {
	f.t.Helper()
	s := f.screen()
	flat := strings.Join(strings.Fields(strings.ReplaceAll(s, "┃", " ")), " ")
	for _, x := range texts {
		if !strings.Contains(flat, strings.Join(strings.Fields(x), " ")) {
			f.t.Fatalf("%s: the screen does not show %q:\n%s", what, x, s)
		}
	}
	return s
}

// notSee checks the screen does not show a text.
func (f *fixture) notSee(what, text string) {
	f.t.Helper()
	if s := f.screen(); strings.Contains(s, text) {
		f.t.Fatalf("%s: the screen shows %q:\n%s", what, text, s)
	}
}

// item finds the item of a request type (RINNOVO…), kind (receipt…), istanza id or
// sender; the newest one when there are several.
func (f *fixture) item(what string) store.PECItem {
	f.t.Helper()
	items, err := f.svc.PECList(sys, service.PECFilter{Comune: "L736"})
	if err != nil {
		f.t.Fatal(err)
	}
	for _, it := range items {
		if it.Type == what || it.Kind == what || it.RequestID == what || it.Sender == what {
			return it
		}
	}
	f.t.Fatalf("no inbox item %s", what)
	return store.PECItem{}
}

// reload reads an item again.
func (f *fixture) reload(id uint64) store.PECItem {
	f.t.Helper()
	d, err := f.svc.PECItem(sys, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return d.Item
}

// open shows the detail of item id: the section's list (its first row), down to the
// item's row, enter.
func (f *fixture) open(id uint64) {
	f.t.Helper()
	f.key("alt+5")
	if !f.enterOn(id, service.PECFilter{Open: true}) {
		f.t.Fatalf("item %d is not in the list", id)
	}
	if _, ok := f.m.Top().(*inbox.Detail); !ok {
		f.t.Fatalf("enter on item %d opened %T", id, f.m.Top())
	}
}

// enterOn goes from the first row of the list (showing the items of filter) down to item
// id's row and presses enter; false if the item is not in the list.
func (f *fixture) enterOn(id uint64, filter service.PECFilter) bool {
	f.t.Helper()
	items, err := f.svc.PECList(f.actor(), filter)
	if err != nil {
		f.t.Fatal(err)
	}
	for range items {
		f.key("up")
	}
	for i, it := range items {
		if it.ID == id {
			for range i {
				f.key("down")
			}
			f.key("enter")
			return true
		}
	}
	return false
}

// pass reads a pass as the system sees it.
func (f *fixture) pass(id uint64) service.PassView {
	f.t.Helper()
	v, err := f.svc.GetPass(sys, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return v
}

// holderPass is the current pass of a codice fiscale in Venezia.
func (f *fixture) holderPass(cf string) domain.Pass {
	f.t.Helper()
	res, err := f.svc.Search(sys, service.Query{Comune: "L736", Text: cf})
	if err != nil || len(res.Rows) == 0 {
		f.t.Fatalf("no pass for %s: %v", cf, err)
	}
	return f.pass(res.Rows[0].ID).Pass
}

// submitForm presses enter until the form on top closes (at most n times).
func (f *fixture) submitForm(n int) {
	f.t.Helper()
	for range n {
		if _, ok := f.m.Top().(*inbox.Detail); ok {
			return
		}
		f.key("enter")
	}
	if _, ok := f.m.Top().(*inbox.Detail); !ok {
		f.t.Fatalf("the form did not close:\n%s", tuitest.Screen(f.m))
	}
}

// runSync runs what a key press returns to the end, without tuitest's deadline (a
// sync over TLS may take longer), and feeds the messages back.
func (f *fixture) runSync(msg tea.Msg) {
	f.t.Helper()
	_, cmd := f.m.Update(msg)
	for _, m := range tuitest.RunWait(cmd, 0) {
		tuitest.Send(f.m, m)
	}
}
