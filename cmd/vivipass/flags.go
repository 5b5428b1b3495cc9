package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
)

// flags is a flag set with Italian errors, that also accepts flags after positional
// arguments (`vivipass import file.csv --dry-run`).
type flags struct {
	*flag.FlagSet
	usage string
	db    *string
}

func newFlags(name, usage string) *flags { return newFlagsDB(name, usage, defaultDB()) }

// flags is newFlags with the default database of whoever typed the command: inside
// the server, the client's (its VIVIPASS_DB, XDG_DATA_HOME, HOME), not the server's.
func (e *env) flags(name, usage string) *flags { return newFlagsDB(name, usage, e.defaultDB) }

func newFlagsDB(name, usage, db string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	f := &flags{FlagSet: fs, usage: usage}
	f.db = fs.String("db", db, "file del database")
	return f
}

// parse returns the positional arguments; want is how many (-1 = any).
func (f *flags) parse(args []string, want int) ([]string, error) {
	var pos []string
	for {
		if err := f.FlagSet.Parse(args); err != nil {
			if errors.Is(err, flag.ErrHelp) {
				return nil, f.help()
			}
			msg := err.Error()
			switch {
			case strings.HasPrefix(msg, "flag provided but not defined: "):
				msg = "opzione sconosciuta " + strings.TrimPrefix(msg, "flag provided but not defined: ")
			case strings.HasPrefix(msg, "flag needs an argument: "):
				msg = "l'opzione " + strings.TrimPrefix(msg, "flag needs an argument: ") + " richiede un valore"
			}
			return nil, usageError{msg, f.usage}
		}
		args = f.Args()
		if len(args) == 0 {
			break
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
	if want >= 0 && len(pos) != want {
		return nil, usageError{fmt.Sprintf("attesi %d argomenti, ricevuti %d", want, len(pos)), f.usage}
	}
	return pos, nil
}

// helpRequest is -h or --help: the usage and the options, on stdout, exit 0.
type helpRequest struct{ text string }

func (h helpRequest) Error() string { return "aiuto" }

func (f *flags) help() helpRequest {
	var b strings.Builder
	fmt.Fprintf(&b, "uso: vivipass %s\n\nopzioni:\n", f.usage)
	f.VisitAll(func(fl *flag.Flag) { fmt.Fprintf(&b, "  --%-12s %s\n", fl.Name, fl.Usage) })
	return helpRequest{b.String()}
}
