package parse

import "strings"

// normCF normalises a codice fiscale: upper case, without spaces (and the
// dots or dashes people type in it).
func normCF(s string) string {
	var b strings.Builder
	for _, r := range strings.ToUpper(s) {
		if r == ' ' || r == '\t' || r == '.' || r == '-' || r == '\u00a0' {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// validCF reports whether s is a well-formed codice fiscale: 16 characters
// with the right letters and digits (omocodia allowed) and the right check
// character, or the 11 digits given to people not yet registered.
// It does not say the person exists.
func validCF(s string) bool {
	if len(s) == 11 {
		for i := 0; i < 11; i++ {
			if s[i] < '0' || s[i] > '9' {
				return false
			}
		}
		return true
	}
	if len(s) != 16 {
		return false
	}
	const months = "ABCDEHLMPRST"
	const omocodes = "LMNPQRSTUV"
	isLetter := func(c byte) bool { return c >= 'A' && c <= 'Z' }
	isDigitish := func(c byte) bool { return (c >= '0' && c <= '9') || strings.IndexByte(omocodes, c) >= 0 }
	for i := 0; i < 16; i++ {
		c := s[i]
		switch i {
		case 0, 1, 2, 3, 4, 5, 11, 15:
			if !isLetter(c) {
				return false
			}
		case 8:
			if strings.IndexByte(months, c) < 0 {
				return false
			}
		default: // 6, 7, 9, 10, 12, 13, 14
			if !isDigitish(c) {
				return false
			}
		}
	}
	return cfCheck(s[:15]) == s[15]
}

// cfCheck computes the check character over the first 15 characters: odd
// positions (1st, 3rd, …) through the ODD table, even ones at face value.
func cfCheck(s string) byte {
	// ODD table values for A..Z (digits 0..9 share A..J's), written as letters:
	// 'A'+value. A=1, B=0, C=5, D=7, E=9, F=13, G=15, H=17, I=19, J=21, K=2,
	// L=4, M=18, N=20, O=11, P=3, Q=6, R=8, S=12, T=14, U=16, V=10, W=22,
	// X=25, Y=24, Z=23.
	const odd = "BAFHJNPRTVCESULDGIMOQKWZYX"
	sum := 0
	for i := 0; i < 15; i++ {
		c := s[i]
		var idx int
		if c >= '0' && c <= '9' {
			idx = int(c - '0')
		} else {
			idx = int(c - 'A')
		}
		if i%2 == 0 {
			sum += int(odd[idx] - 'A')
		} else {
			sum += idx
		}
	}
	return byte('A' + sum%26)
}
