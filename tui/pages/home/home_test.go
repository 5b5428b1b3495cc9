package home_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/pages/home"
	"vivipass/tui/styles"
	"vivipass/tui/tuitest"
)

var now = time.Date(2025, time.June, 10, 10, 30, 0, 0, domain.Rome)

// M7, issue #9: the administrators' Home shows the last copy of the register; a failed
// one in red until the next success; operators do not see it.
func TestHomeShowsTheLastBackup(t *testing.T) {
	svc := tuitest.Demo(t, now)
	admin := tuitest.Session(t, svc, "admin")
	admin.Styles = styles.New(false) // colours on: the failure must be red
	h := tuitest.NewHarness(t, admin, home.New(admin))
	h.WantView("no copy yet", "Backup: nessuno ancora")
	h.Fits("no copy yet")

	dir := t.TempDir()
	if _, err := svc.BackupTo(service.SystemActor("backup"), filepath.Join(dir, "ok.db")); err != nil {
		t.Fatal(err)
	}
	h = tuitest.NewHarness(t, admin, home.New(admin))
	h.WantView("a verified copy", "Ultimo backup: 10/06/2025 10:30", "verificato")

	blocked := filepath.Join(dir, "un-file")
	os.WriteFile(blocked, nil, 0o600)
	if _, err := svc.BackupTo(service.SystemActor("backup"), filepath.Join(blocked, "copia.db")); err == nil {
		t.Fatal("a copy into a file as folder succeeded")
	}
	h = tuitest.NewHarness(t, admin, home.New(admin))
	h.WantView("a failed copy", "Backup NON riuscito il 10/06/2025 10:30", "ultimo riuscito il 10/06/2025 10:30")
	h.Fits("a failed copy")
	red := admin.Styles.Error.Render("§")
	if sgr, _, _ := strings.Cut(red, "§"); sgr == "" || !strings.Contains(h.Page.View(), sgr+"Backup NON riuscito") {
		t.Errorf("the failure is not in red (%q):\n%q", sgr, h.Page.View())
	}

	mario := tuitest.Session(t, svc, "mario")
	hm := tuitest.NewHarness(t, mario, home.New(mario))
	if strings.Contains(hm.View(), "Backup") {
		t.Errorf("an operator sees the backups:\n%s", hm.View())
	}
}
