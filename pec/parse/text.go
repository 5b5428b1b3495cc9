package parse

import (
	"html"
	"strings"
	"unicode"
)

// textKey maps a "Campo" of the text body to the field it fills. Keys are
// compared after foldKey, so "Tipo richiesta", "TIPO_RICHIESTA" and
// "tipo  richiesta" are one key.
func textKey(folded string) string {
	switch folded {
	case "tiporichiesta", "tipo", "tipoistanza":
		return "tipo"
	case "codicefiscale", "cf", "codfiscale":
		return "cf"
	case "cognome":
		return "cognome"
	case "nome":
		return "nome"
	case "numerocontrassegno", "contrassegno", "numerocontrassegnonumero", "ncontrassegno":
		return "numero"
	case "scadenzacontrassegno", "scadenza":
		return "scadenza"
	case "motivoduplicato", "motivo":
		return "motivo"
	case "targa":
		return "targa"
	case "dal":
		return "dal"
	case "al":
		return "al"
	case "email", "mail", "postaelettronica", "indirizzoemail":
		return "email"
	case "cellulare", "telefonocellulare", "numerocellulare":
		return "cellulare"
	case "esitoverificainps", "verificainps", "esitoinps":
		return "inps"
	case "datanascita", "datadinascita":
		return "dataNascita"
	case "idistanza", "identificativoistanza", "idrichiesta", "identificativorichiesta":
		return "id"
	case "comune":
		return "comune"
	}
	return ""
}

// foldKey lower-cases a key and keeps only its letters (accents dropped).
func foldKey(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		r = foldAccent(r)
		if r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// parseTextLines reads the "Campo: valore" lines of a text body. The first
// occurrence of a field wins, except Targa, which starts a new plate that
// the following Dal and Al lines complete. It returns nil when no line has
// a known field.
func parseTextLines(text string) *rawRequest {
	r := &rawRequest{}
	found := false
	var cur *rawPlate
	set := func(dst *string, v string) {
		if *dst == "" {
			*dst = v
		}
	}
	for _, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		line = strings.TrimLeft(line, "-*•> \t")
		k, v, ok := strings.Cut(line, ":")
		if !ok || len(k) > 40 {
			continue
		}
		field := textKey(foldKey(k))
		if field == "" {
			continue
		}
		v = strings.TrimSpace(v)
		if v == "" {
			continue
		}
		found = true
		switch field {
		case "tipo":
			set(&r.tipo, v)
		case "cf":
			set(&r.cf, v)
		case "cognome":
			set(&r.cognome, v)
		case "nome":
			set(&r.nome, v)
		case "numero":
			r.hasPass = true
			set(&r.numero, v)
		case "scadenza":
			r.hasPass = true
			set(&r.scadenza, v)
		case "motivo":
			set(&r.motivo, v)
		case "targa":
			num, op := splitPlateText(v)
			r.plates = append(r.plates, rawPlate{numero: num, op: op})
			cur = &r.plates[len(r.plates)-1]
		case "dal":
			if cur != nil {
				set(&cur.dal, v)
			}
		case "al":
			if cur != nil {
				set(&cur.al, v)
			}
		case "email":
			set(&r.email, v)
		case "cellulare":
			set(&r.cellulare, v)
		case "inps":
			set(&r.inps, v)
		case "dataNascita":
			set(&r.dataNascita, v)
		case "id":
			set(&r.id, v)
		case "comune":
			set(&r.comuneName, v)
		}
	}
	if !found {
		return nil
	}
	return r
}

// splitPlateText splits "AB123CD (AGGIUNGI)", "AB 123 CD - rimuovi" or
// "AB123CD" into the plate and the operation word, if any.
func splitPlateText(v string) (string, string) {
	up := strings.ToUpper(v)
	op := ""
	for _, w := range []struct{ word, op string }{
		{"AGGIUNGI", "AGGIUNGI"}, {"AGGIUNTA", "AGGIUNGI"}, {"RIMUOVI", "RIMUOVI"}, {"RIMOZIONE", "RIMUOVI"},
	} {
		if i := strings.Index(up, w.word); i >= 0 {
			op = w.op
			up = up[:i]
			break
		}
	}
	up = strings.TrimRight(up, " \t-–(:,;")
	return strings.TrimSpace(up), op
}

// htmlToText turns an HTML body into lines of text, enough for the
// "Campo: valore" fallback when a message has no text/plain part.
func htmlToText(s string) string {
	var b strings.Builder
	inTag := false
	var tag strings.Builder
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
			tag.Reset()
		case r == '>' && inTag:
			inTag = false
			t := strings.ToLower(strings.TrimLeft(tag.String(), "/"))
			name := strings.FieldsFunc(t, func(r rune) bool { return unicode.IsSpace(r) || r == '/' })
			if len(name) > 0 {
				switch name[0] {
				case "br", "p", "div", "tr", "li", "h1", "h2", "h3", "h4", "pre", "table":
					b.WriteByte('\n')
				case "td", "th":
					b.WriteByte(' ')
				}
			}
		case inTag:
			if tag.Len() < 64 {
				tag.WriteRune(r)
			}
		default:
			b.WriteRune(r)
		}
	}
	return html.UnescapeString(b.String())
}
