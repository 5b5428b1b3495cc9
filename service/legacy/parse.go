package legacy

import (
	"fmt"
	"hash/maphash"
	"strings"

	"vivipass/domain"
)

// Row is one valid data row of the file, ready for the importer.
type Row struct {
	// Line is the row number the operator sees when the CSV is opened in a spreadsheet:
	// the first line of the file is row 1 (normally the header, so the first data row
	// is 2). Records are counted, not text lines: a quoted field spanning several lines
	// is one row, and the row after it is numbered accordingly. Blank lines count,
	// because a spreadsheet shows them as empty rows.
	Line int `json:"row"`
	// Person is the holder, normalised with domain.NormalizePerson; LuogoNascita and
	// ComuneResidenza are codes (codice catastale or Z code) and sex, birth date and
	// birthplace come from the codice fiscale when the file leaves them empty.
	Person domain.Person `json:"person"`
	// CFWarning is set when the codice fiscale is valid but disagrees with name, sex,
	// birth date or birthplace: the row is imported anyway and the importer keeps this
	// text as Person.CFOverride (A2: never a silent pass).
	CFWarning      string       `json:"cf_warning,omitempty"`
	Number         string       `json:"numero_pass"`
	PreviousNumber string       `json:"numero_pass_precedente,omitempty"`
	Kind           domain.Kind  `json:"tipo_pass"`
	DataRilascio   domain.Date  `json:"data_rilascio"`
	DataDecorrenza domain.Date  `json:"data_decorrenza"` // data_rilascio when the file leaves it empty
	DataScadenza   domain.Date  `json:"data_scadenza"`
	State          domain.State `json:"stato"` // Attivo, Sospeso, Revocato or Scaduto
	Consent        bool         `json:"consenso"`
	CudeID         string       `json:"cude_id,omitempty"`
	CodiceUnivoco  string       `json:"codice_univoco,omitempty"`
	Note           string       `json:"note,omitempty"`
	// Plates in the order targa_1 … targa_4 (empty ones skipped): Number normalised,
	// Country IT, Class from domain.ClassifyPlate, From = targa_N_dal or the decorrenza,
	// To = targa_N_al, zero when it is the pass expiry (the plate follows the pass).
	// Only the plate named by targa_principale has a role (RolePrincipale).
	Plates []domain.Plate `json:"plates,omitempty"`
	// Warnings do not block the import: unknown Italian plate format, plate window outside
	// the pass validity, consent without a principale plate, ceased comune of residence…
	Warnings []domain.FieldError `json:"warnings,omitempty"`
}

// RowError is a problem that keeps a row out of the import.
type RowError struct {
	Row     int    `json:"row"`     // as Row.Line
	Column  string `json:"column"`  // the header name as in the template; "" for the whole row
	Message string `json:"message"` // Italian: what is wrong and what is expected
}

func (e RowError) Error() string {
	if e.Column == "" {
		return fmt.Sprintf("riga %d: %s", e.Row, e.Message)
	}
	return fmt.Sprintf("riga %d, colonna %s: %s", e.Row, e.Column, e.Message)
}

// File is the outcome of reading an import file.
type File struct {
	Rows      []Row      `json:"rows"`   // the valid rows, in file order
	Errors    []RowError `json:"errors"` // every problem of every row, by row
	Separator rune       `json:"separator"`
	Encoding  string     `json:"encoding"` // EncodingUTF8, EncodingUTF8BOM or Encoding1252
	Columns   []string   `json:"columns"`  // the header's columns in file order, normalised names
	Records   int        `json:"records"`  // data rows seen, blank rows excluded
}

// FileError is a problem with the whole file (empty, not a CSV, bad header): nothing in
// it can be imported. Message is in Italian.
type FileError struct{ Message string }

func (e *FileError) Error() string { return e.Message }

func fileErrorf(format string, a ...any) error {
	return &FileError{fmt.Sprintf(format, a...)}
}

// Parse reads an import file made from the template and checks every row on its own
// and against the other rows of the file (duplicate numbers, two active passes for one
// codice fiscale). The register is not consulted: the importer does that. today
// decides which passes are active and the century of codici fiscali. The error is
// non-nil (a *FileError) only when the file as a whole cannot be read: empty, not a
// CSV, no header, unknown, missing or duplicated columns.
func Parse(data []byte, today domain.Date) (*File, error) {
	s, err := NewStream(data, today)
	if err != nil {
		return nil, err
	}
	f := &File{Separator: s.Separator, Encoding: s.Encoding, Columns: s.Columns, Rows: []Row{}, Errors: []RowError{}}
	if c := s.Next(0); c != nil {
		f.Rows, f.Errors, f.Records = c.Rows, c.Errors, c.Records
	}
	return f, nil
}

