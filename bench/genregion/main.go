// Command genregion writes a region-sized legacy register in the import template's
// format, deterministically: the same flags give the same bytes. It is the input of the
// import benchmarks (service/legacy BenchmarkParse builds the same file in memory).
//
//	go run ./bench/genregion -passes 120000 -seed 1 -out /tmp/region.csv
//	go run ./bench/genregion -out /tmp/region.csv -check   # then parse it: 0 errors expected
//	go run ./bench/genregion -parse /tmp/region.csv        # parse an existing file only
//
// -check and -parse print what service/legacy.Parse found and what it cost: wall and CPU
// time, and the peak of the Go heap above what it was before (the file itself included
// in neither), so that the import's speed and memory can be followed over time.
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"sync"
	"syscall"
	"time"

	"vivipass/bench/genregion/region"
	"vivipass/domain"
	"vivipass/service/legacy"
)

var cpuProfile string

func main() {
	passes := flag.Int("passes", 120000, "number of passes (rows)")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "", "output file (default: standard output)")
	asOf := flag.String("asof", region.DefaultAsOf.ISO(), "export day of the register: no date after it; also \"today\" for -check and -parse")
	check := flag.Bool("check", false, "parse the generated file with service/legacy and report; exit status 1 on row errors")
	parse := flag.String("parse", "", "do not generate: parse this file and report")
	flag.StringVar(&cpuProfile, "cpuprofile", "", "with -check or -parse: write a CPU profile of the parse to this file")
	flag.Parse()
	day, err := domain.ParseDate(*asOf)
	if err == nil {
		if *parse != "" {
			err = parseFile(*parse, day)
		} else {
			err = generate(*passes, *seed, *out, day, *check)
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genregion:", err)
		os.Exit(1)
	}
}

func generate(passes int, seed uint64, out string, day domain.Date, check bool) error {
	var w io.Writer = os.Stdout
	var f *os.File
	if out != "" {
		var err error
		if f, err = os.Create(out); err != nil {
			return err
		}
		defer f.Close()
		w = f
	} else if check {
		return fmt.Errorf("-check needs -out")
	}
	bw := bufio.NewWriterSize(w, 1<<20)
	start := time.Now()
	st, err := region.Generate(bw, region.Options{Passes: passes, Seed: seed, AsOf: day})
	if err != nil {
		return err
	}
	if err := bw.Flush(); err != nil {
		return err
	}
	if f != nil {
		if err := f.Close(); err != nil {
			return err
		}
	}
	stats, _ := json.Marshal(st)
	fmt.Fprintf(os.Stderr, "genregion: %s in %v\n", stats, time.Since(start).Round(time.Millisecond))
	if check {
		return parseFile(out, day)
	}
	return nil
}

// report is what -check and -parse print.
type report struct {
	Bytes      int     `json:"bytes"`
	Encoding   string  `json:"encoding"`
	Records    int     `json:"records"`
	Rows       int     `json:"valid_rows"`
	Errors     int     `json:"errors"`
	Plates     int     `json:"plates"`
	Warnings   int     `json:"warnings"`
	CFWarnings int     `json:"cf_warnings"`
	WallMS     float64 `json:"parse_wall_ms"`
	UserMS     float64 `json:"parse_user_ms"` // CPU time, all goroutines
	SysMS      float64 `json:"parse_sys_ms"`
	HeapPeakMB float64 `json:"heap_peak_extra_mb"` // peak of live+garbage heap objects above the start
	HeapLiveMB float64 `json:"heap_retained_mb"`   // what the parsed File keeps
	MaxRSSMB   float64 `json:"max_rss_mb"`         // of the whole process, file included
	GCCycles   uint32  `json:"gc_cycles"`
	GOMAXPROCS int     `json:"gomaxprocs"`
}

func parseFile(name string, day domain.Date) error {
	data, err := os.ReadFile(name)
	if err != nil {
		return err
	}
	// The comuni tables are built on first use; a running server has them already.
	if _, err := domain.LookupPlace("VENEZIA", day); err != nil {
		return err
	}
	runtime.GC()
	base := heapBytes()
	var ms0, ms1 runtime.MemStats
	runtime.ReadMemStats(&ms0)

	// Sample the heap while parsing: its peak is the memory the parse needs.
	var peak uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		t := time.NewTicker(time.Millisecond)
		defer t.Stop()
		for {
			if h := heapBytes(); h > peak {
				peak = h
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	})
	if cpuProfile != "" {
		pf, err := os.Create(cpuProfile)
		if err != nil {
			return err
		}
		defer pf.Close()
		if err := pprof.StartCPUProfile(pf); err != nil {
			return err
		}
	}
	cpu0, start := cpuTime(), time.Now()
	f, err := legacy.Parse(data, day)
	wall, cpu1 := time.Since(start), cpuTime()
	if cpuProfile != "" {
		pprof.StopCPUProfile()
	}
	close(stop)
	wg.Wait()
	if err != nil {
		return err
	}
	runtime.ReadMemStats(&ms1)
	runtime.GC()
	r := report{
		Bytes: len(data), Encoding: f.Encoding, Records: f.Records, Rows: len(f.Rows), Errors: len(f.Errors),
		WallMS: ms(wall), UserMS: ms(cpu1[0] - cpu0[0]), SysMS: ms(cpu1[1] - cpu0[1]), GCCycles: ms1.NumGC - ms0.NumGC, GOMAXPROCS: runtime.GOMAXPROCS(0),
		HeapPeakMB: mb(peak - min(peak, base)), HeapLiveMB: mb(heapBytes() - min(heapBytes(), base)),
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		r.MaxRSSMB = mb(uint64(ru.Maxrss) << 10)
	}
	for _, row := range f.Rows {
		r.Plates += len(row.Plates)
		r.Warnings += len(row.Warnings)
		if row.CFWarning != "" {
			r.CFWarnings++
		}
	}
	out, _ := json.Marshal(r)
	fmt.Fprintf(os.Stderr, "parse: %s\n", out)
	for i, e := range f.Errors {
		if i == 10 {
			fmt.Fprintf(os.Stderr, "  … and %d more\n", len(f.Errors)-10)
			break
		}
		fmt.Fprintln(os.Stderr, "  "+e.Error())
	}
	runtime.KeepAlive(f)
	if len(f.Errors) > 0 {
		return fmt.Errorf("%d row errors", len(f.Errors))
	}
	return nil
}

// heapBytes is the memory occupied by heap objects, live or not yet collected.
func heapBytes() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// cpuTime is the process's user and system CPU time.
func cpuTime() [2]time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return [2]time.Duration{}
	}
	return [2]time.Duration{time.Duration(ru.Utime.Nano()), time.Duration(ru.Stime.Nano())}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
func mb(b uint64) float64        { return float64(b*10>>20) / 10 }
