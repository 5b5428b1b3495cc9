package printing

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"vivipass/domain"
)

// Payload is what the card's QR code carries (S9): number, expiry, issuing comune and
// the card's edition, signed with the register's Ed25519 key, so whoever holds the public
// key checks a card offline and a forged one (a number, a date or an edition changed, or
// a made-up card) fails.
//
// Text form, one line, fields separated by ';' (pass numbers never contain one):
//
//	CUDE2;<key id>;<number>;<yyyymmdd>;<comune>;<edition>;<signature>
//
// key id = first 4 bytes of sha256(public key), hex: it names the key that signed, so a
// card signed by another register says so instead of just "forged". edition = which card
// of the pass this is (domain.Pass.CardEdition: 1 for the first, +1 at each new card the
// comune hands over), in decimal: after a theft the stolen card and its duplicate have
// the same number and expiry, and only the edition tells them apart; the register knows
// which edition is in force, the card alone does not. The signature is base64url (no
// padding) over everything before the last ';'. About 135 bytes: a QR code of version 8
// (49 modules) at level M, as before editions.
//
// Cards printed before editions carry the older form, without the edition:
//
//	CUDE1;<key id>;<number>;<yyyymmdd>;<comune>;<signature>
//
// They keep verifying, as Payload.Edition 0 (the register matches them to the versions
// recorded before editions: see service.VerifyCard).
type Payload struct {
	Number  string
	Expiry  domain.Date
	Comune  string // codice catastale
	Edition int    // 1, 2…; 0 on a CUDE1 card, which carries none (Sign signs 0 as 1)
}

const (
	payloadTag = "CUDE2"
	legacyTag  = "CUDE1" // cards printed before editions
	// MaxEdition bounds an edition: at most 4 digits in the code.
	MaxEdition = 9999
)

// KeyID names a public key: the first 4 bytes of its sha256, in hex.
func KeyID(pub ed25519.PublicKey) string {
	h := sha256.Sum256(pub)
	return hex.EncodeToString(h[:4])
}

func (p Payload) message(keyID string) string {
	return payloadTag + ";" + keyID + ";" + p.Number + ";" + p.Expiry.Key() + ";" + p.Comune + ";" + strconv.Itoa(p.Edition)
}

// Sign makes the text to encode in the QR code, in the CUDE2 form; an Edition of 0 is
// the first card (1).
func Sign(priv ed25519.PrivateKey, p Payload) (string, error) {
	if strings.ContainsAny(p.Number+p.Comune, ";\n") || p.Number == "" || p.Expiry.IsZero() || p.Edition < 0 || p.Edition > MaxEdition {
		return "", errorf("dati del contrassegno non firmabili (numero %q, scadenza %s, edizione %d)", p.Number, p.Expiry, p.Edition)
	}
	if p.Edition == 0 {
		p.Edition = 1
	}
	msg := p.message(KeyID(priv.Public().(ed25519.PublicKey)))
	sig := ed25519.Sign(priv, []byte(msg))
	return msg + ";" + base64.RawURLEncoding.EncodeToString(sig), nil
}

// CheckForm says whether text has the form of a card's QR code (CUDE2 in 7 parts, or
// CUDE1 in 6), before any key is asked: the *Error Verify gives for what is not one.
func CheckForm(text string) error {
	_, err := splitForm(text)
	return err
}

// splitForm splits a payload into its parts, checking tag and count.
func splitForm(text string) ([]string, error) {
	parts := strings.Split(strings.TrimSpace(text), ";")
	if (len(parts) == 7 && parts[0] == payloadTag) || (len(parts) == 6 && parts[0] == legacyTag) {
		return parts, nil
	}
	return nil, errorf("il testo non è il codice QR di un contrassegno vivipass (atteso %s;…, 7 parti separate da ';'; le carte stampate prima delle edizioni: %s;…, 6 parti)", payloadTag, legacyTag)
}

