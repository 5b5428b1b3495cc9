package domain

import (
	"strings"
	"testing"
)

// T1: plates are stored upper case, without spaces, dashes or dots.
func TestNormalizePlate(t *testing.T) {
	tests := []struct{ in, want string }{
		{"ab 123-cd", "AB123CD"},
		{"AB123CD", "AB123CD"},
		{" ab.123.cd ", "AB123CD"},
		{"ab\t123\tcd", "AB123CD"},
		{"MI 3A5678", "MI3A5678"},
		{"roma 12345", "ROMA12345"},
		{"m·ab 123", "MAB123"},
		{"", ""},
		{" - . ", ""},
		{"ab_123", "AB_123"}, // kept, so that CheckPlateNumber can point at it
		{"ab/12", "AB/12"},
		{"tö-ab 123", "TÖAB123"},
	}
	for _, tt := range tests {
		if got := NormalizePlate(tt.in); got != tt.want {
			t.Errorf("NormalizePlate(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestNormalizeCountry(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", Italy}, {"I", Italy}, {"it", Italy}, {" ITA ", Italy}, {"Italia", Italy},
		{"de", "DE"}, {" ch ", "CH"}, {"SLO", "SLO"},
	}
	for _, tt := range tests {
		if got := NormalizeCountry(tt.in); got != tt.want {
			t.Errorf("NormalizeCountry(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// T1: Italian formats are recognised; an unknown one is a warning; foreign plates any format.
func TestClassifyPlate(t *testing.T) {
	const warn = "formato di targa italiana non riconosciuto: verificare"
	tests := []struct {
		number, country string
		want            PlateClass
	}{
		// cars since 1994: AA 000 AA
		{"AB123CD", "", PlateAuto},
		{"AB123CD", "IT", PlateAuto},
		{"AB123CD", "Italia", PlateAuto},
		{"GA000AA", "", PlateAuto},
		{"ZZ999ZZ", "", PlateAuto},
		{"HJ456KL", "", PlateAuto},
		// motorcycles since 1999: AA 00000
		{"AB12345", "", PlateMoto},
		{"ZZ00000", "", PlateMoto},
		// trailers: XA… series since 2013
		{"XA123AB", "", PlateRimorchio},
		{"XZ999ZZ", "", PlateRimorchio},
		// mopeds: 6 characters starting with X
		{"X2B3C4", "", PlateCiclomotore},
		{"X23456", "", PlateCiclomotore},
		{"XBCDFG", "", PlateCiclomotore},
		// old provincial plates still on the road
		{"MI3A5678", "", PlateProvinciale},
		{"ROMA12345", "", PlateProvinciale},
		{"ROMA1A2345", "", PlateProvinciale},
		{"VE123456", "", PlateProvinciale},
		{"PD1234", "", PlateProvinciale},
		{"TV0A1234", "", PlateProvinciale},
		// letters I, O, Q, U never appear on post-1994 plates
		{"AI123BC", "", PlateUnknown},
		{"ZO123BC", "", PlateUnknown},
		{"DQ123BC", "", PlateUnknown},
		{"EU123BC", "", PlateUnknown},
		{"AB123IC", "", PlateUnknown},
		{"AB123CO", "", PlateUnknown},
		{"AB123QU", "", PlateUnknown},
		{"AI12345", "", PlateUnknown},
		{"UB12345", "", PlateUnknown},
		{"XI123AB", "", PlateUnknown},
		{"XA123AU", "", PlateUnknown},
		// other shapes
		{"AB1234CD", "", PlateUnknown},
		{"AB12CD", "", PlateUnknown},
		{"A123BCD", "", PlateUnknown},
		{"AB123C", "", PlateCiclomotore}, // current moped series (issue #8)
		{"AB123I", "", PlateUnknown},
		{"1234567", "", PlateUnknown},
		{"X2B3C", "", PlateUnknown},   // moped with 5 characters
		{"X2B3C4D", "", PlateUnknown}, // moped with 7 characters
		{"ZZ1234", "", PlateUnknown},  // not a provincia
		{"MI12", "", PlateUnknown},    // too short for a provincial plate
		{"", "", PlateUnknown},
		// foreign plates: any format, no warning
		{"B123ABC", "DE", PlateEstera},
		{"M1", "D", PlateEstera},
		{"AI123BC", "FR", PlateEstera},
		{"ZH123456", "CH", PlateEstera},
		{"LJ12ABC", "SLO", PlateEstera},
	}
	for _, tt := range tests {
		got, w := ClassifyPlate(tt.number, tt.country)
		if got != tt.want {
			t.Errorf("ClassifyPlate(%q, %q) = %s, want %s", tt.number, tt.country, got, tt.want)
		}
		switch {
		case got == PlateUnknown && w != warn:
			t.Errorf("ClassifyPlate(%q, %q) warning %q, want %q", tt.number, tt.country, w, warn)
		case got != PlateUnknown && w != "":
			t.Errorf("ClassifyPlate(%q, %q) warning %q, want none", tt.number, tt.country, w)
		}
	}
}

// A plate is classified as what NormalizePlate made of what the operator typed.
func TestClassifyNormalizedPlate(t *testing.T) {
	tests := []struct {
		typed string
		want  PlateClass
	}{
		{"ab 123 cd", PlateAuto},
		{"ab-12345", PlateMoto},
		{"xa 123 ab", PlateRimorchio},
		{"x2b 3c4", PlateCiclomotore},
		{"mi 3a5678", PlateProvinciale},
		{"Roma 12345", PlateProvinciale},
	}
	for _, tt := range tests {
		if got, _ := ClassifyPlate(NormalizePlate(tt.typed), ""); got != tt.want {
			t.Errorf("ClassifyPlate(NormalizePlate(%q)) = %s, want %s", tt.typed, got, tt.want)
		}
	}
}

// T1: what cannot be a plate at all is an error, not a warning.
func TestCheckPlateNumber(t *testing.T) {
	tests := []struct {
		in      string
		wantMsg string // "" = accepted
	}{
		{"AB123CD", ""},
		{"M1", ""},
		{"ABCDEFGH1234", ""}, // 12 characters
		{"AI123BC", ""},      // unknown format: only a warning (ClassifyPlate)
		{"", "targa mancante"},
		{"A", "da 2 a 12 caratteri"},
		{"ABCDEFGH12345", "da 2 a 12 caratteri"},
		{"ab123cd", "non valida"}, // not normalised
		{"AB 123CD", "non valida"},
		{"AB_123", "non valida"},
		{"AB/12", "non valida"},
		{"AB-123", "non valida"},
	}
	for _, tt := range tests {
		err := CheckPlateNumber(tt.in)
		switch {
		case tt.wantMsg == "" && err != nil:
			t.Errorf("CheckPlateNumber(%q): %v, want accepted", tt.in, err)
		case tt.wantMsg != "" && err == nil:
			t.Errorf("CheckPlateNumber(%q) accepted, want %q", tt.in, tt.wantMsg)
		case tt.wantMsg != "" && !strings.Contains(err.Error(), tt.wantMsg):
			t.Errorf("CheckPlateNumber(%q) = %q, want it to contain %q", tt.in, err, tt.wantMsg)
		}
	}
}

// T1: an open window (zero To) runs until the pass expires.
func TestPlateWindow(t *testing.T) {
	end := MustDate(2029, 1, 15)
	tests := []struct {
		pl       Plate
		from, to Date
	}{
		{Plate{From: MustDate(2024, 1, 15)}, MustDate(2024, 1, 15), end},
		{Plate{From: MustDate(2024, 1, 15), To: MustDate(2025, 6, 30)}, MustDate(2024, 1, 15), MustDate(2025, 6, 30)},
	}
	for _, tt := range tests {
		if f, to := tt.pl.Window(end); f != tt.from || to != tt.to {
			t.Errorf("Window(%s) of %+v = %s, %s; want %s, %s", end, tt.pl, f, to, tt.from, tt.to)
		}
	}
}

// Rome's provincial plates after 1985 read RM (ROMA before).
func TestClassifyPlateRoma(t *testing.T) {
	for _, p := range []string{"RM123456", "RM3A5678", "ROMA12345"} {
		if got, _ := ClassifyPlate(p, "IT"); got != PlateProvinciale {
			t.Errorf("%s: %s, want provinciale", p, got)
		}
	}
}

// TestPlateVectors reads domain/testdata/targhe.tsv (issue #8: moped plates of the
// current series, EE plates).
func TestPlateVectors(t *testing.T) {
	for _, f := range readTSV(t, "testdata/targhe.tsv", 5) {
		num := NormalizePlate(f[0])
		class, warn := ClassifyPlate(num, f[1])
		if num != f[2] || string(class) != f[3] || (class == PlateUnknown) != (warn != "") {
			t.Errorf("%q (%q): %s %s %q; want %s %s (%s)", f[0], f[1], num, class, warn, f[2], f[3], f[4])
		}
	}
}

// Two plates are the same vehicle only with the same country (issue #8).
func TestPlateIs(t *testing.T) {
	it := Plate{Number: "AB123CD"}
	fr := Plate{Number: "AB123CD", Country: "FR"}
	if !it.Is("AB123CD", "") || !it.Is("AB123CD", "Italia") || it.Is("AB123CD", "FR") || !fr.Is("AB123CD", "fr") || fr.Is("AB123CD", "IT") {
		t.Error("Plate.Is does not tell countries apart")
	}
}
