package tui_test

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
	"vivipass/internal/mailtest"
	"vivipass/national"
	"vivipass/service"
	"vivipass/store"
	"vivipass/tui"
	"vivipass/tui/common"
	"vivipass/tui/forms"
	"vivipass/tui/keys"
	"vivipass/tui/pages/admin"
	"vivipass/tui/pages/home"
	"vivipass/tui/pages/inbox"
	"vivipass/tui/pages/people"
	"vivipass/tui/pages/print"
	"vivipass/tui/tuitest"
)

// manualFile is the operators' manual (manualName from the module's root): its screens
// are written by TestManuale.
var manualFile = filepath.Join("..", "docs", "MANUALE.md")

const manualName = "docs/MANUALE.md"

// regenerate is the command that rewrites the manual's screens.
const regenerate = "go test ./tui -run TestManuale -update"

// manualPlatform is the national platform of the manual: it answers like the real one,
// with CUDE IDs and codici univoci that are the same at every run (the simulator draws
// them at random), and can be down.
type manualPlatform struct {
	mu    sync.Mutex
	down  bool
	cards map[string]string // comune + number → CUDE ID
	next  int
}

func (p *manualPlatform) Send(_ context.Context, _ national.Credentials, c national.Change) (national.Receipt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.down {
		return national.Receipt{}, national.ErrUnavailable
	}
	if p.cards == nil {
		p.cards = map[string]string{}
	}
	k := c.Comune + " " + c.Number
	id := c.CudeID
	if id == "" {
		id = p.cards[k]
	}
	if id == "" {
		p.next++
		id = fmt.Sprintf("CUDE-%010d", 4700000000+p.next)
	}
	p.cards[k] = id
	if c.PreviousNumber != "" {
		p.cards[c.Comune+" "+c.PreviousNumber] = id
	}
	n, _ := strconv.Atoi(id[len(id)-4:])
	return national.Receipt{CudeID: id, CodiceUnivoco: codice(n)}, nil
}

func (p *manualPlatform) setDown(down bool) { p.mu.Lock(); p.down = down; p.mu.Unlock() }

// codice is a codice univoco of the platform's alphabet made from n.
func codice(n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, 12)
	x := uint64(n)*2654435761 + 97
	for i := range b {
		b[i] = alphabet[x%32]
		x = x/32 + uint64(i+n)*7919
	}
	return string(b)
}

// manualDesk is one operator's session wired as cmd/vivipass wires it (every section,
// the pass forms, printing, the PEC inbox and the Home warnings), at 80×24, on a real
// register with the demo data, a PEC mailbox with the shared samples and the manual's
// national platform.
type manualDesk struct {
	t     *testing.T
	svc   *service.Service
	plat  *manualPlatform
	m     *tui.Model
	shots map[string]string
	order []string
	// pending is the wait for the next event of the register, while none came.
	pending chan tea.Msg
}

func newManualDesk(t *testing.T) *manualDesk {
	t.Helper()
	plat := &manualPlatform{}
	svc := tuitest.Demo(t, fixedNow, service.WithPlatform(func(store.NationalConfig) (national.Platform, error) { return plat, nil }))
	d := &manualDesk{t: t, svc: svc, plat: plat, shots: map[string]string{}}
	d.drain()
	d.mailbox()
	op := tuitest.Operator(t, svc, "mario")
	g := keys.NewGlobal()
	passForms := forms.PassForms()
	passForms.Print, passForms.Modules = print.NewCard, print.NewModules
	// As cmd/vivipass/wiring.go.
	d.m = tui.New(tui.Options{Svc: svc, Operator: op, Plain: true, Forms: passForms,
		Files: tuitest.Files(t), FilesHint: "sftp -P 2222 mario@server",
		Sections: []tui.Section{
			{Name: "Anagrafica", Key: g.People, New: func(c *common.Context) common.Page { return people.New(c) }},
			{Name: "Amministrazione", Key: g.Admin, AdminOnly: true, New: func(c *common.Context) common.Page { return admin.New(c) }},
			{Name: "Richieste PEC", Key: g.Inbox, New: func(c *common.Context) common.Page { return inbox.New(c) }},
		},
		Warnings: []home.Warning{inbox.Warning, func(svc *service.Service, a service.Actor) []string {
			lines, err := svc.NationalBanner(a)
			if err != nil {
				return []string{"piattaforma nazionale: " + err.Error()}
			}
			return lines
		}}})
	t.Cleanup(d.m.Close)
	d.send(tea.WindowSizeMsg{Width: 80, Height: 24})
	d.keys("f1")
	return d
}

