package legacy

import (
	"errors"
	"fmt"
	"hash/maphash"
	"strings"

	"vivipass/domain"
)

// rowInfo is what Parse keeps about a row besides the Row itself.
type rowInfo struct {
	blank    bool
	errs     []RowError
	cfOK     bool // the codice fiscale is valid: it takes part in the checks between rows
	numberOK bool // comune and numero_pass are valid: idem
	active   bool // ATTIVO or SOSPESO, not expired today, holder alive (P5)

	numberHash, cfHash uint64 // see keyHashes
}

func (in *rowInfo) add(line int, c col, msg string) {
	name := ""
	if c >= 0 {
		name = columnDocs[c].Name
	}
	in.errs = append(in.errs, RowError{Row: line, Column: name, Message: msg})
}

var errNotDecoded = errors.New("codice fiscale non decodificato")

// validator checks rows; one per goroutine (it owns its buffers and caches).
type validator struct {
	hdr    *header
	sep    byte
	today  domain.Date
	fields []string
	// residence caches comune_residenza lookups: a region has a few hundred comuni and
	// the same names repeat on every row.
	residence  map[string]placeResult
	plateBlock []domain.Plate
	arena      arena
	seed       maphash.Seed // for keyHashes
}

type placeResult struct {
	place domain.Place
	err   error
}

func newValidator(h *header, sep byte, today domain.Date, seed maphash.Seed) *validator {
	return &validator{
		hdr: h, sep: sep, today: today, seed: seed,
		fields:    make([]string, 0, len(h.pos)+4),
		residence: make(map[string]placeResult, 1024),
	}
}

// record splits one record and checks it into r and in.
func (v *validator) record(text string, sp span, r *Row, in *rowInfo) {
	r.Line = sp.row
	v.fields = splitFields(v.fields[:0], text[sp.start:sp.end], v.sep, sp.quoted, sp.unclosed)
	if blank(v.fields) {
		in.blank = true
		return
	}
	var vals [numCols]string
	extra, firstExtra, tooLong := 0, "", false
	for i, f := range v.fields {
		c := col(-1)
		if i < len(v.hdr.pos) {
			c = v.hdr.pos[i]
		}
		f = strings.TrimSpace(f)
		if msg := fieldTooLong(f); msg != "" { // issue 12.9: the row is refused on this alone
			if c < 0 {
				msg = fmt.Sprintf("colonna %d (oltre l'intestazione): %s", i+1, msg)
			}
			in.add(r.Line, c, msg)
			tooLong = true
			continue
		}
		if c < 0 {
			if f != "" { // beyond the last named column: allowed only when empty
				if extra == 0 {
					firstExtra = f
				}
				extra++
			}
			continue
		}
		vals[c] = f
	}
	if sp.unclosed {
		in.add(r.Line, -1, `virgolette aperte e mai chiuse: un campo comincia con " ma non finisce con "; chiudere le virgolette (le virgolette interne si scrivono "")`)
	}
	if extra > 0 {
		in.add(r.Line, -1, fmt.Sprintf("la riga ha %d valori oltre l'ultima colonna dell'intestazione (il primo è %s): probabilmente un valore contiene il separatore %q senza essere tra virgolette",
			extra, quoteShort(firstExtra), string(v.sep)))
	}
	if tooLong {
		return
	}
	v.check(&vals, r, in)
}

// personFields maps the field names of domain.CheckPerson to columns.
var personFields = map[string]col{
	"codice_fiscale": colCF, "cognome": colCognome, "nome": colNome, "sesso": colSesso,
	"data_nascita": colDataNascita, "luogo_nascita": colLuogoNascita,
	"comune_residenza": colComuneResidenza, "email": colEmail, "deceduto_il": colDeceduto,
	"indirizzo": colIndirizzo, "telefono": colTelefono,
}

