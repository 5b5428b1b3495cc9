package server_test

import (
	"runtime"
	"testing"
	"time"

	"vivipass/server"
	"vivipass/server/sshtest"
)

// TestReleaseAfterSessions (issue 14.5): a little after sessions open or end the
// server gives the memory they left back to the system, once for openings or endings
// close together, and never while someone is typing.
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

	// The last session ends: one more.
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
}
