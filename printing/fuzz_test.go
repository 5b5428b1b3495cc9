package printing

import (
	"bytes"
	"crypto/ed25519"
	"encoding/base64"
	"errors"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"vivipass/domain"
)

// Issue 12.13: template files come from outside (import at the desk): reading and
// checking one never panics, and a template accepted is written and read back the same.
func FuzzTemplateFile(f *testing.F) {
	for _, s := range []string{
		"---\nnome: ricevuta\ntitolo: Ricevuta\n---\nIl #signor# #cognome# #nome#\n",
		"Gentile #nome#,\n## non è un tag; #data_decorrenza\n",
		"#sconosciuto#", "#", "##", "#a", "---\nnome: \n---\n", "\ufeff---\r\nnome: x\r\ntitolo: y\r\n---\r\ntesto\r\n",
		"[solo temporaneo] venga allo sportello\n[solo permanente] usi l'app\n",
	} {
		f.Add("modello.txt", []byte(s))
	}
	f.Fuzz(func(t *testing.T, name string, data []byte) {
		tpl, err := ParseTemplateFile(name, data)
		if err != nil {
			return
		}
		if _, err := Parse(tpl.Body); err != nil {
			return // read, but its tags are refused with line and column
		}
		again, err := ParseTemplateFile(name, tpl.File())
		if err != nil || again.Body != tpl.Body || again.Title != tpl.Title {
			t.Fatalf("template %q does not read back: %+v, %v (was %+v)", data, again, err, tpl)
		}
	})
}

// fuzzKeys are two signing keys of a register (one rotated out), fixed so that the
// seeds' signatures stay valid.
func fuzzKeys() []ed25519.PrivateKey {
	return []ed25519.PrivateKey{
		ed25519.NewKeyFromSeed(bytes.Repeat([]byte{1}, ed25519.SeedSize)),
		ed25519.NewKeyFromSeed(bytes.Repeat([]byte{2}, ed25519.SeedSize)),
	}
}

// legacySign signs p in the form of the cards printed before editions (CUDE1), as the
// release before issue 13.2 did.
func legacySign(priv ed25519.PrivateKey, p Payload) string {
	msg := legacyTag + ";" + KeyID(priv.Public().(ed25519.PublicKey)) + ";" + p.Number + ";" + p.Expiry.Key() + ";" + p.Comune
	return msg + ";" + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(msg)))
}

// FuzzVerify (issue 12.13): the text of a card's QR code comes from outside (a phone or
// a scanner reads it from paper anyone can print). Verify and VerifyAny never panic;
// what they accept is exactly what the register signed (signing the payload again
// gives the same text: nobody but the key's holder makes a text that passes), with a
// number and an expiry; what they refuse gets an *Error in a short sentence with no raw
// control character (`vivipass verify` and the desk show it). A public key read by
// ParsePublicKey is written back by PublicKeyText as the same key. Issue 13.2: the
// CUDE2 form with the card's edition, and the CUDE1 form of the cards printed before
// (edition 0), signed again in their own form.
func FuzzVerify(f *testing.F) {
	keys := fuzzKeys()
	pubs := []ed25519.PublicKey{keys[0].Public().(ed25519.PublicKey), keys[1].Public().(ed25519.PublicKey)}
	for i, p := range []Payload{
		{Number: "L736_2025_00042", Expiry: domain.MustDate(2030, 6, 1), Comune: "L736", Edition: 1},
		{Number: "G224/2019/7", Expiry: domain.MustDate(2026, 2, 28), Comune: "G224", Edition: 2},
		{Number: "1", Expiry: domain.MustDate(1999, 12, 31), Comune: "", Edition: MaxEdition},
	} {
		text, err := Sign(keys[i%2], p)
		if err != nil {
			f.Fatal(err)
		}
		for _, text := range []string{text, legacySign(keys[i%2], p)} {
			f.Add(text)
			f.Add(" " + text + "\n")
			f.Add(strings.Replace(text, p.Expiry.Key(), "20991231", 1))
			f.Add(strings.Replace(text, ";"+p.Number+";", ";"+p.Number+"X;", 1))
			f.Add(text[:len(text)-5])
		}
		ed := ";" + p.Comune + ";" + strconv.Itoa(p.Edition) + ";"
		f.Add(strings.Replace(text, ed, ";"+p.Comune+";"+strconv.Itoa(p.Edition+1)+";", 1)) // a later edition
		f.Add(strings.Replace(text, ed, ";"+p.Comune+";0"+strconv.Itoa(p.Edition)+";", 1))  // a leading zero
		f.Add(strings.Replace(strings.Replace(text, ed, ";"+p.Comune+";", 1), payloadTag, legacyTag, 1))
	}
	for _, s := range []string{"", "CUDE1", "CUDE1;;;;;", "CUDE1;deadbeef;L736_1;20301301;L736;AAAA", "CUDE1;\x1b[2J;n;20300101;L736;x",
		"CUDE1;" + strings.Repeat("f", 5000) + ";n;20300101;L736;x", "https://example.it/?q=CUDE1", PublicKeyText(pubs[0]),
		"ed25519:AAAA", "ed25519:" + strings.Repeat("A", 44),
		"CUDE2", "CUDE2;;;;;;", "CUDE2;deadbeef;L736_1;20300101;L736;-1;AAAA", "CUDE2;deadbeef;L736_1;20300101;L736;\x1b[2J;x",
		"CUDE2;deadbeef;L736_1;20300101;L736;" + strings.Repeat("9", 5000) + ";x", "CUDE2;deadbeef;L736_1;20300101;L736;AAAA"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, ring := range [][]ed25519.PublicKey{pubs, pubs[:1]} {
			p, err := VerifyAny(ring, text)
			if err != nil {
				checkRefusal(t, err)
				continue
			}
			var signer ed25519.PrivateKey
			for _, k := range keys {
				if KeyID(k.Public().(ed25519.PublicKey)) == strings.Split(strings.TrimSpace(text), ";")[1] {
					signer = k
				}
			}
			var again string
			if p.Edition == 0 { // a CUDE1 card
				again = legacySign(signer, p)
			} else {
				again, err = Sign(signer, p)
			}
			if err != nil || again != strings.TrimSpace(text) || p.Number == "" || p.Expiry.IsZero() {
				t.Fatalf("accepted %q as %+v; signed again %q, %v", text, p, again, err)
			}
		}
		if _, err := Verify(ed25519.PublicKey([]byte(text)), text); err != nil { // any bytes as a key
			checkRefusal(t, err)
		}
		pub, err := ParsePublicKey(text)
		if err != nil {
			checkRefusal(t, err)
			return
		}
		back, err := ParsePublicKey(PublicKeyText(pub))
		if err != nil || !back.Equal(pub) || len(pub) != ed25519.PublicKeySize {
			t.Fatalf("key %q read as %x, written back as %x, %v", text, pub, back, err)
		}
	})
}