// check validates the values of one row (already trimmed) and fills r.
func (v *validator) check(vals *[numCols]string, r *Row, in *rowInfo) {
	line := r.Line
	add := func(c col, msg string) { in.add(line, c, msg) }
	warn := func(c col, msg string) {
		r.Warnings = append(r.Warnings, domain.FieldError{Field: columnDocs[c].Name, Message: msg})
	}
	date := func(c col, what string, required bool) (domain.Date, bool) {
		s := vals[c]
		if s == "" {
			if required {
				add(c, fmt.Sprintf("manca la %s (obbligatoria): scriverla come gg/mm/aaaa, ad esempio 15/03/2024", what))
			}
			return domain.Date{}, false
		}
		d, err := parseDate(s)
		if err != nil {
			add(c, err.Error())
			return domain.Date{}, false
		}
		return d, true
	}

	// The holder.
	p := &r.Person
	p.CodiceFiscale, p.Cognome, p.Nome, p.Sesso = vals[colCF], vals[colCognome], vals[colNome], vals[colSesso]
	p.Indirizzo, p.Email, p.Telefono = vals[colIndirizzo], vals[colEmail], vals[colTelefono]
	normalizePerson(p)
	switch p.Sesso {
	case "MASCHIO", "MASCHILE":
		p.Sesso = "M"
	case "FEMMINA", "FEMMINILE":
		p.Sesso = "F"
	}
	p.DataNascita, _ = date(colDataNascita, "data di nascita", false)
	p.DataDecesso, _ = date(colDeceduto, "data di decesso", false)
	// The code is decoded only when something must come from it: domain.CheckPerson
	// checks it anyway, and on a region-sized file every parse of it counts.
	var cfInfo domain.CFInfo
	cfErr, birthFromCF := errNotDecoded, false
	if p.Sesso == "" || p.DataNascita.IsZero() || vals[colLuogoNascita] == "" {
		cfInfo, cfErr = domain.DecodeCF(p.CodiceFiscale, v.today)
	}
	if s := vals[colLuogoNascita]; s != "" {
		at := p.DataNascita
		if at.IsZero() && cfErr == nil {
			at = cfInfo.Birth
		}
		if pl, err := v.lookupBirthplace(s, at, p.CodiceFiscale); err != nil {
			add(colLuogoNascita, "luogo di nascita non riconosciuto: "+err.Error()+" (indicare il nome del comune o dello stato estero, o il codice catastale)")
		} else {
			p.LuogoNascita = pl.Code
		}
	}
	if s := vals[colComuneResidenza]; s == "" {
		add(colComuneResidenza, "manca il comune di residenza (obbligatorio): nome o codice catastale, ad esempio VENEZIA o L736")
	} else if pl, err := v.lookupResidence(s); err != nil {
		add(colComuneResidenza, "comune di residenza non riconosciuto: "+err.Error()+" (indicare il nome del comune o il codice catastale, ad esempio VENEZIA o L736)")
	} else if pl.Foreign {
		add(colComuneResidenza, fmt.Sprintf("%q è uno stato estero: il comune di residenza deve essere un comune italiano", s))
	} else {
		p.ComuneResidenza = pl.Code
		if !pl.Active {
			warn(colComuneResidenza, fmt.Sprintf("il comune %s (%s) non esiste più: verificare la residenza", pl.Label(), pl.Code))
		}
	}
	if cfErr == nil { // domain.FillFromCF, without decoding the code a second time
		if p.Sesso == "" {
			p.Sesso = string(cfInfo.Sex)
		}
		if p.DataNascita.IsZero() {
			p.DataNascita, birthFromCF = cfInfo.Birth, true
		}
		if p.LuogoNascita == "" && vals[colLuogoNascita] == "" {
			p.LuogoNascita = cfInfo.BirthPlace
		}
	}
	chk := domain.CheckPerson(*p, v.today)
	in.cfOK = p.CodiceFiscale != ""
	for _, e := range chk.Errors {
		c, ok := personFields[e.Field]
		if !ok {
			c = -1
		}
		msg := e.Message
		switch c {
		case colCF:
			in.cfOK = false
		case colEmail:
			msg += ": scriverlo come nome@dominio.it, oppure lasciare vuoto"
		}
		add(c, msg)
	}
	if len(chk.Mismatches) > 0 {
		msgs := make([]string, len(chk.Mismatches))
		for i, m := range chk.Mismatches {
			msgs[i] = m.Message
		}
		r.CFWarning = "il codice fiscale non corrisponde ai dati anagrafici: " + strings.Join(msgs, "; ")
	}

	// The pass.
	r.Number = vals[colNumero]
	if r.Number == "" {
		add(colNumero, "manca il numero del contrassegno (obbligatorio), come stampato sul contrassegno")
	} else if err := checkNumber(r.Number); err != nil {
		add(colNumero, err.Error())
	} else {
		in.numberOK = p.ComuneResidenza != ""
	}
	if r.PreviousNumber = vals[colNumeroPrecedente]; r.PreviousNumber != "" {
		if err := checkNumber(r.PreviousNumber); err != nil {
			add(colNumeroPrecedente, err.Error())
		}
	}
	kindOK := false
	if s := vals[colTipo]; s == "" {
		add(colTipo, "manca il tipo di contrassegno (obbligatorio): P (permanente) o T (temporaneo)")
	} else if r.Kind, kindOK = domain.ParseKind(s); !kindOK {
		add(colTipo, fmt.Sprintf("tipo di contrassegno %q non valido: usare P (permanente) o T (temporaneo)", s))
	}
	var rilOK, decOK, scaOK bool
	r.DataRilascio, rilOK = date(colRilascio, "data di rilascio", true)
	r.DataDecorrenza, decOK = date(colDecorrenza, "data di decorrenza", false)
	if vals[colDecorrenza] == "" {
		r.DataDecorrenza, decOK = r.DataRilascio, rilOK
	}
	// A birth date read from the code is never after the pass was issued: a holder of a
	// pass issued in 2019 with "21" in the code was born in 1921, not in 2021.
	if birthFromCF && rilOK && p.DataNascita.After(r.DataRilascio) {
		if info, err := domain.DecodeCF(p.CodiceFiscale, r.DataRilascio); err == nil {
			p.DataNascita = info.Birth
		}
	}
	r.DataScadenza, scaOK = date(colScadenza, "data di scadenza", true)
	datesOK := rilOK && decOK && scaOK
	if datesOK && kindOK {
		if err := domain.CheckDates(r.Kind, r.DataRilascio, r.DataDecorrenza, r.DataScadenza); err != nil {
			add(colScadenza, err.Error())
			datesOK = false
		}
	}
	stateOK := false
	if r.State, stateOK = parseState(vals[colStato]); !stateOK {
		add(colStato, fmt.Sprintf("stato %q non valido: usare ATTIVO, SOSPESO, REVOCATO o SCADUTO (vuoto = ATTIVO)", vals[colStato]))
	}
	// Active for P5: ATTIVO or SOSPESO and not expired. A holder already dead holds no
	// active pass: the importer revokes it from the date of death (P8).
	inForce := stateOK && scaOK && (r.State == domain.Attivo || r.State == domain.Sospeso) && !r.DataScadenza.Before(v.today)
	in.active = inForce && !p.Deceased(v.today)
	consentOK := false
	if r.Consent, consentOK = parseConsent(vals[colConsenso]); !consentOK {
		add(colConsenso, fmt.Sprintf("consenso %q non valido: usare S o N (anche SI/NO, 1/0, TRUE/FALSE; vuoto = N)", vals[colConsenso]))
	}
	r.CudeID, r.CodiceUnivoco, r.Note = vals[colCudeID], vals[colCodiceUnivoco], vals[colNote]
	for _, c := range [...]col{colNote, colCudeID, colCodiceUnivoco} { // issue 12.10
		if err := domain.CheckText("il valore", vals[c], c == colNote); err != nil {
			add(c, err.Error())
		}
	}
	if !p.DataDecesso.IsZero() && inForce {
		warn(colDeceduto, fmt.Sprintf("il titolare risulta deceduto il %s ma il contrassegno è %s: andrà revocato dalla data del decesso", p.DataDecesso, r.State.Label()))
	}

	v.plates(vals, r, datesOK, add, warn)
	v.own(r)
	in.numberHash, in.cfHash = keyHashes(v.seed, r)
}

