package server

// SFTP into the comune's own folder: `sftp -P PORT name@host` with the operator's
// registered key (WinSCP and FileZilla alike). The session is bound to the operator of
// the key the connection authenticated with, like the desk's, and sees one tree:
//
//	/                     the five subfolders, nothing else
//	/foto/ritratto.jpg    the regular files of each subfolder
//
// Paths arrive cleaned by pkg/sftp ("/.." is "/") and are cleaned again here; anything
// deeper than /sub/name, or a first element that is not a subfolder, does not exist.
// Names go through files.SafeName, and every file operation is the files package's
// (O_NOFOLLOW on every component, regular files only, never replacing a file, uploads
// counted against the per-file limit and the comune's quota while written, invisible
// until complete). No folder is created or removed, no link made; chmod, chown and
// times are accepted and change nothing; a change of size is refused.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"charm.land/ssh"
	"github.com/pkg/sftp"
	gossh "golang.org/x/crypto/ssh"

	"vivipass/domain"
	"vivipass/files"
	"vivipass/service"
)

// sftpSession is one operator's open SFTP session.
type sftpSession struct {
	s       *Server
	op      domain.Operator
	folder  *files.Folder
	remote  string
	key     string // SHA256 fingerprint of the key used
	started time.Time
	rs      *sftp.RequestServer

	uploads, downloads atomic.Int64 // transfers completed

	mu      sync.Mutex
	pending map[string][]*upload // the uploads open now, by "sub/name"
}

// sftpHandler serves the "sftp" subsystem (ssh.Server.SubsystemHandlers).
func (s *Server) sftpHandler(sess ssh.Session) {
	remote := sess.RemoteAddr().String()
	key := ""
	if pk := sess.PublicKey(); pk != nil {
		key = gossh.FingerprintSHA256(pk)
	}
	op, ok := s.operatorOf(sess)
	if !ok {
		s.log.Info("sftp rifiutata: chiave non più registrata", "remoto", remote, "chiave", key)
		sftpRefuse(sess, "la chiave usata non è più registrata per nessun operatore: rivolgersi all'amministratore.")
		return
	}
	folder, err := s.cfg.Files.Comune(op.Comune)
	if err != nil {
		s.log.Error("sftp: cartella del comune non disponibile", "operatore", op.Name, "comune", op.Comune, "remoto", remote, "errore", err.Error())
		sftpRefuse(sess, "la cartella del comune non è disponibile (l'errore è nel registro del server).")
		return
	}
	ss := &sftpSession{s: s, op: op, folder: folder, remote: remote, key: key, started: time.Now(), pending: map[string][]*upload{}}
	h := &sftpFS{ss: ss}
	ss.rs = sftp.NewRequestServer(sess, sftp.Handlers{FileGet: h, FilePut: h, FileCmd: h, FileList: h})
	if !s.registerSFTP(ss) {
		sftpRefuse(sess, "il server è in chiusura: riprovare tra qualche minuto.")
		return
	}
	defer s.unregisterSFTP(ss)
	s.log.Info("sftp aperta", ss.attrs("cartella", folder.Path())...)
	stopFollowing := ss.followRegister()
	defer stopFollowing()
	// Serve returns when the client closes its end; the channel stays open for the
	// exit status (scp fails without one), sent as this handler returns.
	err = ss.rs.Serve()
	attrs := ss.attrs("durata", time.Since(ss.started).Round(time.Second).String(),
		"caricamenti", ss.uploads.Load(), "scaricamenti", ss.downloads.Load())
	if err != nil && !errors.Is(err, io.EOF) {
		attrs = append(attrs, "errore", err.Error())
	}
	s.log.Info("sftp chiusa", attrs...)
}

// followRegister ends the session when its operator, or the key it came in with, is
// removed, or the operator moves to another comune (M4: sessions follow the register,
// as the desk's do). It returns the function that stops following.
func (ss *sftpSession) followRegister() func() {
	events, cancel := ss.s.cfg.Svc.Hub().Subscribe(ss.op.Comune)
	go func() {
		for e := range events {
			if c, ok := e.(service.OperatorChanged); !ok || c.Name != ss.op.Name {
				continue
			}
			if op, ok := ss.s.cfg.Svc.Authenticate(ss.key); ok && op.Name == ss.op.Name && op.Comune == ss.op.Comune {
				continue
			}
			ss.logged("sftp chiusa: accesso revocato")
			_ = ss.rs.Close()
			return
		}
	}()
	return cancel
}

