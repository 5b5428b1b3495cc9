//go:build lean

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// The command line's program (make build: bin/vivipass, built with -tags lean) has every
// command but the desk and the server, and hands those two to the full program installed
// beside it. Without the libraries of the desk and of the SSH server a command starts in
// half the time (issue 14.4: their package inits and page faults were most of a search).
// The full program (bin/vivipass-completo, or any build without the tag) runs everything.

// fullProgram is the full program's name, beside this one.
const fullProgram = "vivipass-completo"

func cmdDesk(e *env, args []string) error { return handOver(nil, args) }

func cmdServe(e *env, args []string) error { return handOver([]string{"serve"}, args) }

// handOver replaces this process with the full program, same arguments, terminal and
// pid (systemd's unit and signals reach the server as before).
func handOver(command, args []string) error {
	self, err := os.Executable()
	if err != nil {
		return fmt.Errorf("programma completo non trovato: %v", err)
	}
	if real, err := filepath.EvalSymlinks(self); err == nil {
		self = real
	}
	full := filepath.Join(filepath.Dir(self), fullProgram)
	argv := append(append([]string{full}, command...), args...)
	err = syscall.Exec(full, argv, os.Environ())
	return fmt.Errorf("la scrivania e il server sono nel programma %s, da installare accanto a %s (make build li crea entrambi in bin/): %v",
		fullProgram, self, err)
}
