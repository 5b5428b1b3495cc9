package store

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"vivipass/domain"
)

// Compact records (issue 14.1). Pass versions and people are stored in a small
// hand-written binary form instead of JSON (whose field names were half of each pass):
//
//	record  = magic(1) field*
//	field   = tag(uvarint: number<<1 | wire) value
//	wire 0  = uvarint (integers, bools, dates, zigzag for signed values)
//	wire 1  = uvarint length, bytes (strings, nested records: plates, national, report)
//
// A field whose value is the zero value is left out. Decoding skips the numbers it
// does not know, so a later vivipass can add fields (with new numbers) and an older
// one still reads the record; a number is never reused. Dates are days since
// 1970-01-01 (zigzag), instants seconds (zigzag), nanoseconds and the zone's offset.
// A record that starts with '{' is the JSON of schema 10 and earlier (the migration
// re-encodes them; the decoder still reads them, e.g. a scratch copy half migrated).
// Encoding and decoding use no reflection.
//
// Smaller since (#14.1), with new numbers only (the records written before read as
// they did, testdata/passes-codec-before-14.txt): a word of a known set is its code
// (text otherwise), a field equal to another is a bit of a "same" field (pSame,
// plSame, qSame) resolved once the whole record is read, an instant in whole seconds
// and UTC is one number, a pass's later dates are days from the one before, its
// circuit number is its progressive, a codice fiscale is packed in 12 bytes. A reader
// of one field alone (PersonDied) must know whether a bit can stand for it.

const (
	magicPass   = 0xB1
	magicPerson = 0xB2
	wireVarint  = 0
	wireBytes   = 1
)

// legacyJSONRecords makes PutPass and PutPerson write JSON as schema 10 did (tests
// that build a register as the previous vivipass wrote it).
var legacyJSONRecords bool

var epoch = domain.MustDate(1970, time.January, 1)

type recWriter struct{ b []byte }

func (w *recWriter) tag(n, wire int) { w.b = binary.AppendUvarint(w.b, uint64(n)<<1|uint64(wire)) }

func (w *recWriter) uint(n int, v uint64) {
	if v != 0 {
		w.tag(n, wireVarint)
		w.b = binary.AppendUvarint(w.b, v)
	}
}

func (w *recWriter) int(n int, v int64) {
	if v != 0 {
		w.tag(n, wireVarint)
		w.b = binary.AppendVarint(w.b, v)
	}
}

func (w *recWriter) bool(n int, v bool) {
	if v {
		w.uint(n, 1)
	}
}

func (w *recWriter) str(n int, s string) {
	if s != "" {
		w.tag(n, wireBytes)
		w.b = binary.AppendUvarint(w.b, uint64(len(s)))
		w.b = append(w.b, s...)
	}
}

// date writes a date as its days since 1970 (a date of 1970-01-01 too: presence says it).
func (w *recWriter) date(n int, d domain.Date) {
	if !d.IsZero() {
		w.tag(n, wireVarint)
		w.b = binary.AppendVarint(w.b, int64(epoch.DaysUntil(d)))
	}
}

// time writes an instant as a nested record: 1 seconds, 2 nanoseconds, 3 zone offset.
func (w *recWriter) time(n int, t time.Time) {
	if t.IsZero() {
		return
	}
	w.nested(n, func(w *recWriter) {
		w.int(1, t.Unix())
		w.uint(2, uint64(t.Nanosecond()))
		_, off := t.Zone()
		w.int(3, int64(off))
	})
}

// nested writes a record inside a field: its length, then its fields. An empty one is
// left out.
func (w *recWriter) nested(n int, fn func(*recWriter)) {
	start := len(w.b)
	w.tag(n, wireBytes)
	lenAt := len(w.b)
	w.b = append(w.b, 0) // the length: one byte below 128, else moved below
	body := len(w.b)
	fn(w)
	size := len(w.b) - body
	switch {
	case size == 0:
		w.b = w.b[:start]
	case size < 0x80:
		w.b[lenAt] = byte(size)
	default:
		var lb [binary.MaxVarintLen64]byte
		ln := binary.PutUvarint(lb[:], uint64(size))
		w.b = append(w.b, lb[:ln-1]...) // grow by the extra length bytes
		copy(w.b[body+ln-1:], w.b[body:body+size])
		copy(w.b[lenAt:], lb[:ln])
	}
}

