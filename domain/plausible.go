package domain

import "fmt"

// Plausibility checks (#11, point 11): data the rules allow but that are most likely a
// mistake (a typo in a year, the wrong pass opened). The desk shows each as a warning
// and saves only after the operator confirms it; nothing here refuses.

// MaxTemporaryYears is the longest validity that still looks like a temporary pass: the
// law gives a temporary pass the period the medical certificate states (art. 381 c. 4
// DPR 495/1992, requirement P1) and even a permanent one only five years (c. 3).
const MaxTemporaryYears = 5

// EarlyRenewalMonths is how long before the expiry a renewal still looks normal: P3
// renews a pass "about to expire" (the FAQ of the circuit: "il rinnovo avviene quando
// il pass è in scadenza"), on a certificate that is recent; six months covers the
// comune's alert window (P9, default 60 days) and the time a citizen takes to get the
// certificate, while a renewal years ahead is most likely the wrong pass opened.
const EarlyRenewalMonths = 6

// TemporaryTooLong warns about a temporary pass valid longer than MaxTemporaryYears;
// "" when it is plausible (or not temporary, or the dates are incomplete).
func TemporaryTooLong(kind Kind, decorrenza, scadenza Date) string {
	if kind != Temporaneo || decorrenza.IsZero() || scadenza.IsZero() || !scadenza.After(decorrenza.AddYears(MaxTemporaryYears)) {
		return ""
	}
	return fmt.Sprintf("un temporaneo di %s supera i %d anni del permanente: controllare la scadenza del certificato",
		Span(decorrenza, scadenza), MaxTemporaryYears)
}

// EarlyRenewal warns about renewing on today a pass that expires on expiry, more than
// EarlyRenewalMonths (or the comune's alert window, when longer) away; "" otherwise.
func EarlyRenewal(today, expiry Date, alertDays int) string {
	if today.IsZero() || expiry.IsZero() {
		return ""
	}
	limit := DateOf(today.Time().AddDate(0, EarlyRenewalMonths, 0))
	if a := today.AddDays(alertDays); a.After(limit) {
		limit = a
	}
	if !expiry.After(limit) {
		return ""
	}
	return fmt.Sprintf("scade tra %s (%s): è il contrassegno da rinnovare?", Span(today, expiry), expiry)
}

// Span is the time from one date to a later one in Italian: "2 anni e 3 mesi",
// "1 anno", "5 mesi", "12 giorni".
func Span(from, to Date) string {
	if !to.After(from) {
		return "0 giorni"
	}
	months := (to.Year()-from.Year())*12 + int(to.Month()) - int(from.Month())
	if to.Day() < from.Day() {
		months--
	}
	if months <= 0 {
		return Count(from.DaysUntil(to), "giorno", "giorni")
	}
	y, m := months/12, months%12
	switch {
	case y == 0:
		return Count(m, "mese", "mesi")
	case m == 0:
		return Count(y, "anno", "anni")
	}
	return Count(y, "anno", "anni") + " e " + Count(m, "mese", "mesi")
}

// Count is a number with its noun agreeing: "1 avviso", "3 avvisi", "0 avvisi"
// (issue 11.10); the desk, the CLI and the documents say counts with it.
func Count(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}
