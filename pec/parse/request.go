package parse

import (
	"strings"
	"time"

	"github.com/emersion/go-message/mail"

	"vivipass/domain"
)

// reqBuilder turns a rawRequest into a Request, judging every value by the
// same rules whatever the source, and recording what it cannot interpret as
// warnings on the request (never as errors: the operator decides).
type reqBuilder struct {
	req *Request
	// dateFallback is the day used for a plate's "dal" when the request has
	// no date of its own (envelope date, else Options.Now).
	dateFallback domain.Date
}

func (b *reqBuilder) warn(format string, args ...any) {
	s := say(format, args...)
	for _, w := range b.req.Warnings {
		if w == s {
			return
		}
	}
	b.req.Warnings = append(b.req.Warnings, s)
}

func buildRequest(raw *rawRequest, src Source, dateFallback domain.Date) *Request {
	b := &reqBuilder{req: &Request{Source: src}, dateFallback: dateFallback}
	r := b.req

	r.ID = cleanField(raw.id)
	if r.ID != "" && !validID(r.ID) {
		b.warn(warnBadID, r.ID)
		r.ID = ""
	}

	r.Tipo = cleanField(raw.tipo)
	r.Type, r.SportelloReason = classifyTipo(r.Tipo)

	if s := cleanField(raw.data); s != "" {
		if t, ok := parseInstant(s); ok {
			r.Submitted = t
		} else {
			b.warn(warnBadDate, "data della richiesta", s)
		}
	}

	r.Comune = b.place(raw.comuneCode, raw.comuneName, "comune")

	a := &r.Applicant
	a.CodiceFiscale = domain.NormalizeCF(cleanField(raw.cf))
	if a.CodiceFiscale == "" {
		b.warn(warnNoCF)
	} else if err := domain.ValidateCFSyntax(a.CodiceFiscale); err != nil {
		b.warn("%s", err.Error())
	}
	a.Cognome = cleanField(raw.cognome)
	a.Nome = cleanField(raw.nome)
	if a.Cognome == "" || a.Nome == "" {
		b.warn(warnNoName)
	}
	a.DataNascita = b.date(raw.dataNascita, "data di nascita")
	a.LuogoNascita = b.place(raw.luogoCode, raw.luogoName, "luogo di nascita")
	a.Residenza = b.place(raw.resCode, raw.resName, "residenza")
	if e := cleanField(raw.email); e != "" {
		if addr, err := mail.ParseAddress(e); err == nil && strings.Contains(addr.Address, "@") {
			a.Email = strings.ToLower(addr.Address)
		} else {
			a.Email = e
			b.warn(warnBadEmail, e)
		}
	}
	if c := cleanField(raw.cellulare); c != "" {
		a.Cellulare = c
		if !plausiblePhone(c) {
			b.warn(warnBadPhone, c)
		}
	}

	if raw.hasPass {
		p := &PassRef{Numero: strings.ToUpper(cleanField(raw.numero))}
		p.Scadenza = b.date(raw.scadenza, "scadenza del contrassegno")
		if p.Numero != "" || !p.Scadenza.IsZero() {
			r.Pass = p
		}
	}

	if m := strings.ToUpper(cleanField(raw.motivo)); m != "" {
		switch DuplicateReason(m) {
		case DuplicateFurto, DuplicateSmarrimento, DuplicateDeterioramento:
			r.DuplicateReason = DuplicateReason(m)
		default:
			b.warn(warnBadMotivo, m)
		}
	}

	if e := strings.ToUpper(cleanField(raw.inps)); e != "" {
		switch INPSOutcome(e) {
		case INPSPositive, INPSNegative:
			r.INPS = INPSOutcome(e)
		default:
			b.warn(warnBadINPS, e)
		}
	}

	for _, p := range raw.plates {
		b.plate(p)
	}

	for _, al := range raw.allegati {
		t := AttachmentType(strings.ToUpper(strings.ReplaceAll(cleanField(al.tipo), " ", "_")))
		switch t {
		case AttachPhoto, AttachCertificate, AttachReport:
		default:
			b.warn(warnBadAllegatoTipo, cleanField(al.tipo))
			t = AttachOther
		}
		r.Declared = append(r.Declared, Declared{Type: t, Name: cleanHeaderText(al.nome), Index: -1})
	}

	b.sportello(raw)
	b.coherence(raw)
	return r
}

// classifyTipo maps the tipo of a request to its Type; whatever the app
// cannot do goes to the counter with the reason.
func classifyTipo(tipo string) (Type, string) {
	t := strings.ToUpper(strings.TrimSpace(tipo))
	t = strings.NewReplacer(" ", "_", "-", "_").Replace(t)
	switch {
	case t == "RINNOVO":
		return TypeRinnovo, ""
	case t == "DUPLICATO":
		return TypeDuplicato, ""
	case t == "TARGHE":
		return TypeTarghe, ""
	case t == "":
		return TypeSportello, reasonNoTipo
	case strings.Contains(t, "TEMPORANE"):
		return TypeSportello, reasonTemporary
	case strings.Contains(t, "RESIDENZA"):
		return TypeSportello, reasonResidence
	}
	return TypeSportello, say(reasonUnknownTipo, tipo)
}

