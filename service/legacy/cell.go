package legacy

// SafeCell neutralises one cell of a CSV the program writes (issue 12.10): a cell that
// begins with = + - @, a tab or a CR is read by a spreadsheet as a formula (or, after
// the blank, still as one), so "=cmd|' /C calc'!A0" in a surname would run when the
// export is opened. Such a cell gets a single quote in front, as OWASP advises ("CSV
// injection"): the spreadsheet shows the text as it is. Every CSV writer of the
// program goes through it: Template here, and service.Export (passes, plates,
// whitelist) through SafeRecord.
func SafeCell(s string) string {
	if s == "" {
		return s
	}
	switch s[0] {
	case '=', '+', '-', '@', '\t', '\r':
		return "'" + s
	}
	return s
}

// SafeRecord applies SafeCell to every cell of rec, in place, and returns rec.
func SafeRecord(rec []string) []string {
	for i, s := range rec {
		if t := SafeCell(s); len(t) != len(s) { // written only when changed: rec may be shared
			rec[i] = t
		}
	}
	return rec
}