func sftpRefuse(sess ssh.Session, msg string) {
	_, _ = fmt.Fprintln(sess.Stderr(), "vivipass: "+msg)
	_ = sess.Exit(1)
}

// attrs are the log attributes of the session followed by more.
func (ss *sftpSession) attrs(more ...any) []any {
	return append([]any{"operatore", ss.op.Name, "comune", ss.folder.Code(), "remoto", ss.remote, "chiave", ss.key}, more...)
}

// logged writes one line about a transfer or a refusal, with the values the client
// chose (paths, and the errors that quote them) clipped.
func (ss *sftpSession) logged(msg string, more ...any) {
	for i, v := range more {
		if s, ok := v.(string); ok && i%2 == 1 {
			more[i] = clip(s, maxPathLog)
		}
	}
	ss.s.log.Info(msg, ss.attrs(more...)...)
}

func (ss *sftpSession) addPending(up *upload) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	ss.pending[up.pending] = append(ss.pending[up.pending], up)
}

func (ss *sftpSession) dropPending(up *upload) {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	list := slices.DeleteFunc(ss.pending[up.pending], func(o *upload) bool { return o == up })
	if len(list) == 0 {
		delete(ss.pending, up.pending)
	} else {
		ss.pending[up.pending] = list
	}
}

// pendingSizes are the sizes written so far by the uploads open now under p.
func (ss *sftpSession) pendingSizes(p string) []int64 {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	var out []int64
	for _, up := range ss.pending[p] {
		out = append(out, up.u.Size())
	}
	return out
}

// registerSFTP adds a session unless the server is closing; Shutdown closes it.
func (s *Server) registerSFTP(ss *sftpSession) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return false
	}
	s.sftp[ss] = struct{}{}
	s.wg.Add(1)
	return true
}

func (s *Server) unregisterSFTP(ss *sftpSession) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.sftp[ss]; ok {
		delete(s.sftp, ss)
		s.wg.Done()
	}
}

// SFTPSessions is the number of open SFTP sessions.
func (s *Server) SFTPSessions() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.sftp)
}

// sftpPath is a path of the tree: the root (sub == ""), a subfolder (name == "") or a
// file in a subfolder (name as the client sent it; the files package makes it safe).
type sftpPath struct{ sub, name string }

func (p sftpPath) String() string {
	switch {
	case p.sub == "":
		return "/"
	case p.name == "":
		return p.sub
	}
	return p.sub + "/" + files.SafeName(p.name)
}

// sftpError is what the client is told: an Italian message (WinSCP and FileZilla show
// it; OpenSSH's sftp shows the code's own text) and the SFTP status code.
type sftpError struct {
	msg  string
	code error // one of sftp.ErrSSHFx…
}

func (e *sftpError) Error() string { return e.msg }
func (e *sftpError) Unwrap() error { return e.code }

func notFound(p string) error {
	return &sftpError{"non esiste: " + p, sftp.ErrSSHFxNoSuchFile}
}

func denied(msg string) error { return &sftpError{msg, sftp.ErrSSHFxPermissionDenied} }

// toSFTP gives an error of the files package its SFTP status code.
func toSFTP(err error) error {
	var se *sftpError
	if err == nil || errors.As(err, &se) {
		return err
	}
	code := sftp.ErrSSHFxFailure
	switch {
	case errors.Is(err, fs.ErrNotExist):
		code = sftp.ErrSSHFxNoSuchFile
	case errors.Is(err, fs.ErrPermission), errors.Is(err, fs.ErrExist), errors.Is(err, fs.ErrInvalid):
		code = sftp.ErrSSHFxPermissionDenied
	}
	return &sftpError{err.Error(), code}
}

