package service_test

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"sort"
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// gate is a gate system keeping its own copy of the whitelist (issue 13.1): the full
// list once, then the change feed.
type gate struct {
	t    *testing.T
	s    *service.Service
	seq  uint64
	rows map[string][][]string // group (a lineage, or "csv:" + number) → rows
}

// sync takes the full list at day, and the feed's sequence in the same snapshot.
func newGate(t *testing.T, s *service.Service, day domain.Date) *gate {
	g := &gate{t: t, s: s, rows: map[string][][]string{}}
	var buf bytes.Buffer
	if _, err := s.ExportWhitelist(admin, day, &buf, func(seq uint64) { g.seq = seq }); err != nil {
		t.Fatal(err)
	}
	for _, r := range readCSV(t, buf.Bytes()) {
		g.rows["csv:"+r[5]] = append(g.rows["csv:"+r[5]], r[:7])
	}
	return g
}

func readCSV(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs[1:]
}

// follow applies every change after the gate's sequence, page by page.
func (g *gate) follow(pageSize int) (pages int) {
	for {
		pg, err := g.s.WhitelistChanges(g.seq, pageSize)
		if err != nil {
			g.t.Fatalf("changes since %d: %v", g.seq, err)
		}
		pages++
		for _, c := range pg.Changes {
			if c.Seq != g.seq+1 {
				g.t.Fatalf("change %d after %d: the sequence has a hole", c.Seq, g.seq)
			}
			for _, n := range c.Numbers {
				delete(g.rows, "csv:"+n)
			}
			var rows [][]string
			for _, r := range c.Rows {
				rows = append(rows, []string{r.Plate, r.Country, r.From, r.To, r.Class, r.Number, r.Comune})
			}
			g.rows[fmt.Sprint(c.Lineage)] = rows
			g.seq = c.Seq
		}
		if !pg.More {
			return pages
		}
	}
}

// at is the gate's list on day: the rows in force, the first of each group and plate.
func (g *gate) at(day domain.Date) []string {
	var out []string
	for group, rows := range g.rows {
		seen := map[string]bool{}
		for _, r := range rows {
			if r[2] <= day.ISO() && day.ISO() <= r[3] && !seen[r[0]] {
				seen[group+r[0]] = true
				seen[r[0]] = true
				out = append(out, strings.Join(r, ";"))
			}
		}
	}
	sort.Strings(out)
	return out
}

func fullList(t *testing.T, s *service.Service, day domain.Date) []string {
	t.Helper()
	var buf bytes.Buffer
	if _, err := s.Export(admin, "whitelist", day, &buf); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range readCSV(t, buf.Bytes()) {
		out = append(out, strings.Join(r[:7], ";"))
	}
	sort.Strings(out)
	return out
}

func TestGateFollowingTheFeedEqualsTheFullList(t *testing.T) {
	e := newEnv(t)
	a := e.issue(mario, rossi(t), plate("AB123CD"), plate("EF456GH")).Pass
	b := e.issue(mario, bianchi(t), plate("IJ789KL")).Pass
	c := e.issue(mario, verdi(t), plate("MN012OP")).Pass
	g := newGate(t, e.s, today)
	if len(g.at(today)) != 4 {
		t.Fatalf("the gate's first list: %v", g.at(today))
	}
	must := func(r service.Result, err error) domain.Pass {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return r.Pass
	}
	steps := []func(){
		func() { a = must(e.s.AddPlate(mario, change(a), plate("QR345ST"), true)) },
		func() { b = must(e.s.SuspendPass(mario, change(b), today, "verifica dei requisiti")) },
		func() { a = must(e.s.RemovePlate(mario, change(a), a.Plates[0].ID)) },
		func() { b = must(e.s.ResumePass(mario, change(b))) },
		func() {
			a = must(e.s.DuplicatePass(mario, change(a), domain.DuplicateInput{Reason: domain.Deterioramento}))
		},
		func() { c = must(e.s.RevokePass(mario, change(c), today, "requisiti venuti meno")) },
		func() { a = must(e.s.RenewPass(mario, change(a), domain.RenewInput{})) },
		func() {
			if _, err := e.s.MarkDeceased(mario, b.PersonID, today.AddDays(-1)); err != nil {
				t.Fatal(err)
			}
		},
		func() {
			e.issue(mario, person(t, "NERI", "LUCA", 'M', domain.MustDate(1960, 5, 4), "L736"), plate("UV678WX"))
		},
		func() { a = must(e.s.UndoLast(mario, a.ID)) },
	}
	for i, step := range steps {
		step()
		if i%3 == 2 {
			g.follow(2) // now and then, in small pages
		}
	}
	if pages := g.follow(2); pages < 1 {
		t.Fatal("no page read")
	}
	want, got := fullList(t, e.s, today), g.at(today)
	if strings.Join(want, "\n") != strings.Join(got, "\n") {
		t.Fatalf("the gate's copy differs from the full list\n gate: %q\n list: %q", got, want)
	}
	if len(want) < 3 {
		t.Fatalf("a list too short to prove anything: %q", want)
	}
}

// A gate asking from before what is kept takes the full list again (410); a bulk
// import starts the feed over; a sequence from another register is refused.
func TestFeedGoneAfterAnImportAndFromTheFuture(t *testing.T) {
	e := newEnv(t)
	e.issue(mario, rossi(t), plate("AB123CD"))
	pg, err := e.s.WhitelistChanges(0, 0)
	if err != nil || len(pg.Changes) != 1 || pg.Head != 1 {
		t.Fatalf("first change: %+v, %v", pg, err)
	}
	if _, err := e.s.WhitelistChanges(pg.Head+5, 0); err == nil || errors.Is(err, service.ErrFeedGone) {
		t.Errorf("a sequence after the last: %v", err)
	}
	if err := e.s.DB().Update(func(tx *store.Tx) error { return tx.ResetFeed() }); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.WhitelistChanges(0, 0); !errors.Is(err, service.ErrFeedGone) {
		t.Fatalf("changes from before the reset: %v", err)
	}
	g := newGate(t, e.s, today) // the full list again, from the head
	e.issue(mario, bianchi(t), plate("IJ789KL"))
	g.follow(10)
	if want, got := fullList(t, e.s, today), g.at(today); strings.Join(want, "|") != strings.Join(got, "|") {
		t.Fatalf("after the resync: gate %q, list %q", got, want)
	}
}
