package parse

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/mail"
	"github.com/emersion/go-message/textproto"

	"vivipass/domain"
)

// Parse classifies and reads one raw message (RFC 5322 bytes, as fetched
// from IMAP). It never fails and never panics: whatever cannot be read ends
// as KindQuarantine with the reason. It reads nothing but raw and keeps no
// state between calls; raw is not modified, and Attachment.Data does not
// alias it.
func Parse(raw []byte, opts Options) (res Result) {
	defer func() {
		// Last resort: the code below is written not to panic (the fuzzer
		// checks it without this net), but a panic here would stop the
		// mailbox worker and leave the message unstored.
		if v := recover(); v != nil {
			res = Result{
				Kind:   KindQuarantine,
				Reason: say(reasonInternal, v),
				Size:   int64(len(raw)),
				Key:    rawKey(raw),
			}
		}
	}()
	return parse(raw, opts)
}

// parse is Parse without the recover, for the fuzzer.
func parse(raw []byte, opts Options) Result {
	if opts.testHook != nil {
		opts.testHook()
	}
	p := &parser{raw: raw, opts: opts.withDefaults(), w: newWalker(len(raw))}
	p.run()
	p.res.Warnings = p.w.warnings
	p.res.Key = p.key()
	return p.res
}

type parser struct {
	raw  []byte
	opts Options
	w    *walker
	res  Result
}

func (p *parser) warn(format string, args ...any) { p.w.warn(format, args...) }

func (p *parser) quarantine(reason string) {
	p.res.Kind = KindQuarantine
	p.res.Reason = reason
	p.res.Request = nil
	p.res.Receipt = nil
}

func (p *parser) run() {
	p.res.Size = int64(len(p.raw))
	if p.res.Size > p.opts.MaxSize {
		p.oversize()
		return
	}
	if len(bytes.TrimSpace(p.raw)) == 0 {
		p.quarantine(reasonEmpty)
		return
	}
	root, err := p.w.read(p.raw)
	if root == nil {
		p.quarantine(say(reasonBadHeader, shortErr(err)))
		return
	}
	p.readEnvelope(root.header)

	// The envelope's parts, found by name and type, never by position.
	var dcNode, pcNode *node
	for _, l := range root.leaves() {
		name := strings.ToLower(baseName(l.filename))
		switch {
		case name == "daticert.xml":
			if dcNode == nil {
				dcNode = l
			}
		case l.isMessage():
			if pcNode == nil || (name == "postacert.eml" && strings.ToLower(baseName(pcNode.filename)) != "postacert.eml") {
				pcNode = l
			}
		case isSignature(l.mediaType):
			p.res.Envelope.Signed = true
		}
	}
	if dcNode == nil {
		for _, l := range root.leaves() {
			if isXMLish(l) && xmlRoot(l.data) == "postacert" {
				dcNode = l
				break
			}
		}
	}
	if dcNode != nil {
		dc, err := parseDaticert(dcNode.data, dcNode.converted)
		if err != nil {
			p.warn(warnBadDaticert, shortErr(err))
		} else {
			p.res.Daticert = dc
		}
	}

	env := &p.res.Envelope
	dc := p.res.Daticert
	switch {
	case env.Ricevuta != "":
		p.receipt(ReceiptType(env.Ricevuta), pcNode)
	case env.Transport == "errore":
		p.anomaly(pcNode)
	case env.Transport == "posta-certificata":
		p.transport(root, pcNode, true)
	default:
		if env.Transport != "" {
			p.warn(warnUnknownTransport, env.Transport)
		}
		switch {
		case dc != nil && ReceiptType(dc.Tipo).Known():
			p.warn(warnNoPECHeader)
			p.receipt(ReceiptType(dc.Tipo), pcNode)
		case dc != nil && dc.Tipo == "posta-certificata":
			// Read as a busta di trasporto, but not trusted as one: the
			// provider always writes X-Trasporto, and without it anybody's
			// mail with a daticert.xml attached would pass for certified.
			p.warn(warnNoPECHeader)
			p.transport(root, pcNode, false)
		case env.Transport != "" && isOpaqueSigned(root.mediaType):
			p.quarantine(reasonOpaque)
		default:
			p.plain(root)
		}
	}
}

