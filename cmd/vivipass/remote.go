//go:build !lean

package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"

	"vivipass/control"
	"vivipass/service"
)

// served is the running server a command executes in.
type served struct {
	svc  *service.Service
	db   string // absolute
	desk string // how operators connect: "ssh -p 2222 NOME@host"
	pid  int
}

// serveControl opens the control socket of `serve` beside the database (db, relative
// to the server's cwd); the caller prints its path and shuts it down before closing the
// database.
func serveControl(e *env, svc *service.Service, db, desk string, log *slog.Logger) (*control.Server, error) {
	abs, err := filepath.Abs(db)
	if err != nil {
		return nil, err
	}
	s := &served{svc: svc, db: abs, desk: desk, pid: os.Getpid()}
	cs, err := control.Listen(control.Config{Path: control.SocketPath(abs), Handler: s.handle, Log: log})
	if err != nil {
		return nil, err
	}
	return cs, nil
}

// handle runs one command line that came through the socket.
func (s *served) handle(ctx context.Context, c *control.Call) int {
	e := &env{stdout: c.Stdout, stderr: c.Stderr, stdin: c.Stdin, ctx: ctx, cwd: c.Dir,
		defaultDB: c.DefaultDB, user: c.User, served: s}
	if e.defaultDB == "" {
		e.defaultDB = s.db
	}
	return run(e, c.Args)
}

// same refuses a --db that is not the server's database (the client found this
// socket beside the file it named, so it is: unless a file was moved meanwhile).
func (s *served) same(db string) error {
	want, err := os.Stat(s.db)
	if err != nil {
		return err
	}
	got, err := os.Stat(db)
	if err != nil || !os.SameFile(want, got) {
		return fmt.Errorf("il server in esecuzione (pid %d) usa il database %s, non %s", s.pid, s.db, db)
	}
	return nil
}

// refuse says why a command cannot run inside the server ("" is the desk); nil when
// it can, or when there is no server (s nil).
func (s *served) refuse(name string) error {
	if s == nil {
		return nil
	}
	switch name {
	case "":
		return fmt.Errorf("il server vivipass è in esecuzione (pid %d): la scrivania si apre collegandosi con %s", s.pid, s.desk)
	case "serve":
		return fmt.Errorf("il server vivipass è già in esecuzione su %s (pid %d)", s.db, s.pid)
	case "restore":
		return fmt.Errorf("il ripristino sostituisce il file del database: fermare prima il server (pid %d: ctrl+c nel suo terminale, oppure kill %d), "+
			"poi ripetere vivipass restore (una copia si fa anche con il server acceso: vivipass backup FILE)", s.pid, s.pid)
	case "init":
		return fmt.Errorf("il database %s esiste ed è in uso dal server (pid %d): init non si esegue con il server acceso; fermarlo prima (kill %d)", s.db, s.pid, s.pid)
	}
	return nil
}
