package httpapi_test

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"testing"

	"vivipass/httpapi"
	"vivipass/service"
	"vivipass/store"
)

// csvRows reads a whitelist CSV: each row without its stato column, as the feed gives.
func csvRows(t *testing.T, b []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil || len(recs) == 0 {
		t.Fatalf("csv: %v", err)
	}
	var out [][]string
	for _, rec := range recs[1:] {
		out = append(out, rec[:7])
	}
	return out
}

// Issue 13.1: a gate takes the full list over HTTPS with its sequence, follows the
// change feed while operators change passes, and ends with exactly the full list; a
// sequence older than what is kept answers 410 and the gate takes the list again.
func TestGateFollowsTheChangesOverHTTPS(t *testing.T) {
	a := newAPI(t, 1000)
	st, hdr, body := a.do("varco-venezia", http.MethodGet, "/v1/whitelist.csv", nil)
	seq, err := strconv.ParseUint(hdr.Get(httpapi.SeqHeader), 10, 64)
	if st != http.StatusOK || err != nil {
		t.Fatalf("whitelist.csv: %d, %s %q", st, httpapi.SeqHeader, hdr.Get(httpapi.SeqHeader))
	}
	copyOf := map[string][][]string{} // group → rows
	for _, r := range csvRows(t, body) {
		copyOf["csv:"+r[5]] = append(copyOf["csv:"+r[5]], r)
	}

	// Operators at work.
	rows, err := a.svc.Search(sys, service.Query{Limit: 6, Sort: "numero"})
	if err != nil || len(rows.Rows) < 4 {
		t.Fatalf("demo passes: %+v, %v", rows, err)
	}
	ch := func(r service.Row) service.Change { return service.Change{PassID: r.ID, Version: r.Version} }
	if _, err := a.svc.AddPlate(sys, ch(rows.Rows[0]), service.PlateInput{Number: "ZZ111ZZ"}, true); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.SuspendPass(sys, ch(rows.Rows[1]), a.svc.Today(), "verifica"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.svc.RevokePass(sys, ch(rows.Rows[2]), a.svc.Today(), "requisiti venuti meno"); err != nil {
		t.Fatal(err)
	}

	for more := true; more; {
		st, hdr, body := a.do("varco-venezia", http.MethodGet, fmt.Sprintf("/v1/whitelist/changes?since=%d&max=2", seq), nil)
		var pg service.FeedPage
		if st != http.StatusOK || json.Unmarshal(body, &pg) != nil || hdr.Get(httpapi.SeqHeader) == "" {
			t.Fatalf("changes since %d: %d %s", seq, st, body)
		}
		for _, c := range pg.Changes {
			for _, n := range c.Numbers {
				delete(copyOf, "csv:"+n)
			}
			var rs [][]string
			for _, r := range c.Rows {
				rs = append(rs, []string{r.Plate, r.Country, r.From, r.To, r.Class, r.Number, r.Comune})
			}
			copyOf[fmt.Sprint(c.Lineage)] = rs
			seq = c.Seq
		}
		more = pg.More
	}
	day := a.svc.Today().ISO()
	var got []string
	for _, rs := range copyOf {
		seen := map[string]bool{}
		for _, r := range rs {
			if r[2] <= day && day <= r[3] && !seen[r[0]] {
				seen[r[0]] = true
				got = append(got, strings.Join(r, ";"))
			}
		}
	}
	_, body = a.get("varco-venezia", "/v1/whitelist.csv")
	var want []string
	for _, r := range csvRows(t, body) {
		want = append(want, strings.Join(r, ";"))
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the gate's copy differs from the list\n gate %q\n list %q", got, want)
	}
	if !strings.Contains(strings.Join(want, "\n"), "ZZ111ZZ") {
		t.Fatal("the plate added is not in the list: the comparison proves little")
	}

	// Bad sequences, other kinds of client, and 410 after the feed starts over.
	st, body = a.get("varco-venezia", "/v1/whitelist/changes?since=abc")
	wantError(t, "since=abc", st, body, http.StatusBadRequest, "since")
	st, body = a.get("varco-venezia", "/v1/whitelist/changes")
	wantError(t, "no since", st, body, http.StatusBadRequest, "since")
	st, body = a.get("varco-venezia", "/v1/whitelist/changes?since=0&max=100000")
	wantError(t, "max too big", st, body, http.StatusBadRequest, "max")
	st, body = a.get("polizia-regione", "/v1/whitelist/changes?since=0")
	if st != http.StatusForbidden {
		t.Errorf("a police client followed the gates' feed: %d %s", st, body)
	}
	if err := a.svc.DB().Update(func(tx *store.Tx) error { return tx.ResetFeed() }); err != nil {
		t.Fatal(err)
	}
	st, body = a.get("varco-venezia", fmt.Sprintf("/v1/whitelist/changes?since=%d", seq))
	wantError(t, "since at the head before a reset", st, body, http.StatusGone, "scaricare di nuovo /v1/whitelist.csv")
}
