package parse

import (
	"bytes"
	"strings"
	"testing"
)

func TestTruncated(t *testing.T) {
	head := []byte("From: \"Per conto di: a@b.it\" <posta-certificata@pec.example.it>\r\n" +
		"Subject: POSTA CERTIFICATA: viviVeneto - RINNOVO - nuovo - ROSSI MARIO\r\n" +
		"Message-ID: <grande-1@pec.example.it>\r\nX-Trasporto: posta-certificata\r\n" +
		"Content-Type: multipart/signed; boundary=x\r\n\r\n--x\r\n")
	head = append(head, bytes.Repeat([]byte("A"), 1000)...)
	r := Truncated(head, 31<<20, Options{})
	if msg := invariants(r); msg != "" {
		t.Fatal(msg)
	}
	if r.Kind != KindQuarantine || !strings.Contains(r.Reason, "30 MB") {
		t.Errorf("kind %v reason %q, want quarantine over 30 MB", r.Kind, r.Reason)
	}
	if r.Size != 31<<20 {
		t.Errorf("Size = %d, want the size on the server", r.Size)
	}
	if r.Key != "msgid:grande-1@pec.example.it" {
		t.Errorf("Key = %q", r.Key)
	}
	if !strings.Contains(r.Envelope.Subject, "RINNOVO") {
		t.Errorf("Subject = %q", r.Envelope.Subject)
	}
	// Without a Message-ID the key is a hash of what was read: the same each time.
	noID := []byte("Subject: x\r\n\r\n" + strings.Repeat("B", HeadSize+10))
	k1, k2 := Truncated(noID, 40<<20, Options{}).Key, Truncated(noID[:HeadSize], 40<<20, Options{}).Key
	if k1 != k2 || !strings.HasPrefix(k1, "sha256:") {
		t.Errorf("keys %q and %q: want one sha256 key for the same head", k1, k2)
	}
	// Garbage never panics and still quarantines.
	for _, h := range [][]byte{nil, []byte("\x00\x01"), []byte(": :\r\n\r\n")} {
		if r := Truncated(h, 50<<20, Options{}); r.Kind != KindQuarantine || invariants(r) != "" {
			t.Errorf("Truncated(%q): kind %v, %s", h, r.Kind, invariants(r))
		}
	}
}
