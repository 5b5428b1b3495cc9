// Package region generates a region-sized legacy register in the import template's
// format (service/legacy), deterministically from a seed: the input of the import
// benchmarks and of `go run ./bench/genregion`.
//
// The shape follows the Veneto figures of ../shared/spec/domain-facts.md (~115,000 pass
// holders, ~200,000 plates): one row per codice fiscale (valid codes from
// domain.ComputeCF), residence spread over the active comuni of Veneto weighted roughly
// by size, numbers <catastale>_<year>_<5 digits> unique per comune and year, coherent
// dates and states, 0–4 plates per pass (~1.7 on average, some shared between passes),
// and the variety real files have (names or codes for places, several date forms,
// fields left to their defaults, notes with separators and line breaks in quotes).
// The same seed gives the same bytes.
package region

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"vivipass/domain"
	"vivipass/service/legacy"
)

// Options of a generation.
type Options struct {
	Passes int         // rows to write (one pass each)
	Seed   uint64      // same seed, same file
	AsOf   domain.Date // the day the register is exported: no date after it; zero = DefaultAsOf
}

// DefaultAsOf is the export day of the generated register when none is given.
var DefaultAsOf = domain.MustDate(2026, time.October, 31)

// Stats describes what was written.
type Stats struct {
	Passes       int   `json:"passes"`
	Plates       int   `json:"plates"`
	SharedPlates int   `json:"shared_plates"` // plates also on another pass
	NoPlates     int   `json:"no_plates"`     // passes without plates
	Consent      int   `json:"consent"`
	Active       int   `json:"active"` // stato ATTIVO or SOSPESO, not expired at AsOf
	Bytes        int64 `json:"bytes"`
}

// weighted is a comune with its cumulative weight.
type weighted struct {
	place domain.Place
	cum   int
}

type gen struct {
	rng       *rand.Rand
	asOf      domain.Date
	comuni    []weighted
	total     int
	resName   map[string]string // code → what to write for it as residence
	cfs       map[string]bool
	numbers   map[string]int // comune_year → last progressive
	platePool []string
	plateSeen map[string]bool
	idx       map[string]int
	rec       []string
}

// foreign states some holders were born in (Z codes).
var foreignBirth = []string{"Z129", "Z330", "Z100", "Z112", "Z133", "Z600", "Z602", "Z210", "Z138", "Z140", "Z110", "Z216"}

// bigger comuni of Veneto and their weight; the others weigh 1–5.
var bigComuni = map[string]int{
	"L736": 100, // Venezia
	"L781": 100, // Verona
	"G224": 85,  // Padova
	"L840": 45,  // Vicenza
	"L407": 35,  // Treviso
	"H620": 20,  // Rovigo
	"A757": 15,  // Belluno
}

// Generate writes the register to w.
func Generate(w io.Writer, o Options) (Stats, error) {
	if o.AsOf.IsZero() {
		o.AsOf = DefaultAsOf
	}
	g := &gen{
		rng:       rand.New(rand.NewPCG(o.Seed, 0x7e9e_5eed_cafe_0001)),
		asOf:      o.AsOf,
		resName:   map[string]string{},
		cfs:       make(map[string]bool, o.Passes),
		numbers:   map[string]int{},
		plateSeen: make(map[string]bool, 2*o.Passes),
		idx:       map[string]int{},
	}
	cols := legacy.Columns()
	header := make([]string, len(cols))
	for i, c := range cols {
		header[i] = c.Name
		g.idx[c.Name] = i
	}
	g.rec = make([]string, len(cols))
	comuni := domain.ComuniOfRegion("05")
	if len(comuni) == 0 {
		return Stats{}, fmt.Errorf("nessun comune del Veneto nella tabella dei comuni")
	}
	sort.Slice(comuni, func(i, j int) bool { return comuni[i].Code < comuni[j].Code })
	for _, c := range comuni {
		wt, ok := bigComuni[c.Code]
		if !ok {
			wt = 1 + g.rng.IntN(5)
		}
		g.total += wt
		g.comuni = append(g.comuni, weighted{c, g.total})
		// Write the name when it names this comune unambiguously, else the code.
		name := c.Code
		if p, err := domain.LookupPlace(c.Name, o.AsOf); err == nil && p.Code == c.Code {
			name = c.Name
		}
		g.resName[c.Code] = name
	}

	cw := &countingWriter{w: w}
	bw := bufio.NewWriterSize(cw, 1<<16)
	out := csv.NewWriter(bw)
	out.Comma = ';'
	out.UseCRLF = true
	if err := out.Write(header); err != nil {
		return Stats{}, err
	}
	var st Stats
	for range o.Passes {
		if err := g.row(&st); err != nil {
			return st, err
		}
		if err := out.Write(g.rec); err != nil {
			return st, err
		}
	}
	out.Flush()
	if err := out.Error(); err != nil {
		return st, err
	}
	if err := bw.Flush(); err != nil {
		return st, err
	}
	st.Passes = o.Passes
	st.Bytes = cw.n
	return st, nil
}

