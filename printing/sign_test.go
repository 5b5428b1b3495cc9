package printing_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"rsc.io/qr"

	"vivipass/domain"
	"vivipass/printing"
)

// Issue 13.2: the payload carries the card's edition (CUDE2); a changed edition fails the
// signature like any other field.
func TestPayloadRoundTripAndForgeries(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	p := printing.Payload{Number: "L736_2025_00042", Expiry: domain.MustDate(2030, time.June, 10), Comune: "L736", Edition: 2}
	s, err := printing.Sign(priv, p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "CUDE2;"+printing.KeyID(pub)+";L736_2025_00042;20300610;L736;2;") {
		t.Errorf("payload %q", s)
	}
	got, err := printing.Verify(pub, s+"\n")
	if err != nil || got != p {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	otherPub, otherPriv, _ := ed25519.GenerateKey(nil)
	forgedByOther, _ := printing.Sign(otherPriv, p)
	parts := strings.Split(s, ";")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[6])
	sig[0] ^= 1
	for name, c := range map[string]struct {
		pub  ed25519.PublicKey
		text string
		want string
	}{
		"later expiry":       {pub, strings.Replace(s, "20300610", "20350610", 1), "contraffatto o alterato"},
		"other number":       {pub, strings.Replace(s, "00042", "00043", 1), "contraffatto o alterato"},
		"other comune":       {pub, strings.Replace(s, ";L736;", ";G224;", 1), "contraffatto o alterato"},
		"earlier edition":    {pub, strings.Replace(s, ";L736;2;", ";L736;1;", 1), "contraffatto o alterato"},
		"later edition":      {pub, strings.Replace(s, ";L736;2;", ";L736;3;", 1), "contraffatto o alterato"},
		"edition dropped":    {pub, strings.Replace(strings.Replace(s, ";L736;2;", ";L736;", 1), "CUDE2", "CUDE1", 1), "contraffatto o alterato"},
		"flipped signature":  {pub, strings.Join(append(parts[:6:6], base64.RawURLEncoding.EncodeToString(sig)), ";"), "contraffatto o alterato"},
		"signed by another":  {pub, forgedByOther, "un'altra chiave"},
		"verified w/ other":  {otherPub, s, "un'altra chiave"},
		"short signature":    {pub, strings.Join(append(parts[:6:6], "AAAA"), ";"), "illeggibile"},
		"not a payload":      {pub, "https://example.com", "non è il codice QR"},
		"missing part":       {pub, strings.Join(parts[:6], ";"), "non è il codice QR"},
		"CUDE1 in 7 parts":   {pub, strings.Replace(s, "CUDE2", "CUDE1", 1), "non è il codice QR"},
		"key id swapped too": {pub, strings.Replace(forgedByOther, printing.KeyID(otherPub), printing.KeyID(pub), 1), "contraffatto"},
	} {
		if _, err := printing.Verify(c.pub, c.text); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", name, err, c.want)
		}
	}
}

// Issue 13.2: a card printed before editions (CUDE1, 6 parts, no edition) keeps
// verifying, as edition 0; Sign writes an edition 0 as the first card; a QR code of a
// CUDE2 payload stays a version-8 code (49 modules, the size the card's field was drawn
// for) for the numbers vivipass makes and editions up to 99.
func TestCUDE1StillVerifies(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	// Written by hand as the release before editions did.
	msg := "CUDE1;" + printing.KeyID(pub) + ";L736_2025_00042;20300610;L736"
	old := msg + ";" + base64.RawURLEncoding.EncodeToString(ed25519.Sign(priv, []byte(msg)))
	got, err := printing.Verify(pub, old)
	want := printing.Payload{Number: "L736_2025_00042", Expiry: domain.MustDate(2030, time.June, 10), Comune: "L736"}
	if err != nil || got != want {
		t.Fatalf("Verify(CUDE1) = %+v, %v; want %+v", got, err, want)
	}
	if got, err := printing.VerifyAny([]ed25519.PublicKey{pub}, old); err != nil || got != want {
		t.Errorf("VerifyAny(CUDE1) = %+v, %v", got, err)
	}
	if err := printing.CheckForm(old); err != nil {
		t.Errorf("CheckForm(CUDE1): %v", err)
	}
	// The same card with an edition added by hand: the signature does not cover it.
	forged := strings.Replace(old, "CUDE1", "CUDE2", 1)
	forged = strings.Replace(forged, ";L736;", ";L736;1;", 1)
	if _, err := printing.Verify(pub, forged); err == nil || !strings.Contains(err.Error(), "contraffatto") {
		t.Errorf("CUDE1 turned into CUDE2 by hand: %v", err)
	}

	s, err := printing.Sign(priv, want) // Edition 0
	if err != nil || !strings.Contains(s, ";L736;1;") {
		t.Fatalf("Sign with edition 0 = %q, %v; want edition 1", s, err)
	}
	if got, err := printing.Verify(pub, s); err != nil || got.Edition != 1 {
		t.Errorf("Verify = %+v, %v", got, err)
	}
	for _, number := range []string{"L736_2025_00042", "L736_2025_99999"} {
		for _, ed := range []int{1, 9, 99} {
			s, err := printing.Sign(priv, printing.Payload{Number: number, Expiry: want.Expiry, Comune: "L736", Edition: ed})
			if err != nil {
				t.Fatal(err)
			}
			code, err := qr.Encode(s, qr.M)
			if err != nil {
				t.Fatal(err)
			}
			if code.Size != 49 {
				t.Errorf("%d bytes (%s, edition %d): QR code of %d modules, want 49 (version 8)", len(s), number, ed, code.Size)
			}
		}
	}
}

func TestPublicKeyText(t *testing.T) {
	pub, _, _ := ed25519.GenerateKey(nil)
	s := printing.PublicKeyText(pub)
	for _, in := range []string{s, strings.TrimPrefix(s, "ed25519:"), " " + s + "\n"} {
		back, err := printing.ParsePublicKey(in)
		if err != nil || !back.Equal(pub) {
			t.Errorf("ParsePublicKey(%q) = %v, %v", in, back, err)
		}
	}
	if _, err := printing.ParsePublicKey("ed25519:AAAA"); err == nil {
		t.Error("short key accepted")
	}
}

func TestSignRefusesWhatCannotBeParsedBack(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(nil)
	for _, p := range []printing.Payload{
		{Number: "A;B", Expiry: domain.MustDate(2030, 1, 1), Comune: "L736"},
		{Number: "", Expiry: domain.MustDate(2030, 1, 1), Comune: "L736"},
		{Number: "X", Comune: "L736"},
		{Number: "X", Expiry: domain.MustDate(2030, 1, 1), Comune: "L736", Edition: -1},
		{Number: "X", Expiry: domain.MustDate(2030, 1, 1), Comune: "L736", Edition: printing.MaxEdition + 1},
	} {
		if _, err := printing.Sign(priv, p); err == nil {
			t.Errorf("Sign(%+v) accepted", p)
		}
	}
}
