// Command httpbench is the Go half of bench/http.sh (issue 13, speed): the bare
// net/http handler the API is compared with, the preparation of the region-sized
// register (a batch of changes for the feed, the plates wrk asks about) and the timing
// of a gate catching up with the change feed.
//
//	httpbench bare ADDR                                  answer a constant until killed
//	httpbench prep -db FILE -changes N -plates FILE      N changes, then the plates file; prints the feed's sequence before the changes
//	httpbench catchup -url URL -token T -since S [-runs 3]  time GET /v1/whitelist/changes pages until caught up
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "uso: httpbench bare|prep|catchup …")
		os.Exit(2)
	}
	var err error
	switch os.Args[1] {
	case "bare":
		err = bare(os.Args[2:])
	case "prep":
		err = prep(os.Args[2:])
	case "catchup":
		err = catchup(os.Args[2:])
	default:
		err = fmt.Errorf("sottocomando sconosciuto %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "httpbench:", err)
		os.Exit(1)
	}
}

// bare is the baseline: net/http answering a constant JSON of about the size of a
// plate check's answer.
func bare(args []string) error {
	if len(args) != 1 {
		return fmt.Errorf("uso: httpbench bare ADDR")
	}
	body := []byte(`{"targa":"AB123CD","nazione":"","istante":"2026-12-03T10:30:00+01:00","giorno":"2026-12-03","autorizzata":false,"motivo":"nessun contrassegno"}` + "\n")
	return http.ListenAndServe(args[0], http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(body)
	}))
}

// prep makes n changes on the register (suspensions of active passes, one transaction
// each, as operators would), then writes the plates for wrk: authorised ones from the
// whitelist, plates of passes no longer valid, and plates nobody has.
func prep(args []string) error {
	f := flag.NewFlagSet("prep", flag.ExitOnError)
	dbPath := f.String("db", "", "the register (a copy: it is changed)")
	n := f.Int("changes", 10000, "changes to make")
	platesOut := f.String("plates", "", "file of request paths for wrk")
	count := f.Int("count", 20000, "paths in the plates file")
	prof := f.String("cpuprofile", "", "write a CPU profile of the changes here")
	tokensOut := f.String("tokens", "", "file of the gates' tokens, one a line")
	gates := f.Int("gates", 64, "gate clients, each with its token (a token is limited to 1000 requests/s)")
	f.Parse(args)
	db, err := store.Open(*dbPath, store.Options{NoSync: true}) // a scratch copy: synced once at the end
	if err != nil {
		return err
	}
	defer db.Close()
	// The clock steps 10 s a change, from a day and more ago up to now: the undo
	// entries of a change are kept 15 minutes (service.UndoWindow) and each new one
	// reads those still kept, so 10,000 changes within a minute would cost each other
	// quadratically; at 10 s apart, about 90 are kept at a time, as at a busy desk.
	const step = 10 * time.Second
	var tick atomic.Int64
	base := time.Now().Add(-time.Duration(*n+6) * step)
	svc := service.New(db, service.WithClock(func() time.Time { return base.Add(time.Duration(tick.Load()) * step) }))
	sys := service.SystemActor("bench")
	_, before, err := svc.WhitelistVersion()
	if err != nil {
		return err
	}
	today := svc.Today()
	var ids []uint64
	all := map[string]bool{} // every plate of the register
	err = db.View(func(tx *store.Tx) error {
		return tx.ForEachPass(func(p domain.Pass) bool {
			for _, pl := range p.Plates {
				all[pl.Number] = true
			}
			if p.Current() && p.State == domain.Attivo && p.DataScadenza.After(today.AddDays(3)) && !p.DataDecorrenza.After(today) {
				ids = append(ids, p.ID)
			}
			return true
		})
	})
	if err != nil {
		return err
	}
	if len(ids) < *n {
		return fmt.Errorf("%d passes active, %d changes asked", len(ids), *n)
	}
	rng := rand.New(rand.NewPCG(13, 13))
	rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	if *prof != "" {
		pf, err := os.Create(*prof)
		if err != nil {
			return err
		}
		pprof.StartCPUProfile(pf)
		defer pprof.StopCPUProfile()
	}
	start := time.Now()
	for _, id := range ids[:*n] {
		tick.Add(1)
		if _, err := svc.SuspendPass(sys, service.Change{PassID: id}, today, "bench"); err != nil {
			return fmt.Errorf("suspending pass %d: %w", id, err)
		}
	}
	if err := db.Sync(); err != nil {
		return err
	}
	_, after, _ := svc.WhitelistVersion()
	fmt.Fprintf(os.Stderr, "httpbench: %d suspensions in %v, feed %d → %d\n", *n, time.Since(start).Round(time.Millisecond), before, after)

	tf, err := os.Create(*tokensOut)
	if err != nil {
		return err
	}
	for i := 0; i < *gates; i++ {
		_, token, err := svc.AddClient(sys, service.ClientInput{Name: fmt.Sprintf("bench-varco-%02d", i), Kind: service.ClientGate, Circuit: true, Rate: 1000})
		if err != nil {
			return err
		}
		fmt.Fprintln(tf, token)
	}
	if err := tf.Close(); err != nil {
		return err
	}
	if err := db.Sync(); err != nil {
		return err
	}

	wl, err := svc.WhitelistList(sys, today, 0)
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	var yes []string
	sc := bufio.NewScanner(bytes.NewReader(wl.CSV))
	for first := true; sc.Scan(); first = false {
		if first {
			continue
		}
		plate, _, _ := strings.Cut(sc.Text(), ";")
		if !listed[plate] {
			listed[plate] = true
			yes = append(yes, plate)
		}
	}
	var no []string
	for p := range all {
		if !listed[p] {
			no = append(no, p)
		}
	}
	slices.Sort(no)
	out, err := os.Create(*platesOut)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(out)
	kinds := [3]int{}
	for i := 0; i < *count; i++ {
		var plate string
		switch r := rng.IntN(10); {
		case r < 6 && len(yes) > 0: // 60 % authorised
			plate, kinds[0] = yes[rng.IntN(len(yes))], kinds[0]+1
		case r < 8 && len(no) > 0: // 20 % of the register, not authorised today
			plate, kinds[1] = no[rng.IntN(len(no))], kinds[1]+1
		default: // 20 % nobody's
			plate, kinds[2] = fmt.Sprintf("Z%c%03dZ%c", 'A'+rng.IntN(26), rng.IntN(1000), 'A'+rng.IntN(26)), kinds[2]+1
		}
		fmt.Fprintf(w, "/v1/targhe/%s\n", plate)
	}
	if err := w.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "httpbench: %d plates listed today, %d of the register not listed; paths: %d authorised, %d not, %d unknown\n",
		len(yes), len(no), kinds[0], kinds[1], kinds[2])
	fmt.Println(before)
	return out.Close()
}

