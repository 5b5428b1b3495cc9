package domain

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The comuni and foreign states tables are generated from the ANPR data in ../shared/data
// by internal/genplaces (`go generate ./domain`, directive in doc.go) into places/*.tsv and,
// from the same rows, places_table.go: arrays of integers and one string constant that the
// linker lays out, so nothing is parsed or built when a process starts (issue 14.4). See
// NOTICE for the licence (CC BY 4.0, "ANPR – Ministero dell'Interno").

// ForeignProvince is the "provincia" of a place abroad, as Italian forms write it (EE).
const ForeignProvince = "EE"

// Place is an Italian comune in one period of its history (one row of the ANPR register)
// or a foreign state.
type Place struct {
	Code     string // codice catastale (L736) or, abroad, the Z code (Z110)
	Name     string // official Italian name, upper case with accents: "FORLÌ"
	AltName  string // name in the second official language, if any: "BOZEN"
	Province string // sigla of the provincia in that period; ForeignProvince abroad
	Istat    string // ISTAT code of the comune in that period; empty abroad
	Region   string // ISTAT region id ("05" Veneto; "EX" for territories no longer Italian); empty abroad
	ISO3     string // ISO 3166-1 alpha-3 of a foreign state; empty for comuni
	From, To Date   // validity of this row; a zero To is open ended
	Foreign  bool   // a foreign state (Z code)
	Active   bool   // the comune exists today (ANPR state A) / the state is current
}

// ValidAt reports whether the row covers day.
func (p Place) ValidAt(day Date) bool { return day.InRange(p.From, p.To) }

// Label is "VENEZIA (VE)", or the bare name of a foreign state.
func (p Place) Label() string {
	if p.Foreign || p.Province == "" {
		return p.Name
	}
	return p.Name + " (" + p.Province + ")"
}

// A textRef is a string of placeText: offset<<8 | length (0 is the empty string).
type textRef uint32

func (r textRef) String() string { return placeText[r>>8 : r>>8+r&0xff] }

// comuneRow is one row of the comuni table (places_table.go); dates are Date values.
type comuneRow struct {
	code, name, alt, prov, istat, region textRef
	from, to                             int32
	active                               bool
}

func (r *comuneRow) place() Place {
	return Place{Code: r.code.String(), Name: r.name.String(), AltName: r.alt.String(),
		Province: r.prov.String(), Istat: r.istat.String(), Region: r.region.String(),
		From: Date{r.from}, To: Date{r.to}, Active: r.active}
}

func (r *comuneRow) validAt(day Date) bool { return day.InRange(Date{r.from}, Date{r.to}) }

// stateRow is one foreign state (places_table.go); alt is the first of its other names.
type stateRow struct {
	code, name, alt, iso3 textRef
	from, to              int32
}

func (r *stateRow) place() Place {
	return Place{Code: r.code.String(), Name: r.name.String(), AltName: r.alt.String(),
		Province: ForeignProvince, ISO3: r.iso3.String(), From: Date{r.from}, To: Date{r.to},
		Foreign: true, Active: r.to == 0}
}

// nameIndex is one name of a row: placeKey(name) and the row's index.
type nameIndex struct {
	key textRef
	row uint16
}

// comuneSpan is the rows [lo, hi) of comuneRows with codice catastale code (by From).
func comuneSpan(code string) (lo, hi int) {
	lo = sort.Search(len(comuneRows), func(i int) bool { return comuneRows[i].code.String() >= code })
	hi = lo
	for hi < len(comuneRows) && comuneRows[hi].code.String() == code {
		hi++
	}
	return lo, hi
}

// comuneRowsOf is the rows of a codice catastale as Places, oldest first (a new slice).
func comuneRowsOf(code string) []Place {
	lo, hi := comuneSpan(code)
	if lo == hi {
		return nil
	}
	out := make([]Place, hi-lo)
	for i := range out {
		out[i] = comuneRows[lo+i].place()
	}
	return out
}

