package store

import (
	"encoding/binary"
	"encoding/json"
	"strings"
	"time"

	"vivipass/domain"
)

// Compact logs (issue 14.1): the values of the register that grow with use besides the
// audit entries, the query log of the HTTP clients (one entry a request: 229 bytes of
// JSON, 1.2 million entries and 279 MB after the HTTP benchmark) and the whitelist's
// change feed (one change per pass lineage changed), in reccodec.go's form with their
// own magic. Values that start with '{' are the JSON of earlier versions and are still
// read. Decoding gives back the Go value that was encoded (nil and empty lists apart,
// zones, every byte of every text), so what the HTTP API writes of a change is the same
// (TestLogCodecsKeepTheJSON, FuzzDecodeLogs).

const (
	magicQuery = 0xB6
	magicFeed  = 0xB7
)

// Field numbers of a query log entry. Append only; never reuse a number. Texts take
// four numbers as in audit entries (auditcodec.go affix): text, prefix, suffix, date.
const (
	qlSeq        = 1
	qlAtNano     = 2 // At in UTC, nanoseconds since 1970 (zigzag)
	qlAt         = 3 // At otherwise: nested seconds, nanoseconds, zone offset
	qlClient     = 4 // text; 5 prefix, 6 suffix, 7 date
	qlEndpoint   = 8
	qlSubject    = 12
	qlInstant    = 16 // as text, when not in one of the forms below
	qlInstantSec = 17 // RFC 3339 in whole seconds: seconds from At's (zigzag)
	qlInstantOff = 18 // … its zone offset in seconds (zigzag; absent: "Z")
	qlInstantDay = 19 // a day yyyy-mm-dd: days since 1970 (zigzag)
	qlStatus     = 20 // Status − 200 (zigzag); absent: 200
	qlAnswer     = 21 // text; 22 prefix, 23 suffix, 24 date
)

// Phrases of the query log (the API's endpoints and answers, httpapi). Append only.
var queryPhrases = phrases{
	pre: []string{"targhe", "whitelist.csv", "whitelist/changes", "verifica", "contrassegni",
		"autorizzata: contrassegno ", "non autorizzata: contrassegno ", "non autorizzata: ",
		"non autorizzata: targa non associata ad alcun contrassegno", "non modificata", "interrotta dopo ",
		"dal ", "firma non valida", "valido fino al ", "non valido", "contrassegno "},
	suf: []string{" scaduto", " targhe", " modifiche, ultima ", " byte di "},
}

