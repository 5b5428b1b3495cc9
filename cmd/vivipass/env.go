//go:build !lean

package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"

	"vivipass/control"
	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// What a command body uses instead of the process's own: the same calls work in this
// process and inside the server (where the process's cwd, $USER and database are the
// server's, not the caller's).

// actor is the administrator at the server's shell: every comune, recorded under the
// name of whoever typed the command.
func (e *env) actor() service.Actor {
	name := "cli"
	if e.user != "" {
		name = "cli:" + e.user
	}
	return service.SystemActor(name)
}

// path is a path from the command line, relative to where it was typed.
func (e *env) path(p string) string {
	if e.cwd == "" || p == "" || filepath.IsAbs(p) {
		return p
	}
	return filepath.Join(e.cwd, p)
}

// open gives the service of the database at path: in-process it opens the file
// (close with done); inside the server it is the server's own, never closed by the body.
func (e *env) open(path string) (svc *service.Service, done func(), err error) {
	if e.served == nil {
		return openService(path)
	}
	if err := e.served.same(e.path(path)); err != nil {
		return nil, nil, err
	}
	return e.served.svc, func() {}, nil
}

// lookup runs fn (search, whitelist check) in a read transaction of the register at
// path, with today's date: inside the server on its service; in-process on the file
// opened read-only (readOnly), or, when it is not there or its schema is older, opened
// as open does (the Italian error, or migrated).
func (e *env) lookup(path string, fn func(tx *store.Tx, today domain.Date) error) error {
	if e.served == nil {
		if ok, err := readOnly(path, fn); ok || err != nil {
			return err
		}
	}
	svc, done, err := e.open(path)
	if err != nil {
		return err
	}
	defer done()
	return svc.DB().View(func(tx *store.Tx) error { return fn(tx, svc.Today()) })
}

// create is open for the commands that may create the database (demo).
func (e *env) create(path string) (*service.Service, func(), error) {
	if e.served == nil {
		return createService(path)
	}
	return e.open(path)
}

// readFile reads a file named on the command line ("-": stdin, at most
// control.MaxStdin bytes). Inside the server only a regular file of at most
// control.MaxStdin bytes: a path to /dev/zero or a FIFO must not take the server's
// memory or hang it.
//
// guard, when given, wraps the reader (service.ImportGuard): its error stops the
// reading at once and is returned as it is.
func (e *env) readFile(p string, guard ...func(io.Reader) io.Reader) ([]byte, error) {
	wrap := func(r io.Reader) io.Reader {
		for _, g := range guard {
			r = g(r)
		}
		return r
	}
	if p == "-" {
		data, err := io.ReadAll(io.LimitReader(wrap(e.stdin), control.MaxStdin+1))
		if len(guard) > 0 && service.IsImportFileError(err) {
			return nil, err
		}
		if err == nil && len(data) > control.MaxStdin {
			err = fmt.Errorf("l'ingresso standard supera %d MiB", control.MaxStdin>>20)
		}
		if err != nil {
			return nil, fmt.Errorf("impossibile leggere l'ingresso standard: %w", err)
		}
		return data, nil
	}
	if e.served == nil {
		if len(guard) == 0 {
			return os.ReadFile(p)
		}
		f, err := os.Open(p)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		return io.ReadAll(wrap(f))
	}
	f, err := os.Open(e.path(p))
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	switch {
	case err != nil:
		return nil, err
	case !fi.Mode().IsRegular():
		return nil, fmt.Errorf("%s non è un file regolare", p)
	case fi.Size() > control.MaxStdin:
		return nil, fmt.Errorf("%s supera %d MiB, il massimo per un comando eseguito dal server in funzione", p, control.MaxStdin>>20)
	}
	data, err := io.ReadAll(io.LimitReader(wrap(f), control.MaxStdin+1))
	if err == nil && len(data) > control.MaxStdin {
		err = fmt.Errorf("%s supera %d MiB", p, control.MaxStdin>>20)
	}
	return data, err
}

// mapFile maps the import file at p (service.MapImportFile); a directory or a device is
// refused as reading it would be.
func mapFile(p string) (*service.ImportFile, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close() // the map stays
	return service.MapImportFile(f)
}

// openService opens the database and wraps it.
// A mistyped --db must not quietly create an empty register and answer "nothing
// found": only init and demo create the file.
func openService(path string, opts ...service.Option) (*service.Service, func(), error) {
	if _, err := os.Stat(path); err != nil {
		if err := missingRegister(path); err != nil {
			return nil, nil, err // the register is there under another name: never init
		}
		return nil, nil, fmt.Errorf("database %s non trovato: crearlo con `vivipass init --comune CODICE --db %s` (o `vivipass demo`)", path, path)
	}
	return createService(path, opts...)
}

// createService opens the database, creating it if missing; with its lock held, it
// removes what a vivipass killed halfway left beside it (leftovers.go).
func createService(path string, opts ...service.Option) (*service.Service, func(), error) {
	if _, err := os.Stat(path); err != nil {
		if err := missingRegister(path); err != nil {
			return nil, nil, err
		}
	}
	db, err := store.Open(path, store.Options{})
	if err != nil {
		return nil, nil, err
	}
	startupCleanup(os.Stderr, path)
	return service.New(db, append([]service.Option{service.WithPlatform(platformFor)}, opts...)...), func() { db.Close() }, nil
}
