// Command cmdtime times commands, one run of each in turn (A B C A B C…), and prints
// each one's median (min–max) in milliseconds: the wall time from the start of its
// process to its end. Go starts it with vfork and exec, the least a harness can add
// (a shell's fork and two `date` processes added up to 6 ms to both sides of a ratio).
//
//	cmdtime -n 21 -- sqlite3 db "select …" -- vivipass search …
package main

import (
	"flag"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"time"
)

func main() {
	n := flag.Int("n", 21, "runs of each command")
	flag.Parse()
	cmds := [][]string{nil} // flag.Parse took the first "--"
	for _, a := range flag.Args() {
		if a == "--" {
			cmds = append(cmds, nil)
		} else {
			cmds[len(cmds)-1] = append(cmds[len(cmds)-1], a)
		}
	}
	cmds = slices.DeleteFunc(cmds, func(c []string) bool { return len(c) == 0 })
	if len(cmds) == 0 {
		fmt.Fprintln(os.Stderr, "uso: cmdtime [-n RUNS] -- COMANDO ARG… [-- COMANDO ARG…]")
		os.Exit(2)
	}
	times := make([][]float64, len(cmds))
	for range *n {
		for i, c := range cmds {
			cmd := exec.Command(c[0], c[1:]...)
			start := time.Now()
			if err := cmd.Run(); err != nil {
				if _, exited := err.(*exec.ExitError); !exited {
					fmt.Fprintf(os.Stderr, "%s: %v\n", strings.Join(c, " "), err)
					os.Exit(1)
				}
			}
			times[i] = append(times[i], float64(time.Since(start).Microseconds())/1000)
		}
	}
	for i := range cmds {
		t := times[i]
		slices.Sort(t)
		fmt.Printf("%.2f %.2f %.2f\n", t[len(t)/2], t[0], t[len(t)-1])
	}
}
