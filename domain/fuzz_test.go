package domain

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// Issue 12.13: the parsers of outside input never panic, and what they accept reads
// back the same. `go test` runs the seeds (testdata/fuzz too); `go test -fuzz FuzzX
// -fuzztime 10m ./domain/` explores.

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"01/02/2025", "1/2/2025", "2025-02-01", "29.02.2024", "31/02/2023", "00/00/0000",
		"99/99/99999999999", "-1/-1/-1", "01/02/2025/03", " 01 / 02 / 2025 ", "٠١/٠٢/٢٠٢٥"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDate(s)
		if err != nil {
			if !utf8.ValidString(err.Error()) || err.Error() == "" {
				t.Fatalf("ParseDate(%q): empty or invalid message", s)
			}
			return
		}
		back, err := ParseDate(d.String())
		if err != nil || back != d {
			t.Fatalf("ParseDate(%q) = %v, but %q reads back as %v, %v", s, d, d.String(), back, err)
		}
	})
}

func FuzzCodiceFiscale(f *testing.F) {
	for _, s := range []string{"RSSMRA80A01L736U", "CNTFNC84R44H5L1E", "MCHFDA07A01D877A", "PTRMLN60E05Z118L",
		"rssmra80a01l736u", "RSSMRA80A01L736", "RSSMRA80Z01L736U", "RSSMRA80A41L736U", "RSSMRA80A01L73XU", "ÀÀÀÀÀÀ", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cf := NormalizeCF(s)
		if NormalizeCF(cf) != cf {
			t.Fatalf("NormalizeCF not idempotent on %q", s)
		}
		if ValidateCFSyntax(cf) != nil {
			return
		}
		info, err := DecodeCF(cf, MustDate(2026, 12, 3))
		if err != nil {
			return // a valid shape with an impossible date or place: refused with a message
		}
		if info.Birth.IsZero() || (info.Sex != 'M' && info.Sex != 'F') || info.BirthPlace == "" {
			t.Fatalf("DecodeCF(%q) accepted but incomplete: %+v", cf, info)
		}
	})
}

func FuzzPlate(f *testing.F) {
	for _, s := range []string{"AB123CD", "ab 123 cd", "BX983C", "EE123AB", "AB-123-CD", "123", "", "🚗", "AB123CD (FR)", strings.Repeat("A", 100)} {
		f.Add(s, "IT")
		f.Add(s, "FR")
	}
	f.Fuzz(func(t *testing.T, number, country string) {
		n := NormalizePlate(number)
		if NormalizePlate(n) != n {
			t.Fatalf("NormalizePlate not idempotent: %q → %q → %q", number, n, NormalizePlate(n))
		}
		c := NormalizeCountry(country)
		if NormalizeCountry(c) != c {
			t.Fatalf("NormalizeCountry not idempotent: %q → %q", country, c)
		}
		if CheckPlateNumber(n) == nil {
			if len(n) > 20 || strings.ContainsAny(n, " \t\n\x1b") {
				t.Fatalf("plate %q accepted as %q", number, n)
			}
			ClassifyPlate(n, c) // must not panic
		}
	})
}
