package server_test

// End to end over real SSH connections on loopback: a golang.org/x/crypto/ssh client
// with an 80×24 PTY (sshtest), the server's output played on a virtual screen, and
// waits for text with a deadline. One test drives the OpenSSH client in tmux.

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/pem"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	gossh "golang.org/x/crypto/ssh"

	"vivipass/domain"
	"vivipass/server"
	"vivipass/server/sshtest"
	"vivipass/service"
	"vivipass/store"
	"vivipass/tui"
	"vivipass/tui/common"
)

const wait = 5 * time.Second // generous under -race on a busy machine; the 1 s claim is checked apart

// logBuffer collects the server's log lines.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// fixture is a demo register with keys for mario, admin (Venezia, L736) and giulia
// (Padova, G224), served on 127.0.0.1.
type fixture struct {
	t       *testing.T
	svc     *service.Service
	db      *store.DB
	srv     *server.Server
	addr    string
	dir     string
	keys    map[string]gossh.Signer
	priv    map[string]ed25519.PrivateKey
	log     *logBuffer
	served  chan error
	stopped bool
}

var system = service.SystemActor("collaudo")

func newFixture(t *testing.T, cfg server.Config) *fixture {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "vivipass.db"), store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := service.New(db)
	if _, err := svc.LoadDemo(system); err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, svc: svc, db: db, dir: dir, keys: map[string]gossh.Signer{}, priv: map[string]ed25519.PrivateKey{},
		log: &logBuffer{}, served: make(chan error, 1)}
	for _, op := range []domain.Operator{
		{Name: "mario", Role: domain.RoleOperatore, Comune: "L736"},
		{Name: "admin", Role: domain.RoleAmministratore, Comune: "L736"},
		{Name: "giulia", Role: domain.RoleOperatore, Comune: "G224"},
	} {
		f.register(op)
	}
	cfg.Svc = svc
	cfg.Desk = func(op domain.Operator, plain bool) tui.Options {
		return tui.Options{Svc: svc, Operator: op, Plain: plain}
	}
	cfg.HostKeyPath = filepath.Join(dir, server.HostKeyName)
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.NewTextHandler(f.log, nil))
	}
	f.srv, err = server.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	go func() { f.served <- f.srv.Serve(ln) }()
	t.Cleanup(func() {
		f.stop()
		if err := db.Close(); err != nil {
			t.Errorf("closing the database: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", f.log.String())
		}
	})
	return f
}

// register adds an operator (or a key to one) with a new ed25519 key.
func (f *fixture) register(op domain.Operator) gossh.Signer {
	f.t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	if err != nil {
		f.t.Fatal(err)
	}
	signer, line, err := sshtest.KeyFromSeed(priv.Seed())
	if err != nil {
		f.t.Fatal(err)
	}
	keys, err := service.ParseOperatorKeys(line, time.Now())
	if err != nil {
		f.t.Fatal(err)
	}
	op.Keys = keys
	if _, err := f.svc.AddOperator(system, op); err != nil {
		f.t.Fatal(err)
	}
	f.keys[op.Name], f.priv[op.Name] = signer, priv
	return signer
}

func (f *fixture) stop() {
	if f.stopped {
		return
	}
	f.stopped = true
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := f.srv.Shutdown(ctx); err != nil {
		f.t.Errorf("Shutdown: %v", err)
	}
	select {
	case err := <-f.served:
		if err != nil {
			f.t.Errorf("Serve: %v", err)
		}
	case <-time.After(5 * time.Second):
		f.t.Error("Serve did not return after Shutdown")
	}
}

