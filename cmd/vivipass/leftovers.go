package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"
)

// What a vivipass killed halfway leaves behind (#12 point 12), and what the next start
// does about it.

// staleAfter: a temporary of ours untouched for this long belongs to a process that
// died. A live one is written continuously, and the folder of the register is swept
// only by whoever holds the register's lock.
const staleAfter = 10 * time.Minute

// keptMark names the register as it was before a restore: <db>.prima-del-ripristino-….
const keptMark = ".prima-del-ripristino-"

// The names of our temporaries, and nothing else: a file of the administrator's is
// never touched, whatever it is called. Compiled when first used, not at every start
// (issue 14.4).
var (
	tmpNames = sync.OnceValue(func() []*regexp.Regexp {
		return []*regexp.Regexp{
			regexp.MustCompile(`^\.backup-[0-9]+$`),       // store.DB.BackupFile
			regexp.MustCompile(`^\.restore-[0-9]+$`),      // restore
			regexp.MustCompile(`^\.verifica-[0-9]+\.db$`), // store verify of a copy
		}
	})
	ctlDir = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`^\.vivipass-ctl-[0-9]+$`) // the control socket's private folder
	})
)

// sweepLeftovers removes the stale temporaries of ours in dir, the folder of the
// register db (its import copies <db>.import-PID too) or of the backups (db ""). It
// returns what it removed, for the log.
func sweepLeftovers(dir, db string, now time.Time) []string {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var importCopy *regexp.Regexp
	if db != "" {
		// Its import copies and its compactions (store.DB.Compact): <db>.import-PID, <db>.compatta-PID.
		importCopy = regexp.MustCompile(`^` + regexp.QuoteMeta(filepath.Base(db)) + `\.(import|compatta)-[0-9]+$`)
	}
	var removed []string
	for _, e := range entries {
		name := e.Name()
		ours := importCopy != nil && importCopy.MatchString(name)
		for _, re := range tmpNames() {
			ours = ours || re.MatchString(name)
		}
		path := filepath.Join(dir, name)
		switch {
		case ours && e.Type().IsRegular():
			if stale(path, now) && os.Remove(path) == nil {
				removed = append(removed, path)
			}
		case e.IsDir() && ctlDir().MatchString(name) && stale(path, now):
			// Only its socket "s" is removed, then the folder if that leaves it empty.
			if fi, err := os.Lstat(filepath.Join(path, "s")); err == nil && fi.Mode().Type() == fs.ModeSocket {
				os.Remove(filepath.Join(path, "s"))
			}
			if os.Remove(path) == nil {
				removed = append(removed, path)
			}
		}
	}
	return removed
}

func stale(path string, now time.Time) bool {
	fi, err := os.Lstat(path)
	return err == nil && now.Sub(fi.ModTime()) > staleAfter
}

// keptFilesOf are the registers a restore put aside, oldest first (the names sort by time).
func keptFilesOf(db string) []string {
	names, _ := filepath.Glob(escapeGlob(db) + keptMark + "*")
	var out []string
	for _, n := range names {
		if fi, err := os.Lstat(n); err == nil && fi.Mode().IsRegular() {
			out = append(out, n)
		}
	}
	sort.Strings(out)
	return out
}

func escapeGlob(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`, `[`, `\[`).Replace(s)
}

// interruptedRestore, when the register's lock is held: a kept name that is the
// register itself (a second link to the same file) was made by a restore killed
// before its switch. The register was not replaced; the link goes, and the message
// says so (nothing else to do but repeat the restore).
func interruptedRestore(db string) string {
	cur, err := os.Stat(db)
	if err != nil {
		return ""
	}
	var msg string
	for _, k := range keptFilesOf(db) {
		if fi, err := os.Stat(k); err == nil && os.SameFile(cur, fi) && os.Remove(k) == nil {
			msg = fmt.Sprintf("un ripristino è stato interrotto prima di sostituire il database: %s è ancora quello di prima "+
				"(rimosso %s, un secondo nome dello stesso file). Per ripristinare la copia ripetere: vivipass restore COPIA --db %s", db, filepath.Base(k), db)
		}
	}
	return msg
}

// missingRegister is the message when the register is not at db: when a restore left
// it under another name, how to put it back, and never init (an empty register).
func missingRegister(db string) error {
	kept := keptFilesOf(db)
	if len(kept) == 0 {
		return nil
	}
	last := kept[len(kept)-1]
	others := ""
	switch n := len(kept) - 1; {
	case n == 1:
		others = fmt.Sprintf(" (c'è anche una copia più vecchia, %s)", filepath.Base(kept[0]))
	case n > 1:
		others = fmt.Sprintf(" (ci sono anche %d copie più vecchie, %s…)", n, filepath.Base(db)+keptMark)
	}
	return fmt.Errorf("il database %s non c'è, ma c'è %s: è il database com'era prima di un ripristino, lasciato lì da un ripristino interrotto%s. "+
		"Per rimetterlo al suo posto: mv %s %s — poi, se serve, ripetere il ripristino: vivipass restore COPIA --db %s. "+
		"Non usare vivipass init: creerebbe un registro vuoto (per cominciare davvero un registro nuovo, spostare prima altrove i file %s*)",
		db, last, others, shellQuote(last), shellQuote(db), shellQuote(db), filepath.Base(db)+keptMark)
}

// shellQuote quotes a path for a command to paste, when it needs it.
func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// syncDir makes a rename or a link in dir durable.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

// startupCleanup is what a command that opened the register (its lock held) does
// first: the stale temporaries beside it go, and an interrupted restore is told.
func startupCleanup(w io.Writer, db string) {
	for _, p := range sweepLeftovers(filepath.Dir(db), db, time.Now()) {
		fmt.Fprintf(w, "vivipass: rimosso %s, file temporaneo lasciato da un vivipass interrotto\n", p)
	}
	if msg := interruptedRestore(db); msg != "" {
		fmt.Fprintf(w, "vivipass: %s\n", msg)
	}
}