var errRecord = errors.New("record binario troncato o malformato")

// recReader walks the fields of a record.
type recReader struct {
	b   []byte
	err error
	// the current field
	num  int
	wire int
	v    uint64
	raw  []byte
}

// next reads the next field; false at the end or on a malformed record (err).
func (r *recReader) next() bool {
	if len(r.b) == 0 || r.err != nil {
		return false
	}
	tag, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errRecord
		return false
	}
	r.b = r.b[n:]
	r.num, r.wire = int(tag>>1), int(tag&1)
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.err = errRecord
		return false
	}
	r.b = r.b[n:]
	r.v, r.raw = v, nil
	if r.wire == wireBytes {
		if v > uint64(len(r.b)) {
			r.err = errRecord
			return false
		}
		r.raw, r.b = r.b[:v], r.b[v:]
	}
	return true
}

func (r *recReader) str() string { return string(r.raw) }
func (r *recReader) sint() int64 { return int64(r.v>>1) ^ -int64(r.v&1) }
func (r *recReader) date() domain.Date {
	return epoch.AddDays(int(r.sint()))
}

func (r *recReader) time() time.Time {
	var sec, off int64
	var nsec uint64
	in := recReader{b: r.raw}
	for in.next() {
		switch in.num {
		case 1:
			sec = in.sint()
		case 2:
			nsec = in.v
		case 3:
			off = in.sint()
		}
	}
	if in.err != nil {
		r.err = in.err
	}
	t := time.Unix(sec, int64(nsec))
	if off == 0 {
		return t.UTC()
	}
	return t.In(time.FixedZone("", int(off)))
}

// Field numbers of a pass version. Append only; never reuse a number.
const (
	pID = iota + 1
	pLineage
	pPrevID
	pNextID
	pNumber
	pPreviousNumber
	pComune
	pIssuingComune
	pPersonID
	pHolderCF
	pHolderName
	pKind
	pDataRilascio
	pDataDecorrenza
	pDataScadenza
	pState
	pStateFrom
	pStateReason
	pTransferredTo
	pDuplicate
	pDuplicateReason
	pDenuncia
	pEdition
	pChannel
	pPlate // repeated, one field per plate
	pNextPlateID
	pNational
	pNote
	pImportFile
	pVersion
	pCreatedAt
	pCreatedBy
	pUpdatedAt
	pUpdatedBy
	// #14.1, smaller: a word of a known set as its code, what repeats another field
	// as a bit, instants in whole seconds (UTC) as one number, the dates after the
	// first as days from the one before, a circuit number as its progressive.
	pKindCode
	pStateCode
	pChannelCode
	pDuplicateReasonCode
	pSame            // bits: sameUpdatedAt, sameUpdatedBy, sameIssuing
	pCreatedSec      // CreatedAt in whole seconds, UTC
	pUpdatedSec      // UpdatedAt in whole seconds, UTC
	pDecorrenzaDelta // DataDecorrenza − DataRilascio, in days
	pScadenzaDelta   // DataScadenza − DataDecorrenza, in days
	pNumberSeq       // Number is FormatNumber(IssuingComune, year, this)
	pNumberYearDelta // that year − DataRilascio's year (left out when 0)
	pHolderCFPacked  // HolderCF of 16 letters and digits in 12 bytes (packCF)
)

// Bits of pSame.
const (
	sameUpdatedAt  = 1 << iota // UpdatedAt is CreatedAt
	sameUpdatedBy              // UpdatedBy is CreatedBy
	sameIssuing                // IssuingComune is Comune
	sameLineage                // Lineage is ID (a first version)
	sameVersion1               // Version is 1
	sameNextPlate              // NextPlateID is the number of plates
	sameDecorrenza             // DataDecorrenza is DataRilascio
)

// Field numbers inside a plate (pPlate). Append only; never reuse a number.
const (
	plID = iota + 1
	plNumber
	plCountry
	plClass
	plFrom
	plTo
	plRole
	plAddedAt
	plAddedBy
	plChannel
	plClassCode
	plRoleCode
	plChannelCode
	plSame     // bits: plSameAddedAt, plSameAddedBy, … plCountryIT
	plAddedSec // AddedAt in whole seconds, UTC
)

