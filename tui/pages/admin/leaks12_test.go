package admin_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/pages/admin"
	"vivipass/tui/tuitest"
)

// twoComuni is a register with Venezia (a pass to ROSSI MARIO, issued by the system)
// and Padova, whose administrator "capopd" has the desk.
func twoComuni(t *testing.T) (*tuitest.Harness, admin.KeyMap, domain.Pass) {
	t.Helper()
	svc := tuitest.Register(t, now)
	sys := service.SystemActor("")
	for _, c := range []string{"L736", "G224"} {
		if err := svc.Init(sys, c); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := svc.AddOperator(sys, domain.Operator{Name: "capopd", Role: domain.RoleAmministratore, Comune: "G224"}); err != nil {
		t.Fatal(err)
	}
	rossi := domain.Person{CodiceFiscale: "RSSMRA80A01L736U", Cognome: "ROSSI", Nome: "MARIO"}
	res, err := svc.IssuePass(sys, service.IssueRequest{Comune: "L736", Person: rossi, Pass: domain.IssueInput{Kind: domain.Permanente}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := tuitest.Session(t, svc, "capopd")
	return tuitest.NewHarness(t, ctx, admin.New(ctx)), admin.NewKeyMap(), res.Pass
}

// issue 12.7: Padova's administrator checks a region-like file whose rows name
// holders Venezia serves: the desk's report says the pass is in another comune, and
// nothing of Venezia's (its number, expiry, name).
func TestImportReportKeepsOtherComuniPrivate(t *testing.T) {
	h, k, venezia := twoComuni(t)
	csv := "codice_fiscale;cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\n" +
		"RSSMRA80A01L736U;ROSSI;MARIO;PADOVA;G224_2025_00007;P;01/06/2025;01/06/2030\n"
	put(t, h, "import", "regione.csv", []byte(csv))
	h.Press(k.Import)
	h.WantView("listed", "regione.csv")
	h.Send(tuitest.Key("enter"))
	h.WantView("report", "con errori 1", "altro comune")
	h.Fits("report")
	view := h.View()
	flat := strings.Join(strings.Fields(view), " ")
	for _, s := range []string{venezia.Number, venezia.DataScadenza.String(), "VENEZIA", "Venezia", "L736_"} {
		if strings.Contains(view, s) || strings.Contains(flat, s) {
			t.Errorf("the report names %q, Venezia's:\n%s", s, view)
		}
	}
}

// issue 12.2: nothing planted in the comune's import/ folder names a server file: a
// link to /proc/self/environ, to the host's secrets, to another comune's file, a FIFO.
// None is offered, none is read; the comune's own file still is.
func TestImportFolderOffersNoServerFile(t *testing.T) {
	h, k, _ := twoComuni(t)
	store := tuitest.Files(t)
	venezia, err := store.Comune("L736")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := venezia.Create("import", "venezia.csv", []byte("segreto di Venezia")); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(t.TempDir(), "ssh_host_ed25519_key")
	if err := os.WriteFile(secret, []byte("-----BEGIN OPENSSH PRIVATE KEY-----"), 0o600); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(h.Ctx.Files.Path(), "import")
	for name, target := range map[string]string{
		"environ.csv": "/proc/self/environ",
		"host.csv":    secret,
		"altro.csv":   filepath.Join(venezia.Path(), "import", "venezia.csv"),
		"su.csv":      "../../L736/import/venezia.csv",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := unix.Mkfifo(filepath.Join(dir, "tubo.csv"), 0o600); err != nil {
		t.Fatal(err)
	}
	put(t, h, "import", "proprio.csv", []byte("codice_fiscale;cognome\n"))
	h.Press(k.Import)
	h.WantView("listed", "proprio.csv")
	for _, name := range []string{"environ", "host", "altro", "su.csv", "tubo", "venezia"} {
		if strings.Contains(h.View(), name) {
			t.Errorf("%s offered:\n%s", name, h.View())
		}
	}
	// The folder's Read, which the page uses, refuses every one of them by name too.
	for _, name := range []string{"environ.csv", "host.csv", "altro.csv", "su.csv", "tubo.csv", "../../L736/import/venezia.csv", "/proc/self/environ"} {
		if data, err := h.Ctx.Files.Read("import", name, 1<<20); err == nil {
			t.Errorf("Read(%s) gave %q", name, data)
		}
	}
}
