package service

import (
	"strings"
	"testing"

	"vivipass/domain"
)

// Issue 12.13: the deaths file (from the anagrafe, outside input) never panics the
// reader; what it accepts is a valid codice fiscale with a date not after today, once;
// its errors name real lines and stay bounded.
func FuzzReadDeceased(f *testing.F) {
	for _, s := range []string{
		"codice_fiscale;data_decesso\nRSSMRA80A01L736U;03/11/2026\n",
		"RSSMRA80A01L736U 03/11/2026\nRSSMRA80A01L736U;04/11/2026\n",
		"\ufeff# commento\nBNCGNN75L63L736M\t2026-11-01\n", "x;y;z\n", ";;;\n", "RSSMRA80A01L736U;31/02/2026\n",
		strings.Repeat("a", 70000), strings.Repeat("x\n", 300),
	} {
		f.Add([]byte(s))
	}
	today := domain.MustDate(2026, 12, 3)
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, rep := readDeceased(data, today)
		if len(rep.Errors) > maxDeceasedErrors+1 || (rep.Invalid == 0) != (len(rep.Errors) == 0) {
			t.Fatalf("%d errors listed, %d invalid", len(rep.Errors), rep.Invalid)
		}
		lines := strings.Count(string(data), "\n") + 1
		seen := map[string]bool{}
		for _, e := range entries {
			if domain.ValidateCFSyntax(e.cf) != nil || e.died.IsZero() || e.died.After(today) || seen[e.cf] {
				t.Fatalf("accepted %+v", e)
			}
			seen[e.cf] = true
		}
		for _, e := range rep.Errors {
			if e.Line < 0 || e.Line > lines || e.Message == "" {
				t.Fatalf("error %+v of a %d-line file", e, lines)
			}
		}
	})
}

// A wrong file (one error a line) reports the first 100 and how many more.
func TestDeceasedErrorsBounded(t *testing.T) {
	_, rep := readDeceased([]byte(strings.Repeat("non è un codice;ieri\n", 5000)), domain.MustDate(2026, 12, 3))
	if rep.Invalid != 5000 || len(rep.Errors) != maxDeceasedErrors+1 || !strings.Contains(rep.Errors[maxDeceasedErrors].Message, "altre 4900 righe errate") {
		t.Errorf("invalid %d, %d errors listed, last %+v", rep.Invalid, len(rep.Errors), rep.Errors[len(rep.Errors)-1])
	}
}
