package control

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// logBuf is a log the tests read.
type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuf) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// start serves h on a socket in a new folder; the server is shut down at the end.
func start(t *testing.T, h Handler, allow func(uint32) bool) (*Server, *logBuf) {
	t.Helper()
	log := &logBuf{}
	s, err := Listen(Config{Path: SocketPath(filepath.Join(t.TempDir(), "vivipass.db")), Handler: h,
		Log: slog.New(slog.NewTextHandler(log, nil)), Allow: allow})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Shutdown(5 * time.Second) })
	return s, log
}

// call runs args on the server at path and returns exit code and outputs.
func call(t *testing.T, ctx context.Context, path string, stdin io.Reader, args ...string) (int, string, string) {
	t.Helper()
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	var out, errb bytes.Buffer
	code, err := Run(ctx, c, Request{Args: args, Dir: "/tmp", DefaultDB: "/x/vivipass.db", User: "collaudo"}, stdin, &out, &errb)
	if err != nil {
		t.Fatalf("Run %v: %v", args, err)
	}
	return code, out.String(), errb.String()
}

// echo writes its request on stdout, "err" on stderr, and exits with len(args).
func echo(ctx context.Context, c *Call) int {
	fmt.Fprintf(c.Stdout, "args=%q dir=%s db=%s user=%s uid=%d pid>0=%v\n", c.Args, c.Dir, c.DefaultDB, c.User, c.Peer.UID, c.Peer.PID > 0)
	fmt.Fprintln(c.Stderr, "err")
	return len(c.Args)
}

func TestRun(t *testing.T) {
	t.Parallel()
	s, log := start(t, echo, nil)
	fi, err := os.Lstat(s.Path())
	if err != nil || fi.Mode().Type() != fs.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("socket %s: %v, mode %v; want a socket 0600", s.Path(), err, fi.Mode())
	}
	if leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(s.Path()), ".vivipass-ctl-*")); len(leftovers) > 0 {
		t.Errorf("temporary folders left beside the socket: %v", leftovers)
	}
	code, out, errOut := call(t, context.Background(), s.Path(), failingReader{t}, "pass", "show", "L736 2026")
	want := fmt.Sprintf("args=[\"pass\" \"show\" \"L736 2026\"] dir=/tmp db=/x/vivipass.db user=collaudo uid=%d pid>0=true\n", os.Getuid())
	if code != 3 || out != want || errOut != "err\n" {
		t.Errorf("got exit %d, stdout %q, stderr %q; want 3, %q, \"err\\n\"", code, out, errOut, want)
	}
	if l := log.String(); !strings.Contains(l, "comando dal socket") || !strings.Contains(l, `comando="pass show …"`) || !strings.Contains(l, "uscita=3") {
		t.Errorf("the log does not record the command:\n%s", l)
	}
}

// failingReader fails the test when read: a command that does not read stdin must
// not consume the client's.
type failingReader struct{ t *testing.T }

func (f failingReader) Read([]byte) (int, error) {
	f.t.Error("stdin read although the command never asked for it")
	return 0, io.EOF
}