func (p *parser) readEnvelope(h message.Header) {
	env := &p.res.Envelope
	env.Transport = lowerTrim(h.Get("X-Trasporto"))
	env.Ricevuta = lowerTrim(h.Get("X-Ricevuta"))
	env.From = headerText(h, "From")
	env.Subject = headerText(h, "Subject")
	env.MessageID = trimMsgID(h.Get("Message-Id"))
	env.RefMessageID = trimMsgID(h.Get("X-Riferimento-Message-Id"))
	mh := mail.Header{Header: h}
	if t, err := mh.Date(); err == nil {
		env.Date = t
	}
}

// oversize quarantines a message too large to parse, reading only its header
// block (for the list and the key), never the body.
func (p *parser) oversize() {
	head := p.raw
	if len(head) > 256<<10 {
		head = head[:256<<10]
	}
	if h, err := textproto.ReadHeader(bufio.NewReader(bytes.NewReader(head))); err == nil {
		p.readEnvelope(message.Header{Header: h})
	}
	p.quarantine(say(reasonTooBig, sizeLabel(p.opts.MaxSize)))
}

// transport handles a busta di trasporto: the request (or whatever else) is
// postacert.eml; the sender is daticert's mittente.
func (p *parser) transport(root, pc *node, certified bool) {
	p.res.Certified = certified
	if p.res.Daticert == nil {
		p.warn(warnNoDaticert)
	}
	if pc == nil {
		switch {
		case isOpaqueSigned(root.mediaType):
			p.quarantine(reasonOpaque)
		case root.broken || len(root.leaves()) <= 1:
			p.quarantine(reasonBrokenEnvelope)
		default:
			p.quarantine(reasonNoPostacert)
		}
		return
	}
	inner, err := p.w.read(pc.data)
	if inner == nil {
		p.quarantine(say(reasonBadPostacert, shortErr(err)))
		return
	}
	if pc.damaged {
		p.warn(warnDamagedPostacert)
	}
	orig := describe(inner)
	p.res.Original = orig
	p.res.Sender = orig.From
	if dc := p.res.Daticert; dc != nil && dc.Mittente != "" {
		if orig.From != "" && !strings.EqualFold(orig.From, dc.Mittente) {
			p.warn(warnSenderMismatch, dc.Mittente, orig.From)
		}
		p.res.Sender = dc.Mittente
	}
	p.res.SenderTrusted = certified && p.opts.trusted(p.res.Sender)
	p.content(inner, false)
}

// anomaly handles a busta di anomalia: our provider wrapped a message that
// did not arrive as PEC. It is kept and flagged; a request inside is read
// for the operator's information.
func (p *parser) anomaly(pc *node) {
	p.res.Kind = KindAnomaly
	p.warn(warnAnomaly)
	if pc == nil {
		return
	}
	inner, _ := p.w.read(pc.data)
	if inner == nil {
		p.warn(warnBadInner)
		return
	}
	p.res.Original = describe(inner)
	p.res.Sender = p.res.Original.From
	p.content(inner, true)
}

// receipt handles a PEC receipt about a message the comune sent.
func (p *parser) receipt(t ReceiptType, pc *node) {
	p.res.Kind = KindReceipt
	p.res.Certified = true
	rec := &Receipt{Type: t, RefMessageID: p.res.Envelope.RefMessageID}
	if !t.Known() {
		p.warn(warnUnknownReceipt, string(t))
	}
	if dc := p.res.Daticert; dc != nil {
		if dc.Tipo != "" && dc.Tipo != string(t) {
			p.warn(warnReceiptMismatch, string(t), dc.Tipo)
		}
		rec.Errore, rec.Consegna, rec.ErroreEsteso, rec.Oggetto = dc.Errore, dc.Consegna, dc.ErroreEsteso, dc.Oggetto
		if rec.RefMessageID == "" {
			rec.RefMessageID = dc.MsgID
		}
	} else {
		p.warn(warnNoDaticert)
	}
	if rec.Oggetto == "" {
		_, rec.Oggetto, _ = strings.Cut(p.res.Envelope.Subject, ": ")
	}
	if pc != nil {
		if inner, _ := p.w.read(pc.data); inner != nil {
			p.res.Original = describe(inner)
		}
	}
	p.res.Receipt = rec
}

// plain handles a message that came without a PEC envelope.
func (p *parser) plain(root *node) {
	p.res.Certified = false
	p.res.Original = describe(root)
	p.res.Sender = p.res.Original.From
	// An ordinary mail's From proves nothing: never trusted.
	p.res.SenderTrusted = false
	p.content(root, false)
}

