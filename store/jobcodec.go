package store

import (
	"encoding/binary"
	"encoding/json"
	"fmt"
	"unicode/utf8"

	"vivipass/domain"
	"vivipass/national"
)

// Compact outbox jobs (issue 14.1): an OutboxJob was JSON with the national message
// inside it as JSON again (~500 bytes, most of them field names). It is now a record
// of reccodec.go's form, with magic 0xB3; a stored job that starts with '{' is the
// JSON of earlier vivipass versions and is still read as such (PutJob writes it again
// in the compact form when the job changes state).
//
// The message (OutboxJob.Change) stays JSON bytes for its readers. When the bytes are
// exactly what changeJSON writes for the national.Change they hold (json.Marshal's
// output, as the service makes them), the record holds the message's fields and the
// reader gets those same bytes back; any other bytes are kept as they are (field
// jChangeRaw), so a message is never altered by its storage.

const magicJob = 0xB3

// Field numbers of an outbox job. Append only; never reuse a number.
const (
	jSeq = iota + 1
	jKey
	jKeyVersion // the key is "lineage-version-kind": version+1 (the common case)
	jKind
	jKindCode
	jPassID
	jLineage
	jComune
	jCreated
	jState
	jStateCode
	jAttempts
	jLastError
	jNextTry
	jDone
	jChange    // nested: the national.Change's fields (changeJSON gives its bytes back)
	jChangeRaw // the message's bytes as given, when they are not changeJSON's
	jCreatedSec
	jNextTrySec
	jDoneSec
)

// Field numbers of a national.Change inside a job. Append only; never reuse a number.
const (
	cKey = iota + 1
	cKind
	cComune
	cCudeID
	cNumber
	cPreviousNumber
	cCodiceFiscale
	cCognome
	cNome
	cDataRilascio // as a string, when it is not an ISO date
	cDataScadenza
	cPlate // repeated, nested: 1 number, 2 country
	cPlatesEmpty
	cDate
	cReason
	cDestination
	cDataRilascioDays // an ISO date as days since 1970
	cDataScadenzaDays
	cDateDays
	cSameAsJob // bit 1: Kind is the job's kind, bit 2: Comune is the job's comune
	cCodiceFiscalePacked
)

// Codes of the common kinds and states (a number of one byte instead of the word);
// anything else is written as its text. Append only.
var (
	jobKindCodes  = []string{"rilascio", "rinnovo", "duplicato", "targhe", "sospensione", "riattivazione", "revoca", "decesso", "trasferimento", "modifica"}
	jobStateCodes = []string{string(JobPending), string(JobDone), string(JobRejected), string(JobManual), string(JobSkipped)}
)

// enum writes s as its code in table (field code) or as text (field text).
func (w *recWriter) enum(text, code int, table []string, s string) {
	for i, t := range table {
		if t == s {
			w.uint(code, uint64(i+1))
			return
		}
	}
	w.str(text, s)
}

func enumOf(table []string, code uint64) string {
	if code >= 1 && code <= uint64(len(table)) {
		return table[code-1]
	}
	return ""
}

// jobKey is the idempotency key Enqueue gives a job.
func jobKey(lineage, version uint64, kind string) string {
	return fmt.Sprintf("%d-%d-%s", lineage, version, kind)
}

// keyVersion is the version in a key of Enqueue's form for this job (ok false: the
// key is something else and is written as text).
func keyVersion(j *OutboxJob) (uint64, bool) {
	k := j.Key
	var lin, ver uint64
	i, n := 0, 0
	for ; i < len(k) && k[i] >= '0' && k[i] <= '9'; i++ {
		lin, n = lin*10+uint64(k[i]-'0'), n+1
	}
	if n == 0 || n > 19 || i >= len(k) || k[i] != '-' {
		return 0, false
	}
	i++
	n = 0
	for ; i < len(k) && k[i] >= '0' && k[i] <= '9'; i++ {
		ver, n = ver*10+uint64(k[i]-'0'), n+1
	}
	if n == 0 || n > 18 || lin != j.Lineage {
		return 0, false
	}
	return ver, jobKey(j.Lineage, ver, j.Kind) == k // leading zeros, another kind: as text
}

