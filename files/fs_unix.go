//go:build linux || darwin || freebsd || netbsd || openbsd

package files

import (
	"errors"
	"os"
	"time"

	"golang.org/x/sys/unix"
)

// The system calls under the package. Every path below the base directory is walked one
// name at a time, each name opened relative to its parent's descriptor with O_NOFOLLOW:
// the names are single components checked beforehand (never "", ".", ".." or with a
// slash), so this is what openat2's RESOLVE_BENEATH|RESOLVE_NO_SYMLINKS would do, on
// every Unix. A symlink anywhere below the base, even one pointing inside, is refused.

const supported = true

// info is what fstatat says about a name, without following it.
type info struct {
	regular, dir bool
	size         int64
	mtime        time.Time
	dev, ino     uint64
}

func infoOf(st *unix.Stat_t) info {
	return info{
		regular: st.Mode&unix.S_IFMT == unix.S_IFREG,
		dir:     st.Mode&unix.S_IFMT == unix.S_IFDIR,
		size:    st.Size,
		mtime:   time.Unix(int64(st.Mtim.Sec), int64(st.Mtim.Nsec)),
		dev:     uint64(st.Dev),
		ino:     uint64(st.Ino),
	}
}

func noEINTR[T any](f func() (T, error)) (T, error) {
	for {
		v, err := f()
		if !errors.Is(err, unix.EINTR) {
			return v, err
		}
	}
}

// openPath opens the base directory by its path (the administrator's choice, symlinks
// allowed).
func openPath(path string) (int, error) {
	return noEINTR(func() (int, error) {
		return unix.Open(path, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_CLOEXEC, 0)
	})
}

// openDirAt opens the directory name inside dir, never through a symlink.
func openDirAt(dir int, name string) (int, error) {
	return noEINTR(func() (int, error) {
		return unix.Openat(dir, name, unix.O_RDONLY|unix.O_DIRECTORY|unix.O_NOFOLLOW|unix.O_CLOEXEC, 0)
	})
}

// mkdirAt makes the directory name inside dir (0700); one already there is fine.
func mkdirAt(dir int, name string) error {
	err := unix.Mkdirat(dir, name, 0o700)
	if errors.Is(err, unix.EEXIST) {
		return nil
	}
	return err
}

func closeFD(fd int) { _ = unix.Close(fd) }

// statAt describes name inside dir without following a symlink.
func statAt(dir int, name string) (info, error) {
	var st unix.Stat_t
	if err := unix.Fstatat(dir, name, &st, unix.AT_SYMLINK_NOFOLLOW); err != nil {
		return info{}, err
	}
	return infoOf(&st), nil
}

// errNotRegular: the name is there but is not a regular file (a symlink, a FIFO, a
// device, a directory).
var errNotRegular = errors.New("not a regular file")

// openRegularAt opens name inside dir for reading, only if it is a regular file. The
// name is looked at before it is opened (a FIFO or a device is never opened), opened
// with O_NOFOLLOW|O_NONBLOCK (a FIFO swapped in meanwhile does not block), and looked
// at again through the descriptor: same file, still regular.
func openRegularAt(dir int, name string) (*os.File, info, error) {
	before, err := statAt(dir, name)
	if err != nil {
		return nil, info{}, err
	}
	if !before.regular {
		return nil, info{}, errNotRegular
	}
	fd, err := noEINTR(func() (int, error) {
		return unix.Openat(dir, name, unix.O_RDONLY|unix.O_NOFOLLOW|unix.O_NONBLOCK|unix.O_NOCTTY|unix.O_CLOEXEC, 0)
	})
	if err != nil {
		if errors.Is(err, unix.ELOOP) {
			err = errNotRegular
		}
		return nil, info{}, err
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		closeFD(fd)
		return nil, info{}, err
	}
	now := infoOf(&st)
	if !now.regular || now.dev != before.dev || now.ino != before.ino {
		closeFD(fd)
		return nil, info{}, errNotRegular
	}
	// Back to blocking: O_NONBLOCK means nothing for a regular file, but os.File
	// would otherwise try to register the descriptor with the poller.
	_ = unix.SetNonblock(fd, false)
	return os.NewFile(uintptr(fd), name), now, nil
}

// createAt creates name inside dir for writing (0600); it fails if anything by that
// name exists, a dangling symlink included.
func createAt(dir int, name string) (*os.File, error) {
	fd, err := noEINTR(func() (int, error) {
		return unix.Openat(dir, name, unix.O_WRONLY|unix.O_CREAT|unix.O_EXCL|unix.O_NOFOLLOW|unix.O_NOCTTY|unix.O_CLOEXEC, 0o600)
	})
	if err != nil {
		return nil, err
	}
	return os.NewFile(uintptr(fd), name), nil
}

// linkAt gives the file oldName in oldDir the new name newName in newDir; it fails with
// EEXIST if newName is taken: it never replaces a file.
func linkAt(oldDir int, oldName string, newDir int, newName string) error {
	return unix.Linkat(oldDir, oldName, newDir, newName, 0)
}

// unlinkAt removes name (not a directory) from dir.
func unlinkAt(dir int, name string) error {
	return unix.Unlinkat(dir, name, 0)
}

// readNames lists the names in the open directory dir.
func readNames(dir int) ([]string, error) {
	// A descriptor of its own: a dup would share (and move) dir's read offset.
	fd, err := openDirAt(dir, ".")
	if err != nil {
		return nil, err
	}
	f := os.NewFile(uintptr(fd), "dir")
	defer f.Close()
	return f.Readdirnames(-1)
}

func isExist(err error) bool    { return errors.Is(err, unix.EEXIST) }
func isNotExist(err error) bool { return errors.Is(err, unix.ENOENT) }

// isSymlinkErr: O_NOFOLLOW met a symlink, or a path component was not a directory.
// (FreeBSD says EMLINK for the first.)
func isSymlinkErr(err error) bool {
	return errors.Is(err, unix.ELOOP) || errors.Is(err, unix.ENOTDIR) || errors.Is(err, unix.EMLINK)
}
