package httpclient_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"vivipass/national/httpclient"
	"vivipass/national/sim"
)

// BenchmarkDrainSimulator sends b.N distinct changes (issues) through the client to the
// in-process simulator over loopback and reports changes/s: one sender as the outbox
// worker drains, and 8 per CPU in parallel; over HTTPS with the test CA and over plain HTTP;
// in memory and with the state file written (fsync) after each change.
func BenchmarkDrainSimulator(b *testing.B) {
	for _, tc := range []struct {
		name     string
		tls      bool
		state    bool
		parallel bool
	}{
		{"https", true, false, false},
		{"https-parallel", true, false, true},
		{"http", false, false, false},
		{"https-statefile", true, true, false},
	} {
		b.Run(tc.name, func(b *testing.B) {
			o := sim.Options{}
			if tc.state {
				o.State = filepath.Join(b.TempDir(), "cude.json")
			}
			var c *httpclient.Client
			if tc.tls {
				c = newRig(b, o).client
			} else {
				s, err := sim.New(withUsers(o))
				if err != nil {
					b.Fatal(err)
				}
				hs := httptest.NewServer(s)
				b.Cleanup(hs.Close)
				if c, err = httpclient.New(hs.URL); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(c.Close)
			}
			var n atomic.Int64
			send := func() {
				i := n.Add(1)
				if _, err := c.Send(context.Background(), cred, issue(fmt.Sprintf("b-%d", i), fmt.Sprintf("VE-B%d", i))); err != nil {
					b.Error(err)
				}
			}
			b.ResetTimer()
			start := time.Now()
			if tc.parallel {
				b.SetParallelism(8) // 8 senders per CPU
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						send()
					}
				})
			} else {
				for range b.N {
					send()
				}
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "changes/s")
		})
	}
}

func withUsers(o sim.Options) sim.Options {
	o.Users = []sim.User{{Name: "venezia", Password: password, Comune: "L736"}}
	return o
}
