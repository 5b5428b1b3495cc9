//go:build !linux

package legacy

import (
	"errors"
	"io"
	"os"
)

func mapReadOnly(*os.File, int) ([]byte, error) { return nil, errors.New("no map") }
func unmap([]byte) error                        { return nil }
func dontNeed([]byte)                           {}
func readAll(f *os.File) ([]byte, error)        { return io.ReadAll(f) }
