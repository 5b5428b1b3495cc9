package service

import (
	"runtime"
	"syscall"
)

// inBackground runs fn on an OS thread of its own at the lowest CPU priority (nice 19),
// and waits: a backup's copy and verification (seconds of CPU on a region) then take
// only the CPU the sessions leave, so operators typing meanwhile feel nothing. The
// thread ends with fn (a goroutine that exits locked takes its thread with it), so the
// priority never reaches other work.
func inBackground(fn func()) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		runtime.LockOSThread() // never unlocked: the thread goes away with this goroutine
		_ = syscall.Setpriority(syscall.PRIO_PROCESS, syscall.Gettid(), 19)
		fn()
	}()
	<-done
}