// Verify checks a payload read from a card with the register's public key. Every
// failure is an *Error saying why in Italian.
func Verify(pub ed25519.PublicKey, text string) (Payload, error) {
	var p Payload
	text = strings.TrimSpace(text)
	parts, err := splitForm(text)
	if err != nil {
		return p, err
	}
	if len(pub) != ed25519.PublicKeySize {
		return p, errorf("chiave pubblica non valida")
	}
	if want := KeyID(pub); parts[1] != want {
		return p, errorf("FIRMA NON VALIDA: il codice è firmato con un'altra chiave (id %s; la chiave indicata è %s)", shownKeyID(parts[1]), want)
	}
	// One signature has one text: the decoder also takes a last character with its unused
	// bits set and ignores line ends inside, so the text must be the signature's own
	// encoding (texts the register never wrote verified) (issue 12.13).
	sig, err := base64.RawURLEncoding.Strict().DecodeString(parts[len(parts)-1])
	if err != nil || len(sig) != ed25519.SignatureSize || base64.RawURLEncoding.EncodeToString(sig) != parts[len(parts)-1] {
		return p, errorf("FIRMA NON VALIDA: la firma è illeggibile")
	}
	msg := text[:strings.LastIndexByte(text, ';')]
	if !ed25519.Verify(pub, []byte(msg), sig) {
		return p, errorf("FIRMA NON VALIDA: i dati non corrispondono alla firma (contrassegno contraffatto o alterato)")
	}
	exp, ok := parseKey(parts[3])
	if !ok {
		return p, errorf("data di scadenza %s illeggibile", shownField(parts[3]))
	}
	p = Payload{Number: parts[2], Expiry: exp, Comune: parts[4]}
	if parts[0] == payloadTag {
		if p.Edition, ok = parseEdition(parts[5]); !ok {
			return Payload{}, errorf("edizione %s illeggibile", shownField(parts[5]))
		}
	}
	return p, nil
}

// parseEdition reads an edition as Sign writes it: 1 to MaxEdition, no leading zero.
func parseEdition(s string) (int, bool) {
	if s == "" || len(s) > 4 || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 || n > MaxEdition || strconv.Itoa(n) != s {
		return 0, false
	}
	return n, true
}

// VerifyAny checks a payload with the key its id names among pubs (the register's keys,
// the one signing now and those rotated out).
func VerifyAny(pubs []ed25519.PublicKey, text string) (Payload, error) {
	parts := strings.Split(strings.TrimSpace(text), ";")
	for _, pub := range pubs {
		if len(parts) > 1 && KeyID(pub) == parts[1] {
			return Verify(pub, text)
		}
	}
	if len(pubs) == 1 {
		return Verify(pubs[0], text) // says what is wrong with this text and this key
	}
	if _, err := splitForm(text); err != nil {
		return Payload{}, err
	}
	return Payload{}, errorf("FIRMA NON VALIDA: il codice è firmato con una chiave sconosciuta a questo registro (id %s)", shownKeyID(parts[1]))
}

// shownKeyID is the key id of a scanned text as a message shows it: as it is when it has
// the form of one (8 hex digits), else quoted and cut, so that a forged text puts no
// control sequence and no kilobytes into the message (issue 12.13).
func shownKeyID(id string) string {
	if _, err := hex.DecodeString(id); err == nil && len(id) == 8 {
		return id
	}
	return shownField(id)
}

// shownField is a field of a scanned text quoted and cut for a message.
func shownField(s string) string {
	if r := []rune(s); len(r) > 16 {
		return fmt.Sprintf("%q…", string(r[:16]))
	}
	return fmt.Sprintf("%q", s)
}

// parseKey reads a date written by Date.Key (yyyymmdd).
func parseKey(s string) (domain.Date, bool) {
	if len(s) != 8 {
		return domain.Date{}, false
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < 0 {
		return domain.Date{}, false
	}
	return domain.NewDate(n/10000, time.Month(n/100%100), n%100)
}

// PublicKeyText is how a public key is handed to whoever verifies cards:
// "ed25519:<base64>".
func PublicKeyText(pub ed25519.PublicKey) string {
	return "ed25519:" + base64.StdEncoding.EncodeToString(pub)
}

// ParsePublicKey reads PublicKeyText's form (the "ed25519:" prefix is optional).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "ed25519:")
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(b) != ed25519.PublicKeySize {
		return nil, errorf("chiave pubblica non valida: attesa la forma ed25519:… stampata da `vivipass verify --public-key`")
	}
	return ed25519.PublicKey(b), nil
}
