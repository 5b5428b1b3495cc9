package store

import (
	"encoding/json"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"vivipass/national"
)

// Strings that exercise encoding/json's escaping: quotes, controls, HTML, invalid
// UTF-8, U+2028/2029, accents.
var jsonHard = []string{"", "LÀZZARO", `a"b\c`, "<b>&amp;</b>", "\x00\x01\x1f\b\f\n\r\t", "\xff\xfe", "x\u2028y\u2029z",
	"é\xc3", "€ 12,50", "D'ANGELO", "\x7f", "ZNCVTR25R53Z100T", "ZNCVTR25R53Z100t", "ZNCVTR25R53Z100", "2022-09-14", "0001-01-01", "2022-9-14", "20220914"}

func randString(r *rand.Rand) string {
	if r.IntN(3) == 0 {
		return jsonHard[r.IntN(len(jsonHard))]
	}
	b := make([]byte, r.IntN(12))
	for i := range b {
		b[i] = byte(r.IntN(256))
	}
	return string(b)
}

func randChange(r *rand.Rand) national.Change {
	c := national.Change{Key: randString(r), Kind: randString(r), Comune: randString(r), CudeID: randString(r),
		Number: randString(r), PreviousNumber: randString(r), CodiceFiscale: randString(r), Cognome: randString(r),
		Nome: randString(r), DataRilascio: randString(r), DataScadenza: randString(r), Date: randString(r),
		Reason: randString(r), Destination: randString(r)}
	switch n := r.IntN(4); n {
	case 0: // nil
	case 1:
		c.Plates = []national.Plate{}
	default:
		for range n - 1 {
			c.Plates = append(c.Plates, national.Plate{Number: randString(r), Country: randString(r)})
		}
	}
	return c
}

