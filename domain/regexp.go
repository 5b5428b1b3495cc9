package domain

import (
	"regexp"
	"sync"
)

// lazyRegexp compiles its expression the first time it is used, not at every process
// start (issue 14.4: a CLI command paid for every expression of every package it links).
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
