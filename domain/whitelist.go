package domain

import (
	"fmt"
	"slices"
)

// Holding is one pass that carries a plate, with its holder's date of death (zero if alive).
type Holding struct {
	Pass       Pass
	HolderDied Date
}

// Verdict is the answer of the whitelist rule (T6).
type Verdict struct {
	Authorised bool   `json:"authorised"`
	Plate      string `json:"plate"`
	Country    string `json:"country"`
	Day        Date   `json:"day"`
	PassID     uint64 `json:"-"`
	Number     string `json:"numero_contrassegno,omitempty"`
	Comune     string `json:"comune,omitempty"`
	Reason     string `json:"reason"`
}

// Authorise answers "is plate (of country) authorised on day, and by which pass?": authorised means a
// pass in force on day (not suspended, revoked, replaced, expired or before its start,
// holder alive) holding the plate with day inside the plate window. When no pass
// authorises it, Reason says why, for the most relevant pass. Passes holding the same
// number of another country are not that vehicle's: they are left out.
func Authorise(plate, country string, day Date, holdings []Holding) Verdict {
	country = NormalizeCountry(country)
	v := Verdict{Plate: plate, Country: country, Day: day}
	found := false
	for i := range holdings {
		h := &holdings[i]
		if !slices.ContainsFunc(h.Pass.Plates, func(pl Plate) bool { return pl.Is(plate, country) }) {
			continue // another country's vehicle
		}
		found = true
		reason := refusal(plate, country, day, h)
		if reason == "" {
			v.Authorised, v.PassID, v.Number, v.Comune = true, h.Pass.ID, h.Pass.Number, h.Pass.Comune
			v.Reason = fmt.Sprintf("autorizzata dal contrassegno %s", h.Pass.Number)
			return v
		}
		if v.Reason == "" || h.Pass.Current() {
			v.PassID, v.Number, v.Comune, v.Reason = h.Pass.ID, h.Pass.Number, h.Pass.Comune, reason
		}
	}
	if !found {
		v.Reason = "targa non associata ad alcun contrassegno"
	}
	return v
}

// refusal is "" when h authorises plate on day, otherwise the reason in Italian.
func refusal(plate, country string, day Date, h *Holding) string {
	p := h.Pass
	// Death first: a pass revoked for the holder's death (P8) is also Revocato, and the
	// gate operator must read why, not only "revocato".
	if !h.HolderDied.IsZero() && !day.Before(h.HolderDied) {
		return fmt.Sprintf("titolare del contrassegno %s deceduto il %s", p.Number, h.HolderDied)
	}
	switch p.State {
	case Sospeso:
		if p.StateFrom.IsZero() || !day.Before(p.StateFrom) {
			return fmt.Sprintf("contrassegno %s sospeso dal %s", p.Number, p.StateFrom)
		}
	case Revocato:
		if p.StateFrom.IsZero() || !day.Before(p.StateFrom) {
			return fmt.Sprintf("contrassegno %s revocato dal %s", p.Number, p.StateFrom)
		}
	case Rinnovato, Sostituito, Trasferito, TrasferitoFuori:
		if p.StateFrom.IsZero() || !day.Before(p.StateFrom) {
			return fmt.Sprintf("contrassegno %s %s dal %s", p.Number, p.State.Label(), p.StateFrom)
		}
	case Scaduto:
		return fmt.Sprintf("contrassegno %s scaduto", p.Number)
	}
	if day.Before(p.DataDecorrenza) {
		return fmt.Sprintf("contrassegno %s valido dal %s", p.Number, p.DataDecorrenza)
	}
	if day.After(p.DataScadenza) {
		return fmt.Sprintf("contrassegno %s scaduto il %s", p.Number, p.DataScadenza)
	}
	for _, pl := range p.Plates {
		if !pl.Is(plate, country) {
			continue
		}
		if f, t := pl.Window(p.DataScadenza); day.InRange(f, t) {
			return ""
		}
	}
	return fmt.Sprintf("targa fuori dal periodo di validità sul contrassegno %s", p.Number)
}
