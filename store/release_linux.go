package store

import "syscall"

// releaseMapped gives back the pages of the register file this process has read
// through bbolt's map (issue 14.3: a verification reads the whole file, and its RSS
// grew with the register though its own memory stays ~10 MB). The pages are the
// file's, unchanged, so dropping them is safe while other readers use the map: the
// next read maps them again from the page cache. The map cannot move meanwhile: the
// caller's transaction holds it.
func (t *Tx) releaseMapped() {
	size := t.tx.Size()
	if size <= 0 {
		return
	}
	// The map's address as bbolt gives it, straight to the system call.
	syscall.Syscall(syscall.SYS_MADVISE, t.tx.DB().Info().Data, uintptr(size), syscall.MADV_DONTNEED)
}
