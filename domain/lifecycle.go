package domain

import (
	"strings"
)

// Action is an operator action on a pass: each one is a transition from a set of
// states, checked by CheckTransition before anything changes (P1–P8).
type Action string

const (
	ActIssue     Action = "rilascio"
	ActRenew     Action = "rinnovo"
	ActDuplicate Action = "duplicato"
	ActTransfer  Action = "trasferimento"
	ActSuspend   Action = "sospensione"
	ActResume    Action = "riattivazione"
	ActRevoke    Action = "revoca"
	ActDeceased  Action = "decesso"
	ActPlates    Action = "targhe"
	ActEdit      Action = "modifica"
)

func (a Action) Label() string { return string(a) }

// allowedFrom lists, for each action on an existing pass, the states (as Status shows
// them on the day of the action) it may start from. Anything else is refused.
func allowedFrom(a Action) []State {
	switch a {
	case ActRenew:
		return []State{Attivo, InScadenza, Scaduto}
	case ActDuplicate:
		return []State{Attivo, InScadenza}
	case ActTransfer:
		return []State{Attivo, InScadenza, Sospeso}
	case ActSuspend:
		return []State{Attivo, InScadenza}
	case ActResume:
		return []State{Sospeso}
	case ActRevoke, ActDeceased:
		return []State{Attivo, InScadenza, Scaduto, Sospeso}
	case ActPlates, ActEdit:
		return []State{Attivo, InScadenza, Sospeso, Scaduto}
	}
	return nil
}

// CheckTransition refuses an illegal move with an Italian message naming the state.
func CheckTransition(p Pass, a Action, day Date) error {
	st := p.Status(day, 0)
	if st == InScadenza { // Status with 0 alert days says so on the expiry day itself
		st = Attivo
	}
	// A suspension or revocation dated in the future already decides what may follow,
	// though Status shows the pass active until then: otherwise a planned suspension
	// could not be lifted, and a renewal or duplicate (whose successor is active), or a
	// suspension over a planned revocation, would silently drop it.
	if p.State == Sospeso || p.State == Revocato {
		st = p.State
	}
	for _, ok := range allowedFrom(a) {
		if ok == st {
			return nil
		}
	}
	what := st.Label()
	if (st == Sospeso || st == Revocato) && !p.StateFrom.IsZero() {
		what += " dal " + p.StateFrom.String()
	}
	var names []string
	for _, s := range allowedFrom(a) {
		if s != InScadenza {
			names = append(names, s.Label())
		}
	}
	if len(names) == 0 {
		return errorf("%s su un contrassegno esistente: il contrassegno %s è %s",
			a.notAllowed(), p.Number, what)
	}
	allowed := names[len(names)-1]
	if len(names) > 1 {
		allowed = strings.Join(names[:len(names)-1], ", ") + " o " + allowed
	}
	return errorf("%s: il contrassegno %s è %s (consentito solo se %s)",
		a.notAllowed(), p.Number, what, allowed)
}

// notAllowed is "<action> non consentito/a", agreeing with the noun.
func (a Action) notAllowed() string {
	switch a {
	case ActSuspend, ActResume, ActRevoke, ActEdit:
		return a.Label() + " non consentita"
	case ActPlates:
		return "modifica delle targhe non consentita"
	}
	return a.Label() + " non consentito"
}

// IssueInput is what an operator types for a new pass (P1).
type IssueInput struct {
	Number         string
	Kind           Kind
	DataRilascio   Date
	DataDecorrenza Date
	DataScadenza   Date
	PreviousNumber string
	Consent        bool
	Note           string
}

// CheckDates applies the date rules common to every version.
func CheckDates(kind Kind, rilascio, decorrenza, scadenza Date) error {
	switch {
	case kind != Permanente && kind != Temporaneo:
		return errorf("tipo di contrassegno %q non valido: usare P (permanente) o T (temporaneo)", kind)
	case rilascio.IsZero():
		return errorf("la data di rilascio è obbligatoria")
	case decorrenza.IsZero():
		return errorf("la data di decorrenza è obbligatoria")
	case scadenza.IsZero():
		return errorf("la data di scadenza è obbligatoria")
	case !scadenza.After(decorrenza):
		return errorf("la scadenza %s non è successiva alla decorrenza %s", scadenza, decorrenza)
	case scadenza.Before(rilascio):
		return errorf("la scadenza %s precede il rilascio %s", scadenza, rilascio)
	case kind == Permanente && scadenza.After(decorrenza.AddYears(6)):
		return errorf("un contrassegno permanente vale al più 5 anni (fino al compleanno successivo): scadenza %s troppo lontana", scadenza)
	}
	return nil
}

