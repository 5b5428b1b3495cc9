package domain

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestComuneByCode(t *testing.T) {
	tests := []struct {
		code, name, prov, istat, region string
	}{
		{"L736", "VENEZIA", "VE", "027042", "05"},
		{"l736", "VENEZIA", "VE", "027042", "05"},
		{" G224 ", "PADOVA", "PD", "028060", "05"},
		{"L781", "VERONA", "VR", "023091", "05"},
		{"L219", "TORINO", "TO", "001272", "01"},
		{"A001", "ABANO TERME", "PD", "028001", "05"},
		{"D704", "FORLÌ", "FC", "040012", "08"},
	}
	for _, tt := range tests {
		p, ok := ComuneByCode(tt.code)
		if !ok {
			t.Errorf("ComuneByCode(%q): not found", tt.code)
			continue
		}
		if p.Name != tt.name || p.Province != tt.prov || p.Istat != tt.istat || p.Region != tt.region ||
			!p.Active || p.Foreign || !p.To.IsZero() {
			t.Errorf("ComuneByCode(%q) = %+v", tt.code, p)
		}
	}
	for _, code := range []string{"", "X000", "Z112", "A000", "ND"} {
		if p, ok := ComuneByCode(code); ok {
			t.Errorf("ComuneByCode(%q) = %+v, want none", code, p)
		}
	}
}

func TestComuneAtHistory(t *testing.T) {
	tests := []struct {
		code string
		at   Date
		name string // "" = no row valid at that date
		prov string
	}{
		{"A001", MustDate(1900, 1, 1), "ABANO", "PD"},
		{"A001", MustDate(1924, 11, 13), "ABANO", "PD"},
		{"A001", MustDate(1924, 11, 14), "ABANO TERME", "PD"},
		{"A001", MustDate(2020, 5, 5), "ABANO TERME", "PD"},
		{"A001", MustDate(1850, 1, 1), "", ""},
		{"a001", Date{}, "ABANO TERME", "PD"}, // no date: most recent row
		{"D704", MustDate(1980, 1, 1), "FORLÌ", "FO"},
		{"D704", MustDate(2000, 1, 1), "FORLÌ", "FC"},
		{"F861", MustDate(2000, 1, 1), "NEGRAR", "VR"},
		{"F861", MustDate(2019, 2, 23), "NEGRAR DI VALPOLICELLA", "VR"},
		{"M402", MustDate(1950, 1, 1), "", ""}, // Borgo Veneto exists since 2018
		{"M402", MustDate(2018, 2, 17), "BORGO VENETO", "PD"},
		{"L736", MustDate(1950, 6, 1), "VENEZIA", "VE"},
		{"Z112", MustDate(1950, 6, 1), "", ""}, // states are not comuni
	}
	for _, tt := range tests {
		p, ok := ComuneAt(tt.code, tt.at)
		if tt.name == "" {
			if ok {
				t.Errorf("ComuneAt(%q, %s) = %+v, want none", tt.code, tt.at, p)
			}
			continue
		}
		if !ok || p.Name != tt.name || p.Province != tt.prov {
			t.Errorf("ComuneAt(%q, %s) = %+v, %v; want %s (%s)", tt.code, tt.at, p, ok, tt.name, tt.prov)
		}
	}
	h := ComuneHistory("A001")
	if len(h) != 2 || h[0].Name != "ABANO" || h[1].Name != "ABANO TERME" || h[0].Active || !h[1].Active {
		t.Errorf("ComuneHistory(A001) = %+v", h)
	}
	if !h[0].To.Equal(MustDate(1924, 11, 13)) || !h[1].From.Equal(MustDate(1924, 11, 14)) {
		t.Errorf("A001 periods: %s-%s, %s-", h[0].From, h[0].To, h[1].From)
	}
}

