//go:build !lean

package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"

	"vivipass/national/sim"
)

// TestLeanProgram (issue 14.4): make build's bin/vivipass is built with -tags lean. It
// runs the lookups (search, whitelist check) on the store alone: it links neither the
// service nor the desk, the SSH server, HTTPS, PDF or IMAP. It answers them as the full
// program does, and hands every other command, the desk and the server to
// vivipass-completo beside it; with that missing it says so in Italian.
func TestLeanProgram(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "lean", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	for _, heavy := range []string{"vivipass/service", "vivipass/tui", "vivipass/server", "vivipass/printing",
		"vivipass/national/httpclient", "charm.land/bubbletea/v2", "charm.land/wish/v2", "charm.land/huh/v2",
		"github.com/emersion/go-imap/v2", "golang.org/x/crypto/ssh", "net/http", "crypto/tls"} {
		if slices.Contains(deps, heavy) {
			t.Errorf("the lean program links %s", heavy)
		}
	}
	if !slices.Contains(deps, "vivipass/lookup") || !slices.Contains(deps, "vivipass/control") {
		t.Fatalf("the lean program does not link lookup and control: %v", deps)
	}

	dir := t.TempDir()
	lean := filepath.Join(dir, "vivipass")
	if out, err := exec.Command("go", "build", "-tags", "lean", "-o", lean, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build -tags lean: %v\n%s", err, out)
	}
	run := func(args ...string) (string, int) {
		cmd := exec.Command(lean, args...)
		cmd.Env = runEnv()
		var b bytes.Buffer
		cmd.Stdout, cmd.Stderr = &b, &b
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return b.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return b.String(), 0
	}
	same := func(args ...string) {
		t.Helper()
		got, code := run(args...)
		want := vp(t, args...)
		if got != want.stdout+want.stderr || code != want.code {
			t.Errorf("vivipass %s: lean program (exit %d)\n%s\nfull program (exit %d)\n%s", strings.Join(args, " "), code, got, want.code, want.stdout+want.stderr)
		}
	}

	// The lookups and the help, alone: as the full program's, to the byte.
	db := demoDB(t)
	for _, args := range [][]string{
		{"search", "--db", db, "ROSSI"},
		{"search", "--db", db, "--json", "L736_2026"},
		{"search", "--db", db, "--comune", "G224", "--limit", "2", "A"},
		{"search", "--db", db, "--comune", "Z999", "A"},
		{"search", "--db", db},
		{"whitelist", "check", "AB123CD", "--db", db},
		{"whitelist", "check", "--db", db, "--json", "--at", "2025-01-01", "AB123CD"},
		{"whitelist", "check", "--db", db, "A-1"},
		{"aiuto"},
	} {
		same(args...)
	}

	// Without the full program beside it: the desk, the server and the other commands
	// say where it is missing.
	for _, args := range [][]string{{"serve", "--help"}, {"--db", db}, {"pass", "show", "--db", db, "L736_2026_00001"},
		{"search", "--db", filepath.Join(dir, "nessuno.db"), "ROSSI"}} {
		got, code := run(args...)
		if code != 1 || !strings.Contains(got, "vivipass-completo") || !strings.Contains(got, "make build") {
			t.Errorf("vivipass %s without the full program: exit %d\n%s", strings.Join(args, " "), code, got)
		}
	}

	// A vivipass-completo that is the lean program itself (a link, or a copy of the
	// wrong file) is refused, not exec'd for ever.
	self, err := os.ReadFile(lean)
	if err != nil {
		t.Fatal(err)
	}
	for _, install := range []func(string) error{
		func(p string) error { return os.Symlink(lean, p) },
		func(p string) error { return os.WriteFile(p, self, 0o755) },
	} {
		wrong := filepath.Join(dir, "vivipass-completo")
		if err := install(wrong); err != nil {
			t.Fatal(err)
		}
		got, code := run("template-csv")
		if code != 1 || !strings.Contains(got, "questo stesso programma") {
			t.Errorf("vivipass template-csv with the lean program as vivipass-completo: exit %d\n%s", code, got)
		}
		os.Remove(wrong)
	}

	// With it: the other commands, the server's help, and a lookup on a register that
	// is not there (the full program says so) answer as the full program's, through
	// the same process, exec'd.
	full, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vivipass-completo"), full, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"serve", "--help"},
		{"pass", "show", "--db", db, "L736_2026_00001"},
		{"template-csv"},
		{"search", "--db", filepath.Join(dir, "nessuno.db"), "ROSSI"},
	} {
		same(args...)
	}

	// With a server holding the register, the lookups run inside it, through the socket.
	want := map[string]string{}
	lookups := [][]string{{"search", "--db", db, "ROSSI"}, {"whitelist", "check", "AB123CD", "--db", db}}
	for _, args := range lookups {
		want[args[0]], _ = run(args...)
	}
	startServe(t, "--db", db)
	for _, args := range lookups {
		if got, _ := run(args...); got != want[args[0]] {
			t.Errorf("vivipass %s through the server: %q, in-process %q", strings.Join(args, " "), got, want[args[0]])
		}
	}
	if got, code := run("restore", "--db", db, filepath.Join(dir, "x.db")); code != 1 || !strings.Contains(got, "fermare prima il server") {
		t.Errorf("restore with the server running, through the lean program: exit %d\n%s", code, got)
	}

	// A register of an older schema goes to the full program, which migrates it.
	old := filepath.Join(dir, "vecchio.db")
	b, err := bolt.Open(old, 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	b.Close() // no bucket at all: schema 0
	if got, code := run("whitelist", "check", "AB123CD", "--db", old); code != 3 || !strings.Contains(got, "NON AUTORIZZATA") {
		t.Errorf("whitelist check on a schema-0 register through the lean program: exit %d\n%s", code, got)
	}
	if got, code := run("search", "--db", old, "ROSSI"); code != 0 || !strings.Contains(got, "Nessun contrassegno") {
		t.Errorf("search on the migrated register: exit %d\n%s", code, got)
	}
}

// TestNationalSimUsage: the command table spells the simulator's usage out (the lean
// program does not link national/sim); it is the simulator's own.
func TestNationalSimUsage(t *testing.T) {
	if got := commands()["national-sim"].usage; got != sim.Usage {
		t.Errorf("usage in the table %q, the simulator's %q", got, sim.Usage)
	}
}