// parse maps a path of the request onto the tree.
func parse(p string) (sftpPath, error) {
	clean := path.Clean("/" + p)
	if clean == "/" {
		return sftpPath{}, nil
	}
	parts := strings.Split(clean[1:], "/")
	if len(parts) > 2 || !slices.Contains(files.Subfolders, parts[0]) {
		return sftpPath{}, notFound(clean)
	}
	if len(parts) == 1 {
		return sftpPath{sub: parts[0]}, nil
	}
	return sftpPath{sub: parts[0], name: parts[1]}, nil
}

// parseFile is parse for a path that must name a file in a subfolder.
func parseFile(p string) (sftpPath, error) {
	sp, err := parse(p)
	if err != nil {
		return sp, err
	}
	if sp.name == "" {
		return sp, onlyInside(sp.String())
	}
	return sp, nil
}

// parseTarget is parseFile for a file to be made (upload, rename): a path outside the
// subfolders is refused, not missing.
func parseTarget(p string) (sftpPath, error) {
	sp, err := parseFile(p)
	if err != nil && errors.Is(err, sftp.ErrSSHFxNoSuchFile) {
		err = onlyInside(path.Clean("/" + p))
	}
	return sp, err
}

func onlyInside(p string) error {
	return denied("i file vanno dentro le cartelle " + strings.Join(files.Subfolders, ", ") + ": " + p)
}

// sftpFS is the request server's handlers for one session.
type sftpFS struct{ ss *sftpSession }

// fileInfo describes an entry of the tree to the client.
type fileInfo struct {
	name  string
	size  int64
	mode  fs.FileMode
	mtime time.Time
}

func (fi *fileInfo) Name() string       { return fi.name }
func (fi *fileInfo) Size() int64        { return fi.size }
func (fi *fileInfo) Mode() fs.FileMode  { return fi.mode }
func (fi *fileInfo) ModTime() time.Time { return fi.mtime }
func (fi *fileInfo) IsDir() bool        { return fi.mode.IsDir() }
func (fi *fileInfo) Sys() any           { return nil }

func dirInfo(e files.Entry) os.FileInfo {
	return &fileInfo{name: e.Name, mode: fs.ModeDir | 0o700, mtime: e.ModTime}
}

func regularInfo(e files.Entry) os.FileInfo {
	return &fileInfo{name: e.Name, size: e.Size, mode: 0o600, mtime: e.ModTime}
}

type listerAt []os.FileInfo

func (l listerAt) ListAt(out []os.FileInfo, off int64) (int, error) {
	if off >= int64(len(l)) {
		return 0, io.EOF
	}
	n := copy(out, l[off:])
	if n < len(out) {
		return n, io.EOF
	}
	return n, nil
}

// Filelist answers List (a directory's entries) and Stat.
func (h *sftpFS) Filelist(r *sftp.Request) (sftp.ListerAt, error) {
	p, err := parse(r.Filepath)
	if err != nil {
		return nil, err
	}
	f := h.ss.folder
	switch r.Method {
	case "List":
		switch {
		case p.sub == "":
			dirs, err := f.Dirs()
			if err != nil {
				return nil, toSFTP(err)
			}
			var out listerAt
			for _, d := range dirs {
				out = append(out, dirInfo(d))
			}
			return out, nil
		case p.name == "":
			list, err := f.List(p.sub)
			if err != nil {
				return nil, toSFTP(err)
			}
			out := make(listerAt, 0, len(list))
			for _, e := range list {
				out = append(out, regularInfo(e))
			}
			return out, nil
		}
		return nil, &sftpError{"non è una cartella: " + p.String(), sftp.ErrSSHFxFailure}
	case "Stat", "Lstat":
		return h.stat(p)
	case "Readlink":
		return nil, &sftpError{"non è un collegamento: " + p.String(), sftp.ErrSSHFxFailure}
	}
	return nil, sftp.ErrSSHFxOpUnsupported
}

// Lstat is Stat: the tree holds no symlinks.
func (h *sftpFS) Lstat(r *sftp.Request) (sftp.ListerAt, error) {
	p, err := parse(r.Filepath)
	if err != nil {
		return nil, err
	}
	return h.stat(p)
}

