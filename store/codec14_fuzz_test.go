package store

import (
	"encoding/json"
	"testing"

	"vivipass/domain"
	"vivipass/national"
)

// #14.1: a damaged or hostile record (a pass, a person, an outbox job, a side list of
// seals) is an error or some value, never a panic; what decodes encodes and decodes
// again to the same.
func FuzzDecodeRecords(f *testing.F) {
	p := benchPass()
	f.Add(appendPass(nil, &p))
	f.Add(appendPerson(nil, &domain.Person{ID: 7, Comune: "L736", CodiceFiscale: "RSSMRA80A01L736U", ComuneResidenza: "L736"}))
	j := benchJob()
	f.Add(appendJob(nil, &j))
	f.Add(packRefs([]recordRef{refOf(sealPass, 1, []byte("a")), refOf(sealPerson, 9, []byte("b"))}))
	f.Add([]byte{magicJob, jChange<<1 | wireBytes, 3, cCodiceFiscalePacked<<1 | wireBytes, 1, 0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		var p domain.Pass
		if decodePass(raw, &p) == nil && len(raw) > 0 && raw[0] == magicPass {
			var q domain.Pass
			if err := decodePass(appendPass(nil, &p), &q); err != nil {
				t.Fatalf("a decoded pass does not decode again: %v", err)
			}
			a, _ := json.Marshal(p)
			b, _ := json.Marshal(q)
			if string(a) != string(b) {
				t.Fatalf("pass\n%s\nencodes and decodes as\n%s", a, b)
			}
		}
		var person domain.Person
		_ = decodePerson(raw, &person)
		var job OutboxJob
		if decodeJob(raw, &job, true) == nil && len(raw) > 0 && raw[0] == magicJob {
			var again OutboxJob
			if err := decodeJob(appendJob(nil, &job), &again, true); err != nil || string(again.Change) != string(job.Change) {
				t.Fatalf("a decoded job does not decode again: %v\n%s\n%s", err, job.Change, again.Change)
			}
		}
		n := 0
		unpackRefs(raw, func(recordRef) { n++ })
		var c national.Change
		_ = parseChangeJSON(raw, &c)
	})
}
