package store

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"os"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
)

// Codici fiscali: packed (16 of 0-9A-Z) and not (lower case, other symbols, lengths).
var cfs = []string{"", "ZNCVTR25R53Z100T", "0000000000000000", "ZZZZZZZZZZZZZZZZ", "9ZA09ZA09ZA09ZA0", "ZNCVTR25R53Z100t",
	"ZNCVTR25R53Z100", "ZNCVTR25R53Z100TX", "ZNCVTR25R53Z10@T", "ZNCVTR25R53Z10[T", "ZNCVTR25R53Z10/T", "ZNCVTR25R53Z10:T", "ÀNCVTR25R53Z10T"}

func pick[T any](r *rand.Rand, xs ...T) T { return xs[r.IntN(len(xs))] }

// randPass draws every field from a small pool, so that the fields the codec writes as
// "the same as another" coincide often, and often almost (another zone, a nanosecond).
func randPass(r *rand.Rand) domain.Pass {
	t1 := time.Date(2026, 12, 3, 10, 0, 7, 0, time.UTC)
	times := []time.Time{{}, t1, t1.Add(time.Nanosecond), t1.In(time.FixedZone("", 3600)), t1.Add(time.Hour),
		time.Date(1969, 12, 31, 23, 59, 59, 0, time.UTC), t1.Local()}
	d1 := domain.MustDate(2022, time.September, 14)
	dates := []domain.Date{{}, d1, d1.AddDays(3), d1.AddDays(-40), d1.AddYears(5), domain.MustDate(1970, 1, 1), domain.MustDate(1899, 12, 31)}
	comuni := []string{"", "L736", "E349", "l736", "ROMA"}
	by := []string{"", "import", "mario.rossi"}
	chans := append(append([]string{}, channelCodes...), "", "posta")
	p := domain.Pass{ID: r.Uint64N(300000), Lineage: r.Uint64N(300000), PrevID: r.Uint64N(3), NextID: r.Uint64N(3),
		PreviousNumber: pick(r, "", "C735_2020_00798"), Comune: pick(r, comuni...), IssuingComune: pick(r, comuni...),
		PersonID: r.Uint64N(1e6), HolderCF: pick(r, cfs...), HolderName: pick(r, "", "ZANCHETTA VITTORIA"),
		Kind:         domain.Kind(pick(r, append(append([]string{}, kindCodes...), "", "X")...)),
		DataRilascio: pick(r, dates...), DataDecorrenza: pick(r, dates...), DataScadenza: pick(r, dates...),
		State:     domain.State(pick(r, append(append([]string{}, stateCodes...), "", "nuovo")...)),
		StateFrom: pick(r, dates...), StateReason: pick(r, "", "motivo"), TransferredTo: pick(r, "", "E349"),
		Duplicate:       r.IntN(2) == 0,
		DuplicateReason: domain.DuplicateReason(pick(r, append(append([]string{}, dupCodes...), "", "altro")...)),
		Edition:         r.IntN(5) - 1, Channel: domain.Channel(pick(r, chans...)), NextPlateID: uint32(r.IntN(5)),
		Note: pick(r, "", "nota"), ImportFile: pick(r, "", "region.csv"), Version: r.Uint64N(4),
		CreatedAt: pick(r, times...), CreatedBy: pick(r, by...), UpdatedAt: pick(r, times...), UpdatedBy: pick(r, by...)}
	p.Denuncia.Numero, p.Denuncia.Data = pick(r, "", "12/2026"), pick(r, dates...)
	p.National.Consent, p.National.CudeID = r.IntN(2) == 0, pick(r, "", "CUDE1")
	p.National.Status = domain.NationalStatus(pick(r, append(append([]string{}, natStateCodes...), "", "boh")...))
	iss := p.IssuingComune
	switch r.IntN(6) {
	case 0, 1:
		p.Number = domain.FormatNumber(iss, p.DataRilascio.Year()+r.IntN(3)-1, r.IntN(100000))
	case 2:
		p.Number = domain.FormatNumber(iss, r.IntN(10000), r.IntN(100000))
	case 3:
		p.Number = domain.FormatNumber("L736", 2026, r.IntN(100000))
	case 4:
		p.Number = pick(r, "", "L736_2026_0001", "L736_2026_000001", iss+"_20x6_00001", "VE/123", iss+"_2026_00001 ")
	case 5:
		p.Number = domain.FormatNumber(iss, 2026, 100000+r.IntN(10))
	}
	p.Lineage = pick(r, p.ID, p.Lineage, 0)
	for k := range r.IntN(7) {
		p.Plates = append(p.Plates, domain.Plate{ID: pick(r, 0, uint32(k+1), uint32(k), uint32(k+2), uint32(r.IntN(300))), Number: pick(r, "", "EH949CL"), Country: pick(r, "", "IT", "D"),
			Class: domain.PlateClass(pick(r, append(append([]string{}, classCodes...), "", "carro")...)),
			From:  pick(r, dates...), To: pick(r, dates...),
			Role:    domain.PlateRole(pick(r, append(append([]string{}, roleCodes...), "", "terza")...)),
			AddedAt: pick(r, times...), AddedBy: pick(r, by...), Channel: domain.Channel(pick(r, chans...))})
	}
	return p
}

