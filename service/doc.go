// Package service holds the use cases the TUI and the CLI call: one function per
// operator action, each in one bbolt transaction, scoped to the operator's comune, with
// its audit entry and (when the national platform must hear of it) its outbox job in the
// same transaction. Events are published on the Hub after commit, so every open session
// can reload what it shows.
//
// Optimistic concurrency: every change to a pass or a person names the Version the
// operator saw; if someone saved in between, the change is refused with a StaleError
// that says who and when, and nothing is overwritten.
package service
