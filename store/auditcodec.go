package store

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"vivipass/domain"
)

// Compact audit entries (issue 14.1). An entry was stored as its JSON (~900 bytes on
// the demo: field names, the labels of the changed fields, hex hashes). It is now a
// record of reccodec.go's form with magic 0xB5; a stored entry that starts with '{'
// is the JSON of earlier vivipass versions and is read as such.
//
// The chain does not change: Hash is sha256(Prev || json.Marshal(entry)), so the
// codec gives back the very Go value it was given (every string byte for byte, the
// instant and its zone offset, a Sealed that is there even when empty) and
// json.Marshal of the decoded entry is the JSON that was hashed
// (TestAuditCodecKeepsTheJSON, FuzzDecodeAudit). What makes it small:
//   - a text that starts or ends with a phrase of auditPrefixes / auditSuffixes is the
//     phrase's code and the rest ("contrassegno " + number, "Data di rilascio",
//     "dal 04/10/2026" + " alla scadenza del contrassegno, principale");
//   - the instant in UTC with whole microseconds (what Audit writes) is one number;
//   - hashes, digests and the MAC's sum are their 32 bytes, not 64 hex digits; the
//     records written are kind, id (difference from the one before) and 16 bytes.
// Anything not in the expected form (upper-case hex, another zone, a record name not
// as recordRef.text writes it) is kept as text. Decoding uses no reflection.

const magicAudit = 0xB5

// Field numbers of an audit entry. Append only; never reuse a number. A text field
// t comes with t+1 (the code of its prefix), t+2 (the code of its suffix) and t+3
// (what is between them when it is a date dd/mm/yyyy: days since 1970).
const (
	aSeq       = 1
	aAtMicro   = 2 // At in UTC, whole microseconds since 1970 (zigzag)
	aAt        = 3 // At otherwise: nested seconds, nanoseconds, zone offset
	aOperator  = 4 // text; 5 prefix, 6 suffix, 7 date
	aComune    = 8
	aChannel   = 12
	aAction    = 16
	aSubject   = 20
	aLineage   = 24
	aDetail    = 25
	aChange    = 29 // repeated, nested (chField…)
	aRecords   = 30 // the records, packed (packAuditRefs), when all are recordRef.text's
	aRecord    = 31 // repeated: a record as text, when one is not
	aSealed    = 32 // nested: 1 N (zigzag, always there), 2 digest raw, 3 digest text
	aPrevRaw   = 33
	aPrev      = 34
	aHashRaw   = 35
	aHash      = 36
	aMACKey    = 37 // the MAC is MACKey ":" hex(MACSum), MACKey maybe as its bytes (aMACKeyRaw)
	aMACSum    = 38
	aMAC       = 39 // the MAC as text, when not of that form
	aMACKeyRaw = 40
	chField    = 1 // text; 2 prefix, 3 suffix, 4 date
	chBefore   = 5
	chAfter    = 9
	sealN      = 1
	sealDigRaw = 2
	sealDig    = 3
)

