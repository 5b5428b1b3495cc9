package service

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/store"
)

// The clients of the HTTP read side (issue 13): who they are, their tokens, what they
// may ask, and the log of what they asked. The HTTP server is package httpapi.

// Client is a client of the HTTP API (store.Client).
type Client = store.Client

// QueryEntry is one logged query (store.QueryEntry).
type QueryEntry = store.QueryEntry

// The kinds of client and what each may ask (docs/API.md):
//   - gate: a ZTL gate system: plate checks and the full whitelist;
//   - polizia: a Polizia Locale unit: plate checks, card verification, pass numbers;
//   - servizio: another municipal service (residents' permits, parking offices): pass
//     numbers only, with the holder's surname (no plates, no card data).
const (
	ClientGate     = "gate"
	ClientPolizia  = "polizia"
	ClientServizio = "servizio"
)

// ClientKinds lists the kinds in the order they are shown.
func ClientKinds() []string { return []string{ClientGate, ClientPolizia, ClientServizio} }

// ClientKindLabel is a kind in Italian.
func ClientKindLabel(kind string) string {
	switch kind {
	case ClientGate:
		return "varco ZTL"
	case ClientPolizia:
		return "polizia locale"
	case ClientServizio:
		return "servizio comunale"
	}
	return kind
}

// MaxQueryLog caps the query log: beyond it the oldest entries go whatever their age.
const MaxQueryLog = 2_000_000

// TokenPrefix starts every token: it says what the secret is when one is found around.
const TokenPrefix = "vvp_"

// Errors of ClientByToken: the HTTP side answers 401 or 403 from them.
var (
	ErrTokenUnknown = errors.New("token sconosciuto")
	ErrTokenRevoked = errors.New("token revocato")
	ErrNotMember    = errors.New("comune non aderente al circuito")
)

// ClientInput is a new client.
type ClientInput struct {
	Name    string
	Kind    string
	Comune  string  // the client's comune; "" with Circuit
	Circuit bool    // the whole circuit (the server's administrator only)
	Rate    float64 // requests a second; 0 = the server's default
}

