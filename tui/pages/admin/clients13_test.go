package admin_test

import (
	"strings"
	"testing"

	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/pages/admin"
	"vivipass/tui/tuitest"
)

// issue 13.3: Amministrazione → Clienti HTTP lists the comune's clients of the API
// (not the circuit's), shows a client's queries and every client's for a plate typed,
// and revokes a token only after Sì (No is the default); all of it at 80×24.
func TestClientsPage(t *testing.T) {
	h, k := newAdmin(t, true)
	sys := service.SystemActor("")
	for _, in := range []service.ClientInput{
		{Name: "varco-venezia", Kind: service.ClientGate, Comune: "L736"},
		{Name: "parcheggi-venezia", Kind: service.ClientServizio, Comune: "L736"},
		{Name: "polizia-regione", Kind: service.ClientPolizia, Circuit: true},
	} {
		if _, _, err := h.Svc.AddClient(sys, in); err != nil {
			t.Fatal(err)
		}
	}
	at := now.UTC()
	if err := h.Svc.LogQueries([]service.QueryEntry{
		{At: at, Client: "varco-venezia", Endpoint: "targhe", Subject: "AB123CD", Instant: "2025-06-10T10:30:00+02:00", Status: 200, Answer: "autorizzata: contrassegno L736_2025_00001"},
		{At: at, Client: "varco-venezia", Endpoint: "whitelist.csv", Instant: "2025-06-10", Status: 200, Answer: "14 targhe"},
		{At: at, Client: "polizia-regione", Endpoint: "targhe", Subject: "AB123CD", Status: 200, Answer: "autorizzata"},
	}); err != nil {
		t.Fatal(err)
	}
	h.Send(common.DataChangedMsg{Event: service.AdminChanged{InComune: "L736"}})
	ck := admin.NewClientKeys()
	h.WantView("menu", "8  Clienti HTTP")
	h.Fits("menu")
	h.Press(k.Clients)
	h.WantView("clients", "Amministrazione › Clienti HTTP", "vivipass client add", "parcheggi-venezia", "servizio comunale",
		"varco-venezia", "varco ZTL", "comune di VENEZIA (VE)", "attivo")
	h.Fits("clients")
	if strings.Contains(h.View(), "polizia-regione") {
		t.Errorf("Venezia's administrator sees the circuit's client:\n%s", h.View())
	}
	h.Press(ck.Down) // varco-venezia
	h.Press(ck.Queries)
	h.WantView("its queries", "Interrogazioni del cliente varco-venezia", "targhe", "AB123CD", "whitelist.csv", "Esito:")
	h.Fits("its queries")
	h.Press(ck.Queries)
	h.WantView("back to the clients", "parcheggi-venezia", "varco-venezia")
	h.Press(ck.Search)
	h.WantView("search form", "Targa o numero")
	h.Fits("search form")
	h.Press(form.Input.Next)
	h.WantView("empty", "indicare la targa o il numero di contrassegno")
	h.Type("ab 123 cd")
	h.Press(form.Input.Next)
	h.WantView("by plate", "Interrogazioni su AB123CD, di tutti i clienti", "varco-venezia", "Istante chiesto: 2025-06-10T10:30:00+02:00",
		"Esito: autorizzata: contrassegno L736_2025_00001")
	h.Fits("by plate")
	if strings.Contains(h.View(), "whitelist.csv") || strings.Contains(h.View(), "polizia-regione") {
		t.Errorf("the plate's queries show other queries or the circuit's client:\n%s", h.View())
	}
	h.Press(ck.Queries)
	h.Press(ck.Up) // parcheggi-venezia
	h.Press(ck.Revoke)
	h.WantView("revoke asks", "Revocare il token del cliente parcheggi-venezia?", "Sì, revoca", "No")
	h.Fits("revoke asks")
	h.Send(tuitest.Key("enter")) // No is the default
	if n := h.LastNotice(); n.Text != "Cliente parcheggi-venezia non revocato." {
		t.Errorf("notice %+v", n)
	}
	h.Press(ck.Revoke)
	h.Send(tuitest.Key("s"))
	if n := h.LastNotice(); n.Text != "Cliente parcheggi-venezia revocato: il suo token non apre più nulla." {
		t.Errorf("notice %+v", n)
	}
	h.WantView("revoked", "revocato 10/06/2025")
	cs, err := h.Svc.Clients(sys)
	if err != nil || len(cs) != 3 || !cs[0].Revoked() || cs[2].Revoked() {
		t.Errorf("after the revoke: %+v, %v", cs, err)
	}
}