// content reads the original message: its text and attachments, and the
// request if it is one. anomaly keeps the kind and turns what would be a
// quarantine into a warning.
func (p *parser) content(orig *node, anomaly bool) {
	var texts, htmls []string
	var atts []Attachment
	var attNodes []*node
	for _, l := range orig.leaves() {
		isBody := (l.mediaType == "text/plain" || l.mediaType == "text/html") &&
			l.filename == "" && l.disp != "attachment"
		if l.isMultipart() { // a multipart whose parts could not be split
			isBody = true
		}
		if isBody {
			s, fixed := bodyText(l)
			if fixed {
				p.warn(warnBodyCharset)
			}
			if l.mediaType == "text/html" {
				htmls = append(htmls, htmlToText(s))
			} else {
				texts = append(texts, s)
			}
			continue
		}
		a := Attachment{
			Type:        AttachOther,
			Name:        l.filename,
			ContentType: l.mediaType,
			Size:        int64(len(l.data)),
			Data:        l.data,
			Damaged:     l.damaged,
		}
		a.SafeName = SafeName(a.Name, a.ContentType)
		atts = append(atts, a)
		attNodes = append(attNodes, l)
	}
	uniqueNames(atts)
	text := strings.Join(texts, "\n\n")
	if strings.TrimSpace(text) == "" {
		text = strings.Join(htmls, "\n\n")
	}
	p.res.Original.Text = strings.TrimSpace(text)
	for _, a := range atts {
		if a.Damaged {
			p.warn(warnDamagedAttachment, a.SafeName)
		}
	}

	// istanza.xml: by name, else any XML attachment whose root is <istanza>.
	ist := -1
	for i, a := range atts {
		if strings.EqualFold(baseName(a.Name), "istanza.xml") {
			if ist < 0 {
				ist = i
			} else {
				p.warn(warnManyIstanze)
			}
		}
	}
	if ist < 0 {
		for i, a := range atts {
			if isXMLish(attNodes[i]) && xmlRoot(a.Data) == "istanza" {
				ist = i
				break
			}
		}
	}
	if ist >= 0 {
		atts[ist].Type = AttachIstanza
	}
	p.res.Attachments = atts

	txt := parseTextLines(text)
	subject := p.res.Original.Subject
	if subject == "" && p.res.Daticert != nil {
		subject = p.res.Daticert.Oggetto
	}
	candidate := ist >= 0 || (txt != nil && txt.tipo != "") || looksLikeRequestSubject(subject)
	if !candidate {
		if !anomaly {
			p.res.Kind = KindOther
		}
		return
	}

	var raw *rawRequest
	var src Source
	var pre []string // request warnings found before the request exists
	if ist >= 0 {
		r, ns, err := parseIstanza(atts[ist].Data, attNodes[ist].converted)
		switch {
		case err != nil:
			pre = append(pre, say(warnBadIstanza, shortErr(err)))
		case !r.usable():
			pre = append(pre, warnEmptyIstanza)
		default:
			raw, src = r, SourceIstanza
			if ns != "" && ns != IstanzaNamespace {
				pre = append(pre, say(warnNamespace, ns))
			}
			if atts[ist].Damaged {
				pre = append(pre, warnDamagedIstanza)
			}
		}
	}
	if raw == nil {
		if txt == nil || !txt.usable() {
			reason := reasonNoData
			if ist >= 0 {
				reason = reasonBrokenIstanza
			}
			if anomaly {
				p.warn("%s", reason)
				return
			}
			p.quarantine(reason)
			return
		}
		raw, src = txt, SourceText
		if ist >= 0 {
			pre = append(pre, warnFallbackText)
		} else {
			pre = append(pre, warnNoIstanza)
		}
	}

	req := buildRequest(raw, src, p.dateFallback())
	req.Warnings = append(pre, req.Warnings...)
	if src == SourceIstanza && txt != nil {
		crossCheck(req, txt)
	}
	if req.ID == "" {
		req.ID, req.IDDerived = p.derivedID(), true
		if src == SourceIstanza {
			req.Warnings = appendOnce(req.Warnings, warnNoID)
		}
	}

	// Attachments: matched to what the istanza names, else typed by name.
	if src == SourceIstanza && raw.hasAllegati {
		matchDeclared(req, atts)
		for i := range atts {
			if atts[i].Type == AttachOther {
				req.Warnings = appendOnce(req.Warnings, say(warnUndeclared, atts[i].SafeName))
			}
		}
	} else {
		for i := range atts {
			if atts[i].Type == AttachOther {
				atts[i].Type = guessType(atts[i])
			}
		}
	}
	p.checkAttachments(req, atts)

	req.Sender = p.res.Sender
	req.SenderTrusted = p.res.Certified && p.res.SenderTrusted
	p.res.SenderTrusted = req.SenderTrusted
	if !p.res.Certified {
		if !anomaly {
			req.Warnings = appendOnce(req.Warnings, WarnNotCertified)
		}
		req.Warnings = appendOnce(req.Warnings, WarnUntrustedSender)
	} else if !req.SenderTrusted {
		req.Warnings = appendOnce(req.Warnings, WarnUntrustedSender)
	}
	p.res.Request = req
	if !anomaly {
		p.res.Kind = KindRequest
	}
}

