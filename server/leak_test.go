package server_test

import (
	"bytes"
	"io"
	"log/slog"
	"math"
	"net"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"vivipass/server"
	"vivipass/server/sshtest"
)

// dropAfter is a client connection that hangs up once it has read n bytes: the
// handshake stops wherever the server had got to.
type dropAfter struct {
	net.Conn
	n int
}

func (d *dropAfter) Read(p []byte) (int, error) {
	k, err := d.Conn.Read(p)
	if d.n -= k; d.n <= 0 {
		d.Conn.Close()
	}
	return k, err
}

// attack is one way of connecting without getting a desk, or of leaving early.
type attack struct {
	name string
	run  func(f *fixture, stranger gossh.Signer)
}

func attacks() []attack {
	dial := func(f *fixture) net.Conn {
		c, err := net.DialTimeout("tcp", f.addr, wait)
		if err != nil {
			f.t.Error(err)
			return nil
		}
		return c
	}
	handshake := func(f *fixture, c net.Conn, user string, auth ...gossh.AuthMethod) (*gossh.Client, error) {
		c.SetDeadline(time.Now().Add(wait))
		conn, chans, reqs, err := gossh.NewClientConn(c, f.addr, &gossh.ClientConfig{User: user, Auth: auth,
			HostKeyCallback: gossh.InsecureIgnoreHostKey()})
		if err != nil {
			c.Close()
			return nil, err
		}
		c.SetDeadline(time.Time{})
		return gossh.NewClient(conn, chans, reqs), nil
	}
	return []attack{
		{"TCP chiusa subito", func(f *fixture, _ gossh.Signer) {
			if c := dial(f); c != nil {
				c.Close()
			}
		}},
		{"solo la versione", func(f *fixture, _ gossh.Signer) {
			if c := dial(f); c != nil {
				io.WriteString(c, "SSH-2.0-prova\r\n")
				c.SetReadDeadline(time.Now().Add(wait))
				c.Read(make([]byte, 64))
				c.Close()
			}
		}},
		{"spazzatura dopo la versione", func(f *fixture, _ gossh.Signer) {
			if c := dial(f); c != nil {
				io.WriteString(c, "SSH-2.0-prova\r\n")
				c.Write(bytes.Repeat([]byte{0xff, 0, 0, 0x10}, 64))
				c.SetReadDeadline(time.Now().Add(wait))
				io.Copy(io.Discard, c) // until the server hangs up
				c.Close()
			}
		}},
		{"caduta nello scambio delle chiavi", func(f *fixture, _ gossh.Signer) {
			if c := dial(f); c != nil {
				handshake(f, &dropAfter{Conn: c, n: 300}, "mario", gossh.PublicKeys(f.keys["mario"]))
			}
		}},
		{"chiave non registrata", func(f *fixture, stranger gossh.Signer) {
			if c := dial(f); c != nil {
				if cl, err := handshake(f, c, "mario", gossh.PublicKeys(stranger)); err == nil {
					f.t.Error("an unregistered key got in")
					cl.Close()
				}
			}
		}},
		{"password", func(f *fixture, _ gossh.Signer) {
			if c := dial(f); c != nil {
				if cl, err := handshake(f, c, "mario", gossh.Password("mario")); err == nil {
					f.t.Error("a password got in")
					cl.Close()
				}
			}
		}},
		{"entrato, nessuna sessione", func(f *fixture, _ gossh.Signer) {
			if c := dial(f); c != nil {
				if cl, err := handshake(f, c, "mario", gossh.PublicKeys(f.keys["mario"])); err == nil {
					cl.Close()
				}
			}
		}},
		{"sessione chiusa prima della shell", func(f *fixture, _ gossh.Signer) {
			if c := dial(f); c != nil {
				if cl, err := handshake(f, c, "mario", gossh.PublicKeys(f.keys["mario"])); err == nil {
					if s, err := cl.NewSession(); err == nil {
						s.RequestPty("xterm", 24, 80, gossh.TerminalModes{})
					}
					cl.Close()
				}
			}
		}},
		{"caduta alla prima schermata", func(f *fixture, _ gossh.Signer) {
			if c := dial(f); c != nil {
				if cl, err := handshake(f, c, "mario", gossh.PublicKeys(f.keys["mario"])); err == nil {
					if t, err := sshtest.Open(cl, sshtest.Options{}); err == nil {
						t.WaitFor(wait, "Bacheca")
					}
					cl.Close()
				}
			}
		}},
	}
}

