// Package files is each comune's folder on the server, <base>/<CODICE>/{foto,allegati,stampe,import,moduli}: the only files operators reach.
package files

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"
)

// Subfolders of every comune's folder, in the order they are shown.
var Subfolders = []string{"foto", "allegati", "stampe", "import", "moduli"}

// Default limits.
const (
	DefaultMaxFile = 32 << 20 // bytes in one file
	DefaultQuota   = 1 << 30  // bytes in one comune's folder
)

// Limits of a Store; a zero field takes its default.
type Limits struct {
	File   int64 // bytes in one file (DefaultMaxFile)
	Comune int64 // bytes in one comune's folder, all subfolders (DefaultQuota)
}

// Errors a caller may test with errors.Is, besides fs.ErrNotExist, fs.ErrExist,
// fs.ErrInvalid and fs.ErrPermission. The message of every error of the package is
// Italian, for the operator.
var (
	ErrTooLarge = errors.New("file troppo grande")
	ErrQuota    = errors.New("spazio del comune esaurito")
)

// Error is an error of the package: Msg for the operator, Kind for errors.Is.
type Error struct {
	Msg  string
	Kind error
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, format string, a ...any) error {
	return &Error{Msg: fmt.Sprintf(format, a...), Kind: kind}
}

// tmpPrefix starts the names of uploads being written. SafeName never makes a name
// with a leading dot, so they are never listed nor reachable by name.
const tmpPrefix = ".vivipass-upload-"

// staleUpload: an upload file untouched for this long was left by a process that died;
// the first Comune call of a Store removes it.
const staleUpload = time.Hour

// Store is the base directory holding the comuni's folders.
type Store struct {
	base   string
	limits Limits

	mu      sync.Mutex
	folders map[string]*Folder
}

// New opens the base directory, creating it (0700) when missing, with the default limits.
func New(base string) (*Store, error) { return NewWithLimits(base, Limits{}) }

// NewWithLimits is New with other limits.
func NewWithLimits(base string, l Limits) (*Store, error) {
	if !supported {
		_, err := openPath(base)
		return nil, err
	}
	if strings.TrimSpace(base) == "" {
		return nil, errors.New("manca la cartella dei file dei comuni")
	}
	abs, err := filepath.Abs(base)
	if err != nil {
		return nil, fmt.Errorf("cartella dei file %s: %v", base, err)
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("impossibile creare la cartella dei file %s: %v", abs, err)
	}
	fd, err := openPath(abs)
	if err != nil {
		return nil, fmt.Errorf("impossibile aprire la cartella dei file %s: %v", abs, err)
	}
	closeFD(fd)
	if l.File <= 0 {
		l.File = DefaultMaxFile
	}
	if l.Comune <= 0 {
		l.Comune = DefaultQuota
	}
	return &Store{base: abs, limits: l, folders: map[string]*Folder{}}, nil
}

// Base is the base directory (absolute).
func (s *Store) Base() string { return s.base }

// Limits are the store's limits, defaults filled in.
func (s *Store) Limits() Limits { return s.limits }

