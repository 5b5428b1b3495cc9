// Package sshbench measures the desk over a real SSH connection on loopback, on a
// region-sized register (~120,000 passes, bench/genregion imported through the service
// once and kept under bench/out/): key press to updated frame while typing a search,
// bytes sent when the selection moves one row (across the rows fetched after the first
// page too), connection to first full frame, and heap and RSS (VmRSS, VmHWM of the server
// process) per open session (right after they opened, and sitting open a few seconds
// later), and the RSS left once they end. The server runs in a child process (this test binary started
// again), so that its heap is measured apart from the clients'.
//
// Run: go test -run '^$' -bench . -benchtime 1x ./bench/sshbench/  (also in `make bench`)
package sshbench