// #14.1: the message of a compact job is given back as the very bytes json.Marshal
// wrote for it (the service unmarshals them; the platform's request is made from them).
func TestChangeJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	parsed := 0
	for i := range 20000 {
		c := randChange(r)
		if i%3 == 0 { // a usual message: no escapes
			plain := func() string {
				return pick(r, "", "E349_2022_00001", "LÀZZARO", "D'ANGELO", "2022-09-14", "ZNCVTR25R53Z100T", "€ 1,00")
			}
			c = national.Change{Key: plain(), Kind: plain(), Comune: plain(), CudeID: plain(), Number: plain(), PreviousNumber: plain(),
				CodiceFiscale: plain(), Cognome: plain(), Nome: plain(), DataRilascio: plain(), DataScadenza: plain(),
				Date: plain(), Reason: plain(), Destination: plain()}
			for range r.IntN(4) - 1 {
				c.Plates = append(c.Plates, national.Plate{Number: plain(), Country: plain()})
			}
			if c.Plates == nil && r.IntN(2) == 0 {
				c.Plates = []national.Plate{}
			}
		}
		want, err := json.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendChangeJSON(nil, &c); string(got) != string(want) {
			t.Fatalf("%d: appendChangeJSON\n%s\nwant json.Marshal's\n%s", i, got, want)
		}
		// Read back without reflection: the very message, or false (an escape).
		var back national.Change
		if parseChangeJSON(want, &back) {
			parsed++
			if !reflect.DeepEqual(back, c) {
				t.Fatalf("%d: parseChangeJSON read\n%+v\nof\n%s", i, back, want)
			}
		} else if !strings.Contains(string(want), `\`) {
			t.Fatalf("%d: parseChangeJSON refused a message without escapes:\n%s", i, want)
		}
		for _, cut := range []int{1, len(want) / 2, len(want) - 1} {
			if parseChangeJSON(want[:cut], &back) {
				t.Fatalf("%d: a message cut at %d reads", i, cut)
			}
		}
	}
	if parsed < 100 {
		t.Fatalf("only %d messages read without escapes", parsed)
	}
	t.Logf("%d of 20000 read without encoding/json", parsed)
}

// A field added to national.Change must be added to the codec and to appendChangeJSON
// (until it is, such messages are stored as their JSON bytes: larger, never altered).
func TestChangeJSONFields(t *testing.T) {
	if n := reflect.TypeOf(national.Change{}).NumField(); n != 15 {
		t.Fatalf("national.Change has %d fields, the job codec knows 15: add the new ones to jobcodec.go", n)
	}
	if n := reflect.TypeOf(national.Plate{}).NumField(); n != 2 {
		t.Fatalf("national.Plate has %d fields, the job codec knows 2", n)
	}
	if n := reflect.TypeOf(OutboxJob{}).NumField(); n != 13 {
		t.Fatalf("OutboxJob has %d fields, the job codec knows 13: add the new ones to jobcodec.go", n)
	}
}

func sameJob(t *testing.T, i int, got, want OutboxJob) {
	t.Helper()
	for _, p := range []struct {
		name string
		a, b time.Time
	}{{"Created", got.Created, want.Created}, {"NextTry", got.NextTry, want.NextTry}, {"Done", got.Done, want.Done}} {
		if !p.a.Equal(p.b) || p.a.IsZero() != p.b.IsZero() {
			t.Fatalf("%d: %s = %v, want %v", i, p.name, p.a, p.b)
		}
	}
	got.Created, got.NextTry, got.Done = want.Created, want.NextTry, want.Done
	if string(got.Change) != string(want.Change) {
		t.Fatalf("%d: Change =\n%s\nwant\n%s", i, got.Change, want.Change)
	}
	got.Change = want.Change
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%d: decoded\n%+v\nwant\n%+v", i, got, want)
	}
}

// #14.1: a job reads back as it was written, whatever its key, kind, state, times and
// message (canonical or not); a job of the JSON form is still read.
func TestJobCodecRoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2))
	kinds := append(append([]string{}, jobKindCodes...), "", "altro", "rilascio ")
	states := append(append([]string{}, jobStateCodes...), "", "strano")
	instant := func() time.Time {
		switch r.IntN(5) {
		case 0:
			return time.Time{}
		case 4:
			return time.Unix(r.Int64N(4e9), 0).UTC()
		case 1:
			return time.Unix(r.Int64N(4e9), r.Int64N(1e9)).UTC()
		case 2:
			return time.Unix(r.Int64N(4e9), 0).In(time.FixedZone("", 3600))
		}
		return time.Unix(-r.Int64N(6e10), r.Int64N(1e9)).UTC()
	}
	for i := range 20000 {
		j := OutboxJob{Seq: r.Uint64N(1 << uint(r.IntN(64))), Kind: kinds[r.IntN(len(kinds))], PassID: r.Uint64N(1e6),
			Comune: randString(r), Created: instant(), State: JobState(states[r.IntN(len(states))]),
			Attempts: r.IntN(200) - 100, LastError: randString(r), NextTry: instant(), Done: instant()}
		if r.IntN(2) == 0 {
			j.Lineage = j.PassID
		} else {
			j.Lineage = r.Uint64()
		}
		switch r.IntN(5) {
		case 0, 1:
			j.Key = jobKey(j.Lineage, r.Uint64N(1<<uint(r.IntN(64))), j.Kind)
		case 2:
			j.Key = randString(r)
		case 3:
			j.Key = jobKey(j.Lineage, r.Uint64N(100), "x") // another kind
		case 4:
			j.Key = strings.Replace(jobKey(j.Lineage, 7, j.Kind), "-7-", "-07-", 1) // a leading zero
		}
		switch r.IntN(5) {
		case 0: // none (jobs before schema 5)
		case 1: // not json.Marshal's bytes: kept as they are
			j.Change = json.RawMessage(`{"tipo": "rilascio", "extra": 1}`)
		case 2:
			j.Change = json.RawMessage(`{"chiave_idempotenza":"","tipo":"","comune":"","numero_contrassegno":"","codice_fiscale":"","cognome":"","nome":"","data_rilascio":"","data_scadenza":"","targhe":null}`)
		default:
			c := randChange(r)
			if r.IntN(2) == 0 {
				c.Kind, c.Comune = j.Kind, j.Comune
			}
			j.Change, _ = json.Marshal(c)
		}
		got, err := DecodeJob(EncodeJob(j))
		if err != nil {
			t.Fatalf("%d: %v (%+v)", i, err, j)
		}
		sameJob(t, i, got, j)
		old, err := json.Marshal(j) // the JSON form of earlier versions
		if err != nil {
			t.Fatal(err)
		}
		var want OutboxJob
		if err := json.Unmarshal(old, &want); err != nil {
			t.Fatal(err)
		}
		got, err = DecodeJob(old)
		if err != nil {
			t.Fatalf("%d: JSON job: %v", i, err)
		}
		sameJob(t, i, got, want)
		open, err := jobOpen(EncodeJob(j))
		if err != nil || open != j.Open() {
			t.Fatalf("%d: jobOpen = %v, %v; want %v", i, open, err, j.Open())
		}
	}
}

// #14.1: a damaged compact job is an error, not a panic or a job of garbage.
func TestJobCodecDamaged(t *testing.T) {
	c, _ := json.Marshal(national.Change{Kind: "rilascio", Comune: "L736", Number: "L736_2026_00001", DataRilascio: "2026-01-02",
		Plates: []national.Plate{{Number: "AB123CD", Country: "IT"}}})
	raw := EncodeJob(OutboxJob{Seq: 3, Key: "9-1-rilascio", Kind: "rilascio", Lineage: 9, PassID: 9, Comune: "L736",
		Created: time.Now(), State: JobPending, Change: c})
	for n := 1; n < len(raw); n++ {
		j, err := DecodeJob(raw[:n])
		if err == nil && string(j.Change) == string(c) && n < len(raw) {
			t.Fatalf("cut at %d of %d: read whole", n, len(raw))
		}
	}
	if _, err := DecodeJob(nil); err == nil {
		t.Fatal("an empty record reads")
	}
	if _, err := DecodeJob([]byte{magicPass, 2, 1}); err == nil {
		t.Fatal("a pass record reads as a job")
	}
}
