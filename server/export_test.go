package server

import "time"

// SetRefusalWindow shortens the window of the refusals' limit for a test; the returned
// function puts it back.
func SetRefusalWindow(d time.Duration) func() {
	old := refusalWindow
	refusalWindow = d
	return func() { refusalWindow = old }
}

// RefusalBurst is how many refused connections a host gets logged in a window.
const RefusalBurst = refusalBurst

// SetReleaseAfter changes how long after a session ends its memory is given back, for a
// test; the returned function puts it back.
func SetReleaseAfter(d time.Duration) func() {
	old := releaseAfter
	releaseAfter = d
	return func() { releaseAfter = old }
}

// Releases is how many times the server gave ended sessions' memory back.
func (s *Server) Releases() int64 { return s.releases.Load() }

// Tracked is what the server holds about connections: open sessions, connections
// refused and not yet failed, hosts in the refusals' limit, connections in their
// handshake.
func (s *Server) Tracked() (sessions, refused, hosts, pending int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sessions), len(s.refused), len(s.byHost), s.pendingAll
}

// MaxPendingHost is how many connections from one host may be in their handshake.
const MaxPendingHost = maxPendingHost
