package parse

import (
	"strings"
	"time"

	"vivipass/domain"
)

// DefaultMaxSize is the size above which a message is quarantined unread (30 MB).
const DefaultMaxSize int64 = 30 << 20

// DefaultTrustedSender is the address trusted as viviVeneto's when the comune's
// settings name none (a placeholder until the region publishes the real one).
const DefaultTrustedSender = "noreply.viviveneto@pec.regione.veneto.it"

// DefaultTrustedSenders returns a new slice holding DefaultTrustedSender.
// It is a function, not a variable, so that no caller can change the default
// for everybody else.
func DefaultTrustedSenders() []string { return []string{DefaultTrustedSender} }

// Options tune Parse. The zero value is ready to use.
type Options struct {
	// TrustedSenders are the addresses trusted as viviVeneto's, compared
	// without regard to case. nil means DefaultTrustedSenders(); an empty
	// non-nil slice trusts nobody.
	TrustedSenders []string
	// MaxSize is the largest message parsed, in bytes; above it the message is
	// quarantined without being read. <= 0 means DefaultMaxSize.
	MaxSize int64
	// Now is used only as the last default for a plate's "dal" when neither
	// the request nor the envelope carries a date. Zero means time.Now().
	Now time.Time

	// testHook, when set, runs inside Parse before anything else (tests
	// use it to check the last-resort recover).
	testHook func()
}

