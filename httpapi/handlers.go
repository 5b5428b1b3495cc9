package httpapi

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"vivipass/domain"
	"vivipass/printing"
	"vivipass/service"
)

// plateAnswer is GET /v1/targhe/{targa}: the answer of `vivipass whitelist check`.
type plateAnswer struct {
	Targa        string `json:"targa"`
	Nazione      string `json:"nazione"`
	Istante      string `json:"istante"`
	Giorno       string `json:"giorno"`
	Autorizzata  bool   `json:"autorizzata"`
	Contrassegno string `json:"contrassegno,omitempty"`
	Comune       string `json:"comune,omitempty"`
	Motivo       string `json:"motivo"`
}

var reCountry = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z]{1,3}$`) }) // compiled when first used (issue 14.4)

func (s *Server) plate(c *call) {
	if !c.only("at", "nazione") {
		return
	}
	plate := domain.NormalizePlate(c.r.PathValue("targa"))
	c.entry.Subject = cut(plate, 20)
	if err := domain.CheckPlateNumber(plate); err != nil {
		c.fail(http.StatusBadRequest, err.Error())
		return
	}
	country := c.params["nazione"]
	if country != "" && !reCountry().MatchString(country) {
		c.fail(http.StatusBadRequest, fmt.Sprintf("nazione %q non valida: la sigla della targa, da 1 a 3 lettere (es. FR, D, CH)", cut(country, 10)))
		return
	}
	at := s.svc.Now()
	if v, ok := c.params["at"]; ok {
		var err error
		if at, err = domain.ParseInstant(v); err != nil {
			c.fail(http.StatusBadRequest, err.Error())
			return
		}
	}
	c.entry.Instant = at.In(domain.Rome).Format(time.RFC3339)
	v, err := s.svc.Whitelist(plate, country, at)
	if err != nil {
		s.failWith(c, err)
		return
	}
	answer := "non autorizzata: " + v.Reason
	if v.Authorised {
		answer = "autorizzata: contrassegno " + v.Number
	}
	c.json(http.StatusOK, plateAnswer{Targa: v.Plate, Nazione: v.Country, Istante: c.entry.Instant, Giorno: v.Day.ISO(),
		Autorizzata: v.Authorised, Contrassegno: v.Number, Comune: v.Comune, Motivo: v.Reason}, answer)
}

// whitelist is GET /v1/whitelist.csv: `vivipass export whitelist`, gzip when asked;
// its ETag changes with the register (the audit chain's head and the feed's sequence)
// and the day. The list is built once per snapshot into memory (listcache.go) and
// written from there: no transaction stays open while a slow gate reads.
func (s *Server) whitelist(c *call) {
	if !c.only("at") {
		return
	}
	day := s.svc.Today()
	if v, ok := c.params["at"]; ok {
		var err error
		if day, err = domain.ParseDate(v); err != nil {
			c.fail(http.StatusBadRequest, fmt.Sprintf("data %q non valida: usare aaaa-mm-gg o gg/mm/aaaa", cut(v, 40)))
			return
		}
	}
	c.entry.Instant = day.ISO()
	head, seq, err := s.svc.WhitelistVersion()
	if err != nil {
		s.failWith(c, err)
		return
	}
	tag := listTag(head, seq, day)
	gz := acceptsGzip(c.r)
	h := c.w.Header()
	h.Set("Vary", "Accept-Encoding")
	h.Set("Cache-Control", "no-cache")
	etag := func(tag string) string {
		if gz {
			return `"` + tag + `-gz"`
		}
		return `"` + tag + `"`
	}
	if matchETag(c.r.Header.Get("If-None-Match"), tag) {
		h.Set("ETag", etag(tag))
		c.entry.Status, c.entry.Answer = http.StatusNotModified, "non modificata"
		c.w.WriteHeader(http.StatusNotModified)
		return
	}
	l, err := s.lists.get(tag, day, service.SystemActor("http"))
	if err != nil {
		s.failWith(c, err)
		return
	}
	body := l.csv
	if gz {
		if body, err = l.gzipped(); err != nil {
			s.failWith(c, err)
			return
		}
		h.Set("Content-Encoding", "gzip")
	}
	h.Set("ETag", etag(l.tag))
	h.Set(SeqHeader, strconv.FormatUint(l.seq, 10)) // the feed goes on from here
	h.Set("Content-Type", "text/csv; charset=utf-8")
	h.Set("Content-Disposition", `attachment; filename="whitelist-`+day.ISO()+`.csv"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	c.w.WriteHeader(http.StatusOK)
	if n, err := c.w.Write(body); err != nil {
		// The gate went away or was too slow: with Content-Length it sees a cut transfer.
		c.entry.Status, c.entry.Answer = http.StatusOK, fmt.Sprintf("interrotta dopo %d byte di %d", n, len(body))
		return
	}
	c.entry.Status, c.entry.Answer = http.StatusOK, fmt.Sprintf("%d targhe", l.rows)
}

// acceptsGzip reads Accept-Encoding: gzip, unless its q is 0.
func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		name, params, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") {
			q := strings.ReplaceAll(params, " ", "")
			return q != "q=0" && q != "q=0.0" && q != "q=0.00" && q != "q=0.000"
		}
	}
	return false
}

// matchETag reports whether If-None-Match names the list of tag (plain or gzip).
func matchETag(header, tag string) bool {
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimPrefix(strings.TrimSpace(t), "W/")
		if t == "*" || t == `"`+tag+`"` || t == `"`+tag+`-gz"` {
			return true
		}
	}
	return false
}

