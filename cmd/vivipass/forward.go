package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"syscall"

	"vivipass/control"
)

// The two ends of the control socket (package control) in the binary: forward sends a
// command line to the server that holds the database; served runs it there, through
// the same command table as in-process.

// forward runs args inside the server holding the database, if there is one: the
// file is locked by another process and its socket answers. ok is false when the
// command must run here (no server; or a locked file with no socket, where opening it
// says the database is in use, as it always did).
func forward(e *env, args []string) (code int, ok bool) {
	db := dbOf(args, e.defaultDB)
	if !lockedByOther(db) {
		return 0, false
	}
	conn, err := control.Dial(control.SocketPath(db))
	if errors.Is(err, control.ErrNotServing) {
		return 0, false
	}
	if err != nil {
		fmt.Fprintf(e.stderr, "errore: %s\n", err)
		return 1, true
	}
	cwd, err := os.Getwd()
	if err != nil {
		fmt.Fprintf(e.stderr, "errore: cartella di lavoro non leggibile: %s\n", err)
		return 1, true
	}
	ctx, cancel := context.WithCancel(e.ctx)
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		if _, ok := <-sigs; !ok {
			return
		}
		cancel() // the server cancels the command, which says how it ended
		fmt.Fprintln(e.stderr, "interruzione inviata al server (ctrl+c di nuovo per uscire senza attendere)")
		if _, ok := <-sigs; ok {
			fmt.Fprintln(e.stderr, "errore: uscita senza attendere il server: il comando potrebbe essere ancora in corso")
			os.Exit(1)
		}
	}()
	code, err = control.Run(ctx, conn, control.Request{Args: args, Dir: cwd, DefaultDB: e.defaultDB, User: e.user},
		e.stdin, e.stdout, e.stderr)
	if err != nil {
		fmt.Fprintf(e.stderr, "errore: %s\n", err)
		return 1, true
	}
	return code, true
}

// dbOf is the database a command line names, as its flags will read it: the last
// --db (or -db, --db=FILE), else def; absolute.
func dbOf(args []string, def string) string {
	db := def
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--db" || a == "-db":
			if i+1 < len(args) {
				db = args[i+1]
				i++
			}
		case strings.HasPrefix(a, "--db="):
			db = strings.TrimPrefix(a, "--db=")
		case strings.HasPrefix(a, "-db="):
			db = strings.TrimPrefix(a, "-db=")
		}
	}
	if abs, err := filepath.Abs(db); err == nil {
		db = abs
	}
	return db
}

// lockedByOther reports whether another process holds the database file (bbolt's
// flock), or whether this user cannot even read it (then only the socket can tell).
func lockedByOther(db string) bool {
	f, err := os.Open(db)
	if err != nil {
		return errors.Is(err, fs.ErrPermission)
	}
	defer f.Close() // closing our descriptor never releases the holder's lock
	err = syscall.Flock(int(f.Fd()), syscall.LOCK_SH|syscall.LOCK_NB)
	if err == nil {
		syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
		return false
	}
	return errors.Is(err, syscall.EWOULDBLOCK)
}
