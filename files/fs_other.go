//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package files

import (
	"errors"
	"os"
	"time"
)

// The comuni's folders need openat with O_NOFOLLOW (fs_unix.go); elsewhere New fails
// and nothing below is reached.

const supported = false

var errUnsupported = errors.New("le cartelle dei comuni richiedono Linux o un altro sistema Unix")

type info struct {
	regular, dir bool
	size         int64
	mtime        time.Time
	dev, ino     uint64
}

var errNotRegular = errors.New("not a regular file")

func openPath(string) (int, error)                      { return -1, errUnsupported }
func openDirAt(int, string) (int, error)                { return -1, errUnsupported }
func mkdirAt(int, string) error                         { return errUnsupported }
func closeFD(int)                                       {}
func statAt(int, string) (info, error)                  { return info{}, errUnsupported }
func openRegularAt(int, string) (*os.File, info, error) { return nil, info{}, errUnsupported }
func createAt(int, string) (*os.File, error)            { return nil, errUnsupported }
func linkAt(int, string, int, string) error             { return errUnsupported }
func unlinkAt(int, string) error                        { return errUnsupported }
func readNames(int) ([]string, error)                   { return nil, errUnsupported }
func isExist(err error) bool                            { return errors.Is(err, os.ErrExist) }
func isNotExist(err error) bool                         { return errors.Is(err, os.ErrNotExist) }
func isSymlinkErr(error) bool                           { return false }
