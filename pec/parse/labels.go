package parse

// This file holds the enumerations of the package and their Italian labels:
// the one place where what the operator reads about a message's class is
// written. String() gives the stable code (what a store or a manifest writes),
// Label() the Italian text for the screen.

// Kind is the class of a message. Parse gives every message exactly one Kind;
// the zero value is not a valid Kind (Valid reports false), so a Result that
// was never filled in cannot pass for a classified one.
type Kind uint8

const (
	KindRequest    Kind = iota + 1 // a viviVeneto request (Result.Request is set)
	KindReceipt                    // a PEC receipt (Result.Receipt is set)
	KindAnomaly                    // a busta di anomalia: not certified, no legal value
	KindOther                      // a PEC or a mail that is not a request: kept as "altro"
	KindQuarantine                 // could not be read: Result.Reason says why
)

// Kinds lists the valid kinds in display order.
func Kinds() []Kind {
	return []Kind{KindRequest, KindReceipt, KindAnomaly, KindOther, KindQuarantine}
}

// Valid reports whether k is one of the kinds above.
func (k Kind) Valid() bool { return k >= KindRequest && k <= KindQuarantine }

// String is the stable code: request, receipt, anomaly, other, quarantine
// (the words of the samples' manifest.tsv).
func (k Kind) String() string {
	switch k {
	case KindRequest:
		return "request"
	case KindReceipt:
		return "receipt"
	case KindAnomaly:
		return "anomaly"
	case KindOther:
		return "other"
	case KindQuarantine:
		return "quarantine"
	}
	return "invalid"
}

// Label is the Italian name of the kind.
func (k Kind) Label() string {
	switch k {
	case KindRequest:
		return "richiesta"
	case KindReceipt:
		return "ricevuta"
	case KindAnomaly:
		return "busta di anomalia"
	case KindOther:
		return "altro"
	case KindQuarantine:
		return "in quarantena"
	}
	return "non classificato"
}

// KindFromString is the inverse of Kind.String; ok is false for unknown codes.
func KindFromString(s string) (k Kind, ok bool) {
	for _, k := range Kinds() {
		if k.String() == s {
			return k, true
		}
	}
	return 0, false
}

// Type is what a request asks for. TypeSportello collects what the app cannot
// do (unknown tipo, temporary permit, renewal after a change of residence):
// the request is kept and handled at the counter.
type Type uint8

const (
	TypeRinnovo Type = iota + 1
	TypeDuplicato
	TypeTarghe
	TypeSportello
)

// String is the stable code, the tipo of istanza.xml: RINNOVO, DUPLICATO,
// TARGHE, or SPORTELLO.
func (t Type) String() string {
	switch t {
	case TypeRinnovo:
		return "RINNOVO"
	case TypeDuplicato:
		return "DUPLICATO"
	case TypeTarghe:
		return "TARGHE"
	case TypeSportello:
		return "SPORTELLO"
	}
	return "INVALIDO"
}

// Label is the Italian name of the request type.
func (t Type) Label() string {
	switch t {
	case TypeRinnovo:
		return "rinnovo"
	case TypeDuplicato:
		return "duplicato"
	case TypeTarghe:
		return "variazione targhe"
	case TypeSportello:
		return "da gestire allo sportello"
	}
	return "tipo non valido"
}

// ReceiptType is the kind of a PEC receipt, as written in X-Ricevuta and in
// daticert.xml's postacert@tipo. Values outside the constants are kept as
// written (Known reports false).
type ReceiptType string

const (
	ReceiptAccettazione            ReceiptType = "accettazione"
	ReceiptNonAccettazione         ReceiptType = "non-accettazione"
	ReceiptPresaInCarico           ReceiptType = "presa-in-carico"
	ReceiptAvvenutaConsegna        ReceiptType = "avvenuta-consegna"
	ReceiptErroreConsegna          ReceiptType = "errore-consegna"
	ReceiptPreavvisoErroreConsegna ReceiptType = "preavviso-errore-consegna"
	ReceiptRilevazioneVirus        ReceiptType = "rilevazione-virus"
)

// ReceiptTypes lists the receipt types of the PEC rules.
func ReceiptTypes() []ReceiptType {
	return []ReceiptType{ReceiptAccettazione, ReceiptNonAccettazione, ReceiptPresaInCarico,
		ReceiptAvvenutaConsegna, ReceiptErroreConsegna, ReceiptPreavvisoErroreConsegna,
		ReceiptRilevazioneVirus}
}