// namesOf is the entries of index with key, in row order.
func namesOf(index []nameIndex, key string) []nameIndex {
	lo := sort.Search(len(index), func(i int) bool { return index[i].key.String() >= key })
	hi := lo
	for hi < len(index) && index[hi].key.String() == key {
		hi++
	}
	return index[lo:hi]
}

// stateIndex is the index in stateRows of a Z code, or -1.
func stateIndex(code string) int {
	i := sort.Search(len(stateRows), func(i int) bool { return stateRows[i].code.String() >= code })
	if i < len(stateRows) && stateRows[i].code.String() == code {
		return i
	}
	return -1
}

// ComuneAt is the comune with codice catastale code as it was on day at (a code has one
// row per period: A001 is ABANO until 13/11/1924, then ABANO TERME). A zero at means
// "no date" and gives the most recent row, as ComuneByCode. It reports false when no row
// covers at.
func ComuneAt(code string, at Date) (Place, bool) {
	lo, hi := comuneSpan(normCode(code))
	if lo == hi {
		return Place{}, false
	}
	if at.IsZero() {
		return comuneRows[hi-1].place(), true
	}
	for i := lo; i < hi; i++ {
		if comuneRows[i].validAt(at) {
			return comuneRows[i].place(), true
		}
	}
	return Place{}, false
}

// ComuneByCode is the current (or, for a ceased comune, the last) row of a codice
// catastale.
func ComuneByCode(code string) (Place, bool) {
	lo, hi := comuneSpan(normCode(code))
	if lo == hi {
		return Place{}, false
	}
	return comuneRows[hi-1].place(), true
}

// ComuneHistory is every row of a codice catastale, oldest first (a copy).
func ComuneHistory(code string) []Place {
	return comuneRowsOf(normCode(code))
}

// StateAt is the foreign state with that Z code, if it existed on day at (a zero at
// skips the date check). The table holds the states ANPR lists today and the ceased
// ones of Istat's list (Z118 Jugoslavia, Z135 Unione Sovietica…, Active false); other
// old codes are not in it (see PlaceName).
func StateAt(zcode string, at Date) (Place, bool) {
	i := stateIndex(normCode(zcode))
	if i < 0 {
		return Place{}, false
	}
	p := stateRows[i].place()
	if !at.IsZero() && !p.ValidAt(at) {
		return Place{}, false
	}
	return p, true
}

// unlistedState stands for a Z code of no table: a state that no longer exists and
// that no source we embed names. It is shown, never a blank.
func unlistedState(code string) Place {
	return Place{Code: code, Name: "STATO ESTERO CESSATO (" + code + ")", Province: ForeignProvince, Foreign: true}
}

// PlaceName names a birthplace or residence code for a screen or a document: the
// comune as it was on day at ("VENEZIA (VE)"), the foreign state, a ceased state by its
// historical name, "stato estero cessato (Z118)" when no table names it; an unknown
// comune code is returned as it is.
func PlaceName(code string, at Date) string {
	code = normCode(code)
	if code == "" {
		return ""
	}
	if pl, err := LookupPlace(code, at); err == nil {
		return pl.Label()
	}
	return code
}

// ComuniOfRegion is the active comuni of a region by ISTAT id ("05" = Veneto; "5" is
// accepted too), sorted by codice catastale. The slice is the caller's.
func ComuniOfRegion(regionID string) []Place {
	id := strings.TrimSpace(regionID)
	if len(id) == 1 {
		id = "0" + id
	}
	var out []Place
	for i := range comuneRows {
		if r := &comuneRows[i]; r.active && r.region.String() == id {
			out = append(out, r.place())
		}
	}
	return out
}

// AllActiveComuni is every comune that exists today, sorted by codice catastale. The
// slice is the caller's.
func AllActiveComuni() []Place {
	var out []Place
	for i := range comuneRows {
		if comuneRows[i].active {
			out = append(out, comuneRows[i].place())
		}
	}
	return out
}