func TestStateAt(t *testing.T) {
	p, ok := StateAt("z112", MustDate(1960, 3, 3))
	if !ok || p.Name != "GERMANIA" || p.ISO3 != "DEU" || !p.Foreign || p.Province != ForeignProvince || !p.Active {
		t.Errorf("StateAt(Z112) = %+v, %v", p, ok)
	}
	if p, ok := StateAt("Z200", Date{}); !ok || p.Name != "AFGHANISTAN" {
		t.Errorf("StateAt(Z200) = %+v, %v", p, ok)
	}
	if p, ok := StateAt("Z100", MustDate(1890, 1, 1)); ok {
		t.Errorf("StateAt(Z100, 1890) = %+v, want none: the table starts in 1900", p)
	}
	for _, code := range []string{"Z999", "L736", ""} {
		if p, ok := StateAt(code, Date{}); ok {
			t.Errorf("StateAt(%q) = %+v, want none", code, p)
		}
	}
	states := AllForeignStates()
	if len(states) != 214 || !slices.IsSortedFunc(states, func(a, b Place) int { return strings.Compare(a.Code, b.Code) }) {
		t.Errorf("AllForeignStates: %d states (want 208 of ANPR and 6 ceased of Istat), sorted %v", len(states),
			slices.IsSortedFunc(states, func(a, b Place) int { return strings.Compare(a.Code, b.Code) }))
	}
}

func TestLookupPlace(t *testing.T) {
	today := MustDate(2025, 6, 1)
	tests := []struct {
		in      string
		at      Date
		code    string
		name    string
		errPart string // non-empty: an error containing this is expected
	}{
		{"L736", today, "L736", "VENEZIA", ""},
		{"l736", Date{}, "L736", "VENEZIA", ""},
		{"Venezia", today, "L736", "VENEZIA", ""},
		{"  venezia ", today, "L736", "VENEZIA", ""},
		{"Padova", today, "G224", "PADOVA", ""},
		{"VERONA", today, "L781", "VERONA", ""},
		{"Forlì", today, "D704", "FORLÌ", ""},
		{"FORLI'", today, "D704", "FORLÌ", ""},
		{"forli", today, "D704", "FORLÌ", ""},
		{"Forli`", Date{}, "D704", "FORLÌ", ""},
		{"Reggio nell'Emilia", today, "H223", "REGGIO NELL'EMILIA", ""},
		{"reggio nell emilia", today, "H223", "REGGIO NELL'EMILIA", ""},
		{"San Donà di Piave", today, "H823", "SAN DONÀ DI PIAVE", ""},
		{"SAN DONA' DI PIAVE", today, "H823", "SAN DONÀ DI PIAVE", ""},
		{"Bozen", today, "A952", "BOLZANO", ""},
		{"Abano Terme (PD)", today, "A001", "ABANO TERME", ""},
		{"abano terme(pd)", today, "A001", "ABANO TERME", ""},
		{"Abano", MustDate(1900, 1, 1), "A001", "ABANO", ""},
		{"A001", MustDate(1900, 1, 1), "A001", "ABANO", ""},
		{"A001", MustDate(1800, 1, 1), "A001", "ABANO", ""}, // before every row: the first
		{"Negrar", today, "F861", "NEGRAR", ""},             // ceased name: its last row
		{"Castro (LE)", today, "M261", "CASTRO", ""},
		{"Castro (bg)", today, "C337", "CASTRO", ""},
		{"Castro", today, "", "", `il nome "Castro" indica più comuni: CASTRO (BG) codice C337, CASTRO (LE) codice M261`},
		{"San Teodoro", today, "", "", "SAN TEODORO (ME) codice I328, SAN TEODORO (SS) codice I329"},
		{"San Martino", today, "", "", "SAN MARTINO (BZ) codice H988, SAN MARTINO (BZ) codice H989; usare il codice catastale"},
		{"St. Martin in Thurn", today, "H988", "SAN MARTINO IN BADIA", ""},
		{"Germania", today, "Z112", "GERMANIA", ""},
		{"z112", today, "Z112", "GERMANIA", ""},
		{"Stati Uniti d'America", today, "Z404", "STATI UNITI D'AMERICA", ""},
		{"Palau", today, "G258", "PALAU", ""}, // the comune comes before the state
		{"Palau (EE)", today, "Z734", "PALAU", ""},
		{"Sant'Elena", today, "I319", "SANT'ELENA", ""},
		{"XYZ", today, "", "", `luogo "XYZ" sconosciuto`},
		{"Padova (VR)", today, "", "", "in provincia di PD"},
		{"Germania (MI)", today, "", "", `luogo "Germania (MI)" sconosciuto`},
		{"A000", today, "", "", `codice catastale "A000" sconosciuto`},
		{"Z999", today, "Z999", "STATO ESTERO CESSATO (Z999)", ""}, // never a blank (issue #8)
		{"", today, "", "", "luogo mancante"},
		{"'-", today, "", "", "sconosciuto"},
	}
	for _, tt := range tests {
		p, err := LookupPlace(tt.in, tt.at)
		if tt.errPart != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errPart) {
				t.Errorf("LookupPlace(%q) = %+v, %v; want error containing %q", tt.in, p, err, tt.errPart)
			} else if !IsRule(err) {
				t.Errorf("LookupPlace(%q): error %v is not a domain rule error", tt.in, err)
			}
			continue
		}
		if err != nil || p.Code != tt.code || p.Name != tt.name {
			t.Errorf("LookupPlace(%q, %s) = %s %s, %v; want %s %s", tt.in, tt.at, p.Code, p.Name, err, tt.code, tt.name)
		}
	}
}

