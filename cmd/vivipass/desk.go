//go:build !lean

package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"golang.org/x/term"

	"vivipass/domain"
	"vivipass/files"
	"vivipass/service"
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
	o := desk(svc, *op, plain)
	// The comuni's folders beside the database, as `serve` keeps them by default.
	if o.Files, err = files.New(filepath.Join(filepath.Dir(svc.DB().Path()), "file")); err != nil {
		return err
	}
	m := tui.New(o)
	defer m.Close()
	// The national platform's queue, as serve drains it: a pass saved with the consent
	// shows its CUDE ID and codice univoco a moment later (the demo's simulator included).
	ctx, stop := context.WithCancel(e.ctx)
	defer stop()
	go (&service.NationalWorker{Svc: svc}).Run(ctx)
	opts := []tea.ProgramOption{tea.WithInput(e.stdin), tea.WithOutput(e.stdout)}
	if plain {
		opts = append(opts, tea.WithColorProfile(colorprofile.Ascii))
	}
	if _, err = tea.NewProgram(m, opts...).Run(); err == nil && m.Ended() != "" {
		fmt.Fprintln(e.stdout, m.Ended())
	}
	return err
}