// AllForeignStates is every foreign state of the table, sorted by Z code. The slice is the
// caller's.
func AllForeignStates() []Place {
	out := make([]Place, len(stateRows))
	for i := range stateRows {
		out[i] = stateRows[i].place()
	}
	return out
}

// LookupPlace finds a comune or a foreign state from what an operator or a spreadsheet
// wrote:
//
//   - a codice catastale ("L736", any case): the row valid at at, else the nearest one
//     (the last row begun before at, or the first row when at precedes them all);
//   - a Z code ("Z110"): the foreign state;
//   - a comune name, ignoring case, accents, apostrophes, spaces and hyphens ("Forlì",
//     "FORLI'", "forli"), optionally with the provincia: "Abano Terme (PD)". Among
//     comuni with that name it prefers the one so named at at, then the one so named
//     today; if several remain it answers with an error listing them;
//   - a foreign state name ("Germania", or "Palau (EE)" when a comune has that name too:
//     comuni come first).
//
// Errors are in Italian, for the operator.
func LookupPlace(nameOrCode string, at Date) (Place, error) {
	s := strings.TrimSpace(nameOrCode)
	if s == "" {
		return Place{}, errorf("luogo mancante")
	}
	if code := normCode(s); isPlaceCode(code) {
		if code[0] == 'Z' {
			if p, ok := StateAt(code, Date{}); ok {
				return p, nil
			}
			return unlistedState(code), nil
		}
		rows := comuneRowsOf(code)
		if len(rows) == 0 {
			return Place{}, errorf("codice catastale %q sconosciuto", code)
		}
		return nearestRow(rows, at), nil
	}

	name, prov := splitProvince(s)
	key := placeKey(name)
	if key == "" {
		return Place{}, errorf("luogo %q sconosciuto", s)
	}
	var others []string // provinces the name exists in, when prov filtered them all out
	if prov != ForeignProvince {
		// Group the rows bearing that name by codice catastale.
		type cand struct {
			rows          []Place // rows of this code bearing the name, by From
			validAt, live bool
		}
		var codes []string
		byCode := map[string]*cand{}
		for _, n := range namesOf(comuneNames[:], key) {
			p := comuneRows[n.row].place()
			if prov != "" && p.Province != prov {
				others = appendUnique(others, p.Province)
				continue
			}
			c := byCode[p.Code]
			if c == nil {
				c = &cand{}
				byCode[p.Code] = c
				codes = append(codes, p.Code)
			}
			c.rows = append(c.rows, p)
			c.validAt = c.validAt || (!at.IsZero() && p.ValidAt(at))
			c.live = c.live || p.Active
		}
		if len(codes) > 0 {
			pick := func(keep func(*cand) bool) []string {
				var out []string
				for _, code := range codes {
					if keep(byCode[code]) {
						out = append(out, code)
					}
				}
				return out
			}
			for _, tier := range [][]string{
				pick(func(c *cand) bool { return c.validAt }),
				pick(func(c *cand) bool { return c.live }),
				codes,
			} {
				switch {
				case len(tier) == 1:
					return nearestRow(byCode[tier[0]].rows, at), nil
				case len(tier) > 1:
					list := make([]Place, len(tier))
					for i, code := range tier {
						list[i] = nearestRow(byCode[code].rows, at)
					}
					return Place{}, ambiguousPlace(s, name, list)
				}
			}
		}
	}
	if prov == "" || prov == ForeignProvince {
		if idx := namesOf(stateNames[:], key); len(idx) > 0 {
			return stateRows[idx[0].row].place(), nil
		}
	}
	if len(others) > 0 {
		sort.Strings(others)
		return Place{}, errorf("luogo %q sconosciuto: un comune con quel nome c'è in provincia di %s",
			s, strings.Join(others, ", "))
	}
	return Place{}, errorf("luogo %q sconosciuto", s)
}

