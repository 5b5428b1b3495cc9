package service_test

import (
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/printing/printtest"
	"vivipass/service"
	"vivipass/store"
)

// verifyCard is VerifyCard that fails the test on an error.
func (e *env) verifyCard(qr string) service.CardState {
	e.t.Helper()
	st, err := e.s.VerifyCard(qr)
	if err != nil {
		e.t.Fatalf("VerifyCard(%s): %v", qr, err)
	}
	return st
}

// cardQR is the QR code of a pass's card, read with zbar from the PDF the desk prints.
func (e *env) cardQR(id uint64) string {
	e.t.Helper()
	return printtest.DecodeQR(e.t, e.card(mario, id, printing.ModeFronte, ""), 1)
}

// Issue 13.2: a card's edition. The card printed at issue is edition 1; after a
// duplicate for theft the stolen card's QR code, though its number and expiry are the
// duplicate's, verifies as replaced, and the duplicate's card (edition 2) as valid.
func TestEditionStolenCardNoLongerValid(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t), plate("AB123CD")).Pass
	first := e.cardQR(p.ID)
	if !strings.HasPrefix(first, "CUDE2;") || !strings.Contains(first, ";"+p.Number+";"+p.DataScadenza.Key()+";L736;1;") {
		t.Fatalf("the first card's QR code %q, want CUDE2 with edition 1", first)
	}
	st := e.verifyCard(first)
	if !st.Valid || !st.Found || st.State != domain.Attivo || st.Payload.Edition != 1 || st.CurrentEdition != 1 {
		t.Fatalf("the first card before the theft: %+v, want valid, edition 1 of 1", st)
	}

	res, err := e.s.DuplicatePass(mario, change(p), domain.DuplicateInput{Reason: domain.Furto, Denuncia: mestre})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pass.Edition != 2 || res.Pass.Number != p.Number || res.Pass.DataScadenza != p.DataScadenza {
		t.Fatalf("duplicate: edition %d, %s, %s; want edition 2, same number and expiry", res.Pass.Edition, res.Pass.Number, res.Pass.DataScadenza)
	}
	second := e.cardQR(res.Pass.ID)
	if !strings.Contains(second, ";L736;2;") {
		t.Errorf("the duplicate's QR code %q, want edition 2", second)
	}
	st = e.verifyCard(first)
	want := fmt.Sprintf("carta sostituita da un duplicato (edizione 2 del %s) per furto", today)
	if st.Valid || st.State != domain.Sostituito || st.Note != want || st.Payload.Edition != 1 || st.CurrentEdition != 2 {
		t.Errorf("the stolen card: %+v,\nwant not valid, %q, edition 1 of 2", st, want)
	}
	st = e.verifyCard(second)
	if !st.Valid || st.State != domain.Attivo || st.Payload.Edition != 2 || st.CurrentEdition != 2 || !strings.Contains(st.Note, "edizioni precedenti non sono più valide") {
		t.Errorf("the duplicate's card: %+v, want valid, edition 2 of 2", st)
	}

	// A second duplicate, with a new number: both earlier cards say by which.
	res2, err := e.s.DuplicatePass(mario, change(res.Pass), domain.DuplicateInput{Reason: domain.Deterioramento, Number: "L736_2025_09999"})
	if err != nil {
		t.Fatal(err)
	}
	third := e.cardQR(res2.Pass.ID)
	st = e.verifyCard(first)
	if st.Valid || !strings.Contains(st.Note, "edizione 2 del") || !strings.Contains(st.Note, "la carta in vigore è l'edizione 3") || st.CurrentEdition != 3 {
		t.Errorf("the first card after two duplicates: %+v", st)
	}
	st = e.verifyCard(second)
	if st.Valid || !strings.Contains(st.Note, "edizione 3 del") || !strings.Contains(st.Note, "con il numero L736_2025_09999") {
		t.Errorf("the second card after the third: %+v", st)
	}
	if st = e.verifyCard(third); !st.Valid || st.Payload.Edition != 3 {
		t.Errorf("the third card: %+v", st)
	}
	// A forged edition (the stolen card's code with 3 written in) fails the signature.
	_, err = e.s.VerifyCard(strings.Replace(first, ";L736;1;", ";L736;3;", 1))
	wantErr(t, "a forged edition", err, "FIRMA NON VALIDA")
}

// Issue 13.2: a renewal prints a new card, the next edition; the card before it, with
// the old expiry, stays valid until the renewal starts, as the police would read it.
func TestEditionRenewal(t *testing.T) {
	e := newEnv(t)
	// Issued 01/07/2020: expires 01/07/2025; the renewal starts on 02/07/2025.
	p := e.issueReq(mario, service.IssueRequest{Person: rossi(t), Plates: []service.PlateInput{plate("AB123CD")},
		Pass: domain.IssueInput{Kind: domain.Permanente, DataRilascio: date(2020, time.July, 1)}}).Pass
	old := e.cardQR(p.ID)
	res, err := e.s.RenewPass(mario, change(p), domain.RenewInput{})
	if err != nil {
		t.Fatal(err)
	}
	renewed := e.cardQR(res.Pass.ID)
	if !strings.Contains(renewed, ";L736;2;") {
		t.Errorf("the renewal's card %q, want edition 2", renewed)
	}
	st := e.verifyCard(old)
	if !st.Valid || st.State != domain.Rinnovato || st.Payload.Edition != 1 || st.CurrentEdition != 2 || !strings.Contains(st.Note, "02/07/2025") {
		t.Errorf("the card before the renewal: %+v, want valid until 02/07/2025", st)
	}
	if st := e.verifyCard(renewed); !st.Valid || st.Payload.Edition != 2 {
		t.Errorf("the renewal's card: %+v", st)
	}
	e.clk.set(date(2025, time.July, 2))
	if st := e.verifyCard(old); st.Valid {
		t.Errorf("the card before the renewal, once it started: %+v", st)
	}
}

