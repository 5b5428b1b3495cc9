package printing_test

import (
	"crypto/ed25519"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/printing"
)

func TestPayloadRoundTripAndForgeries(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(nil)
	p := printing.Payload{Number: "L736_2025_00042", Expiry: domain.MustDate(2030, time.June, 10), Comune: "L736"}
	s, err := printing.Sign(priv, p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(s, "CUDE1;"+printing.KeyID(pub)+";L736_2025_00042;20300610;L736;") {
		t.Errorf("payload %q", s)
	}
	got, err := printing.Verify(pub, s+"\n")
	if err != nil || got != p {
		t.Fatalf("Verify = %+v, %v", got, err)
	}
	otherPub, otherPriv, _ := ed25519.GenerateKey(nil)
	forgedByOther, _ := printing.Sign(otherPriv, p)
	parts := strings.Split(s, ";")
	sig, _ := base64.RawURLEncoding.DecodeString(parts[5])
	sig[0] ^= 1
	for name, c := range map[string]struct {
		pub  ed25519.PublicKey
		text string
		want string
	}{
		"later expiry":       {pub, strings.Replace(s, "20300610", "20350610", 1), "contraffatto o alterato"},
		"other number":       {pub, strings.Replace(s, "00042", "00043", 1), "contraffatto o alterato"},
		"other comune":       {pub, strings.Replace(s, ";L736;", ";G224;", 1), "contraffatto o alterato"},
		"flipped signature":  {pub, strings.Join(append(parts[:5:5], base64.RawURLEncoding.EncodeToString(sig)), ";"), "contraffatto o alterato"},
		"signed by another":  {pub, forgedByOther, "un'altra chiave"},
		"verified w/ other":  {otherPub, s, "un'altra chiave"},
		"short signature":    {pub, strings.Join(append(parts[:5:5], "AAAA"), ";"), "illeggibile"},
		"not a payload":      {pub, "https://example.com", "non è il codice QR"},
		"missing part":       {pub, strings.Join(parts[:5], ";"), "non è il codice QR"},
		"key id swapped too": {pub, strings.Replace(forgedByOther, printing.KeyID(otherPub), printing.KeyID(pub), 1), "contraffatto"},
	} {
		if _, err := printing.Verify(c.pub, c.text); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: err %v, want %q", name, err, c.want)
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
	} {
		if _, err := printing.Sign(priv, p); err == nil {
			t.Errorf("Sign(%+v) accepted", p)
		}
	}
}