// Phrases of audit texts (the service's words). Append only: a code is never given
// to another phrase. A code the table does not have makes the entry unreadable (an
// entry must never decode to other words than it was written with).
var auditPrefixes = []string{
	// operators, channels, comuni settings
	"sistema", "cli", "sportello", "app", "import",
	// actions
	"rilascio", "rinnovo", "duplicato", "trasferimento", "sospensione", "riattivazione", "revoca", "decesso",
	"targhe", "modifica", "stampa", "import massivo", "registrazione", "sigillo del registro",
	"inizializzazione", "impostazioni comune", "piattaforma nazionale", "operatore registrato",
	"operatore rimosso", "avviso in bacheca", "avviso rimosso", "anagrafica", "anagrafiche",
	// subjects
	"contrassegno ", "persona ", "comune ", "operatore ", "file ", "cliente ", "chiave ", "modulo ",
	"stampante ", "messaggio PEC n. ", "bacheca", "posta PEC", "record aggiornati",
	// changed fields (service/history.go passFields) and their values
	"Numero", "Comune", "Titolare", "Tipo", "Stato", "Motivo dello stato", "Data di rilascio", "Decorrenza",
	"Scadenza", "Duplicato", "Denuncia", "Numero precedente", "Note", "Consenso al circuito nazionale",
	"Invio alla piattaforma nazionale", "CUDE ID", "Codice univoco", "Targa ",
	"attivo", "in scadenza", "scaduto", "sospeso", "revocato", "rinnovato", "sostituito", "trasferito",
	"permanente", "temporaneo", "no", "sì", "sì, per ", "in coda", "inviato", "non inviato", "errore",
	"dal ", "fino", "n. ", "VENEZIA (VE)", "PADOVA (PD)",
	// details
	"contrassegno permanente intestato a ", "contrassegno temporaneo intestato a ", "sospeso dal ",
	"revocato dal ", "revocato per decesso del titolare dal ", "riattivato dal ", "rinnovo: validità dal ",
	"aggiunta targa ", "rimossa targa ", "trasferito dal comune ", "consegnato al comune ",
	"scrittura senza un'operazione di sportello", "decesso del titolare", "verifica dei requisiti in corso",
	"requisiti non più presenti",
	// more actions (service: clients, keys, templates, printers, PEC)
	"cliente HTTP registrato", "cliente HTTP revocato", "chiave di firma creata", "chiave di firma spostata",
	"chiave di firma ruotata", "chiave del registro ruotata", "modulo eliminato", "stampante rimossa",
	"impostazioni di stampa", "casella PEC configurata", "posta PEC ricevuta", "richiesta PEC ",
	"richiesta PEC collegata", "targa aggiunta",
}

// auditPhrases are the tables of audit entries' texts.
var auditPhrases = phrases{auditPrefixes, auditSuffixes}

// phrases are the words a kind of record's texts often start (pre) or end (suf) with.
type phrases struct{ pre, suf []string }

var auditSuffixes = []string{
	" alla scadenza del contrassegno, principale", " alla scadenza del contrassegno, solo circuito regionale",
	" alla scadenza del contrassegno", ", principale", ", solo circuito regionale",
	"; creata la nuova anagrafica", "; targhe chiuse", " (VE)", " (PD)",
}

// affix writes s as the longest phrase of ph.pre it starts with (field n+1), the
// longest of ph.suf it then ends with (n+2) and the text between (n), or
// its days since 1970 when it is a date as the service writes them (n+3).
func (w *recWriter) affix(n int, s string, ph *phrases) {
	if s == "" {
		return
	}
	pre := longestAffix(ph.pre, s, strings.HasPrefix)
	if pre > 0 {
		s = s[len(ph.pre[pre-1]):]
	}
	suf := longestAffix(ph.suf, s, strings.HasSuffix)
	if suf > 0 {
		s = s[:len(s)-len(ph.suf[suf-1])]
	}
	if d, ok := textDate(s); ok {
		w.delta(n+3, int64(epoch.DaysUntil(d)))
	} else {
		w.str(n, s)
	}
	w.uint(n+1, uint64(pre))
	w.uint(n+2, uint64(suf))
}

// textDate is s as a date when s is exactly what Date.String writes for it.
func textDate(s string) (domain.Date, bool) {
	if len(s) != 10 || s[2] != '/' || s[5] != '/' {
		return domain.Date{}, false
	}
	dd, ok1 := digits(s[:2])
	mm, ok2 := digits(s[3:5])
	yy, ok3 := digits(s[6:])
	if !ok1 || !ok2 || !ok3 {
		return domain.Date{}, false
	}
	d, ok := domain.NewDate(yy, time.Month(mm), dd)
	return d, ok && d.String() == s
}

// The days from 1970 of the first and last dates a text can hold (years 1 to 9999).
var (
	minDay = int64(epoch.DaysUntil(domain.MustDate(1, time.January, 1)))
	maxDay = int64(epoch.DaysUntil(domain.MustDate(9999, time.December, 31)))
)