var codeRE = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-MZ][0-9]{3}$`) }) // compiled when first used (issue 14.4)

// Comune is the folder of the comune with this codice catastale (upper-cased), with its
// subfolders, created (0700) when missing. A folder or subfolder that is a symlink is
// refused.
func (s *Store) Comune(code string) (*Folder, error) {
	code = strings.ToUpper(strings.TrimSpace(code))
	if !codeRE().MatchString(code) {
		return nil, fail(fs.ErrInvalid, "codice del comune non valido: %q (una lettera da A a M, o Z, e tre cifre; per esempio L736)", code)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.folders[code]
	first := f == nil
	if first {
		f = &Folder{s: s, code: code, path: filepath.Join(s.base, code)}
	}
	if err := f.ensure(first); err != nil {
		return nil, err
	}
	if first {
		s.folders[code] = f
	}
	return f, nil
}

// Entry is a file in a subfolder.
type Entry struct {
	Name    string
	Size    int64
	ModTime time.Time
}

// Folder is one comune's folder. Its methods may be called from any goroutine.
type Folder struct {
	s    *Store
	code string
	path string

	mu       sync.Mutex // the counts below, and the naming of new files
	used     int64      // bytes of the regular files at the last count (count)
	reserved int64      // bytes written by uploads not committed yet
}

// Code is the comune's codice catastale.
func (f *Folder) Code() string { return f.code }

// Path is the comune's directory (for logs and messages; never to open files by).
func (f *Folder) Path() string { return f.path }

// Limits are the limits of the folder's store.
func (f *Folder) Limits() Limits { return f.s.limits }

// ensure creates the folder and its subfolders when missing and checks they are
// directories, not symlinks; sweep also removes stale uploads.
func (f *Folder) ensure(sweep bool) error {
	base, err := openPath(f.s.base)
	if err != nil {
		return fmt.Errorf("impossibile aprire la cartella dei file %s: %v", f.s.base, err)
	}
	defer closeFD(base)
	if err := mkdirAt(base, f.code); err != nil {
		return fmt.Errorf("impossibile creare la cartella %s: %v", f.shown(""), err)
	}
	dir, err := openDirAt(base, f.code)
	if err != nil {
		return f.dirError("", err)
	}
	defer closeFD(dir)
	for _, sub := range Subfolders {
		if err := mkdirAt(dir, sub); err != nil {
			return fmt.Errorf("impossibile creare la cartella %s: %v", f.shown(sub), err)
		}
		d, err := openDirAt(dir, sub)
		if err != nil {
			return f.dirError(sub, err)
		}
		if sweep {
			sweepUploads(d)
		}
		closeFD(d)
	}
	return nil
}

func sweepUploads(dir int) {
	names, _ := readNames(dir)
	for _, n := range names {
		if !strings.HasPrefix(n, tmpPrefix) {
			continue
		}
		if in, err := statAt(dir, n); err == nil && in.regular && time.Since(in.mtime) > staleUpload {
			_ = unlinkAt(dir, n)
		}
	}
}

// shown names a folder of the comune as its operators see it over SFTP ("stampe/"), not
// by its path on the server: the layout of the server is not theirs to read (issue 12.2).
func (f *Folder) shown(sub string) string {
	if sub == "" {
		return "del comune " + f.code
	}
	return sub + "/ del comune " + f.code
}

func (f *Folder) dirError(sub string, err error) error {
	p := f.shown(sub)
	switch {
	case isSymlinkErr(err):
		return fail(fs.ErrPermission, "%s non è una cartella (un collegamento simbolico?): rifiutata", p)
	case isNotExist(err):
		return fail(fs.ErrNotExist, "la cartella %s non esiste più", p)
	}
	return fmt.Errorf("impossibile aprire la cartella %s: %w", p, err)
}

// openSub opens a subfolder (one of Subfolders) without following symlinks.
func (f *Folder) openSub(sub string) (int, error) {
	if !slices.Contains(Subfolders, sub) {
		return -1, fail(fs.ErrNotExist, "cartella sconosciuta: %q (sono %s)", sub, strings.Join(Subfolders, ", "))
	}
	base, err := openPath(f.s.base)
	if err != nil {
		return -1, fmt.Errorf("impossibile aprire la cartella dei file %s: %v", f.s.base, err)
	}
	defer closeFD(base)
	dir, err := openDirAt(base, f.code)
	if err != nil {
		return -1, f.dirError("", err)
	}
	defer closeFD(dir)
	d, err := openDirAt(dir, sub)
	if err != nil {
		return -1, f.dirError(sub, err)
	}
	return d, nil
}

func (f *Folder) withSub(sub string, fn func(dir int) error) error {
	d, err := f.openSub(sub)
	if err != nil {
		return err
	}
	defer closeFD(d)
	return fn(d)
}

// fileError turns what the system said about sub/name into the operator's words.
func fileError(sub, name string, err error) error {
	p := sub + "/" + name
	switch {
	case errors.Is(err, errNotRegular), isSymlinkErr(err):
		return fail(fs.ErrPermission, "%s non è un file ordinario: rifiutato", p)
	case isNotExist(err):
		return fail(fs.ErrNotExist, "il file %s non esiste", p)
	case isExist(err):
		return fail(fs.ErrExist, "esiste già un file %s", p)
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return &Error{Msg: fmt.Sprintf("file %s: %v", p, err), Kind: err}
}

// Dirs are the subfolders as entries (Size 0), in the order of Subfolders.
func (f *Folder) Dirs() ([]Entry, error) {
	var out []Entry
	for _, sub := range Subfolders {
		err := f.withSub(sub, func(d int) error {
			in, err := statAt(d, ".")
			if err != nil {
				return f.dirError(sub, err)
			}
			out = append(out, Entry{Name: sub, ModTime: in.mtime})
			return nil
		})
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

// List is the regular files of sub, newest first (by name for the same time). A name
// SafeName would change, a symlink, a directory, a FIFO or a device is not listed.
func (f *Folder) List(sub string) ([]Entry, error) {
	var out []Entry
	err := f.withSub(sub, func(d int) error {
		names, err := readNames(d)
		if err != nil {
			return fmt.Errorf("impossibile leggere la cartella %s: %w", sub, err)
		}
		for _, n := range names {
			if n != SafeName(n) {
				continue
			}
			in, err := statAt(d, n)
			if err != nil || !in.regular {
				continue
			}
			out = append(out, Entry{Name: n, Size: in.size, ModTime: in.mtime})
		}
		return nil
	})
	slices.SortFunc(out, func(a, b Entry) int {
		if c := b.ModTime.Compare(a.ModTime); c != 0 {
			return c
		}
		return strings.Compare(a.Name, b.Name)
	})
	return out, err
}

// Stat is the entry of one regular file (name reduced with SafeName).
func (f *Folder) Stat(sub, name string) (Entry, error) {
	name = SafeName(name)
	var e Entry
	err := f.withSub(sub, func(d int) error {
		in, err := statAt(d, name)
		if err == nil && !in.regular {
			err = errNotRegular
		}
		if err != nil {
			return fileError(sub, name, err)
		}
		e = Entry{Name: name, Size: in.size, ModTime: in.mtime}
		return nil
	})
	return e, err
}

// Open opens a regular file for reading (name reduced with SafeName); the caller closes it.
func (f *Folder) Open(sub, name string) (*os.File, Entry, error) {
	name = SafeName(name)
	var file *os.File
	var e Entry
	err := f.withSub(sub, func(d int) error {
		fl, in, err := openRegularAt(d, name)
		if err != nil {
			return fileError(sub, name, err)
		}
		file, e = fl, Entry{Name: name, Size: in.size, ModTime: in.mtime}
		return nil
	})
	return file, e, err
}

// Read reads a regular file of at most max bytes (max ≤ 0: the store's limit per file).
func (f *Folder) Read(sub, name string, max int64) ([]byte, error) {
	if max <= 0 {
		max = f.s.limits.File
	}
	file, e, err := f.Open(sub, name)
	if err != nil {
		return nil, err
	}
	defer file.Close()
	return readAtMost(file, sub, e, max)
}

// readAtMost reads r, the file of entry e in sub, refusing it past max bytes. The size
// the system gave (e.Size) only refuses a big file early: the bound is the reading's,
// for a file that grows while it is read, or one that says 0 and is not (procfs, sysfs:
// issue 12.2).
func readAtMost(r io.Reader, sub string, e Entry, max int64) ([]byte, error) {
	tooLarge := func(size int64) error {
		return fail(ErrTooLarge, "il file %s/%s è troppo grande (%s; al massimo %s)", sub, e.Name, Bytes(size), Bytes(max))
	}
	if e.Size > max {
		return nil, tooLarge(e.Size)
	}
	data, err := io.ReadAll(io.LimitReader(r, max+1))
	if err != nil {
		return nil, fileError(sub, e.Name, err)
	}
	if int64(len(data)) > max { // it grew while being read, or its size was not its length
		return nil, tooLarge(int64(len(data)))
	}
	return data, nil
}

// Create writes a new file in sub and returns its name: name made safe (SafeName),
// then, when taken, with "-1", "-2"… before the extension. It never replaces a file.
func (f *Folder) Create(sub, name string, data []byte) (string, error) {
	if int64(len(data)) > f.s.limits.File {
		return "", f.tooLarge()
	}
	u, err := f.NewUpload(sub, name)
	if err != nil {
		return "", err
	}
	if _, err := u.WriteAt(data, 0); err != nil {
		u.Abort()
		return "", err
	}
	return u.Commit()
}

// Remove removes a regular file (name reduced with SafeName).
func (f *Folder) Remove(sub, name string) error {
	name = SafeName(name)
	return f.withSub(sub, func(d int) error {
		in, err := statAt(d, name)
		if err == nil && !in.regular {
			err = errNotRegular
		}
		if err == nil {
			err = unlinkAt(d, name)
		}
		if err != nil {
			return fileError(sub, name, err)
		}
		f.mu.Lock()
		f.used = max(0, f.used-in.size)
		f.mu.Unlock()
		return nil
	})
}

// Rename gives a regular file a new name, in the same subfolder or another; both names
// are reduced with SafeName. It never replaces a file: a name taken is an error
// (fs.ErrExist). It returns the new name.
func (f *Folder) Rename(sub, name, toSub, toName string) (string, error) {
	name, toName = SafeName(name), SafeName(toName)
	if sub == toSub && name == toName {
		_, err := f.Stat(sub, name)
		return name, err
	}
	err := f.withSub(sub, func(from int) error {
		return f.withSub(toSub, func(to int) error {
			in, err := statAt(from, name)
			if err == nil && !in.regular {
				err = errNotRegular
			}
			if err != nil {
				return fileError(sub, name, err)
			}
			if err := linkAt(from, name, to, toName); err != nil {
				return fileError(toSub, toName, err)
			}
			if err := unlinkAt(from, name); err != nil {
				_ = unlinkAt(to, toName)
				return fileError(sub, name, err)
			}
			return nil
		})
	})
	return toName, err
}

// Usage counts the bytes of the folder's files now; the quota is Limits().Comune.
func (f *Folder) Usage() (int64, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if err := f.count(); err != nil {
		return 0, err
	}
	return f.used, nil
}

// count sets used to the bytes of the regular files in the subfolders (uploads being
// written are in reserved). f.mu is held.
func (f *Folder) count() error {
	var total int64
	for _, sub := range Subfolders {
		err := f.withSub(sub, func(d int) error {
			names, err := readNames(d)
			if err != nil {
				return fmt.Errorf("impossibile leggere la cartella %s: %w", sub, err)
			}
			for _, n := range names {
				if strings.HasPrefix(n, tmpPrefix) {
					continue
				}
				if in, err := statAt(d, n); err == nil && in.regular {
					total += in.size
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
	}
	f.used = total
	return nil
}

// reserve counts n more bytes of an upload against the quota.
func (f *Folder) reserve(n int64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.used+f.reserved+n > f.s.limits.Comune {
		return f.quotaError()
	}
	f.reserved += n
	return nil
}

func (f *Folder) quotaError() error {
	return fail(ErrQuota, "spazio esaurito nella cartella del comune %s: il limite è %s (in uso %s)",
		f.code, Bytes(f.s.limits.Comune), Bytes(f.used+f.reserved))
}

func (f *Folder) tooLarge() error {
	return fail(ErrTooLarge, "il file supera il limite di %s per file", Bytes(f.s.limits.File))
}

// Upload is a new file being written: WriteAt in any order (an SFTP client sends
// several blocks at once), then Commit gives it its name, or Abort drops it. Until
// Commit the file has a hidden name of its own: a failed, aborted or interrupted upload
// leaves nothing. Every byte is counted while it is written, against the limit per
// file and the comune's quota; past either, the write fails and so will Commit.
type Upload struct {
	f    *Folder
	sub  string
	name string // safe name asked for
	tmp  string
	dir  int // the subfolder, open until Commit or Abort
	file *os.File

	rw   sync.RWMutex // WriteAt calls share it; Commit and Abort hold it alone
	mu   sync.Mutex   // the fields below
	size int64        // bytes counted: the end of the furthest write
	err  error        // the first failure
	done bool
}

// NewUpload starts a new file in sub, to be called name (made safe) when committed.
func (f *Folder) NewUpload(sub, name string) (*Upload, error) {
	name = SafeName(name)
	f.mu.Lock()
	err := f.count()
	if err == nil && f.used+f.reserved >= f.s.limits.Comune {
		err = f.quotaError()
	}
	f.mu.Unlock()
	if err != nil {
		return nil, err
	}
	d, err := f.openSub(sub)
	if err != nil {
		return nil, err
	}
	var random [8]byte
	_, _ = rand.Read(random[:])
	tmp := tmpPrefix + hex.EncodeToString(random[:])
	file, err := createAt(d, tmp)
	if err != nil {
		closeFD(d)
		return nil, fileError(sub, name, err)
	}
	return &Upload{f: f, sub: sub, name: name, tmp: tmp, dir: d, file: file}, nil
}

// Name is the safe name the upload asked for (Commit may add a suffix).
func (u *Upload) Name() string { return u.name }

// Size is the bytes written so far (the end of the furthest write; 0 once failed).
func (u *Upload) Size() int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.size
}

// WriteAt writes p at off, counting the bytes it adds.
func (u *Upload) WriteAt(p []byte, off int64) (int, error) {
	u.rw.RLock()
	defer u.rw.RUnlock()
	if err := u.grow(off, len(p)); err != nil {
		return 0, err
	}
	n, err := u.file.WriteAt(p, off)
	if err != nil {
		err = fileError(u.sub, u.name, err)
		u.mu.Lock()
		if u.err == nil {
			u.err = err
		}
		u.mu.Unlock()
	}
	return n, err
}

func (u *Upload) grow(off int64, n int) error {
	u.mu.Lock()
	defer u.mu.Unlock()
	switch {
	case u.done:
		return fail(fs.ErrClosed, "caricamento di %s/%s già concluso", u.sub, u.name)
	case u.err != nil:
		return u.err
	case off < 0:
		return u.failLocked(fail(fs.ErrInvalid, "scrittura fuori dal file %s/%s", u.sub, u.name))
	}
	end := off + int64(n)
	if end > u.f.s.limits.File || end < off {
		return u.failLocked(u.f.tooLarge())
	}
	if end > u.size {
		if err := u.f.reserve(end - u.size); err != nil {
			return u.failLocked(err)
		}
		u.size = end
	}
	return nil
}

// failLocked records the upload's first failure and gives its bytes back at once: a
// dead upload must not crowd out the others still running (when several together
// pass the quota, the first to fail makes room for the rest). u.mu is held.
func (u *Upload) failLocked(err error) error {
	if u.err == nil {
		u.err = err
	}
	u.f.mu.Lock()
	u.f.reserved -= u.size
	u.f.mu.Unlock()
	u.size = 0
	return u.err
}

// Fail marks the upload failed (a connection dropped mid-transfer): Commit will refuse.
func (u *Upload) Fail(err error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	if u.err == nil {
		u.failLocked(&Error{Msg: fmt.Sprintf("caricamento di %s/%s interrotto: %v", u.sub, u.name, err), Kind: err})
	}
}

// Commit makes the file visible under its name (with "-1", "-2"… when taken; never
// replacing a file) and returns that name. After a failure it removes what was
// written and returns the failure.
func (u *Upload) Commit() (string, error) {
	u.rw.Lock()
	defer u.rw.Unlock()
	u.mu.Lock()
	done, failed := u.done, u.err
	u.done = true
	u.mu.Unlock()
	if done {
		return "", fail(fs.ErrClosed, "caricamento di %s/%s già concluso", u.sub, u.name)
	}
	if failed != nil {
		u.drop()
		return "", failed
	}
	err := u.file.Sync()
	if cerr := u.file.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		u.file = nil
		u.drop()
		return "", fileError(u.sub, u.name, err)
	}
	u.file = nil

	f := u.f
	f.mu.Lock()
	defer f.mu.Unlock()
	defer closeFD(u.dir)
	name := u.name
	for n := 1; ; n++ {
		err = linkAt(u.dir, u.tmp, u.dir, name)
		if err == nil || !isExist(err) || n > 9999 {
			break
		}
		name = numbered(u.name, n)
	}
	_ = unlinkAt(u.dir, u.tmp)
	f.reserved -= u.size
	if err != nil {
		return "", fileError(u.sub, name, err)
	}
	f.used += u.size
	return name, nil
}

// Abort drops the upload and what it wrote; after Commit it does nothing.
func (u *Upload) Abort() {
	u.rw.Lock()
	defer u.rw.Unlock()
	u.mu.Lock()
	done := u.done
	u.done = true
	u.mu.Unlock()
	if !done {
		u.drop()
	}
}

// drop closes and removes the upload's file and gives back its bytes.
func (u *Upload) drop() {
	if u.file != nil {
		_ = u.file.Close()
		u.file = nil
	}
	_ = unlinkAt(u.dir, u.tmp)
	closeFD(u.dir)
	u.f.mu.Lock()
	u.f.reserved -= u.size
	u.f.mu.Unlock()
}

// Bytes writes a size for people: "512 byte", "1,5 KB", "32 MB", "1 GB" (units of 1024).
func Bytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d byte", n)
	}
	v, u := float64(n), ""
	for _, name := range []string{"KB", "MB", "GB", "TB"} {
		if v < unit {
			break
		}
		v, u = v/unit, name
	}
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return strings.Replace(s, ".", ",", 1) + " " + u
}