// own copies the row's strings out of the text (see decodeText): the Row must not keep
// the caller's bytes alive, nor change if the caller reuses them.
func (v *validator) own(r *Row) {
	p := &r.Person
	a := &v.arena
	p.CodiceFiscale, p.Cognome, p.Nome, p.Indirizzo = a.str(p.CodiceFiscale), a.str(p.Cognome), a.str(p.Nome), a.str(p.Indirizzo)
	p.Email, p.Telefono, p.LuogoNascita, p.ComuneResidenza = a.str(p.Email), a.str(p.Telefono), a.str(p.LuogoNascita), a.str(p.ComuneResidenza)
	switch p.Sesso {
	case "M":
		p.Sesso = "M"
	case "F":
		p.Sesso = "F"
	default:
		p.Sesso = a.str(p.Sesso)
	}
	r.Number, r.PreviousNumber, r.CudeID, r.CodiceUnivoco, r.Note = a.str(r.Number), a.str(r.PreviousNumber), a.str(r.CudeID), a.str(r.CodiceUnivoco), a.str(r.Note)
	for i := range r.Plates {
		r.Plates[i].Number = a.str(r.Plates[i].Number)
	}
}

// plates reads targa_1 … targa_4 with their windows and targa_principale.
func (v *validator) plates(vals *[numCols]string, r *Row, datesOK bool, add, warn func(col, string)) {
	var slot [maxPlates + 1]int // targa_N → index in r.Plates + 1; 0 = empty
	for n := 1; n <= maxPlates; n++ {
		cn, cf, ct := plateCols(n)
		raw := vals[cn]
		if raw == "" {
			if vals[cf] != "" || vals[ct] != "" {
				c := cf
				if vals[cf] == "" {
					c = ct
				}
				add(c, fmt.Sprintf("c'è una data di validità ma %s è vuota: indicare la targa o cancellare la data", columnDocs[cn].Name))
			}
			continue
		}
		number := raw
		if !normalCode(number) {
			number = domain.NormalizePlate(raw)
		}
		pl := domain.Plate{Number: number, Country: domain.Italy}
		var fast bool
		if pl.Class, fast = fastPlateClass(number); !fast {
			if err := domain.CheckPlateNumber(number); err != nil {
				add(cn, err.Error())
				continue
			}
			var msg string
			if pl.Class, msg = domain.ClassifyPlate(number, domain.Italy); msg != "" {
				warn(cn, fmt.Sprintf("%s: %s", number, msg))
			}
		}
		for _, other := range r.Plates {
			if other.Number == number {
				warn(cn, fmt.Sprintf("la targa %s compare più volte nella stessa riga", number))
				break
			}
		}
		from, fromOK := v.plateDate(vals[cf], cf, add)
		to, toOK := v.plateDate(vals[ct], ct, add)
		if !fromOK || !toOK {
			continue
		}
		if vals[cf] == "" {
			from = r.DataDecorrenza
		}
		if datesOK {
			end := to
			if end.IsZero() {
				end = r.DataScadenza
			}
			switch {
			case from.After(end) && vals[ct] != "":
				add(ct, fmt.Sprintf("la targa %s vale dal %s al %s: la data di fine precede quella di inizio", number, from, end))
				continue
			case from.After(end):
				add(cf, fmt.Sprintf("la targa %s decorre dal %s, dopo la scadenza del contrassegno (%s)", number, from, end))
				continue
			case from.Before(r.DataDecorrenza) || end.After(r.DataScadenza):
				warn(cn, fmt.Sprintf("la validità della targa %s (dal %s al %s) esce da quella del contrassegno (dal %s al %s)",
					number, from, end, r.DataDecorrenza, r.DataScadenza))
			}
			if to.Equal(r.DataScadenza) {
				to = domain.Date{} // the default: the plate follows the pass, also when renewed
			}
		} else if !to.IsZero() && from.After(to) {
			add(ct, fmt.Sprintf("la targa %s vale dal %s al %s: la data di fine precede quella di inizio", number, from, to))
			continue
		}
		pl.From, pl.To = from, to
		if r.Plates == nil {
			r.Plates = v.plateSlice(vals)
		}
		r.Plates = append(r.Plates, pl)
		slot[n] = len(r.Plates)
	}

	s := vals[colPrincipale]
	if s == "" {
		if r.Consent && len(r.Plates) > 0 {
			warn(colPrincipale, "consenso al circuito nazionale senza targa principale: la piattaforma nazionale ne richiede una (1-4)")
		}
		return
	}
	n := 0
	if len(s) == 1 && s[0] >= '1' && s[0] <= '0'+maxPlates {
		n = int(s[0] - '0')
	}
	switch {
	case n == 0:
		add(colPrincipale, fmt.Sprintf("targa_principale %q non valida: indicare 1, 2, 3 o 4 (il numero della colonna targa_N)", s))
	case vals[plateNumberCol(n)] == "":
		add(colPrincipale, fmt.Sprintf("targa_principale indica la targa %d, ma %s è vuota", n, columnDocs[plateNumberCol(n)].Name))
	case slot[n] > 0:
		r.Plates[slot[n]-1].Role = domain.RolePrincipale
	}
}