// catchup times a gate at since taking every change until the head, runs times.
func catchup(args []string) error {
	f := flag.NewFlagSet("catchup", flag.ExitOnError)
	url := f.String("url", "", "base URL of the API")
	token := f.String("token", "", "a gate's token")
	since := f.Uint64("since", 0, "the gate's sequence")
	runs := f.Int("runs", 3, "runs")
	f.Parse(args)
	cl := &http.Client{Timeout: time.Minute}
	for r := 0; r < *runs; r++ {
		start := time.Now()
		seq, changes, pages, size := *since, 0, 0, 0
		for {
			req, _ := http.NewRequest(http.MethodGet, *url+"/v1/whitelist/changes?since="+strconv.FormatUint(seq, 10), nil)
			req.Header.Set("Authorization", "Bearer "+*token)
			resp, err := cl.Do(req)
			if err != nil {
				return err
			}
			b, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil {
				return err
			}
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("changes?since=%d: %d %s", seq, resp.StatusCode, b)
			}
			var pg struct {
				Head      uint64            `json:"ultima"`
				More      bool              `json:"altre"`
				Modifiche []json.RawMessage `json:"modifiche"`
			}
			if err := json.Unmarshal(b, &pg); err != nil {
				return err
			}
			pages++
			size += len(b)
			changes += len(pg.Modifiche)
			seq = pg.Head
			if !pg.More {
				break
			}
		}
		fmt.Printf("%.1f %d %d %d\n", float64(time.Since(start).Microseconds())/1000, changes, pages, size)
	}
	return nil
}
