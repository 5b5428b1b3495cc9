package printing

import (
	"strconv"
	"strings"
	"unicode"

	"vivipass/domain"
)

// ModuleData is what a template is filled with: one pass, its holder, and the context of
// the document (the day, who prints, the comune whose heading it carries).
type ModuleData struct {
	Pass     domain.Pass
	Person   domain.Person
	Today    domain.Date
	Operator string // who prints, as on paper: the full name, else the login (#11.14)
	Comune   string // codice catastale of the comune issuing the document
}

// Tag is one #tag# of the templates (S6). Field names the Go field(s) of domain.Pass or
// domain.Person it prints (a test checks every field has a tag or is listed as internal).
type Tag struct {
	Name        string
	Group       string // "richiesti" (the ten of S6), "titolare", "contrassegno", "documento"
	Description string
	Fields      []string // "Pass.Number", "Person.Nome"…
	Value       func(ModuleData) string
}

// Tag groups, in the order of the documentation.
const (
	GroupS6       = "S6"
	GroupPerson   = "titolare"
	GroupPass     = "contrassegno"
	GroupDocument = "documento"
)

// OldDecorrenza is the old spelling of #data_decorrenza# (no closing #), still accepted.
const OldDecorrenza = "#data_decorrenza"

// PageBreakTag alone on a line starts a new page.
const PageBreakTag = "nuova_pagina"