// Bits of plSame: the plate's field is the pass's.
const (
	plSameAddedAt = 1 << iota // AddedAt is the pass's CreatedAt
	plSameAddedBy             // AddedBy is the pass's CreatedBy
	plSameChannel             // Channel is the pass's Channel
	plSameFrom                // From is the pass's DataDecorrenza
	plIDByPlace               // ID is the plate's place in the list, from 1
	plCountryIT               // Country is "IT"
	plClassAuto               // Class is autoveicolo
)

// National fields (pNational). Append only.
const (
	natConsent = iota + 1
	natCudeID
	natCodiceUnivoco
	natStatus
	natLastError
	natStatusCode
)

// Codes of the known words (index+1). Append only: a code is never given to another
// word; a word not in its table is written as text.
var (
	kindCodes     = []string{string(domain.Permanente), string(domain.Temporaneo)}
	stateCodes    = []string{string(domain.Attivo), string(domain.InScadenza), string(domain.Scaduto), string(domain.Sospeso), string(domain.Revocato), string(domain.Rinnovato), string(domain.Sostituito), string(domain.Trasferito), string(domain.TrasferitoFuori)}
	channelCodes  = []string{string(domain.Sportello), string(domain.App), string(domain.Import)}
	dupCodes      = []string{string(domain.Furto), string(domain.Smarrimento), string(domain.Deterioramento)}
	classCodes    = []string{string(domain.PlateAuto), string(domain.PlateMoto), string(domain.PlateRimorchio), string(domain.PlateCiclomotore), string(domain.PlateEE), string(domain.PlateProvinciale), string(domain.PlateEstera), string(domain.PlateUnknown)}
	roleCodes     = []string{string(domain.RolePrincipale), string(domain.RoleSecondaria)}
	natStateCodes = []string{string(domain.NationalPending), string(domain.NationalSent), string(domain.NationalFailed), string(domain.NationalSkipped)}
)

// instant writes t as whole seconds (field sec) when it has no fraction and no zone
// offset, else as time() does (field full).
func (w *recWriter) instant(full, sec int, t time.Time) {
	if t.IsZero() {
		return
	}
	if _, off := t.Zone(); off == 0 && t.Nanosecond() == 0 {
		w.tag(sec, wireVarint)
		w.b = binary.AppendVarint(w.b, t.Unix())
		return
	}
	w.time(full, t)
}

// delta writes a number that may be 0 (a difference of days): presence says it.
func (w *recWriter) delta(n int, v int64) {
	w.tag(n, wireVarint)
	w.b = binary.AppendVarint(w.b, v)
}

func (r *recReader) seconds() time.Time { return time.Unix(r.sint(), 0).UTC() }

// cf writes a codice fiscale of 16 capital letters and digits as 16 six-bit
// symbols (12 bytes instead of 16; field packed), anything else as text (field text).
func (w *recWriter) cf(text, packed int, s string) {
	if len(s) != 16 {
		w.str(text, s)
		return
	}
	var v [12]byte
	for i := 0; i < 16; i += 4 {
		var x uint32
		for k := range 4 {
			c := s[i+k]
			var sym uint32
			switch {
			case c >= '0' && c <= '9':
				sym = uint32(c - '0')
			case c >= 'A' && c <= 'Z':
				sym = uint32(c-'A') + 10
			default:
				w.str(text, s)
				return
			}
			x = x<<6 | sym
		}
		v[i/4*3], v[i/4*3+1], v[i/4*3+2] = byte(x>>16), byte(x>>8), byte(x)
	}
	w.tag(packed, wireBytes)
	w.b = append(append(w.b, 12), v[:]...)
}

// cf reads a packed codice fiscale; a symbol beyond Z marks the record malformed.
func (r *recReader) cf() string {
	if len(r.raw) != 12 {
		r.err = errRecord
		return ""
	}
	var b [16]byte
	for i := 0; i < 4; i++ {
		x := uint32(r.raw[i*3])<<16 | uint32(r.raw[i*3+1])<<8 | uint32(r.raw[i*3+2])
		for k := 3; k >= 0; k-- {
			sym := byte(x & 63)
			x >>= 6
			switch {
			case sym < 10:
				b[i*4+k] = '0' + sym
			case sym < 36:
				b[i*4+k] = 'A' + sym - 10
			default:
				r.err = errRecord
				return ""
			}
		}
	}
	return string(b[:])
}

