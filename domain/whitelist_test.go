package domain

import (
	"strings"
	"testing"
)

// wlPass is a pass valid 2024-01-15 … 2029-01-15 holding AB123CD for its whole validity.
func wlPass(mod func(*Pass)) Pass {
	p := Pass{
		ID: 7, Number: "L736_2024_00015", Comune: "L736", Kind: Permanente, State: Attivo,
		DataRilascio: MustDate(2024, 1, 10), DataDecorrenza: MustDate(2024, 1, 15), DataScadenza: MustDate(2029, 1, 15),
		Plates: []Plate{{ID: 1, Number: "AB123CD", Country: Italy, From: MustDate(2024, 1, 15)}},
	}
	if mod != nil {
		mod(&p)
	}
	return p
}

// T6: "is plate X authorised on day T, and by which pass?"
func TestAuthorise(t *testing.T) {
	d := MustDate
	day := d(2026, 6, 1)
	tests := []struct {
		name     string
		plate    string
		day      Date
		holdings []Holding
		ok       bool
		reason   string // the whole reason
	}{
		{"active pass, plate in window", "AB123CD", day, []Holding{{Pass: wlPass(nil)}},
			true, "autorizzata dal contrassegno L736_2024_00015"},
		{"first day of validity", "AB123CD", d(2024, 1, 15), []Holding{{Pass: wlPass(nil)}},
			true, "autorizzata dal contrassegno L736_2024_00015"},
		{"expiry day", "AB123CD", d(2029, 1, 15), []Holding{{Pass: wlPass(nil)}},
			true, "autorizzata dal contrassegno L736_2024_00015"},
		{"unknown plate", "ZZ999ZZ", day, nil,
			false, "targa non associata ad alcun contrassegno"},
		{"suspended", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.State, p.StateFrom = Sospeso, d(2026, 5, 1) })}},
			false, "contrassegno L736_2024_00015 sospeso dal 01/05/2026"},
		{"suspended from that very day", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.State, p.StateFrom = Sospeso, day })}},
			false, "contrassegno L736_2024_00015 sospeso dal 01/06/2026"},
		{"suspension dated in the future: still authorised before it", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.State, p.StateFrom = Sospeso, d(2026, 6, 2) })}},
			true, "autorizzata dal contrassegno L736_2024_00015"},
		{"revoked", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.State, p.StateFrom = Revocato, d(2026, 1, 1) })}},
			false, "contrassegno L736_2024_00015 revocato dal 01/01/2026"},
		{"revocation dated in the future: still authorised before it", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.State, p.StateFrom = Revocato, d(2026, 7, 1) })}},
			true, "autorizzata dal contrassegno L736_2024_00015"},
		{"replaced by a duplicate", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.State, p.StateFrom = Sostituito, d(2026, 5, 20) })}},
			false, "contrassegno L736_2024_00015 sostituito dal 20/05/2026"},
		{"replaced by a duplicate: the old card authorised before the replacement", "AB123CD", d(2026, 5, 19), []Holding{{Pass: wlPass(func(p *Pass) { p.State, p.StateFrom = Sostituito, d(2026, 5, 20) })}},
			true, "autorizzata dal contrassegno L736_2024_00015"},
		{"renewed", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.State, p.StateFrom = Rinnovato, d(2026, 1, 1) })}},
			false, "contrassegno L736_2024_00015 rinnovato dal 01/01/2026"},
		{"renewed: the old version valid until the new one starts", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.State, p.StateFrom = Rinnovato, d(2026, 7, 1) })}},
			true, "autorizzata dal contrassegno L736_2024_00015"},
		{"transferred", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.State, p.StateFrom = Trasferito, d(2026, 2, 1) })}},
			false, "contrassegno L736_2024_00015 trasferito dal 01/02/2026"},
		{"expired by date", "AB123CD", d(2029, 1, 16), []Holding{{Pass: wlPass(nil)}},
			false, "contrassegno L736_2024_00015 scaduto il 15/01/2029"},
		{"stored as expired (import)", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.State = Scaduto })}},
			false, "contrassegno L736_2024_00015 scaduto"},
		{"not yet valid", "AB123CD", d(2024, 1, 14), []Holding{{Pass: wlPass(nil)}},
			false, "contrassegno L736_2024_00015 valido dal 15/01/2024"},
		{"holder deceased", "AB123CD", day, []Holding{{Pass: wlPass(nil), HolderDied: d(2026, 5, 1)}},
			false, "titolare del contrassegno L736_2024_00015 deceduto il 01/05/2026"},
		{"holder deceased on that very day", "AB123CD", day, []Holding{{Pass: wlPass(nil), HolderDied: day}},
			false, "titolare del contrassegno L736_2024_00015 deceduto il 01/06/2026"},
		{"holder alive the day before death", "AB123CD", day, []Holding{{Pass: wlPass(nil), HolderDied: d(2026, 6, 2)}},
			true, "autorizzata dal contrassegno L736_2024_00015"},
		{"plate window not begun", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.Plates[0].From = d(2026, 6, 2) })}},
			false, "targa fuori dal periodo di validità sul contrassegno L736_2024_00015"},
		{"plate window ended", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.Plates[0].To = d(2026, 5, 31) })}},
			false, "targa fuori dal periodo di validità sul contrassegno L736_2024_00015"},
		{"last day of a closed plate window", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.Plates[0].To = day })}},
			true, "autorizzata dal contrassegno L736_2024_00015"},
		{"the pass does not hold that plate", "EF456GH", day, []Holding{{Pass: wlPass(nil)}},
			false, "targa non associata ad alcun contrassegno"},
		{"the pass holds the same number of another country", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) { p.Plates[0].Country = "FR" })}},
			false, "targa non associata ad alcun contrassegno"},
		{"another plate of the pass in window, this one not", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) {
			p.Plates[0].To = d(2025, 12, 31)
			p.Plates = append(p.Plates, Plate{ID: 2, Number: "EF456GH", From: d(2026, 1, 1)})
		})}},
			false, "targa fuori dal periodo di validità sul contrassegno L736_2024_00015"},
		{"the same plate twice on the pass, second window in force", "AB123CD", day, []Holding{{Pass: wlPass(func(p *Pass) {
			p.Plates[0].To = d(2025, 12, 31)
			p.Plates = append(p.Plates, Plate{ID: 2, Number: "AB123CD", From: d(2026, 3, 1)})
		})}},
			true, "autorizzata dal contrassegno L736_2024_00015"},
	}
	for _, tt := range tests {
		v := Authorise(tt.plate, Italy, tt.day, tt.holdings)
		if v.Authorised != tt.ok || v.Reason != tt.reason {
			t.Errorf("%s: Authorise = %v %q, want %v %q", tt.name, v.Authorised, v.Reason, tt.ok, tt.reason)
		}
		if v.Plate != tt.plate || v.Day != tt.day {
			t.Errorf("%s: verdict for %s on %s, want %s on %s", tt.name, v.Plate, v.Day, tt.plate, tt.day)
		}
		none := v.Reason == "targa non associata ad alcun contrassegno"
		if !none && (v.Number != "L736_2024_00015" || v.PassID != 7 || v.Comune != "L736") {
			t.Errorf("%s: verdict names pass %d %q of %q, want 7 L736_2024_00015 of L736", tt.name, v.PassID, v.Number, v.Comune)
		}
		if none && (v.Number != "" || v.PassID != 0) {
			t.Errorf("%s: verdict names a pass without holdings: %+v", tt.name, v)
		}
	}
}