// TestAttacksLeaveNothing (issue 14.5): connections that fail the authentication, hang
// up in the middle of the handshake, or leave right after getting in, many of them and
// several at once, leave no goroutine behind once they are gone, nothing in the
// server's tables of refusals and sessions once their window is over, and a heap that
// does not grow from one round of them to the next.
func TestAttacksLeaveNothing(t *testing.T) {
	// A short window of the refusals' limit: most attempts go through the handshake
	// (some are closed at once by the limit), and the limit's table empties between
	// rounds.
	defer server.SetRefusalWindow(5 * time.Millisecond)()
	defer server.SetReleaseAfter(50 * time.Millisecond)()
	// The log counted, not kept: the fixture's own would keep every line in the heap.
	var logged lineCounter
	f := newFixture(t, server.Config{Log: slog.New(slog.NewTextHandler(&logged, nil))})
	stranger, _, err := sshtest.NewKey()
	must(t, err)
	list := attacks()
	round := func(each int) {
		var wg sync.WaitGroup
		work := make(chan attack)
		for range 8 { // eight clients at once
			wg.Add(1)
			go func() {
				defer wg.Done()
				for a := range work {
					a.run(f, stranger)
				}
			}()
		}
		for range each {
			for _, a := range list {
				work <- a
			}
		}
		close(work)
		wg.Wait()
	}
	// settle waits until the server is back to no session and an empty refusals'
	// table, and the goroutines to at most want (0: until they stop changing).
	settle := func(want int) (int, uint64) {
		deadline := time.Now().Add(3 * wait)
		last, stable := -1, 0
		for {
			sessions, refused, hosts, pending := f.srv.Tracked()
			n := runtime.NumGoroutine()
			done := sessions == 0 && refused == 0 && hosts == 0 && pending == 0
			if want > 0 {
				done = done && n <= want
			} else if n == last {
				stable++
				done = done && stable >= 20 // a second without change
			} else {
				stable = 0
			}
			last = n
			if done {
				break
			}
			if time.Now().After(deadline) {
				var dump strings.Builder
				pprof.Lookup("goroutine").WriteTo(&dump, 1)
				t.Fatalf("after the attacks: %d sessions, %d refused connections, %d hosts, %d handshakes still tracked, %d goroutines (want ≤ %d):\n%s",
					sessions, refused, hosts, pending, n, want, dump.String())
			}
			time.Sleep(50 * time.Millisecond)
		}
		time.Sleep(200 * time.Millisecond) // the release after the last session ended
		runtime.GC()
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return last, ms.HeapAlloc
	}

	round(1) // warm: what the first connections build once (pools, tables) is in the baseline
	base, _ := settle(0)
	round(20)
	_, first := settle(base)
	round(20)
	_, second := settle(base)
	round(20)
	_, third := settle(base)
	// 180 connections a round: a leak of even 70 bytes each would show.
	if grow := int64(third) - int64(first); grow > 24<<10 {
		t.Errorf("the heap grew by %d KB over two rounds of %d connections (%d → %d → %d bytes)",
			grow>>10, 20*len(list), first, second, third)
	}
	t.Logf("goroutines %d before and after; heap after each round: %d, %d, %d bytes; %d failed connections logged",
		base, first, second, third, logged.count("accesso rifiutato"))
	if n := logged.count("accesso rifiutato"); n < 10*len(list) {
		t.Errorf("%d failed connections logged in three rounds: the attacks did not reach the handshake", n)
	}

	// The server still serves.
	term := f.connect("mario", sshtest.Options{})
	term.Close()
}

// lineCounter counts the server's log lines by message, keeping none.
type lineCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *lineCounter) Write(p []byte) (int, error) {
	_, rest, _ := strings.Cut(string(p), "msg=")
	msg, _, _ := strings.Cut(rest, " ")
	if q, err := strconv.QuotedPrefix(rest); err == nil {
		msg, _ = strconv.Unquote(q)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.n == nil {
		c.n = map[string]int{}
	}
	c.n[msg]++
	return len(p), nil
}

func (c *lineCounter) count(msg string) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.n[msg]
}