// excelSepLine removes a first line "sep=X" and returns X (1 when X is neither ; nor ,).
func excelSepLine(text string) (byte, string) {
	end := strings.IndexByte(text, '\n')
	if end < 0 {
		return 0, text
	}
	line := strings.Trim(text[:end], " \r")
	if len(line) != 5 || !strings.EqualFold(line[:4], "sep=") {
		return 0, text
	}
	switch line[4] {
	case ';', ',':
		return line[4], text[end+1:]
	}
	return 1, text
}

// findHeaderLine is the first line with something besides blanks and separators.
func findHeaderLine(text string) (start int, line string, ok bool) {
	for pos := 0; pos < len(text); {
		end := strings.IndexByte(text[pos:], '\n')
		if end < 0 {
			end = len(text)
		} else {
			end += pos
		}
		l := strings.TrimSuffix(text[pos:end], "\r")
		if strings.Trim(l, " \t;,\"") != "" {
			return pos, l, true
		}
		pos = end + 1
	}
	return 0, "", false
}

// header is the column layout of the file.
type header struct {
	pos   []col    // file position → column; -1 for trailing empty names
	names []string // normalised names, in file order
	has   [numCols]bool
}

// readHeader maps the header cells to columns; every problem is named in one error.
func readHeader(cells []string, sep byte, line string) (*header, error) {
	n := len(cells)
	for n > 0 && strings.TrimSpace(cells[n-1]) == "" {
		n-- // trailing empty columns (";;;" left by a spreadsheet)
	}
	if n > MaxColumns {
		return nil, tooManyColumnsError(n)
	}
	h := &header{pos: make([]col, len(cells))}
	for i := range h.pos {
		h.pos[i] = -1
	}
	var problems, unknown []string
	seen := map[col]int{}
	known := 0
	for i := 0; i < n; i++ {
		key := headerKey(cells[i])
		h.names = append(h.names, key)
		if key == "" {
			problems = append(problems, fmt.Sprintf("la colonna %d dell'intestazione non ha nome", i+1))
			continue
		}
		c, ok := colByName[key]
		if !ok {
			u := quoteShort(strings.TrimSpace(cells[i]))
			if s := suggest(key); s != "" {
				u += fmt.Sprintf(" (forse %q?)", s)
			}
			unknown = append(unknown, u)
			continue
		}
		known++
		if j, dup := seen[c]; dup {
			problems = append(problems, fmt.Sprintf("la colonna %q compare due volte (colonne %d e %d)", key, j+1, i+1))
			continue
		}
		seen[c] = i
		h.pos[i] = c
		h.has[c] = true
	}
	if known == 0 {
		if sep == 0 && strings.IndexByte(line, '\t') >= 0 {
			return nil, fileErrorf("separatore non riconosciuto: le colonne vanno separate da ; (o da ,), non da tabulazioni; salvare il foglio come «CSV»")
		}
		return nil, fileErrorf("manca la riga di intestazione: la prima riga deve contenere i nomi delle colonne (codice_fiscale;cognome;nome;…), come nel modello (vivipass template-csv)")
	}
	if len(unknown) > 10 {
		unknown = append(unknown[:10], fmt.Sprintf("e altre %d", len(unknown)-10))
	}
	if len(unknown) == 1 {
		problems = append(problems, "colonna sconosciuta "+unknown[0])
	} else if len(unknown) > 1 {
		problems = append(problems, "colonne sconosciute "+strings.Join(unknown, ", "))
	}
	var missing []string
	for c, d := range columnDocs {
		if d.Required && !h.has[c] {
			missing = append(missing, d.Name)
		}
	}
	if len(missing) == 1 {
		problems = append(problems, "manca la colonna obbligatoria "+missing[0])
	} else if len(missing) > 1 {
		problems = append(problems, "mancano le colonne obbligatorie "+strings.Join(missing, ", "))
	}
	if len(problems) > 0 {
		msg := "intestazione non valida: " + strings.Join(problems, "; ")
		if len(unknown) > 0 {
			msg += " (le colonne ammesse sono quelle del modello: vivipass template-csv)"
		}
		return nil, &FileError{msg}
	}
	return h, nil
}

// suggest is the template column closest to an unknown name, if it is close.
func suggest(key string) string {
	if len(key) > 64 { // no column name is near it, and the distance costs len(key) × each name
		return ""
	}
	best, bestD := "", 3
	for _, d := range columnDocs {
		if dist := editDistance(key, d.Name); dist < bestD {
			best, bestD = d.Name, dist
		}
	}
	return best
}

func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}

// columnOrder is the template position of a column name; whole-row errors come first.
func columnOrder(name string) int {
	if c, ok := colByName[name]; ok {
		return int(c)
	}
	return -1
}

// keyHashes are the hashes of the cross-row keys of a row: comune + numero_pass, and
// the codice fiscale.
func keyHashes(seed maphash.Seed, r *Row) (number, cf uint64) {
	number = maphash.String(seed, r.Person.ComuneResidenza)*31 ^ maphash.String(seed, r.Number)
	return number, maphash.String(seed, r.Person.CodiceFiscale)
}
