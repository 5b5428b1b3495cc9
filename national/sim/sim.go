// Package sim simulates the national CUDE platform over our contract (docs/NATIONAL.md) for tests and demos.
package sim

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	mrand "math/rand/v2"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"vivipass/national"
)

// Card states on the platform.
const (
	StateActive    = "attivo"
	StateSuspended = "sospeso"
	StateRevoked   = "revocato"
	StateDeceased  = "deceduto"
)

// Error codes of the simulator's answers ({"codice": ..., "motivo": ...}).
const (
	CodeUnavailable  = "servizio_non_disponibile"
	CodeKeyReused    = "chiave_riutilizzata"
	CodeUnknownCude  = "cude_sconosciuto"
	CodeAlreadyIssue = "gia_rilasciato"
	CodeInvalid      = "dati_non_validi"
	CodeClosed       = "contrassegno_chiuso"
	CodeState        = "stato_non_valido"
	CodeOtherComune  = "comune_non_autorizzato"
)

// maxBody bounds a request body.
const maxBody = 64 << 10

// User is a comune's "utenza CUDE": the password stops working at Expires.
type User struct {
	Name     string
	Password string
	Comune   string    // codice catastale the user acts for
	Expires  time.Time // zero: never
}

// Options configure a Server.
type Options struct {
	Users    []User
	State    string  // JSON file of the platform's state; "" keeps it in memory
	Down     bool    // every request answers 503
	FailRate float64 // 0…1: this share of requests answers 503
	// FailAfter makes the injected failures happen after the change is applied: the
	// answer is lost, as when a connection drops on the way back.
	FailAfter bool
	Seed      uint64        // seeds the failure draws (0: random)
	Latency   time.Duration // added to every request
	Now       func() time.Time
}

// Event is one change applied to a card.
type Event struct {
	Kind string `json:"tipo"`
	Key  string `json:"chiave"`
	Date string `json:"data_evento,omitempty"`
	At   string `json:"ricevuto"`
}

// Card is a CUDE as the platform holds it.
type Card struct {
	CudeID        string           `json:"cude_id"`
	CodiceUnivoco string           `json:"codice_univoco"`
	Comune        string           `json:"comune"`
	Number        string           `json:"numero_contrassegno"`
	CodiceFiscale string           `json:"codice_fiscale"`
	Cognome       string           `json:"cognome"`
	Nome          string           `json:"nome"`
	DataRilascio  string           `json:"data_rilascio"`
	DataScadenza  string           `json:"data_scadenza"`
	Plates        []national.Plate `json:"targhe"`
	ActivePlate   string           `json:"targa_attiva"`
	State         string           `json:"stato"`
	StateDate     string           `json:"data_stato,omitempty"`
	Reason        string           `json:"motivo,omitempty"`
	Events        []Event          `json:"variazioni"`
}

// answer is a response stored under its idempotency key, replayed byte for byte.
type answer struct {
	Fingerprint string `json:"impronta"`
	Status      int    `json:"stato_http"`
	Body        string `json:"risposta"`
	Applied     int    `json:"applicazioni"`
}

// state is what the state file holds.
type state struct {
	Cards map[string]*Card   `json:"cude"`
	Keys  map[string]*answer `json:"chiavi"` // comune + " " + key
}

// Server is the simulated platform; it is an http.Handler, safe for concurrent use.
type Server struct {
	mu        sync.Mutex
	users     map[string]User
	st        state
	byNumber  map[string]string // comune + " " + number → CUDE ID
	file      string
	down      bool
	failRate  float64
	failAfter bool
	latency   time.Duration
	rng       *mrand.Rand
	now       func() time.Time
	requests  int
}

