//go:build !linux

package store

// releaseMapped does nothing where madvise is not at hand.
func (t *Tx) releaseMapped() {}
