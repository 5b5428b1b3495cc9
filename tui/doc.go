// Package tui is the counter desk: one root Model per operator session (local terminal
// or SSH), a set of pages (Home, Contrassegni, Scheda contrassegno, Anagrafica,
// Amministrazione) and huh forms for every operation.
//
// Composition: the root owns the session Context (size, styles, keys, operator,
// services) and the active page; only it returns a tea.View. Update order: window
// size, global keys, errors and notices, data events, then the active page. Pages never
// touch the store: they call service use cases from tea.Cmds and get the results back
// as messages. The service hub's events arrive through one waiting Cmd re-armed after
// each event, so a change made by another operator shows within a second with no key
// pressed, and nothing redraws on a timer.
package tui