// appendJob is the compact record of a job.
func appendJob(b []byte, j *OutboxJob) []byte {
	w := recWriter{b: append(b, magicJob)}
	w.uint(jSeq, j.Seq)
	if v, ok := keyVersion(j); ok {
		w.uint(jKeyVersion, v+1)
	} else {
		w.str(jKey, j.Key)
	}
	w.enum(jKind, jKindCode, jobKindCodes, j.Kind)
	w.uint(jPassID, j.PassID)
	w.uint(jLineage, j.Lineage)
	w.str(jComune, j.Comune)
	w.instant(jCreated, jCreatedSec, j.Created)
	w.enum(jState, jStateCode, jobStateCodes, string(j.State))
	w.int(jAttempts, int64(j.Attempts))
	w.str(jLastError, j.LastError)
	w.instant(jNextTry, jNextTrySec, j.NextTry)
	w.instant(jDone, jDoneSec, j.Done)
	if len(j.Change) > 0 {
		var c national.Change
		if (parseChangeJSON(j.Change, &c) || json.Unmarshal(j.Change, &c) == nil) &&
			string(appendChangeJSON(make([]byte, 0, len(j.Change)), &c)) == string(j.Change) {
			start := len(w.b)
			w.nested(jChange, func(w *recWriter) { appendChange(w, &c, j) })
			if len(w.b) == start { // a message of empty fields is still one
				w.tag(jChange, wireBytes)
				w.b = append(w.b, 0)
			}
		} else {
			w.str(jChangeRaw, string(j.Change))
		}
	}
	return w.b
}

// appendChange writes a message's fields; what equals the job's is a bit in cSameAsJob.
func appendChange(w *recWriter, c *national.Change, j *OutboxJob) {
	same := uint64(0)
	w.str(cKey, c.Key)
	if c.Kind != "" && c.Kind == j.Kind {
		same |= 1
	} else {
		w.str(cKind, c.Kind)
	}
	if c.Comune != "" && c.Comune == j.Comune {
		same |= 2
	} else {
		w.str(cComune, c.Comune)
	}
	w.uint(cSameAsJob, same)
	w.str(cCudeID, c.CudeID)
	w.str(cNumber, c.Number)
	w.str(cPreviousNumber, c.PreviousNumber)
	w.cf(cCodiceFiscale, cCodiceFiscalePacked, c.CodiceFiscale)
	w.str(cCognome, c.Cognome)
	w.str(cNome, c.Nome)
	w.isoDate(cDataRilascio, cDataRilascioDays, c.DataRilascio)
	w.isoDate(cDataScadenza, cDataScadenzaDays, c.DataScadenza)
	for i := range c.Plates {
		pl := &c.Plates[i]
		start := len(w.b)
		w.nested(cPlate, func(w *recWriter) {
			w.str(1, pl.Number)
			w.str(2, pl.Country)
		})
		if len(w.b) == start { // a zero plate still counts
			w.tag(cPlate, wireBytes)
			w.b = append(w.b, 0)
		}
	}
	w.bool(cPlatesEmpty, c.Plates != nil && len(c.Plates) == 0) // [] and null differ in the JSON
	w.isoDate(cDate, cDateDays, c.Date)
	w.str(cReason, c.Reason)
	w.str(cDestination, c.Destination)
}

// isoDate writes an ISO date as its days (field days), anything else as text.
func (w *recWriter) isoDate(text, days int, s string) {
	var d domain.Date
	if s != "" && d.UnmarshalText([]byte(s)) == nil && !d.IsZero() && d.ISO() == s {
		w.tag(days, wireVarint)
		w.b = binary.AppendVarint(w.b, int64(epoch.DaysUntil(d)))
		return
	}
	w.str(text, s)
}

