//go:build !lean

package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"testing"
	"time"
)

// BenchmarkSocket measures what the control socket costs a command: `pass show` and
// `whitelist check` run as a process on a closed register (it opens the file) and on
// a copy held by a running server (it goes through the socket), alternating A B A B so
// that a busy moment of the machine weighs on both. Run by `make bench`:
//
//	go test -run '^$' -bench Socket -benchtime 1x ./cmd/vivipass/
func BenchmarkSocket(b *testing.B) {
	const runs = 30
	tw := newTwin(b, demoDB(b))
	var res searchOut
	if err := json.Unmarshal([]byte(must(b, 0, "search", "ROSSI", "--json", "--db", filepath.Join(tw.here, "vivipass.db")).stdout), &res); err != nil || len(res.Rows) == 0 {
		b.Fatalf("search ROSSI: %v", err)
	}
	commands := []struct {
		name string
		args []string
		code int
	}{
		{"pass show", []string{"pass", "show", res.Rows[0].Numero, "--db", "vivipass.db"}, 0},
		{"whitelist check", []string{"whitelist", "check", "AB123CD", "--db", "vivipass.db"}, 0},
	}
	timed := func(dir string, args []string, code int) time.Duration {
		start := time.Now()
		r := vpIn(b, dir, nil, args...)
		d := time.Since(start)
		if r.code != code {
			b.Fatalf("exit %d, want %d\n%s", r.code, code, r)
		}
		return d
	}
	b.ResetTimer()
	for range b.N {
		fmt.Printf("%-16s %22s %22s %12s   (median (min–max) of %d runs each, alternating)\n", "command", "closed db", "socket", "difference", runs)
		for _, c := range commands {
			var closed, socket []time.Duration
			for range runs {
				closed = append(closed, timed(tw.here, c.args, c.code))
				socket = append(socket, timed(tw.there, c.args, c.code))
			}
			mc, ms := median(closed), median(socket)
			fmt.Printf("%-16s %22s %22s %+11.1fms\n", c.name, spread(closed), spread(socket), float64(ms-mc)/1e6)
			key := map[string]string{"pass show": "pass", "whitelist check": "whitelist"}[c.name]
			b.ReportMetric(float64(mc)/1e6, "ms-closed-"+key)
			b.ReportMetric(float64(ms)/1e6, "ms-socket-"+key)
		}
	}
	if n := len(tw.srv.waitServed(b.N * runs * len(commands))); n != b.N*runs*len(commands) {
		b.Errorf("the server ran %d commands, want %d: the socket runs did not go through it", n, b.N*runs*len(commands))
	}
}

func median(ds []time.Duration) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}

func ms1(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/1e6) }

// spread is "median (min–max)".
func spread(ds []time.Duration) string {
	return fmt.Sprintf("%s (%s–%s)", ms1(median(ds)), ms1(slices.Min(ds)), ms1(slices.Max(ds)))
}