// connect opens a session as an operator, with their key, and waits for Home.
func (f *fixture) connect(name string, o sshtest.Options) *sshtest.Term {
	f.t.Helper()
	o.User = name
	if o.Auth == nil {
		o.Auth = []gossh.AuthMethod{gossh.PublicKeys(f.keys[name])}
	}
	term, err := sshtest.Dial(f.addr, o)
	if err != nil {
		f.t.Fatalf("%s: %v", name, err)
	}
	f.t.Cleanup(func() { term.Close() })
	if !o.NoPTY {
		if err := term.WaitFor(wait, "Bacheca informativa", "F2 Contrassegni"); err != nil {
			f.t.Fatalf("%s: %v", name, err)
		}
	}
	return term
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// issueAs issues a pass for a new holder as an operator, through the service.
func issueAs(t *testing.T, svc *service.Service, op domain.Operator, cognome, nome, plate string) domain.Pass {
	t.Helper()
	birth := domain.MustDate(1961, time.April, 12)
	cf, err := domain.ComputeCF(cognome, nome, 'M', birth, op.Comune)
	must(t, err)
	res, err := svc.IssuePass(service.OperatorActor(op), service.IssueRequest{
		Person: domain.Person{CodiceFiscale: cf, Cognome: cognome, Nome: nome, Sesso: "M", DataNascita: birth,
			LuogoNascita: op.Comune, ComuneResidenza: op.Comune, Indirizzo: "VIA DEL COLLAUDO 1"},
		Pass:   domain.IssueInput{Kind: domain.Permanente, DataRilascio: svc.Today()},
		Plates: []service.PlateInput{{Number: plate}},
	})
	must(t, err)
	return res.Pass
}

func operator(t *testing.T, svc *service.Service, name string) domain.Operator {
	t.Helper()
	ops, err := svc.Operators(system)
	must(t, err)
	for _, op := range ops {
		if op.Name == name {
			return op
		}
	}
	t.Fatalf("operator %s not found", name)
	return domain.Operator{}
}

// TestThreeSessions: two operators of Venezia and one of Padova at once. Mario issues
// a pass; admin's Contrassegni and mario's Home show it within a second with no key
// pressed; giulia in Padova searches for it and does not find it.
func TestThreeSessions(t *testing.T) {
	f := newFixture(t, server.Config{})
	var mario, admin, giulia *sshtest.Term
	var wg sync.WaitGroup
	for name, term := range map[string]**sshtest.Term{"mario": &mario, "admin": &admin, "giulia": &giulia} {
		wg.Add(1)
		go func() { // the three connect at the same time
			defer wg.Done()
			o := sshtest.Options{User: name, Auth: []gossh.AuthMethod{gossh.PublicKeys(f.keys[name])}}
			tm, err := sshtest.Dial(f.addr, o)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				return
			}
			t.Cleanup(func() { tm.Close() })
			if err := tm.WaitFor(wait, "Bacheca informativa"); err != nil {
				t.Errorf("%s: %v", name, err)
			}
			*term = tm
		}()
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	if n := f.srv.Sessions(); n != 3 {
		t.Errorf("Sessions() = %d, want 3", n)
	}
	// Each session is bound to its operator's comune, shown on the top bar.
	must(t, mario.WaitFor(wait, "mario · VENEZIA"))
	must(t, admin.WaitFor(wait, "admin · VENEZIA"))
	must(t, giulia.WaitFor(wait, "giulia · PADOVA"))

	// admin and giulia open Contrassegni; giulia finds one of Padova's holders.
	must(t, admin.Send(sshtest.F2))
	must(t, admin.WaitFor(wait, "Cerca:", "trovati"))
	must(t, giulia.Send(sshtest.F2))
	must(t, giulia.WaitFor(wait, "Cerca:", "trovati"))
	must(t, giulia.Type("BOSCOLO"))
	must(t, giulia.WaitFor(wait, "BOSCOLO MARIA", "1 trovato"))

	marioOp := operator(t, f.svc, "mario")
	countsBefore, err := f.svc.Counts(service.OperatorActor(marioOp))
	must(t, err)
	attivi := fmt.Sprintf("%s %d", domain.Attivo.Label(), countsBefore[domain.Attivo]+1)
	before := admin.Screen.Text()
	if strings.Contains(before, "ABATE ALDO") {
		t.Fatalf("ABATE ALDO on admin's screen before the pass was issued:\n%s", before)
	}

	p := issueAs(t, f.svc, marioOp, "ABATE", "ALDO", "GA777AA")
	issued := time.Now()
	// No key pressed from here on in admin's and mario's sessions.
	must(t, admin.WaitFor(time.Second, "ABATE ALDO", p.Number))
	t.Logf("admin saw the pass %v after it was issued", time.Since(issued).Round(time.Millisecond))
	must(t, mario.WaitFor(time.Second, attivi))

	// Padova's operator does not find Venezia's pass: not by name, not by number.
	must(t, giulia.Send(strings.Repeat(sshtest.Backspace, len("BOSCOLO"))))
	must(t, giulia.Type("ABATE"))
	must(t, giulia.WaitFor(wait, "Cerca: ABATE", "0 trovati"))
	if s := giulia.Screen.Text(); strings.Contains(s, "ABATE ALDO") || strings.Contains(s, p.Number) {
		t.Errorf("giulia (Padova) sees Venezia's pass:\n%s", s)
	}
	must(t, giulia.Send(strings.Repeat(sshtest.Backspace, len("ABATE"))))
	must(t, giulia.Type(p.Number))
	must(t, giulia.WaitFor(wait, "Cerca: "+p.Number, "0 trovati"))
	// …while admin, in Venezia, finds it by typing.
	must(t, admin.Type("ABATE"))
	must(t, admin.WaitFor(wait, "Cerca: ABATE", "ABATE ALDO", "1 trovato"))

	for _, line := range []string{"operatore=mario", "operatore=admin", "operatore=giulia", "comune=G224"} {
		if !strings.Contains(f.log.String(), line) {
			t.Errorf("the log does not name %s:\n%s", line, f.log.String())
		}
	}
}

// TestRefused: an unregistered key, a password, keyboard-interactive are refused; a key
// registered while the server runs is accepted at once, and refused once removed.
func TestRefused(t *testing.T) {
	f := newFixture(t, server.Config{})
	stranger, _, err := sshtest.NewKey()
	must(t, err)
	cases := []struct {
		name string
		auth []gossh.AuthMethod
	}{
		{"chiave non registrata", []gossh.AuthMethod{gossh.PublicKeys(stranger)}},
		{"password", []gossh.AuthMethod{gossh.Password("mario")}},
		{"keyboard-interactive", []gossh.AuthMethod{gossh.KeyboardInteractive(
			func(string, string, []string, []bool) ([]string, error) { return []string{"mario"}, nil })}},
	}
	for _, c := range cases {
		_, err := sshtest.Dial(f.addr, sshtest.Options{User: "mario", Auth: c.auth})
		if err == nil || !strings.Contains(err.Error(), "unable to authenticate") {
			t.Errorf("%s: got %v, want the authentication refused", c.name, err)
		}
	}
	if !strings.Contains(f.log.String(), gossh.FingerprintSHA256(stranger.PublicKey())) {
		t.Errorf("the refused key's fingerprint is not in the log:\n%s", f.log.String())
	}
	if strings.Contains(f.log.String(), "password=") {
		t.Errorf("the log mentions a password:\n%s", f.log.String())
	}

	// Keys are read on every attempt: a new operator gets in without a restart…
	f.register(domain.Operator{Name: "luca", Role: domain.RoleOperatore, Comune: "L736"})
	term := f.connect("luca", sshtest.Options{})
	must(t, term.WaitFor(wait, "luca · VENEZIA"))
	term.Close()
	// …and is out as soon as removed.
	must(t, f.svc.RemoveOperator(system, "luca"))
	if _, err := sshtest.Dial(f.addr, sshtest.Options{User: "luca", Auth: []gossh.AuthMethod{gossh.PublicKeys(f.keys["luca"])}}); err == nil {
		t.Error("a removed operator's key was accepted")
	}
}

// TestNoPTY: a session without a terminal, or with a command, is refused with a message.
func TestNoPTY(t *testing.T) {
	f := newFixture(t, server.Config{})
	term := f.connect("mario", sshtest.Options{NoPTY: true})
	err := term.Session.Wait()
	var exit *gossh.ExitError
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 {
		t.Errorf("exit: %v, want status 1", err)
	}
	_, port, _ := net.SplitHostPort(f.addr)
	if !strings.Contains(term.Stderr(), "serve un terminale") || !strings.Contains(term.Stderr(), "ssh -p "+port+" mario@host") {
		t.Errorf("stderr %q: want the Italian message", term.Stderr())
	}

	client, err := gossh.Dial("tcp", f.addr, &gossh.ClientConfig{User: "mario",
		Auth: []gossh.AuthMethod{gossh.PublicKeys(f.keys["mario"])}, HostKeyCallback: gossh.InsecureIgnoreHostKey()})
	must(t, err)
	defer client.Close()
	sess, err := client.NewSession()
	must(t, err)
	must(t, sess.RequestPty("xterm", 24, 80, nil))
	out, err := sess.CombinedOutput("ls /")
	if !errors.As(err, &exit) || exit.ExitStatus() != 1 || !strings.Contains(string(out), "non si eseguono comandi") {
		t.Errorf("a command: %v, output %q", err, out)
	}
	if f.srv.Sessions() != 0 {
		t.Errorf("Sessions() = %d after refusals", f.srv.Sessions())
	}
}

// TestNoColor: NO_COLOR with any value, or the operator's plain mode, gives a stream
// with no colour; without them the same screens are coloured (the check can see).
func TestNoColor(t *testing.T) {
	f := newFixture(t, server.Config{})
	f.register(domain.Operator{Name: "lucia", Role: domain.RoleOperatore, Comune: "L736", Plain: true})
	visit := func(term *sshtest.Term) {
		t.Helper()
		must(t, term.Send(sshtest.F2))
		must(t, term.WaitFor(wait, "Cerca:", "trovati"))
		must(t, term.Send(sshtest.Tab, "?")) // tab: from the search field to the list
		must(t, term.WaitFor(wait, "Tasti di Contrassegni"))
		must(t, term.Send(sshtest.Esc))
		// A lone ESC followed at once by F1's sequence would read as alt+F1: wait.
		must(t, term.WaitUntil(wait, "the help closed", func(s string) bool { return !strings.Contains(s, "Tasti di") }))
		must(t, term.Send(sshtest.F1))
		must(t, term.WaitFor(wait, "Bacheca informativa"))
	}
	for _, c := range []struct {
		name, user string
		env        map[string]string
		colour     bool
	}{
		{"colori", "mario", nil, true},
		{"NO_COLOR=x", "mario", map[string]string{"NO_COLOR": "x"}, false},
		{"NO_COLOR=yes", "admin", map[string]string{"NO_COLOR": "yes", "COLORTERM": "truecolor"}, false},
		{"modo semplice dell'operatore", "lucia", nil, false},
	} {
		term := f.connect(c.user, sshtest.Options{Env: c.env})
		visit(term)
		n := term.Screen.ColourSGRs()
		if c.colour && n == 0 {
			t.Errorf("%s: no colour in the stream: the check cannot see colours", c.name)
		}
		if !c.colour && n > 0 {
			t.Errorf("%s: %d colour sequences in the stream", c.name, n)
		}
		if !c.colour && !bytes.Contains(term.Raw(), []byte("\x1b[7")) && !bytes.Contains(term.Raw(), []byte(";7")) {
			t.Errorf("%s: no reverse video either: the selection is invisible", c.name)
		}
		term.Close()
	}
}

// TestEndAndShutdown: ctrl+c ends a session cleanly; Shutdown tells the others, ends
// them, stops listening, and the database can be closed.
func TestEndAndShutdown(t *testing.T) {
	f := newFixture(t, server.Config{})
	mario := f.connect("mario", sshtest.Options{})
	must(t, mario.Send(sshtest.CtrlC))
	must(t, mario.WaitEnd(wait))
	if err := mario.Session.Wait(); err != nil {
		t.Errorf("ctrl+c: exit %v, want 0", err)
	}
	waitSessions(t, f.srv, 0)
	if !strings.Contains(f.log.String(), "motivo=uscita") {
		t.Errorf("no end of session in the log:\n%s", f.log.String())
	}

	admin := f.connect("admin", sshtest.Options{})
	giulia := f.connect("giulia", sshtest.Options{})
	must(t, giulia.Send(sshtest.F2))
	must(t, giulia.WaitFor(wait, "trovati"))
	waitSessions(t, f.srv, 2)
	start := time.Now()
	f.stop()
	t.Logf("shutdown with 2 sessions: %v", time.Since(start).Round(time.Millisecond))
	for _, term := range []*sshtest.Term{admin, giulia} {
		must(t, term.WaitEnd(wait))
		if !strings.Contains(term.Screen.Text(), "il server si sta spegnendo") {
			t.Errorf("no goodbye on the screen:\n%s", term.Screen.Text())
		}
	}
	if f.srv.Sessions() != 0 {
		t.Errorf("Sessions() = %d after Shutdown", f.srv.Sessions())
	}
	if c, err := net.DialTimeout("tcp", f.addr, time.Second); err == nil {
		c.Close()
		t.Error("the server still accepts connections after Shutdown")
	}
	// The database closes at once: no session holds a transaction (checked in Cleanup).
}

func waitSessions(t *testing.T, srv *server.Server, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for srv.Sessions() != n {
		if time.Now().After(deadline) {
			t.Fatalf("Sessions() = %d, want %d", srv.Sessions(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// TestIdle: a session with no key pressed ends with a message; keys keep it open.
func TestIdle(t *testing.T) {
	const idle = 700 * time.Millisecond
	f := newFixture(t, server.Config{IdleTimeout: idle})
	active := f.connect("admin", sshtest.Options{})
	away := f.connect("mario", sshtest.Options{})
	start := time.Now()
	for time.Since(start) < idle*2 {
		must(t, active.Send(sshtest.Down))
		time.Sleep(idle / 5)
	}
	must(t, away.WaitEnd(wait))
	if !strings.Contains(away.Screen.Text(), "senza attività") {
		t.Errorf("no idle message:\n%s", away.Screen.Text())
	}
	if active.Ended() {
		t.Error("a session in use was closed for inactivity")
	}
	if !strings.Contains(f.log.String(), "motivo=inattività") {
		t.Errorf("log:\n%s", f.log.String())
	}
}

// TestResize: window changes reach the desk (below 80×24 it asks for more room).
func TestResize(t *testing.T) {
	f := newFixture(t, server.Config{})
	term := f.connect("mario", sshtest.Options{})
	must(t, term.Resize(70, 20))
	must(t, term.WaitFor(wait, "servono almeno 80×24"))
	must(t, term.Resize(100, 30))
	must(t, term.WaitFor(wait, "Bacheca informativa"))
}

// TestOpenSSH: the OpenSSH client in an 80×24 tmux window, as the README tells an
// operator: ssh -p PORT name@host.
func TestOpenSSH(t *testing.T) {
	sshBin, err1 := exec.LookPath("ssh")
	tmux, err2 := exec.LookPath("tmux")
	if err1 != nil || err2 != nil {
		t.Fatal("ssh and tmux are needed: .ci/run installs openssh-client and tmux")
	}
	f := newFixture(t, server.Config{})
	block, err := gossh.MarshalPrivateKey(f.priv["mario"], "")
	must(t, err)
	keyFile := filepath.Join(f.dir, "id_mario")
	must(t, os.WriteFile(keyFile, pem.EncodeToMemory(block), 0o600))
	_, port, _ := net.SplitHostPort(f.addr)
	sock := "vivipass-test-" + strconv.Itoa(os.Getpid())
	tm := func(args ...string) string {
		out, err := exec.Command(tmux, append([]string{"-L", sock}, args...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("tmux %v: %v\n%s", args, err, out)
		}
		return string(out)
	}
	cmd := fmt.Sprintf("TERM=xterm-256color %s -tt -p %s -i %s -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o IdentitiesOnly=yes -o LogLevel=ERROR mario@127.0.0.1; echo; echo SSH-FINITO $?; sleep 30",
		sshBin, port, keyFile)
	tm("-f", "/dev/null", "new-session", "-d", "-s", "op", "-x", "80", "-y", "24", cmd)
	t.Cleanup(func() { exec.Command(tmux, "-L", sock, "kill-server").Run() })
	pane := func() string { return tm("capture-pane", "-p", "-t", "op") }
	waitPane := func(texts ...string) {
		t.Helper()
		deadline := time.Now().Add(10 * time.Second)
		for {
			s := pane()
			ok := true
			for _, x := range texts {
				ok = ok && strings.Contains(s, x)
			}
			if ok {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("waiting for %q in the tmux pane:\n%s", texts, s)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	waitPane("Bacheca informativa", "mario · VENEZIA")
	tm("send-keys", "-t", "op", "F2")
	waitPane("Cerca:", "trovati")
	tm("send-keys", "-t", "op", "-l", "ROSSI")
	waitPane("ROSSI MARIO")
	tm("send-keys", "-t", "op", "C-c")
	waitPane("SSH-FINITO 0")
}

// brokenPage panics when drawn: a bug in one page of the desk.
type brokenPage struct{}

func (brokenPage) Init() tea.Cmd                           { return nil }
func (p brokenPage) Update(tea.Msg) (common.Page, tea.Cmd) { return p, nil }
func (brokenPage) View() string                            { panic("guasto di prova") }
func (brokenPage) SetSize(int, int)                        {}
func (brokenPage) Title() string                           { return "Guasto" }
func (brokenPage) ShortHelp() []key.Binding                { return nil }
func (brokenPage) FullHelp() [][]key.Binding               { return nil }
func (brokenPage) Capturing() bool                         { return false }

// TestCrashAndDrop: a panic in one operator's desk ends that session only, and a
// client that vanishes (no ctrl+c) leaves nothing open; the others carry on.
func TestCrashAndDrop(t *testing.T) {
	f := newFixture(t, server.Config{})
	svc := f.svc
	desk := func(op domain.Operator, plain bool) tui.Options {
		o := tui.Options{Svc: svc, Operator: op, Plain: plain}
		if op.Name == "giulia" {
			o.Sections = []tui.Section{{Name: "Guasto", Key: key.NewBinding(key.WithKeys("f10"), key.WithHelp("F10", "guasto")),
				New: func(*common.Context) common.Page { return brokenPage{} }}}
		}
		return o
	}
	// A second server on the same register, with the broken section for giulia.
	srv, err := server.New(server.Config{Svc: svc, Desk: desk, HostKeyPath: filepath.Join(f.dir, "k2"),
		Log: slog.New(slog.NewTextHandler(f.log, nil))})
	must(t, err)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	defer func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		must(t, srv.Shutdown(ctx))
		must(t, <-served)
	}()
	f.addr = ln.Addr().String()

	mario := f.connect("mario", sshtest.Options{})
	giulia := f.connect("giulia", sshtest.Options{})
	admin := f.connect("admin", sshtest.Options{})
	waitSessions(t, srv, 3)

	must(t, giulia.Send("\x1b[21~")) // F10: the broken page
	must(t, giulia.WaitEnd(wait))
	if !strings.Contains(giulia.Screen.Text(), "errore interno, sessione chiusa") {
		t.Errorf("no goodbye after the crash:\n%s", giulia.Screen.Text())
	}
	waitSessions(t, srv, 2)
	if !strings.Contains(f.log.String(), "guasto di prova") || !strings.Contains(f.log.String(), "motivo=\"errore interno\"") {
		t.Errorf("the crash is not in the log:\n%s", f.log.String())
	}

	admin.Client.Close() // the client vanishes: no ctrl+c, no goodbye
	waitSessions(t, srv, 1)

	// mario's session still works and still hears about changes.
	must(t, mario.Send(sshtest.F2))
	must(t, mario.WaitFor(wait, "Cerca:", "trovati"))
	p := issueAs(t, svc, operator(t, svc, "admin"), "ABATE", "ALDO", "GA777AA")
	must(t, mario.WaitFor(wait, "ABATE ALDO", p.Number))
}

// TestShutdownAtOnce: a SIGTERM right after start: Shutdown may run before Serve's
// goroutine does; Serve must still return and the port be closed.
func TestShutdownAtOnce(t *testing.T) {
	f := newFixture(t, server.Config{})
	for i := range 20 {
		srv, err := server.New(server.Config{Svc: f.svc, Desk: func(op domain.Operator, plain bool) tui.Options {
			return tui.Options{Svc: f.svc, Operator: op, Plain: plain}
		}, HostKeyPath: filepath.Join(f.dir, server.HostKeyName)})
		must(t, err)
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		must(t, err)
		served := make(chan error, 1)
		go func() { served <- srv.Serve(ln) }()
		if i%2 == 1 {
			time.Sleep(time.Millisecond)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		must(t, srv.Shutdown(ctx))
		cancel()
		select {
		case err := <-served:
			must(t, err)
		case <-time.After(5 * time.Second):
			t.Fatalf("round %d: Serve still running after Shutdown", i)
		}
		if c, err := net.DialTimeout("tcp", ln.Addr().String(), time.Second); err == nil {
			c.Close()
			t.Fatalf("round %d: still listening after Shutdown", i)
		}
	}
}
