package legacy

import (
	"io"
	"os"
	"syscall"
)

func mapReadOnly(f *os.File, size int) ([]byte, error) {
	return syscall.Mmap(int(f.Fd()), 0, size, syscall.PROT_READ, syscall.MAP_PRIVATE)
}

func unmap(b []byte) error { return syscall.Munmap(b) }

// dontNeed drops the pages of b from the process: they are the file's, unchanged, so
// the next read maps them again from the page cache.
func dontNeed(b []byte) { syscall.Madvise(b, syscall.MADV_DONTNEED) }

func readAll(f *os.File) ([]byte, error) { return io.ReadAll(f) }
