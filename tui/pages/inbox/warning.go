package inbox

import (
	"fmt"

	"vivipass/domain"
	"vivipass/service"
)

// Warning is the inbox's line in the Home warnings slot: the new requests from
// viviVeneto, and a mailbox that could not be read.
func Warning(svc *service.Service, a service.Actor) []string {
	var out []string
	counts, err := svc.PECCounts(a)
	if err != nil {
		return []string{"richieste PEC non leggibili: " + err.Error()}
	}
	switch n := counts[domain.RequestNuova]; {
	case n == 1:
		out = append(out, "1 nuova richiesta PEC da viviVeneto (alt+5)")
	case n > 1:
		out = append(out, fmt.Sprintf("%d nuove richieste PEC da viviVeneto (alt+5)", n))
	}
	if a.Comune != "" {
		if st, err := svc.PECStatus(a, a.Comune); err == nil && st.Sync.LastError != "" {
			// Short: the error itself is on the mailbox line of Richieste PEC.
			out = append(out, "lettura della casella PEC non riuscita il "+when(st.Sync.ErrorAt)+" (alt+5)")
		}
	}
	return out
}
