package store

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
)

// randAuditEntry draws every field from a small pool with the phrases of the tables,
// text around them, and what the compact form must keep as text (upper-case hex, a
// record name with a leading zero, a zone, a fraction below the microsecond).
func randAuditEntry(r *rand.Rand) AuditEntry {
	t1 := time.Date(2026, 12, 3, 18, 15, 11, 653092000, time.UTC)
	times := []time.Time{{}, t1, t1.Truncate(time.Second), t1.Add(time.Nanosecond), t1.In(time.FixedZone("", 3600)),
		t1.In(time.FixedZone("CET", -5400+7)), time.Date(1969, 12, 31, 23, 59, 59, 999999000, time.UTC), t1.Local(),
		time.Time{}.In(time.FixedZone("", 3600)), time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(-5, 1, 1, 0, 0, 0, 0, time.UTC)}
	sum := strings.Repeat("7c68605e", 8)
	sums := []string{"", sum, strings.ToUpper(sum), sum[:63], sum + "0", strings.Repeat("g", 64)}
	words := func() string {
		var b strings.Builder
		for n := r.IntN(3); n >= 0; n-- {
			switch r.IntN(5) {
			case 0:
				b.WriteString(pick(r, auditPrefixes...))
			case 1:
				b.WriteString(pick(r, auditSuffixes...))
			case 2:
				b.WriteString(pick(r, "", "L736_2026_00001", "ROSSI MARIO (RSSMRA80A01L736U)", "04/10/2026", "31/02/2026", "01/01/0001", "1/1/2026", " ", "è", "\xff\xfe", "<&>\"\\\n", "\u2028", "\x7f", "\t", "é", "<", ">", "&", "\"", "\\", "\u2029"))
			}
		}
		return b.String()
	}
	refs := []string{"p/1:1475d04a57ee4764344528b27fe8f011", "q/20:f6e226968b3669e6bbb1db20f7733bae",
		"p/18446744073709551615:1475d04a57ee4764344528b27fe8f011", "p/21:657e1656c66a73ba36dd35250e80589d"}
	odd := []string{"p/01:1475d04a57ee4764344528b27fe8f011", "p/1:1475D04A57EE4764344528B27FE8F011", "x/1:1475d04a57ee4764344528b27fe8f011", "", "record"}
	e := AuditEntry{Seq: pick[uint64](r, 0, 1, 127, 128, 1<<40), At: pick(r, times...), Operator: words(), Comune: pick(r, "", "L736", "G224", "sistema"),
		Channel: domain.Channel(pick(r, "", "sportello", "app", "import", "posta")), Action: words(), Subject: words(),
		Lineage: pick[uint64](r, 0, 1, 300000), Detail: words(), Prev: pick(r, sums...), Hash: pick(r, sums...)}
	switch r.IntN(4) {
	case 1:
		e.Changes = []FieldChange{}
	case 2, 3:
		for n := r.IntN(4); n >= 0; n-- {
			e.Changes = append(e.Changes, FieldChange{Field: words(), Before: words(), After: words()})
		}
	}
	switch r.IntN(4) {
	case 1:
		e.Records = []string{}
	case 2:
		for n := r.IntN(5); n >= 0; n-- {
			e.Records = append(e.Records, pick(r, refs...))
		}
	case 3:
		e.Records = []string{pick(r, refs...), pick(r, odd...), pick(r, refs...)}
	}
	switch r.IntN(3) {
	case 1:
		e.Sealed = &SealRef{}
	case 2:
		e.Sealed = &SealRef{N: pick(r, 0, 33, -1, 1<<20), Digest: pick(r, sums...)}
	}
	switch r.IntN(6) {
	case 1:
		e.MAC = "fba28d08601c:" + sum
	case 2:
		e.MAC = ":" + sum
	case 3:
		e.MAC = "a:b:" + sum
	case 4:
		e.MAC = pick(r, "fba28d08601c:"+strings.ToUpper(sum), "fba28d08601c", sum, "k:"+sum[:10])
	}
	return e
}