type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

func (g *gen) set(col, val string) {
	i, ok := g.idx[col]
	if !ok {
		panic("region: no column " + col) // the template changed: fix the generator
	}
	g.rec[i] = val
}

func (g *gen) pct(p int) bool { return g.rng.IntN(100) < p }

func (g *gen) pickComune() domain.Place {
	n := g.rng.IntN(g.total)
	i := sort.Search(len(g.comuni), func(i int) bool { return g.comuni[i].cum > n })
	return g.comuni[i].place
}

func (g *gen) dateBetween(from, to domain.Date) domain.Date {
	return from.AddDays(g.rng.IntN(from.DaysUntil(to) + 1))
}

// date writes a date in one of the forms spreadsheets and people use.
func (g *gen) date(d domain.Date) string {
	switch n := g.rng.IntN(100); {
	case n < 85:
		return d.String()
	case n < 95:
		return d.ISO()
	default:
		return fmt.Sprintf("%d/%d/%d", d.Day(), int(d.Month()), d.Year())
	}
}

func (g *gen) row(st *Stats) error {
	clear(g.rec)
	res := g.pickComune()

	// The holder: a codice fiscale no other row has.
	var surname, name, cf, placeCode string
	var sex byte
	var birth domain.Date
	for tries := 0; ; tries++ {
		if tries > 100 {
			return fmt.Errorf("region: cannot find a new codice fiscale")
		}
		surname = surnames[g.rng.IntN(len(surnames))]
		sex = 'M'
		name = maleNames[g.rng.IntN(len(maleNames))]
		if g.pct(52) {
			sex, name = 'F', femaleNames[g.rng.IntN(len(femaleNames))]
		}
		birth = g.dateBetween(domain.MustDate(1925, 1, 1), domain.MustDate(2010, 12, 31))
		placeCode = g.birthplace(res, birth)
		var err error
		if cf, err = domain.ComputeCF(surname, name, sex, birth, placeCode); err != nil {
			return fmt.Errorf("region: %s %s: %w", surname, name, err)
		}
		if !g.cfs[cf] {
			g.cfs[cf] = true
			break
		}
	}
	g.set("codice_fiscale", cf)
	g.set("cognome", surname)
	g.set("nome", name)
	// Sex, birth date and birthplace are left to the codice fiscale now and then (only
	// for those born after 1930: a code says "25", not "1925").
	derive := birth.Year() > 1930 && g.pct(15)
	if !derive {
		g.set("sesso", string(sex))
		g.set("data_nascita", g.date(birth))
		g.set("luogo_nascita", g.placeText(placeCode, birth))
	}
	g.set("comune_residenza", g.resName[res.Code])
	if g.pct(10) {
		g.set("comune_residenza", res.Code)
	}
	g.set("indirizzo_residenza", fmt.Sprintf("%s %d", streets[g.rng.IntN(len(streets))], 1+g.rng.IntN(180)))
	if g.pct(40) {
		g.set("email", email(name, surname, g.rng.IntN(100)))
	}
	if g.pct(55) {
		g.set("telefono", fmt.Sprintf("3%02d%07d", 20+g.rng.IntN(80), g.rng.IntN(10_000_000)))
	}

	// The pass.
	kind := domain.Permanente
	if g.pct(10) {
		kind = domain.Temporaneo
	}
	ril := g.dateBetween(domain.MustDate(2020, 1, 1), g.asOf.AddDays(-30))
	dec := ril
	if g.pct(5) {
		dec = ril.AddDays(1 + g.rng.IntN(20))
	}
	var sca domain.Date
	if kind == domain.Permanente {
		sca = dec.AddYears(5)
	} else {
		sca = domain.DateOf(dec.Time().AddDate(0, 3+g.rng.IntN(10), 0))
	}
	key := res.Code + "_" + strconv.Itoa(ril.Year())
	g.numbers[key]++
	g.set("numero_pass", domain.FormatNumber(res.Code, ril.Year(), g.numbers[key]))
	g.set("tipo_pass", string(kind))
	g.set("data_rilascio", g.date(ril))
	if dec != ril || g.pct(70) {
		g.set("data_decorrenza", g.date(dec))
	}
	g.set("data_scadenza", g.date(sca))
	state := "ATTIVO"
	expired := sca.Before(g.asOf)
	switch n := g.rng.IntN(100); {
	case expired && n < 85:
		state = "SCADUTO"
	case expired && n < 95:
		// an old register that never marked it: stays ATTIVO
	case n >= 95:
		state = "REVOCATO"
	case !expired && n >= 92:
		state = "SOSPESO"
	}
	if state == "REVOCATO" && g.pct(50) {
		died := g.dateBetween(dec, minDate(sca, g.asOf))
		g.set("deceduto_il", g.date(died))
	}
	if state == "ATTIVO" && g.pct(15) {
		g.set("stato", "")
	} else {
		g.set("stato", state)
	}
	if !expired && (state == "ATTIVO" || state == "SOSPESO") {
		st.Active++
	}
	if kind == domain.Permanente && g.pct(15) {
		g.set("numero_pass_precedente", domain.FormatNumber(res.Code, ril.Year()-5, 1+g.rng.IntN(900)))
	}

	// Plates: 0 3%, 1 48%, 2 34%, 3 10%, 4 5%.
	var n int
	switch r := g.rng.IntN(100); {
	case r < 3:
		n = 0
	case r < 51:
		n = 1
	case r < 85:
		n = 2
	case r < 95:
		n = 3
	default:
		n = 4
	}
	if n == 0 {
		st.NoPlates++
	}
	windows := n >= 2 && g.pct(25) // finestra temporale: consecutive windows
	days := dec.DaysUntil(sca)
	var plates []string
	for i := 1; i <= n; i++ {
		pl := g.plate(plates, st)
		plates = append(plates, pl)
		col := "targa_" + strconv.Itoa(i)
		g.set(col, pl)
		switch {
		case windows:
			from := dec.AddDays(days * (i - 1) / n)
			to := dec.AddDays(days*i/n - 1)
			if i > 1 {
				g.set(col+"_dal", g.date(from))
			}
			if i < n {
				g.set(col+"_al", g.date(to))
			}
		case n == 1 && g.pct(5):
			g.set(col+"_dal", g.date(dec))
		}
	}
	st.Plates += n

	// National circuit: ~30% consent, with a principale plate.
	if n > 0 && g.pct(31) {
		st.Consent++
		g.set("consenso_circuito_nazionale", []string{"S", "SI", "S", "1"}[g.rng.IntN(4)])
		p := 1
		if n > 1 && g.pct(20) {
			p = 1 + g.rng.IntN(n)
		}
		g.set("targa_principale", strconv.Itoa(p))
		if g.pct(20) {
			g.set("cude_id", fmt.Sprintf("%09d", g.rng.IntN(1_000_000_000)))
			g.set("codice_univoco", g.code(12))
		}
	} else if g.pct(50) {
		g.set("consenso_circuito_nazionale", "N")
	}

	switch r := g.rng.IntN(1000); {
	case r < 2:
		g.set("note", "rinnovato allo sportello\nin attesa del certificato ASL")
	case r < 12:
		g.set("note", "duplicato per smarrimento; denuncia presentata")
	case r < 60:
		g.set("note", []string{"certificato INPS", "delega al figlio", "ritiro a domicilio concordato", "ex numerazione cartacea"}[g.rng.IntN(4)])
	}
	return nil
}