// dayFrom1970 is the date n days from 1970; false beyond years 1–9999 (no date the
// codecs write: the record is damaged).
func dayFrom1970(n int64) (domain.Date, bool) {
	if n < minDay || n > maxDay {
		return domain.Date{}, false
	}
	return epoch.AddDays(int(n)), true
}

// longestAffix is the code (index+1) of the longest phrase of table that s starts
// (or ends) with; 0: none.
func longestAffix(table []string, s string, has func(s, p string) bool) int {
	code, n := 0, 0
	for i, p := range table {
		if len(p) > n && has(s, p) {
			code, n = i+1, len(p)
		}
	}
	return code
}

// affixText collects the three fields of a text as they are read.
type affixText struct {
	mid      string
	pre, suf uint64
}

// read takes field r.num if it is one of base's three; false: another field.
func (a *affixText) read(r *recReader, base int) bool {
	switch r.num {
	case base:
		a.mid = r.str()
	case base + 1:
		a.pre = r.v
	case base + 2:
		a.suf = r.v
	case base + 3:
		d, ok := dayFrom1970(r.sint())
		if !ok {
			r.err = errRecord
			return true
		}
		a.mid = d.String()
	default:
		return false
	}
	return true
}

// text is the whole text; a code no table has marks the record malformed.
func (a *affixText) text(r *recReader, ph *phrases) string {
	if a.pre > uint64(len(ph.pre)) || a.suf > uint64(len(ph.suf)) {
		r.err = errRecord
		return ""
	}
	if a.pre == 0 && a.suf == 0 {
		return a.mid
	}
	return enumOf(ph.pre, a.pre) + a.mid + enumOf(ph.suf, a.suf)
}

// hexSum writes a hash of 64 lower-case hex digits as its 32 bytes (field raw), any
// other text as it is (field text).
func (w *recWriter) hexSum(raw, text int, s string) {
	if len(s) == 64 && lowerHex(s) {
		var b [32]byte
		hex.Decode(b[:], []byte(s))
		w.tag(raw, wireBytes)
		w.b = append(append(w.b, 32), b[:]...)
		return
	}
	w.str(text, s)
}

// lowerHex: hex.EncodeToString gives s back from its bytes.
func lowerHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

func (r *recReader) hexSum() string {
	if len(r.raw) != 32 {
		r.err = errRecord
		return ""
	}
	return hex.EncodeToString(r.raw)
}

// atInstant writes At: UTC with whole microseconds as one number, anything else
// (a fraction below the microsecond, another zone, an instant json cannot write)
// as seconds, nanoseconds and offset. The zero instant in UTC is left out.
func (w *recWriter) atInstant(t time.Time) {
	_, off := t.Zone()
	if off == 0 && t.IsZero() {
		return
	}
	if y := t.Year(); off == 0 && t.Nanosecond()%1000 == 0 && y > 0 && y < 10000 {
		w.tag(aAtMicro, wireVarint)
		w.b = binary.AppendVarint(w.b, t.UnixMicro())
		return
	}
	w.nested(aAt, func(w *recWriter) {
		w.delta(1, t.Unix()) // 0 too: the nested record is never empty
		w.uint(2, uint64(t.Nanosecond()))
		w.int(3, int64(off))
	})
}

// canonicalRefs: every record is what recordRef.text writes, so the packed form
// gives the same strings back.
func canonicalRefs(recs []string) ([]recordRef, bool) {
	refs := make([]recordRef, 0, len(recs))
	for _, s := range recs {
		r, ok := parseRef(s)
		if !ok || r.text() != s {
			return nil, false
		}
		refs = append(refs, r)
	}
	return refs, true
}

