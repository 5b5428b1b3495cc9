package store

import (
	"testing"
	"time"

	"vivipass/domain"
)

// benchPass is a pass as the region import writes it, two plates.
func benchPass() domain.Pass {
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
	return p
}

// #14.1: the cost of the smaller pass record (go test -bench PassCodec ./store/).
func BenchmarkPassCodecEncode(b *testing.B) {
	p := benchPass()
	buf := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		buf = appendPass(buf[:0], &p)
	}
	b.ReportMetric(float64(len(buf)), "B/record")
}

func BenchmarkPassCodecDecode(b *testing.B) {
	p := benchPass()
	raw := appendPass(nil, &p)
	b.ReportAllocs()
	for b.Loop() {
		if err := decodePass(raw, &p); err != nil {
			b.Fatal(err)
		}
	}
}
