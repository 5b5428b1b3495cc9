//go:build !lean

package main

// Issue 12, points 6 and 12: the files vivipass writes are its own (0600, folders
// 0700, whatever the umask; an existing folder keeps its mode; a password file other
// users may read is refused), and a vivipass killed halfway leaves nothing behind: its
// temporaries go at the next start, and a restore is recoverable at every step.

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// noUmask clears the process's umask for the test (the commands it runs inherit it).
func noUmask(t *testing.T) {
	old := syscall.Umask(0)
	t.Cleanup(func() { syscall.Umask(old) })
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Errorf("%s: %v", path, err)
		return
	}
	if got := fi.Mode() & (fs.ModePerm | fs.ModeSticky); got != want {
		t.Errorf("%s: mode %v, want %v", filepath.Base(path), got, want)
	}
}

// TestFilesWrittenPrivate (issue 12.6): with umask 000 every file a command writes
// is 0600, every folder it creates 0700.
func TestFilesWrittenPrivate(t *testing.T) {
	noUmask(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "dati", "nuovi", "vivipass.db")
	must(t, 0, "demo", "--db", db)
	wantMode(t, db, 0o600)
	wantMode(t, filepath.Dir(db), 0o700)
	wantMode(t, filepath.Dir(filepath.Dir(db)), 0o700)

	zanon := rowOf(t, db, "ZANON", "ZANON NICOLÒ")
	out := filepath.Join(dir, "carta.pdf")
	must(t, 0, "print", "card", zanon.Numero, "--mode", "fronte", "--out", out, "--db", db)
	wantMode(t, out, 0o600)
	must(t, 0, "print", "card", zanon.Numero, "--mode", "fronte", "--out", out, "--db", db) // replaced
	wantMode(t, out, 0o600)
	exported := filepath.Join(dir, "ricevuta.txt")
	must(t, 0, "template", "export", "ricevuta", exported, "--comune", "L736", "--db", db)
	wantMode(t, exported, 0o600)
	copyFile := filepath.Join(dir, "copia.db")
	must(t, 0, "backup", copyFile, "--db", db)
	wantMode(t, copyFile, 0o600)
	must(t, 0, "restore", copyFile, "--db", db)
	wantMode(t, db, 0o600)
	for _, k := range keptFiles(t, db) {
		wantMode(t, k, 0o600)
	}
	// Everything else the commands left beside the register (password files of the
	// demo, signing keys…): files 0600, folders 0700.
	err := filepath.WalkDir(filepath.Dir(db), func(p string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir():
			wantMode(t, p, 0o700)
		case d.Type().IsRegular():
			wantMode(t, p, 0o600)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestServeKeepsFolderModes (issue 12.6): serve creates what is missing 0700 and
// leaves the mode of an existing folder alone (a 1777 folder stays 1777); the files it
// writes at start are 0600 under umask 000. Its start also removes what a killed
// backup left in the backups' folder (issue 12.12).
func TestServeKeepsFolderModes(t *testing.T) {
	noUmask(t)
	root := t.TempDir()
	shared := map[string]string{}
	for _, name := range []string{"dati", "file", "backup"} {
		p := filepath.Join(root, name)
		if err := os.Mkdir(p, 0o777); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, 0o777|fs.ModeSticky); err != nil {
			t.Fatal(err)
		}
		shared[name] = p
	}
	db := filepath.Join(shared["dati"], "vivipass.db")
	must(t, 0, "demo", "--db", db)
	leftover := filepath.Join(shared["backup"], ".backup-4242")
	fresh := filepath.Join(shared["backup"], ".backup-4343")
	mine := filepath.Join(shared["backup"], "backup-4444") // not our name: never touched
	for _, p := range []string{leftover, fresh, mine} {
		if err := os.WriteFile(p, []byte("copia interrotta"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	old := time.Now().Add(-time.Hour)
	for _, p := range []string{leftover, mine} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	newFolder := filepath.Join(root, "nuova", "backup")
	s := startServe(t, "--db", db, "--files", shared["file"], "--backup-dir", shared["backup"])
	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exited %d\n%s", code, s.logs())
	}
	s2 := startServe(t, "--db", db, "--files", filepath.Join(root, "nuova", "file"), "--backup-dir", newFolder)
	if code := s2.stop(t); code != 0 {
		t.Fatalf("serve exited %d\n%s", code, s2.logs())
	}
	s2logs := s2.logs()
	for _, p := range shared {
		wantMode(t, p, 0o777|fs.ModeSticky)
	}
	wantMode(t, filepath.Join(root, "nuova"), 0o700)
	wantMode(t, newFolder, 0o700)
	wantMode(t, filepath.Join(root, "nuova", "file"), 0o700)
	wantMode(t, filepath.Join(shared["dati"], "host_ed25519"), 0o600)
	wantMode(t, db, 0o600)

	if _, err := os.Stat(leftover); err == nil {
		t.Errorf("the stale %s is still there\n%s", filepath.Base(leftover), s.logs())
	}
	contains(t, "serve's log", s.logs(), "rimosso un file temporaneo", leftover)
	for _, p := range []string{fresh, mine} {
		if _, err := os.Stat(p); err != nil {
			t.Errorf("%s was removed: %v", filepath.Base(p), err)
		}
	}
	if strings.Contains(s2logs, "rimosso") {
		t.Errorf("the second start removed something:\n%s", s2logs)
	}
}

// TestPasswordFileReadableRefused (issue 12.6): a password file the group or other
// users may read is refused, with the command that fixes it; at 0600 it is taken.
func TestPasswordFileReadableRefused(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	pw := write(t, "pec.txt", []byte("segreta\n"))
	for _, mode := range []fs.FileMode{0o644, 0o640} {
		if err := os.Chmod(pw, mode); err != nil {
			t.Fatal(err)
		}
		r := must(t, 1, "pec", "configure", "--comune", "L736", "--host", "localhost", "--port", "143", "--user", "u",
			"--password-file", pw, "--security", "plain", "--db", db)
		contains(t, "pec configure", r.stderr, "il file della password "+pw+" è leggibile", "rifiutato", "chmod 600 "+pw)
		r = must(t, 1, "national", "configure", "--comune", "L736", "--url", "http://127.0.0.1:9/", "--user", "venezia",
			"--password-file", pw, "--db", db)
		contains(t, "national configure", r.stderr, "il file della password "+pw+" è leggibile", "chmod 600 "+pw)
	}
	if err := os.Chmod(pw, 0o600); err != nil {
		t.Fatal(err)
	}
	must(t, 0, "pec", "configure", "--comune", "L736", "--host", "localhost", "--port", "143", "--user", "u",
		"--password-file", pw, "--security", "plain", "--db", db)
	must(t, 0, "national", "configure", "--comune", "L736", "--url", "http://127.0.0.1:9/", "--user", "venezia",
		"--password-file", pw, "--db", db)
}

// makeStale dates files an hour back, as a process killed then would have left them.
func makeStale(t *testing.T, paths ...string) {
	t.Helper()
	old := time.Now().Add(-time.Hour)
	for _, p := range paths {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
}

// TestStaleTemporariesRemoved (issue 12.12): what a killed backup, restore, store
// verify or import left beside the register is removed by the next command that opens
// it; a temporary being written now, and any file not named as ours, stay.
func TestStaleTemporariesRemoved(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	dir := filepath.Dir(db)
	stale := []string{".backup-1234567", ".restore-99", ".verifica-5.db", "vivipass.db.import-4321", "vivipass.db.compatta-77"}
	kept := []string{".backup-777", // being written now
		".backup-mia", "backup-1", ".restore-99.txt", "altro.db.import-1", "appunti.txt"} // not ours
	for _, n := range append(append([]string{}, stale...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, n), []byte("resti"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	ctl := filepath.Join(dir, ".vivipass-ctl-31337")
	if err := os.Mkdir(ctl, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, n := range append(append([]string{}, stale...), kept[1:]...) {
		makeStale(t, filepath.Join(dir, n))
	}
	makeStale(t, ctl)
	r := must(t, 0, "store", "verify", "--db", db)
	for _, n := range append(stale, ".vivipass-ctl-31337") {
		if _, err := os.Lstat(filepath.Join(dir, n)); err == nil {
			t.Errorf("%s is still there", n)
		}
		contains(t, "stderr", r.stderr, "rimosso "+filepath.Join(dir, n))
	}
	for _, n := range kept {
		if _, err := os.Lstat(filepath.Join(dir, n)); err != nil {
			t.Errorf("%s was removed: %v", n, err)
		}
	}
}

// TestRestoreKilledBeforeSwitch (issue 12.12): killed after the register got its
// second name and before the copy was renamed over it, restore left the old register
// in place; the next start removes the second name (the same file, not a copy) and
// says the restore is to be repeated.
func TestRestoreKilledBeforeSwitch(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	copyFile := filepath.Join(filepath.Dir(db), "copia.db")
	must(t, 0, "backup", copyFile, "--db", db)
	link := db + ".prima-del-ripristino-20261203-101500"
	if err := os.Link(db, link); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(filepath.Dir(db), ".restore-123456")
	data, err := os.ReadFile(copyFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(tmp, data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	makeStale(t, tmp)
	r := must(t, 0, "store", "verify", "--db", db)
	contains(t, "stderr", r.stderr, "un ripristino è stato interrotto prima di sostituire il database",
		"vivipass restore COPIA --db "+db, "rimosso "+tmp)
	if _, err := os.Lstat(link); err == nil {
		t.Errorf("the second name of the register is still there")
	}
	if _, err := os.Lstat(tmp); err == nil {
		t.Errorf("the half-written copy is still there")
	}
	// Said once: the next command is quiet.
	r = must(t, 0, "store", "verify", "--db", db)
	if strings.Contains(r.stderr, "ripristino") {
		t.Errorf("said again:\n%s", r.stderr)
	}
	must(t, 0, "restore", copyFile, "--db", db)
	if n := len(keptFiles(t, db)); n != 1 {
		t.Errorf("after the repeated restore %d kept files, want 1", n)
	}
}

// TestRegisterLeftUnderOtherName (issue 12.12): a restore of an earlier vivipass
// killed between its two renames left no register at its path, the register as it
// was under <db>.prima-del-ripristino-…, and the copy under .restore-…. Every command
// says which file to put back and how (never init, which would start an empty
// register); init, demo and restore refuse and create nothing; after the mv it works.
func TestRegisterLeftUnderOtherName(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	key, _ := pubKey(t, "mario@ufficio")
	must(t, 0, "operator", "add", "--name", "mario", "--role", "operatore", "--comune", "L736", "--key", key, "--db", db)
	copyFile := filepath.Join(t.TempDir(), "copia.db")
	must(t, 0, "backup", copyFile, "--db", db)
	older := db + ".prima-del-ripristino-20261101-093000"
	kept := db + ".prima-del-ripristino-20261203-101500"
	if err := os.WriteFile(older, []byte("un ripristino di novembre"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(db, kept); err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(filepath.Dir(db), ".restore-55")
	data, _ := os.ReadFile(copyFile)
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Fatal(err)
	}
	makeStale(t, tmp, older)

	for _, args := range [][]string{
		{"store", "verify"}, {"operator", "list"}, {"init", "--comune", "L736"}, {"demo"}, {"restore", copyFile},
	} {
		r := must(t, 1, append(args, "--db", db)...)
		contains(t, strings.Join(args, " "), r.stderr, "il database "+db+" non c'è, ma c'è "+kept,
			"ripristino interrotto", "mv "+kept+" "+db, "Non usare vivipass init", "c'è anche una copia più vecchia")
		if strings.Contains(r.stderr, "crearlo con") {
			t.Errorf("%s advises creating the register:\n%s", args[0], r.stderr)
		}
		if _, err := os.Lstat(db); err == nil {
			t.Fatalf("%s created %s", args[0], db)
		}
	}
	if _, err := os.Lstat(tmp); err != nil {
		t.Errorf("the restore's copy was removed while the register is missing: %v", err)
	}
	// The advice, followed.
	if err := os.Rename(kept, db); err != nil {
		t.Fatal(err)
	}
	r := must(t, 0, "operator", "list", "--db", db)
	contains(t, "operator list", r.stdout, "mario")
	contains(t, "the start after", r.stderr, "rimosso "+tmp)
	if b, err := os.ReadFile(older); err != nil || string(b) != "un ripristino di novembre" {
		t.Errorf("an earlier kept register was touched: %v", err)
	}
}

// TestRestoreKilledAnywhere (issue 12.12): restore killed (SIGKILL) at moments spread
// over its whole run: each time the register is at its path, whole, the one before or
// the copy; the next command finds no second name of the register left behind.
func TestRestoreKilledAnywhere(t *testing.T) {
	t.Parallel()
	db := newDB(t, "L736")
	copyFile := filepath.Join(t.TempDir(), "copia.db")
	must(t, 0, "backup", copyFile, "--db", db) // without mario
	key, _ := pubKey(t, "mario@ufficio")
	must(t, 0, "operator", "add", "--name", "mario", "--role", "operatore", "--comune", "L736", "--key", key, "--db", db)
	begin := time.Now()
	must(t, 0, "restore", copyFile, "--db", db)
	whole := time.Since(begin)
	must(t, 0, "operator", "add", "--name", "mario", "--role", "operatore", "--comune", "L736", "--key", key, "--db", db)
	const tries = 12
	seen := map[bool]int{}
	for i := range tries {
		cmd := exec.Command(bin, "restore", copyFile, "--db", db)
		cmd.Env = runEnv()
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(whole * time.Duration(i) / tries)
		cmd.Process.Kill()
		cmd.Wait()
		r := must(t, 0, "operator", "list", "--db", db)
		if strings.Contains(r.stderr, "non c'è") {
			t.Fatalf("try %d: %s", i, r.stderr)
		}
		_, withMario := operators(t, db)["mario"]
		seen[withMario]++
		cur, err := os.Stat(db)
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range keptFiles(t, db) {
			if fi, err := os.Stat(k); err == nil && os.SameFile(cur, fi) {
				t.Errorf("try %d: %s is a second name of the register", i, filepath.Base(k))
			}
		}
		must(t, 0, "store", "verify", "--db", db)
		if !withMario { // the copy is in place: back to the register with mario
			must(t, 0, "operator", "add", "--name", "mario", "--role", "operatore", "--comune", "L736", "--key", key, "--db", db)
		}
	}
	t.Logf("after %d kills: %d times the register before, %d the copy", tries, seen[true], seen[false])
}