// queryInstant: the forms of Instant the compact form keeps as numbers.
func appendQueryInstant(w *recWriter, e *QueryEntry) {
	s := e.Instant
	if s == "" {
		return
	}
	if d, ok := isoDay(s); ok {
		w.delta(qlInstantDay, int64(epoch.DaysUntil(d)))
		return
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil && t.Nanosecond() == 0 {
		_, off := t.Zone()
		if instantOf(e.At, t.Unix()-e.At.Unix(), int64(off)) == s {
			w.delta(qlInstantSec, t.Unix()-e.At.Unix())
			w.int(qlInstantOff, int64(off))
			return
		}
	}
	w.str(qlInstant, s)
}

// instantOf is the text of an instant d seconds from at's, at offset off.
func instantOf(at time.Time, d, off int64) string {
	t := time.Unix(at.Unix()+d, 0)
	if off == 0 {
		return t.UTC().Format(time.RFC3339)
	}
	return t.In(time.FixedZone("", int(off))).Format(time.RFC3339)
}

// appendQuery is the compact record of a query log entry.
func appendQuery(b []byte, e *QueryEntry) []byte {
	w := recWriter{b: append(b, magicQuery)}
	w.uint(qlSeq, e.Seq)
	_, off := e.At.Zone()
	switch y := e.At.Year(); {
	case off == 0 && e.At.IsZero():
	case off == 0 && y >= 1700 && y < 2200: // within UnixNano's range
		w.tag(qlAtNano, wireVarint)
		w.b = binary.AppendVarint(w.b, e.At.UnixNano())
	default:
		w.nested(qlAt, func(w *recWriter) {
			w.delta(1, e.At.Unix())
			w.uint(2, uint64(e.At.Nanosecond()))
			w.int(3, int64(off))
		})
	}
	w.affix(qlClient, e.Client, &queryPhrases)
	w.affix(qlEndpoint, e.Endpoint, &queryPhrases)
	w.affix(qlSubject, e.Subject, &queryPhrases)
	appendQueryInstant(&w, e)
	if e.Status != 200 {
		w.delta(qlStatus, int64(e.Status)-200)
	}
	w.affix(qlAnswer, e.Answer, &queryPhrases)
	return w.b
}

// decodeQuery reads a query log entry in either form.
func decodeQuery(raw []byte, e *QueryEntry) error {
	*e = QueryEntry{}
	if len(raw) > 0 && raw[0] == '{' {
		return json.Unmarshal(raw, e)
	}
	if len(raw) == 0 || raw[0] != magicQuery {
		return errRecord
	}
	var client, endpoint, subject, answer affixText
	var instSec, instOff int64
	hasSec := false
	e.Status = 200
	r := recReader{b: raw[1:]}
	for r.next() {
		if client.read(&r, qlClient) || endpoint.read(&r, qlEndpoint) || subject.read(&r, qlSubject) || answer.read(&r, qlAnswer) {
			continue
		}
		switch r.num {
		case qlSeq:
			e.Seq = r.v
		case qlAtNano:
			e.At = time.Unix(0, r.sint()).UTC()
		case qlAt:
			e.At = r.time()
		case qlInstant:
			e.Instant = r.str()
		case qlInstantSec:
			instSec, hasSec = r.sint(), true
		case qlInstantOff:
			instOff = r.sint()
		case qlInstantDay:
			d, ok := dayFrom1970(r.sint())
			if !ok {
				r.err = errRecord
				break
			}
			e.Instant = d.ISO()
		case qlStatus:
			e.Status = 200 + int(r.sint())
		}
	}
	e.Client, e.Endpoint = client.text(&r, &queryPhrases), endpoint.text(&r, &queryPhrases)
	e.Subject, e.Answer = subject.text(&r, &queryPhrases), answer.text(&r, &queryPhrases)
	if hasSec {
		if instOff < -86400 || instOff > 86400 {
			r.err = errRecord
		} else {
			e.Instant = instantOf(e.At, instSec, instOff)
		}
	}
	if r.err != nil {
		*e = QueryEntry{}
		return r.err
	}
	return nil
}

// Field numbers of a feed change and of its rows. Append only; never reuse a number.
const (
	fcSeq          = 1
	fcLineage      = 2
	fcNumber       = 3 // repeated
	fcNumbersEmpty = 4 // Numbers is an empty list, not none
	fcRow          = 5 // repeated, nested (frPlate…)
	fcRowsEmpty    = 6 // Rows is an empty list, not none

	frPlate     = 1
	frCountry   = 2 // text, when not "IT" (frSame)
	frFromDays  = 3 // From, a day yyyy-mm-dd: days since 1970 (zigzag)
	frFrom      = 4 // From as text otherwise
	frToDays    = 5 // To: days from From (zigzag), when both are days
	frTo        = 6
	frClassCode = 7 // Class: code of classCodes (reccodec.go)
	frClass     = 8
	frNumberIdx = 9 // Number is Numbers[this−1]
	frNumber    = 10
	frComune    = 11 // text, when not the number's comune (frSame)
	frSame      = 12 // bits: frCountryIT, frComuneOfNumber
	frToAbs     = 13 // To in days since 1970, when From is not a day
)

const (
	frCountryIT      = 1 << iota // Country is "IT"
	frComuneOfNumber             // Comune is the Number's part before its first '_'
)

// isoDay is s as a day when it is exactly what Date.ISO writes.
func isoDay(s string) (domain.Date, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return domain.Date{}, false
	}
	yy, ok1 := digits(s[:4])
	mm, ok2 := digits(s[5:7])
	dd, ok3 := digits(s[8:])
	if !ok1 || !ok2 || !ok3 {
		return domain.Date{}, false
	}
	d, ok := domain.NewDate(yy, time.Month(mm), dd)
	return d, ok && d.ISO() == s
}

func appendFeed(b []byte, c *FeedChange) []byte {
	w := recWriter{b: append(b, magicFeed)}
	w.uint(fcSeq, c.Seq)
	w.uint(fcLineage, c.Lineage)
	if c.Numbers != nil && len(c.Numbers) == 0 {
		w.uint(fcNumbersEmpty, 1)
	}
	for _, n := range c.Numbers {
		w.tag(fcNumber, wireBytes) // "" too: its place counts
		w.b = binary.AppendUvarint(w.b, uint64(len(n)))
		w.b = append(w.b, n...)
	}
	if c.Rows != nil && len(c.Rows) == 0 {
		w.uint(fcRowsEmpty, 1)
	}
	for i := range c.Rows {
		row := &c.Rows[i]
		start := len(w.b)
		w.nested(fcRow, func(w *recWriter) {
			same := uint64(0)
			w.str(frPlate, row.Plate)
			if row.Country == "IT" {
				same |= frCountryIT
			} else {
				w.str(frCountry, row.Country)
			}
			from, fromOK := isoDay(row.From)
			if fromOK {
				w.delta(frFromDays, int64(epoch.DaysUntil(from)))
			} else {
				w.str(frFrom, row.From)
			}
			if to, ok := isoDay(row.To); ok && fromOK {
				w.delta(frToDays, int64(from.DaysUntil(to)))
			} else if ok {
				w.delta(frToAbs, int64(epoch.DaysUntil(to)))
			} else {
				w.str(frTo, row.To)
			}
			w.enum(frClass, frClassCode, classCodes, row.Class)
			idx := 0
			for k, n := range c.Numbers {
				if n == row.Number {
					idx = k + 1
					break
				}
			}
			if idx > 0 {
				w.uint(frNumberIdx, uint64(idx))
			} else {
				w.str(frNumber, row.Number)
			}
			if cm, _, ok := strings.Cut(row.Number, "_"); ok && cm == row.Comune && cm != "" {
				same |= frComuneOfNumber
			} else {
				w.str(frComune, row.Comune)
			}
			w.uint(frSame, same)
		})
		if len(w.b) == start { // an empty row still counts
			w.tag(fcRow, wireBytes)
			w.b = append(w.b, 0)
		}
	}
	return w.b
}