func TestStdin(t *testing.T) {
	t.Parallel()
	const max = 8 << 20 // MaxStdin in small: the same code, an eighth of the bytes
	s, err := Listen(Config{Path: SocketPath(filepath.Join(t.TempDir(), "vivipass.db")), maxStdin: max, Handler: func(ctx context.Context, c *Call) int {
		data, err := io.ReadAll(c.Stdin)
		if err != nil {
			fmt.Fprintln(c.Stderr, "errore:", err)
			return 1
		}
		fmt.Fprintf(c.Stdout, "%d %x\n", len(data), sha256.Sum256(data))
		return 0
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(time.Second)
	data := bytes.Repeat([]byte("riga;di;prova\n"), 300000) // 4 MiB: many frames
	code, out, errOut := call(t, context.Background(), s.Path(), bytes.NewReader(data), "import", "-")
	if want := fmt.Sprintf("%d %x\n", len(data), sha256.Sum256(data)); code != 0 || out != want {
		t.Errorf("exit %d, stdout %q (stderr %q), want %q", code, out, errOut, want)
	}
	code, out, _ = call(t, context.Background(), s.Path(), strings.NewReader(""), "import", "-")
	if want := fmt.Sprintf("0 %x\n", sha256.Sum256(nil)); code != 0 || out != want {
		t.Errorf("empty stdin: exit %d, stdout %q, want %q", code, out, want)
	}
	// Over the bound: the command reads an error, not 64 MiB more of memory.
	code, out, _ = call(t, context.Background(), s.Path(), io.LimitReader(zeros{}, max), "import", "-")
	if !strings.HasPrefix(out, fmt.Sprint(max)+" ") || code != 0 {
		t.Errorf("stdin of exactly %d bytes: exit %d, stdout %q", max, code, out)
	}
	code, _, errOut = call(t, context.Background(), s.Path(), io.LimitReader(zeros{}, max+1), "import", "-")
	if code != 1 || !strings.Contains(errOut, "supera 8 MiB") {
		t.Errorf("stdin over %d bytes: exit %d, stderr %q", max, code, errOut)
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestCancel: ctrl+c in the client cancels the command's context in the server, and
// the client still gets the command's last words and exit code.
func TestCancel(t *testing.T) {
	t.Parallel()
	cancelled := make(chan struct{})
	s, _ := start(t, func(ctx context.Context, c *Call) int {
		fmt.Fprintln(c.Stderr, "avanzamento: 1/2")
		select {
		case <-ctx.Done():
		case <-time.After(30 * time.Second):
			return 0
		}
		close(cancelled)
		if _, err := fmt.Fprintln(c.Stdout, "dopo"); err == nil {
			t.Error("stdout still writable after the cancel")
		}
		fmt.Fprintln(c.Stderr, "errore: comando interrotto")
		return 0 // the server turns a cancelled success into 1
	}, nil)
	c, err := Dial(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var out bytes.Buffer
	errw := &onWrite{f: func(p []byte) {
		if strings.Contains(string(p), "avanzamento") {
			cancel()
		}
	}}
	code, err := Run(ctx, c, Request{Args: []string{"import"}}, nil, &out, errw)
	if err != nil {
		t.Fatal(err)
	}
	select {
	case <-cancelled:
	default:
		t.Fatal("the command was not cancelled")
	}
	if code != 1 || !strings.Contains(errw.b.String(), "comando interrotto") || out.Len() != 0 {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out.String(), errw.b.String())
	}
}

type onWrite struct {
	b bytes.Buffer
	f func([]byte)
}

func (w *onWrite) Write(p []byte) (int, error) { w.b.Write(p); w.f(p); return len(p), nil }

// TestClientGone: a client killed mid-command cancels it.
func TestClientGone(t *testing.T) {
	t.Parallel()
	running, cancelled := make(chan struct{}), make(chan struct{})
	s, _ := start(t, func(ctx context.Context, c *Call) int {
		close(running)
		<-ctx.Done()
		close(cancelled)
		return 1
	}, nil)
	c, err := Dial(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	p, _ := encodeRequest(Request{Version: Version, Args: []string{"pec", "sync", "--once"}})
	if err := writeFrame(c, frameRequest, p); err != nil {
		t.Fatal(err)
	}
	<-running
	c.Close()
	select {
	case <-cancelled:
	case <-time.After(10 * time.Second):
		t.Fatal("the command was not cancelled when its client went away")
	}
}

// TestRefused: a user the server does not allow gets an Italian refusal, and the log
// says who and what.
func TestRefused(t *testing.T) {
	t.Parallel()
	ran := false
	s, log := start(t, func(ctx context.Context, c *Call) int { ran = true; return 0 }, func(uint32) bool { return false })
	code, out, errOut := call(t, context.Background(), s.Path(), nil, "backup", "/tmp/copia.db")
	if code != 1 || out != "" || !strings.Contains(errOut, "comando rifiutato") || !strings.Contains(errOut, "solo dall'utente che lo ha avviato o da root") {
		t.Errorf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	if ran {
		t.Error("the command ran")
	}
	l := log.String()
	if strings.Count(l, "comando rifiutato") != 1 || !strings.Contains(l, fmt.Sprintf("uid=%d", os.Getuid())) ||
		!strings.Contains(l, fmt.Sprintf("pid=%d", os.Getpid())) || !strings.Contains(l, `comando="backup …"`) || strings.Contains(l, "copia.db") {
		t.Errorf("the log line does not say who and what:\n%s", l)
	}
}

// TestBounds: what the client sends is bounded before anything runs.
func TestBounds(t *testing.T) {
	t.Parallel()
	log := &logBuf{}
	s, err := Listen(Config{Path: SocketPath(filepath.Join(t.TempDir(), "vivipass.db")), Handler: echo,
		Log: slog.New(slog.NewTextHandler(log, nil)), requestWithin: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Shutdown(time.Second)
	c, err := Dial(s.Path())
	if err != nil {
		t.Fatal(err)
	}
	_, err = Run(context.Background(), c, Request{Args: make([]string, MaxArgs+1)}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "troppi argomenti") {
		t.Errorf("too many arguments: %v", err)
	}
	c, _ = Dial(s.Path())
	_, err = Run(context.Background(), c, Request{Args: []string{strings.Repeat("x", MaxArgBytes+1)}}, nil, io.Discard, io.Discard)
	if err == nil || !strings.Contains(err.Error(), "argomento troppo lungo") {
		t.Errorf("argument too long: %v", err)
	}

	// A client that does not use Run: the server checks again.
	raw := func(typ byte, p []byte, size uint32) (string, int) {
		t.Helper()
		c, err := Dial(s.Path())
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		hdr := []byte{typ, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(hdr[1:], size)
		c.Write(append(hdr, p...))
		var errOut, out bytes.Buffer
		code := -1
		for {
			typ, p, err := readFrame(c, maxFrame)
			if err != nil {
				return errOut.String(), code
			}
			switch typ {
			case frameStderr:
				errOut.Write(p)
			case frameStdout:
				out.Write(p)
			case frameExit:
				code = int(binary.BigEndian.Uint32(p))
			}
		}
	}
	if msg, code := raw(frameRequest, nil, MaxRequest+1); code != 1 || !strings.Contains(msg, "oltre il limite") {
		t.Errorf("oversized request frame: exit %d, %q", code, msg)
	}
	p := []byte(`{"v":99,"args":["pass"]}`)
	if msg, code := raw(frameRequest, p, uint32(len(p))); code != 1 || !strings.Contains(msg, "versione del protocollo 99") {
		t.Errorf("other version: exit %d, %q", code, msg)
	}
	p = []byte(`{"v":1,"args":["pass"],"dir":"relativa"}`)
	if msg, code := raw(frameRequest, p, uint32(len(p))); code != 1 || !strings.Contains(msg, "non assoluta") {
		t.Errorf("relative dir: exit %d, %q", code, msg)
	}
	if msg, code := raw(frameStdout, []byte("x"), 1); code != 1 || !strings.Contains(msg, "invece della richiesta") {
		t.Errorf("no request first: exit %d, %q", code, msg)
	}
	// Silent after connecting: the server does not wait for ever (requestWithin).
	start := time.Now()
	if _, code := raw(frameRequest, nil, 10); code != 1 || time.Since(start) > 10*time.Second {
		t.Errorf("truncated request: exit %d after %v", code, time.Since(start))
	}
	if !strings.Contains(log.String(), "richiesta non valida") {
		t.Errorf("invalid requests are not logged:\n%s", log.String())
	}
}

// TestTooManyCommands: the MaxConns+1st command at once is turned away, not queued.
func TestTooManyCommands(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	started := make(chan struct{}, MaxConns)
	s, _ := start(t, func(ctx context.Context, c *Call) int {
		started <- struct{}{}
		<-release
		return 0
	}, nil)
	var wg sync.WaitGroup
	for range MaxConns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := Dial(s.Path())
			if err != nil {
				t.Error(err)
				return
			}
			if code, err := Run(context.Background(), c, Request{Args: []string{"audit", "verify"}}, nil, io.Discard, io.Discard); err != nil || code != 0 {
				t.Errorf("exit %d, %v", code, err)
			}
		}()
	}
	for range MaxConns {
		<-started
	}
	code, _, errOut := call(t, context.Background(), s.Path(), nil, "store", "verify")
	if code != 1 || !strings.Contains(errOut, "troppi comandi in corso") {
		t.Errorf("command %d: exit %d, stderr %q", MaxConns+1, code, errOut)
	}
	close(release)
	wg.Wait()
	if code, _, errOut := call(t, context.Background(), s.Path(), nil, "store", "verify"); code != 0 {
		t.Errorf("after the others ended: exit %d, %s", code, errOut)
	}
}

// TestPanic: a command that panics ends with 1; the server goes on.
func TestPanic(t *testing.T) {
	t.Parallel()
	s, log := start(t, func(ctx context.Context, c *Call) int {
		if c.Args[0] == "boom" {
			panic("rotto")
		}
		return 0
	}, nil)
	if code, _, errOut := call(t, context.Background(), s.Path(), nil, "boom"); code != 1 || !strings.Contains(errOut, "errore interno del server: rotto") {
		t.Errorf("exit %d, stderr %q", code, errOut)
	}
	if code, _, _ := call(t, context.Background(), s.Path(), nil, "ok"); code != 0 {
		t.Errorf("after the panic: exit %d", code)
	}
	if !strings.Contains(log.String(), "errore interno") {
		t.Errorf("the panic is not in the log:\n%s", log.String())
	}
}

// TestSocketFile: a stale socket is replaced, a live one or another file is not, a
// long path works, and Shutdown removes the socket and cancels what runs.
func TestSocketFile(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	path := SocketPath(filepath.Join(dir, "vivipass.db"))

	// A server killed with SIGKILL leaves its socket file: nobody answers there.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
	if _, err := Dial(path); !errors.Is(err, ErrNotServing) {
		t.Fatalf("Dial on a stale socket: %v, want ErrNotServing", err)
	}
	running := make(chan struct{})
	s, err := Listen(Config{Path: path, Handler: func(ctx context.Context, c *Call) int {
		if c.Args[0] == "wait" {
			close(running)
			<-ctx.Done()
			return 1
		}
		return 0
	}})
	if err != nil {
		t.Fatalf("Listen over a stale socket: %v", err)
	}
	if code, _, _ := call(t, context.Background(), path, nil, "x"); code != 0 {
		t.Errorf("exit %d", code)
	}
	// A second server on the same socket while the first answers: refused.
	if _, err := Listen(Config{Path: path, Handler: echo}); err == nil || !strings.Contains(err.Error(), "risponde già") {
		t.Errorf("second Listen: %v", err)
	}
	// Shutdown cancels the command running and removes the socket.
	result := make(chan int, 1)
	go func() {
		code, _, _ := call(t, context.Background(), path, nil, "wait")
		result <- code
	}()
	<-running
	s.Shutdown(5 * time.Second)
	if code := <-result; code != 1 {
		t.Errorf("command running at shutdown: exit %d, want 1", code)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket left after Shutdown: %v", err)
	}
	if _, err := Dial(path); !errors.Is(err, ErrNotServing) {
		t.Errorf("Dial after Shutdown: %v", err)
	}

	// Not a socket: left alone.
	if err := os.WriteFile(path, []byte("dati"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(Config{Path: path, Handler: echo}); err == nil || !strings.Contains(err.Error(), "non è un socket") {
		t.Errorf("Listen over a regular file: %v", err)
	}

	// Longer than sun_path (108 bytes).
	long := filepath.Join(dir, strings.Repeat("cartella-lunga-", 5), strings.Repeat("x", 20))
	if err := os.MkdirAll(long, 0o700); err != nil {
		t.Fatal(err)
	}
	lp := SocketPath(filepath.Join(long, "vivipass.db"))
	if len(lp) <= sunPathMax {
		t.Fatalf("path %d bytes long: the test needs more than %d", len(lp), sunPathMax)
	}
	ls, err := Listen(Config{Path: lp, Handler: echo})
	if err != nil {
		t.Fatalf("Listen on a long path: %v", err)
	}
	defer ls.Shutdown(time.Second)
	if code, _, _ := call(t, context.Background(), lp, nil, "a", "b"); code != 2 {
		t.Errorf("long path: exit %d", code)
	}
	if fi, err := os.Lstat(lp); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("long path socket: %v %v", err, fi.Mode())
	}
}

// TestLogNamesNoValues (issue 13, plates are personal data): the socket's log says the
// command, its subcommand and the names of its flags, never a value: not a plate, a
// name, a fiscal code or a file, typed as an argument or after a flag.
func TestLogNamesNoValues(t *testing.T) {
	t.Parallel()
	s, log := start(t, func(ctx context.Context, c *Call) int { return 0 }, nil)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"whitelist", "check", "AB123CD", "--nazione", "FR", "--at=2019-01-01"}, `comando="whitelist check … --nazione … --at"`},
		{[]string{"client", "log", "--targa", "ZZ999ZZ", "--db", "/srv/dati/registro.db"}, `comando="client log --targa … --db …"`},
		{[]string{"search", "rossi", "--json"}, `comando="search … --json"`},
		{[]string{"search", "RSSMRA80A01L736X"}, `comando="search …"`},
		{[]string{"import", "-", "--comune", "L736"}, `comando="import … --comune …"`},
		{[]string{"pass", "show", "L736_2026_00001", "--json"}, `comando="pass show … --json"`},
		{[]string{"verify", "CUDE1;L736;L736_2026_00001;2031-12-03;x;y"}, `comando="verify …"`},
	} {
		before := len(log.String())
		if code, _, _ := call(t, context.Background(), s.Path(), nil, tc.args...); code != 0 {
			t.Fatalf("%v: exit %d", tc.args, code)
		}
		var line string
		for i := 0; i < 100 && line == ""; i++ { // the line is written after the exit is sent
			if l := log.String()[before:]; strings.Contains(l, "\n") {
				line = l
			} else {
				time.Sleep(10 * time.Millisecond)
			}
		}
		if !strings.Contains(line, "comando dal socket") || !strings.Contains(line, tc.want) {
			t.Errorf("%q: log line\n%s\nwant %s", tc.args, line, tc.want)
		}
		for _, secret := range []string{"AB123CD", "FR", "2019-01-01", "ZZ999ZZ", "registro.db", "rossi", "RSSMRA", "L736", "CUDE1"} {
			if strings.Contains(line, secret) {
				t.Errorf("%q: the log has %q: %s", tc.args, secret, line)
			}
		}
	}
}