// T2, T6: two passes holding the same plate; the one that authorises answers.
func TestAuthoriseSeveralPasses(t *testing.T) {
	d := MustDate
	day := d(2026, 6, 1)
	revoked := wlPass(func(p *Pass) { p.ID, p.Number, p.State, p.StateFrom = 1, "VE-1234", Revocato, d(2025, 1, 1) })
	active := wlPass(func(p *Pass) { p.ID, p.Number, p.Comune = 2, "G224_2025_00003", "G224" })
	old := wlPass(func(p *Pass) { p.ID, p.State, p.StateFrom = 3, Rinnovato, d(2026, 1, 1) })
	suspended := wlPass(func(p *Pass) { p.ID, p.Number, p.State, p.StateFrom = 4, "L736_2025_00100", Sospeso, d(2026, 5, 1) })

	tests := []struct {
		name       string
		holdings   []Holding
		ok         bool
		id         uint64
		number     string
		comune     string
		reasonPart string
	}{
		{"refused first, authorised second", []Holding{{Pass: revoked}, {Pass: active}}, true, 2, "G224_2025_00003", "G224", "autorizzata dal contrassegno G224_2025_00003"},
		{"authorised first, refused second", []Holding{{Pass: active}, {Pass: revoked}}, true, 2, "G224_2025_00003", "G224", "autorizzata dal contrassegno G224_2025_00003"},
		{"one holder deceased, the other pass authorises", []Holding{{Pass: old, HolderDied: d(2026, 1, 1)}, {Pass: active}}, true, 2, "G224_2025_00003", "G224", "autorizzata"},
		// None authorises: the reason is that of the current version, not of history.
		{"refused by all: the current pass gives the reason", []Holding{{Pass: old}, {Pass: suspended}}, false, 4, "L736_2025_00100", "L736", "sospeso dal 01/05/2026"},
		{"refused by all, current first", []Holding{{Pass: suspended}, {Pass: old}}, false, 4, "L736_2025_00100", "L736", "sospeso dal 01/05/2026"},
		{"refused by all, only history", []Holding{{Pass: old}}, false, 3, "L736_2024_00015", "L736", "rinnovato dal 01/01/2026"},
	}
	for _, tt := range tests {
		v := Authorise("AB123CD", Italy, day, tt.holdings)
		if v.Authorised != tt.ok || v.PassID != tt.id || v.Number != tt.number || v.Comune != tt.comune || !strings.Contains(v.Reason, tt.reasonPart) {
			t.Errorf("%s: Authorise = %+v; want authorised %v by %d %s of %s, reason with %q", tt.name, v, tt.ok, tt.id, tt.number, tt.comune, tt.reasonPart)
		}
	}
}