// numberSeq is the progressive of Number when Number is exactly
// IssuingComune_YYYY_NNNNN (domain.FormatNumber's form, P2; ok false: written as text).
// By hand, not ParseNumber's regexp: every pass written goes through it.
func numberSeq(p *domain.Pass) (seq int, yearDelta int, ok bool) {
	c, n := p.IssuingComune, p.Number
	if c == "" || len(n) != len(c)+11 || n[:len(c)] != c || n[len(c)] != '_' || n[len(c)+5] != '_' {
		return 0, 0, false
	}
	year, ok1 := digits(n[len(c)+1 : len(c)+5])
	seq, ok2 := digits(n[len(c)+6:])
	if !ok1 || !ok2 {
		return 0, 0, false
	}
	return seq, year - p.DataRilascio.Year(), true
}

func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// formatNumber is domain.FormatNumber without fmt (every pass read goes through it).
func formatNumber(comune string, year, seq int) string {
	if year < 0 || year > 9999 || seq < 0 || seq > 99999 {
		return domain.FormatNumber(comune, year, seq)
	}
	b := make([]byte, 0, len(comune)+11)
	b = append(b, comune...)
	b = append(b, '_', byte('0'+year/1000), byte('0'+year/100%10), byte('0'+year/10%10), byte('0'+year%10), '_')
	b = append(b, byte('0'+seq/10000), byte('0'+seq/1000%10), byte('0'+seq/100%10), byte('0'+seq/10%10), byte('0'+seq%10))
	return string(b)
}

