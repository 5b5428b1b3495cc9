package inbox

import (
	"fmt"
	"strings"

	"github.com/charmbracelet/x/ansi"

	"vivipass/domain"
	"vivipass/pec/parse"
	"vivipass/service"
	"vivipass/tui/common"
)

// labelWidth lines the values of the detail up.
const labelWidth = 14

// heading is the first line: what the item is, and where it stands.
func (m *Detail) heading() string {
	st := m.ctx.Styles
	it := m.d.Item
	var what string
	k, _ := parse.KindFromString(it.Kind)
	switch k {
	case parse.KindRequest:
		what = "Richiesta di " + requestLabel(it.Type)
		if it.RequestID != "" {
			what += " · " + it.RequestID
		}
	case parse.KindReceipt:
		what = upper(parse.ReceiptType(it.ReceiptType).Label())
	case parse.KindAnomaly:
		what = "Busta di anomalia"
	case parse.KindOther:
		what = "Altro messaggio PEC"
	case parse.KindQuarantine:
		what = "Messaggio in quarantena"
	default:
		what = "Messaggio"
	}
	return ansi.Truncate(st.Title.Render(what)+" · "+st.Label.Render(it.State.Label()), m.w, "…")
}

// body is every line of the detail, for the scroll.
func (m *Detail) body() []string {
	st := m.ctx.Styles
	it, r := m.d.Item, m.d.Parsed
	var out []string
	add := func(label, value string) {
		w := max(20, m.w-labelWidth)
		for i, l := range wrap(value, w) {
			if i == 0 {
				out = append(out, st.Label.Render(common.Pad(label, labelWidth))+l)
			} else {
				out = append(out, strings.Repeat(" ", labelWidth)+l)
			}
		}
	}
	warn := func(text string) {
		for i, l := range wrap(text, max(20, m.w-12)) {
			if i == 0 {
				out = append(out, st.Warning.Render("Attenzione: ")+l)
			} else {
				out = append(out, "            "+l)
			}
		}
	}
	k, _ := parse.KindFromString(it.Kind)
	switch k {
	case parse.KindRequest:
		if it.Type == parse.TypeSportello.String() {
			warn("da gestire allo sportello: " + sportelloReason(it) + ". L'app non può fare questa richiesta.")
		}
	case parse.KindQuarantine:
		warn("in quarantena: " + it.Reason + ". Il messaggio è conservato così come è arrivato: s per salvarlo.")
	case parse.KindAnomaly:
		warn("busta di anomalia: messaggio non certificato, senza valore legale")
	}
	for _, w := range it.Warnings {
		if k == parse.KindAnomaly && strings.HasPrefix(w, "busta di anomalia") {
			continue
		}
		warn(w)
	}
	if w := m.numberMismatch(); w != "" {
		warn(w)
	}
	sent := it.Sent
	if sent.IsZero() {
		sent = it.Received
	}
	certified := "PEC non certificata"
	if it.Certified {
		certified = "PEC certificata"
	}
	add("Inviato", common.When(sent)+" · "+certified)
	sender := common.Dash(it.Sender)
	if k == parse.KindRequest {
		if it.SenderTrusted {
			sender += " (viviVeneto)"
		} else {
			sender += " (mittente non verificato)"
		}
	}
	if it.Sender != "" || k == parse.KindRequest {
		add("Mittente", sender)
	}
	if d := r.Daticert; d != nil && d.GestoreEmittente != "" && k != parse.KindRequest {
		add("Gestore PEC", d.GestoreEmittente)
	}
	if it.Subject != "" {
		add("Oggetto", it.Subject)
	}
	if k == parse.KindQuarantine || it.Truncated {
		sz := size(it.Size)
		if it.Truncated {
			sz += ", oltre il limite: conservati solo i primi byte"
		}
		add("Dimensione", sz)
	}
	if q := r.Request; q != nil && k == parse.KindRequest {
		m.requestLines(add, warn)
	}
	if rc := r.Receipt; rc != nil {
		if rc.Consegna != "" {
			add("Destinatario", rc.Consegna)
		}
		if rc.Oggetto != "" && rc.Oggetto != it.Subject {
			add("Riferita a", rc.Oggetto)
		}
		if rc.ErroreEsteso != "" {
			add("Errore", rc.ErroreEsteso)
		}
		if service.Routine(it) {
			add("Da gestire", "no: ricevuta della posta inviata dal comune, conservata; nell'elenco con a (anche evase, respinte e ricevute) o t (tipo)")
		}
	}
	if k == parse.KindRequest {
		add("Collegata a", m.linkText())
	}
	m.attachmentLines(add)
	state := it.State.Label()
	if it.StateBy != "" {
		state += " (" + it.StateBy + ", " + common.When(it.StateAt) + ")"
	}
	add("Stato", state)
	if it.Note != "" {
		add("Nota", it.Note)
	}
	for i := len(it.History) - 1; i >= 0 && i >= len(it.History)-5; i-- {
		h := it.History[i]
		text := common.When(h.At) + " " + h.By + ": "
		if h.To != "" {
			text += h.From.Label() + " → " + h.To.Label()
			if h.Note != "" {
				text += ": " + h.Note
			}
		} else {
			text += h.Note
		}
		label := ""
		if i == len(it.History)-1 {
			label = "Storico"
		}
		add(label, text)
	}
	if r.Original != nil && strings.TrimSpace(r.Original.Text) != "" && k != parse.KindRequest {
		out = append(out, "", st.Label.Render("Testo del messaggio"))
		lines := strings.Split(strings.TrimSpace(r.Original.Text), "\n")
		for i, l := range lines {
			if i == 12 {
				out = append(out, st.Muted.Render(fmt.Sprintf("  … altre %d righe (s per salvare il messaggio completo)", len(lines)-12)))
				break
			}
			out = append(out, "  "+common.Truncate(l, m.w-2))
		}
	}
	return out
}