// New makes a simulator, reloading its state file when there is one.
func New(o Options) (*Server, error) {
	s := &Server{users: map[string]User{}, file: o.State, down: o.Down, failAfter: o.FailAfter,
		latency: o.Latency, now: o.Now,
		st: state{Cards: map[string]*Card{}, Keys: map[string]*answer{}}, byNumber: map[string]string{}}
	if err := s.SetFailRate(o.FailRate); err != nil {
		return nil, err
	}
	if s.now == nil {
		s.now = time.Now
	}
	seed := o.Seed
	if seed == 0 {
		var b [8]byte
		_, _ = rand.Read(b[:])
		for _, c := range b {
			seed = seed<<8 | uint64(c)
		}
	}
	s.rng = mrand.New(mrand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for _, u := range o.Users {
		s.users[u.Name] = u
	}
	if s.file != "" {
		b, err := os.ReadFile(s.file)
		switch {
		case errors.Is(err, os.ErrNotExist):
		case err != nil:
			return nil, fmt.Errorf("stato del simulatore non leggibile: %w", err)
		default:
			var st state
			if err := json.Unmarshal(b, &st); err != nil {
				return nil, fmt.Errorf("stato del simulatore %s non valido: %w", s.file, err)
			}
			if st.Cards != nil {
				s.st.Cards = st.Cards
			}
			if st.Keys != nil {
				s.st.Keys = st.Keys
			}
		}
	}
	for id, c := range s.st.Cards {
		s.byNumber[c.Comune+" "+c.Number] = id
	}
	if s.file != "" {
		removeStaleTemps(s.file, time.Now())
	}
	return s, nil
}

// SetDown switches the unavailability (every request answers 503).
func (s *Server) SetDown(down bool) { s.mu.Lock(); s.down = down; s.mu.Unlock() }

// SetFailRate sets the share (0…1) of requests answered with 503.
func (s *Server) SetFailRate(f float64) error {
	if f < 0 || f > 1 || f != f {
		return fmt.Errorf("tasso di errore %v non valido: tra 0 e 1", f)
	}
	s.mu.Lock()
	s.failRate = f
	s.mu.Unlock()
	return nil
}

// SetLatency sets the delay added to every request.
func (s *Server) SetLatency(d time.Duration) { s.mu.Lock(); s.latency = d; s.mu.Unlock() }

// SetUser adds a user or changes its password and expiry.
func (s *Server) SetUser(u User) { s.mu.Lock(); s.users[u.Name] = u; s.mu.Unlock() }

// Applied is how many times the change sent by comune under key was applied: 1 once
// it went through, whatever the retries; 0 if never.
func (s *Server) Applied(comune, key string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.st.Keys[comune+" "+key]; a != nil {
		return a.Applied
	}
	return 0
}

// Requests is how many requests reached the handler.
func (s *Server) Requests() int { s.mu.Lock(); defer s.mu.Unlock(); return s.requests }

// Card returns a copy of the card with this CUDE ID.
func (s *Server) Card(cudeID string) (Card, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	c, ok := s.st.Cards[cudeID]
	if !ok {
		return Card{}, false
	}
	return c.clone(), true
}

// Cards returns a copy of every card, by CUDE ID.
func (s *Server) Cards() []Card {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Card, 0, len(s.st.Cards))
	for _, c := range s.st.Cards {
		out = append(out, c.clone())
	}
	sort.Slice(out, func(i, j int) bool { return out[i].CudeID < out[j].CudeID })
	return out
}

func (c *Card) clone() Card {
	n := *c
	n.Plates = append([]national.Plate(nil), c.Plates...)
	n.Events = append([]Event(nil), c.Events...)
	return n
}

// apiError is an error answer.
type apiError struct {
	status       int
	code, reason string
}

func fail(status int, code, format string, a ...any) *apiError {
	return &apiError{status: status, code: code, reason: fmt.Sprintf(format, a...)}
}

func writeJSON(w http.ResponseWriter, status int, body []byte) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

