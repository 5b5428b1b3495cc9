//go:build !lean

package main

// The restore drill of docs/OPERATIONS.md (issue #9, M7): a hot backup through the
// control socket while operators edit over SSH, the server stopped, the copy restored,
// the register verified, and nothing committed before the backup lost.

import (
	"encoding/csv"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	gossh "golang.org/x/crypto/ssh"

	"vivipass/server/sshtest"
)

// activeHolders lists, per comune, holders of an active pass whose name is theirs alone
// in the comune (so that typing it finds one pass).
func activeHolders(t *testing.T, db string) map[string][]string {
	t.Helper()
	r := must(t, 0, "export", "passes", "--db", db)
	rd := csv.NewReader(strings.NewReader(r.stdout))
	rd.Comma = ';'
	recs, err := rd.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range recs[0] {
		col[h] = i
	}
	seen := map[string]int{}
	for _, rec := range recs[1:] {
		seen[rec[col["comune"]]+"|"+rec[col["cognome_nome"]]]++
	}
	out := map[string][]string{}
	for _, rec := range recs[1:] {
		c, name := rec[col["comune"]], rec[col["cognome_nome"]]
		if rec[col["stato"]] == "attivo" && seen[c+"|"+name] == 1 {
			out[c] = append(out[c], name)
		}
	}
	return out
}

// suspendOverSSH suspends the pass of holder from an operator's desk, key by key.
func suspendOverSSH(term *sshtest.Term, holder, reason string) error {
	steps := []struct {
		keys string
		want []string
	}{
		{sshtest.F2, []string{"Cerca:"}},
		{"\x15", nil}, // ctrl+u: the search of the previous pass goes
		{holder, []string{"Cerca: " + holder, "1 trovato"}},
		{sshtest.Enter, []string{"[Dati]", holder}},
		{"s", []string{"Motivo"}},
		{sshtest.Enter, nil},
		{reason, []string{reason}},
		{sshtest.Enter, []string{"sospeso dal"}},
	}
	for _, s := range steps {
		if err := term.Send(s.keys); err != nil {
			return err
		}
		if len(s.want) > 0 {
			if err := term.WaitFor(20*time.Second, s.want...); err != nil {
				return fmt.Errorf("%s, dopo %q: %w", holder, s.keys, err)
			}
		} else {
			time.Sleep(150 * time.Millisecond) // huh moves to the next field on its own time
		}
	}
	return nil
}

func TestRestoreDrill(t *testing.T) {
	db := demoDB(t)
	holders := activeHolders(t, db)
	if len(holders["L736"]) < 4 || len(holders["G224"]) < 2 {
		t.Fatalf("the demo has too few active passes for the drill: %v", holders)
	}
	signers := map[string]gossh.Signer{}
	for name, comune := range map[string]string{"mario": "L736", "admin": "L736", "giulia": "G224"} {
		signer, line, err := sshtest.NewKey()
		if err != nil {
			t.Fatal(err)
		}
		role := "operatore"
		if name == "admin" {
			role = "amministratore"
		}
		must(t, 0, "operator", "add", "--name", name, "--role", role, "--comune", comune, "--key", write(t, name+".pub", line), "--db", db)
		signers[name] = signer
	}
	backups := t.TempDir()
	s := startServe(t, "--db", db, "--backup-dir", backups)
	t.Cleanup(func() {
		if s.cmd.ProcessState == nil {
			s.stop(t)
		}
	})
	terms := map[string]*sshtest.Term{}
	for name, signer := range signers {
		term, err := sshtest.Dial(s.addr, sshtest.Options{User: name, Auth: []gossh.AuthMethod{gossh.PublicKeys(signer)}})
		if err != nil {
			t.Fatalf("ssh %s: %v\n%s", name, err, s.logs())
		}
		t.Cleanup(func() { term.Close() })
		if err := term.WaitFor(20*time.Second, "Bacheca informativa"); err != nil {
			t.Fatal(err)
		}
		terms[name] = term
	}
	work := map[string][]string{ // two passes each: one before the backup, one during it
		"mario":  holders["L736"][0:2],
		"admin":  holders["L736"][2:4],
		"giulia": holders["G224"][0:2],
	}
	// Before the backup: every operator saves a suspension.
	for name, term := range terms {
		if err := suspendOverSSH(term, work[name][0], "verifica prima del backup"); err != nil {
			t.Fatalf("%s: %v\n%s", name, err, term.Screen.Text())
		}
	}
	// During it: each suspends another pass while the copy is written and verified.
	copyFile := filepath.Join(backups, "prova-di-ripristino.db")
	var wg sync.WaitGroup
	errs := make(chan error, len(terms))
	for name, term := range terms {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := suspendOverSSH(term, work[name][1], "verifica durante il backup"); err != nil {
				errs <- fmt.Errorf("%s: %w", name, err)
			}
		}()
	}
	r := must(t, 0, "backup", copyFile, "--db", db) // through the socket: the server holds the register
	contains(t, "backup", r.stdout, "Copia scritta e verificata in "+copyFile)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	// While the server runs, restore refuses and says how.
	r = must(t, 1, "restore", copyFile, "--db", db)
	contains(t, "restore while serving", r.stderr, "fermare prima il server")

	if code := s.stop(t); code != 0 {
		t.Fatalf("serve exited %d\n%s", code, s.logs())
	}
	r = must(t, 0, "restore", copyFile, "--db", db)
	contains(t, "restore", r.stdout, "Database ripristinato da "+copyFile)
	must(t, 0, "store", "verify", "--db", db)
	must(t, 0, "audit", "verify", "--db", db)
	// Nothing committed before the backup is lost.
	for name := range terms {
		holder := work[name][0]
		row := rowOf(t, db, strings.Fields(holder)[0], holder)
		if row.Stato != "sospeso" {
			t.Errorf("%s's suspension of %s (saved before the backup) is lost after the restore: %+v", name, holder, row)
		}
	}
	// The restored register serves again.
	s2 := startServe(t, "--db", db)
	if code := s2.stop(t); code != 0 {
		t.Errorf("serve on the restored register exited %d\n%s", code, s2.logs())
	}
	if entries, _ := os.ReadDir(filepath.Dir(db)); len(entries) == 0 {
		t.Error("the database folder is empty")
	}
}
