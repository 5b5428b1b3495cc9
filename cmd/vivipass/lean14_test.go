package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// TestLeanProgram (issue 14.4): make build's bin/vivipass is built with -tags lean. It
// links neither the desk nor the SSH server, answers the command line as the full
// program does, and hands the desk and the server to vivipass-completo beside it; with
// that missing it says so in Italian.
func TestLeanProgram(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-tags", "lean", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, heavy := range []string{"vivipass/tui", "vivipass/server", "charm.land/bubbletea/v2", "charm.land/wish/v2", "charm.land/huh/v2"} {
		for _, dep := range strings.Fields(string(out)) {
			if dep == heavy {
				t.Errorf("the lean program links %s", heavy)
			}
		}
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

	// The command line answers as the full program's.
	db := demoDB(t)
	for _, args := range [][]string{
		{"search", "--db", db, "ROSSI"},
		{"whitelist", "check", "AB123CD", "--db", db},
		{"pass", "show", "--db", db, "L736_2026_00001"},
	} {
		got, code := run(args...)
		want := vp(t, args...)
		if got != want.stdout+want.stderr || code != want.code {
			t.Errorf("vivipass %s: lean program (exit %d)\n%s\nfull program (exit %d)\n%s", strings.Join(args, " "), code, got, want.code, want.stdout+want.stderr)
		}
	}

	// Without the full program beside it: the desk and the server say where it is missing.
	for _, args := range [][]string{{"serve", "--help"}, {"--db", db}} {
		got, code := run(args...)
		if code != 1 || !strings.Contains(got, "vivipass-completo") || !strings.Contains(got, "make build") {
			t.Errorf("vivipass %s without the full program: exit %d\n%s", strings.Join(args, " "), code, got)
		}
	}

	// With it: the server's own help, from the full program (the same process, exec'd).
	full, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "vivipass-completo"), full, 0o755); err != nil {
		t.Fatal(err)
	}
	got, code := run("serve", "--help")
	want := must(t, 0, "serve", "--help")
	if code != 0 || got != want.stdout+want.stderr || !strings.Contains(got, "serve") {
		t.Errorf("vivipass serve --help through the lean program: exit %d\n%s\nwant\n%s", code, got, want.stdout)
	}
}
