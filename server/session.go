package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	tea "charm.land/bubbletea/v2"
	"charm.land/ssh"
	"charm.land/wish/v2"
	bm "charm.land/wish/v2/bubbletea"
	"github.com/charmbracelet/colorprofile"
	gossh "golang.org/x/crypto/ssh"

	"vivipass/domain"
	"vivipass/tui"
)

// endReason is why a session ended, when the operator did not end it.
type endReason int

const (
	endByOperator endReason = iota // ctrl+c, or the connection closed
	endIdle
	endShutdown
	endCrash
	endRevoked // the operator, or the session's key, was removed (the desk says which)
)

func (r endReason) String() string {
	switch r {
	case endIdle:
		return "inattività"
	case endShutdown:
		return "chiusura del server"
	case endCrash:
		return "errore interno"
	case endRevoked:
		return "accesso revocato"
	}
	return "uscita"
}

// session is one operator's open session.
type session struct {
	op        domain.Operator
	plain     bool
	started   time.Time
	lastInput atomic.Int64 // unix nanoseconds of the last key, paste or mouse event
	done      chan struct{}

	mu     sync.Mutex
	prog   *tea.Program
	model  *tui.Model
	frames *frames // the session's renderer; nil with Bubble Tea's
	reason endReason
	ended  bool
}

// end asks the session to end for r (the first reason given wins).
func (se *session) end(r endReason) {
	se.mu.Lock()
	if !se.ended {
		se.ended, se.reason = true, r
	}
	p := se.prog
	se.mu.Unlock()
	if p != nil {
		// Send blocks until the program's loop reads it, and returns at once when the
		// program is over: never from the caller's goroutine (Shutdown loops over all).
		go p.Quit()
	}
}

// attach records the session's program and model; false when the session was ended
// before its program started (the server is closing).
func (se *session) attach(p *tea.Program, m *tui.Model) bool {
	se.mu.Lock()
	defer se.mu.Unlock()
	se.prog, se.model = p, m
	return !se.ended
}

// revoked is why the desk ended the session itself (operator or key removed), or "".
func (se *session) revoked() string {
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.model == nil {
		return ""
	}
	return se.model.Ended()
}

// finish closes the model (its subscription to events) and reports why the session
// ended.
func (se *session) finish() endReason {
	se.mu.Lock()
	defer se.mu.Unlock()
	if se.model != nil {
		se.model.Close()
	}
	return se.reason
}

// filter sees every message before the model: keys keep the session alive, and a
// suspend (ctrl+z) cannot stop a program that has no terminal of its own.
func (se *session) filter(_ tea.Model, msg tea.Msg) tea.Msg {
	switch msg.(type) {
	case tea.KeyPressMsg, tea.KeyReleaseMsg, tea.PasteMsg, tea.MouseMsg:
		se.lastInput.Store(time.Now().UnixNano())
	case tea.SuspendMsg:
		return tea.ResumeMsg{}
	}
	return msg
}

// watchIdle ends the session when no key came for d.
func (se *session) watchIdle(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		select {
		case <-se.done:
			return
		case <-t.C:
			idle := time.Since(time.Unix(0, se.lastInput.Load()))
			if idle >= d {
				se.end(endIdle)
				return
			}
			t.Reset(d - idle)
		}
	}
}

// sessionMiddleware runs first: it checks the session, registers it, logs it, and
// after the program (next) returns it closes the model and says goodbye.
func (s *Server) sessionMiddleware(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		remote := sess.RemoteAddr().String()
		op, ok := s.operatorOf(sess)
		if !ok {
			s.log.Info("sessione rifiutata: chiave non più registrata", "remoto", remote)
			refuse(sess, "la chiave usata non è più registrata per nessun operatore: rivolgersi all'amministratore.")
			return
		}
		if sess.RawCommand() != "" {
			s.log.Info("sessione rifiutata: comando", "operatore", op.Name, "remoto", remote)
			refuse(sess, "non si eseguono comandi. Collegarsi con "+hint(sess, op)+", senza comando.")
			return
		}
		pty, _, hasPTY := sess.Pty()
		if !hasPTY {
			s.log.Info("sessione rifiutata: nessun terminale", "operatore", op.Name, "remoto", remote)
			refuse(sess, "serve un terminale. Collegarsi con "+hint(sess, op)+" (senza -T; da uno script, con -t).")
			return
		}
		noColor := envSet(sess.Environ(), "NO_COLOR")
		se := &session{op: op, plain: noColor || op.Plain, started: time.Now(), done: make(chan struct{})}
		se.lastInput.Store(se.started.UnixNano())
		if !s.register(sess, se) {
			refuse(sess, "il server è in chiusura: riprovare tra qualche minuto.")
			return
		}
		defer s.unregister(sess)
		attrs := []any{"operatore", op.Name, "ruolo", string(op.Role), "comune", op.Comune, "remoto", remote,
			"terminale", clip(pty.Term, maxUserLog), "finestra", fmt.Sprintf("%dx%d", pty.Window.Width, pty.Window.Height)}
		if u := sess.User(); u != op.Name {
			attrs = append(attrs, "utente_ssh", clip(u, maxUserLog))
		}
		if se.plain {
			attrs = append(attrs, "colori", "no")
		}
		s.log.Info("sessione aperta", attrs...)
		if s.idle > 0 {
			go se.watchIdle(s.idle)
		}

		next(sess)

		close(se.done)
		reason := se.finish()
		msg := s.farewell(reason)
		if ended := se.revoked(); ended != "" && reason == endByOperator {
			reason, msg = endRevoked, ended
		}
		if msg != "" {
			_, _ = fmt.Fprint(sess, "\n"+msg+"\n")
		}
		s.log.Info("sessione chiusa", "operatore", op.Name, "remoto", remote,
			"durata", time.Since(se.started).Round(time.Second).String(), "motivo", reason.String())
	}
}

