//go:build lean

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"vivipass/domain"
	"vivipass/store"
)

// The command line's program (make build: bin/vivipass, built with -tags lean) runs
// the lookups itself (search, whitelist check: lookups.go, on the store alone) and
// hands every other command, the desk and the server to the full program installed
// beside it. A lookup then starts without the package inits and page faults of the
// service, the desk, PDF, IMAP and SSH (issue 14.4: they were most of its time).
// The full program (bin/vivipass-completo, or any build without the tag) runs everything.

// fullProgram is the full program's name, beside this one.
const fullProgram = "vivipass-completo"

// body runs the lookups here and hands the other commands over.
func body(name string) func(*env, []string) error {
	switch name {
	case "search":
		return cmdSearch
	case "whitelist":
		return cmdWhitelist
	}
	return func(e *env, args []string) error { return handOver(append([]string{name}, args...)) }
}

func cmdDesk(e *env, args []string) error { return handOver(args) }

// served is the server a command runs in: never this program (the full one serves).
type served struct{}

func (*served) refuse(string) error { return nil }

// lookup runs fn in a read transaction of the register at path, opened read-only
// (readOnly). A register that is not there or whose schema is older goes to the full
// program, which says what is wrong or migrates it, as it always did.
func (e *env) lookup(path string, fn func(tx *store.Tx, today domain.Date) error) error {
	if ok, err := readOnly(path, fn); ok || err != nil {
		return err
	}
	return handOver(os.Args[1:])
}

// handOver replaces this process with the full program, with args, the same terminal
// and pid (systemd's unit and signals reach the server as before).
func handOver(args []string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("programma completo non trovato: %w", err)
	}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	full := filepath.Join(filepath.Dir(self), fullProgram)
	// A vivipass-completo that is this program (a copy or a link of the wrong file)
	// would hand over to itself for ever.
	if a, err := os.Stat(self); err == nil {
		if b, err := os.Stat(full); err == nil && os.SameFile(a, b) {
			return fmt.Errorf("%s è questo stesso programma, non quello completo: reinstallare i due file creati da make build in bin/", full)
		}
	}
	err = syscall.Exec(full, append([]string{full}, args...), os.Environ())
	return fmt.Errorf("questo comando si esegue con il programma %s, da installare accanto a %s (make build li crea entrambi in bin/): %w",
		fullProgram, self, err)
}