// Tags is the table of every tag, in documentation order: the code fills templates from
// it and docs/TEMPLATES.md is generated from it.
func Tags() []Tag {
	pass := func(f func(domain.Pass) string) func(ModuleData) string {
		return func(d ModuleData) string { return f(d.Pass) }
	}
	person := func(f func(domain.Person) string) func(ModuleData) string {
		return func(d ModuleData) string { return f(d.Person) }
	}
	return []Tag{
		// The ten of the requirement (S6), with ViviPass's names.
		{"nome", GroupS6, "nome del titolare", []string{"Person.Nome"}, person(func(p domain.Person) string { return p.Nome })},
		{"cognome", GroupS6, "cognome del titolare", []string{"Person.Cognome"}, person(func(p domain.Person) string { return p.Cognome })},
		{"data_nascita", GroupS6, "data di nascita (gg/mm/aaaa)", []string{"Person.DataNascita"}, person(func(p domain.Person) string { return p.DataNascita.String() })},
		{"luogo_nascita", GroupS6, "comune (con provincia) o stato estero di nascita, come si chiamava alla data di nascita", []string{"Person.LuogoNascita"}, person(birthPlace)},
		{"luogo_residenza", GroupS6, "comune di residenza (con provincia)", []string{"Person.ComuneResidenza"}, person(func(p domain.Person) string { return placeLabel(p.ComuneResidenza) })},
		{"num_pass", GroupS6, "numero del contrassegno", []string{"Pass.Number"}, pass(func(p domain.Pass) string { return p.Number })},
		{"data_scadenza", GroupS6, "data di scadenza", []string{"Pass.DataScadenza"}, pass(func(p domain.Pass) string { return p.DataScadenza.String() })},
		{"codice_fiscale", GroupS6, "codice fiscale del titolare", []string{"Person.CodiceFiscale", "Pass.HolderCF"}, person(func(p domain.Person) string { return p.CodiceFiscale })},
		{"data_decorrenza", GroupS6, "data di decorrenza (accettato anche nella vecchia forma #data_decorrenza, senza # finale)", []string{"Pass.DataDecorrenza"}, pass(func(p domain.Pass) string { return p.DataDecorrenza.String() })},
		{"data_rilascio", GroupS6, "data di rilascio", []string{"Pass.DataRilascio"}, pass(func(p domain.Pass) string { return p.DataRilascio.String() })},

		// The holder.
		{"titolare", GroupPerson, "cognome e nome", []string{"Pass.HolderName"}, person(func(p domain.Person) string { return p.FullName() })},
		{"sesso", GroupPerson, "M o F", []string{"Person.Sesso"}, person(func(p domain.Person) string { return p.Sesso })},
		{"nato", GroupPerson, "«nato» o «nata» secondo il sesso", nil, person(func(p domain.Person) string { return bySex(p.Sesso, "nato", "nata", "nato/a") })},
		{"signor", GroupPerson, "«Sig.» o «Sig.ra» secondo il sesso", nil, person(func(p domain.Person) string { return bySex(p.Sesso, "Sig.", "Sig.ra", "Sig./Sig.ra") })},
		{"codice_luogo_nascita", GroupPerson, "codice catastale del comune di nascita, o codice Z dello stato estero", nil, person(func(p domain.Person) string { return p.LuogoNascita })},
		{"codice_comune_residenza", GroupPerson, "codice catastale del comune di residenza", nil, person(func(p domain.Person) string { return p.ComuneResidenza })},
		{"indirizzo", GroupPerson, "indirizzo di residenza", []string{"Person.Indirizzo"}, person(func(p domain.Person) string { return p.Indirizzo })},
		{"cap", GroupPerson, "CAP di residenza (per l'indirizzo delle lettere: #cap# #luogo_residenza#)", []string{"Person.CAP"}, person(func(p domain.Person) string { return p.CAP })},
		{"email", GroupPerson, "indirizzo e-mail", []string{"Person.Email"}, person(func(p domain.Person) string { return p.Email })},
		{"telefono", GroupPerson, "telefono cellulare", []string{"Person.Telefono"}, person(func(p domain.Person) string { return p.Telefono })},
		{"note_titolare", GroupPerson, "note sull'anagrafica", []string{"Person.Note"}, person(func(p domain.Person) string { return p.Note })},
		{"foto", GroupPerson, "«sì» se la foto è allegata, altrimenti «no»", []string{"Person.HasPhoto"}, person(func(p domain.Person) string { return siNo(p.HasPhoto) })},
		{"data_decesso", GroupPerson, "data di decesso (vuota se in vita)", []string{"Person.DataDecesso"}, person(func(p domain.Person) string { return p.DataDecesso.String() })},
		{"motivo_codice_fiscale", GroupPerson, "motivo per cui il codice fiscale è stato accettato benché non corrisponda ai dati", []string{"Person.CFOverride"}, person(func(p domain.Person) string { return p.CFOverride })},
		{"comune_anagrafica", GroupPerson, "comune che gestisce l'anagrafica (nome)", []string{"Person.Comune"}, person(func(p domain.Person) string { return placeName(p.Comune) })},
		{"anagrafica_modificata_il", GroupPerson, "data dell'ultima modifica dell'anagrafica", []string{"Person.UpdatedAt"}, person(func(p domain.Person) string { return dateOf(p.UpdatedAt.IsZero(), domain.DateOf(p.UpdatedAt)) })},
		{"anagrafica_modificata_da", GroupPerson, "operatore dell'ultima modifica dell'anagrafica", []string{"Person.UpdatedBy"}, person(func(p domain.Person) string { return p.UpdatedBy })},

		// The pass.
		{"tipo", GroupPass, "permanente o temporaneo", []string{"Pass.Kind"}, pass(func(p domain.Pass) string { return p.Kind.Label() })},
		{"stato", GroupPass, "stato registrato (attivo, sospeso, revocato…)", []string{"Pass.State"}, pass(func(p domain.Pass) string { return p.State.Label() })},
		{"data_stato", GroupPass, "data di sospensione, revoca o chiusura", []string{"Pass.StateFrom"}, pass(func(p domain.Pass) string { return p.StateFrom.String() })},
		{"motivo_stato", GroupPass, "motivo di sospensione o revoca", []string{"Pass.StateReason"}, pass(func(p domain.Pass) string { return p.StateReason })},
		{"comune_trasferimento", GroupPass, "comune in cui il contrassegno è stato trasferito", []string{"Pass.TransferredTo"}, pass(func(p domain.Pass) string { return domain.PlaceName(p.TransferredTo, domain.Date{}) })},
		{"numero_precedente", GroupPass, "numero del contrassegno precedente (rinnovo, duplicato)", []string{"Pass.PreviousNumber"}, pass(func(p domain.Pass) string { return p.PreviousNumber })},
		{"duplicato", GroupPass, "«sì» se è un duplicato, altrimenti «no»", []string{"Pass.Duplicate"}, pass(func(p domain.Pass) string { return siNo(p.Duplicate) })},
		{"motivo_duplicato", GroupPass, "furto, smarrimento o deterioramento", []string{"Pass.DuplicateReason"}, pass(func(p domain.Pass) string { return string(p.DuplicateReason) })},
		{"canale", GroupPass, "Sportello, App o Import", []string{"Pass.Channel"}, pass(func(p domain.Pass) string { return p.Channel.Label() })},
		{"denuncia", GroupPass, "denuncia del furto o dello smarrimento di un duplicato: numero, data e autorità («non registrata» su un duplicato precedente alla richiesta; vuoto se non serve)", []string{"Pass.Denuncia"}, pass(func(p domain.Pass) string { return p.ReportLabel() })},
		{"edizione", GroupPass, "edizione della carta: 1 la prima, poi +1 a ogni duplicato o rinnovo (è nel codice QR: le carte delle edizioni precedenti non sono più valide)", []string{"Pass.Edition"}, pass(func(p domain.Pass) string { return strconv.Itoa(p.CardEdition()) })},
		{"comune", GroupPass, "comune che gestisce il contrassegno (nome)", []string{"Pass.Comune"}, pass(func(p domain.Pass) string { return placeName(p.Comune) })},
		{"codice_comune", GroupPass, "codice catastale del comune che gestisce il contrassegno", nil, pass(func(p domain.Pass) string { return p.Comune })},
		{"comune_rilascio", GroupPass, "comune che ha rilasciato il contrassegno (nome)", []string{"Pass.IssuingComune"}, pass(func(p domain.Pass) string { return placeName(p.IssuingComune) })},
		{"targhe", GroupPass, "targhe del contrassegno, separate da virgole («nessuna» se non ce ne sono)", []string{"Pass.Plates"}, pass(plates)},
		{"targa_principale", GroupPass, "targa principale del circuito nazionale", nil, pass(func(p domain.Pass) string { return plateWithRole(p, domain.RolePrincipale) })},
		{"targa_secondaria", GroupPass, "targa secondaria del circuito nazionale", nil, pass(func(p domain.Pass) string { return plateWithRole(p, domain.RoleSecondaria) })},
		{"consenso_nazionale", GroupPass, "«sì» se il titolare ha dato il consenso all'invio al Circuito Nazionale", []string{"Pass.National"}, pass(func(p domain.Pass) string { return siNo(p.National.Consent) })},
		{"cude_id", GroupPass, "CUDE ID assegnato dalla piattaforma nazionale («non ancora assegnato» finché non arriva, «—» senza consenso)", nil, pass(func(p domain.Pass) string { return national(p, p.National.CudeID) })},
		{"codice_univoco", GroupPass, "CODICE UNIVOCO della piattaforma nazionale, da consegnare al titolare (N1; «non ancora assegnato» finché non arriva, «—» senza consenso)", nil, pass(func(p domain.Pass) string { return national(p, p.National.CodiceUnivoco) })},
		{"stato_invio_nazionale", GroupPass, "non inviato, in coda, inviato, errore", nil, pass(func(p domain.Pass) string { return p.National.Status.Label() })},
		{"note", GroupPass, "note sul contrassegno", []string{"Pass.Note"}, pass(func(p domain.Pass) string { return p.Note })},
		{"file_import", GroupPass, "file da cui il contrassegno è stato importato", []string{"Pass.ImportFile"}, pass(func(p domain.Pass) string { return p.ImportFile })},
		{"registrato_il", GroupPass, "data di registrazione", []string{"Pass.CreatedAt"}, pass(func(p domain.Pass) string { return dateOf(p.CreatedAt.IsZero(), domain.DateOf(p.CreatedAt)) })},
		{"registrato_da", GroupPass, "operatore che l'ha registrato", []string{"Pass.CreatedBy"}, pass(func(p domain.Pass) string { return p.CreatedBy })},
		{"modificato_il", GroupPass, "data dell'ultima modifica", []string{"Pass.UpdatedAt"}, pass(func(p domain.Pass) string { return dateOf(p.UpdatedAt.IsZero(), domain.DateOf(p.UpdatedAt)) })},
		{"modificato_da", GroupPass, "operatore dell'ultima modifica", []string{"Pass.UpdatedBy"}, pass(func(p domain.Pass) string { return p.UpdatedBy })},

		// The document.
		{"data_oggi", GroupDocument, "data di stampa", nil, func(d ModuleData) string { return d.Today.String() }},
		{"giorni_alla_scadenza", GroupDocument, "giorni dalla data di stampa alla scadenza", nil, func(d ModuleData) string {
			return strconv.Itoa(d.Today.DaysUntil(d.Pass.DataScadenza))
		}},
		{"operatore", GroupDocument, "nome e cognome dell'operatore che stampa (il nome utente se non è registrato)", nil, func(d ModuleData) string { return d.Operator }},
		{"sede", GroupDocument, "nome del comune che emette il documento, per luogo e data: «Venezia, 10/06/2025»", nil, func(d ModuleData) string { return TitleName(placeName(d.Comune)) }},
		{"comune_ente", GroupDocument, "«Comune di …» del comune che emette il documento", nil, func(d ModuleData) string { return ComuneHeading(d.Comune) }},
		{PageBreakTag, GroupDocument, "da solo su una riga: il testo seguente comincia su una nuova pagina", nil, func(ModuleData) string { return "" }},
	}
}

