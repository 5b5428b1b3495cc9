package httpapi_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/printing/printtest"
	"vivipass/service"
)

// editionAnswer is POST /v1/verifica's body with the edition fields (issue 13.2).
type editionAnswer struct {
	FirmaValida      bool   `json:"firma_valida"`
	Contrassegno     string `json:"contrassegno"`
	Scadenza         string `json:"scadenza"`
	Comune           string `json:"comune"`
	NelRegistro      bool   `json:"nel_registro"`
	Stato            string `json:"stato"`
	Valido           bool   `json:"valido"`
	Nota             string `json:"nota"`
	Edizione         int    `json:"edizione"`
	EdizioneCorrente int    `json:"edizione_corrente"`
}

func (a *api) verifyEdition(qr string) editionAnswer {
	a.t.Helper()
	st, _, body := a.do("polizia-regione", http.MethodPost, "/v1/verifica", strings.NewReader(qr), "Content-Type", "text/plain")
	var v editionAnswer
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if st != http.StatusOK || dec.Decode(&v) != nil {
		a.t.Fatalf("verifica: %d %s", st, body)
	}
	return v
}

// printedQR is the QR code of a pass's card, read with zbar from the PDF.
func (a *api) printedQR(id uint64) string {
	a.t.Helper()
	pdf, err := a.svc.CardPDF(sys, id, printing.ModeFronte, "")
	if err != nil {
		a.t.Fatal(err)
	}
	return printtest.DecodeQR(a.t, pdf, 1)
}

// TestVerificaAfterDuplicate (issue 13.2): over HTTPS, after a duplicate for theft the
// original card answers not valid, "sostituita da un duplicato", with its edition and
// the one in force, though number and expiry are the same; the duplicate's card answers
// valid; a CUDE2 text in the wrong number of parts answers 400.
func TestVerificaAfterDuplicate(t *testing.T) {
	a := newAPI(t, 1000)
	r := a.row("ROSSI MARIO")
	first := a.printedQR(r.ID)
	v := a.verifyEdition(first)
	if !v.Valido || v.Edizione != 1 || v.EdizioneCorrente != 1 || v.Contrassegno != r.Number {
		t.Fatalf("the card before the theft: %+v, want valid, edizione 1 of 1", v)
	}
	today := a.svc.Today()
	res, err := a.svc.DuplicatePass(sys, service.Change{PassID: r.ID, Version: r.Version}, domain.DuplicateInput{Reason: domain.Furto,
		Denuncia: domain.PoliceReport{Numero: "12/2026", Data: today, Autorita: "Polizia Locale di Venezia"}})
	if err != nil {
		t.Fatal(err)
	}
	second := a.printedQR(res.Pass.ID)
	v = a.verifyEdition(first)
	want := "carta sostituita da un duplicato (edizione 2 del " + today.String() + ") per furto"
	if !v.FirmaValida || v.Valido || v.Stato != "sostituito" || v.Nota != want || v.Edizione != 1 || v.EdizioneCorrente != 2 ||
		v.Contrassegno != res.Pass.Number || v.Scadenza != res.Pass.DataScadenza.ISO() {
		t.Errorf("the stolen card: %+v,\nwant not valid, sostituito, %q, edizione 1 of 2", v, want)
	}
	v = a.verifyEdition(second)
	if !v.FirmaValida || !v.Valido || v.Stato != string(domain.Attivo) || v.Edizione != 2 || v.EdizioneCorrente != 2 {
		t.Errorf("the duplicate's card: %+v, want valid, attivo, edizione 2 of 2", v)
	}
	for _, bad := range []string{strings.Replace(second, "CUDE2", "CUDE1", 1), second[:strings.LastIndexByte(second, ';')]} {
		st, _, body := a.do("polizia-regione", http.MethodPost, "/v1/verifica", strings.NewReader(bad), "Content-Type", "text/plain")
		wantError(t, "verifica "+bad, st, body, http.StatusBadRequest, "7 parti")
	}
}
