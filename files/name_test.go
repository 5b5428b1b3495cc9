package files

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeName(t *testing.T) {
	long := strings.Repeat("à", 80) + ".pdf" // 160 bytes
	for _, c := range []struct{ in, want string }{
		{"ritratto.jpg", "ritratto.jpg"},
		{"", "file"},
		{".", "file"},
		{"..", "file"},
		{"...", "file"},
		{"../../etc/passwd", "_.._etc_passwd"},
		{"/etc/passwd", "_etc_passwd"},
		{`C:\Windows\win.ini`, "C__Windows_win.ini"},
		{".bashrc", "bashrc"},
		{" .nascosto ", "nascosto"},
		{"a\x00b.txt", "ab.txt"},
		{"riga\nseconda.txt", "riga seconda.txt"},
		{"tab\t\t e  spazi.txt", "tab e spazi.txt"},
		{"fine.", "fine"},
		{"fine. . ", "fine"},
		{"domanda?.pdf", "domanda_.pdf"},
		{`"virgolette" <e> |pipe|:*.txt`, "_virgolette_ _e_ _pipe___.txt"},
		{"però è già.pdf", "però è già.pdf"},
		{"pero\u0300.pdf", "però.pdf"},             // NFD from a Mac: NFC
		{"fattura\u202Egpj.exe", "fatturagpj.exe"}, // right-to-left override dropped
		{"zero\u200Bwidth.txt", "zerowidth.txt"},   // zero-width space dropped
		{"bad\xff\xfeutf8.txt", "bad_utf8.txt"},    // invalid UTF-8
		{"CON", "_CON"},
		{"nul.txt", "_nul.txt"},
		{"com1.jpg", "_com1.jpg"},
		{"console.txt", "console.txt"},
		{"\x7f\x01\x1b[31m", "[31m"},
		{"emoji 📷.jpg", "emoji 📷.jpg"},
	} {
		if got := SafeName(c.in); got != c.want {
			t.Errorf("SafeName(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	got := SafeName(long)
	if len(got) > MaxNameBytes || !strings.HasSuffix(got, ".pdf") || !utf8.ValidString(got) || !strings.HasPrefix(got, "àààà") {
		t.Errorf("SafeName(long) = %q (%d bytes)", got, len(got))
	}
	// A long extension is not kept as one.
	got = SafeName(strings.Repeat("x", 90) + "." + strings.Repeat("y", 40))
	if len(got) != MaxNameBytes {
		t.Errorf("long extension: %q (%d bytes)", got, len(got))
	}
}

func TestNumbered(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{
		{"foto.jpg", 1, "foto-1.jpg"},
		{"foto", 12, "foto-12"},
		{"archivio.tar.gz", 2, "archivio.tar-2.gz"},
	} {
		if got := numbered(c.in, c.n); got != c.want {
			t.Errorf("numbered(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
	long := SafeName(strings.Repeat("è", 60) + ".jpeg")
	for _, n := range []int{1, 99, 9999} {
		got := numbered(long, n)
		if len(got) > MaxNameBytes || !utf8.ValidString(got) || SafeName(got) != got || !strings.HasSuffix(got, "-"+itoa(n)+".jpeg") {
			t.Errorf("numbered(long, %d) = %q (%d bytes)", n, got, len(got))
		}
	}
}

// FuzzSafeName: whatever comes in, the name is one safe component, within bounds, and
// SafeName leaves it as it is. (go test runs the seeds; go test -fuzz explores.)
func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"", "..", "a/b", "../../x", "\x00", "é\u0301", "CON.txt", strings.Repeat("a ", 80) + ".pdf",
		strings.Repeat("\u0e01\u0e34", 40) + ".txt", "x." + strings.Repeat("é", 9), "\u1100\u1161\u11a8", strings.Repeat("가", 40) + "\u11a8",
		strings.Repeat("e\u0301", 60), "a" + strings.Repeat("\u0301", 120)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeName(s)
		switch {
		case got == "" || len(got) > MaxNameBytes || !utf8.ValidString(got):
			t.Fatalf("SafeName(%q) = %q", s, got)
		case strings.ContainsAny(got, "/\\\x00\n\r") || got[0] == '.' || got[0] == ' ':
			t.Fatalf("SafeName(%q) = %q: unsafe", s, got)
		case strings.HasSuffix(got, ".") || strings.HasSuffix(got, " "):
			t.Fatalf("SafeName(%q) = %q: trailing dot or space", s, got)
		case SafeName(got) != got:
			t.Fatalf("SafeName(%q) = %q, again %q", s, got, SafeName(got))
		}
		if n := numbered(got, 7); SafeName(n) != n || len(n) > MaxNameBytes {
			t.Fatalf("numbered(%q, 7) = %q is not a safe name", got, n)
		}
	})
}