// Known reports whether r is one of the receipt types of the PEC rules.
func (r ReceiptType) Known() bool {
	for _, k := range ReceiptTypes() {
		if r == k {
			return true
		}
	}
	return false
}

func (r ReceiptType) String() string { return string(r) }

// Label is the Italian name of the receipt.
func (r ReceiptType) Label() string {
	switch r {
	case ReceiptAccettazione:
		return "ricevuta di accettazione"
	case ReceiptNonAccettazione:
		return "avviso di non accettazione"
	case ReceiptPresaInCarico:
		return "ricevuta di presa in carico"
	case ReceiptAvvenutaConsegna:
		return "ricevuta di avvenuta consegna"
	case ReceiptErroreConsegna:
		return "avviso di mancata consegna"
	case ReceiptPreavvisoErroreConsegna:
		return "preavviso di mancata consegna"
	case ReceiptRilevazioneVirus:
		return "avviso di rilevazione virus"
	}
	if r == "" {
		return "ricevuta"
	}
	return "ricevuta (" + string(r) + ")"
}

// Failure reports whether the receipt says that a message we sent did not
// reach its recipient (the operator must act).
func (r ReceiptType) Failure() bool {
	switch r {
	case ReceiptNonAccettazione, ReceiptErroreConsegna, ReceiptPreavvisoErroreConsegna, ReceiptRilevazioneVirus:
		return true
	}
	return false
}

// DuplicateReason is why a duplicate card is requested.
type DuplicateReason string

const (
	DuplicateFurto          DuplicateReason = "FURTO"
	DuplicateSmarrimento    DuplicateReason = "SMARRIMENTO"
	DuplicateDeterioramento DuplicateReason = "DETERIORAMENTO"
)

// Label is the Italian text of the reason ("" when unknown).
func (d DuplicateReason) Label() string {
	switch d {
	case DuplicateFurto:
		return "furto"
	case DuplicateSmarrimento:
		return "smarrimento"
	case DuplicateDeterioramento:
		return "deterioramento"
	}
	return ""
}

// NeedsReport reports whether the reason calls for a police report (DENUNCIA).
func (d DuplicateReason) NeedsReport() bool {
	return d == DuplicateFurto || d == DuplicateSmarrimento
}

// PlateOp is what a request does with a plate.
type PlateOp string

const (
	PlateAdd    PlateOp = "AGGIUNGI"
	PlateRemove PlateOp = "RIMUOVI"
)

// Label is the Italian text of the operation ("" when unknown).
func (o PlateOp) Label() string {
	switch o {
	case PlateAdd:
		return "aggiungere"
	case PlateRemove:
		return "rimuovere"
	}
	return ""
}

// INPSOutcome is the result of the check viviVeneto made with INPS.
// POSITIVO: INPS confirmed the disability, no certificate is attached;
// NEGATIVO: it did not, and the medical certificate is attached for the
// operator to check.
type INPSOutcome string

const (
	INPSPositive INPSOutcome = "POSITIVO"
	INPSNegative INPSOutcome = "NEGATIVO"
)

// Label is the Italian text of the outcome.
func (o INPSOutcome) Label() string {
	switch o {
	case INPSPositive:
		return "positivo: certificato medico non necessario"
	case INPSNegative:
		return "negativo: verificare il certificato medico allegato"
	}
	return "non indicato"
}

// AttachmentType is the role of an attachment in a request.
type AttachmentType string

const (
	AttachPhoto       AttachmentType = "FOTOTESSERA"
	AttachCertificate AttachmentType = "CERTIFICATO_MEDICO"
	AttachReport      AttachmentType = "DENUNCIA"
	AttachIstanza     AttachmentType = "ISTANZA"
	AttachOther       AttachmentType = "OTHER"
)

// Label is the Italian name of the attachment type.
func (a AttachmentType) Label() string {
	switch a {
	case AttachPhoto:
		return "fototessera"
	case AttachCertificate:
		return "certificato medico"
	case AttachReport:
		return "denuncia"
	case AttachIstanza:
		return "istanza (dati della richiesta)"
	}
	return "altro allegato"
}

// Source says where the data of a request were read from.
type Source uint8

const (
	SourceIstanza Source = iota + 1 // istanza.xml
	SourceText                      // the "Campo: valore" lines of the text body
)

func (s Source) String() string {
	switch s {
	case SourceIstanza:
		return "istanza"
	case SourceText:
		return "text"
	}
	return "invalid"
}

// Label is the Italian text of the source.
func (s Source) Label() string {
	switch s {
	case SourceIstanza:
		return "istanza.xml"
	case SourceText:
		return "testo del messaggio"
	}
	return "sconosciuta"
}
