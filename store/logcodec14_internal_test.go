package store

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/rand/v2"
	"path/filepath"
	"testing"
	"time"
)

func randQuery(r *rand.Rand) QueryEntry {
	at := time.Date(2026, 12, 3, 17, 45, 24, 366056350, time.UTC)
	rome := time.FixedZone("CET", 3600)
	ats := []time.Time{{}, at, at.Truncate(time.Second), at.In(rome), time.Date(1600, 1, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2300, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}.In(rome)}
	instants := []string{"", "2026-12-03T18:45:24+01:00", "2026-12-03T17:45:24Z", "2026-12-03T17:45:24.5Z", "2026-12-03",
		"2026-02-30", "2026-12-03T18:45:24+00:00", "2026-12-03T18:45:24-00:30", "1900-01-01T00:00:00+00:09", "domani", "2026-12-3",
		"0001-01-01", "9999-12-31T23:59:59+14:00"}
	words := func() string {
		s := ""
		for n := r.IntN(3); n > 0; n-- {
			switch r.IntN(4) {
			case 0:
				s += pick(r, queryPhrases.pre...)
			case 1:
				s += pick(r, queryPhrases.suf...)
			default:
				s += pick(r, "L407_2020_00170", "VK818ZR", "03/12/2026", " ", "\xff", "è")
			}
		}
		return s
	}
	return QueryEntry{Seq: pick[uint64](r, 0, 1, 1217107), At: pick(r, ats...), Client: words(), Endpoint: words(),
		Subject: words(), Instant: pick(r, instants...), Status: pick(r, 200, 0, 304, 404, 429, -1, 1<<40), Answer: words()}
}

func randFeed(r *rand.Rand) FeedChange {
	numbers := []string{"E522_2022_00002", "B844_2026_00023", "", "X", "_1"}
	days := []string{"", "2026-12-03", "2031-10-04", "0001-01-01", "9999-12-31", "2026-02-30", "03/12/2026", "2026-1-03"}
	c := FeedChange{Seq: pick[uint64](r, 0, 1, 10001), Lineage: pick[uint64](r, 0, 4277, 115396)}
	switch r.IntN(3) {
	case 1:
		c.Numbers = []string{}
	case 2:
		for n := r.IntN(3); n >= 0; n-- {
			c.Numbers = append(c.Numbers, pick(r, numbers...))
		}
	}
	switch r.IntN(3) {
	case 1:
		c.Rows = []FeedRow{}
	case 2:
		for n := r.IntN(4); n >= 0; n-- {
			c.Rows = append(c.Rows, FeedRow{Plate: pick(r, "", "AB123CD", "ZZ"), Country: pick(r, "", "IT", "D", "it"),
				From: pick(r, days...), To: pick(r, days...), Class: pick(r, append([]string{"", "x"}, classCodes...)...),
				Number: pick(r, numbers...), Comune: pick(r, "", "E522", "B844", "X", "_1")})
		}
	}
	return c
}

// #14.1: a query log entry and a feed change in the compact form decode to the value
// they were (the same JSON, nil and empty lists apart); their JSON form still reads.
func TestLogCodecsKeepTheJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 4))
	for i := range 20000 {
		q := randQuery(r)
		want, werr := json.Marshal(q)
		var got QueryEntry
		if err := decodeQuery(appendQuery(nil, &q), &got); err != nil {
			t.Fatalf("query %d: %v\n%s", i, err, want)
		}
		again, gerr := json.Marshal(got)
		_, o1 := q.At.Zone()
		_, o2 := got.At.Zone()
		if !bytes.Equal(want, again) || (werr == nil) != (gerr == nil) || !got.At.Equal(q.At) || o1 != o2 {
			t.Fatalf("query %d:\n%s (%v)\n%s (%v)", i, want, werr, again, gerr)
		}
		if werr == nil {
			var old QueryEntry
			if err := decodeQuery(want, &old); err != nil || !old.At.Equal(q.At) || old.Answer != q.Answer && utf8Clean(AuditEntry{Detail: q.Answer}) {
				t.Fatalf("query %d: the JSON form reads as %+v, %v", i, old, err)
			}
		}

		c := randFeed(r)
		want, _ = json.Marshal(c)
		var fc FeedChange
		if err := decodeFeed(appendFeed(nil, &c), &fc); err != nil {
			t.Fatalf("feed %d: %v\n%s", i, err, want)
		}
		if again, _ = json.Marshal(fc); !bytes.Equal(want, again) {
			t.Fatalf("feed %d:\n%s\n%s", i, want, again)
		}
		var old FeedChange
		if err := decodeFeed(want, &old); err != nil {
			t.Fatalf("feed %d: the JSON form: %v", i, err)
		}
		if j, _ := json.Marshal(old); !bytes.Equal(j, want) && utf8Clean(AuditEntry{Detail: string(want)}) {
			t.Fatalf("feed %d: the JSON form reads as\n%s\nnot\n%s", i, j, want)
		}
	}
}