func (h *sftpFS) stat(p sftpPath) (sftp.ListerAt, error) {
	f := h.ss.folder
	switch {
	case p.sub == "":
		dirs, err := f.Dirs()
		if err != nil {
			return nil, toSFTP(err)
		}
		latest := time.Time{}
		for _, d := range dirs {
			if d.ModTime.After(latest) {
				latest = d.ModTime
			}
		}
		return listerAt{dirInfo(files.Entry{Name: "/", ModTime: latest})}, nil
	case p.name == "":
		dirs, err := f.Dirs()
		if err != nil {
			return nil, toSFTP(err)
		}
		for _, d := range dirs {
			if d.Name == p.sub {
				return listerAt{dirInfo(d)}, nil
			}
		}
		return nil, notFound(p.String())
	}
	e, err := f.Stat(p.sub, p.name)
	if err != nil {
		return nil, toSFTP(err)
	}
	return listerAt{regularInfo(e)}, nil
}

// Fileread opens a file for download.
func (h *sftpFS) Fileread(r *sftp.Request) (io.ReaderAt, error) {
	p, err := parseFile(r.Filepath)
	if err != nil {
		return nil, err
	}
	file, e, err := h.ss.folder.Open(p.sub, p.name)
	if err != nil {
		return nil, toSFTP(err)
	}
	return &download{ss: h.ss, file: file, path: p.sub + "/" + e.Name}, nil
}

// download is a file being read by the client; its Close logs the transfer.
type download struct {
	ss   *sftpSession
	file *os.File
	path string
	sent atomic.Int64
	once sync.Once
}

func (d *download) ReadAt(b []byte, off int64) (int, error) {
	n, err := d.file.ReadAt(b, off)
	d.sent.Add(int64(n))
	return n, err
}

func (d *download) Close() error {
	d.once.Do(func() {
		d.file.Close()
		d.ss.downloads.Add(1)
		d.ss.logged("sftp scaricamento", "file", d.path, "byte", d.sent.Load())
	})
	return nil
}

// Filewrite starts an upload: a new file only (an existing one is never opened for
// writing), written under a hidden name and given its own when the client closes it.
func (h *sftpFS) Filewrite(r *sftp.Request) (io.WriterAt, error) {
	p, err := parseTarget(r.Filepath)
	if err != nil {
		h.ss.logged("sftp rifiutato", "operazione", "caricamento", "file", path.Clean("/"+r.Filepath), "motivo", err.Error())
		return nil, err
	}
	f := h.ss.folder
	if _, err := f.Stat(p.sub, p.name); err == nil || !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			err = denied("esiste già " + p.String() + ": i file non si sovrascrivono (rinominarlo o eliminarlo prima)")
		}
		h.ss.logged("sftp rifiutato", "operazione", "caricamento", "file", p.String(), "motivo", err.Error())
		return nil, toSFTP(err)
	}
	if !r.Pflags().Creat {
		return nil, notFound(p.String())
	}
	u, err := f.NewUpload(p.sub, p.name)
	if err != nil {
		h.ss.logged("sftp caricamento non riuscito", "file", p.String(), "byte", 0, "errore", err.Error())
		return nil, toSFTP(err)
	}
	up := &upload{ss: h.ss, u: u, sub: p.sub, pending: p.sub + "/" + u.Name()}
	h.ss.addPending(up)
	return up, nil
}

// upload is a file being written by the client.
type upload struct {
	ss      *sftpSession
	u       *files.Upload
	sub     string
	pending string
	written atomic.Int64 // bytes received, for the log of a failed upload
	once    sync.Once
	err     error
}

func (up *upload) WriteAt(b []byte, off int64) (int, error) {
	n, err := up.u.WriteAt(b, off)
	up.written.Add(int64(n))
	return n, toSFTP(err)
}

// TransferError: the connection ended with the file still open; Close drops it.
func (up *upload) TransferError(err error) { up.u.Fail(err) }