// T6 through the life cycle: a renewal, a duplicate and a transfer hand the plate over
// to the successor without a gap or a double answer.
func TestAuthoriseAcrossTransitions(t *testing.T) {
	d := MustDate
	p := wlPass(nil)
	today := d(2026, 6, 1)

	oldR, nextR, err := p.Renew(RenewInput{DataRilascio: today, DataDecorrenza: d(2026, 7, 1), DataScadenza: d(2031, 7, 1)}, today, Sportello)
	if err != nil {
		t.Fatal(err)
	}
	oldD, nextD, err := p.MakeDuplicate(DuplicateInput{Reason: Furto, Denuncia: PoliceReport{Numero: "1/2025", Data: today, Autorita: "Carabinieri"}}, today, Sportello)
	if err != nil {
		t.Fatal(err)
	}
	oldT, nextT, err := p.Transfer("G224", today)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		old, nxt Pass
		day      Date
		wantOld  bool
		wantNext bool
	}{
		{"renewal, before the new decorrenza", oldR, nextR, d(2026, 6, 30), true, false},
		{"renewal, from the new decorrenza", oldR, nextR, d(2026, 7, 1), false, true},
		{"renewal, after the old expiry", oldR, nextR, d(2030, 1, 1), false, true},
		{"duplicate, the day before", oldD, nextD, d(2026, 5, 31), true, false},
		{"duplicate, from that day", oldD, nextD, today, false, true},
		{"transfer, the day before", oldT, nextT, d(2026, 5, 31), true, true}, // the successor keeps the dates
		{"transfer, from that day", oldT, nextT, today, false, true},
	}
	for _, tt := range tests {
		vo := Authorise("AB123CD", Italy, tt.day, []Holding{{Pass: tt.old}})
		vn := Authorise("AB123CD", Italy, tt.day, []Holding{{Pass: tt.nxt}})
		if vo.Authorised != tt.wantOld || vn.Authorised != tt.wantNext {
			t.Errorf("%s: old %v (%s), next %v (%s); want %v, %v", tt.name, vo.Authorised, vo.Reason, vn.Authorised, vn.Reason, tt.wantOld, tt.wantNext)
		}
		if both := Authorise("AB123CD", Italy, tt.day, []Holding{{Pass: tt.old}, {Pass: tt.nxt}}); !both.Authorised {
			t.Errorf("%s: the lineage does not authorise the plate: %s", tt.name, both.Reason)
		}
	}

	// P8: after the holder's death, nothing authorises the plate from that day.
	died := d(2026, 5, 20)
	dead, _, err := p.HolderDeceased(died, today)
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		day  Date
		want bool
	}{{d(2026, 5, 19), true}, {died, false}, {today, false}} {
		if v := Authorise("AB123CD", Italy, tt.day, []Holding{{Pass: dead}}); v.Authorised != tt.want {
			t.Errorf("deceased on %s: Authorise on %s = %v (%s), want %v", died, tt.day, v.Authorised, v.Reason, tt.want)
		}
	}
}
