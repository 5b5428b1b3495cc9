package printing

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strings"

	"vivipass/domain"
)

// Side of the card.
type Side string

const (
	Fronte Side = "fronte" // displayed behind the windscreen: expiry, number, comune
	Retro  Side = "retro"  // facing inside the car: cognome, nome, photo, signature
)

// Align of a text field inside its width.
type Align string

const (
	Left   Align = "left"
	Center Align = "center"
	Right  Align = "right"
)

// The fields a layout may place. Text fields carry a font size; foto and firma are
// boxes (width and height); qr is a square (width), quiet zone included.
const (
	FieldScadenza  = "data_scadenza" // expiry date, dd/mm/yyyy
	FieldNumero    = "numero"        // pass number
	FieldComune    = "comune"        // issuing comune: "COMUNE DI VENEZIA"
	FieldDuplicato = "duplicato"     // the word DUPLICATO, on duplicates only (S5)
	FieldQR        = "qr"            // signed payload (S9)
	FieldCognome   = "cognome"
	FieldNome      = "nome"
	FieldFoto      = "foto"  // the holder's photo, scaled into the box keeping its proportions (S4)
	FieldFirma     = "firma" // the signature space: never printed, kept free (preview only)
)

// FieldKind says how a field is drawn.
type FieldKind int

const (
	KindText FieldKind = iota
	KindBox
	KindQR
)

// FieldInfo describes a field name a layout may use.
type FieldInfo struct {
	Name, Label string
	Kind        FieldKind
}

// FieldNames lists the fields of a card layout, in the order the docs and the TUI show
// them.
func FieldNames() []FieldInfo {
	return []FieldInfo{
		{FieldScadenza, "data di scadenza", KindText},
		{FieldNumero, "numero del contrassegno", KindText},
		{FieldComune, "comune che rilascia", KindText},
		{FieldDuplicato, "scritta DUPLICATO", KindText},
		{FieldQR, "codice QR firmato", KindQR},
		{FieldCognome, "cognome", KindText},
		{FieldNome, "nome", KindText},
		{FieldFoto, "foto del titolare", KindBox},
		{FieldFirma, "spazio per la firma (lasciato libero)", KindBox},
	}
}

func fieldInfo(name string) (FieldInfo, bool) {
	for _, f := range FieldNames() {
		if f.Name == name {
			return f, true
		}
	}
	return FieldInfo{}, false
}

// Field is one place on the card, in millimetres from the top-left corner of the side.
type Field struct {
	Name   string  `json:"name"`
	Side   Side    `json:"side"`
	X      float64 `json:"x"`
	Y      float64 `json:"y"`
	Width  float64 `json:"width"`
	Height float64 `json:"height,omitempty"` // boxes (foto, firma)
	Size   float64 `json:"size,omitempty"`   // font size in points (text fields)
	Align  Align   `json:"align,omitempty"`  // text fields; default left
	Bold   bool    `json:"bold,omitempty"`
}

// Kind of the field (by its name).
func (f Field) Kind() FieldKind {
	i, _ := fieldInfo(f.Name)
	return i.Kind
}

// Box is the rectangle the field occupies (for text: its width and one line).
func (f Field) Box() (x, y, w, h float64) {
	switch f.Kind() {
	case KindText:
		return f.X, f.Y, f.Width, (goAscent + goDescent) * f.Size / ptPerMM
	case KindQR:
		return f.X, f.Y, f.Width, f.Width
	}
	return f.X, f.Y, f.Width, f.Height
}

// Layout is the geometry of a card: page size and fields. It is data (JSON), so a comune
// whose cardstock differs, or the new European card of directive 2024/2841, needs no code.
type Layout struct {
	Name   string  `json:"name"`
	Width  float64 `json:"width"`  // mm
	Height float64 `json:"height"` // mm
	Fields []Field `json:"fields"`
}

//go:embed defaults/layout-148x106.json
var defaultLayoutJSON []byte

// DefaultLayout is the embedded layout for 148×106 mm stock (a fresh copy).
func DefaultLayout() Layout {
	l, err := ParseLayout(defaultLayoutJSON)
	if err != nil {
		panic("printing: embedded default layout: " + err.Error()) // a test pins it
	}
	return l
}

// DefaultLayoutJSON is the embedded default, as a starting point for a comune's own.
func DefaultLayoutJSON() []byte { return append([]byte(nil), defaultLayoutJSON...) }

