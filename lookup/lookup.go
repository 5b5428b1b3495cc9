// Package lookup answers the register's questions that only read (a search, a
// whitelist check) from the store alone, so that the command line asking them starts
// without the rest of the service (issue 14.4).
package lookup

import (
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"vivipass/domain"
	"vivipass/store"
)

// Query is a search of the passes table (P10).
type Query struct {
	Text       string         // number, codice fiscale, surname/name or plate (prefixes); "AB123CD (FR)": that country's plate only
	States     []domain.State // as shown (attivo, in_scadenza, scaduto…); empty = all
	Channel    domain.Channel
	Kind       domain.Kind
	ExpiryFrom domain.Date
	ExpiryTo   domain.Date
	Sort       string // "nome" (default), "scadenza", "numero"
	Limit      int    // default 200
	Comune     string // restrict to this comune (when the scope is every comune)
}

// PlateLabel is a plate as operators read it: "AB123CD", or "AB123CD (FR)" abroad
// (the same number in two countries is two vehicles). Search takes it back.
func PlateLabel(pl domain.Plate) string {
	if c := domain.NormalizeCountry(pl.Country); c != domain.Italy {
		return pl.Number + " (" + c + ")"
	}
	return pl.Number
}

// splitPlateCountry reads "AB123CD (FR)" as the plate prefix and its country; any other
// text comes back whole, with no country.
func splitPlateCountry(text string) (string, string) {
	if strings.HasSuffix(text, ")") {
		if open := strings.LastIndexByte(text, '('); open > 0 {
			c := strings.TrimSpace(text[open+1 : len(text)-1])
			if n := len(c); n >= 1 && n <= 3 && strings.Trim(c, "ABCDEFGHIJKLMNOPQRSTUVWXYZ") == "" {
				return strings.TrimSpace(text[:open]), domain.NormalizeCountry(c)
			}
		}
	}
	return text, ""
}

// Row is one line of the passes table.
type Row struct {
	ID        uint64         `json:"id"`
	Version   uint64         `json:"version"`
	Number    string         `json:"numero"`
	Comune    string         `json:"comune"`
	Holder    string         `json:"titolare"`
	CF        string         `json:"codice_fiscale"`
	Kind      domain.Kind    `json:"tipo"`
	Status    domain.State   `json:"stato"`
	Channel   domain.Channel `json:"canale"`
	Scadenza  domain.Date    `json:"scadenza"`
	Plates    []string       `json:"targhe"`
	Duplicate bool           `json:"duplicato"`
	National  string         `json:"nazionale,omitempty"`
}

func rowOf(p domain.Pass, status domain.State) Row {
	r := Row{ID: p.ID, Version: p.Version, Number: p.Number, Comune: p.Comune, Holder: p.HolderName, CF: p.HolderCF,
		Kind: p.Kind, Status: status, Channel: p.Channel, Scadenza: p.DataScadenza, Duplicate: p.Duplicate,
		National: string(p.National.Status)}
	for _, pl := range p.Plates {
		r.Plates = append(r.Plates, PlateLabel(pl))
	}
	return r
}

// SearchResult is a page of rows; More says the limit cut it.
type SearchResult struct {
	Rows []Row `json:"rows"`
	More bool  `json:"more"`
}

// Search finds the passes of comune scope ("": every comune) (P10). The text is tried
// as a prefix of the number, the codice fiscale, "COGNOME NOME" and the plate at once,
// so results update while the operator types; filters then narrow.
func Search(tx *store.Tx, scope string, q Query, today domain.Date) (SearchResult, error) {
	if q.Limit <= 0 {
		q.Limit = 200
	}
	var res SearchResult
	err := collect(tx, scope, q, today, &res)
	sortRows(res.Rows, q.Sort)
	return res, err
}

