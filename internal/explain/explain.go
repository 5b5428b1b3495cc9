// Package explain says in Italian what a system error means and what to do about it,
// in place of Go's English text ("dial tcp …: connection refused", "open …: no such
// file or directory"), keeping the Italian context the program wrapped around it.
package explain

import (
	"context"
	"errors"
	"io"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
)

// Text is err as an operator reads it: the first error in its chain that the system
// made is replaced by its Italian explanation; the rest of the message stays.
func Text(err error) string {
	if err == nil {
		return ""
	}
	msg := err.Error()
	for e := err; e != nil; e = errors.Unwrap(e) {
		it, ok := italian(e)
		if !ok {
			continue
		}
		raw := e.Error()
		i := strings.Index(msg, raw)
		if raw == "" || i < 0 {
			return msg + " (" + it + ")"
		}
		// A connection the program already named ("connessione a HOST non riuscita:
		// dial tcp HOST: …") is not named twice.
		var op *net.OpError
		if errors.As(e, &op) && e == error(op) && op.Addr != nil && strings.Contains(msg[:i], op.Addr.String()) {
			it = reason(op.Err)
		}
		return msg[:i] + it + msg[i+len(raw):]
	}
	return msg
}

// italian explains one error of the system (ok false: not one of them).
func italian(e error) (string, bool) {
	var (
		op  *net.OpError
		dns *net.DNSError
		pe  *fs.PathError
		le  *os.LinkError
		no  syscall.Errno
	)
	if s, ok := webItalian(e); ok {
		return s, true
	}
	switch {
	case errors.As(e, &dns) && e == error(dns):
		if dns.IsTimeout {
			return "il nome " + dns.Name + " non si risolve in tempo: controllare la rete e il DNS", true
		}
		return "il nome " + dns.Name + " non esiste o non si risolve: controllare l'indirizzo nelle impostazioni e la rete", true
	case errors.As(e, &op) && e == error(op):
		addr := ""
		if op.Addr != nil {
			addr = " " + op.Addr.String()
		}
		return "connessione a" + addr + " non riuscita: " + reason(op.Err), true
	case errors.As(e, &pe) && e == error(pe):
		return "file " + filepath.Base(pe.Path) + ": " + reason(pe.Err), true
	case errors.As(e, &le) && e == error(le):
		return "file " + filepath.Base(le.New) + ": " + reason(le.Err), true
	case errors.As(e, &no) && e == error(no):
		return cause(no)
	case e == context.DeadlineExceeded, e == os.ErrDeadlineExceeded:
		return "nessuna risposta in tempo: riprovare; se si ripete, controllare la rete e il servizio", true
	case e == context.Canceled:
		return "operazione annullata", true
	case e == io.EOF, e == io.ErrUnexpectedEOF:
		return "la connessione si è chiusa prima della fine: riprovare", true
	}
	return "", false
}

// reason explains the cause inside a connection or file error.
func reason(err error) string {
	if err == nil {
		return "errore sconosciuto"
	}
	if s, ok := cause(err); ok {
		return s
	}
	if s, ok := italian(err); ok {
		return s
	}
	return err.Error()
}

// cause explains the usual causes (ok false: none of them).
func cause(err error) (string, bool) {
	var (
		ne  net.Error
		dns *net.DNSError
	)
	s := ""
	switch {
	case errors.As(err, &dns):
		return italian(dns)
	case errors.Is(err, syscall.ECONNREFUSED):
		s = "connessione rifiutata, il servizio non è in ascolto: controllare che sia avviato e l'indirizzo nelle impostazioni"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		s = "la connessione si è interrotta: riprovare"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		s = "server non raggiungibile dalla rete: controllare il collegamento"
	case errors.Is(err, fs.ErrNotExist):
		s = "non esiste (cancellato o spostato?)"
	case errors.Is(err, fs.ErrPermission):
		s = "permesso negato: chiedere all'amministratore del server"
	case errors.Is(err, fs.ErrExist):
		s = "esiste già"
	case errors.Is(err, syscall.ENOSPC):
		s = "disco pieno: liberare spazio sul server, poi riprovare"
	case errors.Is(err, syscall.EISDIR):
		s = "è una cartella, non un file"
	case errors.Is(err, syscall.ENOTDIR):
		s = "una parte del percorso non è una cartella"
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, os.ErrDeadlineExceeded):
		s = "nessuna risposta in tempo: riprovare; se si ripete, controllare la rete e il servizio"
	case errors.As(err, &ne) && ne.Timeout():
		s = "nessuna risposta in tempo: riprovare; se si ripete, controllare la rete e il servizio"
	default:
		return certificateCause(err)
	}
	return s, true
}
