package domain

import "strings"

// RequestState is where an item of the PEC inbox stands (V4): it arrives nuova, the
// operator takes it in hand, and it ends evasa, respinta, or waiting for the citizen
// (integrazione richiesta: documents are missing and were asked for, using the contacts
// in the request).
type RequestState string

const (
	RequestNuova         RequestState = "nuova"
	RequestInLavorazione RequestState = "in_lavorazione"
	RequestEvasa         RequestState = "evasa"
	RequestRespinta      RequestState = "respinta"
	RequestIntegrazione  RequestState = "integrazione_richiesta"
)

// RequestStates lists the states in the order the inbox shows them.
func RequestStates() []RequestState {
	return []RequestState{RequestNuova, RequestInLavorazione, RequestIntegrazione, RequestEvasa, RequestRespinta}
}

// Label is the Italian name of the state.
func (s RequestState) Label() string {
	switch s {
	case RequestNuova:
		return "nuova"
	case RequestInLavorazione:
		return "in lavorazione"
	case RequestEvasa:
		return "evasa"
	case RequestRespinta:
		return "respinta"
	case RequestIntegrazione:
		return "integrazione richiesta"
	}
	return string(s)
}

// Valid reports whether s is one of the states above.
func (s RequestState) Valid() bool {
	for _, k := range RequestStates() {
		if s == k {
			return true
		}
	}
	return false
}

// Closed reports whether the request needs nothing more from the desk.
func (s RequestState) Closed() bool { return s == RequestEvasa || s == RequestRespinta }

// ParseRequestState accepts the codes and the labels, in any case, with spaces or
// underscores ("in lavorazione", "INTEGRAZIONE_RICHIESTA", "integrazione").
func ParseRequestState(s string) (RequestState, bool) {
	t := strings.ToLower(strings.TrimSpace(s))
	t = strings.ReplaceAll(t, " ", "_")
	if t == "integrazione" {
		return RequestIntegrazione, true
	}
	for _, k := range RequestStates() {
		if string(k) == t {
			return k, true
		}
	}
	return "", false
}

// RequestTransition checks a change of state with its note: respinta and integrazione
// richiesta need a note (the citizen is told why, or what is missing); a closed request
// is reopened only to in lavorazione, with a note saying why.
func RequestTransition(from, to RequestState, note string) error {
	if !to.Valid() {
		return errorf("stato della richiesta %q non valido", to)
	}
	if from == to {
		return errorf("la richiesta è già %s", to.Label())
	}
	note = strings.TrimSpace(note)
	switch {
	case to == RequestNuova:
		return errorf("una richiesta non torna nuova: usare «in lavorazione»")
	case from.Closed() && to != RequestInLavorazione:
		return errorf("la richiesta è %s: riaprirla prima (in lavorazione)", from.Label())
	case from.Closed() && note == "":
		return errorf("per riaprire una richiesta %s indicare il motivo nella nota", from.Label())
	case to == RequestRespinta && note == "":
		return errorf("per respingere una richiesta indicare il motivo nella nota")
	case to == RequestIntegrazione && note == "":
		return errorf("indicare nella nota quali documenti mancano")
	}
	return nil
}
