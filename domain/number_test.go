package domain

import (
	"strings"
	"testing"
)

// P2: <codice catastale>_<year>_<5-digit progressive>.
func TestFormatNumber(t *testing.T) {
	tests := []struct {
		comune    string
		year, seq int
		want      string
	}{
		{"L736", 2024, 15, "L736_2024_00015"},
		{"L736", 2024, 16, "L736_2024_00016"},
		{"G224", 2025, 1, "G224_2025_00001"},
		{"L781", 2026, 99999, "L781_2026_99999"},
	}
	for _, tt := range tests {
		got := FormatNumber(tt.comune, tt.year, tt.seq)
		if got != tt.want {
			t.Errorf("FormatNumber(%q, %d, %d) = %q, want %q", tt.comune, tt.year, tt.seq, got, tt.want)
		}
		c, y, s, ok := ParseNumber(got)
		if !ok || c != tt.comune || y != tt.year || s != tt.seq {
			t.Errorf("ParseNumber(%q) = %q, %d, %d, %v; want the parts back", got, c, y, s, ok)
		}
		if err := CheckNumber(got); err != nil {
			t.Errorf("CheckNumber(%q): %v", got, err)
		}
	}
}

func TestParseNumber(t *testing.T) {
	tests := []struct {
		in        string
		comune    string
		year, seq int
		ok        bool
	}{
		{"L736_2024_00015", "L736", 2024, 15, true},
		{"A001_1999_00000", "A001", 1999, 0, true},
		// not circuit numbers: legacy ones keep their form
		{"l736_2024_00015", "", 0, 0, false}, // lower case
		{"L736_2024_0015", "", 0, 0, false},  // 4-digit progressive
		{"L736_24_00015", "", 0, 0, false},   // 2-digit year
		{"L736-2024-00015", "", 0, 0, false}, // dashes
		{"L7360_2024_00015", "", 0, 0, false},
		{"VE-1234", "", 0, 0, false},
		{" L736_2024_00015", "", 0, 0, false},
		{"L736_2024_00015 ", "", 0, 0, false},
		{"", "", 0, 0, false},
	}
	for _, tt := range tests {
		c, y, s, ok := ParseNumber(tt.in)
		if c != tt.comune || y != tt.year || s != tt.seq || ok != tt.ok {
			t.Errorf("ParseNumber(%q) = %q, %d, %d, %v; want %q, %d, %d, %v", tt.in, c, y, s, ok, tt.comune, tt.year, tt.seq, tt.ok)
		}
	}
}

// P2, M1: any number a comune has used is accepted, but only sane characters.
func TestCheckNumber(t *testing.T) {
	tests := []struct {
		in      string
		wantMsg string // "" = accepted
	}{
		{"L736_2024_00015", ""},
		{"VE-1234", ""},    // legacy number
		{"1234", ""},       // legacy: digits only
		{"ve/2019/77", ""}, // legacy with slashes, lower case
		{"PD.2010.5", ""},
		{"A", ""},
		{strings.Repeat("A", 40), ""},
		{"", "obbligatorio"},
		{strings.Repeat("A", 41), "al massimo 40 caratteri"},
		{"VE 1234", "non valido"}, // spaces
		{"VE#1234", "non valido"}, // symbols
		{"VE;1234", "non valido"}, // CSV separator
		{"-1234", "non valido"},   // must start with a letter or digit
		{"_1234", "non valido"},
		{"NUMERO°1", "non valido"},
		{"CITTÀ1", "non valido"},   // accents
		{"VE1234\n", "non valido"}, // control characters
		{" VE1234", "non valido"},  // untrimmed
	}
	for _, tt := range tests {
		err := CheckNumber(tt.in)
		switch {
		case tt.wantMsg == "" && err != nil:
			t.Errorf("CheckNumber(%q): %v, want accepted", tt.in, err)
		case tt.wantMsg != "" && err == nil:
			t.Errorf("CheckNumber(%q) accepted, want %q", tt.in, tt.wantMsg)
		case tt.wantMsg != "" && !strings.Contains(err.Error(), tt.wantMsg):
			t.Errorf("CheckNumber(%q) = %q, want it to contain %q", tt.in, err, tt.wantMsg)
		case err != nil && !IsRule(err):
			t.Errorf("CheckNumber(%q): %v is not a domain rule error", tt.in, err)
		}
	}
}

// P2: a manual number warns, and says the gap it leaves in the sequence.
func TestManualNumberWarning(t *testing.T) {
	const generic = "numero inserito a mano: non segue la numerazione automatica del circuito"
	tests := []struct {
		typed, proposed string
		want            string
	}{
		{"L736_2024_00015", "L736_2024_00015", ""},
		{"L736_2024_00020", "L736_2024_00015", "numero inserito a mano: la numerazione salterà da 00015 a 00020"},
		{"L736_2024_00016", "L736_2024_00015", "numero inserito a mano: la numerazione salterà da 00015 a 00016"},
		{"L736_2024_00010", "L736_2024_00015", generic}, // behind the sequence: no gap, maybe taken
		{"L736_2023_00020", "L736_2024_00015", generic}, // another year
		{"G224_2024_00020", "L736_2024_00015", generic}, // another comune
		{"VE-1234", "L736_2024_00015", generic},         // legacy style
		{"l736_2024_00020", "L736_2024_00015", generic},
	}
	for _, tt := range tests {
		if got := ManualNumberWarning(tt.typed, tt.proposed); got != tt.want {
			t.Errorf("ManualNumberWarning(%q, %q) = %q, want %q", tt.typed, tt.proposed, got, tt.want)
		}
	}
}
