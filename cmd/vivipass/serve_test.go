//go:build !lean

package main

// `vivipass serve` as the administrator runs it: the real binary on a demo database
// with a key registered by `operator add`, an operator connecting over SSH, and
// SIGTERM ending everything cleanly.

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"vivipass/server/sshtest"
)

// serving is a running `vivipass serve`.
type serving struct {
	cmd    *exec.Cmd
	addr   string
	host   string // host key fingerprint printed at start
	mu     sync.Mutex
	stderr bytes.Buffer
	stdout bytes.Buffer
	exited chan error
}

func (s *serving) logs() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.stdout.String() + s.stderr.String()
}

type lockedBuf struct {
	mu *sync.Mutex
	b  *bytes.Buffer
}

func (w lockedBuf) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

var listenRe = regexp.MustCompile(`server SSH su (\S+)`)
var hostKeyRe = regexp.MustCompile(`chiave dell'host: \S+ \((SHA256:\S+)\)`)

// startServe runs `vivipass serve` on a free loopback port and waits for its address.
func startServe(t testing.TB, args ...string) *serving {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"serve", "--ssh", "127.0.0.1:0"}, args...)...)
	cmd.Env = runEnv()
	s := &serving{cmd: cmd, exited: make(chan error, 1)}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = lockedBuf{&s.mu, &s.stderr}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			s.mu.Lock()
			s.stdout.WriteString(sc.Text() + "\n")
			s.mu.Unlock()
			lines <- sc.Text()
		}
		close(lines)
		_, _ = io.Copy(io.Discard, out)
		s.exited <- cmd.Wait()
	}()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
		}
	})
	deadline := time.After(20 * time.Second)
	for s.addr == "" || s.host == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("serve ended before listening:\n%s", s.logs())
			}
			if m := listenRe.FindStringSubmatch(l); m != nil {
				s.addr = m[1]
			}
			if m := hostKeyRe.FindStringSubmatch(l); m != nil {
				s.host = m[1]
			}
		case <-deadline:
			t.Fatalf("serve does not say where it listens:\n%s", s.logs())
		}
	}
	go func() {
		for range lines {
		}
	}()
	return s
}

// stop sends SIGTERM and waits for the exit code.
func (s *serving) stop(t testing.TB) int {
	t.Helper()
	if err := s.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.exited:
	case <-time.After(20 * time.Second):
		t.Fatalf("serve did not exit after SIGTERM:\n%s", s.logs())
	}
	return s.cmd.ProcessState.ExitCode()
}

func TestServe(t *testing.T) {
	db := demoDB(t)
	signer, line, err := sshtest.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(t.TempDir(), "mario.pub")
	if err := os.WriteFile(pub, line, 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, 0, "operator", "add", "--name", "mario", "--role", "operatore", "--comune", "L736", "--key", pub, "--db", db)

	s := startServe(t, "--db", db, "--idle", "10m")
	hostKey := filepath.Join(filepath.Dir(db), "host_ed25519")
	if fi, err := os.Stat(hostKey); err != nil || fi.Mode().Perm()&0o077 != 0 {
		t.Errorf("host key next to the database: %v, mode %v", err, fi.Mode())
	}
	term, err := sshtest.Dial(s.addr, sshtest.Options{User: "mario", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)}})
	if err != nil {
		t.Fatalf("ssh mario@%s: %v\n%s", s.addr, err, s.logs())
	}
	defer term.Close()
	if err := term.WaitFor(10*time.Second, "Bacheca informativa", "mario · VENEZIA"); err != nil {
		t.Fatal(err)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0\n%s", code, s.logs())
	}
	if err := term.WaitEnd(5 * time.Second); err != nil {
		t.Error(err)
	}
	contains(t, "the operator's screen", term.Screen.Text(), "il server si sta spegnendo")
	contains(t, "serve's output", s.logs(), "ssh -p ", "sessione aperta", "operatore=mario", "comune=L736",
		"chiusura del server", "database chiuso")
	if strings.Contains(s.logs(), "BEGIN OPENSSH PRIVATE KEY") {
		t.Error("the log shows a private key")
	}
	// The database is free again, and the host key is kept: same fingerprint next time.
	must(t, 0, "operator", "list", "--db", db)
	s2 := startServe(t, "--db", db)
	if s2.host != s.host {
		t.Errorf("host key changed between runs: %s, then %s", s.host, s2.host)
	}
	if code := s2.stop(t); code != 0 {
		t.Errorf("second serve exited %d\n%s", code, s2.logs())
	}
}

// TestServeHugeTerminal (issue 12.1): sessions asking for a 10000×10000 PTY and window
// changes of 3000×3000 keep the server's memory small, and SIGTERM stops it with them open.
func TestServeHugeTerminal(t *testing.T) {
	db := demoDB(t)
	signer, line, err := sshtest.NewKey()
	if err != nil {
		t.Fatal(err)
	}
	pub := filepath.Join(t.TempDir(), "mario.pub")
	if err := os.WriteFile(pub, line, 0o644); err != nil {
		t.Fatal(err)
	}
	must(t, 0, "operator", "add", "--name", "mario", "--role", "operatore", "--comune", "L736", "--key", pub, "--db", db)
	s := startServe(t, "--db", db)
	var terms []*sshtest.Term
	for range 3 {
		term, err := sshtest.Dial(s.addr, sshtest.Options{User: "mario", Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)},
			Width: 10000, Height: 10000, ScreenWidth: 600, ScreenHeight: 250})
		if err != nil {
			t.Fatalf("ssh: %v\n%s", err, s.logs())
		}
		defer term.Close()
		if err := term.WaitFor(10*time.Second, "Bacheca informativa"); err != nil {
			t.Fatal(err)
		}
		if err := term.Session.WindowChange(3000, 3000); err != nil {
			t.Fatal(err)
		}
		terms = append(terms, term)
	}
	if err := terms[0].Send(sshtest.F2); err != nil {
		t.Fatal(err)
	}
	if err := terms[0].WaitFor(10*time.Second, "Cerca:", "trovati"); err != nil {
		t.Fatal(err)
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`VmRSS:\s+(\d+) kB`).FindSubmatch(status); m == nil {
		t.Errorf("no VmRSS in /proc/PID/status:\n%s", status)
	} else if kb, _ := strconv.Atoi(string(m[1])); kb > 400<<10 {
		t.Errorf("serve uses %d MB with three huge sessions", kb>>10)
	} else {
		t.Logf("serve: %d MB resident with three huge sessions", kb>>10)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exited %d after SIGTERM, want 0\n%s", code, s.logs())
	}
	for _, term := range terms {
		if err := term.WaitEnd(5 * time.Second); err != nil {
			t.Error(err)
		}
	}
}

func TestServeUsage(t *testing.T) {
	r := must(t, 2, "serve", "--idle", "presto", "--db", filepath.Join(t.TempDir(), "x.db"))
	contains(t, "stderr", r.stderr, "durata non valida per --idle")
	r = must(t, 1, "serve", "--db", filepath.Join(t.TempDir(), "manca.db"))
	contains(t, "stderr", r.stderr, "non trovato")
	busy, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer busy.Close()
	r = must(t, 1, "serve", "--db", demoDB(t), "--ssh", busy.Addr().String())
	contains(t, "stderr", r.stderr, "è già in uso")
	r = must(t, 0, "serve", "--help")
	contains(t, "stdout", r.stdout, "--ssh", "--idle")
}