// mailbox fills Venezia's PEC mailbox (go-imap's server in the process) with the
// shared samples and reads it, as the worker does.
func (d *manualDesk) mailbox() {
	t := d.t
	const user, password = "protocollo.venezia", "Pw-Venezia-Manuale-1"
	mem := mailtest.NewMem(t, user, password)
	for _, s := range mailtest.Samples(t) {
		mem.Seed("INBOX", s.Raw)
	}
	dir := t.TempDir()
	pw, ca := filepath.Join(dir, "password"), filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(pw, []byte(password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(ca, mem.Cert.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	host, port, _ := net.SplitHostPort(mem.TLSAddr)
	p, _ := strconv.Atoi(port)
	sys := service.SystemActor("test")
	if _, err := d.svc.PECConfigure(sys, service.PECSettings{Comune: "L736", Host: host, Port: p, User: user,
		Security: "tls", PasswordFile: pw, CAFile: ca}); err != nil {
		t.Fatal(err)
	}
	if _, err := d.svc.PECSync(context.Background(), sys, "L736", service.PECSyncOptions{}); err != nil {
		t.Fatal(err)
	}
}

// drain sends the national queue, as the server's worker does.
func (d *manualDesk) drain() {
	d.t.Helper()
	if _, err := d.svc.NationalDrain(context.Background(), fixedNow); err != nil {
		d.t.Fatal(err)
	}
}

// send feeds messages and the messages of the commands they produce, for a bounded
// number of rounds. The root's wait for the register's next event is never run here
// (a wait left behind would take an event from the next one): events does it.
func (d *manualDesk) send(msgs ...tea.Msg) {
	d.t.Helper()
	queue := msgs
	for round := 0; round < 20 && len(queue) > 0; round++ {
		var next []tea.Msg
		for _, msg := range queue {
			_, cmd := d.m.Update(msg)
			next = append(next, d.run(cmd)...)
		}
		queue = next
	}
}

// run runs a command (each one of a Batch or a Sequence, in order) and returns its
// messages, except the root's wait for an event and a cursor's blink (a timer).
func (d *manualDesk) run(cmd tea.Cmd) []tea.Msg {
	if cmd == nil {
		return nil
	}
	name := runtime.FuncForPC(reflect.ValueOf(cmd).Pointer()).Name()
	if strings.Contains(name, ".waitEvent.func") || strings.Contains(name, "bubbles/v2/cursor.") {
		return nil
	}
	ch := make(chan tea.Msg, 1)
	go func() { ch <- cmd() }()
	var msg tea.Msg
	select {
	case msg = <-ch:
	case <-time.After(20 * time.Second):
		d.t.Fatalf("manual: a command of the desk (%s) did not answer in 20 s", name)
	}
	if msg == nil {
		return nil
	}
	if v := reflect.ValueOf(msg); v.Kind() == reflect.Slice && v.Type().Elem() == reflect.TypeOf(tea.Cmd(nil)) {
		var out []tea.Msg
		for i := range v.Len() {
			out = append(out, d.run(v.Index(i).Interface().(tea.Cmd))...)
		}
		return out
	}
	return []tea.Msg{msg}
}

// events delivers the register's events published so far, as the program does with
// the root's Listen: one wait at a time, kept for the next call when nothing came.
func (d *manualDesk) events() {
	d.t.Helper()
	for {
		if d.pending == nil {
			ch, cmd := make(chan tea.Msg, 1), d.m.Listen()
			go func() { ch <- cmd() }()
			d.pending = ch
		}
		select {
		case msg := <-d.pending:
			d.pending = nil
			if msg == nil {
				return
			}
			d.send(msg)
		case <-time.After(300 * time.Millisecond):
			return
		}
	}
}

// keys presses keys one at a time (names as tuitest.Key knows them).
func (d *manualDesk) keys(ks ...string) {
	d.t.Helper()
	for _, k := range ks {
		d.send(tuitest.Key(k))
	}
}

// typeText types s one key at a time.
func (d *manualDesk) typeText(s string) {
	d.t.Helper()
	for _, m := range tuitest.Type(s) {
		d.send(m)
	}
}

// open opens the scheda of the pass found by a search (Contrassegni, the search box
// emptied first).
func (d *manualDesk) open(search string) {
	d.t.Helper()
	d.keys("f2", "f2", "ctrl+u")
	d.typeText(search)
	d.keys("enter")
	d.sees("open "+search, search, "Storico")
}

// back closes what is open over the pass's card with esc (nothing saved), back to it.
func (d *manualDesk) back() {
	d.t.Helper()
	d.keys("esc")
	d.sees("esc back to the card", "Dati", "Targhe", "Storico", "tab dati/targhe/storico")
}

// screen is the screen as the operator reads it, checked to fill 80×24.
func (d *manualDesk) screen() string {
	d.t.Helper()
	s := tuitest.Screen(d.m)
	lines := strings.Split(s, "\n")
	if len(lines) != 24 {
		d.t.Errorf("%d lines on an 80×24 screen:\n%s", len(lines), s)
	}
	for i, l := range lines {
		lines[i] = strings.TrimRight(l, " ")
		if w := ansi.StringWidth(l); w > 80 {
			d.t.Errorf("line %d is %d cells wide: %q", i+1, w, l)
		}
	}
	return strings.Join(lines, "\n")
}

// sees fails unless the screen shows each text (runs of spaces and line breaks count
// as one space; the bar of a form's focus is ignored).
func (d *manualDesk) sees(what string, texts ...string) string {
	d.t.Helper()
	s := d.screen()
	flat := strings.Join(strings.Fields(strings.ReplaceAll(s, "┃", " ")), " ")
	for _, x := range texts {
		if !strings.Contains(flat, strings.Join(strings.Fields(x), " ")) {
			d.t.Fatalf("manual, %s: the screen does not show %q:\n%s", what, x, s)
		}
	}
	return s
}

// shot keeps the screen for the manual's block name, once it shows each text.
func (d *manualDesk) shot(name string, texts ...string) {
	d.t.Helper()
	s := d.sees(name, texts...)
	if _, dup := d.shots[name]; dup {
		d.t.Fatalf("manual: screen %s taken twice", name)
	}
	d.shots[name] = s
	d.order = append(d.order, name)
}

// TestManuale (issue 11.17): the operators' manual, docs/MANUALE.md, shows each step of
// the day at the desk with the 80×24 screen the program draws, taken here by pressing
// the keys the manual tells. Without -update the manual's screens must be those;
// with -update they are rewritten (only between their markers: the prose stays).
func TestManuale(t *testing.T) {
	d := newManualDesk(t)
	d.shot("home", "Bacheca informativa")
	d.keys("?")
	d.shot("aiuto", "Tasti di Home", tui.ManualHint) // the desk's help points to the manual
	d.keys("x")
	d.keys("p")
	d.shot("promemoria", "Promemoria")
	d.keys("esc")

	// Ricerca
	d.keys("f2")
	d.typeText("rossi m")
	d.shot("ricerca", "Cerca: rossi m", "ROSSI MARIO")
	d.keys("enter")
	d.shot("scheda", "ROSSI MARIO", "CUDE ID")
	d.keys("?")
	d.sees("the pass card's help", "Tasti di Contrassegno", "r rinnovo", tui.ManualHint)
	d.keys("x")
	d.keys("tab")
	d.shot("scheda-targhe", "AB123CD")
	d.keys("tab")
	d.shot("scheda-storico", "Versioni")
	d.keys("esc")

	// Nuovo rilascio
	cf, err := domain.ComputeCF("VERDI", "LAURA", 'F', domain.MustDate(1958, time.April, 12), "L736")
	if err != nil {
		t.Fatal(err)
	}
	d.keys("ctrl+n")
	d.shot("rilascio-cf", "Nuovo rilascio", "Codice fiscale")
	d.typeText(cf)
	d.keys("enter")
	d.keys("enter")
	d.typeText("VERDI")
	d.keys("enter")
	d.typeText("LAURA")
	d.keys("enter", "enter", "enter", "enter", "enter")
	d.typeText("CALLE DEI FABBRI 12")
	d.shot("rilascio-persona", "VERDI", "LAURA", "CALLE DEI FABBRI 12", "12/04/1958")
	d.keys("enter", "enter", "enter")
	d.shot("rilascio-contrassegno", "Consenso circuito naz.", "L736_2026_00004")
	d.keys("enter", "enter", "enter", "enter", "enter", "left", "enter")
	d.typeText("GF123AB")
	d.keys("enter", "enter", "left")
	d.shot("rilascio-targa", "GF123AB")
	d.keys("enter")
	d.events()
	d.shot("rilascio-fatto", "VERDI LAURA", "rilasciato", "in coda")
	d.drain()
	d.events()
	d.shot("rilascio-nazionale", "VERDI LAURA", "CUDE-")

	// Rinnovo
	d.open("BORTOLOTTO")
	d.sees("rinnovo-scheda", "in scadenza")
	d.keys("r")
	d.shot("rinnovo", "Rinnovo · L736_2021_00001", "Nuova scadenza")
	d.keys("enter", "enter", "enter", "enter", "enter")
	d.events()
	d.shot("rinnovo-fatto", "rinnovato")

	// Duplicato
	d.open("ZAMPIERI")
	d.keys("d")
	d.shot("duplicato", "Motivo del duplicato")
	d.keys("down", "down")
	d.sees("duplicato-motivo", "> deterioramento")
	d.keys("enter", "enter")
	d.events()
	d.shot("duplicato-fatto", "Duplicato L736_2023_00003")

	// Trasferimento
	d.open("SARTORI")
	d.keys("t")
	d.typeText("PADOVA")
	d.shot("trasferimento", "Comune di destinazione")
	d.keys("enter", "left")
	d.sees("trasferimento-conferma", "Trasferire?")
	d.keys("enter")
	d.events()
	d.shot("trasferimento-fatto", "trasferito a PADOVA")

	// Targhe
	d.open("VERDI")
	d.keys("tab", "g")
	d.shot("targa-aggiungi", "Aggiungi targa · L736_2026_00004")
	d.typeText("FX808ZK")
	d.keys("enter", "enter", "enter", "enter", "enter")
	d.events()
	d.shot("targa-fatto", "FX808ZK")
	d.keys("down")
	d.keys("c")
	d.shot("targa-chiudi", "Chiudi targa", "FX808ZK")
	d.back()
	d.keys("x")
	d.shot("targa-rimuovi", "FX808ZK")
	d.back()

	// Stampa
	d.keys("k")
	d.shot("stampa", "Modalità", "fronte-retro")
	d.keys("enter")
	d.sees("stampa-stampante", "Stampante")
	d.keys("enter")
	d.shot("stampa-file", "Nome del file PDF")
	d.keys("enter")
	d.shot("stampa-anteprima", "invio stampa")
	d.keys("enter")
	d.shot("stampa-fatto", "salvato in stampe/")
	d.keys("esc")
	d.keys("l")
	d.shot("moduli", "Moduli per il contrassegno")
	d.keys("esc")

	// Richieste PEC
	d.keys("alt+5")
	d.shot("pec-elenco", "rinnovo", "duplicato", "targhe")
	d.keys("enter")
	d.shot("pec-richiesta", "Richiedente", "Collegata a")
	d.keys("c")
	d.shot("pec-pratica", "ROSSI")
	d.keys("esc")
	d.keys("e")
	d.shot("pec-esito", "Esito della richiesta")
	d.keys("esc", "esc")

	// Circuito nazionale: the queue, then a day the platform does not answer.
	d.keys("f1", "n")
	d.shot("nazionale", "Invii alla piattaforma nazionale")
	d.keys("esc")
	d.drain()
	d.events()
	d.plat.setDown(true)
	d.open("ROSSI MARIO")
	d.keys("s")
	d.keys("enter")
	d.typeText("verifica dei requisiti")
	d.shot("sospensione", "Sospensione · L736_2026_00001", "verifica dei requisiti")
	d.keys("enter")
	d.events()
	d.drain()
	d.events()
	d.shot("sospensione-fatto", "sospeso ·", "non raggiungibile")
	d.keys("f1", "n")
	d.shot("nazionale-errore", "Invii alla piattaforma nazionale", "L736_2026_00001", "non raggiungibile")
	d.keys("esc")
	d.plat.setDown(false)
	d.open("ROSSI MARIO")
	d.keys("n")
	d.shot("invio-nazionale", "Invio nazionale", "non raggiungibile")
	d.back()
	d.keys("a")
	d.shot("riattivazione", "Riattivazione")
	d.back()
	d.keys("v")
	d.shot("revoca", "Revoca · L736_2026_00001")
	d.back()
	d.keys("u") // the suspension above, mario's own, minutes ago
	d.shot("annulla", "Annulla ultima operazione", "sospensione", "Annullare la sospensione?")
	d.back()
	d.open("ZANON")
	d.keys("e")
	d.shot("dati-nazionali", "ZANON", "CUDE ID", "Codice univoco")
	d.keys("esc")

	d.manual()
}

// manual writes the screens into the manual's blocks (-update) or checks that they are
// there as the program draws them today.
func (d *manualDesk) manual() {
	t := d.t
	t.Helper()
	old, err := os.ReadFile(manualFile)
	if err != nil {
		t.Fatalf("manual: %v", err)
	}
	seen := map[string]bool{}
	var stale []string
	text := manualScreens.ReplaceAllStringFunc(string(old), func(block string) string {
		m := manualScreens.FindStringSubmatch(block)
		name, was := m[1], m[2]
		s, ok := d.shots[name]
		if !ok {
			t.Errorf("manual: %s has a block %q that TestManuale does not take", manualName, name)
			return block
		}
		seen[name] = true
		s += "\n"
		if s != was {
			stale = append(stale, name)
		}
		return "<!-- schermata: " + name + " -->\n```text\n" + s + "```\n<!-- fine -->"
	})
	for _, name := range d.order {
		if !seen[name] {
			t.Errorf("manual: screen %q has no block in %s: add\n<!-- schermata: %s -->\n```text\n```\n<!-- fine -->\nwhere the prose describes it, then run %s", name, manualName, name, regenerate)
		}
	}
	if len(stale) == 0 {
		return
	}
	if *tuitest.Update {
		if err := os.WriteFile(manualFile, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("manual: %d screens rewritten in %s: %s", len(stale), manualName, strings.Join(stale, ", "))
		return
	}
	first := stale[0]
	t.Errorf("manual: %s is stale, the desk now draws %d screens differently (%s).\n"+
		"Read the new screens, fix the prose if it no longer tells the truth, and rewrite them with:\n    %s\n"+
		"The screen %q is now:\n%s", manualName, len(stale), strings.Join(stale, ", "), regenerate, first, d.shots[first])
}

// manualScreens finds the manual's screen blocks: a marker line, a fenced block, the
// closing marker.
var manualScreens = regexp.MustCompile("(?m)^<!-- schermata: ([a-z0-9-]+) -->\n```text\n((?s:.*?))```\n<!-- fine -->$")