// instantsOf lists the instants of a pass with their zone offsets (JSON keeps the
// offset but not whether a zone of offset 0 is UTC or Local, which the codec does
// not keep either).
func sameInstants(t *testing.T, i int, got, want domain.Pass) {
	t.Helper()
	pairs := [][2]time.Time{{got.CreatedAt, want.CreatedAt}, {got.UpdatedAt, want.UpdatedAt}}
	for k := range want.Plates {
		pairs = append(pairs, [2]time.Time{got.Plates[k].AddedAt, want.Plates[k].AddedAt})
	}
	for _, pr := range pairs {
		_, og := pr[0].Zone()
		_, ow := pr[1].Zone()
		if !pr[0].Equal(pr[1]) || og != ow || pr[0].IsZero() != pr[1].IsZero() {
			t.Fatalf("%d: instant %v, want %v", i, pr[0], pr[1])
		}
	}
}

// #14.1: the smaller pass record (codes for known words, "the same as" bits, instants
// in seconds, dates as differences, the circuit number as its progressive) gives back
// every pass exactly, the coincidences and the near misses alike.
func TestCompactPassCoincidences(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 3))
	for i := range 50000 {
		p := randPass(r)
		raw := appendPass(nil, &p)
		var got domain.Pass
		if err := decodePass(raw, &got); err != nil {
			t.Fatalf("%d: %v\n%+v", i, err, p)
		}
		sameInstants(t, i, got, p)
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(p)
		if string(g) != string(w) {
			t.Fatalf("%d: decoded\n%s\nwant\n%s", i, g, w)
		}
	}
}

// #14.1: a pass as the import writes it (the fields that repeat another written once)
// takes under 140 bytes; what the earlier codec wrote is still read the same.
func TestCompactPassImportSize(t *testing.T) {
	at := time.Date(2026, 12, 3, 16, 32, 27, 0, time.UTC)
	d := domain.MustDate(2022, time.September, 14)
	p := domain.Pass{ID: 120000, Lineage: 120000, Number: "E349_2022_00001", Comune: "E349", IssuingComune: "E349",
		PersonID: 120000, HolderCF: "ZNCVTR25R53Z100T", HolderName: "ZANCHETTA VITTORIA", Kind: domain.Permanente,
		DataRilascio: d, DataDecorrenza: d, DataScadenza: d.AddYears(5), State: domain.Attivo, Channel: domain.Import,
		NextPlateID: 2, ImportFile: "region.csv", Version: 1, CreatedAt: at, CreatedBy: "import", UpdatedAt: at, UpdatedBy: "import"}
	p.National.Consent, p.National.Status = true, domain.NationalPending
	for i, n := range []string{"EH949CL", "CT682LR"} {
		p.Plates = append(p.Plates, domain.Plate{ID: uint32(i + 1), Number: n, Country: "IT", Class: domain.PlateAuto,
			From: d, Role: domain.RolePrincipale, AddedAt: at, AddedBy: "import", Channel: domain.Import})
	}
	raw := appendPass(nil, &p)
	if len(raw) > 140 {
		t.Errorf("an imported pass with two plates takes %d bytes", len(raw))
	}
	t.Logf("imported pass, two plates: %d bytes", len(raw))
}

