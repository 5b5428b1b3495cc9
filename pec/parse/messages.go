package parse

import "fmt"

// The Italian texts the operator reads: quarantine reasons and warnings, in
// one table. Two are exported because other layers act on them (the inbox
// marks unverified requests).

// WarnUntrustedSender is the warning on a request whose sender is not one of
// the trusted viviVeneto addresses (or cannot be verified at all).
const WarnUntrustedSender = "mittente non verificato"

// WarnNotCertified is the warning on a request that arrived without a PEC
// envelope: an ordinary e-mail, with no legal value as PEC.
const WarnNotCertified = "messaggio non certificato: arrivato senza busta PEC"

// Quarantine reasons.
const (
	reasonTooBig         = "messaggio oltre %s"
	reasonEmpty          = "messaggio vuoto"
	reasonBadHeader      = "messaggio illeggibile: intestazione non valida (%s)"
	reasonBrokenEnvelope = "busta di trasporto illeggibile: struttura MIME danneggiata"
	reasonNoPostacert    = "busta di trasporto senza il messaggio originale (postacert.eml)"
	reasonBadPostacert   = "messaggio originale (postacert.eml) illeggibile: %s"
	reasonOpaque         = "busta firmata in formato non supportato (application/pkcs7-mime)"
	reasonBrokenIstanza  = "istanza.xml non leggibile e testo del messaggio senza dati utilizzabili"
	reasonNoData         = "richiesta viviVeneto senza istanza.xml né dati utilizzabili nel testo"
	reasonInternal       = "errore interno durante la lettura del messaggio: %v"
)

// Reasons for handling a request at the counter (Request.SportelloReason).
const (
	reasonNoTipo      = "tipo di richiesta mancante"
	reasonUnknownTipo = "tipo di richiesta sconosciuto: %s"
	reasonTemporary   = "permesso temporaneo: da gestire allo sportello"
	reasonResidence   = "rinnovo dopo cambio di residenza: da gestire allo sportello"
)

// Message-level warnings (Result.Warnings).
const (
	warnUnknownEncoding   = "codifica di trasferimento sconosciuta (%s): contenuto lasciato così com'è"
	warnUnknownCharset    = "set di caratteri sconosciuto (%s): testo letto così com'è"
	warnTooDeep           = "parti MIME annidate troppo in profondità: le più interne sono ignorate"
	warnNoBoundary        = "struttura MIME non valida: boundary mancante"
	warnGuessedBoundary   = "boundary mancante nell'intestazione: ricavato dal contenuto"
	warnTooManyParts      = "più di %d parti MIME: le successive sono ignorate"
	warnTruncated         = "messaggio troncato o struttura MIME non valida: mancano delle parti"
	warnTooBig            = "contenuto decodificato troppo grande: parte troncata"
	warnBadDaticert       = "daticert.xml illeggibile: %s"
	warnNoDaticert        = "daticert.xml mancante"
	warnNoPECHeader       = "intestazioni PEC (X-Trasporto / X-Ricevuta) mancanti: tipo preso da daticert.xml"
	warnUnknownTransport  = "valore di X-Trasporto sconosciuto: %s"
	warnUnknownReceipt    = "tipo di ricevuta sconosciuto: %s"
	warnReceiptMismatch   = "X-Ricevuta (%s) e daticert.xml (%s) non coincidono"
	warnSenderMismatch    = "mittente di daticert.xml (%s) diverso dal From del messaggio originale (%s)"
	warnDamagedPostacert  = "messaggio originale (postacert.eml) incompleto"
	warnAnomaly           = "busta di anomalia: messaggio non certificato, senza valore legale"
	warnBadInner          = "messaggio originale illeggibile"
	warnBodyCharset       = "testo con caratteri non validi: letto come ISO-8859-1"
	warnDamagedAttachment = "allegato danneggiato o incompleto: %s"
	warnManyIstanze       = "più di un istanza.xml: usato il primo"
)

// Request warnings (Request.Warnings).
const (
	warnBadIstanza      = "istanza.xml non valido: %s"
	warnEmptyIstanza    = "istanza.xml senza tipo né codice fiscale"
	warnDamagedIstanza  = "istanza.xml danneggiato: verificare i dati"
	warnNamespace       = "istanza.xml con namespace inatteso: %s"
	warnFallbackText    = "dati letti dal testo del messaggio perché istanza.xml non è utilizzabile"
	warnNoIstanza       = "istanza.xml mancante: dati letti dal testo del messaggio"
	warnNoID            = "istanza senza id: usato un identificativo ricavato dal messaggio"
	warnBadID           = "id dell'istanza non valido: %q"
	warnTextDiffers     = "il testo del messaggio e istanza.xml non coincidono: %s"
	warnBadDate         = "%s non valida: %q"
	warnNoCF            = "codice fiscale mancante: collegare la richiesta a mano"
	warnNoName          = "cognome o nome mancante"
	warnBadEmail        = "indirizzo e-mail non valido: %s"
	warnBadPhone        = "numero di cellulare non valido: %s"
	warnBadMotivo       = "motivo del duplicato sconosciuto: %s"
	warnNoMotivo        = "motivo del duplicato mancante"
	warnBadINPS         = "esito della verifica INPS sconosciuto: %s"
	warnBadAllegatoTipo = "tipo di allegato sconosciuto nell'istanza: %s"
	warnNoPlates        = "nessuna targa indicata"
	warnNoPlateNumber   = "targa senza numero: ignorata"
	warnBadPlate        = "targa %s: %s"
	warnNoPlateOp       = "operazione mancante per la targa %s (aggiungere o rimuovere?)"
	warnBadPlateOp      = "operazione sconosciuta %q per la targa %s"
	warnPlateRange      = "targa %s: la data di fine precede quella di inizio"
	warnBadCode         = "%s: codice catastale non valido: %s"
	warnMatchedByType   = "allegato %s abbinato a %s (%s) per tipo di contenuto, non per nome"
	warnDeclaredMissing = "allegato indicato nell'istanza ma assente: %s (%s)"
	warnUndeclared      = "allegato non indicato nell'istanza: %s"
	warnSniff           = "%s (%s) non sembra %s"
	warnNoCertificate   = "verifica INPS negativa ma certificato medico non allegato"
	warnNoReport        = "duplicato per furto o smarrimento senza denuncia allegata"
)

// say formats a message for the operator: one printable line of valid UTF-8
// (values inside come from the message and may hold anything), at most 300
// bytes.
func say(format string, args ...any) string {
	return truncate(cleanHeaderText(fmt.Sprintf(format, args...)), 300)
}
