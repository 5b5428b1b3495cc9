package print

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/huh/v2"

	"vivipass/files"
	"vivipass/service"
	"vivipass/tui/common"
	"vivipass/tui/components/formkit"
)

// fileDest is the destination "file PDF nella cartella stampe/" among the queues (a queue name is
// never empty).
const fileDest = ""

// setup is what the destination choice offers: the operator's printer (preselected)
// and the queues configured for the comune.
type setup struct {
	mine     string
	printers []service.Printer
}

func loadSetup(svc *service.Service, a service.Actor) (setup, error) {
	var s setup
	var err error
	if s.mine, err = svc.PrinterFor(a); err != nil {
		return s, err
	}
	s.printers, err = svc.Printers(a)
	return s, err
}

// options are the destinations: the operator's printer first, the other queues, then
// a PDF file on the server.
func (s setup) options() []huh.Option[string] {
	var opts []huh.Option[string]
	seen := map[string]bool{}
	add := func(q, label string) {
		if !seen[q] {
			seen[q] = true
			opts = append(opts, huh.NewOption(label, q))
		}
	}
	if s.mine != "" {
		add(s.mine, "stampante "+s.mine+" (la tua)")
	}
	for _, p := range s.printers {
		label := "stampante " + p.Queue
		if p.Label != "" {
			label += " – " + p.Label
		}
		add(p.Queue, label)
	}
	return append(opts, huh.NewOption("file PDF nella cartella stampe/", fileDest))
}

// printer is the settings of a configured queue (zero when not configured).
func (s setup) printer(q string) service.Printer {
	for _, p := range s.printers {
		if p.Queue == q {
			return p
		}
	}
	return service.Printer{Queue: q}
}

// fileFor is the name of the PDF a document goes to in the comune's stampe/ folder:
// none on a printer (queue), else what the operator typed, or the document's own name.
func fileFor(queue, typed, name string) string {
	if queue != fileDest {
		return ""
	}
	if t := strings.TrimSpace(typed); t != "" {
		return t
	}
	return name
}

// nameInput asks for the name of the PDF in stampe/ (empty: the document's name).
func nameInput(ctx *common.Context, v *string) *huh.Input {
	return formkit.SaveName(ctx, "stampe", "Nome del file PDF", v).Placeholder("vuoto: il nome del documento").
		Validate(func(string) error {
			if ctx.Files == nil {
				return errors.New("la cartella dei file del comune non è configurata su questo server: scegliere una stampante")
			}
			return nil
		})
}

// deliver sends doc to a queue, or (queue fileDest) to the PDF file named file in the
// comune's stampe/ folder.
func deliver(svc *service.Service, a service.Actor, folder *files.Folder, doc service.Document, queue, file string) (service.Delivery, error) {
	to := service.Target{Queue: queue}
	if queue == fileDest {
		if folder == nil {
			return service.Delivery{}, errors.New("la cartella dei file del comune non è configurata su questo server")
		}
		to = service.Target{Folder: folder, Name: file}
	}
	return svc.Deliver(context.Background(), a, doc, to)
}

// where says where a document goes: "sulla stampante X", "nel file Y".
func where(queue, file string) string {
	if queue == fileDest {
		return "nel file stampe/" + file
	}
	return "sulla stampante " + queue
}

// waiting is the line shown while Deliver runs.
func waiting(queue, file string) string {
	if queue == fileDest {
		return "Scrittura del file " + file + "…"
	}
	return fmt.Sprintf("Invio alla stampante %s: si attende l'esito del lavoro…", queue)
}

// mm formats millimetres the Italian way with a sign: "+1,5 mm", "−0,5 mm" (a minus
// sign: a line is not broken after it).
func mm(v float64) string {
	return strings.NewReplacer(".", ",", "-", "−").Replace(fmt.Sprintf("%+.1f mm", v))
}

// duplexLabel says how a queue prints fronte-retro.
func duplexLabel(d string) string {
	switch d {
	case "two-sided-long-edge":
		return "automatico, lato lungo"
	case "two-sided-short-edge":
		return "automatico, lato corto"
	}
	return "a mano (si gira la carta)"
}
