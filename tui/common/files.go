package common

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// ReadServerFile reads a file an operator named on the server: an absolute path, a
// regular file only (a FIFO or a device would block the session or fill memory), at
// most max bytes. what names the file in the Italian messages ("il modulo").
func ReadServerFile(path, what string, max int64) ([]byte, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("%q non è un percorso completo: indicarlo dalla radice, es. /srv/vivipass/file.txt", path)
	}
	// Stat before opening: opening a FIFO blocks until someone writes to it.
	if st, err := os.Stat(path); err == nil && !st.IsDir() && !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s non è un file normale: indicare %s", path, what)
	}
	f, err := os.Open(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fmt.Errorf("il file %s non esiste sul server", path)
	case errors.Is(err, fs.ErrPermission):
		return nil, fmt.Errorf("il file %s non è leggibile: il server non ha il permesso di aprirlo", path)
	case err != nil:
		return nil, fmt.Errorf("il file %s non si apre: %v", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	switch {
	case err != nil:
		return nil, fmt.Errorf("il file %s non si apre: %v", path, err)
	case st.IsDir():
		return nil, fmt.Errorf("%s è una cartella: indicare %s", path, what)
	case !st.Mode().IsRegular():
		return nil, fmt.Errorf("%s non è un file normale: indicare %s", path, what)
	case st.Size() > max:
		return nil, fmt.Errorf("il file %s è troppo grande per essere %s (al massimo %d KB)", path, what, max>>10)
	}
	return io.ReadAll(io.LimitReader(f, max))
}

// CreateServerFile writes data to a new file on the server: an existing file is never
// replaced (an operator's path could name the register itself, or a password file).
func CreateServerFile(path string, data []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	switch {
	case errors.Is(err, fs.ErrExist):
		return fmt.Errorf("il file %s esiste già e non viene sovrascritto: scegliere un altro nome", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("impossibile scrivere %s: il server non ha il permesso", path)
	case err != nil:
		return fmt.Errorf("impossibile scrivere %s: %v", path, err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return fmt.Errorf("impossibile scrivere %s: %v", path, err)
	}
	return f.Close()
}
