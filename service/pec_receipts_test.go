package service_test

import (
	"os"
	"path/filepath"
	"testing"

	"vivipass/domain"
	"vivipass/internal/mailtest"
	"vivipass/pec/parse"
	"vivipass/service"
)

// issue 11.16: every kind of PEC receipt read from the mailbox is stored and kept; the
// receipts of our own mail that arrived (accettazione, presa in carico, avvenuta
// consegna, also without its X-Ricevuta header) are not among the items to handle,
// those of a failure are; none is counted as a request; listed by kind, all are.
func TestPECReceiptsNotToHandle(t *testing.T) {
	e := newEnv(t)
	m := mailtest.NewMem(t, pecUser, pecPassword)
	files := map[string]bool{ // file → to handle
		"ricevuta-accettazione.eml": false, "ricevuta-presa-in-carico.eml": false, "ricevuta-avvenuta-consegna.eml": false,
		"ricevuta-senza-intestazione.eml": false,
		"ricevuta-non-accettazione.eml":   true, "ricevuta-errore-consegna.eml": true,
		"ricevuta-preavviso-errore-consegna.eml": true, "ricevuta-rilevazione-virus.eml": true,
	}
	for name := range files {
		raw, err := os.ReadFile(filepath.Join("..", "pec", "parse", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		m.Seed("INBOX", raw)
	}
	e.configurePEC(admin, "L736", memMailbox(m), "tls")
	if rep := e.pecSync(mario, "L736"); rep.New != len(files) {
		t.Fatalf("sync: %+v, want %d new", rep, len(files))
	}
	all := e.inbox(mario)
	if len(all) != len(files) {
		t.Fatalf("%d items stored, want %d", len(all), len(files))
	}
	wantOpen := 0
	for _, it := range all {
		rt := parse.ReceiptType(it.ReceiptType)
		if it.Kind != parse.KindReceipt.String() || !rt.Known() {
			t.Fatalf("item %d stored as %s %q, want a receipt", it.ID, it.Kind, it.ReceiptType)
		}
		if service.Routine(it) == rt.Failure() {
			t.Errorf("receipt %s: routine %v", rt, service.Routine(it))
		}
		if rt.Failure() {
			wantOpen++
		}
	}
	open, err := e.s.PECList(mario, service.PECFilter{Open: true})
	if err != nil || len(open) != wantOpen || wantOpen != 4 {
		t.Errorf("to handle: %d items (%v), want the %d failures", len(open), err, wantOpen)
	}
	for _, it := range open {
		if !parse.ReceiptType(it.ReceiptType).Failure() {
			t.Errorf("to handle: receipt %s", it.ReceiptType)
		}
	}
	if byKind, err := e.s.PECList(mario, service.PECFilter{Open: true, Kind: "receipt"}); err != nil || len(byKind) != len(files) {
		t.Errorf("receipts by kind: %d (%v), want %d", len(byKind), err, len(files))
	}
	if counts, err := e.s.PECCounts(mario); err != nil || counts[domain.RequestNuova] != 0 {
		t.Errorf("new requests counted: %v %v", counts, err)
	}
}
