package common

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// A path typed at the desk never replaces a file and never reads a device, a FIFO, a
// folder or a file too large (review: a template import read /dev/zero, an export
// truncated any file, the register included).
func TestServerFiles(t *testing.T) {
	dir := t.TempDir()
	db := filepath.Join(dir, "vivipass.db")
	if err := os.WriteFile(db, []byte("registro"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := CreateServerFile(db, []byte("modulo")); err == nil || !strings.Contains(err.Error(), "non viene sovrascritto") {
		t.Fatalf("overwrite: %v", err)
	}
	if got, _ := os.ReadFile(db); string(got) != "registro" {
		t.Fatalf("the file was changed: %q", got)
	}
	out := filepath.Join(dir, "nuovo.txt")
	if err := CreateServerFile(out, []byte("modulo")); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadServerFile(out, "un modulo", 1<<10); err != nil || string(got) != "modulo" {
		t.Fatalf("read back: %q %v", got, err)
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for path, want := range map[string]string{
		"/dev/zero":                 "non è un file normale",
		fifo:                        "non è un file normale",
		dir:                         "è una cartella",
		filepath.Join(dir, "manca"): "non esiste",
		"relativo.txt":              "percorso completo",
		db:                          "troppo grande",
	} {
		limit := int64(1 << 10)
		if path == db {
			limit = 4
		}
		if _, err := ReadServerFile(path, "un modulo", limit); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%s: %v, want %q", path, err, want)
		}
	}
}