// #14.1: an entry written in the compact form decodes to the Go value it was, so the
// JSON its hash was computed over is the same byte for byte (the chain does not
// change), and its digest too; the JSON form of earlier versions reads as before.
func TestAuditCodecKeepsTheJSON(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 1))
	for i := range 20000 {
		e := randAuditEntry(r)
		want, werr := json.Marshal(e)
		raw := appendAudit(nil, &e)
		var got AuditEntry
		if err := decodeAudit(raw, &got); err != nil {
			t.Fatalf("entry %d: %v\n%s", i, err, want)
		}
		again, gerr := json.Marshal(got)
		if !bytes.Equal(want, again) || (werr == nil) != (gerr == nil) {
			t.Fatalf("entry %d: JSON before\n%s (%v)\nafter\n%s (%v)", i, want, werr, again, gerr)
		}
		if (e.Sealed == nil) != (got.Sealed == nil) || got.Digest() != e.Digest() {
			t.Fatalf("entry %d: sealed %v → %v, digest changed", i, e.Sealed, got.Sealed)
		}
		if _, o1 := e.At.Zone(); true {
			if _, o2 := got.At.Zone(); !got.At.Equal(e.At) || o1 != o2 {
				t.Fatalf("entry %d: At %v → %v", i, e.At, got.At)
			}
		}
		if werr == nil {
			var old AuditEntry
			if err := decodeAudit(want, &old); err != nil {
				t.Fatalf("entry %d: the JSON form no longer reads: %v", i, err)
			}
			if j, _ := json.Marshal(old); !bytes.Equal(j, want) && !strings.Contains(string(want), "\\ufffd") && utf8Clean(e) {
				t.Fatalf("entry %d: JSON form reads as\n%s\nnot\n%s", i, j, want)
			}
		}
	}
}

// utf8Clean: json.Unmarshal of a string with invalid UTF-8 gives U+FFFD, not the bytes
// (the JSON form never kept them either).
func utf8Clean(e AuditEntry) bool {
	raw, _ := json.Marshal(e)
	return !bytes.Contains(raw, []byte(`\ufffd`))
}

// #14.1: the demo's entries, a third of their JSON or less.
func TestAuditCodecSize(t *testing.T) {
	e := AuditEntry{Seq: 9, At: time.Date(2026, 12, 3, 18, 16, 31, 664348000, time.UTC), Operator: "mario", Comune: "L736",
		Channel: domain.Sportello, Action: "rilascio", Subject: "contrassegno L736_2026_00001", Lineage: 1,
		Detail: "contrassegno permanente intestato a ROSSI MARIO (RSSMRA80A01L736U), con scadenza il 04/10/2031; creata la nuova anagrafica",
		Changes: []FieldChange{{Field: "Numero", After: "L736_2026_00001"}, {Field: "Comune", After: "VENEZIA (VE)"},
			{Field: "Titolare", After: "ROSSI MARIO (RSSMRA80A01L736U)"}, {Field: "Tipo", After: "permanente"},
			{Field: "Stato", After: "attivo"}, {Field: "Data di rilascio", After: "04/10/2026"}, {Field: "Decorrenza", After: "04/10/2026"},
			{Field: "Scadenza", After: "04/10/2031"}, {Field: "Consenso al circuito nazionale", After: "sì"},
			{Field: "Invio alla piattaforma nazionale", After: "in coda"},
			{Field: "Targa AB123CD", After: "dal 04/10/2026 alla scadenza del contrassegno, principale"}},
		Records: []string{"q/1:c99065cb281a91daf9e9fd0574119ec7", "p/1:1475d04a57ee4764344528b27fe8f011", "p/1:9b80005d5060655612d450c31a7ebcb4"},
		Prev:    "482b2f51f646bc8a604b340ec64a021fb3eb302bb83af39dd5c104f7969e5efc",
		Hash:    "2fc6ddb688815932be4a06b2429603a4f7c476a223122ccdb580e81182af404c",
		MAC:     "fba28d08601c:800893c5ae0072780c9097ac1a6e70264ad568bc7cf727cb61d9d4b5717c8cbe"}
	j, _ := json.Marshal(e)
	c := appendAudit(nil, &e)
	t.Logf("JSON %d bytes, compact %d bytes", len(j), len(c))
	if len(c)*3 > len(j) {
		t.Errorf("compact entry %d bytes, JSON %d: want a third or less", len(c), len(j))
	}
}