// appendPass is the compact record of a pass version. Plates come last: their bits
// refer to the pass's fields (the decoder resolves them after the whole record).
func appendPass(b []byte, p *domain.Pass) []byte {
	w := recWriter{b: append(b, magicPass)}
	same := uint64(0)
	w.uint(pID, p.ID)
	if p.Lineage != 0 && p.Lineage == p.ID {
		same |= sameLineage
	} else {
		w.uint(pLineage, p.Lineage)
	}
	w.uint(pPrevID, p.PrevID)
	w.uint(pNextID, p.NextID)
	if seq, dy, ok := numberSeq(p); ok {
		w.delta(pNumberSeq, int64(seq))
		w.int(pNumberYearDelta, int64(dy))
	} else {
		w.str(pNumber, p.Number)
	}
	w.str(pPreviousNumber, p.PreviousNumber)
	w.str(pComune, p.Comune)
	if p.IssuingComune != "" && p.IssuingComune == p.Comune {
		same |= sameIssuing
	} else {
		w.str(pIssuingComune, p.IssuingComune)
	}
	w.uint(pPersonID, p.PersonID)
	w.cf(pHolderCF, pHolderCFPacked, p.HolderCF)
	w.str(pHolderName, p.HolderName)
	w.enum(pKind, pKindCode, kindCodes, string(p.Kind))
	w.date(pDataRilascio, p.DataRilascio)
	if !p.DataRilascio.IsZero() && p.DataDecorrenza == p.DataRilascio {
		same |= sameDecorrenza
	} else if !p.DataRilascio.IsZero() && !p.DataDecorrenza.IsZero() {
		w.delta(pDecorrenzaDelta, int64(p.DataRilascio.DaysUntil(p.DataDecorrenza)))
	} else {
		w.date(pDataDecorrenza, p.DataDecorrenza)
	}
	if !p.DataDecorrenza.IsZero() && !p.DataScadenza.IsZero() {
		w.delta(pScadenzaDelta, int64(p.DataDecorrenza.DaysUntil(p.DataScadenza)))
	} else {
		w.date(pDataScadenza, p.DataScadenza)
	}
	w.enum(pState, pStateCode, stateCodes, string(p.State))
	w.date(pStateFrom, p.StateFrom)
	w.str(pStateReason, p.StateReason)
	w.str(pTransferredTo, p.TransferredTo)
	w.bool(pDuplicate, p.Duplicate)
	w.enum(pDuplicateReason, pDuplicateReasonCode, dupCodes, string(p.DuplicateReason))
	w.nested(pDenuncia, func(w *recWriter) {
		w.str(1, p.Denuncia.Numero)
		w.date(2, p.Denuncia.Data)
		w.str(3, p.Denuncia.Autorita)
	})
	w.int(pEdition, int64(p.Edition))
	w.enum(pChannel, pChannelCode, channelCodes, string(p.Channel))
	if p.NextPlateID != 0 && int(p.NextPlateID) == len(p.Plates) {
		same |= sameNextPlate
	} else {
		w.uint(pNextPlateID, uint64(p.NextPlateID))
	}
	w.nested(pNational, func(w *recWriter) {
		w.bool(natConsent, p.National.Consent)
		w.str(natCudeID, p.National.CudeID)
		w.str(natCodiceUnivoco, p.National.CodiceUnivoco)
		w.enum(natStatus, natStatusCode, natStateCodes, string(p.National.Status))
		w.str(natLastError, p.National.LastError)
	})
	w.str(pNote, p.Note)
	w.str(pImportFile, p.ImportFile)
	if p.Version == 1 {
		same |= sameVersion1
	} else {
		w.uint(pVersion, p.Version)
	}
	w.instant(pCreatedAt, pCreatedSec, p.CreatedAt)
	w.str(pCreatedBy, p.CreatedBy)
	if !p.UpdatedAt.IsZero() && p.UpdatedAt.Equal(p.CreatedAt) && sameZone(p.UpdatedAt, p.CreatedAt) {
		same |= sameUpdatedAt
	} else {
		w.instant(pUpdatedAt, pUpdatedSec, p.UpdatedAt)
	}
	if p.UpdatedBy != "" && p.UpdatedBy == p.CreatedBy {
		same |= sameUpdatedBy
	} else {
		w.str(pUpdatedBy, p.UpdatedBy)
	}
	w.uint(pSame, same)
	for i := range p.Plates {
		pl := &p.Plates[i]
		start := len(w.b)
		w.nested(pPlate, func(w *recWriter) {
			same := uint64(0)
			if pl.ID != 0 && pl.ID == uint32(i+1) {
				same |= plIDByPlace
			} else {
				w.uint(plID, uint64(pl.ID))
			}
			w.str(plNumber, pl.Number)
			if pl.Country == "IT" {
				same |= plCountryIT
			} else {
				w.str(plCountry, pl.Country)
			}
			if pl.Class == domain.PlateAuto {
				same |= plClassAuto
			} else {
				w.enum(plClass, plClassCode, classCodes, string(pl.Class))
			}
			if !pl.From.IsZero() && pl.From == p.DataDecorrenza {
				same |= plSameFrom
			} else {
				w.date(plFrom, pl.From)
			}
			w.date(plTo, pl.To)
			w.enum(plRole, plRoleCode, roleCodes, string(pl.Role))
			if !pl.AddedAt.IsZero() && pl.AddedAt.Equal(p.CreatedAt) && sameZone(pl.AddedAt, p.CreatedAt) {
				same |= plSameAddedAt
			} else {
				w.instant(plAddedAt, plAddedSec, pl.AddedAt)
			}
			if pl.AddedBy != "" && pl.AddedBy == p.CreatedBy {
				same |= plSameAddedBy
			} else {
				w.str(plAddedBy, pl.AddedBy)
			}
			if pl.Channel != "" && pl.Channel == p.Channel {
				same |= plSameChannel
			} else {
				w.enum(plChannel, plChannelCode, channelCodes, string(pl.Channel))
			}
			w.uint(plSame, same)
		})
		if len(w.b) == start { // a zero plate still counts: keep its place
			w.tag(pPlate, wireBytes)
			w.b = append(w.b, 0) // length 0
		}
	}
	return w.b
}

// sameZone: two equal instants decode alike (the offset is what the codec keeps).
func sameZone(a, b time.Time) bool {
	_, oa := a.Zone()
	_, ob := b.Zone()
	return oa == ob
}

