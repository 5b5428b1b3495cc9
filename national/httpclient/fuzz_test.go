package httpclient

import (
	"errors"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"vivipass/domain"
	"vivipass/national"
)

// FuzzDecodeReceipt (issue 12.13): the platform's answer is outside input (a server on
// the network, or whoever sits between). decodeReceipt never panics; a receipt it
// accepts has a CUDE ID and a codice univoco that are short single-line text (they are
// written on the pass and shown at the desk), and for an update the CUDE ID of the
// change; a refusal is ErrUnavailable (the send stays queued) in a short Italian
// message with no raw control character.
func FuzzDecodeReceipt(f *testing.F) {
	for _, s := range []string{
		`{"cude_id":"CUDE-0000000042","codice_univoco":"K7QX2M9PLR4T","targa_attiva":"AB123CD"}`,
		`{"cude_id":"CUDE-0000000042","codice_univoco":"K7QX2M9PLR4T"}`,
		`{"cude_id":"CUDE-0000000043","codice_univoco":"K7QX2M9PLR4T","targa_attiva":""}`,
		`{"cude_id":"","codice_univoco":"X"}`, `{"cude_id":42}`, `{"cude_id":"CUDE-\u001b[2J","codice_univoco":"\u0007"}`,
		`{"cude_id":"CUDE-1","codice_univoco":"X","extra":[1,2,{"a":null}]}`, `{`, ``, `null`, `[]`, `"x"`,
		`<html><body>502 Bad Gateway</body></html>`, "{\"cude_id\":\"\xff\xfe\",\"codice_univoco\":\"X\"}",
	} {
		f.Add([]byte(s), true)
		f.Add([]byte(s), false)
	}
	f.Fuzz(func(t *testing.T, data []byte, issue bool) {
		ch := national.Change{Key: "k1", Kind: national.KindIssue, Comune: "L736", Number: "L736_2025_00042"}
		if !issue {
			ch.Kind, ch.CudeID = national.KindSuspend, "CUDE-0000000042"
		}
		r, err := decodeReceipt(data, ch)
		if err != nil {
			if !errors.Is(err, national.ErrUnavailable) || r != (national.Receipt{}) {
				t.Fatalf("refused with %v and receipt %+v", err, r)
			}
			msg := err.Error()
			if !utf8.ValidString(msg) || len(msg) > 500 || strings.Contains(msg, "json:") { // not the decoder's English
				t.Fatalf("message of %d bytes: %.200q", len(msg), msg)
			}
			for _, c := range msg {
				if unicode.IsControl(c) {
					t.Fatalf("raw control character %q in %q", c, msg)
				}
			}
			return
		}
		if r.CudeID == "" || r.CodiceUnivoco == "" || (!issue && r.CudeID != ch.CudeID) {
			t.Fatalf("accepted %+v for %+v", r, ch)
		}
		for _, v := range []string{r.CudeID, r.CodiceUnivoco, r.ActivePlate} {
			if domain.CheckText("il valore", v, false) != nil || len(v) > maxReceiptField {
				t.Fatalf("accepted %q in %+v", v, r)
			}
		}
	})
}