// collect adds to res the passes the search finds, in the orders of the indexes.
func collect(tx *store.Tx, scope string, q Query, today domain.Date, res *SearchResult) error {
	// The comuni to scan by name, listed only when needed: for the system actor that
	// is one seek per comune of the region.
	var comuni []string
	listComuni := func() error {
		var err error
		if comuni == nil {
			comuni, err = ScopeComuni(tx, scope, q.Comune)
		}
		return err
	}
	if q.Comune != "" {
		if err := listComuni(); err != nil {
			return err
		}
	}
	inScope := func(c string) bool { return (scope == "" || c == scope) && (q.Comune == "" || c == q.Comune) }
	alert := map[string]int{} // alert days per comune, read when first needed
	alertOf := func(c string) int {
		d, ok := alert[c]
		if !ok {
			st, _ := tx.ComuneSettings(c)
			d = st.AlertDays
			alert[c] = d
		}
		return d
	}
	seen := map[uint64]bool{}
	keep := func(p domain.Pass) bool {
		if seen[p.ID] || !p.Listed() || !inScope(p.Comune) {
			return false
		}
		seen[p.ID] = true
		st := p.Status(today, alertOf(p.Comune))
		if !matches(p, st, q) {
			return false
		}
		if len(res.Rows) >= q.Limit {
			res.More = true
			return false
		}
		res.Rows = append(res.Rows, rowOf(p, st))
		return true
	}
	load := func(ids []uint64) {
		for _, id := range ids {
			if res.More {
				return
			}
			if p, err := tx.Pass(id); err == nil {
				keep(p)
			}
		}
	}
	// Without filters the first Limit+1 keys of an index are enough.
	nameLimit := 0
	if len(q.States) == 0 && q.Channel == "" && q.Kind == "" && q.ExpiryFrom.IsZero() && q.ExpiryTo.IsZero() {
		nameLimit = q.Limit + 1
	}
	text := strings.ToUpper(strings.Join(strings.Fields(boundText(q.Text)), " "))
	if from, to, ok := ExpiryRange(text); ok { // "01/01/2027-31/03/2027" (issue 11.12)
		q.ExpiryFrom, q.ExpiryTo, text = from, to, ""
		nameLimit = 0
	}
	if text != "" {
		// Numbers and plates always hold a digit, names never do: each kind of text
		// goes to the indexes it can match, so a surname typed by an operator never
		// loads passes of other comuni through the global indexes.
		compact := strings.ReplaceAll(text, " ", "")
		digits := strings.ContainsAny(text, "0123456789")
		if digits || strings.ContainsAny(text, "_-/.") {
			load(tx.PassIDsByPrefix("number", text, q.Limit*4))
		}
		if isYear(text) { // "2025": the numbers of that year (issue 11.12)
			if err := listComuni(); err != nil {
				return err
			}
			for _, c := range comuni {
				load(tx.PassIDsByPrefix("number", c+"_"+text+"_", q.Limit*4))
			}
		}
		if digits || len(compact) >= 4 { // a codice fiscale from its first 4 characters
			load(tx.PassIDsByPrefix("cf", compact, q.Limit*4))
		}
		plateText, country := splitPlateCountry(text)
		if plate := domain.NormalizePlate(plateText); digits && len(plate) >= 2 {
			ids := tx.PassIDsByPrefix("plate", plate, q.Limit*4)
			if country != "" { // only passes holding such a plate of that country
				ids = slices.DeleteFunc(ids, func(id uint64) bool {
					p, err := tx.Pass(id)
					return err != nil || !slices.ContainsFunc(p.Plates, func(pl domain.Plate) bool {
						return strings.HasPrefix(pl.Number, plate) && domain.NormalizeCountry(pl.Country) == country
					})
				})
			}
			load(ids)
		}
		if !digits {
			if err := listComuni(); err != nil {
				return err
			}
			for _, c := range comuni {
				load(tx.PassIDsByNamePrefix(c, text, nameLimit))
			}
			// Any later word: "ros" finds DE ROSSI (issue 11.12). From 3 letters: one
			// or two match a word of most names and would only slow the first keys.
			for _, c := range comuni {
				if len([]rune(text)) >= 3 {
					load(tx.PassIDsByNameWord(c, text, nameLimit))
				}
			}
		}
	} else {
		if err := listComuni(); err != nil {
			return err
		}
		for _, c := range comuni {
			switch {
			case len(q.States) == 1 && q.ExpiryFrom.IsZero() && q.ExpiryTo.IsZero():
				// One state: its index (ordered by expiry) instead of every pass.
				load(statusIDs(tx, c, q.States[0], today, alertOf(c)))
			case !q.ExpiryFrom.IsZero() || !q.ExpiryTo.IsZero() || q.Sort == "scadenza":
				to := q.ExpiryTo
				if to.IsZero() {
					to = domain.MustDate(2200, 1, 1)
				}
				load(tx.PassIDsByExpiry(c, q.ExpiryFrom, to))
			case q.Channel != "" && len(q.States) == 0:
				load(tx.PassIDsByChannel(c, q.Channel))
			default:
				load(tx.PassIDsByNamePrefix(c, "", nameLimit))
			}
		}
	}
	return nil
}

