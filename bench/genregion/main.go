// Command genregion writes a region-sized legacy register in the import template's
// format, deterministically: the same flags give the same bytes. It is the input of the
// import benchmarks (service/legacy BenchmarkParse builds the same file in memory).
//
//	go run ./bench/genregion -passes 120000 -seed 1 -out /tmp/region.csv
package main

import (
	"bufio"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"vivipass/bench/genregion/region"
	"vivipass/domain"
)

func main() {
	passes := flag.Int("passes", 120000, "number of passes (rows)")
	seed := flag.Uint64("seed", 1, "random seed")
	out := flag.String("out", "", "output file (default: standard output)")
	asOf := flag.String("asof", region.DefaultAsOf.ISO(), "export day of the register: no date after it")
	flag.Parse()
	if err := run(*passes, *seed, *out, *asOf); err != nil {
		fmt.Fprintln(os.Stderr, "genregion:", err)
		os.Exit(1)
	}
}

func run(passes int, seed uint64, out, asOf string) error {
	day, err := domain.ParseDate(asOf)
	if err != nil {
		return err
	}
	var w io.Writer = os.Stdout
	var f *os.File
	if out != "" {
		if f, err = os.Create(out); err != nil {
			return err
		}
		defer f.Close()
		w = f
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
	return nil
}
