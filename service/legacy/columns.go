package legacy

import (
	"bytes"
	"strings"
)

// col identifies a column of the template. The order of the constants is the documented
// order (legacy-csv.md), which is also the order of Template and Columns.
type col int

const (
	colCF col = iota
	colCognome
	colNome
	colSesso
	colDataNascita
	colLuogoNascita
	colComuneResidenza
	colIndirizzo
	colEmail
	colTelefono
	colNumero
	colTipo
	colRilascio
	colDecorrenza
	colScadenza
	colStato
	colNumeroPrecedente
	colTarga1
	colTarga1Dal
	colTarga1Al
	colTarga2
	colTarga2Dal
	colTarga2Al
	colTarga3
	colTarga3Dal
	colTarga3Al
	colTarga4
	colTarga4Dal
	colTarga4Al
	colPrincipale
	colConsenso
	colCudeID
	colCodiceUnivoco
	colDeceduto
	colNote
	numCols
)

// maxPlates is how many targa_N columns the template has.
const maxPlates = 4

// plateCols are the number, dal and al columns of targa_1 … targa_4.
func plateCols(n int) (number, from, to col) {
	base := colTarga1 + col(3*(n-1))
	return base, base + 1, base + 2
}

// ColumnDoc documents one column of the import template: for the README table, for
// `vivipass template-csv --help` and for the example row of Template.
type ColumnDoc struct {
	Name        string `json:"name"`
	Required    bool   `json:"required"`
	Description string `json:"description"` // Italian, for the operator
	Example     string `json:"example"`     // the value in the template's example row
}

// columnDocs is indexed by col.
var columnDocs = [numCols]ColumnDoc{
	colCF:               {"codice_fiscale", true, "codice fiscale del titolare (16 caratteri); controllato: sintassi, carattere di controllo, omocodia, corrispondenza con i dati anagrafici (una discordanza è solo un avviso)", "RSSMRA80A01L736U"},
	colCognome:          {"cognome", true, "cognome del titolare", "ROSSI"},
	colNome:             {"nome", true, "nome del titolare", "MARIO"},
	colSesso:            {"sesso", false, "M o F; se vuoto si ricava dal codice fiscale", "M"},
	colDataNascita:      {"data_nascita", false, "data di nascita; se vuota si ricava dal codice fiscale", "01/01/1980"},
	colLuogoNascita:     {"luogo_nascita", false, "comune di nascita (nome o codice catastale, valido alla data di nascita) o stato estero (nome o codice Z); se vuoto si ricava dal codice fiscale", "VENEZIA"},
	colComuneResidenza:  {"comune_residenza", true, "comune di residenza: nome (eventualmente con la provincia, es. «SAN MARTINO (VR)») o codice catastale", "VENEZIA"},
	colIndirizzo:        {"indirizzo_residenza", false, "indirizzo di residenza", "VIA GARIBALDI 1"},
	colEmail:            {"email", false, "indirizzo e-mail del titolare", "mario.rossi@example.it"},
	colTelefono:         {"telefono", false, "telefono (cellulare) del titolare", "3331234567"},
	colNumero:           {"numero_pass", true, "numero del contrassegno come stampato; si conserva il formato usato dal comune (lettere, cifre e _ . / -, al più 40 caratteri)", "L736_2025_00042"},
	colTipo:             {"tipo_pass", true, "P (permanente) o T (temporaneo)", "P"},
	colRilascio:         {"data_rilascio", true, "data di rilascio", "15/03/2025"},
	colDecorrenza:       {"data_decorrenza", false, "inizio di validità; se vuota coincide con la data di rilascio", "15/03/2025"},
	colScadenza:         {"data_scadenza", true, "data di scadenza; successiva alla decorrenza", "15/03/2030"},
	colStato:            {"stato", false, "ATTIVO (predefinito), SOSPESO, REVOCATO o SCADUTO", "ATTIVO"},
	colNumeroPrecedente: {"numero_pass_precedente", false, "numero del contrassegno precedente (rinnovo o duplicato)", ""},
	colTarga1:           {"targa_1", false, "prima targa (maiuscole o minuscole, spazi e trattini ignorati)", "AB123CD"},
	colTarga1Dal:        {"targa_1_dal", false, "inizio di validità della targa_1; se vuoto, la decorrenza del contrassegno", ""},
	colTarga1Al:         {"targa_1_al", false, "fine di validità della targa_1; se vuoto, la scadenza del contrassegno", ""},
	colTarga2:           {"targa_2", false, "seconda targa", ""},
	colTarga2Dal:        {"targa_2_dal", false, "inizio di validità della targa_2", ""},
	colTarga2Al:         {"targa_2_al", false, "fine di validità della targa_2", ""},
	colTarga3:           {"targa_3", false, "terza targa", ""},
	colTarga3Dal:        {"targa_3_dal", false, "inizio di validità della targa_3", ""},
	colTarga3Al:         {"targa_3_al", false, "fine di validità della targa_3", ""},
	colTarga4:           {"targa_4", false, "quarta targa", ""},
	colTarga4Dal:        {"targa_4_dal", false, "inizio di validità della targa_4", ""},
	colTarga4Al:         {"targa_4_al", false, "fine di validità della targa_4", ""},
	colPrincipale:       {"targa_principale", false, "quale tra targa_1 … targa_4 è la principale per il circuito nazionale: 1, 2, 3 o 4 (la targa indicata non può essere vuota)", "1"},
	colConsenso:         {"consenso_circuito_nazionale", false, "consenso all'invio al circuito nazionale: S o N (anche SI/NO, 1/0, TRUE/FALSE); vuoto = N", "S"},
	colCudeID:           {"cude_id", false, "CUDE ID, se il contrassegno è già sulla piattaforma nazionale", ""},
	colCodiceUnivoco:    {"codice_univoco", false, "codice univoco della piattaforma nazionale, se già assegnato", ""},
	colDeceduto:         {"deceduto_il", false, "data di decesso del titolare, se nota", ""},
	colNote:             {"note", false, "note libere (possono contenere a capo e ; se racchiuse tra virgolette)", ""},
}

// Columns documents every column of the template, in the documented order.
func Columns() []ColumnDoc {
	return append([]ColumnDoc(nil), columnDocs[:]...)
}

// colByName maps a normalised header name to its column.
var colByName = func() map[string]col {
	m := make(map[string]col, numCols)
	for c, d := range columnDocs {
		m[d.Name] = col(c)
	}
	return m
}()

// headerKey normalises a header cell: trimmed, lower case, inner blanks and hyphens as
// underscores ("Codice Fiscale" → "codice_fiscale"), so that a header retyped by hand
// still matches.
func headerKey(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.ContainsAny(s, " -\t") {
		s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == '-' || r == '\t' }), "_")
	}
	return s
}

// Template is the import template: the header row with every column in the documented
// order and one valid example row (ROSSI MARIO, RSSMRA80A01L736U, Venezia), separated by
// ";" with CRLF line ends (what spreadsheet programs write), in UTF-8 without BOM. It
// parses with no errors (see the tests).
func Template() []byte {
	var b bytes.Buffer
	for i, d := range columnDocs {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(d.Name)
	}
	b.WriteString("\r\n")
	for i, d := range columnDocs {
		if i > 0 {
			b.WriteByte(';')
		}
		b.WriteString(SafeCell(d.Example))
	}
	b.WriteString("\r\n")
	return b.Bytes()
}