// NewPass builds the first version of a pass (not yet stored: no ID).
func NewPass(in IssueInput, comune string, holder Person, ch Channel) (Pass, error) {
	if err := CheckNumber(in.Number); err != nil {
		return Pass{}, err
	}
	if err := CheckDates(in.Kind, in.DataRilascio, in.DataDecorrenza, in.DataScadenza); err != nil {
		return Pass{}, err
	}
	if err := CheckText("la nota", in.Note, true); err != nil {
		return Pass{}, err
	}
	if err := CheckText("il numero precedente", in.PreviousNumber, false); err != nil {
		return Pass{}, err
	}
	return Pass{
		Number:         in.Number,
		PreviousNumber: strings.TrimSpace(in.PreviousNumber),
		Comune:         comune,
		IssuingComune:  comune,
		PersonID:       holder.ID,
		HolderCF:       holder.CodiceFiscale,
		HolderName:     holder.FullName(),
		Kind:           in.Kind,
		DataRilascio:   in.DataRilascio,
		DataDecorrenza: in.DataDecorrenza,
		DataScadenza:   in.DataScadenza,
		State:          Attivo,
		Edition:        1,
		Channel:        ch,
		National:       National{Consent: in.Consent},
		Note:           strings.TrimSpace(in.Note),
	}, nil
}

// successor is the next version of p: same lineage, plates and national data.
func (p Pass) successor() Pass {
	n := p.Clone()
	n.ID, n.PrevID, n.Version = 0, p.ID, 0
	n.State, n.StateFrom, n.StateReason = Attivo, Date{}, ""
	n.ImportFile = ""
	return n
}

// RenewInput is a renewal (P3): same number, new dates.
type RenewInput struct {
	Kind           Kind
	DataRilascio   Date
	DataDecorrenza Date
	DataScadenza   Date
	PreviousNumber string // proposed: the number itself; editable
}

// Renew closes p as "rinnovato" and opens the new version with the same number. The
// old version stays valid until the new one starts.
func (p Pass) Renew(in RenewInput, day Date, ch Channel) (old, next Pass, err error) {
	if err = CheckTransition(p, ActRenew, day); err != nil {
		return
	}
	if in.Kind == "" {
		in.Kind = p.Kind
	}
	if err = CheckDates(in.Kind, in.DataRilascio, in.DataDecorrenza, in.DataScadenza); err != nil {
		return
	}
	if !in.DataScadenza.After(p.DataScadenza) {
		err = errorf("la nuova scadenza %s deve essere successiva a quella attuale %s", in.DataScadenza, p.DataScadenza)
		return
	}
	old, next = p.Clone(), p.successor()
	old.State, old.StateFrom, old.StateReason = Rinnovato, in.DataDecorrenza, "rinnovo"
	next.Kind, next.DataRilascio, next.DataDecorrenza, next.DataScadenza = in.Kind, in.DataRilascio, in.DataDecorrenza, in.DataScadenza
	next.PreviousNumber = strings.TrimSpace(in.PreviousNumber)
	if next.PreviousNumber == "" {
		next.PreviousNumber = p.Number
	}
	next.Duplicate, next.DuplicateReason, next.Denuncia, next.Channel = false, "", PoliceReport{}, ch
	next.Edition = p.CardEdition() + 1 // a new card: the old one shows the old expiry
	// Plates whose window ended with the old expiry follow the new one.
	for i, pl := range next.Plates {
		if pl.To.Equal(p.DataScadenza) {
			next.Plates[i].To = Date{}
		}
	}
	return
}

// DuplicateInput is a duplicate (P4): why, the number of the new card ("" = the same)
// and, after a theft or a loss, the police report.
type DuplicateInput struct {
	Reason   DuplicateReason
	Number   string
	Denuncia PoliceReport
}

// MakeDuplicate closes p as "sostituito" from day and opens a duplicate card (P4) with the
// given number (default: the same), the previous number recorded, the denuncia of a
// theft or a loss, and DUPLICATO printed.
func (p Pass) MakeDuplicate(in DuplicateInput, day Date, ch Channel) (old, next Pass, err error) {
	if err = CheckTransition(p, ActDuplicate, day); err != nil {
		return
	}
	reason, ok := ParseDuplicateReason(string(in.Reason))
	if !ok {
		err = errorf("motivo del duplicato %q non valido: furto, smarrimento o deterioramento", in.Reason)
		return
	}
	// "FURTO", "usura": stored as the constants the rest of vivipass knows
	report := PoliceReport{Numero: strings.TrimSpace(in.Denuncia.Numero), Data: in.Denuncia.Data,
		Autorita: strings.Join(strings.Fields(in.Denuncia.Autorita), " ")}
	if err = report.Check(reason, day); err != nil {
		return
	}
	number := strings.TrimSpace(in.Number)
	if number == "" {
		number = p.Number
	}
	if err = CheckNumber(number); err != nil {
		return
	}
	old, next = p.Clone(), p.successor()
	old.State, old.StateFrom, old.StateReason = Sostituito, day, "duplicato per "+string(reason)
	next.Number, next.PreviousNumber = number, p.Number
	next.DataRilascio = day
	if next.DataDecorrenza.Before(day) {
		next.DataDecorrenza = day
	}
	next.Duplicate, next.DuplicateReason, next.Denuncia, next.Channel = true, reason, report, ch
	next.Edition = p.CardEdition() + 1 // the cards of the editions before no longer verify
	return
}

