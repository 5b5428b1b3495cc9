// Package control runs vivipass commands inside the server that holds the database, through a Unix socket beside it.
//
// bbolt locks the database file: while `vivipass serve` runs, no other process can
// open it. The server therefore listens on a control socket, "<database>.sock" in the
// database's folder (mode 0600; the name follows the database's, so two registers in
// one folder never share a socket), and the command line, finding the file locked and
// the socket answering, sends its argv there instead of opening the file. The command
// runs in the server with the server's open service; its output comes back as it is
// written.
//
// Only the user running the server, or root, may use the socket: the mode keeps others
// from connecting, and the peer credentials (SO_PEERCRED) of every connection are
// checked again (a socket chmod'ed by hand, a mode lost in a copy).
//
// The protocol is frames on one stream connection: a type byte, a big-endian uint32
// length, the payload. The client sends one request frame (JSON), then stdin data if
// the server asks for it, and a cancel frame at ctrl+c. The server sends stdout and
// stderr data as the command writes them and ends with the exit code. Everything that
// comes from the other side is bounded: frame sizes, argv, stdin (64 MiB), the time to
// send the request, the commands running at once.
package control

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
	"unicode/utf8"

	"vivipass/domain"
)

// Limits of what one side accepts from the other.
const (
	MaxArgs       = 1000      // arguments of one command
	MaxArgBytes   = 128 << 10 // bytes of one argument (Linux's own limit on exec)
	MaxRequest    = 1 << 20   // bytes of the request frame
	MaxStdin      = 64 << 20  // bytes of stdin a command may read (an import file)
	MaxConns      = 16        // connections served at once; more are turned away
	maxFrame      = 64 << 10  // bytes of any other frame
	chunk         = 32 << 10  // data frames are written in pieces of this size
	requestWithin = 5 * time.Second
)

// Version of the protocol: the server refuses another.
const Version = 1

// Frame types.
const (
	frameRequest = 'R' // client → server, first frame: Request as JSON
	frameStdin   = 'I' // client → server: stdin bytes; empty = end of stdin
	frameCancel  = 'C' // client → server: ctrl+c, cancel the command
	frameWant    = 'W' // server → client: the command reads stdin, send it
	frameStdout  = 'O' // server → client: stdout bytes
	frameStderr  = 'E' // server → client: stderr bytes
	frameExit    = 'X' // server → client, last frame: exit code (uint32)
)

// Request is what the client asks: a command line, and where it was typed.
type Request struct {
	Version   int      `json:"v"`
	Args      []string `json:"args"`       // argv without the program name
	Dir       string   `json:"dir"`        // the client's working directory: relative paths are resolved against it
	DefaultDB string   `json:"default_db"` // the client's default database (its VIVIPASS_DB, XDG_DATA_HOME, HOME)
	User      string   `json:"user"`       // the client's $USER, the name its changes are recorded under
}

func (r Request) check() error {
	if r.Version != Version {
		return fmt.Errorf("versione del protocollo %d non supportata (il server usa la %d): usare lo stesso vivipass del server", r.Version, Version)
	}
	if len(r.Args) > MaxArgs {
		return fmt.Errorf("troppi argomenti (%d, al massimo %d)", len(r.Args), MaxArgs)
	}
	for _, a := range r.Args {
		if len(a) > MaxArgBytes {
			return fmt.Errorf("argomento troppo lungo (%d byte, al massimo %d)", len(a), MaxArgBytes)
		}
	}
	// Issue 12.13: the user is written in the history of every change ("cli:<user>")
	// and the paths in messages and the log: bounded, and with no control character.
	for _, f := range []struct{ what, v string }{{"cartella di lavoro", r.Dir}, {"database predefinito", r.DefaultDB}, {"utente", r.User}} {
		max := maxPath
		if f.what == "utente" {
			max = maxUser
		}
		if len(f.v) > max {
			return fmt.Errorf("%s troppo lungo (%d byte, al massimo %d)", f.what, len(f.v), max)
		}
		if i := strings.IndexFunc(f.v, func(c rune) bool { return domain.IsControl(c) || c == utf8.RuneError }); i >= 0 {
			return fmt.Errorf("%s con un carattere non ammesso al byte %d", f.what, i+1)
		}
	}
	if r.Dir != "" && !filepath.IsAbs(r.Dir) {
		return fmt.Errorf("cartella di lavoro %s non assoluta", shortQuote(r.Dir))
	}
	return nil
}

