package domain

import (
	"strings"
	"time"
)

// Kind of pass (P1).
type Kind string

const (
	Permanente Kind = "P"
	Temporaneo Kind = "T"
)

func (k Kind) Label() string {
	switch k {
	case Permanente:
		return "permanente"
	case Temporaneo:
		return "temporaneo"
	}
	return string(k)
}

// ParseKind accepts P/T and the words.
func ParseKind(s string) (Kind, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "P", "PERMANENTE":
		return Permanente, true
	case "T", "TEMPORANEO":
		return Temporaneo, true
	}
	return "", false
}

// State is the stored state of one pass version (P7). "In scadenza" and "scaduto" of an
// active pass are derived from the dates (see Pass.Status); Scaduto is also stored for
// passes imported as expired.
type State string

const (
	Attivo     State = "attivo"
	InScadenza State = "in_scadenza" // derived only
	Scaduto    State = "scaduto"
	Sospeso    State = "sospeso"
	Revocato   State = "revocato"
	Rinnovato  State = "rinnovato"
	Sostituito State = "sostituito"
	Trasferito State = "trasferito"
	// TrasferitoFuori: the holder moved to a comune outside the circuit (P6). The pass
	// ends here: no successor, its plates leave the whitelist from that day.
	TrasferitoFuori State = "trasferito_fuori_circuito"
)

// AllStates in the order the TUI lists them.
func AllStates() []State {
	return []State{Attivo, InScadenza, Scaduto, Sospeso, Revocato, Rinnovato, Sostituito, Trasferito, TrasferitoFuori}
}

func (s State) Label() string {
	switch s {
	case InScadenza:
		return "in scadenza"
	case TrasferitoFuori:
		return "trasferito fuori circuito"
	case "":
		return ""
	}
	return string(s)
}

// ParseState accepts the states an import file may carry, and the labels.
func ParseState(s string) (State, bool) {
	s = strings.ToLower(strings.TrimSpace(s))
	s = strings.ReplaceAll(s, " ", "_")
	for _, st := range AllStates() {
		if string(st) == s {
			return st, true
		}
	}
	return "", false
}

// Closed reports whether the version is history: it can no longer change.
func (s State) Closed() bool {
	switch s {
	case Rinnovato, Sostituito, Trasferito, TrasferitoFuori, Revocato:
		return true
	}
	return false
}

// Channel through which a pass or a request arrived (P11).
type Channel string

const (
	Sportello Channel = "sportello"
	App       Channel = "app"
	Import    Channel = "import"
)

func (c Channel) Label() string {
	switch c {
	case Sportello:
		return "Sportello"
	case App:
		return "App"
	case Import:
		return "Import"
	}
	return string(c)
}

// ParseChannel accepts the channel names in any case.
func ParseChannel(s string) (Channel, bool) {
	switch Channel(strings.ToLower(strings.TrimSpace(s))) {
	case Sportello:
		return Sportello, true
	case App:
		return App, true
	case Import:
		return Import, true
	}
	return "", false
}

// DuplicateReason is why a duplicate was issued (P4).
type DuplicateReason string

const (
	Furto          DuplicateReason = "furto"
	Smarrimento    DuplicateReason = "smarrimento"
	Deterioramento DuplicateReason = "deterioramento"
)

// ParseDuplicateReason accepts the reasons in any case.
func ParseDuplicateReason(s string) (DuplicateReason, bool) {
	switch DuplicateReason(strings.ToLower(strings.TrimSpace(s))) {
	case Furto:
		return Furto, true
	case Smarrimento:
		return Smarrimento, true
	case Deterioramento, "degrado", "usura":
		return Deterioramento, true
	}
	return "", false
}

// NeedsReport reports whether the reason needs the police report (denuncia): a card
// stolen or lost may still be around, so the duplicate names the denuncia (P4, V3); a
// worn card is handed back instead.
func (r DuplicateReason) NeedsReport() bool { return r == Furto || r == Smarrimento }

// PoliceReport is the denuncia of a theft or a loss, as the holder hands it in: its
// number, its date and the authority that took it ("Carabinieri – Stazione di Mestre").
type PoliceReport struct {
	Numero   string `json:"numero"`
	Data     Date   `json:"data,omitzero"`
	Autorita string `json:"autorita"`
}

// IsZero reports that no report was given.
func (r PoliceReport) IsZero() bool { return r == PoliceReport{} }

