package server_test

import (
	"bytes"
	"runtime"
	"runtime/pprof"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	gossh "golang.org/x/crypto/ssh"

	"vivipass/files"
	"vivipass/server"
	"vivipass/server/sshtest"
)

// extent is how far the desk drew on a screen: the last row with text, and the widest row.
func extent(screen string) (rows, width int) {
	for i, line := range strings.Split(screen, "\n") {
		if strings.TrimSpace(line) != "" {
			rows = i + 1
		}
		width = max(width, utf8.RuneCountInString(line))
	}
	return rows, width
}

func heapAlloc() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// waitGoroutines waits until no more than n goroutines run; it fails with their stacks.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.Now().Add(wait)
	for runtime.NumGoroutine() > n {
		if time.Now().After(deadline) {
			var b bytes.Buffer
			_ = pprof.Lookup("goroutine").WriteTo(&b, 1)
			t.Fatalf("%d goroutines, want at most %d as before the session:\n%s", runtime.NumGoroutine(), n, b.String())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestHugeTerminal (issue 12.1): a client asking for a 10000×10000 PTY, then window
// changes of 3000×3000, gets a desk drawn for at most 500×200; the server's heap does not
// balloon; when the client goes (the connection closed, or only the session's channel)
// the session's goroutines end; and Shutdown ends such a session at once.
func TestHugeTerminal(t *testing.T) {
	f := newFixture(t, server.Config{})
	// The virtual screen is bigger than the clamp, so a desk drawn past it would show.
	huge := sshtest.Options{Width: 10000, Height: 10000, ScreenWidth: 600, ScreenHeight: 250}
	heapBefore := heapAlloc()
	goroutinesBefore := runtime.NumGoroutine()

	term := f.connect("mario", huge)
	fits := func(what string) {
		t.Helper()
		must(t, term.WaitUntil(wait, what+": the desk drawn for 500×200", func(s string) bool {
			rows, width := extent(s)
			return rows == server.MaxHeight && width == server.MaxWidth
		}))
		// Nothing drawn past the clamp, a moment later either.
		time.Sleep(100 * time.Millisecond)
		if rows, width := extent(term.Screen.Text()); rows > server.MaxHeight || width > server.MaxWidth {
			t.Fatalf("%s: the desk drew %d rows × %d columns, beyond %d×%d", what, rows, width, server.MaxHeight, server.MaxWidth)
		}
	}
	fits("10000×10000 PTY")

	// A smaller window first, so that the 3000×3000 change shows (Bubble Tea drops
	// sizes it finds implausible: dropped, the desk would stay at 100×30).
	must(t, term.Session.WindowChange(30, 100))
	must(t, term.WaitUntil(wait, "the desk at 100×30", func(s string) bool {
		rows, width := extent(strings.Join(strings.Split(s, "\n")[:30], "\n"))
		return rows == 30 && width == 100
	}))
	term.Screen.Resize(600, 250) // clear what the bigger desk left
	term.Screen.Write([]byte("\x1b[2J"))
	for range 3 {
		must(t, term.Session.WindowChange(3000, 3000))
	}
	fits("window change to 3000×3000")
	// The session works.
	must(t, term.Send(sshtest.F2))
	must(t, term.WaitFor(wait, "Cerca:", "trovati"))
	fits("Contrassegni")

	if grown := int64(heapAlloc()) - int64(heapBefore); grown > 256<<20 {
		t.Errorf("the heap grew by %d MB with one session", grown>>20)
	} else {
		t.Logf("heap: +%d MB with one 500×200 session", grown>>20)
	}

	// The client vanishes: the session and all its goroutines end.
	term.Client.Close()
	waitSessions(t, f.srv, 0)
	waitGoroutines(t, goroutinesBefore)

	// The client closes the session's channel and keeps the connection.
	term = f.connect("mario", huge)
	must(t, term.Session.Close())
	waitSessions(t, f.srv, 0)
	term.Client.Close()
	waitGoroutines(t, goroutinesBefore)

	// Shutdown (SIGTERM of serve) with a huge session open.
	term = f.connect("admin", huge)
	start := time.Now()
	f.stop()
	must(t, term.WaitEnd(wait))
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("Shutdown took %v with a huge session open", d)
	}
	if !strings.Contains(term.Screen.Text(), "il server si sta spegnendo") {
		t.Errorf("no goodbye:\n%s", term.Screen.Text())
	}
}

// TestRefusalFlood (issue 12.11): 200 attempts with a 32 KB user name (escape sequences
// and newlines in it) and an unregistered key give a short log: no line longer than
// 1 KB, the user name cut and escaped, a line each for the first attempts and one line
// for the rest when the window ends; then the host may connect again.
func TestRefusalFlood(t *testing.T) {
	defer server.SetRefusalWindow(2 * time.Second)()
	f := newFixture(t, server.Config{})
	stranger, _, err := sshtest.NewKey()
	must(t, err)
	user := strings.Repeat("mario\x1b[2J\n", 32<<10/len("mario\x1b[2J\n"))
	start := time.Now()
	for i := range 200 {
		auth := []gossh.AuthMethod{gossh.PublicKeys(stranger)}
		if i%2 == 1 {
			auth = []gossh.AuthMethod{gossh.Password("x")} // not offered at all
		}
		if _, err := sshtest.Dial(f.addr, sshtest.Options{User: user, Auth: auth}); err == nil {
			t.Fatal("an unregistered key got in")
		}
	}
	t.Logf("200 refused attempts in %v", time.Since(start).Round(time.Millisecond))
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(f.log.String(), "troppi accessi rifiutati") {
		if time.Now().After(deadline) {
			t.Fatalf("no summary line after the window:\n%s", f.log.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	log := f.log.String()
	lines := strings.Split(strings.TrimSpace(log), "\n")
	refused := strings.Count(log, `msg="accesso rifiutato"`)
	if refused == 0 || refused > 2*server.RefusalBurst {
		t.Errorf("%d refusals logged one by one, want 1 to %d", refused, 2*server.RefusalBurst)
	}
	if len(log) > 32<<10 {
		t.Errorf("the log is %d bytes for 200 attempts", len(log))
	}
	for _, l := range lines {
		if len(l) > 1024 {
			t.Errorf("a log line of %d bytes: %.200s…", len(l), l)
		}
	}
	if strings.Contains(log, "\x1b") || strings.Contains(log, "mariomario") {
		t.Error("the user name reached the log raw")
	}
	if !strings.Contains(log, `utente=mario\x1b[2J\nmario`) {
		t.Errorf("the user name's beginning, escaped, is not in the log:\n%.2000s", log)
	}
	if !strings.Contains(log, "non_registrati=") {
		t.Errorf("the summary does not count the attempts:\n%s", log)
	}

	// The window over, an operator at the same address gets in.
	f.connect("mario", sshtest.Options{})
}

// TestEndlessPaste (issue 12.1): a client that starts a bracketed paste and sends 48 MB
// without ending it does not grow the server's heap (the paste is cut at 1 MB and the
// rest dropped); after the paste's end the session works.
func TestEndlessPaste(t *testing.T) {
	f := newFixture(t, server.Config{})
	term := f.connect("mario", sshtest.Options{})
	heapBefore := heapAlloc()
	must(t, term.Send("\x1b[200~"))
	chunk := strings.Repeat("abcdefgh", 4<<10)
	for range 48 << 20 / len(chunk) {
		must(t, term.Send(chunk))
	}
	time.Sleep(300 * time.Millisecond) // the last window's worth read by the server
	if grown := int64(heapAlloc()) - int64(heapBefore); grown > 16<<20 {
		t.Errorf("the heap grew by %d MB for an endless paste", grown>>20)
	} else {
		t.Logf("heap: %+d MB after 48 MB of paste", grown>>20)
	}
	// A key after the paste's end reaches the desk.
	must(t, term.Send("\x1b[201~", sshtest.F2))
	must(t, term.WaitFor(wait, "Cerca:", "trovati"))
}

// TestSFTPRefusalLog (issue 12.11): refused SFTP requests with 32 KB paths (escape
// sequences in them) give log lines of bounded length, the path cut and escaped.
func TestSFTPRefusalLog(t *testing.T) {
	f, _ := newFilesFixture(t, files.Limits{File: 256 << 10, Comune: 600 << 10})
	c, _ := f.sftpClient("mario")
	long := "/foto/sotto/" + strings.Repeat("x\x1b[2J\n", 32<<10/len("x\x1b[2J\n"))
	for range 20 {
		if err := put(t, c, long, []byte("x")); err == nil {
			t.Fatal("an upload to a subfolder was accepted")
		}
	}
	log := f.log.String()
	if n := strings.Count(log, "sftp rifiutato"); n == 0 {
		t.Fatalf("no refusal in the log:\n%.2000s", log)
	}
	for _, l := range strings.Split(log, "\n") {
		if len(l) > 1024 {
			t.Errorf("a log line of %d bytes: %.200s…", len(l), l)
		}
	}
	if strings.Contains(log, "\x1b") {
		t.Error("an escape sequence reached the log raw")
	}
}