func minDate(a, b domain.Date) domain.Date {
	if a.Before(b) {
		return a
	}
	return b
}

// birthplace: mostly the comune of residence or another of Veneto, valid at the birth
// date; some foreign states.
func (g *gen) birthplace(res domain.Place, birth domain.Date) string {
	if g.pct(5) {
		z := foreignBirth[g.rng.IntN(len(foreignBirth))]
		if _, ok := domain.StateAt(z, birth); ok {
			return z
		}
	}
	c := res
	if !g.pct(55) {
		c = g.pickComune()
	}
	for range 20 {
		if _, ok := domain.ComuneAt(c.Code, birth); ok {
			return c.Code
		}
		c = g.pickComune() // a comune born of a later merger: pick another
	}
	return "L736"
}

// placeText is what the file says for a birthplace: the name valid at the birth date
// when it leads back to the code, else the code.
func (g *gen) placeText(code string, birth domain.Date) string {
	if g.pct(20) {
		return code
	}
	var name string
	if code[0] == 'Z' {
		p, _ := domain.StateAt(code, domain.Date{})
		name = p.Name
	} else {
		p, _ := domain.ComuneAt(code, birth)
		name = p.Name
	}
	if p, err := domain.LookupPlace(name, birth); err == nil && p.Code == code {
		return name
	}
	return code
}

