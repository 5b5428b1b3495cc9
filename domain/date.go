package domain

import (
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata"
	"unicode/utf8" // Rome must load wherever domain runs: tests, tools, minimal containers
)

// Date is a civil date (no time of day, no zone). The zero Date means "no date".
// Passes, plates and people only ever need days; instants (whitelist checks) are
// turned into a Date in the Italian zone with DateOf. It is a day number, 4 bytes: a
// region's register holds millions of dates, compared on every search.
type Date struct{ n int32 } // days since 1970-01-01 plus dateBias; 0 = no date

// dateBias keeps every real date non-zero (it reaches back to year 1).
const dateBias = 1 << 20

// Rome is the zone in which instants become civil dates.
var Rome = mustZone("Europe/Rome")

func mustZone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err) // this package imports time/tzdata, so this cannot fail at run time
	}
	return loc
}

// daysFromCivil is the number of days from 1970-01-01 to y-m-d (proleptic Gregorian;
// H. Hinnant's algorithm).
func daysFromCivil(y int, m time.Month, d int) int {
	if m <= 2 {
		y--
	}
	era := y / 400
	if y < 0 && y%400 != 0 {
		era--
	}
	yoe := y - era*400
	mp := (int(m) + 9) % 12
	doy := (153*mp+2)/5 + d - 1
	doe := yoe*365 + yoe/4 - yoe/100 + doy
	return era*146097 + doe - 719468
}

// civil is the inverse of daysFromCivil.
func civil(z int) (int, time.Month, int) {
	z += 719468
	era := z / 146097
	if z < 0 && z%146097 != 0 {
		era--
	}
	doe := z - era*146097
	yoe := (doe - doe/1460 + doe/36524 - doe/146096) / 365
	y := yoe + era*400
	doy := doe - (365*yoe + yoe/4 - yoe/100)
	mp := (5*doy + 2) / 153
	d := doy - (153*mp+2)/5 + 1
	m := (mp+2)%12 + 1
	if m <= 2 {
		y++
	}
	return y, time.Month(m), d
}

func daysInMonth(y int, m time.Month) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// NewDate builds a date; it reports false for impossible dates such as 31/02.
func NewDate(y int, m time.Month, d int) (Date, bool) {
	if y < 1 || y > 9999 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m) {
		return Date{}, false
	}
	return Date{int32(daysFromCivil(y, m, d) + dateBias)}, true
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
	return MustDate(y, m, d)
}

// Today is the civil date of now in Italy.
func Today() Date { return DateOf(time.Now()) }

func (d Date) ymd() (int, time.Month, int) { return civil(int(d.n) - dateBias) }

func (d Date) IsZero() bool          { return d.n == 0 }
func (d Date) Year() int             { y, _, _ := d.ymd(); return y }
func (d Date) Month() time.Month     { _, m, _ := d.ymd(); return m }
func (d Date) Day() int              { _, _, dd := d.ymd(); return dd }
func (d Date) Before(o Date) bool    { return d.n < o.n }
func (d Date) After(o Date) bool     { return d.n > o.n }
func (d Date) Equal(o Date) bool     { return d.n == o.n }
func (d Date) AddDays(n int) Date    { return Date{d.n + int32(n)} }
func (d Date) DaysUntil(o Date) int  { return int(o.n - d.n) }
func (d Date) Weekday() time.Weekday { return time.Weekday((int(d.n-dateBias)%7 + 11) % 7) }
func (d Date) Compare(o Date) int {
	switch {
	case d.n < o.n:
		return -1
	case d.n > o.n:
		return 1
	}
	return 0
}

// Time is midnight UTC of the date (the zero time for the zero date).
func (d Date) Time() time.Time {
	if d.IsZero() {
		return time.Time{}
	}
	return time.Unix(int64(int(d.n)-dateBias)*86400, 0).UTC()
}

func (d Date) InRange(from, to Date) bool {
	return !d.Before(from) && (to.IsZero() || !d.After(to))
}

// AddYears adds whole years; 29 February becomes 28 February in a common year
// (not 1 March, which time.AddDate would give), so an expiry never slips a month.
func (d Date) AddYears(n int) Date {
	y, m, day := d.ymd()
	y += n
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
	y, m, dd := d.ymd()
	b := make([]byte, 0, 10)
	b = append4(b, y)
	b = append(b, '-')
	b = append2(b, int(m))
	b = append(b, '-')
	return string(append2(b, dd))
}

func append4(b []byte, n int) []byte {
	return append(b, byte('0'+n/1000%10), byte('0'+n/100%10), byte('0'+n/10%10), byte('0'+n%10))
}

func append2(b []byte, n int) []byte { return append(b, byte('0'+n/10%10), byte('0'+n%10)) }

// String is the Italian form dd/mm/yyyy, or "" for the zero date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	y, m, dd := d.ymd()
	b := make([]byte, 0, 10)
	b = append2(b, dd)
	b = append(b, '/')
	b = append2(b, int(m))
	b = append(b, '/')
	return string(append4(b, y))
}

// Key is a fixed-width sortable form (YYYYMMDD) for index keys.
func (d Date) Key() string {
	if d.IsZero() {
		return "00000000"
	}
	y, m, dd := d.ymd()
	b := make([]byte, 0, 8)
	return string(append2(append2(append4(b, y), int(m)), dd))
}

func (d Date) MarshalText() ([]byte, error) { return []byte(d.ISO()), nil }

func (d *Date) UnmarshalText(b []byte) error {
	if len(b) == 0 {
		*d = Date{}
		return nil
	}
	if len(b) == 10 && b[4] == '-' && b[7] == '-' { // what MarshalText writes: no allocation
		y, ok1 := digits(b[0:4])
		m, ok2 := digits(b[5:7])
		dd, ok3 := digits(b[8:10])
		if nd, ok := NewDate(y, time.Month(m), dd); ok && ok1 && ok2 && ok3 {
			*d = nd
			return nil
		}
	}
	p, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = p
	return nil
}

func digits(b []byte) (int, bool) {
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

// ParseInstant reads an instant as a command line or a query string gives it: RFC 3339,
// a date and time in Italy (aaaa-mm-ggThh:mm, aaaa-mm-gg hh:mm, gg/mm/aaaa hh:mm), or a
// date (noon of that day in Italy). The error quotes at most 40 bytes of s.
func ParseInstant(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04", "2006-01-02T15:04:05", "02/01/2006 15:04"} {
		if t, err := time.ParseInLocation(layout, s, Rome); err == nil {
			return t, nil
		}
	}
	d, err := ParseDate(s)
	if err != nil {
		if len(s) > 40 {
			n := 40
			for n > 0 && !utf8.RuneStart(s[n]) {
				n--
			}
			s = s[:n] + "…"
		}
		return time.Time{}, fmt.Errorf("istante %q non valido: usare aaaa-mm-gg, gg/mm/aaaa, aaaa-mm-ggThh:mm o RFC 3339 (2026-12-03T10:00:00+01:00)", s)
	}
	return time.Date(d.Year(), d.Month(), d.Day(), 12, 0, 0, 0, Rome), nil
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