func (o Options) withDefaults() Options {
	if o.TrustedSenders == nil {
		o.TrustedSenders = DefaultTrustedSenders()
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	return o
}

func (o Options) trusted(addr string) bool {
	addr = strings.ToLower(strings.TrimSpace(addr))
	if addr == "" {
		return false
	}
	for _, t := range o.TrustedSenders {
		if strings.ToLower(strings.TrimSpace(t)) == addr {
			return true
		}
	}
	return false
}

// Result is what Parse makes of one message. Kind is always one of the valid
// kinds; the pointer fields are set according to it (see each field).
type Result struct {
	Kind Kind
	// Key is a stable idempotency key for the message: the same bytes parsed
	// with the same options give the same key, so re-reading the mailbox never
	// stores a message twice. See doc.go for how it is made.
	Key string
	// Reason is the Italian reason of a quarantine; empty for other kinds.
	Reason string
	// Warnings are message-level remarks in Italian (envelope, structure).
	// Remarks about the request's fields are in Request.Warnings.
	Warnings []string
	// Size is the size of the raw message in bytes.
	Size int64

	// Certified reports that the message came inside a PEC busta di trasporto
	// or is a PEC receipt (by its headers and daticert.xml; the provider's
	// S/MIME signature is not verified here).
	Certified bool
	// Envelope holds the outer headers, whatever the kind.
	Envelope Envelope
	// Daticert is the certification data, when the message carries a
	// readable daticert.xml.
	Daticert *Daticert
	// Original is the message that was sent: postacert.eml inside a PEC
	// envelope, or the message itself when it came without one. nil when it
	// could not be read (or for a receipt without the original message).
	Original *Original
	// Sender is the real sender's address, lower case: daticert.xml's
	// mittente, else the From of the original message. Never the envelope
	// From. Empty for receipts (they come from a provider, about a message
	// the comune sent).
	Sender string
	// SenderTrusted reports that the message is Certified and Sender is one
	// of Options.TrustedSenders (a From that is not certified proves nothing).
	SenderTrusted bool

	// Receipt is set for KindReceipt.
	Receipt *Receipt
	// Request is set for KindRequest; also for KindAnomaly when the wrapped
	// message is a viviVeneto request (informative: it has no legal value).
	Request *Request
	// Attachments are the attachments of the original message, in the order
	// they appear (istanza.xml included, as AttachIstanza). Not filled for
	// receipts, whose original message is one the comune sent.
	Attachments []Attachment
}

// AllWarnings returns the message-level warnings followed by the request's.
func (r *Result) AllWarnings() []string {
	out := append([]string(nil), r.Warnings...)
	if r.Request != nil {
		out = append(out, r.Request.Warnings...)
	}
	return out
}

// AttachmentsOf returns the attachments of the given type.
func (r *Result) AttachmentsOf(t AttachmentType) []Attachment {
	var out []Attachment
	for _, a := range r.Attachments {
		if a.Type == t {
			out = append(out, a)
		}
	}
	return out
}

// Envelope holds the headers of the message as it arrived. For a PEC message
// these are the provider's: From is "Per conto di: …" <posta-certificata@…>,
// which is why it is never used as the sender.
type Envelope struct {
	Transport    string    // X-Trasporto, lower case ("posta-certificata", "errore", or "")
	Ricevuta     string    // X-Ricevuta, lower case, or ""
	From         string    // the From header as written (RFC 2047 decoded)
	Subject      string    // the Subject header (RFC 2047 decoded)
	MessageID    string    // without angle brackets
	RefMessageID string    // X-Riferimento-Message-ID, without angle brackets
	Date         time.Time // zero when missing or unreadable
	Signed       bool      // an S/MIME signature part is present (not verified)
}

// Daticert is daticert.xml, the certification data the PEC provider adds.
type Daticert struct {
	Tipo             string // postacert@tipo: posta-certificata, accettazione, avvenuta-consegna, …
	Errore           string // postacert@errore: nessuno, no-dest, no-dominio, virus, altro
	Mittente         string
	Destinatari      []Recipient
	Risposte         string
	Oggetto          string
	GestoreEmittente string
	Giorno           string    // as written, dd/MM/yyyy
	Ora              string    // as written, HH:mm:ss
	Zona             string    // as written, e.g. +0100
	Time             time.Time // Giorno+Ora+Zona; zero when unreadable
	Identificativo   string
	MsgID            string // without angle brackets; may be empty
	Ricevuta         string // ricevuta@tipo: completa, breve, sintetica
	Consegna         string
	ErroreEsteso     string
}

// Recipient is one destinatari element of daticert.xml.
type Recipient struct {
	Address string
	Tipo    string // certificato | esterno
}

// Original describes the message that was sent (postacert.eml, or the
// message itself when it came without a PEC envelope).
type Original struct {
	From      string   // address, lower case
	FromName  string   // display name, decoded
	To        []string // addresses
	Subject   string
	Date      time.Time
	MessageID string // without angle brackets
	// Text is the text body for people (UTF-8, LF line ends); from the HTML
	// part, stripped of tags, when there is no text/plain part.
	Text string
}

// Receipt is a PEC receipt about a message the comune sent.
type Receipt struct {
	Type         ReceiptType
	Errore       string // daticert postacert@errore
	Consegna     string // the recipient the receipt is about
	ErroreEsteso string
	Oggetto      string // the subject of the message the receipt is about
	RefMessageID string // the Message-ID of the message the receipt is about
}

// Request is a viviVeneto request (istanza).
type Request struct {
	// ID is the istanza id, the request's idempotency key; when the message
	// carries none, a deterministic "MSG-" id derived from the message
	// (IDDerived is then true).
	ID        string
	IDDerived bool
	Source    Source
	Type      Type
	// Tipo is the tipo as written in the request ("" if missing).
	Tipo string
	// SportelloReason is set when Type is TypeSportello: why the request must
	// be handled at the counter, in Italian.
	SportelloReason string
	Submitted       time.Time // istanza data; zero when missing or unreadable
	Comune          Place     // the comune the request is for
	Applicant       Applicant
	Pass            *PassRef // nil when the request names no pass
	DuplicateReason DuplicateReason
	Plates          []Plate
	INPS            INPSOutcome
	// Declared are the attachments the request names (istanza allegati),
	// with the index in Result.Attachments of the one matched, or -1.
	Declared []Declared
	// Sender and SenderTrusted repeat Result's, for convenience.
	Sender        string
	SenderTrusted bool
	// Warnings are remarks in Italian about values that could not be
	// interpreted or do not fit together; the operator reads them.
	Warnings []string
}

// Place is a comune (or foreign state) by codice catastale, with its name or
// the address as written.
type Place struct {
	Code string // codice catastale, upper case
	Name string
}

// Applicant is the person the request is about.
type Applicant struct {
	CodiceFiscale string // upper case, no spaces
	Cognome       string
	Nome          string
	DataNascita   domain.Date
	LuogoNascita  Place
	Residenza     Place // Code: comune of residence; Name: the address
	Email         string
	Cellulare     string
}

// PassRef is the card the request refers to.
type PassRef struct {
	Numero   string
	Scadenza domain.Date
}

// Plate is one plate change. Dal and Al follow the contract's defaults: Dal
// is the request date when missing (DalDefault), Al the pass expiry for an
// added plate (AlDefault); Al stays zero when neither is known.
type Plate struct {
	Numero     string // normalised: upper case, no spaces or dashes
	Raw        string // as written
	Operazione PlateOp
	Dal        domain.Date
	Al         domain.Date
	DalDefault bool
	AlDefault  bool
}

// Declared is an attachment named by the request.
type Declared struct {
	Type  AttachmentType
	Name  string // as written in istanza.xml (untrusted)
	Index int    // index in Result.Attachments, or -1 when not found
}

// Attachment is a file attached to the original message.
type Attachment struct {
	Type AttachmentType
	// Name is the file name as sent (RFC 2047/2231 decoded, control and
	// bidi characters turned into spaces so it can be shown): untrusted,
	// never use it as a path.
	Name string
	// SafeName is Name made safe to use as a file name: base name only, no
	// path separators, no "..", no control characters, ASCII letters, digits
	// and ".-_" only, at most 100 bytes, never empty, unique (case-insensitively)
	// within the message.
	SafeName    string
	ContentType string // media type, lower case
	Size        int64
	Data        []byte
	// Damaged reports that the part could not be decoded completely (broken
	// base64, truncated message): Data holds what could be read.
	Damaged bool
	// Declared reports that istanza.xml names this attachment.
	Declared bool
}
