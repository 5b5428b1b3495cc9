package domain

// DefaultExpiry is the expiry proposed for a permanent pass (P1): five years from
// decorrenza, or, with ExpiryBirthday, the holder's first birthday on or after that.
// A temporary pass has no default: its expiry comes from the medical certificate.
func DefaultExpiry(kind Kind, decorrenza, birth Date, rule ExpiryRule) (Date, bool) {
	if kind != Permanente || decorrenza.IsZero() {
		return Date{}, false
	}
	five := decorrenza.AddYears(5)
	if rule != ExpiryBirthday || birth.IsZero() {
		return five, true
	}
	bd := birthdayIn(birth, five.Year())
	if bd.Before(five) {
		bd = birthdayIn(birth, five.Year()+1)
	}
	return bd, true
}

// birthdayIn is the birthday in a year; 29 February falls on 28 February in a common year.
func birthdayIn(birth Date, year int) Date {
	return birth.AddYears(year - birth.Year())
}
