// Package tui is the counter desk: one root Model per operator session (local terminal
// or SSH), a set of pages (Home, Contrassegni, Scheda contrassegno, Anagrafica,
// Amministrazione) and huh forms for every operation, made with the form kit
// (tui/components/formkit).
//
// Composition: the root owns the session Context (size, styles, keys, operator,
// services), one page per section of the top bar, and over each section a stack of the
// pages opened on it (a scheda, a form); only it returns a tea.View. Update order:
// window size, global keys, errors and notices, data events, then the page on top.
// Pages never touch the store: they call service use cases from tea.Cmds and get the
// results back as messages. The service hub's events arrive through one waiting Cmd
// re-armed after each event, so a change made by another operator shows within a
// second with no key pressed, and nothing redraws on a timer: no spinner, no clock, no
// blinking cursor (the form kit's text fields have a steady one).
//
// Results reach the page that asked. Every Cmd a page returns (from Init or Update) is
// run with its messages addressed to that page: the root wraps them (pageMsg) and
// delivers each to that page wherever it is when it arrives (on top, under a form, in
// a section not on screen), never to whichever page happens to be on top; what the
// page's Update returns is addressed to it in turn. Messages for the root (NoticeMsg,
// PushMsg, PopMsg, OpenPassMsg, OpenPersonMsg) act on the section the page belongs to:
// a form saved while the operator looks at another section still closes on its own
// stack, its notice shows on the status line, the pass it opens goes over its own
// section. A message for a page that was closed is dropped. Bubble Tea's own messages
// (a window size request…) are never addressed: they are the program's. Pages are
// pointers, compared by identity.
//
// Section keys (F1–F4) never drop a form. A section keeps its stack while another is
// shown and comes back as it was left, a form with what was typed in it (a page that
// implements common.Editing). The key of the section on screen goes back to its first
// page, unless a form is open over it: then a notice says to save or close it (esc).
package tui