// #14.1: pass records the codec wrote before the smaller fields (random passes of
// randPass, encoded by the codec of commit 06d799a) read as they did then.
func TestCompactPassEarlierRecords(t *testing.T) {
	data, err := os.ReadFile("testdata/passes-codec-before-14.txt")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if len(lines) < 30 {
		t.Fatalf("%d records", len(lines))
	}
	for i, line := range lines {
		h, want, _ := strings.Cut(line, " ")
		raw, err := hex.DecodeString(h)
		if err != nil {
			t.Fatal(err)
		}
		var p domain.Pass
		if err := decodePass(raw, &p); err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		if got, _ := json.Marshal(p); string(got) != want {
			t.Fatalf("%d: read\n%s\nwritten\n%s", i, got, want)
		}
	}
}

// #14.1: a person reads back exactly, residence and instants alike, whether they
// repeat another field or not.
func TestCompactPersonCoincidences(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 4))
	t1 := time.Date(2026, 12, 3, 10, 0, 7, 0, time.UTC)
	for i := range 20000 {
		p := domain.Person{ID: r.Uint64N(1e6), Comune: pick(r, "", "E349", "L736"), CodiceFiscale: pick(r, cfs...),
			Cognome: "ZANCHETTA", Sesso: pick(r, "", "F", "M"), DataNascita: pick(r, domain.Date{}, domain.MustDate(1925, 10, 13)),
			ComuneResidenza: pick(r, "", "E349", "L736"), HasPhoto: r.IntN(2) == 0, Version: r.Uint64N(3),
			UpdatedAt: pick(r, time.Time{}, t1, t1.Add(time.Nanosecond), t1.In(time.FixedZone("", -7200))), UpdatedBy: pick(r, "", "cli")}
		var got domain.Person
		if err := decodePerson(appendPerson(nil, &p), &got); err != nil {
			t.Fatal(err)
		}
		_, og := got.UpdatedAt.Zone()
		_, ow := p.UpdatedAt.Zone()
		if !got.UpdatedAt.Equal(p.UpdatedAt) || og != ow {
			t.Fatalf("%d: UpdatedAt %v, want %v", i, got.UpdatedAt, p.UpdatedAt)
		}
		g, _ := json.Marshal(got)
		w, _ := json.Marshal(p)
		if string(g) != string(w) {
			t.Fatalf("%d: decoded\n%s\nwant\n%s", i, g, w)
		}
	}
}

// #14.1: a packed codice fiscale with a symbol beyond Z, or not 12 bytes, is a
// damaged record, not a made-up code.
func TestPackedCFDamaged(t *testing.T) {
	bad := [][]byte{
		append([]byte{magicPerson, qCFPacked<<1 | wireBytes, 12}, bytes.Repeat([]byte{0xFF}, 12)...),
		append([]byte{magicPerson, qCFPacked<<1 | wireBytes, 11}, bytes.Repeat([]byte{0}, 11)...),
		append([]byte{magicPass, pHolderCFPacked<<1 | wireBytes, 13}, bytes.Repeat([]byte{0}, 13)...),
	}
	var q domain.Person
	if err := decodePerson(bad[0], &q); err == nil {
		t.Errorf("symbols beyond Z read as %q", q.CodiceFiscale)
	}
	if err := decodePerson(bad[1], &q); err == nil {
		t.Errorf("11 bytes read as %q", q.CodiceFiscale)
	}
	var p domain.Pass
	if err := decodePass(bad[2], &p); err == nil {
		t.Errorf("13 bytes read as %q", p.HolderCF)
	}
	ok := append([]byte{magicPerson, qCFPacked<<1 | wireBytes, 12}, bytes.Repeat([]byte{0}, 12)...)
	if err := decodePerson(ok, &q); err != nil || q.CodiceFiscale != "0000000000000000" {
		t.Errorf("zeros: %q, %v", q.CodiceFiscale, err)
	}
}
