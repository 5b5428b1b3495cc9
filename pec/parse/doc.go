// Package parse reads one message of the comune's PEC mailbox and says what
// it is: a viviVeneto request, a PEC receipt, a busta di anomalia, something
// else, or a message that cannot be read (quarantine, with the reason).
//
// It is pure: Parse(raw, opts) takes the bytes fetched over IMAP and returns
// a Result; no network, no disk, no package-level mutable state, no panics
// (a recover stays as a last resort; the fuzzer runs without it). The format
// it accepts is fixed by ../../../shared/spec/pec-request-format.md.
//
// # Structure
//
// The work goes in layers, one file each:
//
//	mime.go      raw bytes → a tree of MIME nodes in memory (go-message for
//	             headers, transfer encodings and charsets; limits on depth,
//	             part count and decoded size; damage recorded, not fatal).
//	             message/rfc822 parts stay leaves: only postacert.eml is
//	             opened, so a message nested in a request can never pass for
//	             the request.
//	parse.go     the envelope: X-Trasporto / X-Ricevuta headers and
//	             daticert.xml (found by name and type, never by position)
//	             decide busta di trasporto, receipt, anomaly or plain mail;
//	             then the original message (postacert.eml, or the message
//	             itself) gives the text, the attachments and the request.
//	daticert.go  daticert.xml.
//	istanza.go   istanza.xml (namespace urn:viviveneto:istanza:1, tolerated
//	             when absent) into a rawRequest of strings.
//	text.go      the "Campo: valore" lines of the text body into the same
//	             rawRequest: the fallback when istanza.xml is missing or broken.
//	request.go   rawRequest → Request: one set of rules for both sources
//	             (codice fiscale and plates by the domain package's rules);
//	             values that cannot be interpreted become warnings on the
//	             request, never errors; what the app cannot do (unknown tipo,
//	             temporary permit, renewal after a change of residence) becomes
//	             TypeSportello with the reason.
//	attach.go    attachments: SafeName, de-duplication, matching to the
//	             istanza's allegati (by name, then by content type), checks of
//	             the bytes against the declared type.
//	labels.go    the enumerations and their Italian labels;
//	messages.go  every Italian reason and warning, in one table.
//
// # Classification
//
//	X-Ricevuta: <tipo>               → KindReceipt (daticert tipo if the header is missing)
//	X-Trasporto: errore              → KindAnomaly (a request inside is read, for information)
//	X-Trasporto: posta-certificata   → the original is postacert.eml; the sender is
//	                                   daticert's mittente (else postacert's From),
//	                                   never the envelope From
//	no PEC header, no daticert.xml   → a plain mail: the message itself is the original
//
// The original is a request when it has an istanza.xml, a "Tipo richiesta:"
// line, or a subject of the contract's form ("viviVeneto - <TIPO> - <numero>
// - <COGNOME NOME>"); otherwise it is KindOther. A request
// whose istanza.xml is broken and whose text has neither tipo nor codice
// fiscale is quarantined: nobody could act on it. A busta di trasporto
// without a readable postacert.eml, a message whose header block cannot be
// read, and a message over Options.MaxSize (30 MB by default, checked before
// anything is parsed) are quarantined too. A worker that will not fetch such a
// message whole calls Truncated with its first bytes and its size instead: the
// same quarantine, with the envelope read from those bytes.
//
// # Decisions
//
// Trust rests on the mailbox being a PEC mailbox: its provider wraps every
// message that did not arrive as PEC in a busta di anomalia, so an
// X-Trasporto: posta-certificata at the top was written by a provider. The
// provider's S/MIME signature is not verified here (Envelope.Signed only says
// one is present). A daticert.xml without the PEC header is read, but the
// message is neither Certified nor trusted.
//
// Plain mail carrying a request (no PEC envelope): it is classified
// KindRequest, so the operator sees it where requests are, but with the
// warnings WarnNotCertified and WarnUntrustedSender and SenderTrusted false,
// whatever its From says: an ordinary mail's From proves nothing.
//
// Result.Key, the idempotency key:
//
//	"istanza:<id>"                         a request, certified, from a trusted sender
//	"istanza:<id>|da:<sender>[|non-certificato]"  any other request
//	"msgid:<envelope Message-ID>[|<original Message-ID>]"  other kinds
//	"pec:<identificativo>|<tipo>|<consegna>"  no Message-ID, daticert present
//	"sha256:<hex of the raw bytes>"        nothing better
//
// A request without an id gets Request.ID "MSG-" + 32 hex digits of a SHA-256
// of the original's Message-ID (else daticert's msgid or identificativo, else
// the bytes), so reading it again gives the same id. Only a certified request
// from a trusted sender takes the istanza's own key: a forged copy arriving
// first must not make the genuine request look like a duplicate. Keys over
// 200 bytes (hostile Message-IDs) become "<prefix>:sha256:<hex of the key>".
//
// Attachment names come from outside: Attachment.Name is kept as sent for
// display, Attachment.SafeName is the only one to use as a file name.
package parse