// Bounds of the request's other fields: a path (Linux's PATH_MAX) and a user name.
const (
	maxPath = 4096
	maxUser = 256
)

// shortQuote is s quoted for a message, cut to 60 characters.
func shortQuote(s string) string {
	if r := []rune(s); len(r) > 60 {
		return fmt.Sprintf("%q…", string(r[:60]))
	}
	return fmt.Sprintf("%q", s)
}

// SocketPath is the control socket of the database at db: "<db>.sock" beside it.
func SocketPath(db string) string { return db + ".sock" }

// Errors of the client side.
var (
	// ErrNotServing: no server listens on the socket (none, or a stale file).
	ErrNotServing = errors.New("nessun server in ascolto sul socket di controllo")
	// ErrPermission: the socket refuses this user.
	ErrPermission = errors.New("il server vivipass in esecuzione accetta comandi solo dall'utente che lo ha avviato o da root")
	// errGone: the connection ended before the exit code.
	errGone = errors.New("il server ha chiuso la connessione prima della fine del comando")
)

// writeFrame writes one frame with a single Write (frames of concurrent writers are
// serialised by the callers).
func writeFrame(w io.Writer, typ byte, p []byte) error {
	buf := make([]byte, 5+len(p))
	buf[0] = typ
	binary.BigEndian.PutUint32(buf[1:5], uint32(len(p)))
	copy(buf[5:], p)
	_, err := w.Write(buf)
	return err
}

// readFrame reads one frame of at most max payload bytes.
func readFrame(r io.Reader, max int) (byte, []byte, error) {
	var hdr [5]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		return 0, nil, err
	}
	n := binary.BigEndian.Uint32(hdr[1:5])
	if n > uint32(max) {
		return 0, nil, fmt.Errorf("frame %q di %d byte oltre il limite di %d", hdr[0], n, max)
	}
	p := make([]byte, n)
	if _, err := io.ReadFull(r, p); err != nil {
		if errors.Is(err, io.EOF) {
			err = io.ErrUnexpectedEOF
		}
		return 0, nil, err
	}
	return hdr[0], p, nil
}

func encodeRequest(r Request) ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(r)
	if err == nil && len(b) > MaxRequest {
		err = fmt.Errorf("riga di comando troppo lunga (%d byte, al massimo %d)", len(b), MaxRequest)
	}
	return b, err
}

func decodeRequest(p []byte) (Request, error) {
	var r Request
	if err := json.Unmarshal(p, &r); err != nil {
		// Not the decoder's English message: a client of another program, or garbage.
		return Request{}, fmt.Errorf("richiesta non leggibile: non è il JSON del protocollo vivipass (usare lo stesso vivipass del server)")
	}
	return r, r.check()
}

// sunPathMax is the longest path a Unix socket address holds (sun_path less its NUL).
const sunPathMax = 107

// shortPath returns an address for the socket at path that fits sun_path: path
// itself, or for a longer one its name under /proc/self/fd of its opened folder
// (valid until release is called).
func shortPath(path string) (addr string, release func(), err error) {
	if len(path) <= sunPathMax {
		return path, func() {}, nil
	}
	fd, err := syscall.Open(filepath.Dir(path), oPath|syscall.O_DIRECTORY|syscall.O_CLOEXEC, 0)
	if err != nil {
		return "", nil, &os.PathError{Op: "open", Path: filepath.Dir(path), Err: err}
	}
	addr = fmt.Sprintf("/proc/self/fd/%d/%s", fd, filepath.Base(path))
	if len(addr) > sunPathMax {
		syscall.Close(fd)
		return "", nil, fmt.Errorf("nome del socket troppo lungo: %s", path)
	}
	return addr, func() { syscall.Close(fd) }, nil
}

// oPath is Linux's O_PATH (absent from package syscall): a folder opened only to name it.
const oPath = 0x200000
