package forms

import (
	"fmt"
	"strings"

	"charm.land/huh/v2"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/tui/common"
)

// The forms opened from a PEC request ("crea pratica" in Richieste PEC, V4): the
// request's pass, and what the request asks filled in; what they create goes with
// channel App (P11); the request can be marked evasa, with a note, by the same save.

// Request is the PEC request a form is opened from.
type Request struct {
	ID, Version uint64 // the inbox item, as the operator saw it
	// Ref names the request for the operator ("VV-2026-000101 del 20/11/2026").
	Ref             string
	Number          string                 // the pass number the request states ("" = none)
	CodiceFiscale   string                 // the codice fiscale the request gives ("" = none)
	DuplicateReason domain.DuplicateReason // DUPLICATO: the reason given ("" = not given)
	Plates          []RequestPlate
}

// RequestPlate is one plate change a request asks for.
type RequestPlate struct {
	Number string
	Remove bool // RIMUOVI; otherwise AGGIUNGI
	// From is the first day of the change (for a removal: the first day without the
	// plate); To the last day of an added plate (zero: up to the pass expiry).
	From, To domain.Date
}

// requestLink is the request on a form, and what the operator chose for it.
type requestLink struct {
	Request
	close bool // mark it evasa when the operation succeeds
	note  string
}

// appContext is the session's context with channel App: the channel of what a form
// opened from a request creates (P11).
func appContext(ctx *common.Context) *common.Context {
	c := *ctx
	c.Actor.Channel = domain.App
	return &c
}

// fromRequest makes f a form opened from r: title, heading, and the request's fields.
func (f *passForm) fromRequest(r Request, note string) {
	f.req = &requestLink{Request: r, close: true, note: note}
	f.name += " da richiesta PEC"
	f.title = f.name + " · " + f.view.Pass.Number
	base := f.header
	f.header = func() []string {
		return append(base(), "Richiesta PEC "+r.Ref+": quanto si salva ha canale App.")
	}
}

// requestFields ends a form opened from a request with the request's end: evasa (or
// left open), with its note.
func (f *passForm) requestFields(fields ...huh.Field) []huh.Field {
	if f.req == nil {
		return fields
	}
	return append(fields,
		yesNo("Richiesta evasa", &f.req.close),
		text("Nota per la richiesta", &f.req.note).CharLimit(300))
}

// settle returns what closes the request after the operation succeeded (a copy of the
// form's values, made in Update): evasa with the note, or said to be still open.
func (f *passForm) settle() func(svc *service.Service, a service.Actor, notice string) string {
	if f.req == nil {
		return func(_ *service.Service, _ service.Actor, notice string) string { return notice }
	}
	r := *f.req
	return func(svc *service.Service, a service.Actor, notice string) string {
		// The request first: a long notice is cut at the screen's edge.
		if !r.close {
			return "Richiesta PEC ancora aperta. " + notice
		}
		if _, err := svc.SetRequestState(a, r.ID, r.Version, domain.RequestEvasa, strings.TrimSpace(r.note)); err != nil {
			return "Attenzione: richiesta PEC non chiusa (" + errorText(err) + "). " + notice
		}
		return "Richiesta PEC evasa. " + notice
	}
}

// RenewFromRequest is the Rinnovo form of a request's pass.
func RenewFromRequest(ctx *common.Context, v service.PassView, r Request) common.Page {
	f := newRenew(appContext(ctx), v)
	f.fromRequest(r, "Rinnovo eseguito.")
	if len(r.Plates) > 0 {
		// The plates come after the renewal: the request is not done yet.
		f.req.close = false
		live := f.live
		f.live = func() []string {
			return append(live(), "La richiesta chiede anche variazioni di targa: applicarle dopo il rinnovo (t nel dettaglio della richiesta).")
		}
	}
	return f.Page
}

// DuplicateFromRequest is the Duplicato form of a request's pass, with its reason.
func DuplicateFromRequest(ctx *common.Context, v service.PassView, r Request) common.Page {
	f := newDuplicate(appContext(ctx), v)
	if r.DuplicateReason != "" {
		f.reason = r.DuplicateReason
	}
	f.fromRequest(r, fmt.Sprintf("Duplicato emesso per %s.", f.reason))
	if r.DuplicateReason != "" {
		base := f.header
		f.header = func() []string {
			lines := append(base(), "Motivo indicato nella richiesta: "+string(r.DuplicateReason)+".")
			if r.DuplicateReason.NeedsReport() { // #11.13: the DENUNCIA attachment (V3)
				lines = append(lines, "La denuncia è allegata alla richiesta: riportarne numero, data e autorità.")
			}
			return lines
		}
	}
	warnBefore(f.Page, func() []string { return nonEmpty(f.requestNumber(), f.requestHolder()) }) // #11.6, #11.11
	return f.Page
}