// InternalFields are the fields of domain.Pass and domain.Person no tag prints: ids,
// links between versions, versions for concurrency, and what other tags already show.
func InternalFields() []string {
	return []string{
		"Pass.ID", "Pass.Lineage", "Pass.PrevID", "Pass.NextID", "Pass.PersonID", "Pass.NextPlateID", "Pass.Version",
		"Person.ID", "Person.Version",
	}
}

func tagMap() map[string]Tag {
	tags := Tags()
	m := make(map[string]Tag, len(tags))
	for _, t := range tags {
		m[t.Name] = t
	}
	return m
}

func siNo(b bool) string {
	if b {
		return "sì"
	}
	return "no"
}

func bySex(sex, m, f, unknown string) string {
	switch sex {
	case "M":
		return m
	case "F":
		return f
	}
	return unknown
}

func dateOf(zero bool, d domain.Date) string {
	if zero {
		return ""
	}
	return d.String()
}

func birthPlace(p domain.Person) string {
	if p.LuogoNascita == "" {
		return ""
	}
	if strings.HasPrefix(p.LuogoNascita, "Z") {
		return domain.PlaceName(p.LuogoNascita, p.DataNascita)
	}
	if c, ok := domain.ComuneAt(p.LuogoNascita, p.DataNascita); ok {
		return c.Label()
	}
	return placeLabel(p.LuogoNascita)
}