// ParseLayout reads and checks a layout file.
func ParseLayout(data []byte) (Layout, error) {
	var l Layout
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&l); err != nil {
		return l, errorf("tracciato della carta non leggibile: %s", layoutJSONProblem(err))
	}
	return l, l.Validate()
}

// layoutJSONProblem says in Italian what is wrong with a layout file that is not the JSON
// expected (the decoder's messages are in English), quoting at most a few characters
// of it (issue 12.13).
func layoutJSONProblem(err error) string {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		return fmt.Sprintf("JSON non valido al byte %d", se.Offset)
	case errors.As(err, &te):
		return fmt.Sprintf("il valore di %s non è del tipo atteso (al byte %d)", quoteCut(te.Field, 40), te.Offset)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		name := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		return fmt.Sprintf("proprietà %s sconosciuta", quoteCut(name, 40))
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "file vuoto o troncato"
	}
	return "non è il JSON di un tracciato"
}

// quoteCut is s quoted for a message, cut to n characters.
func quoteCut(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return fmt.Sprintf("%q…", string(r[:n]))
	}
	return fmt.Sprintf("%q", s)
}

// JSON is the layout as a file, indented.
func (l Layout) JSON() []byte {
	b, _ := json.MarshalIndent(l, "", "  ")
	return append(b, '\n')
}

// Validate checks what an administrator may have typed: known fields, sides, sizes,
// everything inside the card.
func (l Layout) Validate() error {
	var errs []string
	bad := func(format string, a ...any) { errs = append(errs, fmt.Sprintf(format, a...)) }
	if !(l.Width >= 20 && l.Width <= 420 && l.Height >= 20 && l.Height <= 420) {
		bad("formato %s × %s mm non valido (da 20 a 420 mm per lato)", num(l.Width), num(l.Height))
	}
	if err := domain.CheckText("il nome del tracciato", l.Name, false); err != nil { // issue 12.13
		bad("%s", err.Error())
	}
	seen := map[string]bool{}
	for i, f := range l.Fields {
		where := fmt.Sprintf("campo %d (%s)", i+1, f.Name)
		info, ok := fieldInfo(f.Name)
		if !ok { // the name as typed, escaped and cut
			bad("campo %d (%s): nome sconosciuto; i campi sono: %s", i+1, quoteCut(f.Name, 40), strings.Join(fieldNameList(), ", "))
			continue
		}
		if f.Side != Fronte && f.Side != Retro {
			bad("%s: lato %q non valido (fronte o retro)", where, f.Side)
		}
		key := string(f.Side) + "/" + f.Name
		if seen[key] {
			bad("%s: presente due volte sul %s", where, f.Side)
		}
		seen[key] = true
		for _, v := range []float64{f.X, f.Y, f.Width, f.Height, f.Size} {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				bad("%s: valore non numerico", where)
			}
		}
		if f.Width <= 0 {
			bad("%s: larghezza mancante", where)
		}
		switch info.Kind {
		case KindText:
			if f.Size < 4 || f.Size > 72 {
				bad("%s: dimensione del carattere %s pt fuori intervallo (4–72)", where, num(f.Size))
			}
			switch f.Align {
			case "", Left, Center, Right:
			default:
				bad("%s: allineamento %q non valido (left, center, right)", where, f.Align)
			}
		case KindBox:
			if f.Height <= 0 {
				bad("%s: altezza mancante", where)
			}
		}
		x, y, w, h := f.Box()
		if x < 0 || y < 0 || x+w > l.Width+1e-9 || y+h > l.Height+1e-9 {
			bad("%s: esce dalla carta (%s,%s → %s,%s mm su %s × %s)", where, num(x), num(y), num(x+w), num(y+h), num(l.Width), num(l.Height))
		}
	}
	if len(errs) > 0 {
		return &Error{"tracciato della carta non valido: " + strings.Join(errs, "; ")}
	}
	return nil
}

func fieldNameList() []string {
	var out []string
	for _, f := range FieldNames() {
		out = append(out, f.Name)
	}
	return out
}

// Side returns the fields of one side.
func (l Layout) Side(s Side) []Field {
	var out []Field
	for _, f := range l.Fields {
		if f.Side == s {
			out = append(out, f)
		}
	}
	return out
}

// Field finds a field on a side.
func (l Layout) Field(s Side, name string) (Field, bool) {
	for _, f := range l.Fields {
		if f.Side == s && f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// num formats a number of millimetres or points the Italian way, without useless zeros.
func num(v float64) string {
	s := fmt.Sprintf("%.2f", v)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	return strings.Replace(s, ".", ",", 1)
}
