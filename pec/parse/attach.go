package parse

import (
	"bytes"
	"strconv"
	"strings"
)

// maxSafeName is the longest SafeName, in bytes (ASCII only, so characters).
const maxSafeName = 100

// SafeName makes an untrusted attachment name usable as a file name: the
// base name only (after '/' or '\\', and after a drive letter), accented
// letters folded to ASCII, every other character outside [A-Za-z0-9._-]
// turned into '_', no leading dots (so never "." or ".."), no trailing dots
// or underscores, Windows device names defused, at most 100 bytes with the
// extension kept. It never returns "": a name with nothing left becomes
// "allegato" plus an extension chosen from the content type.
func SafeName(name, contentType string) string {
	// Base name: the last element after any kind of separator.
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if len(name) >= 2 && name[1] == ':' && isASCIILetter(name[0]) {
		name = name[2:]
	}
	var b strings.Builder
	for _, r := range toUTF8(name) {
		r = foldAccent(r)
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == '_':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	// Split before collapsing: in "___.pdf" (a name of non-Latin letters)
	// the extension is pdf, while ".bashrc" has none.
	base, ext := splitExt(b.String())
	base = strings.Trim(collapse(base), "._-")
	if base == "" {
		base = "allegato"
		if ext == "" {
			ext = extFor(contentType)
		}
	}
	if isDeviceName(base) {
		base = "_" + base
	}
	if len(ext) > 16 { // not an extension anyone relies on: part of the name
		base, ext = base+ext, ""
	}
	if len(base)+len(ext) > maxSafeName {
		base = strings.TrimRight(base[:maxSafeName-len(ext)], "._-")
	}
	return base + ext
}

// splitExt splits "name.ext" at the last dot into "name" and ".ext", the
// extension cleaned of '_' and '-'. A leading dot (".bashrc") is not an
// extension.
func splitExt(s string) (string, string) {
	i := strings.LastIndexByte(s, '.')
	if i <= 0 {
		return s, ""
	}
	ext := strings.Trim(collapse(s[i+1:]), "_-")
	if ext == "" {
		return s[:i], ""
	}
	return s[:i], "." + ext
}

// collapse shortens runs of separators: a run holding a dot becomes one
// dot (so no ".." survives, and "x_.pdf" is "x.pdf"), runs of '_' become
// one. Without it SafeName would not be idempotent ("0._0" → "0.0").
func collapse(s string) string {
	var b strings.Builder
	run := func(r string) {
		switch {
		case strings.Contains(r, "."):
			b.WriteByte('.')
		default:
			for strings.Contains(r, "__") {
				r = strings.ReplaceAll(r, "__", "_")
			}
			b.WriteString(r)
		}
	}
	start := -1
	for i := 0; i < len(s); i++ {
		sep := s[i] == '.' || s[i] == '_' || s[i] == '-'
		switch {
		case sep && start < 0:
			start = i
		case !sep && start >= 0:
			run(s[start:i])
			start = -1
			b.WriteByte(s[i])
		case !sep:
			b.WriteByte(s[i])
		}
	}
	if start >= 0 {
		run(s[start:])
	}
	return b.String()
}

func isASCIILetter(c byte) bool { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') }

// isDeviceName reports the names Windows reserves for devices whatever the
// extension (CON, NUL, COM1…): a file saved as "nul.pdf" vanishes there.
func isDeviceName(base string) bool {
	u := strings.ToUpper(base)
	if i := strings.IndexByte(u, '.'); i >= 0 {
		u = u[:i]
	}
	switch u {
	case "CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$":
		return true
	}
	if len(u) == 4 && (strings.HasPrefix(u, "COM") || strings.HasPrefix(u, "LPT")) && u[3] >= '0' && u[3] <= '9' {
		return true
	}
	return false
}

// extFor gives an extension for a content type, for names that have none left.
func extFor(ct string) string {
	switch ct {
	case "application/pdf":
		return ".pdf"
	case "image/jpeg", "image/jpg", "image/pjpeg":
		return ".jpg"
	case "image/png":
		return ".png"
	case "application/xml", "text/xml":
		return ".xml"
	case "message/rfc822", "message/global":
		return ".eml"
	case "text/plain":
		return ".txt"
	case "text/html":
		return ".html"
	case "application/pkcs7-signature", "application/x-pkcs7-signature":
		return ".p7s"
	}
	return ".bin"
}

// foldAccent maps the accented Latin letters Italian names use to ASCII.
func foldAccent(r rune) rune {
	switch r {
	case 'à', 'á', 'â', 'ä', 'ã', 'å':
		return 'a'
	case 'À', 'Á', 'Â', 'Ä', 'Ã', 'Å':
		return 'A'
	case 'è', 'é', 'ê', 'ë':
		return 'e'
	case 'È', 'É', 'Ê', 'Ë':
		return 'E'
	case 'ì', 'í', 'î', 'ï':
		return 'i'
	case 'Ì', 'Í', 'Î', 'Ï':
		return 'I'
	case 'ò', 'ó', 'ô', 'ö', 'õ':
		return 'o'
	case 'Ò', 'Ó', 'Ô', 'Ö', 'Õ':
		return 'O'
	case 'ù', 'ú', 'û', 'ü':
		return 'u'
	case 'Ù', 'Ú', 'Û', 'Ü':
		return 'U'
	case 'ç':
		return 'c'
	case 'Ç':
		return 'C'
	case 'ñ':
		return 'n'
	case 'Ñ':
		return 'N'
	}
	return r
}

// isSafeName reports whether s satisfies SafeName's promises (used by the
// tests and the fuzzer; SafeName's output must always pass).
func isSafeName(s string) bool {
	if s == "" || len(s) > maxSafeName || strings.Contains(s, "..") {
		return false
	}
	if s[0] == '.' || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(isASCIILetter(c) || (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return !isDeviceName(s)
}

// uniqueNames makes names unique case-insensitively by adding "-2", "-3"…
// before the extension, keeping within maxSafeName.
func uniqueNames(atts []Attachment) {
	used := map[string]bool{}
	for i := range atts {
		name := atts[i].SafeName
		for n := 2; used[strings.ToLower(name)]; n++ {
			base, ext := splitExt(atts[i].SafeName)
			suffix := "-" + strconv.Itoa(n)
			if len(base)+len(suffix)+len(ext) > maxSafeName {
				base = strings.TrimRight(base[:maxSafeName-len(suffix)-len(ext)], "._-")
			}
			name = base + suffix + ext
		}
		used[strings.ToLower(name)] = true
		atts[i].SafeName = name
	}
}

// baseName is the last element of an untrusted name, for matching names.
func baseName(s string) string {
	if i := strings.LastIndexAny(s, `/\`); i >= 0 {
		s = s[i+1:]
	}
	return strings.TrimSpace(s)
}

// matchDeclared pairs the attachments istanza.xml names with the ones the
// message carries: by name first (exact, then ignoring case and path), then
// by content type for what is left, noting each guess.
func matchDeclared(req *Request, atts []Attachment) {
	taken := make([]bool, len(atts))
	for i, a := range atts {
		if a.Type == AttachIstanza {
			taken[i] = true
		}
	}
	find := func(pred func(Attachment) bool) int {
		for i, a := range atts {
			if !taken[i] && pred(a) {
				return i
			}
		}
		return -1
	}
	// Names first for all, so that a content-type guess never takes the
	// file another declaration names.
	for d := range req.Declared {
		decl := &req.Declared[d]
		if decl.Name == "" {
			continue
		}
		i := find(func(a Attachment) bool { return a.Name == decl.Name })
		if i < 0 {
			i = find(func(a Attachment) bool { return strings.EqualFold(baseName(a.Name), baseName(decl.Name)) })
		}
		if i >= 0 {
			taken[i], decl.Index = true, i
		}
	}
	for d := range req.Declared {
		decl := &req.Declared[d]
		if decl.Index >= 0 {
			continue
		}
		i := find(func(a Attachment) bool { return contentFits(decl.Type, a.ContentType) })
		if i >= 0 {
			taken[i], decl.Index = true, i
			req.Warnings = appendOnce(req.Warnings, say(warnMatchedByType, atts[i].SafeName, decl.Type.Label(), decl.Name))
		} else {
			req.Warnings = appendOnce(req.Warnings, say(warnDeclaredMissing, decl.Type.Label(), decl.Name))
		}
	}
	for _, decl := range req.Declared {
		if decl.Index >= 0 {
			atts[decl.Index].Type = decl.Type
			atts[decl.Index].Declared = true
		}
	}
}

// contentFits reports whether a content type is what a declared type should be.
func contentFits(t AttachmentType, ct string) bool {
	switch t {
	case AttachPhoto:
		return ct == "image/jpeg" || ct == "image/png" || ct == "image/jpg" || ct == "image/pjpeg"
	case AttachCertificate, AttachReport:
		return ct == "application/pdf"
	}
	return false
}

// guessType types an attachment the request does not declare, from its name.
func guessType(a Attachment) AttachmentType {
	n := strings.ToLower(a.SafeName)
	switch {
	case strings.Contains(n, "foto") && strings.HasPrefix(a.ContentType, "image/"):
		return AttachPhoto
	case strings.Contains(n, "certificat"):
		return AttachCertificate
	case strings.Contains(n, "denunci"):
		return AttachReport
	}
	return AttachOther
}

// sniffMismatch says when the bytes of a typed attachment are not what the
// type wants (a "photo" that is a PDF, a "certificate" that is an executable).
func sniffMismatch(a Attachment) string {
	if len(a.Data) == 0 {
		return ""
	}
	switch a.Type {
	case AttachPhoto:
		if !bytes.HasPrefix(a.Data, []byte("\xff\xd8\xff")) && !bytes.HasPrefix(a.Data, []byte("\x89PNG\r\n\x1a\n")) {
			return "un'immagine JPEG o PNG"
		}
	case AttachCertificate, AttachReport:
		head := a.Data
		if len(head) > 1024 {
			head = head[:1024]
		}
		if !bytes.Contains(head, []byte("%PDF-")) {
			return "un PDF"
		}
	}
	return ""
}

func appendOnce(list []string, s string) []string {
	for _, w := range list {
		if w == s {
			return list
		}
	}
	return append(list, s)
}
