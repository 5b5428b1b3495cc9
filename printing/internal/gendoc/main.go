// Command gendoc writes docs/TEMPLATES.md from printing.Tags (go generate ./printing).
package main

import (
	"fmt"
	"os"

	"vivipass/printing"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "uso: gendoc FILE")
		os.Exit(2)
	}
	if err := os.WriteFile(os.Args[1], []byte(printing.TemplatesDoc()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