// checkRefusal: a refusal is an *Error in a short sentence with no raw control character.
func checkRefusal(t *testing.T, err error) {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("refused with %T %v", err, err)
	}
	msg := err.Error()
	if msg == "" || !utf8.ValidString(msg) || len(msg) > 300 {
		t.Fatalf("message of %d bytes: %.200q", len(msg), msg)
	}
	for _, r := range msg {
		if unicode.IsControl(r) {
			t.Fatalf("raw control character %q in %q", r, msg)
		}
	}
}

// FuzzLayout (issue 12.13): a card layout is JSON an administrator writes or pastes.
// ParseLayout never panics; a layout it accepts is valid, reads back the same from its
// own JSON, and renders a card on every side or says why not; a refusal is an *Error in Italian (not
// the JSON decoder's English) with no raw control character.
func FuzzLayout(f *testing.F) {
	f.Add(DefaultLayoutJSON())
	for _, s := range []string{`{"name":"piccolo","width":20,"height":20,"fields":[]}`,
		`{"name":"x","width":85,"height":54,"fields":[{"name":"numero","side":"fronte","x":5,"y":5,"width":40,"size":10}]}`,
		`{"name":"x","width":85,"height":54,"fields":[{"name":"numero\u001b[2J","side":"fronte","x":5,"y":5,"width":40,"size":10}]}`,
		`{"name":"x","width":85,"height":54,"fields":[{"name":"numero","side":"fronte","x":80,"y":5,"width":40,"size":10}]}`,
		`{"name":"x","width":1e309}`, `{"name":"x","colore":"rosso"}`, `{"name":7}`, `{`, ``, `[]`, `{"name":"a\u0007"}`} {
		f.Add([]byte(s))
	}
	data := CardData{Number: "L736_2025_00042", Expiry: "01/06/2030", Comune: "COMUNE DI VENEZIA", Cognome: "ROSSI",
		Nome: "MARIO", Duplicate: true, QR: "CUDE1;deadbeef;L736_2025_00042;20300601;L736;x"}
	f.Fuzz(func(t *testing.T, b []byte) {
		l, err := ParseLayout(b)
		if err != nil {
			var pe *Error
			msg := err.Error()
			if !errors.As(err, &pe) || !utf8.ValidString(msg) || strings.Contains(msg, "json:") {
				t.Fatalf("refused with %T %.300q", err, msg)
			}
			for _, r := range msg {
				if unicode.IsControl(r) {
					t.Fatalf("raw control character %q in %.300q", r, msg)
				}
			}
			return
		}
		again, err := ParseLayout(l.JSON())
		if err != nil || !reflect.DeepEqual(again, l) {
			t.Fatalf("layout %s reads back as %+v, %v", l.JSON(), again, err)
		}
		if len(l.Fields) <= 20 { // a card is a few fields; rendering hundreds adds nothing
			// A text that does not fit a narrow field is refused when printing, saying so.
			if _, err := Card(l, data, ModeFronteRetro, Offset{}); err != nil && !errors.As(err, new(*Error)) {
				t.Fatalf("layout %s accepted, card not made: %T %v", l.JSON(), err, err)
			}
		}
	})
}