// checkAttachments notes what the request's documents lack or get wrong.
func (p *parser) checkAttachments(req *Request, atts []Attachment) {
	has := map[AttachmentType]bool{}
	for _, a := range atts {
		has[a.Type] = true
		if what := sniffMismatch(a); what != "" {
			req.Warnings = appendOnce(req.Warnings, say(warnSniff, a.SafeName, a.Type.Label(), what))
		}
	}
	if req.INPS == INPSNegative && !has[AttachCertificate] {
		req.Warnings = appendOnce(req.Warnings, warnNoCertificate)
	}
	if req.Type == TypeDuplicato && req.DuplicateReason.NeedsReport() && !has[AttachReport] {
		req.Warnings = appendOnce(req.Warnings, warnNoReport)
	}
}

// crossCheck compares istanza.xml with the text lines written for people:
// when they disagree the operator should know.
func crossCheck(req *Request, txt *rawRequest) {
	if cf := domain.NormalizeCF(cleanField(txt.cf)); cf != "" && req.Applicant.CodiceFiscale != "" && cf != req.Applicant.CodiceFiscale {
		req.Warnings = appendOnce(req.Warnings, say(warnTextDiffers, "codice fiscale"))
	}
	if t := cleanField(txt.tipo); t != "" && req.Tipo != "" {
		if tt, _ := classifyTipo(t); tt != req.Type && req.Type != TypeSportello {
			req.Warnings = appendOnce(req.Warnings, say(warnTextDiffers, "tipo richiesta"))
		}
	}
}

// derivedID is the id of a request that carries none: "MSG-" and a hash of
// what identifies the message (the original Message-ID, daticert's msgid or
// identificativo, else the bytes), so that reading it again gives the same id.
func (p *parser) derivedID() string {
	seed := ""
	switch {
	case p.res.Original != nil && p.res.Original.MessageID != "":
		seed = "msgid:" + p.res.Original.MessageID
	case p.res.Daticert != nil && p.res.Daticert.MsgID != "":
		seed = "msgid:" + p.res.Daticert.MsgID
	case p.res.Daticert != nil && p.res.Daticert.Identificativo != "":
		seed = "pec:" + p.res.Daticert.Identificativo
	}
	var sum [32]byte
	if seed != "" {
		sum = sha256.Sum256([]byte(seed))
	} else {
		sum = sha256.Sum256(p.raw)
	}
	return "MSG-" + strings.ToUpper(hex.EncodeToString(sum[:16]))
}

// dateFallback is the day a plate change starts when the request gives none
// and has no date: the certification time, the message dates, else now.
func (p *parser) dateFallback() domain.Date {
	for _, t := range []time.Time{p.daticertTime(), p.origDate(), p.res.Envelope.Date} {
		if !t.IsZero() {
			return domain.DateOf(t)
		}
	}
	if !p.opts.Now.IsZero() {
		return domain.DateOf(p.opts.Now)
	}
	return domain.Today()
}

func (p *parser) daticertTime() time.Time {
	if p.res.Daticert != nil {
		return p.res.Daticert.Time
	}
	return time.Time{}
}

func (p *parser) origDate() time.Time {
	if p.res.Original != nil {
		return p.res.Original.Date
	}
	return time.Time{}
}

// key makes Result.Key; see doc.go.
func (p *parser) key() string {
	r := &p.res
	if r.Kind == KindRequest && r.Request != nil {
		k := "istanza:" + r.Request.ID
		// Only a certified message from a trusted sender may take the
		// istanza's own key: otherwise a forged copy arriving first would
		// make the genuine request look like a duplicate.
		if !(r.Certified && r.SenderTrusted) {
			k += "|da:" + r.Sender
			if !r.Certified {
				k += "|non-certificato"
			}
		}
		return capKey(k)
	}
	var ids []string
	if r.Envelope.MessageID != "" {
		ids = append(ids, r.Envelope.MessageID)
	}
	if r.Original != nil && r.Original.MessageID != "" && r.Original.MessageID != r.Envelope.MessageID {
		ids = append(ids, r.Original.MessageID)
	}
	if len(ids) > 0 {
		return capKey("msgid:" + strings.Join(ids, "|"))
	}
	if dc := r.Daticert; dc != nil && dc.Identificativo != "" {
		return capKey("pec:" + dc.Identificativo + "|" + dc.Tipo + "|" + dc.Consegna)
	}
	return rawKey(p.raw)
}

