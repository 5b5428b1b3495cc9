package print

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"charm.land/huh/v2"

	"vivipass/service"
)

// fileDest is the destination "file PDF sul server" among the queues (a queue name is
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
	return append(opts, huh.NewOption("file PDF sul server", fileDest))
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

// defaultDir is the folder first offered for PDF files: the process's working
// directory (where the desk was started), else the temporary directory.
func defaultDir() string {
	if wd, err := os.Getwd(); err == nil {
		return wd
	}
	return os.TempDir()
}

// resolvePath is the file a document goes to: a folder (one that exists, or a path
// ending in /) gets the document's own name.
func resolvePath(p, name string) string {
	p = strings.TrimSpace(p)
	if strings.HasSuffix(p, string(filepath.Separator)) {
		return filepath.Join(p, name)
	}
	if st, err := os.Stat(p); err == nil && st.IsDir() {
		return filepath.Join(p, name)
	}
	return p
}

// fileFor is the file a document goes to: none on a printer (queue), else the path
// typed (a folder gets name).
func fileFor(queue, path, name string) string {
	if queue != fileDest {
		return ""
	}
	return resolvePath(path, name)
}

// pathInput asks for a folder or a PDF file on the server.
func pathInput(v *string) *huh.Input {
	return huh.NewInput().Key("path").Title("File PDF sul server").
		Description("Una cartella (il file prende il nome del documento) oppure il percorso di un file .pdf.").
		CharLimit(4096).Value(v).Validate(checkPath)
}

func checkPath(s string) error {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return errors.New("indicare una cartella o un file sul server")
	case !filepath.IsAbs(s):
		return errors.New("indicare un percorso assoluto (comincia con /)")
	}
	return nil
}

// deliver sends doc to a queue, or to file when queue is fileDest.
func deliver(svc *service.Service, a service.Actor, doc service.Document, queue, file string) (service.Delivery, error) {
	to := service.Target{Queue: queue}
	if queue == fileDest {
		to = service.Target{File: file}
	}
	return svc.Deliver(context.Background(), a, doc, to)
}

// where says where a document goes: "sulla stampante X", "nel file Y".
func where(queue, file string) string {
	if queue == fileDest {
		return "nel file " + file
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