// decodePass reads a pass version in either form (compact, or the JSON of schema 10).
func decodePass(raw []byte, p *domain.Pass) error {
	*p = domain.Pass{}
	if len(raw) > 0 && raw[0] == '{' {
		return json.Unmarshal(raw, p)
	}
	if len(raw) == 0 || raw[0] != magicPass {
		return errRecord
	}
	var (
		same                   uint64
		seq, yearDelta         int64
		hasSeq                 bool
		decorrenza, scadenza   int64
		hasDecorr, hasScadenza bool
		plBits                 [4]uint8 // the plates' bits, resolved at the end (more: plMore)
		plMore                 []uint8
	)
	r := recReader{b: raw[1:]}
	for r.next() {
		switch r.num {
		case pID:
			p.ID = r.v
		case pLineage:
			p.Lineage = r.v
		case pPrevID:
			p.PrevID = r.v
		case pNextID:
			p.NextID = r.v
		case pNumber:
			p.Number = r.str()
		case pNumberSeq:
			seq, hasSeq = r.sint(), true
		case pNumberYearDelta:
			yearDelta = r.sint()
		case pPreviousNumber:
			p.PreviousNumber = r.str()
		case pComune:
			p.Comune = r.str()
		case pIssuingComune:
			p.IssuingComune = r.str()
		case pPersonID:
			p.PersonID = r.v
		case pHolderCF:
			p.HolderCF = r.str()
		case pHolderCFPacked:
			p.HolderCF = r.cf()
		case pHolderName:
			p.HolderName = r.str()
		case pKind:
			p.Kind = domain.Kind(r.str())
		case pKindCode:
			p.Kind = domain.Kind(enumOf(kindCodes, r.v))
		case pDataRilascio:
			p.DataRilascio = r.date()
		case pDataDecorrenza:
			p.DataDecorrenza = r.date()
		case pDecorrenzaDelta:
			decorrenza, hasDecorr = r.sint(), true
		case pDataScadenza:
			p.DataScadenza = r.date()
		case pScadenzaDelta:
			scadenza, hasScadenza = r.sint(), true
		case pState:
			p.State = domain.State(r.str())
		case pStateCode:
			p.State = domain.State(enumOf(stateCodes, r.v))
		case pStateFrom:
			p.StateFrom = r.date()
		case pStateReason:
			p.StateReason = r.str()
		case pTransferredTo:
			p.TransferredTo = r.str()
		case pDuplicate:
			p.Duplicate = r.v != 0
		case pDuplicateReason:
			p.DuplicateReason = domain.DuplicateReason(r.str())
		case pDuplicateReasonCode:
			p.DuplicateReason = domain.DuplicateReason(enumOf(dupCodes, r.v))
		case pDenuncia:
			in := recReader{b: r.raw}
			for in.next() {
				switch in.num {
				case 1:
					p.Denuncia.Numero = in.str()
				case 2:
					p.Denuncia.Data = in.date()
				case 3:
					p.Denuncia.Autorita = in.str()
				}
			}
			r.err = in.err
		case pEdition:
			p.Edition = int(r.sint())
		case pChannel:
			p.Channel = domain.Channel(r.str())
		case pChannelCode:
			p.Channel = domain.Channel(enumOf(channelCodes, r.v))
		case pPlate:
			var pl domain.Plate
			var bits uint8
			in := recReader{b: r.raw} // empty: a zero plate
			for in.next() {
				switch in.num {
				case plID:
					pl.ID = uint32(in.v)
				case plNumber:
					pl.Number = in.str()
				case plCountry:
					pl.Country = in.str()
				case plClass:
					pl.Class = domain.PlateClass(in.str())
				case plClassCode:
					pl.Class = domain.PlateClass(enumOf(classCodes, in.v))
				case plFrom:
					pl.From = in.date()
				case plTo:
					pl.To = in.date()
				case plRole:
					pl.Role = domain.PlateRole(in.str())
				case plRoleCode:
					pl.Role = domain.PlateRole(enumOf(roleCodes, in.v))
				case plAddedAt:
					pl.AddedAt = in.time()
				case plAddedSec:
					pl.AddedAt = in.seconds()
				case plAddedBy:
					pl.AddedBy = in.str()
				case plChannel:
					pl.Channel = domain.Channel(in.str())
				case plChannelCode:
					pl.Channel = domain.Channel(enumOf(channelCodes, in.v))
				case plSame:
					bits = uint8(in.v)
				}
			}
			if in.err != nil {
				r.err = in.err
			}
			if i := len(p.Plates); i < len(plBits) {
				plBits[i] = bits
			} else {
				plMore = append(plMore, bits)
			}
			p.Plates = append(p.Plates, pl)
		case pNextPlateID:
			p.NextPlateID = uint32(r.v)
		case pNational:
			in := recReader{b: r.raw}
			for in.next() {
				switch in.num {
				case natConsent:
					p.National.Consent = in.v != 0
				case natCudeID:
					p.National.CudeID = in.str()
				case natCodiceUnivoco:
					p.National.CodiceUnivoco = in.str()
				case natStatus:
					p.National.Status = domain.NationalStatus(in.str())
				case natStatusCode:
					p.National.Status = domain.NationalStatus(enumOf(natStateCodes, in.v))
				case natLastError:
					p.National.LastError = in.str()
				}
			}
			if in.err != nil {
				r.err = in.err
			}
		case pNote:
			p.Note = r.str()
		case pImportFile:
			p.ImportFile = r.str()
		case pVersion:
			p.Version = r.v
		case pCreatedAt:
			p.CreatedAt = r.time()
		case pCreatedSec:
			p.CreatedAt = r.seconds()
		case pCreatedBy:
			p.CreatedBy = r.str()
		case pUpdatedAt:
			p.UpdatedAt = r.time()
		case pUpdatedSec:
			p.UpdatedAt = r.seconds()
		case pUpdatedBy:
			p.UpdatedBy = r.str()
		case pSame:
			same = r.v
		}
	}
	if r.err != nil {
		return r.err
	}
	// What the record gave as "the same as" another field, in dependency order.
	if same&sameIssuing != 0 {
		p.IssuingComune = p.Comune
	}
	if same&sameLineage != 0 {
		p.Lineage = p.ID
	}
	if same&sameVersion1 != 0 {
		p.Version = 1
	}
	if same&sameNextPlate != 0 {
		p.NextPlateID = uint32(len(p.Plates))
	}
	if same&sameDecorrenza != 0 {
		p.DataDecorrenza = p.DataRilascio
	}
	if same&sameUpdatedAt != 0 {
		p.UpdatedAt = p.CreatedAt
	}
	if same&sameUpdatedBy != 0 {
		p.UpdatedBy = p.CreatedBy
	}
	if hasSeq {
		p.Number = formatNumber(p.IssuingComune, p.DataRilascio.Year()+int(yearDelta), int(seq))
	}
	if hasDecorr {
		p.DataDecorrenza = p.DataRilascio.AddDays(int(decorrenza))
	}
	if hasScadenza {
		p.DataScadenza = p.DataDecorrenza.AddDays(int(scadenza))
	}
	for i := range p.Plates {
		bits := uint8(0)
		if i < len(plBits) {
			bits = plBits[i]
		} else {
			bits = plMore[i-len(plBits)]
		}
		if bits == 0 {
			continue
		}
		pl := &p.Plates[i]
		if bits&plSameAddedAt != 0 {
			pl.AddedAt = p.CreatedAt
		}
		if bits&plSameAddedBy != 0 {
			pl.AddedBy = p.CreatedBy
		}
		if bits&plSameChannel != 0 {
			pl.Channel = p.Channel
		}
		if bits&plSameFrom != 0 {
			pl.From = p.DataDecorrenza
		}
		if bits&plIDByPlace != 0 {
			pl.ID = uint32(i + 1)
		}
		if bits&plCountryIT != 0 {
			pl.Country = "IT"
		}
		if bits&plClassAuto != 0 {
			pl.Class = domain.PlateAuto
		}
	}
	return nil
}

