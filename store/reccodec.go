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
)

// appendPass is the compact record of a pass version.
func appendPass(b []byte, p *domain.Pass) []byte {
	w := recWriter{b: append(b, magicPass)}
	w.uint(pID, p.ID)
	w.uint(pLineage, p.Lineage)
	w.uint(pPrevID, p.PrevID)
	w.uint(pNextID, p.NextID)
	w.str(pNumber, p.Number)
	w.str(pPreviousNumber, p.PreviousNumber)
	w.str(pComune, p.Comune)
	w.str(pIssuingComune, p.IssuingComune)
	w.uint(pPersonID, p.PersonID)
	w.str(pHolderCF, p.HolderCF)
	w.str(pHolderName, p.HolderName)
	w.str(pKind, string(p.Kind))
	w.date(pDataRilascio, p.DataRilascio)
	w.date(pDataDecorrenza, p.DataDecorrenza)
	w.date(pDataScadenza, p.DataScadenza)
	w.str(pState, string(p.State))
	w.date(pStateFrom, p.StateFrom)
	w.str(pStateReason, p.StateReason)
	w.str(pTransferredTo, p.TransferredTo)
	w.bool(pDuplicate, p.Duplicate)
	w.str(pDuplicateReason, string(p.DuplicateReason))
	w.nested(pDenuncia, func(w *recWriter) {
		w.str(1, p.Denuncia.Numero)
		w.date(2, p.Denuncia.Data)
		w.str(3, p.Denuncia.Autorita)
	})
	w.int(pEdition, int64(p.Edition))
	w.str(pChannel, string(p.Channel))
	for i := range p.Plates {
		pl := &p.Plates[i]
		start := len(w.b)
		w.nested(pPlate, func(w *recWriter) {
			w.uint(1, uint64(pl.ID))
			w.str(2, pl.Number)
			w.str(3, pl.Country)
			w.str(4, string(pl.Class))
			w.date(5, pl.From)
			w.date(6, pl.To)
			w.str(7, string(pl.Role))
			w.time(8, pl.AddedAt)
			w.str(9, pl.AddedBy)
			w.str(10, string(pl.Channel))
		})
		if len(w.b) == start { // a zero plate still counts: keep its place
			w.tag(pPlate, wireBytes)
			w.b = append(w.b, 0) // length 0
		}
	}
	w.uint(pNextPlateID, uint64(p.NextPlateID))
	w.nested(pNational, func(w *recWriter) {
		w.bool(1, p.National.Consent)
		w.str(2, p.National.CudeID)
		w.str(3, p.National.CodiceUnivoco)
		w.str(4, string(p.National.Status))
		w.str(5, p.National.LastError)
	})
	w.str(pNote, p.Note)
	w.str(pImportFile, p.ImportFile)
	w.uint(pVersion, p.Version)
	w.time(pCreatedAt, p.CreatedAt)
	w.str(pCreatedBy, p.CreatedBy)
	w.time(pUpdatedAt, p.UpdatedAt)
	w.str(pUpdatedBy, p.UpdatedBy)
	return w.b
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
		case pHolderName:
			p.HolderName = r.str()
		case pKind:
			p.Kind = domain.Kind(r.str())
		case pDataRilascio:
			p.DataRilascio = r.date()
		case pDataDecorrenza:
			p.DataDecorrenza = r.date()
		case pDataScadenza:
			p.DataScadenza = r.date()
		case pState:
			p.State = domain.State(r.str())
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
		case pPlate:
			var pl domain.Plate
			in := recReader{b: r.raw} // empty: a zero plate
			for in.next() {
				switch in.num {
				case 1:
					pl.ID = uint32(in.v)
				case 2:
					pl.Number = in.str()
				case 3:
					pl.Country = in.str()
				case 4:
					pl.Class = domain.PlateClass(in.str())
				case 5:
					pl.From = in.date()
				case 6:
					pl.To = in.date()
				case 7:
					pl.Role = domain.PlateRole(in.str())
				case 8:
					pl.AddedAt = in.time()
				case 9:
					pl.AddedBy = in.str()
				case 10:
					pl.Channel = domain.Channel(in.str())
				}
			}
			if in.err != nil {
				r.err = in.err
			}
			p.Plates = append(p.Plates, pl)
		case pNextPlateID:
			p.NextPlateID = uint32(r.v)
		case pNational:
			in := recReader{b: r.raw}
			for in.next() {
				switch in.num {
				case 1:
					p.National.Consent = in.v != 0
				case 2:
					p.National.CudeID = in.str()
				case 3:
					p.National.CodiceUnivoco = in.str()
				case 4:
					p.National.Status = domain.NationalStatus(in.str())
				case 5:
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
		case pCreatedBy:
			p.CreatedBy = r.str()
		case pUpdatedAt:
			p.UpdatedAt = r.time()
		case pUpdatedBy:
			p.UpdatedBy = r.str()
		}
	}
	return r.err
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
)

// appendPerson is the compact record of a person.
func appendPerson(b []byte, p *domain.Person) []byte {
	w := recWriter{b: append(b, magicPerson)}
	w.uint(qID, p.ID)
	w.str(qComune, p.Comune)
	w.str(qCodiceFiscale, p.CodiceFiscale)
	w.str(qCognome, p.Cognome)
	w.str(qNome, p.Nome)
	w.str(qSesso, p.Sesso)
	w.date(qDataNascita, p.DataNascita)
	w.str(qLuogoNascita, p.LuogoNascita)
	w.str(qComuneResidenza, p.ComuneResidenza)
	w.str(qIndirizzo, p.Indirizzo)
	w.str(qCAP, p.CAP)
	w.str(qEmail, p.Email)
	w.str(qTelefono, p.Telefono)
	w.str(qNote, p.Note)
	w.bool(qHasPhoto, p.HasPhoto)
	w.date(qDataDecesso, p.DataDecesso)
	w.str(qCFOverride, p.CFOverride)
	w.uint(qVersion, p.Version)
	w.time(qUpdatedAt, p.UpdatedAt)
	w.str(qUpdatedBy, p.UpdatedBy)
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
	r := recReader{b: raw[1:]}
	for r.next() {
		switch r.num {
		case qID:
			p.ID = r.v
		case qComune:
			p.Comune = r.str()
		case qCodiceFiscale:
			p.CodiceFiscale = r.str()
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
		case qUpdatedBy:
			p.UpdatedBy = r.str()
		}
	}
	return r.err
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