var reClientName = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[a-z][a-z0-9._-]{1,39}$`) }) // compiled when first used (issue 14.4)

// AddClient registers a client and makes its token, returned once: only its sha256 is
// kept. A gate of a comune that is not a member of the circuit is refused.
func (s *Service) AddClient(a Actor, in ClientInput) (Client, string, error) {
	if !a.Admin() {
		return Client{}, "", ErrForbidden
	}
	in.Name = strings.TrimSpace(in.Name)
	in.Comune = strings.ToUpper(strings.TrimSpace(in.Comune))
	in.Kind = strings.ToLower(strings.TrimSpace(in.Kind))
	switch {
	case !reClientName().MatchString(in.Name):
		return Client{}, "", &domain.Error{Message: fmt.Sprintf("nome del cliente %q non valido: da 2 a 40 caratteri, minuscole, cifre, . _ -, iniziando con una lettera", in.Name)}
	case in.Kind != ClientGate && in.Kind != ClientPolizia && in.Kind != ClientServizio:
		return Client{}, "", &domain.Error{Message: fmt.Sprintf("tipo di cliente %q non valido: gate, polizia o servizio", in.Kind)}
	case in.Circuit == (in.Comune != ""):
		return Client{}, "", &domain.Error{Message: "indicare il comune del cliente (--comune CODICE) oppure l'intero circuito (--circuito): uno dei due"}
	case in.Rate < 0 || in.Rate > 1000:
		return Client{}, "", &domain.Error{Message: fmt.Sprintf("limite di %g richieste al secondo fuori intervallo: da 0 (quello del server) a 1000", in.Rate)}
	case in.Circuit && a.Comune != "":
		return Client{}, "", &domain.Error{Message: "un cliente dell'intero circuito lo registra solo l'amministratore del server"}
	}
	if in.Comune != "" {
		if _, ok := domain.ComuneByCode(in.Comune); !ok {
			return Client{}, "", &domain.Error{Message: fmt.Sprintf("comune %q sconosciuto: indicare il codice catastale (es. L736 per Venezia)", in.Comune)}
		}
		if !a.Sees(in.Comune) {
			return Client{}, "", ErrForbidden
		}
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return Client{}, "", err
	}
	token := TokenPrefix + base64.RawURLEncoding.EncodeToString(raw)
	c := Client{Name: in.Name, Kind: in.Kind, Comune: in.Comune, TokenHash: tokenHash(token), Rate: in.Rate,
		CreatedAt: s.now().UTC().Truncate(time.Second), CreatedBy: a.Operator}
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		if _, err := tx.Client(c.Name); err == nil {
			return &domain.Error{Message: fmt.Sprintf("il cliente %s esiste già: scegliere un altro nome", c.Name)}
		}
		if c.Kind == ClientGate && c.Comune != "" {
			st, err := tx.ComuneSettings(c.Comune)
			if err != nil {
				return err
			}
			if !st.CircuitMember {
				return &domain.Error{Message: fmt.Sprintf("il comune %s non aderisce al circuito: i suoi varchi non possono interrogarlo (Impostazioni del comune)", comuneLabel(c.Comune))}
			}
		}
		if err := tx.PutClient(c); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{c.Comune})
		return s.audit(tx, a, c.Comune, "cliente HTTP registrato", "cliente "+c.Name, 0, ClientKindLabel(c.Kind)+", "+ClientScope(c))
	})
	if err != nil {
		return Client{}, "", err
	}
	return c, token, nil
}

// RevokeClient makes a client's token open nothing from now on.
func (s *Service) RevokeClient(a Actor, name string) error {
	if !a.Admin() {
		return ErrForbidden
	}
	return s.update(func(tx *store.Tx, ev *[]Event) error {
		c, err := tx.Client(strings.TrimSpace(name))
		if errors.Is(err, store.ErrNotFound) || (err == nil && !a.Sees(c.Comune)) {
			return &domain.Error{Message: "cliente " + name + " non trovato"}
		}
		if err != nil {
			return err
		}
		if c.Revoked() {
			return &domain.Error{Message: fmt.Sprintf("il cliente %s è già revocato dal %s", c.Name, c.RevokedAt.In(domain.Rome).Format("02/01/2006 15:04"))}
		}
		c.RevokedAt, c.RevokedBy = s.now().UTC().Truncate(time.Second), a.Operator
		if err := tx.PutClient(c); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{c.Comune})
		return s.audit(tx, a, c.Comune, "cliente HTTP revocato", "cliente "+c.Name, 0, "")
	})
}

// Clients lists the clients the administrator sees: a comune's own; every one for the
// server's administrator.
func (s *Service) Clients(a Actor) ([]Client, error) {
	if !a.Admin() {
		return nil, ErrForbidden
	}
	var out []Client
	err := s.view(func(tx *store.Tx) error {
		all, err := tx.Clients()
		for _, c := range all {
			if a.Sees(c.Comune) {
				out = append(out, c)
			}
		}
		return err
	})
	return out, err
}

// ClientByToken is the client a token belongs to: ErrTokenUnknown, ErrTokenRevoked, or
// ErrNotMember for a gate whose comune left the circuit since.
func (s *Service) ClientByToken(token string) (Client, error) {
	h := sha256.Sum256([]byte(token))
	if c, ok := s.tokens.get(h, s.db.Commits()); ok {
		return c, nil
	}
	stamp := s.db.Commits() // before the read: a commit during it makes the entry stale
	var c Client
	err := s.view(func(tx *store.Tx) error {
		var err error
		if c, err = tx.ClientByTokenHash(hex.EncodeToString(h[:])); errors.Is(err, store.ErrNotFound) {
			return ErrTokenUnknown
		} else if err != nil {
			return err
		}
		if c.Revoked() {
			return ErrTokenRevoked
		}
		if c.Kind == ClientGate && c.Comune != "" {
			if st, err := tx.ComuneSettings(c.Comune); err != nil || !st.CircuitMember {
				return ErrNotMember
			}
		}
		return nil
	})
	if err == nil {
		s.tokens.put(h, stamp, c)
	}
	return c, err
}

// tokenCache keeps the clients of the tokens seen, valid while the register has not
// committed anything since they were read (a revocation, a comune leaving the circuit:
// any commit empties it). A gate asks thousands of times a second; the lookup was a
// fifth of a plate check's CPU. Only good tokens are kept, at most maxCachedTokens.
type tokenCache struct {
	mu    sync.Mutex
	stamp uint64
	m     map[[sha256.Size]byte]Client // by the token's sha256, not its hex (no allocation)
}

const maxCachedTokens = 10_000

func (c *tokenCache) get(hash [sha256.Size]byte, stamp uint64) (Client, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stamp != stamp {
		return Client{}, false
	}
	cl, ok := c.m[hash]
	return cl, ok
}

func (c *tokenCache) put(hash [sha256.Size]byte, stamp uint64, cl Client) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.stamp != stamp || c.m == nil || len(c.m) >= maxCachedTokens {
		c.m, c.stamp = map[[sha256.Size]byte]Client{}, stamp
	}
	c.m[hash] = cl
}

func tokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// ClientScope says in Italian what a client covers: "intero circuito", "comune di …".
func ClientScope(c Client) string {
	if c.Comune == "" {
		return "intero circuito"
	}
	return "comune di " + comuneLabel(c.Comune)
}

func comuneLabel(code string) string {
	if c, ok := domain.ComuneByCode(code); ok {
		return c.Label()
	}
	return code
}

// LogQueries appends entries to the query log, in one transaction.
func (s *Service) LogQueries(es []QueryEntry) error {
	if len(es) == 0 {
		return nil
	}
	return s.update(func(tx *store.Tx, _ *[]Event) error { return tx.AppendQueries(es) })
}

// PruneQueryLog drops the queries older than days days (and the oldest beyond
// MaxQueryLog); it returns how many went.
func (s *Service) PruneQueryLog(days int) (int, error) {
	var n int
	err := s.update(func(tx *store.Tx, _ *[]Event) error {
		var err error
		n, err = tx.PruneQueries(s.now().AddDate(0, 0, -days), MaxQueryLog)
		return err
	})
	return n, err
}

// QueryFilter selects logged queries; zero fields select everything.
type QueryFilter struct {
	Client   string
	Subject  string // a plate or a pass number
	From, To domain.Date
	Limit    int // default 500
}

// QueryLog lists the logged queries newest first, for an administrator: a comune's
// administrator sees its clients' only. more is true when the limit cut the list.
func (s *Service) QueryLog(a Actor, f QueryFilter) (out []QueryEntry, more bool, err error) {
	if !a.Admin() {
		return nil, false, ErrForbidden
	}
	if f.Limit <= 0 {
		f.Limit = 500
	}
	subject := strings.ToUpper(strings.Join(strings.Fields(f.Subject), ""))
	err = s.view(func(tx *store.Tx) error {
		clients, err := tx.Clients()
		if err != nil {
			return err
		}
		seen := map[string]bool{}
		for _, c := range clients {
			seen[c.Name] = a.Sees(c.Comune)
		}
		return tx.Queries(func(e QueryEntry) bool {
			day := domain.DateOf(e.At)
			switch {
			case !seen[e.Client], f.Client != "" && e.Client != f.Client,
				subject != "" && strings.ToUpper(e.Subject) != subject,
				!f.To.IsZero() && day.After(f.To):
				return true
			case !f.From.IsZero() && day.Before(f.From):
				// Entries are in the order they were written, about the order of their
				// times: a day of slack before stopping.
				return !day.Before(f.From.AddDays(-1))
			}
			if len(out) == f.Limit {
				more = true
				return false
			}
			out = append(out, e)
			return true
		})
	})
	return out, more, err
}

// CardAnswer is what a service learns of a pass number: valid or not, and until when.
type CardAnswer struct {
	Valid bool
	Until domain.Date // zero when not valid
}

// ErrCardUnknown is a number not in the comune's register or a surname that does not
// match: the two are the same answer, so numbers cannot be enumerated.
var ErrCardUnknown = &domain.Error{Message: "contrassegno non trovato, o il cognome non corrisponde al titolare"}

// CheckCard answers a service about pass number of the holder named surname, on the
// service's clock today: comune "" looks in every comune.
func (s *Service) CheckCard(comune, number, surname string) (CardAnswer, error) {
	p, err := s.FindByNumber(Actor{Comune: comune}, number)
	if err != nil {
		return CardAnswer{}, ErrCardUnknown
	}
	var ans CardAnswer
	err = s.view(func(tx *store.Tx) error {
		h, err := tx.Person(p.PersonID)
		if err != nil || foldName(h.Cognome) == "" || foldName(h.Cognome) != foldName(surname) {
			return ErrCardUnknown
		}
		today := s.Today()
		st, _ := tx.ComuneSettings(p.Comune)
		switch p.Status(today, st.AlertDays) {
		case domain.Attivo, domain.InScadenza:
			if until := validUntil(p, h.DataDecesso); !until.Before(today) {
				ans = CardAnswer{Valid: true, Until: until}
			}
		}
		return nil
	})
	return ans, err
}

// foldName is a surname as compared: letters only, upper case, accents dropped
// ("D'Angelò" and "dangelo" match).
func foldName(s string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.IsLetter(r) {
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}

// CardState is what the register says of a card whose QR code was read.
type CardState struct {
	Payload printing.Payload // Edition 0: a CUDE1 card, printed before editions
	Found   bool             // the register holds a pass with that number
	State   domain.State     // the state of the card's version on the day (attivo, scaduto, sostituito…)
	Valid   bool             // the card authorises today: its version in force, holder alive
	Note    string           // in Italian: why not valid, or what replaced it
	// CurrentEdition is the edition of the pass's card in force, the last one the
	// comune handed over (issue 13.2; 0 when the number is not in the register).
	CurrentEdition int
}

// maxVersions bounds the walk along a lineage (a register's lineages have a handful).
const maxVersions = 10000

// VerifyCard checks a card's QR code with the register's keys, then looks for the card
// in the register. A signature that does not verify is an error saying why.
//
// The card is the version with its number, expiry, comune and edition (issue 13.2):
// after a duplicate the earlier card has the same number and expiry as the new one,
// and only the edition tells them apart. A CUDE1 card, printed before editions, is the
// card of a version recorded before them (Edition 0); once a duplicate or a renewal
// made after editions replaced it, it is no longer the card in force.
func (s *Service) VerifyCard(text string) (CardState, error) {
	p, err := s.VerifyPayload(text)
	if err != nil {
		return CardState{}, err
	}
	out := CardState{Payload: p}
	err = s.view(func(tx *store.Tx) error {
		var card, current domain.Pass
		for _, id := range tx.PassIDsByNumber(strings.ToUpper(p.Number)) {
			v, err := tx.Pass(id)
			if err != nil {
				return err
			}
			if v.Current() {
				current = v
			}
			// The card's own version: its expiry, issuing comune and edition; the live one first.
			if v.DataScadenza.Equal(p.Expiry) && (v.IssuingComune == p.Comune || v.Comune == p.Comune) && sameEdition(v, p.Edition) &&
				(card.ID == 0 || v.Current()) {
				card = v
			}
		}
		if card.ID == 0 {
			card = current
		}
		if card.ID == 0 {
			out.State, out.Note = "", "firma valida, ma il numero non è nel registro"
			return nil
		}
		out.Found = true
		last, err := lastVersion(tx, card)
		if err != nil {
			return err
		}
		out.CurrentEdition = last.CardEdition()
		today := s.Today()
		st, _ := tx.ComuneSettings(card.Comune)
		out.State = card.Status(today, st.AlertDays)
		var died domain.Date
		if h, err := tx.Person(card.PersonID); err == nil {
			died = h.DataDecesso
		}
		switch {
		case !card.DataScadenza.Equal(p.Expiry):
			out.Note = fmt.Sprintf("la carta porta la scadenza %s, il contrassegno nel registro %s: non è la carta in vigore", p.Expiry, card.DataScadenza)
		case !sameEdition(card, p.Edition):
			out.Note = fmt.Sprintf("%s, la carta in vigore è l'edizione %d: non è la carta in vigore", cardEditionLabel(p.Edition), card.CardEdition())
		case out.State == domain.Attivo || out.State == domain.InScadenza:
			if !died.IsZero() && !today.Before(died) {
				out.Note = "titolare deceduto il " + died.String()
			} else {
				out.Valid = true
				if card.Duplicate {
					out.Note = fmt.Sprintf("duplicato (edizione %d) emesso il %s: le carte delle edizioni precedenti non sono più valide",
						card.CardEdition(), card.DataRilascio)
				}
			}
		case out.State == domain.Sostituito:
			out.Note = "sostituito dal " + card.StateFrom.String() + " (" + card.StateReason + "): la carta non è più valida"
			if next, err := tx.Pass(card.NextID); err == nil && next.Duplicate {
				out.Note = fmt.Sprintf("carta sostituita da un duplicato (edizione %d del %s) per %s", next.CardEdition(), next.DataRilascio, next.DuplicateReason)
				if next.Number != card.Number {
					out.Note += ", con il numero " + next.Number
				}
				if last.ID != next.ID && last.CardEdition() != next.CardEdition() {
					out.Note += fmt.Sprintf("; la carta in vigore è l'edizione %d", last.CardEdition())
				}
			}
		case out.State == domain.Rinnovato:
			out.Note = "rinnovato: vale fino all'inizio del rinnovo, il " + card.StateFrom.String()
			out.Valid = today.Before(card.StateFrom) && (died.IsZero() || today.Before(died))
		case card.StateReason != "":
			out.Note = out.State.Label() + ": " + card.StateReason
		default:
			out.Note = out.State.Label()
		}
		return nil
	})
	return out, err
}

// sameEdition reports whether a card of edition (0: a CUDE1 card) is v's card.
func sameEdition(v domain.Pass, edition int) bool {
	if edition == 0 {
		return v.Edition == 0 // recorded before editions, like the card
	}
	return v.CardEdition() == edition
}

// cardEditionLabel says which card was read, for a note.
func cardEditionLabel(edition int) string {
	if edition == 0 {
		return "la carta è stata stampata prima delle edizioni"
	}
	return fmt.Sprintf("la carta è l'edizione %d", edition)
}

// lastVersion follows the lineage from v to its newest version.
func lastVersion(tx *store.Tx, v domain.Pass) (domain.Pass, error) {
	for i := 0; v.NextID != 0 && i < maxVersions; i++ {
		next, err := tx.Pass(v.NextID)
		if err != nil {
			return v, err
		}
		v = next
	}
	return v, nil
}

// RegisterHead changes with every change of the register: the hash of the audit
// chain's last entry (the HTTP whitelist's ETag).
func (s *Service) RegisterHead() (string, error) {
	var head string
	err := s.view(func(tx *store.Tx) error { _, head = tx.AuditHead(); return nil })
	return head, err
}
