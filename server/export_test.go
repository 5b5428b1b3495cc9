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