// verifyAnswer is POST /v1/verifica.
type verifyAnswer struct {
	FirmaValida  bool   `json:"firma_valida"`
	Contrassegno string `json:"contrassegno,omitempty"`
	Scadenza     string `json:"scadenza,omitempty"`
	Comune       string `json:"comune,omitempty"`
	NelRegistro  bool   `json:"nel_registro"`
	Stato        string `json:"stato,omitempty"`
	Valido       bool   `json:"valido"`
	Nota         string `json:"nota,omitempty"`
	// Issue 13.2: the card's edition (none on a CUDE1 card, printed before editions) and
	// the edition of the card in force in the register.
	Edizione         int `json:"edizione,omitempty"`
	EdizioneCorrente int `json:"edizione_corrente,omitempty"`
}

// verify is POST /v1/verifica: the QR code's text as the body (text/plain), or
// {"qr": "…"} (application/json).
func (s *Server) verify(c *call) {
	if !c.only() {
		return
	}
	body, err := io.ReadAll(c.r.Body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		c.fail(http.StatusRequestEntityTooLarge, fmt.Sprintf("richiesta troppo grande: al massimo %d byte", MaxBody))
		return
	case err != nil:
		c.fail(http.StatusBadRequest, "richiesta non leggibile")
		return
	}
	text := string(body)
	if mt, _, _ := mime.ParseMediaType(c.r.Header.Get("Content-Type")); mt == "application/json" {
		var in struct {
			QR string `json:"qr"`
		}
		dec := json.NewDecoder(strings.NewReader(text))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&in); err != nil || dec.More() {
			c.fail(http.StatusBadRequest, `JSON non valido: atteso {"qr": "CUDE2;…"}`)
			return
		}
		text = in.QR
	}
	text = strings.TrimSpace(text)
	parts := strings.Split(text, ";")
	form := printing.CheckForm(text) // CUDE2 in 7 parts, or CUDE1 in 6 (issue 13.2)
	if form == nil && (!utf8.ValidString(text) || strings.ContainsAny(text, "\r\n")) {
		form = printing.CheckForm("") // the same words as for any text that is no card's
	}
	if form != nil {
		c.fail(http.StatusBadRequest, form.Error())
		return
	}
	c.entry.Subject = cut(parts[2], 40)
	st, err := s.svc.VerifyCard(text)
	var bad *printing.Error
	if errors.As(err, &bad) {
		c.json(http.StatusOK, verifyAnswer{Nota: bad.Message}, "firma non valida")
		return
	}
	if err != nil {
		s.failWith(c, err)
		return
	}
	a := verifyAnswer{FirmaValida: true, Contrassegno: st.Payload.Number, Scadenza: st.Payload.Expiry.ISO(), Comune: st.Payload.Comune,
		NelRegistro: st.Found, Stato: string(st.State), Valido: st.Valid, Nota: st.Note, Edizione: st.Payload.Edition, EdizioneCorrente: st.CurrentEdition}
	answer := "firma valida, " + map[bool]string{true: "valido", false: "non valido"}[st.Valid]
	if a.Stato != "" {
		answer += " (" + a.Stato + ")"
	}
	c.json(http.StatusOK, a, answer)
}

// cardAnswer is GET /v1/contrassegni/{numero}: valid or not and until when, nothing else.
type cardAnswer struct {
	Contrassegno string `json:"contrassegno"`
	Valido       bool   `json:"valido"`
	ValidoFinoAl string `json:"valido_fino_al,omitempty"`
}

var reNumber = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_/.-]{1,40}$`) }) // compiled when first used (issue 14.4)

// card is GET /v1/contrassegni/{numero}?cognome=…: a client of a comune asks about
// that comune's passes only. A wrong surname answers as an unknown number.
func (s *Server) card(c *call) {
	if !c.only("cognome") {
		return
	}
	number := strings.ToUpper(strings.TrimSpace(c.r.PathValue("numero")))
	c.entry.Subject = cut(number, 40)
	if !reNumber().MatchString(number) {
		c.fail(http.StatusBadRequest, "numero di contrassegno non valido: lettere, cifre e _ / . -, al massimo 40 caratteri")
		return
	}
	surname := strings.TrimSpace(c.params["cognome"])
	if surname == "" || len(surname) > 80 || !utf8.ValidString(surname) {
		c.fail(http.StatusBadRequest, "indicare il cognome del titolare: ?cognome=… (al massimo 80 caratteri)")
		return
	}
	ans, err := s.svc.CheckCard(c.client.Comune, number, surname)
	if errors.Is(err, service.ErrCardUnknown) {
		c.fail(http.StatusNotFound, err.Error())
		return
	}
	if err != nil {
		s.failWith(c, err)
		return
	}
	out := cardAnswer{Contrassegno: number, Valido: ans.Valid}
	answer := "non valido"
	if ans.Valid {
		out.ValidoFinoAl = ans.Until.ISO()
		answer = "valido fino al " + out.ValidoFinoAl
	}
	c.json(http.StatusOK, out, answer)
}

// failWith answers an error of the service: 400 for what the client sent wrong (an
// Italian message), 500 for the rest (logged without personal data).
func (s *Server) failWith(c *call, err error) {
	var de *domain.Error
	if errors.As(err, &de) {
		c.fail(http.StatusBadRequest, de.Message)
		return
	}
	s.log.Error("http: richiesta non riuscita", "cliente", c.client.Name, "richiesta", c.entry.Endpoint, "errore", err.Error())
	c.fail(http.StatusInternalServerError, "errore interno del server: riprovare più tardi")
}

// cut bounds what goes back in a message or into the log.
func cut(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