// requestLines are the request's fields: the citizen and contacts, the pass named,
// the INPS outcome, the duplicate's reason, the plates.
func (m *Detail) requestLines(add func(label, value string), warn func(string)) {
	q := m.d.Parsed.Request
	ap := q.Applicant
	add("Richiedente", strings.TrimSpace(ap.Cognome+" "+ap.Nome)+" · "+common.Dash(ap.CodiceFiscale))
	if !ap.DataNascita.IsZero() || ap.LuogoNascita.Name != "" {
		born := ap.DataNascita.String()
		if pl := place(ap.LuogoNascita); pl != "" {
			born += " a " + pl
		}
		add("Nascita", strings.TrimSpace(born))
	}
	if res := strings.TrimSpace(ap.Residenza.Name); res != "" || ap.Residenza.Code != "" {
		if c := comuneName(ap.Residenza.Code); c != "" {
			res = strings.TrimPrefix(res+", "+c, ", ")
		}
		add("Residenza", res)
	}
	add("Contatti", "e-mail "+common.Dash(ap.Email)+" · cellulare "+common.Dash(ap.Cellulare))
	if q.Pass != nil {
		s := q.Pass.Numero
		if !q.Pass.Scadenza.IsZero() {
			s += ", scadenza " + q.Pass.Scadenza.String()
		}
		add("Contrassegno", s+" (indicato nella richiesta)")
	}
	if q.Source == parse.SourceText {
		warn("dati letti dal testo del messaggio: istanza.xml mancante o illeggibile")
	}
	certs := m.d.Parsed.AttachmentsOf(parse.AttachCertificate)
	var inps string
	switch {
	case q.INPS == parse.INPSPositive && len(certs) == 0:
		inps = "positivo · certificato medico non necessario"
	case q.INPS == parse.INPSPositive:
		inps = "positivo · allegato comunque un certificato: " + certs[0].SafeName
	case q.INPS == parse.INPSNegative && len(certs) > 0:
		inps = "negativo · certificato medico allegato: " + certs[0].SafeName + ", da verificare"
	case q.INPS == parse.INPSNegative:
		inps = "negativo · il certificato medico non è allegato"
	default:
		inps = "non indicata"
		if len(certs) > 0 {
			inps += " · certificato medico allegato: " + certs[0].SafeName
		}
	}
	add("Verifica INPS", inps)
	if q.DuplicateReason != "" || m.d.Item.Type == parse.TypeDuplicato.String() {
		reason := q.DuplicateReason.Label()
		if reason == "" {
			reason = "non indicato"
		}
		if q.DuplicateReason.NeedsReport() {
			if len(m.d.Parsed.AttachmentsOf(parse.AttachReport)) > 0 {
				reason += " · denuncia allegata"
			} else {
				reason += " · manca la denuncia"
			}
		}
		add("Motivo", reason)
	}
	for i, p := range q.Plates {
		label := ""
		if i == 0 {
			label = "Targhe"
		}
		op := p.Operazione.Label()
		if op == "" {
			op = "operazione " + strings.ToLower(string(p.Operazione)) + " sconosciuta:"
		}
		s := op + " " + p.Numero
		if !p.Dal.IsZero() {
			s += " dal " + p.Dal.String()
		}
		if !p.Al.IsZero() && p.Operazione == parse.PlateAdd {
			s += " al " + p.Al.String()
		}
		add(label, s)
	}
	for _, d := range q.Declared {
		if d.Index < 0 {
			warn(fmt.Sprintf("l'istanza dichiara l'allegato %s (%s) ma nel messaggio non c'è", d.Type.Label(), d.Name))
		}
	}
}

