package files

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// MaxNameBytes bounds a file name made by SafeName (ext4 allows 255; the margin leaves
// room for the "-N" suffix and keeps names readable in a list).
const MaxNameBytes = 100

// maxExtBytes is the longest tail after the last dot still kept as an extension when a
// name is cut.
const maxExtBytes = 16

// SafeName makes a file name that came from outside (an attachment's name, text typed
// by an operator, a name sent by an SFTP client) fit to be one file in a folder:
//
//   - Unicode NFC (a name typed on a Mac and the same name typed on Windows are one);
//   - no path separators (/ and \ become _), no control or invisible formatting
//     characters (NUL, newline, the right-to-left override that turns "gpj.exe" into
//     "exe.jpg" on screen), no invalid UTF-8; the characters Windows refuses in a name
//     (: * ? " < > |) become _, so the file can be downloaded to an operator's PC;
//   - runs of spaces become one; no leading dot or space (no hidden files, no "." or
//     ".."), no trailing dot or space (Windows drops them);
//   - a name Windows reserves (CON, NUL, COM1, …) gets a leading _;
//   - at most MaxNameBytes bytes, cut at a character boundary and keeping the extension;
//   - never empty: "file" when nothing is left.
//
// SafeName(SafeName(s)) == SafeName(s).
func SafeName(s string) string {
	// One pass gives a fixed point for every input the tests and the fuzzer tried; the
	// second is a guard for a case they did not (cutting inside a character sequence
	// that normalisation would join again).
	s = safeName(s)
	if t := safeName(s); t != s {
		return t
	}
	return s
}

func safeName(s string) string {
	s = norm.NFC.String(strings.ToValidUTF8(s, "_"))
	var b strings.Builder
	space := false
	for _, r := range s {
		switch {
		case r == '/' || r == '\\' || strings.ContainsRune(`:*?"<>|`, r):
			r = '_'
		case unicode.IsSpace(r):
			// Tabs, newlines and the other spaces are one plain space.
			if space {
				continue
			}
			r = ' '
		case unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == utf8.RuneError ||
			unicode.Is(unicode.Co, r) || unicode.Is(unicode.Cs, r) || !unicode.IsPrint(r):
			continue
		}
		space = r == ' '
		b.WriteRune(r)
	}
	s = trim(b.String())
	s = cut(s, MaxNameBytes)
	if reservedOnWindows(s) {
		s = cut("_"+s, MaxNameBytes)
	}
	if s == "" {
		return "file"
	}
	return s
}

// trim drops leading dots and spaces and trailing dots and spaces.
func trim(s string) string {
	s = strings.TrimLeft(s, ". ")
	return strings.TrimRight(s, ". ")
}

// cut shortens a name to at most n bytes at a character boundary, keeping its
// extension (a short tail after the last dot).
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	stem, ext := splitExt(s)
	if len(ext) >= n/2 {
		stem, ext = s, ""
	}
	stem = stem[:runeBoundary(stem, n-len(ext))]
	return trim(strings.TrimRight(stem, ". ") + ext)
}

// splitExt splits "name.ext" into "name" and ".ext"; a name with no dot, a dot only in
// first place, or a tail longer than maxExtBytes has no extension.
func splitExt(s string) (stem, ext string) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 || len(s)-i > maxExtBytes {
		return s, ""
	}
	return s[:i], s[i:]
}

// runeBoundary is the largest index ≤ n that starts a character of s.
func runeBoundary(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	if n <= 0 {
		return 0
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return n
}

// reservedOnWindows reports a name Windows cannot create whatever its extension.
func reservedOnWindows(s string) bool {
	stem, _, _ := strings.Cut(s, ".")
	stem = strings.ToUpper(strings.TrimRight(stem, " "))
	switch stem {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(stem) == 4 && (strings.HasPrefix(stem, "COM") || strings.HasPrefix(stem, "LPT")) {
		c := stem[3]
		return c >= '0' && c <= '9'
	}
	return false
}

// numbered is name with "-n" before its extension, within MaxNameBytes: the name
// Create tries when name is taken.
func numbered(name string, n int) string {
	stem, ext := splitExt(name)
	suffix := "-" + itoa(n) + ext
	room := MaxNameBytes - len(suffix)
	stem = strings.TrimRight(stem[:runeBoundary(stem, room)], ". ")
	if stem == "" {
		stem = "file"
	}
	return stem + suffix
}

func itoa(n int) string {
	if n == 0 {
		return "0"
	}
	var b [20]byte
	i := len(b)
	for n > 0 {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
	}
	return string(b[i:])
}
