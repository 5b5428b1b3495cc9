package domain

import "testing"

// P1: the default expiry of a permanent pass, by the comune's rule (M5).
func TestDefaultExpiry(t *testing.T) {
	d := MustDate
	tests := []struct {
		name       string
		decorrenza Date
		birth      Date
		rule       ExpiryRule
		want       Date
	}{
		// five years from decorrenza
		{"5 anni", d(2024, 1, 15), d(1950, 3, 10), ExpiryFiveYears, d(2029, 1, 15)},
		{"5 anni, birth ignored", d(2024, 1, 15), d(1950, 1, 10), ExpiryFiveYears, d(2029, 1, 15)},
		{"5 anni, no rule set", d(2024, 1, 15), d(1950, 3, 10), "", d(2029, 1, 15)},
		{"5 anni from 29 February", d(2024, 2, 29), Date{}, ExpiryFiveYears, d(2029, 2, 28)},
		{"5 anni from 28 February into a leap year", d(2023, 2, 28), Date{}, ExpiryFiveYears, d(2028, 2, 28)},
		// the holder's birthday after the fifth year
		{"birthday later in the fifth year", d(2024, 1, 15), d(1950, 3, 10), ExpiryBirthday, d(2029, 3, 10)},
		{"birthday earlier in the year: the next one", d(2024, 1, 15), d(1950, 1, 10), ExpiryBirthday, d(2030, 1, 10)},
		{"birthday exactly on the 5-year date", d(2024, 1, 15), d(1950, 1, 15), ExpiryBirthday, d(2029, 1, 15)},
		{"birthday the day after the 5-year date", d(2024, 1, 15), d(1950, 1, 16), ExpiryBirthday, d(2029, 1, 16)},
		{"birthday the day before the 5-year date", d(2024, 1, 15), d(1950, 1, 14), ExpiryBirthday, d(2030, 1, 14)},
		{"birthday on 31 December", d(2024, 1, 15), d(1950, 12, 31), ExpiryBirthday, d(2029, 12, 31)},
		{"birthday on 1 January, decorrenza 1 January", d(2024, 1, 1), d(1950, 1, 1), ExpiryBirthday, d(2029, 1, 1)},
		{"birthday rule without a birth date: 5 anni", d(2024, 1, 15), Date{}, ExpiryBirthday, d(2029, 1, 15)},
		// holders born on 29 February: 28 February in common years
		{"29 Feb holder, common fifth year", d(2024, 1, 15), d(1952, 2, 29), ExpiryBirthday, d(2029, 2, 28)},
		{"29 Feb holder, leap fifth year", d(2023, 1, 10), d(1952, 2, 29), ExpiryBirthday, d(2028, 2, 29)},
		{"29 Feb holder, birthday passed in a leap year", d(2023, 3, 1), d(1952, 2, 29), ExpiryBirthday, d(2029, 2, 28)},
		{"29 Feb holder, decorrenza 29 Feb: same day", d(2024, 2, 29), d(1952, 2, 29), ExpiryBirthday, d(2029, 2, 28)},
		// decorrenza on 29 February: the 5-year date is 28 February
		{"decorrenza 29 Feb, birthday 28 Feb", d(2024, 2, 29), d(1950, 2, 28), ExpiryBirthday, d(2029, 2, 28)},
		{"decorrenza 29 Feb, birthday 1 Mar", d(2024, 2, 29), d(1950, 3, 1), ExpiryBirthday, d(2029, 3, 1)},
		{"decorrenza 29 Feb, birthday 27 Feb", d(2024, 2, 29), d(1950, 2, 27), ExpiryBirthday, d(2030, 2, 27)},
	}
	for _, tt := range tests {
		got, ok := DefaultExpiry(Permanente, tt.decorrenza, tt.birth, tt.rule)
		if !ok || got != tt.want {
			t.Errorf("%s: DefaultExpiry(P, %s, %s, %q) = %s, %v; want %s", tt.name,
				tt.decorrenza.ISO(), tt.birth.ISO(), tt.rule, got.ISO(), ok, tt.want.ISO())
			continue
		}
		// The proposed expiry always passes the date rules of a permanent pass.
		if err := CheckDates(Permanente, tt.decorrenza, tt.decorrenza, got); err != nil {
			t.Errorf("%s: the default expiry %s is refused by CheckDates: %v", tt.name, got.ISO(), err)
		}
	}
}

// P1: a temporary pass has no default (the medical certificate gives the period).
func TestDefaultExpiryNone(t *testing.T) {
	tests := []struct {
		name       string
		kind       Kind
		decorrenza Date
	}{
		{"temporaneo", Temporaneo, MustDate(2024, 1, 15)},
		{"no kind", "", MustDate(2024, 1, 15)},
		{"permanente without decorrenza", Permanente, Date{}},
	}
	for _, rule := range []ExpiryRule{ExpiryFiveYears, ExpiryBirthday} {
		for _, tt := range tests {
			if got, ok := DefaultExpiry(tt.kind, tt.decorrenza, MustDate(1950, 3, 10), rule); ok || !got.IsZero() {
				t.Errorf("%s (%s): DefaultExpiry = %s, %v; want no default", tt.name, rule, got.ISO(), ok)
			}
		}
	}
}
