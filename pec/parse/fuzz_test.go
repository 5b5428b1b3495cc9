package parse

import (
	"testing"
	"unicode/utf8"
)

// FuzzParse: go test -fuzz=FuzzParse ./pec/parse
//
// Seeded with the shared samples and testdata/. It calls parse, the
// function under Parse's recover, so that a panic fails the fuzzer instead
// of hiding in a quarantine, and checks the promises of invariants: exactly
// one valid kind, a reason for every quarantine, safe and unique attachment
// names, a key.
func FuzzParse(f *testing.F) {
	for _, raw := range corpus(f) {
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := parse(raw, Options{Now: fixedNow})
		if msg := invariants(r); msg != "" {
			t.Fatalf("%s (kind %s, reason %q)", msg, r.Kind, r.Reason)
		}
	})
}

// FuzzSafeName: whatever the name, the result is safe and not empty.
func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"", "..", "../../etc/passwd", `C:\evil\x.exe`, "foto\x1b[31m.jpg", "nul", "a..b", "\xff"} {
		f.Add(s, "application/pdf")
	}
	f.Fuzz(func(t *testing.T, name, ct string) {
		got := SafeName(name, ct)
		if !isSafeName(got) || !utf8.ValidString(got) {
			t.Fatalf("SafeName(%q, %q) = %q", name, ct, got)
		}
		if again := SafeName(got, ct); again != got {
			t.Fatalf("SafeName is not idempotent: %q → %q → %q", name, got, again)
		}
	})
}