// #14.1: the sizes of what the HTTP benchmark writes most (a plate check, a
// suspension's change), a third of their JSON or less.
func TestLogCodecsSize(t *testing.T) {
	q := QueryEntry{Seq: 1217107, At: time.Date(2026, 12, 3, 17, 45, 24, 366056350, time.UTC), Client: "bench-varco-39",
		Endpoint: "targhe", Subject: "VK818ZR", Instant: "2026-12-03T18:45:24+01:00", Status: 200,
		Answer: "non autorizzata: contrassegno L407_2020_00170 scaduto"}
	c := FeedChange{Seq: 10001, Lineage: 4277, Numbers: []string{"E522_2022_00002"}, Rows: []FeedRow{
		{Plate: "AB123CD", Country: "IT", From: "2022-06-01", To: "2027-06-01", Class: "autoveicolo", Number: "E522_2022_00002", Comune: "E522"}}}
	for _, x := range []struct {
		what string
		v    any
		raw  []byte
	}{{"query", q, appendQuery(nil, &q)}, {"feed change", c, appendFeed(nil, &c)}} {
		j, _ := json.Marshal(x.v)
		t.Logf("%s: JSON %d bytes, compact %d", x.what, len(j), len(x.raw))
		if len(x.raw)*3 > len(j) {
			t.Errorf("%s: compact %d bytes, JSON %d", x.what, len(x.raw), len(j))
		}
	}
	if q.Instant != "2026-12-03T18:45:24+01:00" {
		t.Fatal("changed")
	}
}