func (up *upload) Close() error {
	up.once.Do(func() {
		defer up.ss.dropPending(up)
		size := up.u.Size()
		name, err := up.u.Commit()
		if err != nil {
			up.err = toSFTP(err)
			up.ss.logged("sftp caricamento non riuscito", "file", up.pending, "byte", up.written.Load(), "errore", err.Error())
			return
		}
		up.ss.uploads.Add(1)
		up.ss.logged("sftp caricamento", "file", up.sub+"/"+name, "byte", size)
	})
	return up.err
}

// StatVFS answers `df` (and WinSCP's free space) with the comune's quota: its size,
// and what is left of it.
func (h *sftpFS) StatVFS(r *sftp.Request) (*sftp.StatVFS, error) {
	if _, err := parse(r.Filepath); err != nil {
		return nil, err
	}
	used, err := h.ss.folder.Usage()
	if err != nil {
		return nil, toSFTP(err)
	}
	const block = 4096
	quota := h.ss.folder.Limits().Comune
	free := max(0, quota-used) / block
	return &sftp.StatVFS{Bsize: block, Frsize: block, Blocks: uint64(quota / block), Bfree: uint64(free), Bavail: uint64(free),
		Namemax: files.MaxNameBytes}, nil
}

// Filecmd: remove and rename files; setstat accepted without effect; no folders, no links.
func (h *sftpFS) Filecmd(r *sftp.Request) error {
	ss, f := h.ss, h.ss.folder
	refuse := func(what string, err error) error {
		ss.logged("sftp rifiutato", "operazione", what, "file", path.Clean("/"+r.Filepath), "motivo", err.Error())
		return err
	}
	switch r.Method {
	case "Setstat":
		p, err := parse(r.Filepath)
		if err != nil {
			return err
		}
		if p.name == "" {
			return nil
		}
		// The file, or an upload of this session under that name (a client sets the
		// attributes of the handle it is writing).
		sizes := ss.pendingSizes(p.sub + "/" + files.SafeName(p.name))
		if len(sizes) == 0 {
			e, err := f.Stat(p.sub, p.name)
			if err != nil {
				return toSFTP(err)
			}
			sizes = []int64{e.Size}
		}
		// OpenSSH's scp sets the size it wrote at the end of an upload: the size a
		// file already has is fine, any other is refused.
		if r.AttrFlags().Size && !slices.Contains(sizes, int64(r.Attributes().Size)) {
			return refuse("cambio di dimensione", denied("la dimensione di un file non si cambia: "+p.String()))
		}
		return nil // permissions, owner and times: accepted, nothing changes
	case "Remove":
		p, err := parseFile(r.Filepath)
		if err != nil {
			return refuse("eliminazione", err)
		}
		e, err := f.Stat(p.sub, p.name)
		if err == nil {
			err = f.Remove(p.sub, p.name)
		}
		if err != nil {
			return refuse("eliminazione", toSFTP(err))
		}
		ss.logged("sftp eliminazione", "file", p.String(), "byte", e.Size)
		return nil
	case "Rename", "PosixRename":
		from, err := parseFile(r.Filepath)
		if err != nil {
			return refuse("rinomina", err)
		}
		to, err := parseTarget(r.Target)
		if err != nil {
			return refuse("rinomina", err)
		}
		e, err := f.Stat(from.sub, from.name)
		if err != nil {
			return refuse("rinomina", toSFTP(err))
		}
		name, err := f.Rename(from.sub, from.name, to.sub, to.name)
		if err != nil {
			return refuse("rinomina", toSFTP(err))
		}
		ss.logged("sftp rinomina", "file", from.String(), "nuovo_nome", to.sub+"/"+name, "byte", e.Size)
		return nil
	case "Mkdir", "Rmdir":
		return refuse(strings.ToLower(r.Method), denied("le cartelle sono fisse ("+strings.Join(files.Subfolders, ", ")+"): non se ne creano né se ne eliminano"))
	case "Symlink", "Link":
		return refuse(strings.ToLower(r.Method), denied("i collegamenti non sono ammessi"))
	}
	return refuse(strings.ToLower(r.Method), sftp.ErrSSHFxOpUnsupported)
}
