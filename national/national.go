// Package national talks to the Ministry's national CUDE platform (N1–N5): the Platform
// interface, its HTTPS client, and a simulator for tests and the demo.
//
// The platform's web-service specification is not public (domain-facts.md): the
// contract we wrote is in docs/NATIONAL.md, and the real adapter replaces the client
// behind Platform when the specification is obtained, with nothing else changing.
package national

import (
	"context"
	"errors"
	"fmt"
)

// Kinds of change the comune reports (domain.Action values).
const (
	KindIssue     = "rilascio"
	KindRenew     = "rinnovo"
	KindDuplicate = "duplicato"
	KindPlates    = "targhe"
	KindSuspend   = "sospensione"
	KindResume    = "riattivazione"
	KindRevoke    = "revoca"
	KindDeath     = "decesso"
	KindTransfer  = "trasferimento"
)

// Credentials are the comune's "utenza CUDE" on the platform. The password is read
// from a file or the environment at each use, never stored or logged (Secret).
type Credentials struct {
	User     string
	Password Secret
}

// Secret is a password: it prints as ****.
type Secret string

func (Secret) String() string   { return "****" }
func (Secret) GoString() string { return "****" }

// Plate is a plate for the national circuit: at most two, in order of preference; the
// platform makes the first one active (DM 5 luglio 2021, art. 3, 5).
type Plate struct {
	Number  string `json:"targa"`
	Country string `json:"nazione"`
}

// Change is one message for the platform: the state of a pass after a change of Kind.
type Change struct {
	Key            string  `json:"chiave_idempotenza"` // the outbox job's key: the same key is applied once
	Kind           string  `json:"tipo"`
	Comune         string  `json:"comune"` // codice catastale of the comune that manages the pass
	CudeID         string  `json:"cude_id,omitempty"`
	Number         string  `json:"numero_contrassegno"`
	PreviousNumber string  `json:"numero_precedente,omitempty"`
	CodiceFiscale  string  `json:"codice_fiscale"`
	Cognome        string  `json:"cognome"`
	Nome           string  `json:"nome"`
	DataRilascio   string  `json:"data_rilascio"` // ISO dates
	DataScadenza   string  `json:"data_scadenza"`
	Plates         []Plate `json:"targhe"`                // at most two, principale first
	Date           string  `json:"data_evento,omitempty"` // suspension, revocation, death, transfer
	Reason         string  `json:"motivo,omitempty"`
	// Destination is the comune a transferred pass moves to (KindTransfer only): the
	// change goes with the credentials of the comune that managed it until then.
	Destination string `json:"comune_destinazione,omitempty"`
}

// Receipt is what the platform answers: the CUDE ID for later updates, the codice
// univoco for the holder, the plate it made active.
type Receipt struct {
	CudeID        string `json:"cude_id"`
	CodiceUnivoco string `json:"codice_univoco"`
	ActivePlate   string `json:"targa_attiva,omitempty"`
}

// Platform is the national platform as vivipass needs it.
type Platform interface {
	Send(ctx context.Context, cred Credentials, c Change) (Receipt, error)
}

// ErrUnavailable: the platform did not answer or answered with a server error; the
// send is retried later.
var ErrUnavailable = errors.New("piattaforma nazionale non raggiungibile")

// ErrPasswordExpired: the comune's password expired; its queue pauses until it changes.
var ErrPasswordExpired = errors.New("password della piattaforma nazionale scaduta: cambiarla sul Portale dell'Automobilista e aggiornarla in vivipass")

// ErrCredentials: user or password wrong.
var ErrCredentials = errors.New("utenza o password della piattaforma nazionale non valide")

// Rejected: the platform refused the change for a reason an operator must act on.
type Rejected struct{ Reason string }

func (r *Rejected) Error() string { return "rifiutato dalla piattaforma nazionale: " + r.Reason }

// Retryable reports whether err is worth sending again unchanged.
func Retryable(err error) bool { return errors.Is(err, ErrUnavailable) }

// Check refuses a change that cannot go as it is (before any network).
func (c Change) Check() error {
	switch {
	case c.Key == "":
		return fmt.Errorf("invio nazionale senza chiave di idempotenza")
	case len(c.Plates) > 2:
		return &Rejected{Reason: fmt.Sprintf("al massimo due targhe, non %d", len(c.Plates))}
	case c.Kind != KindIssue && c.CudeID == "":
		return &Rejected{Reason: "manca il CUDE ID: il contrassegno non risulta ancora sulla piattaforma"}
	}
	return nil
}

// ChangesPath is the endpoint of our contract (docs/NATIONAL.md), under the base URL.
const ChangesPath = "/v1/cude/changes"

// Error codes of the platform's JSON error body ({"codice": ..., "motivo": ...}).
const (
	CodePasswordExpired = "password_scaduta"
	CodeBadCredentials  = "credenziali_non_valide"
)
