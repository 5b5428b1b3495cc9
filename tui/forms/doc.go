// Package forms holds the operation forms of the desk: one huh v2 form per use case
// (nuovo rilascio, rinnovo, duplicato, trasferimento, sospensione, revoca, decesso,
// targhe, ruolo nazionale, modifica), each embedded in a common.Page that the root
// pushes over the Scheda contrassegno or the Contrassegni page.
//
// Every form is a Page (page.go) driven by hooks:
//
//	load    a Cmd run before the form is built (settings, proposed number, the holder);
//	        its result is applied in Update, never in the Cmd, so nothing the Cmd's
//	        goroutine touches is shared with the model;
//	build   makes the huh.Form over the form's own fields (bound by pointer), so a
//	        rebuilt form shows what the operator typed;
//	submit  called in Update when the form completes: it copies the values and returns
//	        the Cmd that calls the service use case;
//	changed after every Update: recomputes defaults (the proposed expiry follows kind and
//	        decorrenza until the operator types one) and keeps the live checks current;
//	header, live
//	        lines above and below the form (who, what; codice fiscale check, number
//	        warning, the plate plan).
//
// The embedded huh form, its theme, the Italian key map, the shared validators and the
// Sì/No questions are the desk's form kit (tui/components/formkit, which lists the traps
// of embedding huh). A completed huh.Form ignores every later message and draws
// nothing, so a refusal from the service (a used number, a pass changed meanwhile by
// another operator, P5…) rebuilds the form over the same values, shows the Italian error
// above it and moves to the group that was submitted. The root does not forward
// tea.WindowSizeMsg to pages, so the page sizes the form itself by feeding it one.
// Select filtering is off; the validators of the pass forms alone (number, plate,
// country) are in fields.go.
//
// The Richieste PEC section opens three of them from a viviVeneto request ("crea
// pratica", request.go): the renewal, the duplicate with the request's reason, and the
// request's plate changes with the finestra temporale reconciliation shown and
// confirmed before anything is applied (requestplates.go). They act with channel App
// and end with the request's own fields: mark it evasa, with a note, by the same save.
//
// DescriptionFunc/TitleFunc are not used either: huh evaluates them in a Cmd, that is
// on another goroutine, while Update writes the values they read. Live checks are
// computed in Update and drawn by the page.
package forms
