//go:build !lean

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// issue 12.7: the import report of the command line. The command line is the server's
// administrator (every comune): importing for Padova a holder Venezia serves, it is
// told which pass, as before; the desk's administrator of Padova is told only "in un
// altro comune" (service and tui/pages/admin tests). The message reaches both outputs
// whole.
func TestImportReportOfTheServerAdministrator(t *testing.T) {
	db := newDB(t, "L736")
	dir := t.TempDir()
	header := "codice_fiscale;cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\n"
	ve := filepath.Join(dir, "venezia.csv")
	pd := filepath.Join(dir, "padova.csv")
	if err := os.WriteFile(ve, []byte(header+"RSSMRA80A01L736U;ROSSI;MARIO;VENEZIA;L736_2024_00011;P;01/06/2024;01/06/2029\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(pd, []byte(header+"RSSMRA80A01L736U;ROSSI;MARIO;PADOVA;G224_2025_00007;P;01/06/2025;01/06/2030\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if rep := importJSON(t, 0, db, ve, "--comune", "L736"); rep.Imported != 1 {
		t.Fatalf("Venezia's import: %+v", rep)
	}
	rep := importJSON(t, 1, db, pd, "--comune", "G224")
	if rep.Imported != 0 || len(rep.Errors) != 1 || rep.Errors[0].Column != "codice_fiscale" ||
		!strings.Contains(rep.Errors[0].Message, "L736_2024_00011") || strings.Contains(rep.Errors[0].Message, "altro comune") {
		t.Errorf("Padova's import by the server's administrator: %+v, want Venezia's pass named", rep.Errors)
	}
	r := must(t, 1, "import", "--comune", "G224", "--db", db, pd)
	contains(t, "stdout", r.stdout, "riga 2, colonna codice_fiscale:", "L736_2024_00011", "01/06/2029")
}