// numberMismatch warns when the request names a pass number other than the pass it is
// linked to (#11.11): "crea pratica" asks again before saving.
func (m *Detail) numberMismatch() string {
	q := m.d.Parsed.Request
	if q == nil || q.Pass == nil || q.Pass.Numero == "" || m.pass == nil || q.Pass.Numero == m.pass.Pass.Number {
		return ""
	}
	return "la richiesta indica il contrassegno " + q.Pass.Numero + ", ma è collegata al " + m.pass.Pass.Number +
		": controllare il collegamento (l)."
}

// linkText says which person and pass the request is linked to, and how.
func (m *Detail) linkText() string {
	it := m.d.Item
	if m.d.Person == nil && m.pass == nil {
		return "nessuna persona del comune: l per collegarla a mano"
	}
	var parts []string
	if p := m.d.Person; p != nil {
		parts = append(parts, p.FullName())
	}
	if v := m.pass; v != nil {
		parts = append(parts, fmt.Sprintf("%s (%s, al %s)", v.Pass.Number, v.Status.Label(), v.Pass.DataScadenza))
	} else {
		parts = append(parts, "nessun contrassegno")
	}
	by := "a mano da " + it.LinkedBy
	if it.LinkedBy == "automatico" {
		by = "automatico per codice fiscale"
	}
	return strings.Join(parts, " · ") + " · " + by
}

// attachmentLines list the attachments: safe name, role, size; declared or not.
func (m *Detail) attachmentLines(add func(label, value string)) {
	atts := m.d.Parsed.Attachments
	if len(atts) == 0 {
		add("Allegati", "nessuno")
		return
	}
	for i, a := range atts {
		label := ""
		if i == 0 {
			label = fmt.Sprintf("Allegati (%d)", len(atts))
		}
		s := fmt.Sprintf("%d. %s · %s · %s", i+1, a.SafeName, a.Type.Label(), size(int64(len(a.Data))))
		if a.Damaged {
			s += " · danneggiato"
		}
		if a.Name != a.SafeName && a.Name != "" {
			s += " (inviato come «" + common.Truncate(a.Name, 40) + "»)"
		}
		add(label, s)
	}
	where := "s li salva nella cartella allegati/ del comune"
	if m.ctx.FilesHint != "" {
		where += ", da leggere dal PC dello sportello con " + m.ctx.FilesHint
	}
	add("", where)
}

// wrap breaks text at spaces to width cells, and a word longer than that (a file name
// of 100 characters) where it must.
func wrap(text string, width int) []string {
	return strings.Split(ansi.Wrap(text, width, ""), "\n")
}

// size is a byte count in Italian.
func size(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return strings.Replace(fmt.Sprintf("%.1f KB", float64(n)/1024), ".", ",", 1)
	}
	return strings.Replace(fmt.Sprintf("%.1f MB", float64(n)/(1<<20)), ".", ",", 1)
}

// place is a place of the request: its name, or the comune of its code.
func place(p parse.Place) string {
	if p.Name != "" {
		return p.Name
	}
	return comuneName(p.Code)
}

func comuneName(code string) string {
	if code == "" {
		return ""
	}
	if pl, ok := domain.ComuneByCode(code); ok {
		return pl.Name + " (" + code + ")"
	}
	return code
}
