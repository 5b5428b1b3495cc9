// Package domain holds the rules of the disabled parking card (CUDE) register as pure
// types and functions: no I/O, no clock (callers pass "today"), no package-level mutable
// state. Everything else in vivipass stands on it:
//
//   - people (Person) and their codice fiscale (codicefiscale.go),
//   - passes (Pass) with their life cycle as explicit transitions (pass.go, lifecycle.go),
//     numbering (number.go) and expiry rule (expiry.go),
//   - plates (Plate): normalisation and classification (plate.go), the "finestra
//     temporale" reconciliation (window.go) and the whitelist rule (whitelist.go),
//   - the comuni and foreign states tables (places.go, generated from ../shared/data) and
//     the per-comune settings (comune.go).
//
// Messages an operator may read are in Italian; identifiers and comments in English.
package domain

//go:generate go run ./internal/genplaces -shared ../../shared