// String is the report as the history and the card say it: "n. 417/2026 del
// 01/12/2026, Carabinieri – Stazione di Mestre".
func (r PoliceReport) String() string {
	return "n. " + r.Numero + " del " + r.Data.String() + ", " + r.Autorita
}

// ReportLabel is what the card and the command line say of a pass's police report: the
// report; "non registrata" on a duplicate for theft or loss recorded before it was
// asked; "" when none is due.
func (p Pass) ReportLabel() string {
	switch {
	case !p.Denuncia.IsZero():
		return p.Denuncia.String()
	case p.Duplicate && p.DuplicateReason.NeedsReport():
		return "non registrata"
	}
	return ""
}

// Check validates the report of a duplicate for reason, on day: for a theft or a loss
// the number, a date not after day and the authority are required; for wear there is no
// report (the worn card is handed back).
func (r PoliceReport) Check(reason DuplicateReason, day Date) error {
	r.Numero, r.Autorita = strings.TrimSpace(r.Numero), strings.TrimSpace(r.Autorita)
	if !reason.NeedsReport() {
		if !r.IsZero() {
			return errorf("per il deterioramento non serve la denuncia: si ritira il contrassegno deteriorato")
		}
		return nil
	}
	switch {
	case r.Numero == "":
		return errorf("per il duplicato per %s indicare il numero della denuncia", reason)
	case len([]rune(r.Numero)) > 40:
		return errorf("numero della denuncia troppo lungo: al massimo 40 caratteri")
	case r.Data.IsZero():
		return errorf("per il duplicato per %s indicare la data della denuncia (gg/mm/aaaa)", reason)
	case r.Data.After(day):
		return errorf("la data della denuncia %s è nel futuro", r.Data)
	case r.Autorita == "":
		return errorf("per il duplicato per %s indicare l'autorità che ha ricevuto la denuncia (es. Carabinieri – Stazione di Mestre)", reason)
	case len([]rune(r.Autorita)) > 120:
		return errorf("autorità della denuncia troppo lunga: al massimo 120 caratteri")
	}
	if err := CheckText("il numero della denuncia", r.Numero, false); err != nil {
		return err
	}
	return CheckText("l'autorità della denuncia", r.Autorita, false) // issue 12.10
}

// NationalStatus is where the pass stands with the national platform (N1–N3).
type NationalStatus string

const (
	NationalNone    NationalStatus = ""            // not sent (no consent, or nothing to send)
	NationalPending NationalStatus = "in_coda"     // an outbox job waits
	NationalSent    NationalStatus = "inviato"     // the platform answered
	NationalFailed  NationalStatus = "errore"      // last attempt failed; retried
	NationalSkipped NationalStatus = "non_inviare" // an operator chose not to send it (N5)
)

func (s NationalStatus) Label() string {
	switch s {
	case NationalNone:
		return "non inviato"
	case NationalPending:
		return "in coda"
	case NationalSent:
		return "inviato"
	case NationalFailed:
		return "errore, in attesa di nuovo tentativo"
	case NationalSkipped:
		return "non inviare (scelta dell'operatore)"
	}
	return string(s)
}

// National is the national-platform data of a pass (N1).
type National struct {
	Consent       bool           `json:"consent"`
	CudeID        string         `json:"cude_id,omitempty"`
	CodiceUnivoco string         `json:"codice_univoco,omitempty"`
	Status        NationalStatus `json:"status,omitempty"`
	LastError     string         `json:"last_error,omitempty"`
}

