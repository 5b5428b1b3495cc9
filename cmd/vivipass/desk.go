package main

import (
	"fmt"
	"strings"

	"vivipass/domain"
	"vivipass/service"
)

// cmdDesk opens the desk for one operator on this terminal. Until the TUI lands it
// prints the comune's overview (counts, passes expiring) and the commands at hand.
func cmdDesk(e *env, args []string) error {
	f := newFlags("vivipass", "[--db FILE] [--operator NOME]")
	opName := f.String("operator", "", "operatore (predefinito: il primo registrato)")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	svc, done, err := openService(*f.db)
	if err != nil {
		return err
	}
	defer done()
	ops, err := svc.Operators(cliActor())
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
	a := service.OperatorActor(*op)
	counts, err := svc.Counts(a)
	if err != nil {
		return err
	}
	st, err := svc.Settings(a, op.Comune)
	if err != nil {
		return err
	}
	place, _ := domain.ComuneByCode(op.Comune)
	fmt.Fprintf(e.stdout, "vivipass – %s, comune di %s (%s)\n\n", op.Name, place.Label(), op.Role)
	var parts []string
	for _, s := range domain.AllStates() {
		if n := counts[s]; n > 0 {
			parts = append(parts, fmt.Sprintf("%s %d", s.Label(), n))
		}
	}
	fmt.Fprintf(e.stdout, "Contrassegni: %s\n", strings.Join(parts, ", "))
	rows, err := svc.Expiring(a, st.AlertDays)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "\nIn scadenza nei prossimi %d giorni: %d\n", st.AlertDays, len(rows))
	for i, r := range rows {
		if i == 10 {
			fmt.Fprintf(e.stdout, "  … e altri %d\n", len(rows)-10)
			break
		}
		fmt.Fprintf(e.stdout, "  %s  %-18s %s\n", r.Scadenza, r.Number, r.Holder)
	}
	fmt.Fprintln(e.stdout, "\nComandi: vivipass search TESTO · vivipass pass show NUMERO · vivipass aiuto")
	return nil
}