// Transfer hands the pass to another comune (P6): the old comune keeps a closed
// "trasferito" version, the new one manages the successor with plates and history.
func (p Pass) Transfer(to string, day Date) (old, next Pass, err error) {
	if err = CheckTransition(p, ActTransfer, day); err != nil {
		return
	}
	dest, err := transferDestination(p, to, day)
	if err != nil {
		return
	}
	to = dest.Code
	old, next = p.Clone(), p.successor()
	old.State, old.StateFrom, old.StateReason, old.TransferredTo = Trasferito, day, "trasferito al comune "+to, to
	next.Comune = to
	next.State, next.StateFrom, next.StateReason = p.State, p.StateFrom, p.StateReason
	return
}

// TransferOut ends the pass here because the holder moved to a comune outside the
// circuit (P6): no successor; the pass is closed from day as "trasferito fuori
// circuito", so its plates leave the whitelist, and the national platform is told.
func (p Pass) TransferOut(to string, day Date) (Pass, error) {
	if err := CheckTransition(p, ActTransfer, day); err != nil {
		return Pass{}, err
	}
	dest, err := transferDestination(p, to, day)
	if err != nil {
		return Pass{}, err
	}
	n := p.Clone()
	n.State, n.StateFrom, n.TransferredTo = TrasferitoFuori, day, dest.Code
	n.StateReason = "trasferito al comune " + dest.Label() + ", fuori dal circuito"
	return n, nil
}

// transferDestination checks the comune a pass moves to: it exists on day and is not
// the pass's own.
func transferDestination(p Pass, to string, day Date) (Place, error) {
	to = normCode(to) // stored upper case: "g224" would be another comune for scopes and indexes
	if to == p.Comune {
		return Place{}, errorf("il contrassegno è già del comune %s", to)
	}
	last, ok := ComuneByCode(to)
	if !ok {
		return Place{}, errorf("comune di destinazione %q sconosciuto", to)
	}
	if !last.ValidAt(day) { // ComuneByCode also gives comuni that no longer exist
		return Place{}, errorf("il comune di destinazione %s (%s) è cessato il %s", to, last.Name, last.To)
	}
	return last, nil
}

// Suspend suspends from a date with a reason (P7).
func (p Pass) Suspend(from Date, reason string, day Date) (Pass, error) {
	return p.closeWith(ActSuspend, Sospeso, from, reason, day)
}

// Revoke revokes from a date with a reason (P7).
func (p Pass) Revoke(from Date, reason string, day Date) (Pass, error) {
	return p.closeWith(ActRevoke, Revocato, from, reason, day)
}

func (p Pass) closeWith(a Action, st State, from Date, reason string, day Date) (Pass, error) {
	if err := CheckTransition(p, a, day); err != nil {
		return Pass{}, err
	}
	if from.IsZero() {
		return Pass{}, errorf("la data di %s è obbligatoria", a.Label())
	}
	if strings.TrimSpace(reason) == "" {
		return Pass{}, errorf("il motivo della %s è obbligatorio", a.Label())
	}
	if err := CheckText("il motivo", reason, true); err != nil {
		return Pass{}, err
	}
	n := p.Clone()
	n.State, n.StateFrom, n.StateReason = st, from, strings.TrimSpace(reason)
	return n, nil
}

// Resume lifts a suspension.
func (p Pass) Resume(day Date) (Pass, error) {
	if err := CheckTransition(p, ActResume, day); err != nil {
		return Pass{}, err
	}
	n := p.Clone()
	n.State, n.StateFrom, n.StateReason = Attivo, Date{}, ""
	return n, nil
}

// HolderDeceased revokes the pass from the date of death and closes its plates (P8): windows
// end the day before; plates that would only start later are dropped.
func (p Pass) HolderDeceased(died Date, day Date) (Pass, []Plate, error) {
	if err := CheckTransition(p, ActDeceased, day); err != nil {
		return Pass{}, nil, err
	}
	if died.IsZero() { // a zero date would revoke the pass from always and drop every plate
		return Pass{}, nil, errorf("la data di decesso è obbligatoria")
	}
	n := p.Clone()
	n.State, n.StateFrom, n.StateReason = Revocato, died, "decesso del titolare"
	var kept, dropped []Plate
	last := died.AddDays(-1)
	for _, pl := range n.Plates {
		if !pl.From.Before(died) {
			dropped = append(dropped, pl)
			continue
		}
		if _, to := pl.Window(p.DataScadenza); to.After(last) {
			pl.To = last
		}
		kept = append(kept, pl)
	}
	n.Plates = kept
	return n, dropped, nil
}