// packAuditRefs: per record uvarint(zigzag(id − the previous id of its kind) << 1 |
// person) and the 16 bytes of its hash (as the side lists, seal.go).
func packAuditRefs(b []byte, refs []recordRef) ([]byte, bool) {
	var prev [2]uint64
	for _, r := range refs {
		k := uint64(0)
		if r.kind == sealPerson {
			k = 1
		}
		d := int64(r.id - prev[k])
		prev[k] = r.id
		zz := uint64(d<<1 ^ d>>63)
		if zz>>63 != 0 {
			return b, false
		}
		b = binary.AppendUvarint(b, zz<<1|k)
		b = append(b, r.hash[:]...)
	}
	return b, true
}

func unpackAuditRefs(b []byte, out []string) ([]string, bool) {
	var prev [2]uint64
	for len(b) > 0 {
		v, n := binary.Uvarint(b)
		if n <= 0 || len(b)-n < 16 {
			return out, false
		}
		b = b[n:]
		k, z := v&1, v>>1
		prev[k] += uint64(int64(z>>1) ^ -int64(z&1))
		r := recordRef{kind: sealPass, id: prev[k]}
		if k == 1 {
			r.kind = sealPerson
		}
		copy(r.hash[:], b[:16])
		b = b[16:]
		out = append(out, r.text())
	}
	return out, true
}

// appendAudit is the compact record of an audit entry.
func appendAudit(b []byte, e *AuditEntry) []byte {
	w := recWriter{b: append(b, magicAudit)}
	w.uint(aSeq, e.Seq)
	w.atInstant(e.At)
	w.affix(aOperator, e.Operator, &auditPhrases)
	w.affix(aComune, e.Comune, &auditPhrases)
	w.affix(aChannel, string(e.Channel), &auditPhrases)
	w.affix(aAction, e.Action, &auditPhrases)
	w.affix(aSubject, e.Subject, &auditPhrases)
	w.uint(aLineage, e.Lineage)
	w.affix(aDetail, e.Detail, &auditPhrases)
	for i := range e.Changes {
		c := &e.Changes[i]
		start := len(w.b)
		w.nested(aChange, func(w *recWriter) {
			w.affix(chField, c.Field, &auditPhrases)
			w.affix(chBefore, c.Before, &auditPhrases)
			w.affix(chAfter, c.After, &auditPhrases)
		})
		if len(w.b) == start { // an empty change still counts: keep its place
			w.tag(aChange, wireBytes)
			w.b = append(w.b, 0)
		}
	}
	if len(e.Records) > 0 {
		packed := false
		if refs, ok := canonicalRefs(e.Records); ok {
			var body []byte
			if body, ok = packAuditRefs(make([]byte, 0, len(refs)*18), refs); ok {
				w.tag(aRecords, wireBytes)
				w.b = binary.AppendUvarint(w.b, uint64(len(body)))
				w.b = append(w.b, body...)
				packed = true
			}
		}
		if !packed {
			for _, s := range e.Records {
				w.tag(aRecord, wireBytes) // "" too: its place counts
				w.b = binary.AppendUvarint(w.b, uint64(len(s)))
				w.b = append(w.b, s...)
			}
		}
	}
	if s := e.Sealed; s != nil {
		w.nested(aSealed, func(w *recWriter) {
			w.delta(sealN, int64(s.N))
			w.hexSum(sealDigRaw, sealDig, s.Digest)
		})
	}
	w.hexSum(aPrevRaw, aPrev, e.Prev)
	w.hexSum(aHashRaw, aHash, e.Hash)
	if i := strings.LastIndexByte(e.MAC, ':'); i >= 0 && len(e.MAC)-i-1 == 64 && lowerHex(e.MAC[i+1:]) {
		if key := e.MAC[:i]; len(key)%2 == 0 && lowerHex(key) {
			k, _ := hex.DecodeString(key)
			w.tag(aMACKeyRaw, wireBytes)
			w.b = binary.AppendUvarint(w.b, uint64(len(k)))
			w.b = append(w.b, k...)
		} else {
			w.str(aMACKey, key)
		}
		w.hexSum(aMACSum, aMAC, e.MAC[i+1:])
	} else {
		w.str(aMAC, e.MAC)
	}
	return w.b
}