// #14.1: a register whose feed and query log were written as JSON by the previous
// vivipass goes on with compact values: the readers give back both, in order.
func TestLogsOldAndNew(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "r.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	at := time.Date(2026, 12, 3, 17, 0, 0, 5, time.UTC)
	old := []FeedChange{{Lineage: 1, Numbers: []string{"L736_2026_00001"}, Rows: []FeedRow{}}}
	oldQ := []QueryEntry{{At: at, Client: "varco", Endpoint: "targhe", Subject: "AB123CD", Status: 200, Answer: "autorizzata: contrassegno L736_2026_00001"}}
	legacyJSONRecords = true
	err = db.Update(func(tx *Tx) error {
		if err := tx.AppendFeed(old); err != nil {
			return err
		}
		return tx.AppendQueries(oldQ)
	})
	legacyJSONRecords = false
	if err != nil {
		t.Fatal(err)
	}
	newer := []FeedChange{{Lineage: 2, Numbers: []string{"L736_2026_00002"}, Rows: []FeedRow{{Plate: "ZZ999ZZ", Country: "IT",
		From: "2026-12-03", To: "2031-12-03", Class: "autoveicolo", Number: "L736_2026_00002", Comune: "L736"}}}}
	newQ := []QueryEntry{{At: at.Add(time.Second), Client: "varco", Endpoint: "targhe", Subject: "ZZ999ZZ", Instant: "2026-12-03T18:00:01+01:00", Status: 200, Answer: "autorizzata: contrassegno L736_2026_00002"}}
	if err := db.Update(func(tx *Tx) error {
		if err := tx.AppendFeed(newer); err != nil {
			return err
		}
		return tx.AppendQueries(newQ)
	}); err != nil {
		t.Fatal(err)
	}
	err = db.View(func(tx *Tx) error {
		raw := [][]byte{tx.bucket(bFeed).Get(u64(1)), tx.bucket(bFeed).Get(u64(2)), tx.bucket("querylog").Get(u64(1)), tx.bucket("querylog").Get(u64(2))}
		if raw[0][0] != '{' || raw[1][0] != magicFeed || raw[2][0] != '{' || raw[3][0] != magicQuery {
			t.Errorf("stored forms: %q %q %q %q", raw[0][:1], raw[1][:1], raw[2][:1], raw[3][:1])
		}
		changes, head, err := tx.Feed(0, 10)
		if err != nil {
			return err
		}
		old[0].Seq, newer[0].Seq = 1, 2
		want, _ := json.Marshal(append(old, newer...))
		if got, _ := json.Marshal(changes); head != 2 || !bytes.Equal(got, want) {
			t.Errorf("Feed = %d\n%s\nwant\n%s", head, got, want)
		}
		var qs []QueryEntry
		if err := tx.Queries(func(e QueryEntry) bool { qs = append(qs, e); return true }); err != nil {
			return err
		}
		oldQ[0].Seq, newQ[0].Seq = 1, 2
		want, _ = json.Marshal([]QueryEntry{newQ[0], oldQ[0]})
		if got, _ := json.Marshal(qs); !bytes.Equal(got, want) {
			t.Errorf("Queries =\n%s\nwant\n%s", got, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Update(func(tx *Tx) error {
		n, err := tx.PruneQueries(at.Add(time.Millisecond), 0)
		if n != 1 {
			t.Errorf("PruneQueries dropped %d, want the old one", n)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}

// #14.1: dates beyond years 1–9999 in a compact value are damage, not dates.
func TestLogCodecsDamagedDates(t *testing.T) {
	row := func(from, to int64) []byte {
		r := binary.AppendVarint(binary.AppendUvarint(nil, frFromDays<<1), from)
		r = binary.AppendVarint(binary.AppendUvarint(r, frToDays<<1), to)
		return append([]byte{magicFeed, fcRow<<1 | wireBytes, byte(len(r))}, r...)
	}
	var c FeedChange
	if err := decodeFeed(row(0, maxDay), &c); err != nil || c.Rows[0].To != "9999-12-31" {
		t.Errorf("the last day: %+v, %v", c.Rows, err)
	}
	for _, raw := range [][]byte{row(maxDay+1, 0), row(0, maxDay+1), row(maxDay, -1<<63), row(minDay, -1),
		binary.AppendVarint([]byte{magicQuery, qlInstantDay << 1}, minDay-1)} {
		var q QueryEntry
		if decodeFeed(raw, &c) == nil && raw[0] == magicFeed || decodeQuery(raw, &q) == nil && raw[0] == magicQuery {
			t.Errorf("%x decoded: %+v %+v", raw, c, q)
		}
	}
}

// #14.1: a damaged or hostile query log entry or feed change is an error or some
// value, never a panic; what decodes encodes and decodes again to the same.
func FuzzDecodeLogs(f *testing.F) {
	r := rand.New(rand.NewPCG(14, 5))
	for range 10 {
		q, c := randQuery(r), randFeed(r)
		f.Add(appendQuery(nil, &q))
		f.Add(appendFeed(nil, &c))
	}
	f.Add([]byte{magicFeed, fcRow<<1 | wireBytes, 2, frNumberIdx << 1, 3})
	f.Add([]byte{magicQuery, qlInstantSec << 1, 2, qlInstantOff << 1, 0x7f})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var q QueryEntry
		if decodeQuery(raw, &q) == nil && len(raw) > 0 && raw[0] == magicQuery {
			var again QueryEntry
			if err := decodeQuery(appendQuery(nil, &q), &again); err != nil {
				t.Fatalf("a decoded query does not decode again: %v", err)
			}
			a, _ := json.Marshal(q)
			b, _ := json.Marshal(again)
			if !bytes.Equal(a, b) {
				t.Fatalf("query\n%s\nencodes and decodes as\n%s", a, b)
			}
		}
		var c FeedChange
		if decodeFeed(raw, &c) == nil && len(raw) > 0 && raw[0] == magicFeed {
			var again FeedChange
			if err := decodeFeed(appendFeed(nil, &c), &again); err != nil {
				t.Fatalf("a decoded change does not decode again: %v", err)
			}
			a, _ := json.Marshal(c)
			b, _ := json.Marshal(again)
			if !bytes.Equal(a, b) {
				t.Fatalf("change\n%s\nencodes and decodes as\n%s", a, b)
			}
		}
	})
}