// decodeFeed reads a feed change in either form.
func decodeFeed(raw []byte, c *FeedChange) error {
	*c = FeedChange{}
	if len(raw) > 0 && raw[0] == '{' {
		return json.Unmarshal(raw, c)
	}
	if len(raw) == 0 || raw[0] != magicFeed {
		return errRecord
	}
	var refs []uint64 // per row: its frNumberIdx, and bit 63 for frComuneOfNumber
	r := recReader{b: raw[1:]}
	for r.next() {
		switch r.num {
		case fcSeq:
			c.Seq = r.v
		case fcLineage:
			c.Lineage = r.v
		case fcNumbersEmpty:
			if c.Numbers == nil {
				c.Numbers = []string{}
			}
		case fcNumber:
			c.Numbers = append(c.Numbers, r.str())
		case fcRowsEmpty:
			if c.Rows == nil {
				c.Rows = []FeedRow{}
			}
		case fcRow:
			var row FeedRow
			var same, idx uint64
			var fromDays, toDays int64
			hasFrom, hasTo := false, false
			in := recReader{b: r.raw}
			for in.next() {
				switch in.num {
				case frPlate:
					row.Plate = in.str()
				case frCountry:
					row.Country = in.str()
				case frFromDays:
					fromDays, hasFrom = in.sint(), true
				case frFrom:
					row.From = in.str()
				case frToDays:
					toDays, hasTo = in.sint(), true
				case frToAbs:
					if d, ok := dayFrom1970(in.sint()); ok {
						row.To = d.ISO()
					} else {
						in.err = errRecord
					}
				case frTo:
					row.To = in.str()
				case frClassCode:
					row.Class = enumOf(classCodes, in.v)
				case frClass:
					row.Class = in.str()
				case frNumberIdx:
					idx = in.v
				case frNumber:
					row.Number = in.str()
				case frComune:
					row.Comune = in.str()
				case frSame:
					same = in.v
				}
			}
			if in.err != nil {
				r.err = in.err
			}
			if hasFrom {
				from, ok1 := dayFrom1970(fromDays)
				to, ok2 := dayFrom1970(fromDays + toDays)
				if !ok1 || hasTo && (!ok2 || toDays < minDay-maxDay || toDays > maxDay-minDay) {
					r.err = errRecord
					continue
				}
				row.From = from.ISO()
				if hasTo {
					row.To = to.ISO()
				}
			} else if hasTo {
				r.err = errRecord
			}
			if same&frCountryIT != 0 {
				row.Country = "IT"
			}
			if same&frComuneOfNumber != 0 {
				idx |= 1 << 63 // resolved below, once Number is known
			}
			refs = append(refs, idx)
			c.Rows = append(c.Rows, row)
		}
	}
	if r.err != nil {
		*c = FeedChange{}
		return r.err
	}
	// A row's number may name a number listed after it: resolved at the end.
	for i, ref := range refs {
		row := &c.Rows[i]
		if k := ref &^ (1 << 63); k != 0 {
			if k > uint64(len(c.Numbers)) {
				*c = FeedChange{}
				return errRecord
			}
			row.Number = c.Numbers[k-1]
		}
		if ref&(1<<63) != 0 {
			cm, _, _ := strings.Cut(row.Number, "_")
			row.Comune = cm
		}
	}
	return nil
}

// encodeQuery and encodeFeed are the bytes the query log and the feed store.
func encodeQuery(e *QueryEntry) ([]byte, error) {
	if legacyJSONRecords {
		return json.Marshal(e)
	}
	return appendQuery(make([]byte, 0, 96), e), nil
}

func encodeFeed(c *FeedChange) ([]byte, error) {
	if legacyJSONRecords {
		return json.Marshal(c)
	}
	return appendFeed(make([]byte, 0, 64+48*len(c.Rows)), c), nil
}