const plateLetters = "ABCDEFGHJKLMNPRSTVWYZ" // no I, O, Q, U; no X (rimorchi, ciclomotori)

// plate is a new car plate (AA000AA; 8% motorcycles AA00000), or now and then one
// already on another pass (a family car, a carer's car).
func (g *gen) plate(taken []string, st *Stats) string {
	if len(g.platePool) > 1000 && g.pct(3) {
		pl := g.platePool[g.rng.IntN(len(g.platePool))]
		if !contains(taken, pl) {
			st.SharedPlates++
			return pl
		}
	}
	for {
		l := func() byte { return plateLetters[g.rng.IntN(len(plateLetters))] }
		var pl string
		if g.pct(8) {
			pl = fmt.Sprintf("%c%c%05d", l(), l(), g.rng.IntN(100000))
		} else {
			pl = fmt.Sprintf("%c%c%03d%c%c", l(), l(), g.rng.IntN(1000), l(), l())
		}
		if !g.plateSeen[pl] {
			g.plateSeen[pl] = true
			g.platePool = append(g.platePool, pl)
			if g.pct(3) {
				pl = pl[:2] + " " + pl[2:5] + " " + pl[5:] // typed with spaces
			}
			return pl
		}
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.ReplaceAll(x, " ", "") == s {
			return true
		}
	}
	return false
}

func (g *gen) code(n int) string {
	const alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[g.rng.IntN(len(alphabet))]
	}
	return string(b)
}

// email is nome.cognome@…, letters only.
func email(name, surname string, n int) string {
	clean := func(s string) string {
		var b strings.Builder
		for _, r := range strings.ToLower(s) {
			switch {
			case r >= 'a' && r <= 'z':
				b.WriteRune(r)
			case r == 'à' || r == 'è' || r == 'é' || r == 'ì' || r == 'ò' || r == 'ù':
				b.WriteString(map[rune]string{'à': "a", 'è': "e", 'é': "e", 'ì': "i", 'ò': "o", 'ù': "u"}[r])
			}
		}
		return b.String()
	}
	domains := []string{"example.it", "posta.example.it", "example.com", "mail.example.net"}
	return fmt.Sprintf("%s.%s%d@%s", clean(name), clean(surname), n, domains[n%len(domains)])
}