// #14.1: damaged compact entries are errors (a truncated one, an unknown phrase code,
// a hash of another length), not other entries.
func TestAuditCodecDamaged(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2))
	e := randAuditEntry(r)
	e.Detail, e.Hash = "contrassegno L736_2026_00001", strings.Repeat("ab", 32)
	raw := appendAudit(nil, &e)
	for n := 1; n < len(raw); n++ {
		var got AuditEntry
		if err := decodeAudit(raw[:n], &got); err == nil {
			if j1, _ := json.Marshal(got); bytes.Equal(j1, mustJSON(e)) {
				t.Fatalf("a cut entry (%d of %d bytes) decodes as the whole", n, len(raw))
			}
		}
	}
	for _, bad := range [][]byte{
		{}, {0}, {magicPass}, {magicAudit, aSeq << 1, 0x80},
		{magicAudit, (aDetail + 1) << 1, byte(len(auditPrefixes) + 1)},
		{magicAudit, (aDetail + 2) << 1, byte(len(auditSuffixes) + 1)},
		{magicAudit, aHashRaw<<1 | wireBytes, 2, 1, 2},
		{magicAudit, aRecords<<1 | wireBytes, 3, 2, 1, 1},
		{magicAudit, aChange<<1 | wireBytes, 2, (chField + 1) << 1, 0x7f},
		binary.AppendVarint([]byte{magicAudit, (aDetail + 3) << 1}, maxDay+1), // a date after 9999
		binary.AppendVarint([]byte{magicAudit, (aDetail + 3) << 1}, minDay-1),
	} {
		if _, err := DecodeAudit(bad); err == nil {
			t.Errorf("%x: decoded", bad)
		}
	}
}

func mustJSON(v any) []byte { j, _ := json.Marshal(v); return j }

// #14.1: a damaged or hostile audit entry is an error or some entry, never a panic;
// what decodes encodes and decodes again to the same JSON.
func FuzzDecodeAudit(f *testing.F) {
	r := rand.New(rand.NewPCG(14, 3))
	for range 20 {
		e := randAuditEntry(r)
		f.Add(appendAudit(nil, &e))
	}
	f.Add(mustJSON(randAuditEntry(r)))
	f.Add([]byte{magicAudit, aAt<<1 | wireBytes, 2, 1<<1 | wireVarint, 0x7f})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var e AuditEntry
		if decodeAudit(raw, &e) != nil || len(raw) == 0 || raw[0] != magicAudit {
			return
		}
		var again AuditEntry
		if err := decodeAudit(appendAudit(nil, &e), &again); err != nil {
			t.Fatalf("a decoded entry does not decode again: %v", err)
		}
		a, aerr := json.Marshal(e)
		b, berr := json.Marshal(again)
		if !bytes.Equal(a, b) || (aerr == nil) != (berr == nil) {
			t.Fatalf("entry\n%s\nencodes and decodes as\n%s", a, b)
		}
		if h, ok := appendAuditJSON(nil, &e); ok && (aerr != nil || !bytes.Equal(h, a)) {
			t.Fatalf("entry written by hand\n%s\njson.Marshal\n%s", h, a)
		}
	})
}

// jsonDigest is the chain's hash as it was computed before appendAuditJSON.
func jsonDigest(e AuditEntry) string {
	e.Hash, e.MAC = "", ""
	raw, _ := json.Marshal(e)
	sum := sha256.Sum256(append([]byte(e.Prev), raw...))
	return hex.EncodeToString(sum[:])
}

// #14.1: the hand-written JSON of an entry is json.Marshal's, byte for byte, or
// gives way to it; so the chain's hash is what it was.
func TestAuditJSONIsJSONMarshal(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 6))
	fast := 0
	const n = 20000
	for i := range n {
		e := randAuditEntry(r)
		if r.IntN(2) == 0 { // half of them as the service writes them: plain texts
			e.Operator, e.Action, e.Subject, e.Detail = "mario", "rilascio", "contrassegno L736_2026_00001", "validità estesa: è così"
			e.At = e.At.UTC()
		}
		want, werr := json.Marshal(e)
		got, ok := appendAuditJSON(nil, &e)
		if ok {
			fast++
			if werr != nil || !bytes.Equal(got, want) {
				t.Fatalf("entry %d:\n%s\njson.Marshal:\n%s (%v)", i, got, want, werr)
			}
		}
		if d := e.Digest(); d != jsonDigest(e) {
			t.Fatalf("entry %d: digest %s, json.Marshal's %s", i, d, jsonDigest(e))
		}
	}
	t.Logf("%d of %d entries without json.Marshal", fast, n)
	if fast < n/3 {
		t.Errorf("only %d of %d entries written by hand", fast, n)
	}
}