func plateNumberCol(n int) col {
	c, _, _ := plateCols(n)
	return c
}

func (v *validator) plateDate(s string, c col, add func(col, string)) (domain.Date, bool) {
	if s == "" {
		return domain.Date{}, true
	}
	d, err := parseDate(s)
	if err != nil {
		add(c, err.Error())
		return domain.Date{}, false
	}
	return d, true
}

func (v *validator) lookupResidence(s string) (domain.Place, error) {
	if r, ok := v.residence[s]; ok {
		return r.place, r.err
	}
	pl, err := domain.LookupPlace(s, v.today)
	// A copy of the name: a view would hold the text, and a lookup would read again the
	// page of a mapped file it is on (issue 14.3).
	v.residence[strings.Clone(s)] = placeResult{pl, err}
	return pl, err
}

// lookupBirthplace resolves luogo_nascita at the birth date. When the name is the very
// name the codice fiscale's place had at that date, that place is the answer (this also
// settles homonymous comuni, which the code tells apart); otherwise domain.LookupPlace.
func (v *validator) lookupBirthplace(s string, at domain.Date, cf string) (domain.Place, error) {
	if code := cfPlace(cf); code != "" && !at.IsZero() {
		if code[0] == 'Z' {
			if pl, ok := domain.StateAt(code, domain.Date{}); ok && strings.EqualFold(s, pl.Name) {
				return pl, nil
			}
		} else if pl, ok := domain.ComuneAt(code, at); ok &&
			(strings.EqualFold(s, pl.Name) || (pl.AltName != "" && strings.EqualFold(s, pl.AltName))) {
			return pl, nil
		}
	}
	return domain.LookupPlace(s, at)
}