func TestComuniOfRegionVeneto(t *testing.T) {
	const venetoActive = 563 // computed from ANPR_archivio_comuni.csv: STATO=A, IDREGIONE=05
	veneto := ComuniOfRegion("05")
	if len(veneto) != venetoActive || len(veneto) < 500 || len(veneto) > 600 {
		t.Fatalf("Veneto has %d active comuni, want %d", len(veneto), venetoActive)
	}
	if got := len(ComuniOfRegion("5")); got != venetoActive {
		t.Errorf(`ComuniOfRegion("5") = %d comuni`, got)
	}
	for i, p := range veneto {
		if p.Region != "05" || !p.Active || p.Foreign {
			t.Errorf("Veneto comune %+v", p)
		}
		if i > 0 && veneto[i-1].Code >= p.Code {
			t.Errorf("not sorted by code at %d: %s, %s", i, veneto[i-1].Code, p.Code)
		}
	}
	provinces := map[string]int{}
	for _, p := range veneto {
		provinces[p.Province]++
	}
	for _, pr := range []string{"BL", "PD", "RO", "TV", "VE", "VI", "VR"} {
		if provinces[pr] == 0 {
			t.Errorf("no active comune in provincia %s", pr)
		}
	}
	if len(provinces) != 7 {
		t.Errorf("Veneto provinces: %v", provinces)
	}
	for _, code := range []string{"L736", "G224", "L781", "A001", "M402"} {
		if _, found := slices.BinarySearchFunc(veneto, code, func(p Place, c string) int { return strings.Compare(p.Code, c) }); !found {
			t.Errorf("%s missing from Veneto", code)
		}
	}
	// The result is the caller's: changing it leaves the table alone.
	veneto[0].Name = "CAMBIATO"
	if ComuniOfRegion("05")[0].Name == "CAMBIATO" {
		t.Error("ComuniOfRegion returns the shared table")
	}
	if got := ComuniOfRegion("99"); len(got) != 0 {
		t.Errorf("region 99: %d comuni", len(got))
	}
}

func TestAllActiveComuni(t *testing.T) {
	all := AllActiveComuni()
	if len(all) != 7901 { // STATO=A rows in ANPR_archivio_comuni.csv, one per codice catastale
		t.Errorf("%d active comuni, want 7901", len(all))
	}
	for i, p := range all {
		if !p.Active || !p.To.IsZero() || !isPlaceCode(p.Code) || p.Code[0] == 'Z' {
			t.Errorf("active comune %+v", p)
		}
		if i > 0 && all[i-1].Code >= p.Code {
			t.Errorf("not sorted or duplicate at %d: %s, %s", i, all[i-1].Code, p.Code)
		}
	}
}

