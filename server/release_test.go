package server_test

import (
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"vivipass/server"
	"vivipass/server/sshtest"
)

// TestReleaseAfterSessions (issue 14.5): a little after sessions open or end the
// server gives the memory they left back to the system, once for openings or endings
// close together, and never while someone is typing; when the last one ends, the
// register's pages read through the map too.
func TestReleaseAfterSessions(t *testing.T) {
	defer server.SetReleaseAfter(300 * time.Millisecond)()
	f := newFixture(t, server.Config{})
	mario := f.connect("mario", sshtest.Options{})
	giulia := f.connect("giulia", sshtest.Options{})
	admin := f.connect("admin", sshtest.Options{})
	for _, term := range []*sshtest.Term{mario, giulia} {
		must(t, term.Send(sshtest.F2))
		must(t, term.WaitFor(wait, "trovati"))
	}
	// The openings: released once the keys stopped (the F2 above postponed it).
	deadline := time.Now().Add(wait)
	for f.srv.Releases() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no release after the sessions opened")
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(700 * time.Millisecond)
	opened := f.srv.Releases()
	if opened > 2 {
		t.Errorf("%d releases for three openings close together", opened)
	}

	// Two sessions end together, while admin types in a search: nothing is released
	// as long as the keys come.
	must(t, admin.Send(sshtest.F2))
	must(t, admin.WaitFor(wait, "trovati"))
	for _, term := range []*sshtest.Term{mario, giulia} {
		must(t, term.Send(sshtest.CtrlC))
		must(t, term.WaitEnd(wait))
	}
	waitSessions(t, f.srv, 1)
	typingUntil := time.Now().Add(1200 * time.Millisecond)
	for time.Now().Before(typingUntil) {
		must(t, admin.Send("a"))
		time.Sleep(100 * time.Millisecond)
		if n := f.srv.Releases(); n != opened {
			t.Fatalf("memory released while a session was typing (%d)", n-opened)
		}
	}

	// The keys stop: one release for both endings.
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	deadline = time.Now().Add(wait)
	for f.srv.Releases() == opened {
		if time.Now().After(deadline) {
			t.Fatal("no release after the sessions ended and the keys stopped")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if after.NumForcedGC <= before.NumForcedGC {
		t.Errorf("the release forced no collection (%d → %d)", before.NumForcedGC, after.NumForcedGC)
	}
	time.Sleep(700 * time.Millisecond)
	if n := f.srv.Releases() - opened; n != 1 {
		t.Errorf("%d releases for two endings close together, want 1", n)
	}

	// The last session ends: one more, and the register's pages the sessions read
	// through the map leave the RSS.
	dbFile := filepath.Join(f.dir, "vivipass.db")
	must(t, admin.Send(sshtest.F2, "a")) // pages of the passes read
	must(t, admin.WaitFor(wait, "Cerca: a"))
	mappedBefore := mappedRSS(t, dbFile)
	must(t, admin.Send(sshtest.CtrlC))
	must(t, admin.WaitEnd(wait))
	waitSessions(t, f.srv, 0)
	deadline = time.Now().Add(wait)
	for f.srv.Releases()-opened != 2 {
		if time.Now().After(deadline) {
			t.Fatalf("%d releases after the last session ended, want 2", f.srv.Releases()-opened)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if runtime.GOOS == "linux" {
		if after := mappedRSS(t, dbFile); mappedBefore == 0 || after > 0 {
			t.Errorf("the register's mapped pages in the RSS: %d KB with a session, %d KB after the release; want some, then none", mappedBefore>>10, after>>10)
		}
	}
}

// mappedRSS is how much of the file at path this process has in its RSS through its
// maps (/proc/self/smaps).
func mappedRSS(t *testing.T, path string) uint64 {
	t.Helper()
	if runtime.GOOS != "linux" {
		return 0
	}
	b, err := os.ReadFile("/proc/self/smaps")
	if err != nil {
		t.Fatal(err)
	}
	var total uint64
	in := false
	for line := range strings.Lines(string(b)) {
		f := strings.Fields(line)
		if len(f) >= 5 && strings.Contains(f[0], "-") && !strings.HasSuffix(f[0], ":") {
			in = len(f) >= 6 && f[5] == path
			continue
		}
		if in && len(f) == 3 && f[0] == "Rss:" {
			kb, _ := strconv.ParseUint(f[1], 10, 64)
			total += kb << 10
		}
	}
	return total
}
