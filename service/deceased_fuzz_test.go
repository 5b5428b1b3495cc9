package service

import (
	"fmt"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"vivipass/domain"
)

// maxDeceasedMessage bounds one error message of the deaths file: it names the line and
// what is wrong, never the whole of a long field.
const maxDeceasedMessage = 400

// Issue 12.13: the deaths file (from the anagrafe, outside input) never panics the
// reader; what it accepts is a valid codice fiscale with a date not after today, once,
// and reads back the same when written again; its errors name real lines in order, say
// what is wrong in a short message with no raw control character, and stay bounded.
// `go test` runs the seeds (and testdata/fuzz/FuzzReadDeceased); `go test -fuzz
// FuzzReadDeceased -fuzztime 10m ./service/` explores.
func FuzzReadDeceased(f *testing.F) {
	for _, s := range []string{
		"codice_fiscale;data_decesso\nRSSMRA80A01L736U;03/11/2026\n",
		"RSSMRA80A01L736U 03/11/2026\nRSSMRA80A01L736U;04/11/2026\n",
		"\ufeff# commento\nBNCGNN75L63L736M\t2026-11-01\n", "x;y;z\n", ";;;\n", "RSSMRA80A01L736U;31/02/2026\n",
		strings.Repeat("a", 70000), strings.Repeat("x\n", 300),
		// as the anagrafe exports it: header, CRLF, omocodia, ISO and dotted dates, a comma
		"codice_fiscale,data_decesso\r\nCNTFNC84R44H5L1E,1.10.2026\r\nrssmra80a01l736u, 2026-10-02\r\n\r\n",
		"RSSMRA80A01L736U;03/11/2027\nRSSMRA80A01L736U;03/11/2026\nPTRMLN60E05Z118L;01/01/1850\n",
		"RSS\x1b[31mMRA80A01L736U;03/11/2026\nRSSMRA80A01L736U;03/11/\x1b[2J2026\n",
		strings.Repeat("Z", 5000) + ";03/11/2026\nRSSMRA80A01L736U;" + strings.Repeat("1", 5000) + "/01/2026\n",
	} {
		f.Add([]byte(s))
	}
	today := domain.MustDate(2026, 12, 3)
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, rep := readDeceased(data, today)
		if len(rep.Errors) > maxDeceasedErrors+1 || (rep.Invalid == 0) != (len(rep.Errors) == 0) {
			t.Fatalf("%d errors listed, %d invalid", len(rep.Errors), rep.Invalid)
		}
		if rep.Lines < len(entries) || rep.Invalid > rep.Lines+1 {
			t.Fatalf("%d lines counted, %d entries, %d invalid", rep.Lines, len(entries), rep.Invalid)
		}
		lines := strings.Count(string(data), "\n") + 1
		seen := map[string]bool{}
		for _, e := range entries {
			if domain.ValidateCFSyntax(e.cf) != nil || domain.NormalizeCF(e.cf) != e.cf || e.died.IsZero() || e.died.After(today) || seen[e.cf] {
				t.Fatalf("accepted %+v", e)
			}
			seen[e.cf] = true
		}
		last := 0
		for i, e := range rep.Errors {
			summary := i == maxDeceasedErrors && e.Line == 0
			if !summary && (e.Line <= last || e.Line > lines) {
				t.Fatalf("error %+v after line %d of a %d-line file", e, last, lines)
			}
			if !summary {
				last = e.Line
			}
			checkDeceasedMessage(t, e.Message)
		}
		// What was accepted, written as the anagrafe would, reads back the same.
		var b strings.Builder
		b.WriteString("codice_fiscale;data_decesso\n")
		for _, e := range entries {
			fmt.Fprintf(&b, "%s;%s\n", e.cf, e.died)
		}
		again, rep2 := readDeceased([]byte(b.String()), today)
		if rep2.Invalid != 0 || len(again) != len(entries) {
			t.Fatalf("accepted entries do not read back: %+v, %+v", again, rep2.Errors)
		}
		for i := range again {
			if again[i] != entries[i] {
				t.Fatalf("entry %d reads back as %+v, was %+v", i, again[i], entries[i])
			}
		}
	})
}

// checkDeceasedMessage: an error of the deaths file is a short Italian sentence with no
// raw control character (it reaches the desk and the terminal).
func checkDeceasedMessage(t *testing.T, msg string) {
	t.Helper()
	if msg == "" || !utf8.ValidString(msg) || len(msg) > maxDeceasedMessage {
		t.Fatalf("message of %d bytes: %.200q", len(msg), msg)
	}
	for _, r := range msg {
		if unicode.IsControl(r) {
			t.Fatalf("raw control character %q in message %q", r, msg)
		}
	}
}

// A wrong file (one error a line) reports the first 100 and how many more.
func TestDeceasedErrorsBounded(t *testing.T) {
	_, rep := readDeceased([]byte(strings.Repeat("non è un codice;ieri\n", 5000)), domain.MustDate(2026, 12, 3))
	if rep.Invalid != 5000 || len(rep.Errors) != maxDeceasedErrors+1 || !strings.Contains(rep.Errors[maxDeceasedErrors].Message, "altre 4900 righe errate") {
		t.Errorf("invalid %d, %d errors listed, last %+v", rep.Invalid, len(rep.Errors), rep.Errors[len(rep.Errors)-1])
	}
}