func placeLabel(code string) string {
	if code == "" {
		return ""
	}
	if c, ok := domain.ComuneByCode(code); ok {
		return c.Label()
	}
	return code
}

func placeName(code string) string {
	if code == "" {
		return ""
	}
	if c, ok := domain.ComuneByCode(code); ok {
		return c.Name
	}
	return code
}

func plates(p domain.Pass) string {
	var out []string
	for _, pl := range p.Plates {
		out = append(out, pl.Number)
	}
	if len(out) == 0 {
		return "nessuna"
	}
	return strings.Join(out, ", ")
}

// national is a value the national platform hands back: a receipt must not leave an
// empty space where the holder expects the codice univoco.
func national(p domain.Pass, v string) string {
	switch {
	case v != "":
		return v
	case !p.National.Consent:
		return "—"
	}
	return "non ancora assegnato"
}

func plateWithRole(p domain.Pass, r domain.PlateRole) string {
	for _, pl := range p.Plates {
		if pl.Role == r {
			return pl.Number
		}
	}
	return ""
}

// ComuneHeading is "Comune di Venezia" for a codice catastale (the name in title case,
// Italian particles lower case: "Comune di San Donà di Piave").
func ComuneHeading(code string) string {
	c, ok := domain.ComuneByCode(code)
	if !ok {
		return "Comune " + code
	}
	return "Comune di " + TitleName(c.Name)
}

// CardComune is what the card prints as the issuing comune: "COMUNE DI FORLÌ".
func CardComune(code string) string {
	c, ok := domain.ComuneByCode(code)
	if !ok {
		return code
	}
	return "COMUNE DI " + c.Name
}

// particles stay lower case inside a place name.
var particles = map[string]bool{
	"di": true, "del": true, "della": true, "dello": true, "dei": true, "degli": true, "delle": true,
	"da": true, "dal": true, "dalla": true, "in": true, "nel": true, "nella": true, "e": true, "ed": true,
	"sul": true, "sulla": true, "sullo": true, "al": true, "alla": true, "allo": true, "ai": true, "agli": true,
	"alle": true, "con": true, "sopra": true, "sotto": true, "d": true, "dell": true, "nell": true, "sull": true, "all": true,
}

// TitleName turns an upper-case place name into title case: "SAN DONÀ DI PIAVE" →
// "San Donà di Piave", "REGGIO NELL'EMILIA" → "Reggio nell'Emilia", "FORLÌ" → "Forlì".
func TitleName(s string) string {
	var b strings.Builder
	word := []rune{}
	first := true
	flush := func() {
		if len(word) == 0 {
			return
		}
		w := strings.ToLower(string(word))
		if first || !particles[w] {
			r := []rune(w)
			r[0] = unicode.ToUpper(r[0])
			w = string(r)
		}
		b.WriteString(w)
		word = word[:0]
		first = false
	}
	for _, r := range s {
		if unicode.IsLetter(r) {
			word = append(word, r)
			continue
		}
		flush()
		b.WriteRune(r)
	}
	flush()
	return b.String()
}