// Field numbers of a person. Append only; never reuse a number.
const (
	qID = iota + 1
	qComune
	qCodiceFiscale
	qCognome
	qNome
	qSesso
	qDataNascita
	qLuogoNascita
	qComuneResidenza
	qIndirizzo
	qCAP
	qEmail
	qTelefono
	qNote
	qHasPhoto
	qDataDecesso
	qCFOverride
	qVersion
	qUpdatedAt
	qUpdatedBy
	qUpdatedSec // UpdatedAt in whole seconds, UTC (#14.1)
	qSame       // bits: qSameResidenza
	qCFPacked   // CodiceFiscale of 16 letters and digits in 12 bytes (packCF)
)

// Bits of qSame.
const (
	qSameResidenza = 1 << iota // ComuneResidenza is Comune
)

// appendPerson is the compact record of a person.
func appendPerson(b []byte, p *domain.Person) []byte {
	w := recWriter{b: append(b, magicPerson)}
	w.uint(qID, p.ID)
	w.str(qComune, p.Comune)
	w.cf(qCodiceFiscale, qCFPacked, p.CodiceFiscale)
	w.str(qCognome, p.Cognome)
	w.str(qNome, p.Nome)
	w.str(qSesso, p.Sesso)
	w.date(qDataNascita, p.DataNascita)
	w.str(qLuogoNascita, p.LuogoNascita)
	same := uint64(0)
	if p.ComuneResidenza != "" && p.ComuneResidenza == p.Comune {
		same |= qSameResidenza
	} else {
		w.str(qComuneResidenza, p.ComuneResidenza)
	}
	w.str(qIndirizzo, p.Indirizzo)
	w.str(qCAP, p.CAP)
	w.str(qEmail, p.Email)
	w.str(qTelefono, p.Telefono)
	w.str(qNote, p.Note)
	w.bool(qHasPhoto, p.HasPhoto)
	w.date(qDataDecesso, p.DataDecesso)
	w.str(qCFOverride, p.CFOverride)
	w.uint(qVersion, p.Version)
	w.instant(qUpdatedAt, qUpdatedSec, p.UpdatedAt)
	w.str(qUpdatedBy, p.UpdatedBy)
	w.uint(qSame, same)
	return w.b
}

