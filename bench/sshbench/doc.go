// Package sshbench measures the desk over a real SSH connection on loopback, on a
// region-sized register (~120,000 passes, bench/genregion imported through the service
// once and kept under bench/out/): key press to updated frame while typing a search,
// bytes sent when the selection moves one row (across the rows fetched after the first
// page too), connection to first full frame, and heap and RSS (VmRSS, VmHWM of the server
// process) per open session (right after they opened, and sitting open a few seconds
// later), and the memory given back once they end, over -cycles cycles of opening and
// ending -sessions sessions (issue 14.5): what the first cycle leaves is the Go
// runtime's own (shown by class, from runtime/metrics and smaps_rollup), the later
// cycles are judged against it (VmRSS, live heap, goroutines). The server runs in a
// child process (this test binary started again), so that its heap is measured apart
// from the clients', with the memory profiler off as in vivipass.
//
// Diagnosis: SSHBENCH_CLASSES=1 prints every cycle's memory by class;
// SSHBENCH_MAPS=DIR writes the server's /proc/self/smaps after each cycle.
//
// Run: go test -run '^$' -bench . -benchtime 1x ./bench/sshbench/  (also in `make bench`)
package sshbench