// decodeJob reads a stored job in either form; withChange false leaves the message
// out (the scan for the open jobs).
func decodeJob(raw []byte, j *OutboxJob, withChange bool) error {
	*j = OutboxJob{}
	if len(raw) > 0 && raw[0] == '{' {
		return json.Unmarshal(raw, j)
	}
	if len(raw) == 0 || raw[0] != magicJob {
		return errRecord
	}
	var change []byte
	keyVer := uint64(0)
	r := recReader{b: raw[1:]}
	for r.next() {
		switch r.num {
		case jSeq:
			j.Seq = r.v
		case jKey:
			j.Key = r.str()
		case jKeyVersion:
			keyVer = r.v
		case jKind:
			j.Kind = r.str()
		case jKindCode:
			j.Kind = enumOf(jobKindCodes, r.v)
		case jPassID:
			j.PassID = r.v
		case jLineage:
			j.Lineage = r.v
		case jComune:
			j.Comune = r.str()
		case jCreated:
			j.Created = r.time()
		case jCreatedSec:
			j.Created = r.seconds()
		case jState:
			j.State = JobState(r.str())
		case jStateCode:
			j.State = JobState(enumOf(jobStateCodes, r.v))
		case jAttempts:
			j.Attempts = int(r.sint())
		case jLastError:
			j.LastError = r.str()
		case jNextTry:
			j.NextTry = r.time()
		case jNextTrySec:
			j.NextTry = r.seconds()
		case jDone:
			j.Done = r.time()
		case jDoneSec:
			j.Done = r.seconds()
		case jChange:
			change = r.raw
		case jChangeRaw:
			if withChange {
				j.Change = json.RawMessage(r.str())
			}
		}
	}
	if r.err != nil {
		return r.err
	}
	if keyVer > 0 {
		j.Key = jobKey(j.Lineage, keyVer-1, j.Kind)
	}
	if withChange && change != nil {
		var c national.Change
		if err := decodeChange(change, &c, j); err != nil {
			return err
		}
		j.Change = appendChangeJSON(make([]byte, 0, 320), &c)
	}
	return nil
}

func decodeChange(raw []byte, c *national.Change, j *OutboxJob) error {
	r := recReader{b: raw}
	same := uint64(0)
	for r.next() {
		switch r.num {
		case cKey:
			c.Key = r.str()
		case cKind:
			c.Kind = r.str()
		case cComune:
			c.Comune = r.str()
		case cSameAsJob:
			same = r.v
		case cCudeID:
			c.CudeID = r.str()
		case cNumber:
			c.Number = r.str()
		case cPreviousNumber:
			c.PreviousNumber = r.str()
		case cCodiceFiscale:
			c.CodiceFiscale = r.str()
		case cCodiceFiscalePacked:
			c.CodiceFiscale = r.cf()
		case cCognome:
			c.Cognome = r.str()
		case cNome:
			c.Nome = r.str()
		case cDataRilascio:
			c.DataRilascio = r.str()
		case cDataRilascioDays:
			c.DataRilascio = r.date().ISO()
		case cDataScadenza:
			c.DataScadenza = r.str()
		case cDataScadenzaDays:
			c.DataScadenza = r.date().ISO()
		case cPlate:
			var pl national.Plate
			in := recReader{b: r.raw}
			for in.next() {
				switch in.num {
				case 1:
					pl.Number = in.str()
				case 2:
					pl.Country = in.str()
				}
			}
			if in.err != nil {
				r.err = in.err
			}
			c.Plates = append(c.Plates, pl)
		case cPlatesEmpty:
			if r.v != 0 && c.Plates == nil {
				c.Plates = []national.Plate{}
			}
		case cDate:
			c.Date = r.str()
		case cDateDays:
			c.Date = r.date().ISO()
		case cReason:
			c.Reason = r.str()
		case cDestination:
			c.Destination = r.str()
		}
	}
	if same&1 != 0 {
		c.Kind = j.Kind
	}
	if same&2 != 0 {
		c.Comune = j.Comune
	}
	return r.err
}

// encodeJob is the bytes PutJob stores.
func encodeJob(j *OutboxJob) ([]byte, error) {
	if legacyJSONRecords {
		return json.Marshal(j)
	}
	return appendJob(make([]byte, 0, 160), j), nil
}

// EncodeJob is the stored form of a job (tests that write the file as a hand would).
func EncodeJob(j OutboxJob) []byte { return appendJob(nil, &j) }

// DecodeJob reads a stored job (either form).
func DecodeJob(raw []byte) (OutboxJob, error) {
	var j OutboxJob
	err := decodeJob(raw, &j, true)
	return j, err
}

