package service

import (
	"crypto/ed25519"
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	gossh "golang.org/x/crypto/ssh"

	"vivipass/domain"
)

// FuzzParseOperatorKeys (issue 12.13): an operator's public keys come from outside (a
// file sent by the operator, pasted at the desk). ParseOperatorKeys never panics; it
// takes one key from every line that is not blank or a # comment and skips none (a bad
// line is refused, naming it); every key it takes reads back with its fingerprint, with
// a comment that is short single-line text; a refusal is a *domain.Error in a short
// message with no raw control character.
func FuzzParseOperatorKeys(f *testing.F) {
	var lines []string
	for i, comment := range []string{"mario@pc-anagrafe", "", "Luigi Bianchi - ufficio contrassegni"} {
		pub := ed25519.NewKeyFromSeed([]byte(strings.Repeat(string(rune('a'+i)), ed25519.SeedSize))).Public()
		sk, err := gossh.NewPublicKey(pub)
		if err != nil {
			f.Fatal(err)
		}
		lines = append(lines, strings.TrimSpace(string(gossh.MarshalAuthorizedKey(sk)))+" "+comment)
	}
	for _, s := range []string{
		lines[0], lines[0] + "\n", strings.Join(lines, "\n"), "# chiavi di Mario\n\n" + lines[1] + "\r\n" + lines[2] + "\r\n",
		`command="/bin/false",no-pty ` + lines[0], lines[0] + "\nnon una chiave\n" + lines[1], lines[0] + "\x1b[2J",
		lines[0] + strings.Repeat(" lungo", 100), strings.Replace(lines[1], "AAAA", "AAAB", 1), "", "\n\n# solo commenti\n",
		"ssh-rsa AAAA", lines[0] + "\r" + lines[1],
	} {
		f.Add([]byte(s))
	}
	now := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, data []byte) {
		keys, err := ParseOperatorKeys(data, now)
		if err != nil {
			var de *domain.Error
			msg := err.Error()
			if !errors.As(err, &de) || keys != nil || !utf8.ValidString(msg) || len(msg) > 400 {
				t.Fatalf("refused with %T %.200q and %d keys", err, msg, len(keys))
			}
			for _, c := range msg {
				if unicode.IsControl(c) {
					t.Fatalf("raw control character %q in %q", c, msg)
				}
			}
			return
		}
		want := 0
		for _, line := range strings.Split(strings.ReplaceAll(string(data), "\r", "\n"), "\n") {
			if line = strings.TrimSpace(line); line != "" && !strings.HasPrefix(line, "#") {
				want++
			}
		}
		if len(keys) != want {
			t.Fatalf("%d keys read from %d lines of keys: %q", len(keys), want, data)
		}
		var back []string
		for _, k := range keys {
			if domain.CheckText("", k.Comment, false) != nil || len(k.Comment) > maxKeyComment || !k.AddedAt.Equal(now) {
				t.Fatalf("key taken with comment %q", k.Comment)
			}
			back = append(back, k.AuthorizedKey+" "+k.Comment)
		}
		again, err := ParseOperatorKeys([]byte(strings.Join(back, "\n")), now)
		if err != nil || len(again) != len(keys) {
			t.Fatalf("keys %v do not read back: %v", back, err)
		}
		for i := range again {
			if again[i] != keys[i] {
				t.Fatalf("key %d reads back as %+v, was %+v", i, again[i], keys[i])
			}
		}
	})
}
