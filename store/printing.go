package store

import (
	"bytes"
	"encoding/json"
	"time"
)

// ---- templates (S6) ----

// Template is a document template a comune saved (Gestione moduli). The shipped
// defaults are not stored: a comune's template of the same name replaces one.
type Template struct {
	Comune    string    `json:"comune"`
	Name      string    `json:"name"`
	Title     string    `json:"title"`
	Body      string    `json:"body"`
	Version   uint64    `json:"version"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

func templateKey(comune, name string) []byte { return append(prefixKey(comune), name...) }

// Template reads a comune's template.
func (t *Tx) Template(comune, name string) (Template, error) {
	return get[Template](t, "templates", templateKey(comune, name))
}

// Templates lists a comune's templates by name.
func (t *Tx) Templates(comune string) ([]Template, error) {
	var out []Template
	prefix := prefixKey(comune)
	c := t.bucket("templates").Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var tpl Template
		if err := json.Unmarshal(v, &tpl); err != nil {
			return nil, err
		}
		out = append(out, tpl)
	}
	return out, nil
}

// PutTemplate saves a template.
func (t *Tx) PutTemplate(tpl Template) error {
	return put(t, "templates", templateKey(tpl.Comune, tpl.Name), tpl)
}

// DeleteTemplate removes a comune's template.
func (t *Tx) DeleteTemplate(comune, name string) error {
	return t.bucket("templates").Delete(templateKey(comune, name))
}

// ---- printing settings (S1, S2) ----
//
// Keys of the printing bucket: "comune" 0 code → PrintSettings; "printer" 0 queue →
// Printer.

// PrintSettings are a comune's printing settings.
type PrintSettings struct {
	Comune string `json:"comune"`
	// Layout is the comune's card layout (printing.Layout as JSON); empty = the default.
	Layout json.RawMessage `json:"layout,omitempty"`
	// Heading are the lines at the top of the comune's documents; empty = "Comune di …"
	// and the default office line.
	Heading []string `json:"heading,omitempty"`
	// Printer is the queue the comune's desks print on when the operator has none.
	Printer   string    `json:"printer,omitempty"`
	Version   uint64    `json:"version"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

// PrintSettings reads a comune's printing settings (zero value, Comune set, when none).
func (t *Tx) PrintSettings(comune string) (PrintSettings, error) {
	s, err := get[PrintSettings](t, "printing", append(prefixKey("comune"), comune...))
	if err == ErrNotFound {
		return PrintSettings{Comune: comune}, nil
	}
	return s, err
}

// PutPrintSettings saves a comune's printing settings.
func (t *Tx) PutPrintSettings(s PrintSettings) error {
	return put(t, "printing", append(prefixKey("comune"), s.Comune...), s)
}

// Printer is one CUPS queue as the counter uses it: its calibration and how it prints
// both sides.
type Printer struct {
	Queue   string  `json:"queue"`
	Comune  string  `json:"comune"` // the comune that set it up (scope)
	Label   string  `json:"label,omitempty"`
	OffsetX float64 `json:"offset_x"` // mm, added to every field of the card
	OffsetY float64 `json:"offset_y"`
	// Duplex is the CUPS sides option for fronte-retro jobs ("" = one side at a time:
	// the operator turns the card).
	Duplex    string    `json:"duplex,omitempty"`
	Version   uint64    `json:"version"`
	UpdatedAt time.Time `json:"updated_at,omitzero"`
	UpdatedBy string    `json:"updated_by,omitempty"`
}

func printerKey(queue string) []byte { return append(prefixKey("printer"), queue...) }

// Printer reads a queue's settings.
func (t *Tx) Printer(queue string) (Printer, error) {
	return get[Printer](t, "printing", printerKey(queue))
}

// Printers lists every configured queue by name.
func (t *Tx) Printers() ([]Printer, error) {
	var out []Printer
	prefix := prefixKey("printer")
	c := t.bucket("printing").Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var p Printer
		if err := json.Unmarshal(v, &p); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, nil
}

// PutPrinter saves a queue's settings.
func (t *Tx) PutPrinter(p Printer) error { return put(t, "printing", printerKey(p.Queue), p) }

// DeletePrinter forgets a queue's settings.
func (t *Tx) DeletePrinter(queue string) error {
	return t.bucket("printing").Delete(printerKey(queue))
}
