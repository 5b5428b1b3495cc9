package parse

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

// sharedDir finds the project's shared directory (specs and samples) by
// walking up from the package directory. It fails, never skips: the samples
// are the contract, a test run without them proves nothing.
func sharedDir(tb testing.TB) string {
	tb.Helper()
	dir, err := os.Getwd()
	if err != nil {
		tb.Fatal(err)
	}
	for {
		cand := filepath.Join(dir, "shared")
		if st, err := os.Stat(filepath.Join(cand, "samples", "pec", "manifest.tsv")); err == nil && !st.IsDir() {
			return cand
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			tb.Fatal("shared/samples/pec/manifest.tsv not found in any parent directory")
		}
		dir = parent
	}
}

// corpus returns the sample messages and the testdata messages, by path.
func corpus(tb testing.TB) map[string][]byte {
	tb.Helper()
	out := map[string][]byte{}
	for _, pattern := range []string{
		filepath.Join(sharedDir(tb), "samples", "pec", "*.eml"),
		filepath.Join("testdata", "*.eml"),
	} {
		files, err := filepath.Glob(pattern)
		if err != nil {
			tb.Fatal(err)
		}
		for _, f := range files {
			raw, err := os.ReadFile(f)
			if err != nil {
				tb.Fatal(err)
			}
			out[f] = raw
		}
	}
	if len(out) < 4 {
		tb.Fatalf("corpus too small: %d messages", len(out))
	}
	return out
}

// invariants are the promises Parse makes for any input whatsoever; the
// tests check them on the corpus and the fuzzer on everything it invents.
// It returns the first broken promise, or "".
func invariants(r Result) string {
	if !r.Kind.Valid() {
		return "invalid kind"
	}
	if r.Key == "" || len(r.Key) > 300 || !utf8.ValidString(r.Key) {
		return "bad key " + r.Key
	}
	if (r.Kind == KindQuarantine) != (r.Reason != "") {
		return "quarantine without reason, or reason without quarantine"
	}
	switch r.Kind {
	case KindRequest:
		if r.Request == nil {
			return "request without Request"
		}
	case KindReceipt:
		if r.Receipt == nil {
			return "receipt without Receipt"
		}
	default:
		if r.Receipt != nil {
			return "Receipt set on " + r.Kind.String()
		}
	}
	if r.Request != nil && r.Kind != KindRequest && r.Kind != KindAnomaly {
		return "Request set on " + r.Kind.String()
	}
	if q := r.Request; q != nil {
		if q.ID == "" {
			return "request without id"
		}
		if q.Type < TypeRinnovo || q.Type > TypeSportello {
			return "request with invalid type"
		}
		if (q.Type == TypeSportello) != (q.SportelloReason != "") {
			return "sportello without reason, or reason without sportello"
		}
		if q.Source != SourceIstanza && q.Source != SourceText {
			return "request with invalid source"
		}
		for _, d := range q.Declared {
			if d.Index < -1 || d.Index >= len(r.Attachments) {
				return "declared attachment index out of range"
			}
		}
	}
	seen := map[string]bool{}
	for _, a := range r.Attachments {
		if !isSafeName(a.SafeName) {
			return "unsafe SafeName " + a.SafeName
		}
		low := strings.ToLower(a.SafeName)
		if seen[low] {
			return "duplicate SafeName " + a.SafeName
		}
		seen[low] = true
		if a.Size != int64(len(a.Data)) {
			return "size differs from data"
		}
	}
	for _, w := range r.AllWarnings() {
		if w == "" || !utf8.ValidString(w) {
			return "empty or invalid warning"
		}
	}
	return ""
}