func TestPlaceKey(t *testing.T) {
	for in, want := range map[string]string{
		"Forlì":               "FORLI",
		"FORLI'":              "FORLI",
		"forli":               "FORLI",
		"Reggio nell’Emilia":  "REGGIONELLEMILIA",
		"Castelnuovo-Rangone": "CASTELNUOVORANGONE",
		"Müller":              "MULLER",
		"Straße":              "STRASSE",
		"":                    "",
	} {
		if got := placeKey(in); got != want {
			t.Errorf("placeKey(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkLookupPlaceByName(b *testing.B) {
	at := MustDate(1960, 1, 1)
	for b.Loop() {
		if _, err := LookupPlace("San Donà di Piave", at); err != nil {
			b.Fatal(err)
		}
	}
}

// TestPlacesGenerated runs the generator on ../shared/data (when present) and checks the
// embedded files are what it writes: the tables are up to date and the generator is
// deterministic.
func TestPlacesGenerated(t *testing.T) {
	shared := filepath.Join("..", "..", "shared")
	if _, err := os.Stat(filepath.Join(shared, "data", "ANPR_archivio_comuni.csv")); err != nil {
		t.Fatal("ANPR data not found beside the repository (../shared/data):", err)
	}
	out := t.TempDir()
	cmd := exec.Command("go", "run", "./internal/genplaces", "-shared", shared, "-out", out,
		"-table", filepath.Join(out, "places_table.go"))
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("genplaces: %v\n%s", err, b)
	}
	for _, name := range []string{"places/comuni.tsv", "places/stati.tsv", "places_table.go"} {
		want, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(filepath.Join(out, filepath.Base(name)))
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != string(want) {
			t.Errorf("%s is stale: run go generate ./domain", name)
		}
	}
}

// TestCeasedStates: former foreign states have their historical names (issue #8, point
// 4), by code and by the names people use; a Z code of no table is never a blank.
func TestCeasedStates(t *testing.T) {
	for code, name := range map[string]string{
		"Z105": "CECOSLOVACCHIA", "Z111": "REPUBBLICA DEMOCRATICA TEDESCA",
		"Z118": "REPUBBLICA SOCIALISTA FEDERALE DI JUGOSLAVIA", "Z135": "UNIONE SOVIETICA",
		"Z157": "SERBIA E MONTENEGRO", "Z250": "YEMEN DEL SUD",
	} {
		p, ok := StateAt(code, Date{})
		if !ok || p.Name != name || p.Active || !p.Foreign || p.To.IsZero() {
			t.Errorf("StateAt(%s) = %+v, %v; want the ceased state %s", code, p, ok, name)
		}
		if got := PlaceName(code, MustDate(1970, 1, 1)); got != name {
			t.Errorf("PlaceName(%s) = %q, want %q", code, got, name)
		}
	}
	for in, code := range map[string]string{"Jugoslavia": "Z118", "URSS": "Z135", "Unione Sovietica": "Z135",
		"DDR": "Z111", "Germania Est": "Z111", "Cecoslovacchia": "Z105", "Germania": "Z112", "Federazione russa": "Z154"} {
		if p, err := LookupPlace(in, Date{}); err != nil || p.Code != code {
			t.Errorf("LookupPlace(%q) = %s, %v; want %s", in, p.Code, err, code)
		}
	}
	if got := PlaceName("Z999", Date{}); got != "STATO ESTERO CESSATO (Z999)" {
		t.Errorf("PlaceName(Z999) = %q", got)
	}
	// The end of a state is no rule on codici fiscali: born in Serbia e Montenegro after
	// it ended is only a note.
	got := CheckCFAgreement("JVNNAA05C43Z157P", CFPerson{BirthPlace: "Z157", Birth: MustDate(2007, 3, 3)}, MustDate(2026, 1, 1))
	if len(got) != 2 || got[0].Field != "data_nascita" || !got[1].Note {
		t.Errorf("Z157 in 2007: %+v", got)
	}
}
