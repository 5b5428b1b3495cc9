package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Rome must load wherever domain runs: tests, tools, minimal containers
)

// Date is a civil date (no time of day, no zone). The zero Date means "no date".
// Passes, plates and people only ever need days; instants (whitelist checks) are
// turned into a Date in the Italian zone with DateOf.
type Date struct{ t time.Time }

// Rome is the zone in which instants become civil dates.
var Rome = mustZone("Europe/Rome")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // this package imports time/tzdata, so this cannot fail at run time
	}
	return loc
}

// NewDate builds a date; it reports false for impossible dates such as 31/02.
func NewDate(y int, m time.Month, d int) (Date, bool) {
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Year() != y || t.Month() != m || t.Day() != d {
		return Date{}, false
	}
	return Date{t}, true
}

// MustDate is NewDate for literals in tests and tables.
func MustDate(y int, m time.Month, d int) Date {
	dt, ok := NewDate(y, m, d)
	if !ok {
		panic(fmt.Sprintf("data impossibile %04d-%02d-%02d", y, m, d))
	}
	return dt
}

// DateOf is the civil date of an instant in Italy.
func DateOf(t time.Time) Date {
	y, m, d := t.In(Rome).Date()
	return Date{time.Date(y, m, d, 0, 0, 0, 0, time.UTC)}
}

// Today is the civil date of now in Italy.
func Today() Date { return DateOf(time.Now()) }

func (d Date) IsZero() bool          { return d.t.IsZero() }
func (d Date) Year() int             { return d.t.Year() }
func (d Date) Month() time.Month     { return d.t.Month() }
func (d Date) Day() int              { return d.t.Day() }
func (d Date) Before(o Date) bool    { return d.t.Before(o.t) }
func (d Date) After(o Date) bool     { return d.t.After(o.t) }
func (d Date) Equal(o Date) bool     { return d.t.Equal(o.t) }
func (d Date) AddDays(n int) Date    { return Date{d.t.AddDate(0, 0, n)} }
func (d Date) DaysUntil(o Date) int  { return int((o.t.Unix() - d.t.Unix()) / 86400) }
func (d Date) Time() time.Time       { return d.t }
func (d Date) Compare(o Date) int    { return d.t.Compare(o.t) }
func (d Date) Weekday() time.Weekday { return d.t.Weekday() }
func (d Date) InRange(from, to Date) bool {
	return !d.Before(from) && (to.IsZero() || !d.After(to))
}

// AddYears adds whole years; 29 February becomes 28 February in a common year
// (not 1 March, which time.AddDate would give), so an expiry never slips a month.
func (d Date) AddYears(n int) Date {
	y, m, day := d.t.Year()+n, d.t.Month(), d.t.Day()
	if m == time.February && day == 29 {
		if nd, ok := NewDate(y, m, day); ok {
			return nd
		}
		return MustDate(y, m, 28)
	}
	return MustDate(y, m, day)
}

// ISO is YYYY-MM-DD, or "" for the zero date.
func (d Date) ISO() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format("2006-01-02")
}

// String is the Italian form dd/mm/yyyy, or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	return d.t.Format("02/01/2006")
}

// Key is a fixed-width sortable form (YYYYMMDD) for index keys.
func (d Date) Key() string {
	if d.IsZero() {
		return "00000000"
	}
	return d.t.Format("20060102")
}

func (d Date) MarshalText() ([]byte, error) { return []byte(d.ISO()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

// ParseDate accepts the forms operators and spreadsheets write: dd/mm/yyyy, d/m/yyyy,
// dd-mm-yyyy, dd.mm.yyyy and yyyy-mm-dd. The error is in Italian and says what is wrong.
func ParseDate(s string) (Date, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Date{}, fmt.Errorf("data mancante")
	}
	var parts []string
	for _, sep := range []string{"/", "-", "."} {
		if strings.Count(s, sep) == 2 {
			parts = strings.Split(s, sep)
			break
		}
	}
	if parts == nil {
		return Date{}, fmt.Errorf("data %q non valida: usare gg/mm/aaaa o aaaa-mm-gg", s)
	}
	nums := make([]int, 3)
	for i, p := range parts {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 0 {
			return Date{}, fmt.Errorf("data %q non valida: usare gg/mm/aaaa o aaaa-mm-gg", s)
		}
		nums[i] = n
	}
	y, m, d := nums[2], nums[1], nums[0]
	if len(strings.TrimSpace(parts[0])) == 4 { // ISO order
		y, m, d = nums[0], nums[1], nums[2]
	} else if len(strings.TrimSpace(parts[2])) != 4 {
		return Date{}, fmt.Errorf("data %q non valida: l'anno va scritto con quattro cifre", s)
	}
	if y < 1850 || y > 2200 {
		return Date{}, fmt.Errorf("data %q non valida: anno %d fuori intervallo", s, y)
	}
	if m < 1 || m > 12 {
		return Date{}, fmt.Errorf("data %q non valida: il mese %d non esiste", s, m)
	}
	dt, ok := NewDate(y, time.Month(m), d)
	if !ok {
		return Date{}, fmt.Errorf("data %q impossibile: il giorno %d non esiste in quel mese", s, d)
	}
	return dt, nil
}
