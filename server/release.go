package server

import (
	"runtime/debug"
	"time"
)

// What an ended session held (its screens, its pages, its connection's buffers) is
// garbage at once, but the runtime gives the pages back to the system slowly, and with
// the collector tuned for typing (TuneGC) a server that had thirty sessions kept their
// RSS for long after (issue 14.5). Opening a session leaves garbage too (the
// handshake, the first searches on the register: more than the session keeps), which
// the collector tuned for typing leaves in the RSS. A little after a session opens or
// ends, when nobody is typing, the server collects and returns the freed memory, and
// when no session is left the register's pages read through the map (issue 14.5:
// after cycles of 30 sessions what stays is the Go runtime's own, its metadata and
// the descriptors of the goroutines it ran; sshbench shows it by class). Openings and
// endings close together make one release.

// releaseAfter is how long after a session opens or ends the memory is given back.
var releaseAfter = 2 * time.Second

// releaseQuiet: no key pressed for this long in any session before a release.
const releaseQuiet = 300 * time.Millisecond

// scheduleRelease (s.mu held) plans a release unless one is pending.
func (s *Server) scheduleRelease() {
	if !s.closing && s.releaseTimer == nil {
		s.releaseTimer = time.AfterFunc(releaseAfter, s.release)
	}
}

// release (scheduled when a session opens or ends and none is pending) collects and
// returns the freed memory to the system, or waits again while someone types (a forced
// collection takes CPU from the keys).
func (s *Server) release() {
	if s.Typing(releaseQuiet) {
		s.mu.Lock()
		if s.releaseTimer != nil && !s.closing {
			s.releaseTimer.Reset(releaseAfter)
		}
		s.mu.Unlock()
		return
	}
	s.mu.Lock()
	s.releaseTimer = nil
	open := len(s.sessions)
	s.mu.Unlock()
	debug.FreeOSMemory()
	if open == 0 {
		// No session left: the register's pages the sessions read through bbolt's map
		// leave the RSS too (they stay in the system's page cache, and the next
		// reader maps them again at a minor fault's cost); with sessions open they
		// are their working set, and stay.
		s.cfg.Svc.DB().ReleaseMapped()
	}
	s.releases.Add(1)
}
