package service_test

// Tests pinned on bugs of service/importer.go reported to its owner (it is being
// reworked): they fail until the importer is fixed.

import (
	"strings"
	"testing"

	"vivipass/service"
)

// ImportRequest.Comune is neither checked nor normalised: an unknown code is written on
// every pass and person, after which Search and Counts of the system actor fail with
// "comune … sconosciuto" for the whole register.
func TestImportRefusesUnknownComune(t *testing.T) {
	e := newEnv(t)
	path, data := sample(t)
	_, err := e.s.Import(admin, service.ImportRequest{FileName: path, Data: data, Comune: "X000"}, nil)
	wantErr(t, "import into an unknown comune", err, "X000", "sconosciuto")
	if _, err := e.s.Search(admin, service.Query{}); err != nil {
		t.Errorf("system search after the import: %v", err)
	}
	if n := e.auditCount(); n != 0 {
		t.Errorf("%d audit entries after a refused import", n)
	}
	// A lower-case code is either refused or taken as the comune it names.
	_, err = e.s.Import(admin, service.ImportRequest{FileName: path, Data: data, Comune: "l736"}, nil)
	if err == nil {
		res, err := e.s.Search(mario, service.Query{})
		if err != nil || len(res.Rows) != 3 {
			t.Errorf(`import with Comune "l736": Venezia sees %d passes (%v), want 3`, len(res.Rows), err)
		}
	}
}

// With ImportRequest.Comune set, every row goes to that comune, but the file's own
// duplicate-number check is keyed on comune_residenza: two rows with the same
// numero_pass and different residence are both written, two passes with one number in
// one comune, and the same file imported again reports an error instead of 2 skipped.
func TestImportForcedComuneDuplicateNumberInFile(t *testing.T) {
	e := newEnv(t)
	path, _ := sample(t)
	data := []byte("codice_fiscale;cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\n" +
		"RSSMRA80A01L736U;ROSSI;MARIO;VENEZIA;VE-1;P;01/02/2024;01/02/2029\n" +
		"BNCGNN75L63L736M;BIANCHI;GIOVANNA;PADOVA;VE-1;P;01/02/2024;01/02/2029\n")
	rep, _ := e.s.Import(admin, service.ImportRequest{FileName: path, Data: data, Comune: "L736"}, nil)
	if len(rep.Errors) != 1 || rep.Errors[0].Row != 3 || rep.Errors[0].Column != "numero_pass" || !strings.Contains(rep.Errors[0].Message, "VE-1") {
		t.Errorf("report %+v, want row 3 refused on numero_pass", rep)
	}
	res, err := e.s.Search(mario, service.Query{Text: "VE-1"})
	if err != nil || len(res.Rows) > 1 {
		t.Errorf("Venezia has %d passes numbered VE-1: %+v", len(res.Rows), res.Rows)
	}
}