// decodePerson reads a person in either form.
func decodePerson(raw []byte, p *domain.Person) error {
	*p = domain.Person{}
	if len(raw) > 0 && raw[0] == '{' {
		return json.Unmarshal(raw, p)
	}
	if len(raw) == 0 || raw[0] != magicPerson {
		return errRecord
	}
	same := uint64(0)
	r := recReader{b: raw[1:]}
	for r.next() {
		switch r.num {
		case qID:
			p.ID = r.v
		case qComune:
			p.Comune = r.str()
		case qCodiceFiscale:
			p.CodiceFiscale = r.str()
		case qCFPacked:
			p.CodiceFiscale = r.cf()
		case qCognome:
			p.Cognome = r.str()
		case qNome:
			p.Nome = r.str()
		case qSesso:
			p.Sesso = r.str()
		case qDataNascita:
			p.DataNascita = r.date()
		case qLuogoNascita:
			p.LuogoNascita = r.str()
		case qComuneResidenza:
			p.ComuneResidenza = r.str()
		case qIndirizzo:
			p.Indirizzo = r.str()
		case qCAP:
			p.CAP = r.str()
		case qEmail:
			p.Email = r.str()
		case qTelefono:
			p.Telefono = r.str()
		case qNote:
			p.Note = r.str()
		case qHasPhoto:
			p.HasPhoto = r.v != 0
		case qDataDecesso:
			p.DataDecesso = r.date()
		case qCFOverride:
			p.CFOverride = r.str()
		case qVersion:
			p.Version = r.v
		case qUpdatedAt:
			p.UpdatedAt = r.time()
		case qUpdatedSec:
			p.UpdatedAt = r.seconds()
		case qSame:
			same = r.v
		case qUpdatedBy:
			p.UpdatedBy = r.str()
		}
	}
	if r.err != nil {
		return r.err
	}
	if same&qSameResidenza != 0 {
		p.ComuneResidenza = p.Comune
	}
	return nil
}

// encodePass and encodePerson are the bytes PutPass and PutPerson store.
func encodePass(p *domain.Pass) ([]byte, error) {
	if legacyJSONRecords {
		return json.Marshal(p)
	}
	return appendPass(make([]byte, 0, 256), p), nil
}

func encodePerson(p *domain.Person) ([]byte, error) {
	if legacyJSONRecords {
		return json.Marshal(p)
	}
	return appendPerson(make([]byte, 0, 160), p), nil
}

// EncodePass is the stored form of a pass version (tests that change the file as a
// hand outside the program would).
func EncodePass(p domain.Pass) []byte { return appendPass(nil, &p) }

// DecodePass reads a stored pass version (either form).
func DecodePass(raw []byte) (domain.Pass, error) {
	var p domain.Pass
	err := decodePass(raw, &p)
	return p, err
}

// EncodePerson is the stored form of a person.
func EncodePerson(p domain.Person) []byte { return appendPerson(nil, &p) }

// DecodePerson reads a stored person (either form).
func DecodePerson(raw []byte) (domain.Person, error) {
	var p domain.Person
	err := decodePerson(raw, &p)
	return p, err
}

func recordError(bucket string, key []byte, err error) error {
	return fmt.Errorf("record %s/%x illeggibile: %w", bucket, key, err)
}