// TestManyHostsLeaveNothing (issue 14.5): failed connections from thousands of
// addresses (127.x.y.z: loopback answers on the whole 127/8) fill the table of the
// refusals' limit; once their windows are over the table and its room are given back.
func TestManyHostsLeaveNothing(t *testing.T) {
	defer server.SetRefusalWindow(time.Second)()
	f := newFixture(t, server.Config{Log: slog.New(slog.DiscardHandler)})
	heap := func() uint64 { // the least of three readings, each after two collections
		least := uint64(math.MaxUint64)
		for range 3 {
			runtime.GC()
			runtime.GC() // sync.Pools are emptied over two
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			least = min(least, ms.HeapAlloc)
			time.Sleep(20 * time.Millisecond)
		}
		return least
	}
	flood := func(hosts int) {
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := w; i < hosts; i += 8 {
					d := net.Dialer{Timeout: wait, LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 1, byte(i>>8), byte(i))}}
					c, err := d.Dial("tcp", f.addr)
					if err != nil {
						t.Error(err)
						return
					}
					// Then wait for the server to hang up: eight connections at a time
					// on the server too (the runtime keeps the room of the most
					// goroutines it ever ran at once, whatever the server does).
					io.WriteString(c, "SSH-2.0-prova\r\n")
					c.(*net.TCPConn).CloseWrite()
					c.SetReadDeadline(time.Now().Add(wait))
					io.Copy(io.Discard, c)
					c.Close()
				}
			}()
		}
		wg.Wait()
	}
	empty := func() {
		deadline := time.Now().Add(3 * wait)
		for {
			sessions, refused, hosts, pending := f.srv.Tracked()
			if sessions == 0 && refused == 0 && hosts == 0 && pending == 0 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d sessions, %d refused connections, %d hosts, %d handshakes still tracked", sessions, refused, hosts, pending)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	flood(100) // warm
	empty()
	before := heap()
	const hosts = 4000
	peak := 0
	done := make(chan struct{})
	go func() {
		defer close(done)
		flood(hosts)
	}()
	for waiting := true; waiting; {
		select {
		case <-done:
			waiting = false
		case <-time.After(10 * time.Millisecond):
		}
		_, _, h, _ := f.srv.Tracked()
		peak = max(peak, h)
	}
	if peak < hosts/4 {
		t.Fatalf("at most %d hosts tracked at once during a flood from %d: the flood did not reach the limit's table", peak, hosts)
	}
	empty()
	after := heap()
	t.Logf("up to %d hosts tracked at once; heap %d bytes before the flood, %d after", peak, before, after)
	if grow := int64(after) - int64(before); grow > 64<<10 {
		t.Errorf("the heap kept %d KB after a flood from %d hosts (%d → %d bytes)", grow>>10, hosts, before, after)
	}
}

// TestSilentConnections (issue 14.5): connections that open and say nothing wait in
// their handshake; from one host at most server.MaxPendingHost do, the next are closed
// at once (each would hold goroutines and buffers until the handshake's timeout, and the
// runtime keeps the room of the most goroutines it ran at once). An operator from
// another address gets in meanwhile, one from the same address once those are gone.
func TestSilentConnections(t *testing.T) {
	f := newFixture(t, server.Config{Log: slog.New(slog.DiscardHandler)})
	from := func(ip net.IP) (net.Conn, error) {
		d := net.Dialer{Timeout: wait, LocalAddr: &net.TCPAddr{IP: ip}}
		return d.Dial("tcp", f.addr)
	}
	silent := net.IPv4(127, 0, 0, 1)
	var waiting []net.Conn
	closedAtOnce := 0
	for range server.MaxPendingHost + 5 {
		c, err := from(silent)
		must(t, err)
		defer c.Close()
		// The server sends its version first, whatever the client does; a connection
		// closed at once reads nothing then the end.
		c.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		buf := make([]byte, 64)
		if n, err := io.ReadAtLeast(c, buf, 4); err == nil && strings.HasPrefix(string(buf[:n]), "SSH-") {
			waiting = append(waiting, c)
		} else {
			closedAtOnce++
			c.Close()
		}
	}
	if len(waiting) != server.MaxPendingHost || closedAtOnce != 5 {
		t.Fatalf("%d silent connections waiting, %d closed at once; want %d and 5", len(waiting), closedAtOnce, server.MaxPendingHost)
	}
	if _, _, _, pending := f.srv.Tracked(); pending != server.MaxPendingHost {
		t.Errorf("%d connections pending, want %d", pending, server.MaxPendingHost)
	}

	// An operator from another address gets in.
	login := func(ip net.IP) error {
		c, err := from(ip)
		if err != nil {
			return err
		}
		c.SetDeadline(time.Now().Add(wait))
		conn, chans, reqs, err := gossh.NewClientConn(c, f.addr, &gossh.ClientConfig{User: "mario",
			Auth: []gossh.AuthMethod{gossh.PublicKeys(f.keys["mario"])}, HostKeyCallback: gossh.InsecureIgnoreHostKey()})
		if err != nil {
			c.Close()
			return err
		}
		c.SetDeadline(time.Time{})
		cl := gossh.NewClient(conn, chans, reqs)
		defer cl.Close()
		term, err := sshtest.Open(cl, sshtest.Options{})
		if err != nil {
			return err
		}
		return term.WaitFor(wait, "Bacheca informativa")
	}
	must(t, login(net.IPv4(127, 0, 0, 2)))
	if err := login(silent); err == nil {
		t.Error("an operator got in from an address with its handshakes at the limit")
	}

	// The silent ones go: the address gets in again, and nothing stays counted.
	for _, c := range waiting {
		c.Close()
	}
	deadline := time.Now().Add(wait)
	for {
		if _, _, _, pending := f.srv.Tracked(); pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("connections still counted in their handshake after they closed")
		}
		time.Sleep(20 * time.Millisecond)
	}
	must(t, login(silent))
	waitSessions(t, f.srv, 0)
	deadline = time.Now().Add(wait)
	for {
		if _, _, _, pending := f.srv.Tracked(); pending == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("a connection that got in is still counted in its handshake")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