// plateSlice gives a row the room for its plates out of a block shared by many rows:
// one allocation per few thousand plates instead of a few per row.
func (v *validator) plateSlice(vals *[numCols]string) []domain.Plate {
	n := 0
	for i := 1; i <= maxPlates; i++ {
		if vals[plateNumberCol(i)] != "" {
			n++
		}
	}
	if cap(v.plateBlock)-len(v.plateBlock) < n {
		v.plateBlock = make([]domain.Plate, 0, 2048)
	}
	k := len(v.plateBlock)
	v.plateBlock = v.plateBlock[:k+n]
	return v.plateBlock[k : k : k+n]
}

// parseState reads stato; empty is ATTIVO. "In scadenza" is an active pass near expiry.
func parseState(s string) (domain.State, bool) {
	switch s { // the common spellings, without allocating
	case "", "ATTIVO":
		return domain.Attivo, true
	case "SCADUTO":
		return domain.Scaduto, true
	}
	switch strings.ToUpper(strings.Join(strings.Fields(s), " ")) {
	case "", "ATTIVO", "ATTIVA", "IN SCADENZA", "IN_SCADENZA":
		return domain.Attivo, true
	case "SOSPESO", "SOSPESA":
		return domain.Sospeso, true
	case "REVOCATO", "REVOCATA":
		return domain.Revocato, true
	case "SCADUTO", "SCADUTA":
		return domain.Scaduto, true
	}
	return "", false
}

// parseConsent reads consenso_circuito_nazionale: S/N, SI/NO, 1/0, TRUE/FALSE, and the
// VERO/FALSO an Italian spreadsheet writes for booleans; empty is N.
func parseConsent(s string) (bool, bool) {
	switch strings.ToUpper(s) {
	case "", "N", "NO", "0", "FALSE", "FALSO":
		return false, true
	case "S", "SI", "SÌ", "SÍ", "1", "TRUE", "VERO":
		return true, true
	}
	return false, false
}