// sportello flags what looks like a supported type but is not: a temporary
// permit, or a renewal of a card issued by another comune (the holder moved:
// renewal after a change of residence).
func (b *reqBuilder) sportello(raw *rawRequest) {
	r := b.req
	if r.Type == TypeSportello {
		return
	}
	if strings.Contains(strings.ToUpper(raw.passTip), "TEMPORANE") {
		r.Type, r.SportelloReason = TypeSportello, reasonTemporary
		return
	}
	if r.Type != TypeRinnovo || r.Comune.Code == "" {
		return
	}
	if r.Applicant.Residenza.Code != "" && r.Applicant.Residenza.Code != r.Comune.Code {
		r.Type, r.SportelloReason = TypeSportello, reasonResidence
		return
	}
	// Card numbers begin with the issuing comune's codice catastale
	// (L736_2021_00042): a renewal asked of another comune is a move.
	if r.Pass != nil {
		if pre, _, ok := strings.Cut(r.Pass.Numero, "_"); ok && isCodiceCatastale(pre) && pre != r.Comune.Code {
			r.Type, r.SportelloReason = TypeSportello, reasonResidence
		}
	}
}

// coherence notes what does not fit together within the request itself.
// Attachments are checked later, once matched.
func (b *reqBuilder) coherence(raw *rawRequest) {
	r := b.req
	switch r.Type {
	case TypeDuplicato:
		if cleanField(raw.motivo) == "" { // an unknown one was noted already
			b.warn(warnNoMotivo)
		}
	case TypeTarghe:
		if len(r.Plates) == 0 {
			b.warn(warnNoPlates)
		}
	}
}

func (b *reqBuilder) plate(p rawPlate) {
	r := b.req
	pl := Plate{Raw: cleanField(p.numero)}
	pl.Numero = domain.NormalizePlate(pl.Raw)
	if pl.Numero == "" {
		b.warn(warnNoPlateNumber)
		return
	}
	// The istanza gives no country: judged as an Italian plate, and only a
	// warning either way (foreign plates exist).
	if err := domain.CheckPlateNumber(pl.Numero); err != nil {
		b.warn("%s", err.Error())
	} else if _, w := domain.ClassifyPlate(pl.Numero, domain.Italy); w != "" {
		b.warn(warnBadPlate, pl.Numero, w)
	}
	switch op := strings.ToUpper(cleanField(p.op)); op {
	case "AGGIUNGI", "AGGIUNTA", "+":
		pl.Operazione = PlateAdd
	case "RIMUOVI", "RIMOZIONE", "-":
		pl.Operazione = PlateRemove
	case "":
		b.warn(warnNoPlateOp, pl.Numero)
	default:
		b.warn(warnBadPlateOp, op, pl.Numero)
	}
	pl.Dal = b.date(p.dal, "dal (targa "+pl.Numero+")")
	pl.Al = b.date(p.al, "al (targa "+pl.Numero+")")
	if pl.Dal.IsZero() {
		pl.DalDefault = true
		if !r.Submitted.IsZero() {
			pl.Dal = domain.DateOf(r.Submitted)
		} else {
			pl.Dal = b.dateFallback
		}
	}
	if pl.Al.IsZero() && pl.Operazione == PlateAdd && r.Pass != nil && !r.Pass.Scadenza.IsZero() {
		pl.Al, pl.AlDefault = r.Pass.Scadenza, true
	}
	if !pl.Al.IsZero() && pl.Al.Before(pl.Dal) {
		b.warn(warnPlateRange, pl.Numero)
	}
	r.Plates = append(r.Plates, pl)
}

func (b *reqBuilder) date(s, what string) domain.Date {
	s = cleanField(s)
	if s == "" {
		return domain.Date{}
	}
	// An ISO date-time where a date is expected: keep the day.
	if len(s) > 10 && s[4] == '-' && (s[10] == 'T' || s[10] == ' ') {
		s = s[:10]
	}
	d, err := domain.ParseDate(s)
	if err != nil {
		b.warn(warnBadDate, what, s)
		return domain.Date{}
	}
	return d
}

func (b *reqBuilder) place(code, name, what string) Place {
	p := Place{Code: strings.ToUpper(cleanField(code)), Name: cleanField(name)}
	if p.Code != "" && !isCodiceCatastale(p.Code) {
		b.warn(warnBadCode, what, p.Code)
	}
	return p
}

// parseInstant reads the istanza's data: RFC 3339, a local date-time, or a
// date alone (Italian time).
func parseInstant(s string) (time.Time, bool) {
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05Z0700"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	for _, layout := range []string{"2006-01-02T15:04:05", "2006-01-02 15:04:05", "2006-01-02T15:04", "02/01/2006 15:04:05", "02/01/2006 15:04"} {
		if t, err := time.ParseInLocation(layout, s, romeZone()); err == nil {
			return t, true
		}
	}
	if d, err := domain.ParseDate(s); err == nil {
		return time.Date(d.Year(), d.Month(), d.Day(), 0, 0, 0, 0, romeZone()), true
	}
	return time.Time{}, false
}

// validID accepts ids made of printable ASCII without spaces, up to 80 bytes:
// the id becomes a key in the store and a string on screen.
func validID(s string) bool {
	if len(s) == 0 || len(s) > 80 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

func isCodiceCatastale(s string) bool {
	return len(s) == 4 && s[0] >= 'A' && s[0] <= 'Z' &&
		s[1] >= '0' && s[1] <= '9' && s[2] >= '0' && s[2] <= '9' && s[3] >= '0' && s[3] <= '9'
}

func plausiblePhone(s string) bool {
	digits := 0
	for _, r := range s {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' || r == ' ' || r == '-' || r == '.' || r == '/' || r == '(' || r == ')':
		default:
			return false
		}
	}
	return digits >= 6 && digits <= 15
}

// cleanField trims a value and makes it printable (one line).
func cleanField(s string) string { return cleanHeaderText(s) }
