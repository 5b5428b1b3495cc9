package sim_test

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"vivipass/national"
	"vivipass/national/httpclient"
	"vivipass/national/sim"
)

// TestStateFilePrivate (issue 12.6): with umask 000 the simulator's state file is
// written 0600, and its folder, when it exists, keeps its mode.
func TestStateFilePrivate(t *testing.T) {
	old := syscall.Umask(0)
	defer syscall.Umask(old)
	dir := t.TempDir()
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	users := filepath.Join(dir, "utenze.txt")
	if err := os.WriteFile(users, []byte("roma;pw-roma;H501;2099-12-31\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	state := filepath.Join(dir, "stato.json")
	url, _, _, stop := start(t, "--addr", "127.0.0.1:0", "--user-file", users, "--state", state)
	c, err := httpclient.New(url)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if rec, err := c.Send(context.Background(), national.Credentials{User: "roma", Password: "pw-roma"}, change("k1")); err != nil || rec.CudeID == "" {
		t.Fatalf("send: %+v %v", rec, err)
	}
	if rc := stop(); rc != 0 {
		t.Fatalf("stop: %d", rc)
	}
	fi, err := os.Stat(state)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("state file: %v, mode %v; want 0600", err, fi.Mode())
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o755 {
		t.Errorf("its folder: %v, mode %v; want 0755 as it was", err, fi.Mode())
	}
}

// TestStaleStateTempsRemoved (issue 12.12): the temporaries a simulator killed while
// saving left beside its state file go at the next start; a fresh one and other files
// stay.
func TestStaleStateTempsRemoved(t *testing.T) {
	dir := t.TempDir()
	state := filepath.Join(dir, "stato.json")
	names := map[string]bool{".stato.json.123456": false, ".stato.json.999": true, ".stato.json.bak": true, "appunti.txt": true}
	old := time.Now().Add(-time.Hour)
	for n := range names {
		p := filepath.Join(dir, n)
		if err := os.WriteFile(p, []byte("{"), 0o600); err != nil {
			t.Fatal(err)
		}
		if n != ".stato.json.999" { // being written now
			if err := os.Chtimes(p, old, old); err != nil {
				t.Fatal(err)
			}
		}
	}
	if _, err := sim.New(sim.Options{State: state}); err != nil {
		t.Fatal(err)
	}
	for n, stays := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); (err == nil) != stays {
			t.Errorf("%s: stays %v, want %v", n, err == nil, stays)
		}
	}
}