// runDesk runs the session's program (in place of wish's bubbletea middleware, which
// passes the client's sizes on as they are): the PTY's size and every window change
// reach it clamped to MaxWidth×MaxHeight, and it quits when the client goes, whether
// the connection closed or only the session's channel (the connection's context then
// lives on, and wish's loop would spin on the closed window channel).
func (s *Server) runDesk(next ssh.Handler) ssh.Handler {
	return func(sess ssh.Session) {
		p := s.program(sess)
		if p == nil {
			next(sess)
			return
		}
		_, changes, _ := sess.Pty() // sessionMiddleware refused sessions without one
		over := make(chan struct{})
		go func() {
			for {
				select {
				case <-over:
					return
				case <-sess.Context().Done(): // the connection closed
					p.Quit()
					return
				case w, ok := <-changes:
					if !ok { // the session's channel closed
						p.Quit()
						return
					}
					width, height := clampWindow(w.Width, w.Height)
					p.Send(tea.WindowSizeMsg{Width: width, Height: height})
				}
			}
		}()
		ctx, stopKeys := context.WithCancel(sess.Context())
		if !s.cfg.TeaTerminal { // the keys, read by the session (input.go)
			go new(keys).run(ctx, &pasteLimit{r: sess}, p.Send) // (limits.go)
		}
		if _, err := p.Run(); err != nil && !errors.Is(err, tea.ErrProgramKilled) {
			s.log.Warn("sessione: il programma è finito con un errore", "errore", err.Error())
		}
		stopKeys()
		p.Kill() // its goroutines end; a Send or Quit waiting above returns
		close(over)
		if se := s.lookup(sess); se != nil {
			se.mu.Lock()
			f := se.frames
			se.mu.Unlock()
			if f != nil {
				f.close() // the program's loop is over: nothing draws any more
			}
		}
		next(sess)
	}
}