// ExpiryRange reads a search typed as an expiry range: "01/01/2027-31/03/2027",
// "01/01/2027 31/03/2027", "DAL 01/01/2027 AL 31/03/2027", or a month "03/2027".
func ExpiryRange(text string) (from, to domain.Date, ok bool) {
	t := strings.TrimSpace(strings.ToUpper(text))
	t = strings.TrimPrefix(t, "DAL ")
	for _, sep := range []string{" AL ", " - ", "-", " "} {
		a, b, found := strings.Cut(t, sep)
		if !found || strings.Count(a, "/") != 2 || strings.Count(b, "/") != 2 {
			continue
		}
		f, err1 := domain.ParseDate(a)
		l, err2 := domain.ParseDate(b)
		if err1 == nil && err2 == nil && !l.Before(f) {
			return f, l, true
		}
	}
	if m, y, found := strings.Cut(t, "/"); found && len(y) == 4 && !strings.Contains(y, "/") {
		mm, err1 := strconv.Atoi(m)
		yy, err2 := strconv.Atoi(y)
		if err1 == nil && err2 == nil && mm >= 1 && mm <= 12 && yy >= 1990 && yy <= 2200 {
			first := domain.MustDate(yy, time.Month(mm), 1)
			next := domain.MustDate(yy+(mm/12), time.Month(mm%12+1), 1)
			return first, next.AddDays(-1), true
		}
	}
	return domain.Date{}, domain.Date{}, false
}

// maxSearchText bounds a search's text (the desk's box takes 40 characters; a command
// line or a caller of the service may send more): every scan is linear in it.
const maxSearchText = 100

func boundText(s string) string {
	if r := []rune(s); len(r) > maxSearchText {
		return string(r[:maxSearchText])
	}
	return s
}

// isYear reports whether text is a year a pass number may hold ("2025").
func isYear(text string) bool {
	if len(text) != 4 {
		return false
	}
	y, err := strconv.Atoi(text)
	return err == nil && y >= 1990 && y <= 2200
}

// statusIDs lists the passes of comune that show a state on day: the derived states of
// an active pass are ranges of its expiry in the state index.
func statusIDs(tx *store.Tx, comune string, st domain.State, day domain.Date, alertDays int) []uint64 {
	far := domain.MustDate(2200, 1, 1)
	// A suspension or revocation dated in the future shows as active until then: those
	// few are loaded too, and matches() keeps the ones that show st.
	pending := append(tx.PassIDsByState(comune, domain.Sospeso), tx.PassIDsByState(comune, domain.Revocato)...)
	switch st {
	case domain.Attivo:
		return append(tx.PassIDsByStateExpiry(comune, domain.Attivo, day.AddDays(alertDays+1), far), pending...)
	case domain.InScadenza:
		return append(tx.PassIDsByStateExpiry(comune, domain.Attivo, day, day.AddDays(alertDays)), pending...)
	case domain.Scaduto:
		return append(tx.PassIDsByStateExpiry(comune, domain.Attivo, domain.Date{}, day.AddDays(-1)),
			tx.PassIDsByState(comune, domain.Scaduto)...)
	}
	return tx.PassIDsByState(comune, st)
}

func matches(p domain.Pass, st domain.State, q Query) bool {
	if len(q.States) > 0 {
		ok := false
		for _, s := range q.States {
			if s == st {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	if q.Channel != "" && p.Channel != q.Channel {
		return false
	}
	if q.Kind != "" && p.Kind != q.Kind {
		return false
	}
	if !q.ExpiryFrom.IsZero() && p.DataScadenza.Before(q.ExpiryFrom) {
		return false
	}
	if !q.ExpiryTo.IsZero() && p.DataScadenza.After(q.ExpiryTo) {
		return false
	}
	return true
}

func sortRows(rows []Row, by string) {
	switch by {
	case "scadenza":
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Scadenza.Before(rows[j].Scadenza) })
	case "numero":
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Number < rows[j].Number })
	default: // by name: results may come from several indexes in their own orders
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Holder < rows[j].Holder })
	}
}

// ScopeComuni is the list of comuni a search covers: scope, or only, or every comune
// with passes.
func ScopeComuni(tx *store.Tx, scope, only string) ([]string, error) {
	if scope != "" {
		return []string{scope}, nil
	}
	if only != "" {
		if _, ok := domain.ComuneByCode(only); !ok {
			return nil, &domain.Error{Message: "comune " + only + " sconosciuto"}
		}
		return []string{only}, nil
	}
	return tx.ComuniWithPasses(), nil
}

// Whitelist answers "is plate of country (empty: Italy) authorised at instant, and by
// which pass?" (T6) for the whole circuit: gates of any comune ask about plates of
// every comune.
func Whitelist(tx *store.Tx, plate, country string, at time.Time) (domain.Verdict, error) {
	plate = domain.NormalizePlate(plate)
	if err := domain.CheckPlateNumber(plate); err != nil {
		return domain.Verdict{}, err
	}
	// One seek in the plate index: its values carry what the rule reads (14.2).
	hs, err := tx.PlateHoldings(plate)
	if err != nil {
		return domain.Verdict{}, err
	}
	return domain.Authorise(plate, country, domain.DateOf(at), hs), nil
}
