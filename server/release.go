package server

import (
	"runtime/debug"
	"time"
)

// What an ended session held (its screens, its pages, its connection's buffers) is
// garbage at once, but the runtime gives the pages back to the system slowly, and with
// the collector tuned for typing (TuneGC) a server that had thirty sessions kept their
// RSS for long after (issue 14.5). A little after a session ends, when nobody is typing,
// the server collects and returns the freed memory. Endings close together make one
// release.

// releaseAfter is how long after a session ends the memory is given back.
var releaseAfter = 2 * time.Second

// releaseQuiet: no key pressed for this long in any session before a release.
const releaseQuiet = 300 * time.Millisecond

// release (scheduled by unregister when a session ends and none is pending) collects and returns the freed memory to the system, or waits again while
// someone types (a forced collection takes CPU from the keys).
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
	s.mu.Unlock()
	debug.FreeOSMemory()
	s.releases.Add(1)
}