// Issue 13.2: a card printed before editions (CUDE1, by a register whose key was in
// the database) of a record made before them (imported, Edition 0) keeps verifying as
// valid; once a duplicate replaced that record, it and the CUDE2 card printed meanwhile
// (edition 1) verify as replaced.
func TestEditionCUDE1Card(t *testing.T) {
	e := newEnv(t)
	_, seed, _ := ed25519.GenerateKey(rand.Reader)
	if err := e.s.DB().Update(func(tx *store.Tx) error { return tx.PutMeta("sign_ed25519", seed.Seed()) }); err != nil {
		t.Fatal(err)
	}
	data := []byte("codice_fiscale;cognome;nome;comune_residenza;numero_pass;tipo_pass;data_rilascio;data_scadenza\n" +
		"RSSMRA80A01L736U;ROSSI;MARIO;VENEZIA;VE-1;P;01/02/2024;01/02/2029\n")
	if rep, err := e.s.Import(admin, service.ImportRequest{FileName: "registro.csv", Data: data, Comune: "L736"}, nil); err != nil || len(rep.Errors) > 0 {
		t.Fatalf("import: %+v, %v", rep, err)
	}
	rows, err := e.s.Search(mario, service.Query{Text: "VE-1"})
	if err != nil || len(rows.Rows) != 1 {
		t.Fatalf("search VE-1: %+v, %v", rows, err)
	}
	v, err := e.s.GetPass(mario, rows.Rows[0].ID)
	if err != nil || v.Pass.Edition != 0 {
		t.Fatalf("the imported pass: edition %d, %v; want 0 (recorded without one)", v.Pass.Edition, err)
	}
	p := v.Pass
	msg := "CUDE1;" + printing.KeyID(seed.Public().(ed25519.PublicKey)) + ";VE-1;20290201;L736"
	cude1 := msg + ";" + base64.RawURLEncoding.EncodeToString(ed25519.Sign(seed, []byte(msg)))
	st := e.verifyCard(cude1)
	if !st.Valid || st.Payload.Edition != 0 || st.CurrentEdition != 1 {
		t.Fatalf("the CUDE1 card: %+v, want valid (no edition; the one in force is 1)", st)
	}
	reprint := e.cardQR(p.ID)
	if !strings.Contains(reprint, ";VE-1;20290201;L736;1;") {
		t.Fatalf("the card printed now %q, want edition 1", reprint)
	}
	if st := e.verifyCard(reprint); !st.Valid {
		t.Errorf("the CUDE2 card of the imported pass: %+v", st)
	}
	res, err := e.s.DuplicatePass(mario, change(p), domain.DuplicateInput{Reason: domain.Smarrimento, Denuncia: mestre})
	if err != nil {
		t.Fatal(err)
	}
	for name, qr := range map[string]string{"CUDE1": cude1, "CUDE2, edition 1": reprint} {
		if st := e.verifyCard(qr); st.Valid || !strings.Contains(st.Note, "carta sostituita da un duplicato (edizione 2 del") {
			t.Errorf("the %s card after the duplicate: %+v", name, st)
		}
	}
	if st := e.verifyCard(e.cardQR(res.Pass.ID)); !st.Valid || st.Payload.Edition != 2 {
		t.Errorf("the duplicate's card: %+v", st)
	}
}

// Issue 13.2: a duplicate undone and made again prints a new edition, not the undone
// one's again: the card printed for the undone duplicate no longer verifies as valid.
func TestEditionAfterAnUndoneDuplicate(t *testing.T) {
	e := newEnv(t)
	p := e.issue(mario, rossi(t), plate("AB123CD")).Pass
	dup, err := e.s.DuplicatePass(mario, change(p), domain.DuplicateInput{Reason: domain.Deterioramento})
	if err != nil {
		t.Fatal(err)
	}
	undone := e.cardQR(dup.Pass.ID) // printed, then the duplicate is undone
	back, err := e.s.UndoLast(mario, dup.Pass.ID)
	if err != nil {
		t.Fatal(err)
	}
	again, err := e.s.DuplicatePass(mario, change(back.Pass), domain.DuplicateInput{Reason: domain.Deterioramento})
	if err != nil {
		t.Fatal(err)
	}
	if again.Pass.Edition != 3 {
		t.Fatalf("the duplicate made again has edition %d, want 3 (2 went to the undone one)", again.Pass.Edition)
	}
	if st := e.verifyCard(undone); st.Valid {
		t.Errorf("the undone duplicate's card still verifies as valid: %+v", st)
	}
	if st := e.verifyCard(e.cardQR(again.Pass.ID)); !st.Valid || st.Payload.Edition != 3 {
		t.Errorf("the card in force: %+v", st)
	}
}