// program builds the session's Bubble Tea program (runDesk runs it):
// the root model of the desk for the operator, on the session's input and output,
// with the colour profile forced to Ascii when the session is plain.
func (s *Server) program(sess ssh.Session) *tea.Program {
	se := s.lookup(sess)
	if se == nil {
		return nil
	}
	o := s.cfg.Desk(se.op, se.plain)
	// The session follows the register: the key it came in with (removed: it ends), the
	// comune's folder and how to reach it from the counter PC.
	if pk := sess.PublicKey(); pk != nil {
		o.KeyFingerprint = gossh.FingerprintSHA256(pk)
	}
	o.Files = s.cfg.Files
	if o.Files != nil {
		o.FilesHint = sftpHint(sess, se.op)
	}
	m := tui.New(o)
	// MakeOptions gives input, output, environment, window size and wish's profile
	// from the session's environment; what follows overrides it. Options returned by a
	// plain bm.Handler would come before MakeOptions and lose (libraries.md §4).
	pty, _, _ := sess.Pty()
	opts := append(bm.MakeOptions(sess),
		// After MakeOptions, which gives the client's size as it is.
		tea.WithWindowSize(clampWindow(pty.Window.Width, pty.Window.Height)),
		tea.WithInput(nil), // the session reads its keys (runDesk)
		tea.WithFilter(se.filter),
		// The signals are the server process's: SIGTERM is Shutdown's business, and
		// every program would otherwise quit on its own, without the goodbye.
		tea.WithoutSignalHandler(),
		tea.WithFPS(s.cfg.FPS),
	)
	if se.plain {
		// NO_COLOR with any value (no-color.org): colorprofile only honours boolean
		// values, so the profile is forced here.
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	g := &guard{m: m, se: se, log: s.log}
	if s.cfg.TeaTerminal {
		opts = append(opts, tea.WithInput(&pasteLimit{r: sess})) // (limits.go)
	} else {
		// The session's own renderer (frames.go): Bubble Tea's keeps 450 KB of cells.
		w, h := clampWindow(pty.Window.Width, pty.Window.Height)
		g.frames = newFrames(sess, w, h)
		// The profile Bubble Tea is given (wish's, from the session's environment, or
		// Ascii below): the first frame is drawn with it.
		g.frames.profile = colorprofile.Env(append(sess.Environ(), "TERM="+pty.Term))
		if se.plain {
			g.frames.profile = colorprofile.Ascii
		}
		opts = append(opts, tea.WithoutRenderer())
	}
	p := tea.NewProgram(g, opts...)
	se.mu.Lock()
	se.frames = g.frames
	se.mu.Unlock()
	if !se.attach(p, m) {
		return nil // ended before it began: no program, straight to the goodbye
	}
	return p
}

// farewell is the line printed after the desk closes, when the operator did not close it.
func (s *Server) farewell(r endReason) string {
	switch r {
	case endIdle:
		// Lines under 80 columns: the terminal is back to its own screen, which wraps.
		return fmt.Sprintf("vivipass: sessione chiusa dopo %s senza attività.\nRicollegarsi per continuare.", italianDuration(s.idle))
	case endShutdown:
		return "vivipass: il server si sta spegnendo, sessione chiusa.\nLe modifiche salvate sono al sicuro: ricollegarsi tra qualche minuto."
	case endCrash:
		return "vivipass: errore interno, sessione chiusa (l'errore è nel registro del server).\nLe modifiche salvate sono al sicuro: ricollegarsi per continuare."
	}
	return ""
}

// hint is the command line that connects this operator to this server.
func hint(sess ssh.Session, op domain.Operator) string {
	port := "PORTA"
	if _, p, err := net.SplitHostPort(sess.LocalAddr().String()); err == nil {
		port = p
	}
	return fmt.Sprintf("`ssh -p %s %s@host`", port, op.Name)
}

// sftpHint is the command that reaches the operator's comune folder from the counter PC.
func sftpHint(sess ssh.Session, op domain.Operator) string {
	host, port, err := net.SplitHostPort(sess.LocalAddr().String())
	if err != nil {
		return "sftp " + op.Name + "@server"
	}
	if ip := net.ParseIP(host); ip == nil || ip.IsUnspecified() || ip.IsLoopback() {
		host = "server"
	}
	return fmt.Sprintf("sftp -P %s %s@%s", port, op.Name, host)
}

// refuse writes msg on the session's error stream and ends it with status 1.
func refuse(sess ssh.Session, msg string) {
	wish.Fatalln(sess, "vivipass: "+msg)
}

// envSet reports whether name is set to a non-empty value in env.
func envSet(env []string, name string) bool {
	for _, kv := range env {
		if k, v, ok := strings.Cut(kv, "="); ok && k == name && v != "" {
			return true
		}
	}
	return false
}

func italianDuration(d time.Duration) string {
	switch {
	case d >= time.Hour && d%time.Hour == 0:
		if d == time.Hour {
			return "un'ora"
		}
		return fmt.Sprintf("%d ore", d/time.Hour)
	case d >= time.Minute && d%time.Minute == 0:
		if d == time.Minute {
			return "un minuto"
		}
		return fmt.Sprintf("%d minuti", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%d secondi", d/time.Second)
	}
	return d.String()
}

// guard runs the desk's root model and turns a panic in its Init, Update or View into
// the end of this session alone, with a log entry and a goodbye. (Bubble Tea would
// recover it too, but print the stack on the server's stderr and end the session with
// no word to the operator.) Panics inside commands are still Bubble Tea's.
type guard struct {
	m      *tui.Model
	se     *session
	log    *slog.Logger
	broken bool
	frames *frames // draws the views (nil: Bubble Tea's renderer does)
}

func (g *guard) crashed(where string, r any) {
	g.broken = true
	g.log.Error("errore interno nella sessione", "operatore", g.se.op.Name, "dove", where,
		"errore", fmt.Sprint(r), "stack", string(debug.Stack()))
	g.se.end(endCrash)
}

func (g *guard) Init() (cmd tea.Cmd) {
	defer func() {
		if r := recover(); r != nil {
			g.crashed("Init", r)
			cmd = tea.Quit
		}
	}()
	return g.m.Init()
}

func (g *guard) Update(msg tea.Msg) (_ tea.Model, cmd tea.Cmd) {
	if g.broken {
		return g, tea.Quit
	}
	defer func() {
		if r := recover(); r != nil {
			g.crashed("Update", r)
			cmd = tea.Quit
		}
	}()
	if g.frames != nil {
		g.frames.update(msg)
	}
	_, cmd = g.m.Update(msg)
	return g, cmd
}

func (g *guard) View() (v tea.View) {
	if g.broken {
		return tea.NewView("")
	}
	defer func() {
		if r := recover(); r != nil {
			g.crashed("View", r)
			v = tea.NewView("")
		}
	}()
	v = g.m.View()
	if g.frames != nil {
		g.frames.draw(v)
		return tea.View{}
	}
	return v
}
