package main

import (
	"fmt"
	"os"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"golang.org/x/term"

	"vivipass/domain"
	"vivipass/tui"
)

// cmdDesk opens the desk for one operator on this terminal.
func cmdDesk(e *env, args []string) error {
	f := e.flags("vivipass", "[--db FILE] [--operator NOME]")
	opName := f.String("operator", "", "operatore (predefinito: il primo registrato)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	svc, done, err := e.open(*f.db)
	if err != nil {
		return err
	}
	defer done()
	ops, err := svc.Operators(e.actor())
	if err != nil {
		return err
	}
	var op *domain.Operator
	for i := range ops {
		if *opName == "" || ops[i].Name == *opName {
			op = &ops[i]
			break
		}
	}
	if op == nil {
		if *opName != "" {
			return fmt.Errorf("operatore %q non registrato (vedi `vivipass operator list`)", *opName)
		}
		return fmt.Errorf("nessun operatore registrato: `vivipass operator add …`, oppure `vivipass demo` per i dati dimostrativi")
	}
	if f, ok := e.stdin.(*os.File); !ok || !term.IsTerminal(int(f.Fd())) {
		return fmt.Errorf("la scrivania richiede un terminale: avviare vivipass da un terminale, oppure collegarsi con ssh a `vivipass serve`")
	}
	plain := os.Getenv("NO_COLOR") != "" // no-color.org: any non-empty value
	m := tui.New(desk(svc, *op, plain))
	defer m.Close()
	opts := []tea.ProgramOption{tea.WithInput(e.stdin), tea.WithOutput(e.stdout)}
	if plain {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	_, err = tea.NewProgram(m, opts...).Run()
	return err
}