// decodeAudit reads a stored audit entry in either form (compact, or JSON). It is the
// only reader of the bucket's values.
func decodeAudit(raw []byte, e *AuditEntry) error {
	*e = AuditEntry{}
	if len(raw) > 0 && raw[0] == '{' {
		return json.Unmarshal(raw, e)
	}
	if len(raw) == 0 || raw[0] != magicAudit {
		return errRecord
	}
	var operator, comune, channel, action, subject, detail affixText
	var macKey, macSum string
	hasMACSum := false
	r := recReader{b: raw[1:]}
	for r.next() {
		switch {
		case operator.read(&r, aOperator), comune.read(&r, aComune), channel.read(&r, aChannel),
			action.read(&r, aAction), subject.read(&r, aSubject), detail.read(&r, aDetail):
			continue
		}
		switch r.num {
		case aSeq:
			e.Seq = r.v
		case aAtMicro:
			e.At = time.UnixMicro(r.sint()).UTC()
		case aAt:
			e.At = r.time()
		case aLineage:
			e.Lineage = r.v
		case aChange:
			var c FieldChange
			var field, before, after affixText
			in := recReader{b: r.raw}
			for in.next() {
				_ = field.read(&in, chField) || before.read(&in, chBefore) || after.read(&in, chAfter)
			}
			c.Field, c.Before, c.After = field.text(&in, &auditPhrases), before.text(&in, &auditPhrases), after.text(&in, &auditPhrases)
			if in.err != nil {
				r.err = in.err
			}
			e.Changes = append(e.Changes, c)
		case aRecords:
			var ok bool
			if e.Records, ok = unpackAuditRefs(r.raw, e.Records); !ok {
				r.err = errRecord
			}
		case aRecord:
			e.Records = append(e.Records, r.str())
		case aSealed:
			s := &SealRef{}
			in := recReader{b: r.raw}
			for in.next() {
				switch in.num {
				case sealN:
					s.N = int(in.sint())
				case sealDigRaw:
					s.Digest = in.hexSum()
				case sealDig:
					s.Digest = in.str()
				}
			}
			if in.err != nil {
				r.err = in.err
			}
			e.Sealed = s
		case aPrevRaw:
			e.Prev = r.hexSum()
		case aPrev:
			e.Prev = r.str()
		case aHashRaw:
			e.Hash = r.hexSum()
		case aHash:
			e.Hash = r.str()
		case aMACKey:
			macKey = r.str()
		case aMACKeyRaw:
			macKey = hex.EncodeToString(r.raw)
		case aMACSum:
			macSum, hasMACSum = r.hexSum(), true
		case aMAC:
			e.MAC = r.str()
		}
	}
	e.Operator, e.Comune, e.Action = operator.text(&r, &auditPhrases), comune.text(&r, &auditPhrases), action.text(&r, &auditPhrases)
	e.Subject, e.Detail = subject.text(&r, &auditPhrases), detail.text(&r, &auditPhrases)
	e.Channel = domain.Channel(channel.text(&r, &auditPhrases))
	if hasMACSum {
		e.MAC = macKey + ":" + macSum
	}
	if r.err != nil {
		*e = AuditEntry{}
		return r.err
	}
	return nil
}

// encodeAudit is the bytes the audit bucket stores for e.
func encodeAudit(e *AuditEntry) ([]byte, error) {
	if legacyJSONRecords {
		return json.Marshal(e)
	}
	return appendAudit(make([]byte, 0, 384), e), nil
}

// putAudit stores e under its sequence.
func (t *Tx) putAudit(e *AuditEntry) error {
	raw, err := encodeAudit(e)
	if err != nil {
		return err
	}
	return t.bucket("audit").Put(u64(e.Seq), raw)
}

// auditEntry reads the entry seq (ErrNotFound: none).
func (t *Tx) auditEntry(seq uint64) (AuditEntry, error) {
	var e AuditEntry
	raw := t.bucket("audit").Get(u64(seq))
	if raw == nil {
		return e, ErrNotFound
	}
	if err := decodeAudit(raw, &e); err != nil {
		return e, recordError("audit", u64(seq), err)
	}
	return e, nil
}