// Pass is one version of a card. Renewal, duplicate and transfer close the current
// version and open a new one in the same lineage (Lineage = ID of the first version),
// so the history is the chain of versions (P3, P4, P6).
type Pass struct {
	ID              uint64          `json:"id"`
	Lineage         uint64          `json:"lineage"`
	PrevID          uint64          `json:"prev_id,omitempty"`
	NextID          uint64          `json:"next_id,omitempty"` // set when a newer version replaces this one
	Number          string          `json:"number"`
	PreviousNumber  string          `json:"previous_number,omitempty"`
	Comune          string          `json:"comune"`         // managing comune (scope)
	IssuingComune   string          `json:"issuing_comune"` // printed on the front
	PersonID        uint64          `json:"person_id"`
	HolderCF        string          `json:"holder_cf"`   // denormalised: P5 and search
	HolderName      string          `json:"holder_name"` // denormalised "COGNOME NOME": search
	Kind            Kind            `json:"kind"`
	DataRilascio    Date            `json:"data_rilascio,omitzero"`
	DataDecorrenza  Date            `json:"data_decorrenza,omitzero"`
	DataScadenza    Date            `json:"data_scadenza,omitzero"`
	State           State           `json:"state"`
	StateFrom       Date            `json:"state_from,omitzero"` // suspension, revocation or closing date
	StateReason     string          `json:"state_reason,omitempty"`
	TransferredTo   string          `json:"transferred_to,omitempty"` // the comune a trasferito version went to (P6)
	Duplicate       bool            `json:"duplicate,omitempty"`
	DuplicateReason DuplicateReason `json:"duplicate_reason,omitempty"`
	Denuncia        PoliceReport    `json:"denuncia,omitzero"` // of a duplicate for theft or loss (P4); zero on older ones
	Edition         int             `json:"edition,omitempty"` // of the card: see CardEdition; 0 on older versions
	Channel         Channel         `json:"channel"`
	Plates          []Plate         `json:"plates,omitempty"`
	NextPlateID     uint32          `json:"next_plate_id"`
	National        National        `json:"national"`
	Note            string          `json:"note,omitempty"`
	ImportFile      string          `json:"import_file,omitempty"`
	Version         uint64          `json:"version"`
	CreatedAt       time.Time       `json:"created_at,omitzero"`
	CreatedBy       string          `json:"created_by,omitempty"`
	UpdatedAt       time.Time       `json:"updated_at,omitzero"`
	UpdatedBy       string          `json:"updated_by,omitempty"`
}

// Status is the state an operator sees on day: an active pass past its expiry is
// "scaduto", within alertDays of it "in scadenza"; a suspension or revocation dated in
// the future shows as active until then.
func (p Pass) Status(day Date, alertDays int) State {
	st := p.State
	if (st == Sospeso || st == Revocato) && p.pending(day) {
		st = Attivo // until then it expires (or nears expiry) like any active pass
	}
	if st == Attivo {
		if day.After(p.DataScadenza) {
			return Scaduto
		}
		if !day.Before(p.DataScadenza.AddDays(-alertDays)) {
			return InScadenza
		}
	}
	return st
}

// pending reports whether the stored state is dated after day (a suspension or
// revocation decided in advance).
func (p Pass) pending(day Date) bool { return !p.StateFrom.IsZero() && day.Before(p.StateFrom) }

// CardEdition is which card of the lineage this version's card is, as its QR code
// carries it (issue 13.2): 1 for the first, +1 at each new card the comune hands over
// (a duplicate: MakeDuplicate; a renewal: Renew); the other new versions (plates,
// suspension, transfer…) keep it. The card of an older edition no longer verifies as
// valid, though number and expiry are the same. A version recorded before editions
// (Edition 0) is 1, or 2 when it is already a duplicate (its original was the first
// card; more duplicates before editions count as one: their cards, CUDE1, carry no
// edition anyway).
func (p Pass) CardEdition() int {
	switch {
	case p.Edition > 0:
		return p.Edition
	case p.Duplicate:
		return 2
	}
	return 1
}

// Current reports whether the version is the live one of its lineage (not replaced).
func (p Pass) Current() bool {
	switch p.State {
	case Rinnovato, Sostituito, Trasferito:
		return false
	}
	return true
}

// Listed reports whether the version shows in its comune's lists: the live version, or
// the last one a comune held before a transfer.
func (p Pass) Listed() bool { return p.Current() || p.State == Trasferito }

// HoldsActive reports whether this pass counts as the holder's active pass for P5:
// a current version that is not revoked or expired.
func (p Pass) HoldsActive(day Date) bool {
	switch p.Status(day, 0) {
	case Attivo, InScadenza, Sospeso:
		return true
	}
	return false
}

// Principale is the plate with the principale role, if any.
func (p Pass) Principale() (Plate, bool) {
	for _, pl := range p.Plates {
		if pl.Role == RolePrincipale {
			return pl, true
		}
	}
	return Plate{}, false
}

// PlateByID finds a plate of the pass.
func (p Pass) PlateByID(id uint32) (int, bool) {
	for i, pl := range p.Plates {
		if pl.ID == id {
			return i, true
		}
	}
	return -1, false
}

// Clone is a deep copy, so a transition never changes the caller's value.
func (p Pass) Clone() Pass {
	p.Plates = append([]Plate(nil), p.Plates...)
	return p
}