func writeErr(w http.ResponseWriter, e *apiError) {
	b, _ := json.Marshal(map[string]string{"codice": e.code, "motivo": e.reason})
	if e.status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="CUDE", charset="UTF-8"`)
	}
	writeJSON(w, e.status, append(b, '\n'))
}

// ServeHTTP answers POST /v1/cude/changes as docs/NATIONAL.md says.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	latency, down := s.latency, s.down
	s.mu.Unlock()
	if latency > 0 {
		t := time.NewTimer(latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return
		}
	}
	if down {
		writeErr(w, fail(http.StatusServiceUnavailable, CodeUnavailable, "piattaforma in manutenzione"))
		return
	}
	if r.URL.Path != national.ChangesPath {
		writeErr(w, fail(http.StatusNotFound, "risorsa_sconosciuta", "risorsa %s sconosciuta", r.URL.Path))
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		writeErr(w, fail(http.StatusMethodNotAllowed, "metodo_non_ammesso", "solo POST"))
		return
	}
	user, aerr := s.authenticate(r)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	key := r.Header.Get("Idempotency-Key")
	if key == "" || len(key) > 200 {
		writeErr(w, fail(http.StatusBadRequest, CodeInvalid, "intestazione Idempotency-Key mancante o troppo lunga"))
		return
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeErr(w, fail(http.StatusRequestEntityTooLarge, CodeInvalid, "richiesta oltre %d byte o interrotta", maxBody))
		return
	}
	var ch national.Change
	if err := json.Unmarshal(raw, &ch); err != nil {
		writeErr(w, fail(http.StatusBadRequest, CodeInvalid, "JSON non valido: %v", err))
		return
	}
	if ch.Key != key {
		writeErr(w, fail(http.StatusBadRequest, CodeInvalid, "chiave_idempotenza del corpo diversa dall'intestazione Idempotency-Key"))
		return
	}
	if ch.Comune != user.Comune {
		writeErr(w, fail(http.StatusForbidden, CodeOtherComune, "l'utenza %s opera per il comune %s, non %s", user.Name, user.Comune, ch.Comune))
		return
	}
	status, body, aerr := s.handle(user, ch)
	if aerr != nil {
		writeErr(w, aerr)
		return
	}
	writeJSON(w, status, body)
}

func (s *Server) authenticate(r *http.Request) (User, *apiError) {
	name, pw, ok := r.BasicAuth()
	s.mu.Lock()
	u, known := s.users[name]
	now := s.now()
	s.mu.Unlock()
	// Compare even for an unknown user, so timing does not tell which users exist.
	want := u.Password
	if !known {
		want = "\x00unknown"
	}
	good := subtle.ConstantTimeCompare([]byte(pw), []byte(want)) == 1
	if !ok || !known || !good {
		return User{}, fail(http.StatusUnauthorized, national.CodeBadCredentials, "utenza o password non valide")
	}
	if !u.Expires.IsZero() && !now.Before(u.Expires) {
		return User{}, fail(http.StatusUnauthorized, national.CodePasswordExpired,
			"la password dell'utenza %s è scaduta il %s: cambiarla sul Portale dell'Automobilista", u.Name, u.Expires.Format("02/01/2006"))
	}
	return u, nil
}

// handle applies the change once per key and replays the stored answer afterwards.
func (s *Server) handle(user User, ch national.Change) (int, []byte, *apiError) {
	fp := fingerprint(ch)
	scope := ch.Comune + " " + ch.Key
	s.mu.Lock()
	defer s.mu.Unlock()
	if a := s.st.Keys[scope]; a != nil {
		if a.Fingerprint != fp {
			return 0, nil, fail(http.StatusUnprocessableEntity, CodeKeyReused,
				"la chiave di idempotenza %s è già stata usata per una variazione diversa", ch.Key)
		}
		return a.Status, []byte(a.Body), nil
	}
	failNow := s.failRate > 0 && s.rng.Float64() < s.failRate
	if failNow && !s.failAfter {
		return 0, nil, fail(http.StatusServiceUnavailable, CodeUnavailable, "errore temporaneo della piattaforma")
	}
	rec, undo, aerr := s.apply(ch)
	if aerr != nil {
		return 0, nil, aerr
	}
	body, _ := json.Marshal(rec)
	body = append(body, '\n')
	s.st.Keys[scope] = &answer{Fingerprint: fp, Status: http.StatusOK, Body: string(body), Applied: 1}
	if err := s.save(); err != nil {
		delete(s.st.Keys, scope)
		undo()
		return 0, nil, fail(http.StatusInternalServerError, "errore_interno", "stato non salvato: %v", err)
	}
	if failNow {
		return 0, nil, fail(http.StatusServiceUnavailable, CodeUnavailable, "errore temporaneo della piattaforma (variazione registrata, risposta persa)")
	}
	return http.StatusOK, body, nil
}

func fingerprint(ch national.Change) string {
	b, _ := json.Marshal(ch)
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// apply changes the state under s.mu; undo puts it back (the state file was not written).
func (s *Server) apply(ch national.Change) (national.Receipt, func(), *apiError) {
	if aerr := validate(ch); aerr != nil {
		return national.Receipt{}, nil, aerr
	}
	ev := Event{Kind: ch.Kind, Key: ch.Key, Date: ch.Date, At: s.now().UTC().Format(time.RFC3339)}
	if ch.Kind == national.KindIssue {
		if id, ok := s.byNumber[ch.Comune+" "+ch.Number]; ok {
			return national.Receipt{}, nil, fail(http.StatusConflict, CodeAlreadyIssue,
				"il contrassegno %s del comune %s è già sulla piattaforma con CUDE ID %s", ch.Number, ch.Comune, id)
		}
		c := &Card{CudeID: s.newID(), CodiceUnivoco: newCodice(), Comune: ch.Comune, State: StateActive}
		c.take(ch)
		c.Events = []Event{ev}
		s.st.Cards[c.CudeID] = c
		s.byNumber[c.Comune+" "+c.Number] = c.CudeID
		return c.receipt(), func() {
			delete(s.st.Cards, c.CudeID)
			delete(s.byNumber, c.Comune+" "+c.Number)
		}, nil
	}
	old, ok := s.st.Cards[ch.CudeID]
	switch {
	case !ok:
		return national.Receipt{}, nil, fail(http.StatusUnprocessableEntity, CodeUnknownCude, "CUDE ID %s sconosciuto alla piattaforma", ch.CudeID)
	case old.Comune != ch.Comune:
		return national.Receipt{}, nil, fail(http.StatusUnprocessableEntity, CodeOtherComune,
			"il CUDE ID %s è gestito dal comune %s, non da %s", ch.CudeID, old.Comune, ch.Comune)
	case old.State == StateRevoked || old.State == StateDeceased:
		return national.Receipt{}, nil, fail(http.StatusUnprocessableEntity, CodeClosed,
			"il CUDE ID %s è chiuso (%s dal %s): nessuna variazione possibile", ch.CudeID, old.State, old.StateDate)
	}
	c := old.clone()
	if ch.Number != "" && ch.Number != c.Number {
		c.CodiceUnivoco = newCodice() // the codice univoco is tied to the number
	}
	switch ch.Kind {
	case national.KindDuplicate:
		c.CodiceUnivoco = newCodice() // the lost card's codice stops working
	case national.KindSuspend:
		if c.State != StateActive {
			return national.Receipt{}, nil, fail(http.StatusConflict, CodeState, "il CUDE ID %s non è attivo (%s): non si sospende", c.CudeID, c.State)
		}
		c.State, c.StateDate, c.Reason = StateSuspended, ch.Date, ch.Reason
	case national.KindResume:
		if c.State != StateSuspended {
			return national.Receipt{}, nil, fail(http.StatusConflict, CodeState, "il CUDE ID %s non è sospeso (%s): non si riattiva", c.CudeID, c.State)
		}
		c.State, c.StateDate, c.Reason = StateActive, ch.Date, ch.Reason
	case national.KindRevoke:
		c.State, c.StateDate, c.Reason = StateRevoked, ch.Date, ch.Reason
	case national.KindDeath:
		c.State, c.StateDate, c.Reason = StateDeceased, ch.Date, ch.Reason
	case national.KindTransfer:
		if ch.Destination == c.Comune {
			return national.Receipt{}, nil, fail(http.StatusUnprocessableEntity, CodeInvalid, "il CUDE ID %s è già del comune %s", c.CudeID, c.Comune)
		}
		c.Comune, c.StateDate, c.Reason = ch.Destination, ch.Date, ch.Reason
	}
	oldNumber := old.Comune + " " + old.Number
	c.take(ch)
	if id, ok := s.byNumber[c.Comune+" "+c.Number]; ok && id != c.CudeID {
		return national.Receipt{}, nil, fail(http.StatusConflict, CodeAlreadyIssue,
			"il numero %s del comune %s è già del CUDE ID %s", c.Number, c.Comune, id)
	}
	c.Events = append(c.Events, ev)
	delete(s.byNumber, oldNumber)
	s.byNumber[c.Comune+" "+c.Number] = c.CudeID
	s.st.Cards[c.CudeID] = &c
	return c.receipt(), func() {
		delete(s.byNumber, c.Comune+" "+c.Number)
		s.byNumber[oldNumber] = old.CudeID
		s.st.Cards[old.CudeID] = old
	}, nil
}

// take copies the pass's data the change carries (a change is the state after it).
func (c *Card) take(ch national.Change) {
	set := func(dst *string, v string) {
		if v != "" {
			*dst = v
		}
	}
	set(&c.Number, ch.Number)
	set(&c.CodiceFiscale, ch.CodiceFiscale)
	set(&c.Cognome, ch.Cognome)
	set(&c.Nome, ch.Nome)
	set(&c.DataRilascio, ch.DataRilascio)
	set(&c.DataScadenza, ch.DataScadenza)
	if len(ch.Plates) > 0 {
		c.Plates = append([]national.Plate(nil), ch.Plates...)
		c.ActivePlate = c.Plates[0].Number // the first in order of preference is active
	}
}

func (c *Card) receipt() national.Receipt {
	return national.Receipt{CudeID: c.CudeID, CodiceUnivoco: c.CodiceUnivoco, ActivePlate: c.ActivePlate}
}

// validate refuses a change that is wrong in itself, whatever the state.
func validate(ch national.Change) *apiError {
	bad := func(format string, a ...any) *apiError {
		return fail(http.StatusUnprocessableEntity, CodeInvalid, format, a...)
	}
	switch ch.Kind {
	case national.KindIssue, national.KindRenew, national.KindDuplicate, national.KindPlates, national.KindSuspend,
		national.KindResume, national.KindRevoke, national.KindDeath, national.KindTransfer:
	default:
		return bad("tipo di variazione %q sconosciuto", ch.Kind)
	}
	if len(ch.Plates) > 2 {
		return bad("al massimo due targhe, non %d", len(ch.Plates))
	}
	for i, p := range ch.Plates {
		if strings.TrimSpace(p.Number) == "" {
			return bad("targa %d vuota", i+1)
		}
	}
	if len(ch.Plates) == 2 && strings.EqualFold(ch.Plates[0].Number, ch.Plates[1].Number) && ch.Plates[0].Country == ch.Plates[1].Country {
		return bad("la targa %s è indicata due volte", ch.Plates[0].Number)
	}
	for _, d := range []struct{ name, v string }{{"data_rilascio", ch.DataRilascio}, {"data_scadenza", ch.DataScadenza}, {"data_evento", ch.Date}} {
		if d.v == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, d.v); err != nil {
			return bad("%s %q non è una data AAAA-MM-GG", d.name, d.v)
		}
	}
	if ch.DataRilascio != "" && ch.DataScadenza != "" && ch.DataScadenza <= ch.DataRilascio {
		return bad("la scadenza %s non è dopo il rilascio %s", ch.DataScadenza, ch.DataRilascio)
	}
	if ch.Kind == national.KindIssue {
		switch {
		case ch.CudeID != "":
			return bad("un rilascio non ha ancora un CUDE ID (ricevuto %s)", ch.CudeID)
		case ch.Number == "" || ch.CodiceFiscale == "" || ch.Cognome == "" || ch.Nome == "":
			return bad("rilascio senza numero, codice fiscale, cognome o nome")
		case ch.DataRilascio == "" || ch.DataScadenza == "":
			return bad("rilascio senza data di rilascio o di scadenza")
		case len(ch.Plates) == 0:
			return bad("rilascio senza targa: almeno la principale")
		}
		return nil
	}
	if ch.CudeID == "" {
		return bad("manca il CUDE ID: il contrassegno non risulta ancora sulla piattaforma")
	}
	switch ch.Kind {
	case national.KindSuspend, national.KindRevoke, national.KindDeath, national.KindTransfer:
		if ch.Date == "" {
			return bad("%s senza data_evento", ch.Kind)
		}
	case national.KindPlates:
		if len(ch.Plates) == 0 {
			return bad("variazione targhe senza targhe")
		}
	case national.KindRenew:
		if ch.DataScadenza == "" {
			return bad("rinnovo senza nuova data di scadenza")
		}
	case national.KindDuplicate:
		if ch.Number == "" {
			return bad("duplicato senza numero del nuovo contrassegno")
		}
	}
	if ch.Kind == national.KindTransfer && ch.Destination == "" {
		return bad("trasferimento senza comune_destinazione")
	}
	return nil
}

// newID makes a CUDE ID not yet used: "CUDE-" and 10 digits.
func (s *Server) newID() string {
	for {
		n, err := rand.Int(rand.Reader, big.NewInt(1e10))
		if err != nil {
			panic(err) // crypto/rand does not fail on supported systems
		}
		id := fmt.Sprintf("CUDE-%010d", n)
		if _, used := s.st.Cards[id]; !used {
			return id
		}
	}
}

// codiceAlphabet has 32 symbols, without 0/O and 1/I that are misread at the counter.
const codiceAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// newCodice makes a codice univoco: 12 symbols from crypto/rand (60 bits).
func newCodice() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = codiceAlphabet[b[i]&31]
	}
	return string(b[:])
}

// removeStaleTemps removes what a simulator killed while saving left beside the state
// file: its temporary names (save) untouched for 10 minutes, nothing else (#12 point 12).
func removeStaleTemps(file string, now time.Time) {
	dir, base := filepath.Dir(file), filepath.Base(file)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), "."+base+".")
		if !ok || rest == "" || strings.Trim(rest, "0123456789") != "" || !e.Type().IsRegular() {
			continue
		}
		if fi, err := e.Info(); err == nil && now.Sub(fi.ModTime()) > 10*time.Minute {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// save writes the state file atomically (temporary file, fsync, rename); under s.mu.
func (s *Server) save() error {
	if s.file == "" {
		return nil
	}
	b, err := json.MarshalIndent(&s.st, "", " ")
	if err != nil {
		return err
	}
	dir := filepath.Dir(s.file)
	f, err := os.CreateTemp(dir, "."+filepath.Base(s.file)+".*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, s.file)
	}
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return nil
}

// LoadUsers reads a users file: one "utente;password;comune;scadenza" a line
// (scadenza AAAA-MM-GG, the last day the password works; empty: never), # comments.
func LoadUsers(file string) ([]User, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("file delle utenze non leggibile: %w", err)
	}
	var users []User
	sc := bufio.NewScanner(bytes.NewReader(b))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Split(line, ";")
		if len(f) != 4 || f[0] == "" || f[1] == "" || f[2] == "" {
			return nil, fmt.Errorf("%s riga %d: attesi utente;password;comune;scadenza", file, n)
		}
		u := User{Name: strings.TrimSpace(f[0]), Password: f[1], Comune: strings.ToUpper(strings.TrimSpace(f[2]))}
		if d := strings.TrimSpace(f[3]); d != "" {
			day, err := time.ParseInLocation(time.DateOnly, d, time.Local)
			if err != nil {
				return nil, fmt.Errorf("%s riga %d: scadenza %q non è una data AAAA-MM-GG", file, n, d)
			}
			u.Expires = day.AddDate(0, 0, 1)
		}
		users = append(users, u)
	}
	if len(users) == 0 {
		return nil, fmt.Errorf("%s: nessuna utenza", file)
	}
	return users, nil
}

// DemoUsers are the users of the demo comuni (Venezia L736, Padova G224): the password
// is the user name, and it expires 90 days after now.
func DemoUsers(now time.Time) []User {
	exp := now.AddDate(0, 0, 90)
	return []User{
		{Name: "venezia", Password: "venezia", Comune: "L736", Expires: exp},
		{Name: "padova", Password: "padova", Comune: "G224", Expires: exp},
	}
}
