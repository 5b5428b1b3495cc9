package store

import (
	"encoding/json"
	"testing"
	"time"

	"vivipass/national"
)

func benchJob() OutboxJob {
	c, _ := json.Marshal(national.Change{Kind: "rilascio", Comune: "E349", Number: "E349_2022_00001", CodiceFiscale: "ZNCVTR25R53Z100T",
		Cognome: "ZANCHETTA", Nome: "VITTORIA", DataRilascio: "2022-09-14", DataScadenza: "2027-09-14",
		Plates: []national.Plate{{Number: "EH949CL", Country: "IT"}}})
	return OutboxJob{Seq: 17911, Key: "120000-1-rilascio", Kind: "rilascio", PassID: 120000, Lineage: 120000, Comune: "E349",
		Created: time.Date(2026, 12, 3, 16, 32, 27, 204621211, time.UTC), State: JobPending, Change: c}
}

// #14.1: writing a job (the import writes one per pass with the consent), compact
// against the JSON of before (go test -bench JobCodec ./store/).
func BenchmarkJobCodecEncode(b *testing.B) {
	j := benchJob()
	b.ReportAllocs()
	var raw []byte
	for b.Loop() {
		raw = appendJob(raw[:0], &j)
	}
	b.ReportMetric(float64(len(raw)), "B/record")
}

func BenchmarkJobCodecEncodeJSON(b *testing.B) {
	j := benchJob()
	b.ReportAllocs()
	var raw []byte
	for b.Loop() {
		raw, _ = json.Marshal(j)
	}
	b.ReportMetric(float64(len(raw)), "B/record")
}

func BenchmarkJobCodecDecode(b *testing.B) {
	j := benchJob()
	raw := appendJob(nil, &j)
	b.ReportAllocs()
	for b.Loop() {
		if err := decodeJob(raw, &j, true); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkJobCodecDecodeJSON(b *testing.B) {
	j := benchJob()
	raw, _ := json.Marshal(j)
	b.ReportAllocs()
	for b.Loop() {
		if err := decodeJob(raw, &j, true); err != nil {
			b.Fatal(err)
		}
	}
}