// capKey keeps keys short: a long one (hostile Message-ID) is hashed.
func capKey(k string) string {
	if len(k) <= 200 {
		return k
	}
	prefix, _, _ := strings.Cut(k, ":")
	sum := sha256.Sum256([]byte(k))
	return prefix + ":sha256:" + hex.EncodeToString(sum[:])
}

func rawKey(raw []byte) string {
	sum := sha256.Sum256(raw)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// describe reads the headers of the original message.
func describe(n *node) *Original {
	h := mail.Header{Header: n.header}
	o := &Original{
		Subject:   headerText(n.header, "Subject"),
		MessageID: trimMsgID(n.header.Get("Message-Id")),
	}
	if list, err := h.AddressList("From"); err == nil && len(list) > 0 {
		o.From = strings.ToLower(list[0].Address)
		o.FromName = cleanHeaderText(list[0].Name)
	} else {
		o.From = addrOnly(headerText(n.header, "From"))
	}
	if list, err := h.AddressList("To"); err == nil {
		for _, a := range list {
			o.To = append(o.To, strings.ToLower(a.Address))
		}
	}
	if t, err := h.Date(); err == nil {
		o.Date = t
	}
	return o
}

// looksLikeRequestSubject matches the contract's subject, "viviVeneto -
// <TIPO> - <numero> - <COGNOME NOME>", after the provider's "POSTA
// CERTIFICATA:". A reply ("Re: viviVeneto…") or a citizen's own subject
// ("viviVeneto - problema") does not match.
func looksLikeRequestSubject(s string) bool {
	l := strings.ToLower(strings.TrimSpace(s))
	l = strings.TrimSpace(strings.TrimPrefix(l, "posta certificata:"))
	l = strings.TrimPrefix(l, "vivi")
	l = strings.TrimLeft(l, " ")
	if !strings.HasPrefix(l, "veneto") {
		return false
	}
	fields := strings.Split(l[len("veneto"):], "-")
	if len(fields) < 4 || strings.TrimSpace(fields[0]) != "" {
		return false
	}
	for _, f := range fields[1:] {
		if strings.TrimSpace(f) == "" {
			return false
		}
	}
	return true
}

// addrOnly extracts the address from "Name <addr>" or "addr", lower case.
func addrOnly(s string) string {
	s = cleanHeaderText(s)
	if a, err := mail.ParseAddress(s); err == nil {
		return strings.ToLower(a.Address)
	}
	if i := strings.LastIndexByte(s, '<'); i >= 0 {
		if j := strings.IndexByte(s[i:], '>'); j > 0 {
			s = s[i+1 : i+j]
		}
	}
	return strings.ToLower(strings.Trim(strings.TrimSpace(s), `"'`))
}

// trimMsgID returns a Message-ID without angle brackets or spaces.
func trimMsgID(s string) string {
	s = cleanHeaderText(s)
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(s), "<"), ">"))
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		s = s[:i]
	}
	return strings.TrimSuffix(s, ">")
}

func isSignature(mt string) bool {
	return mt == "application/pkcs7-signature" || mt == "application/x-pkcs7-signature"
}

func isOpaqueSigned(mt string) bool {
	return mt == "application/pkcs7-mime" || mt == "application/x-pkcs7-mime"
}

func isXMLish(n *node) bool {
	return strings.HasSuffix(n.mediaType, "/xml") || strings.HasSuffix(n.mediaType, "+xml") ||
		strings.HasSuffix(strings.ToLower(n.filename), ".xml")
}

func romeZone() *time.Location { return domain.Rome }

// sizeLabel writes a byte count the way the quarantine reason shows it.
func sizeLabel(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MB", n>>20)
	}
	if n >= 1<<20 {
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	}
	return fmt.Sprintf("%d byte", n)
}

// shortErr makes an error fit in a one-line reason.
func shortErr(err error) string {
	if err == nil {
		return "errore sconosciuto"
	}
	return truncate(cleanHeaderText(err.Error()), 120)
}

// truncate cuts s to at most n bytes on a character boundary, marking the cut.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
