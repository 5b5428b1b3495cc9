// Command pecgen writes N distinct viviVeneto renewal requests (each the size of the
// shared sample 001-rinnovo.eml, with its photo) as files NNNNNN.eml into a directory,
// for bench/pec.sh to deliver into Dovecot.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"vivipass/internal/mailtest"
)

func main() {
	n := flag.Int("n", 1000, "how many requests")
	sample := flag.String("sample", "../shared/samples/pec/001-rinnovo.eml", "the sample renewal to copy")
	out := flag.String("out", "", "directory to write into")
	flag.Parse()
	if *out == "" {
		fmt.Fprintln(os.Stderr, "pecgen: -out is required")
		os.Exit(2)
	}
	tmpl, err := os.ReadFile(*sample)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pecgen:", err)
		os.Exit(1)
	}
	msgs, err := mailtest.MakeRequests(tmpl, 1, *n)
	if err != nil {
		fmt.Fprintln(os.Stderr, "pecgen:", err)
		os.Exit(1)
	}
	if err := os.MkdirAll(*out, 0o755); err != nil {
		fmt.Fprintln(os.Stderr, "pecgen:", err)
		os.Exit(1)
	}
	for i, m := range msgs {
		if err := os.WriteFile(filepath.Join(*out, fmt.Sprintf("%06d.eml", i+1)), m, 0o644); err != nil {
			fmt.Fprintln(os.Stderr, "pecgen:", err)
			os.Exit(1)
		}
	}
}