// nearestRow is the row valid at at, else the last row begun before at, else the first
// (rows are sorted by From). A zero at gives the last row.
func nearestRow(rows []Place, at Date) Place {
	if at.IsZero() {
		return rows[len(rows)-1]
	}
	best := rows[0]
	for _, p := range rows {
		if p.ValidAt(at) {
			return p
		}
		if !p.From.After(at) {
			best = p
		}
	}
	return best
}

func ambiguousPlace(input, name string, list []Place) error {
	sort.Slice(list, func(i, j int) bool {
		if list[i].Province != list[j].Province {
			return list[i].Province < list[j].Province
		}
		return list[i].Code < list[j].Code
	})
	parts := make([]string, len(list))
	sameProvince := false
	for i, p := range list {
		parts[i] = fmt.Sprintf("%s (%s) codice %s", p.Name, p.Province, p.Code)
		sameProvince = sameProvince || (i > 0 && list[i-1].Province == p.Province)
	}
	if sameProvince { // the provincia would not tell them apart
		return errorf("il nome %q indica più comuni: %s; usare il codice catastale", input, strings.Join(parts, ", "))
	}
	return errorf("il nome %q indica più comuni: %s; aggiungere la provincia, ad esempio %q, o usare il codice catastale",
		input, strings.Join(parts, ", "), strings.TrimSpace(name)+" ("+list[0].Province+")")
}

// splitProvince splits "Abano Terme (PD)" into "Abano Terme" and "PD".
func splitProvince(s string) (name, prov string) {
	if strings.HasSuffix(s, ")") {
		if open := strings.LastIndexByte(s, '('); open > 0 {
			inner := strings.ToUpper(strings.TrimSpace(s[open+1 : len(s)-1]))
			if len(inner) == 2 && isUpperASCII(inner[0]) && isUpperASCII(inner[1]) {
				return strings.TrimSpace(s[:open]), inner
			}
		}
	}
	return s, ""
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

func isUpperASCII(c byte) bool { return c >= 'A' && c <= 'Z' }
func isDigitASCII(c byte) bool { return c >= '0' && c <= '9' }

// normCode upper-cases and trims a place code.
func normCode(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// isPlaceCode reports whether s has the shape of a codice catastale (A-M + 3 digits) or
// of a foreign state code (Z + 3 digits).
func isPlaceCode(s string) bool {
	return len(s) == 4 && ((s[0] >= 'A' && s[0] <= 'M') || s[0] == 'Z') &&
		isDigitASCII(s[1]) && isDigitASCII(s[2]) && isDigitASCII(s[3])
}

// placeKey is the form names are compared in: letters and digits only, upper case,
// accents dropped. "Forlì", "FORLI'" and "forli" all give "FORLI".
func placeKey(s string) string {
	f := foldUpper(s)
	var b strings.Builder
	b.Grow(len(f))
	for i := 0; i < len(f); i++ {
		if c := f[i]; isUpperASCII(c) || isDigitASCII(c) {
			b.WriteByte(c)
		}
	}
	return b.String()
}

// foldUpper upper-cases s and drops diacritics: "Nicolò" → "NICOLO", "Müller" →
// "MULLER"; ligatures and letters with a stroke become plain Latin ("ß" → "SS",
// "Ø" → "O"). Characters with no Latin form (Cyrillic, Greek…) are kept, upper-cased.
func foldUpper(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToUpper(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		switch r {
		case 'ß', 'ẞ':
			b.WriteString("SS")
		case 'Æ', 'æ':
			b.WriteString("AE")
		case 'Œ', 'œ':
			b.WriteString("OE")
		case 'Ø', 'ø':
			b.WriteByte('O')
		case 'Ł', 'ł':
			b.WriteByte('L')
		case 'Đ', 'đ', 'Ð', 'ð':
			b.WriteByte('D')
		case 'Þ', 'þ':
			b.WriteString("TH")
		case 'ı':
			b.WriteByte('I')
		case '’', '‘', 'ʼ', '´', '`':
			b.WriteByte('\'')
		default:
			b.WriteRune(unicode.ToUpper(r))
		}
	}
	return b.String()
}