// auditHasMAC reports whether a stored entry carries a MAC.
func auditHasMAC(raw []byte) bool {
	var e AuditEntry
	return decodeAudit(raw, &e) == nil && e.MAC != ""
}

// EncodeAudit is the stored form of an entry (tests that change the file as a hand
// outside the program would).
func EncodeAudit(e AuditEntry) []byte { return appendAudit(nil, &e) }

// DecodeAudit reads a stored audit entry (either form).
func DecodeAudit(raw []byte) (AuditEntry, error) {
	var e AuditEntry
	err := decodeAudit(raw, &e)
	return e, err
}

// decodeValue reads a stored value for get and forEach: an audit entry through
// decodeAudit, anything else as JSON.
func decodeValue(raw []byte, v any) error {
	if e, ok := v.(*AuditEntry); ok {
		return decodeAudit(raw, e)
	}
	return json.Unmarshal(raw, v)
}

// encodeValue is the stored form of a value for put (an audit entry's compact form).
func encodeValue(v any) ([]byte, error) {
	switch e := v.(type) {
	case *AuditEntry:
		return encodeAudit(e)
	case AuditEntry:
		return encodeAudit(&e)
	}
	return json.Marshal(v)
}

// appendAuditJSON appends json.Marshal(e), byte for byte, without reflection (the
// chain's hash covers it: VerifyAudit computes it for every entry). ok false: a text
// json would escape (a quote, a control character, <, >, &, invalid UTF-8, U+2028/9)
// or an instant it cannot write; the caller uses json.Marshal then. Tested against
// json.Marshal (TestAuditJSONIsJSONMarshal, FuzzDecodeAudit).
func appendAuditJSON(b []byte, e *AuditEntry) (_ []byte, ok bool) {
	b = append(b, `{"seq":`...)
	b = strconv.AppendUint(b, e.Seq, 10)
	b = append(b, `,"at":"`...)
	b, err := e.At.AppendText(b)
	if err != nil {
		return nil, false
	}
	b = append(b, '"')
	str := func(name string, s string, omitEmpty bool) {
		if !ok || omitEmpty && s == "" {
			return
		}
		b = append(b, name...)
		b, ok = appendPlainJSONString(b, s)
	}
	ok = true
	str(`,"operator":`, e.Operator, false)
	str(`,"comune":`, e.Comune, true)
	str(`,"channel":`, string(e.Channel), true)
	str(`,"action":`, e.Action, false)
	str(`,"subject":`, e.Subject, false)
	if e.Lineage != 0 {
		b = append(b, `,"lineage":`...)
		b = strconv.AppendUint(b, e.Lineage, 10)
	}
	str(`,"detail":`, e.Detail, true)
	if len(e.Changes) > 0 {
		b = append(b, `,"changes":[`...)
		for i := range e.Changes {
			c := &e.Changes[i]
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"field":`, c.Field, false)
			str(`,"before":`, c.Before, true)
			str(`,"after":`, c.After, true)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(e.Records) > 0 {
		b = append(b, `,"records":`...)
		for i, r := range e.Records {
			sep := ","
			if i == 0 {
				sep = "["
			}
			str(sep, r, false)
		}
		b = append(b, ']')
	}
	if s := e.Sealed; s != nil {
		b = append(b, `,"sealed":{"n":`...)
		b = strconv.AppendInt(b, int64(s.N), 10)
		str(`,"digest":`, s.Digest, false)
		b = append(b, '}')
	}
	str(`,"prev":`, e.Prev, false)
	str(`,"hash":`, e.Hash, false)
	str(`,"mac":`, e.MAC, true)
	return append(b, '}'), ok
}

// appendPlainJSONString appends s quoted when json.Marshal writes it with no escape
// (false: it would escape something).
func appendPlainJSONString(b []byte, s string) ([]byte, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
				return b, false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return b, false
		}
		i += size
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"'), true
}
