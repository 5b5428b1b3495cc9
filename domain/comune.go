package domain

import "fmt"

// ExpiryRule is how the default expiry of a permanent pass is computed (P1).
type ExpiryRule string

const (
	// ExpiryFiveYears: five years from data_decorrenza.
	ExpiryFiveYears ExpiryRule = "5anni"
	// ExpiryBirthday: the holder's first birthday on or after five years from decorrenza.
	ExpiryBirthday ExpiryRule = "compleanno"
)

func (r ExpiryRule) Label() string {
	switch r {
	case ExpiryBirthday:
		return "compleanno dopo il quinto anno"
	default:
		return "5 anni dalla decorrenza"
	}
}

// DefaultTrustedSender is the address viviVeneto sends from until a comune sets the real one.
const DefaultTrustedSender = "noreply.viviveneto@pec.regione.veneto.it"

// ComuneSettings are the per-comune settings (M5). Every comune of the embedded ANPR
// table has them: DefaultComuneSettings until an administrator saves its own.
type ComuneSettings struct {
	Code              string     `json:"code"`
	PEC               string     `json:"pec,omitempty"`
	CircuitMember     bool       `json:"circuit_member"`
	ExpiryRule        ExpiryRule `json:"expiry_rule"`
	FinestraTemporale bool       `json:"finestra_temporale"`
	AlertDays         int        `json:"alert_days"`
	TrustedSenders    []string   `json:"trusted_senders,omitempty"`
	Version           uint64     `json:"version"`
}

// CircuitRegion is the ISTAT id of the region whose ZTL circuit vivipass serves
// (Veneto): its comuni are members until an administrator says otherwise.
const CircuitRegion = "05"

// DefaultComuneSettings are the settings of a comune nobody has configured yet: a
// comune of the circuit's region is a member, one outside it is not (a pass moved to
// Milano leaves the circuit, P6).
func DefaultComuneSettings(code string) ComuneSettings {
	pl, _ := ComuneByCode(code)
	return ComuneSettings{
		Code:           code,
		CircuitMember:  pl.Region == CircuitRegion,
		ExpiryRule:     ExpiryFiveYears,
		AlertDays:      60,
		TrustedSenders: []string{DefaultTrustedSender},
	}
}

// Validate checks settings an administrator typed.
func (s ComuneSettings) Validate() error {
	if _, ok := ComuneByCode(s.Code); !ok {
		return fmt.Errorf("comune %q sconosciuto", s.Code)
	}
	if s.ExpiryRule != ExpiryFiveYears && s.ExpiryRule != ExpiryBirthday {
		return fmt.Errorf("regola di scadenza %q non valida", s.ExpiryRule)
	}
	if s.AlertDays < 0 || s.AlertDays > 365 {
		return fmt.Errorf("giorni di preavviso %d fuori intervallo (0–365)", s.AlertDays)
	}
	return nil
}