// appendChangeJSON writes c as json.Marshal does, byte for byte, without reflection
// (the field order, omitempty and escaping of national.Change; TestChangeJSON compares
// the two, and a field added to Change fails TestChangeJSONFields until it is here).
func appendChangeJSON(b []byte, c *national.Change) []byte {
	b = append(b, `{"chiave_idempotenza":`...)
	b = appendJSONString(b, c.Key)
	b = append(b, `,"tipo":`...)
	b = appendJSONString(b, c.Kind)
	b = append(b, `,"comune":`...)
	b = appendJSONString(b, c.Comune)
	if c.CudeID != "" {
		b = append(b, `,"cude_id":`...)
		b = appendJSONString(b, c.CudeID)
	}
	b = append(b, `,"numero_contrassegno":`...)
	b = appendJSONString(b, c.Number)
	if c.PreviousNumber != "" {
		b = append(b, `,"numero_precedente":`...)
		b = appendJSONString(b, c.PreviousNumber)
	}
	b = append(b, `,"codice_fiscale":`...)
	b = appendJSONString(b, c.CodiceFiscale)
	b = append(b, `,"cognome":`...)
	b = appendJSONString(b, c.Cognome)
	b = append(b, `,"nome":`...)
	b = appendJSONString(b, c.Nome)
	b = append(b, `,"data_rilascio":`...)
	b = appendJSONString(b, c.DataRilascio)
	b = append(b, `,"data_scadenza":`...)
	b = appendJSONString(b, c.DataScadenza)
	b = append(b, `,"targhe":`...)
	if c.Plates == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '[')
		for i, p := range c.Plates {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"targa":`...)
			b = appendJSONString(b, p.Number)
			b = append(b, `,"nazione":`...)
			b = appendJSONString(b, p.Country)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if c.Date != "" {
		b = append(b, `,"data_evento":`...)
		b = appendJSONString(b, c.Date)
	}
	if c.Reason != "" {
		b = append(b, `,"motivo":`...)
		b = appendJSONString(b, c.Reason)
	}
	if c.Destination != "" {
		b = append(b, `,"comune_destinazione":`...)
		b = appendJSONString(b, c.Destination)
	}
	return append(b, '}')
}

// parseChangeJSON reads the bytes appendChangeJSON writes, when no string in them has
// an escape (the usual message), without reflection; false: anything else (the caller
// then asks encoding/json, and keeps the bytes unless they are appendChangeJSON's).
func parseChangeJSON(b []byte, c *national.Change) bool {
	p := jsonScan{b: b, ok: true}
	p.field(`{"chiave_idempotenza":`, &c.Key, true)
	p.field(`,"tipo":`, &c.Kind, true)
	p.field(`,"comune":`, &c.Comune, true)
	p.field(`,"cude_id":`, &c.CudeID, false)
	p.field(`,"numero_contrassegno":`, &c.Number, true)
	p.field(`,"numero_precedente":`, &c.PreviousNumber, false)
	p.field(`,"codice_fiscale":`, &c.CodiceFiscale, true)
	p.field(`,"cognome":`, &c.Cognome, true)
	p.field(`,"nome":`, &c.Nome, true)
	p.field(`,"data_rilascio":`, &c.DataRilascio, true)
	p.field(`,"data_scadenza":`, &c.DataScadenza, true)
	p.ok = p.ok && p.lit(`,"targhe":`)
	if p.ok && !p.lit("null") {
		c.Plates = []national.Plate{}
		p.ok = p.lit("[")
		for p.ok && !p.lit("]") {
			if len(c.Plates) > 0 {
				p.ok = p.lit(",")
			}
			var pl national.Plate
			p.field(`{"targa":`, &pl.Number, true)
			p.field(`,"nazione":`, &pl.Country, true)
			p.ok = p.ok && p.lit("}")
			c.Plates = append(c.Plates, pl)
		}
	}
	p.field(`,"data_evento":`, &c.Date, false)
	p.field(`,"motivo":`, &c.Reason, false)
	p.field(`,"comune_destinazione":`, &c.Destination, false)
	return p.ok && p.lit("}") && len(p.b) == 0
}

type jsonScan struct {
	b  []byte
	ok bool
}

// lit consumes s if the bytes start with it.
func (p *jsonScan) lit(s string) bool {
	if len(p.b) >= len(s) && string(p.b[:len(s)]) == s {
		p.b = p.b[len(s):]
		return true
	}
	return false
}

// field reads key and a string without escapes into v; a missing optional key is
// not an error.
func (p *jsonScan) field(key string, v *string, required bool) {
	if !p.ok {
		return
	}
	if !p.lit(key) {
		p.ok = !required
		return
	}
	if len(p.b) == 0 || p.b[0] != '"' {
		p.ok = false
		return
	}
	for i := 1; i < len(p.b); i++ {
		switch c := p.b[i]; {
		case c == '"':
			*v = string(p.b[1:i])
			p.b = p.b[i+1:]
			return
		case c == '\\' || c < 0x20:
			p.ok = false
			return
		}
	}
	p.ok = false
}

// appendJSONString quotes s as encoding/json does (HTML characters escaped, invalid
// UTF-8 as U+FFFD, U+2028 and U+2029 escaped).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
