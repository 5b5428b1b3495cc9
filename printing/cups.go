package printing

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Spooler hands PDFs to CUPS with the command-line clients: `lp` submits (the PDF on
// its standard input), `lpstat -W completed` tells when the job is done, and an IPP
// Get-Job-Attributes request (ipp.go) tells how it ended, which lpstat does not say.
// Commands run with exec and separate arguments, never through a shell: queue names and
// titles come from operators.
type Spooler struct {
	// Server is the CUPS server as host:port ("" = CUPS's own default: $CUPS_SERVER,
	// client.conf, the local socket).
	Server string
	// Timeout bounds the wait for a job to finish (default 2 minutes).
	Timeout time.Duration
	// Poll is the interval between two lpstat calls (default 200 ms).
	Poll time.Duration
}

// Job is a PDF to print.
type Job struct {
	Queue    string
	Title    string // job name (cups-pdf names the file after it)
	PDF      []byte
	PageSize string // "Custom.148x106mm" for cards, "" = the queue's default (A4)
	Sides    string // "one-sided", "two-sided-long-edge", "two-sided-short-edge", "" = queue default
}

// CardPageSize is the CUPS media of a card layout: without it cups-pdf and most drivers
// put the card on A4 (scaled or not).
func CardPageSize(l Layout) string {
	return "Custom." + strconv.FormatFloat(l.Width, 'f', -1, 64) + "x" + strconv.FormatFloat(l.Height, 'f', -1, 64) + "mm"
}

// JobResult is what the operator is told.
type JobResult struct {
	ID      string // "DESK1-42"
	Queue   string
	State   string // "completato", "annullato", "interrotto"
	Message string // from the printer, if any
}

var (
	reQueue   = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`^[A-Za-z0-9_.-]{1,127}$`) })
	reRequest = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`request id is (\S+)`) })
)

// CheckQueue accepts CUPS queue names (letters, digits, _ . -; no spaces, no '/').
func CheckQueue(q string) error {
	if !reQueue().MatchString(q) {
		return errorf("nome della coda di stampa %q non valido: lettere, cifre, _ . - (come in lpstat -p)", q)
	}
	return nil
}

func (s Spooler) timeout() time.Duration {
	if s.Timeout > 0 {
		return s.Timeout
	}
	return 2 * time.Minute
}

func (s Spooler) poll() time.Duration {
	if s.Poll > 0 {
		return s.Poll
	}
	return 200 * time.Millisecond
}

// command builds a CUPS client command: -h for a given server, C locale so the messages
// it prints are the English ones errors.go knows.
func (s Spooler) command(ctx context.Context, name string, args ...string) *exec.Cmd {
	if s.Server != "" {
		args = append([]string{"-h", s.Server}, args...)
	}
	cmd := exec.CommandContext(ctx, name, args...)
	env := []string{"LC_ALL=C", "LANG=C"}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG=") {
			env = append(env, kv)
		}
	}
	cmd.Env = env
	return cmd
}

// Print submits the job, waits until CUPS has finished it and reports how it ended. A
// job CUPS refused, cancelled or aborted is an *Error in Italian; the JobResult names
// the job in every case where it was accepted.
func (s Spooler) Print(ctx context.Context, j Job) (JobResult, error) {
	res := JobResult{Queue: j.Queue}
	if err := CheckQueue(j.Queue); err != nil {
		return res, err
	}
	if len(j.PDF) == 0 {
		return res, errorf("niente da stampare")
	}
	args := []string{"-d", j.Queue}
	if t := strings.TrimSpace(j.Title); t != "" {
		args = append(args, "-t", t)
	}
	if j.PageSize != "" {
		args = append(args, "-o", "PageSize="+j.PageSize)
	}
	if j.Sides != "" {
		args = append(args, "-o", "sides="+j.Sides)
	}
	args = append(args, "--") // the PDF comes on standard input
	cmd := s.command(ctx, "lp", args...)
	cmd.Stdin = bytes.NewReader(j.PDF)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		if !s.schedulerRunning(ctx) {
			// lp says "the printer does not exist" when it cannot reach the server.
			return res, errorf("il server di stampa CUPS non risponde%s: controllare che sia avviato", s.where())
		}
		return res, cupsError("lp", j.Queue, err, stderr.String())
	}
	m := reRequest().FindStringSubmatch(stdout.String())
	if m == nil {
		return res, errorf("CUPS non ha restituito il numero del lavoro (lp: %s)", strings.TrimSpace(stdout.String()+stderr.String()))
	}
	res.ID = m[1]
	if err := s.wait(ctx, j.Queue, res.ID); err != nil {
		return res, err
	}
	st, err := s.jobState(ctx, res.ID)
	if err != nil {
		// lpstat said it is done; only how it ended is unknown.
		res.State, res.Message = "completato", "esito non verificabile: "+err.Error()
		return res, nil
	}
	res.Message = st.message
	switch st.state {
	case ippJobCompleted:
		res.State = "completato"
		return res, nil
	case ippJobCanceled:
		res.State = "annullato"
		return res, errorf("il lavoro %s è stato annullato%s", res.ID, because(st.message))
	default:
		res.State = "interrotto"
		return res, errorf("il lavoro %s è stato interrotto dalla stampante%s", res.ID, because(st.message))
	}
}

func because(msg string) string {
	if msg == "" {
		return ""
	}
	return ": " + translateCUPS(msg)
}

// wait polls `lpstat -W completed -o QUEUE` until the job is listed.
func (s Spooler) wait(ctx context.Context, queue, id string) error {
	deadline := time.Now().Add(s.timeout())
	for {
		cmd := s.command(ctx, "lpstat", "-W", "completed", "-o", queue)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return cupsError("lpstat", queue, err, stderr.String())
		}
		for _, line := range strings.Split(string(out), "\n") {
			if f := strings.Fields(line); len(f) > 0 && f[0] == id {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return errorf("il lavoro %s non è terminato entro %s: è ancora in coda%s; controllare la stampante (lpstat -o %s)",
				id, s.timeout(), because(s.jobStatus(ctx, queue, id)), queue)
		}
		select {
		case <-ctx.Done():
			return errorf("attesa del lavoro %s interrotta: il lavoro resta in coda", id)
		case <-time.After(s.poll()):
		}
	}
}

// schedulerRunning asks `lpstat -r`.
func (s Spooler) schedulerRunning(ctx context.Context) bool {
	out, err := s.command(ctx, "lpstat", "-r").Output()
	return err == nil && strings.Contains(string(out), "scheduler is running")
}

func (s Spooler) where() string {
	if s.Server != "" {
		return " (" + s.Server + ")"
	}
	if v := os.Getenv("CUPS_SERVER"); v != "" {
		return " (" + v + ")"
	}
	return ""
}

// jobStatus is the "Status:" line lpstat -l shows for a pending job ("" if none).
func (s Spooler) jobStatus(ctx context.Context, queue, id string) string {
	out, err := s.command(ctx, "lpstat", "-l", "-o", queue).Output()
	if err != nil {
		return ""
	}
	mine := false
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 && !strings.HasPrefix(line, "\t") {
			mine = f[0] == id
			continue
		}
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "Status:"); ok && mine {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// cupsError turns a failed lp/lpstat into an Italian message.
func cupsError(tool, queue string, err error, stderr string) error {
	var ee *exec.Error
	if errors.As(err, &ee) {
		return errorf("comando %s non trovato: installare il pacchetto cups-client (e cups-bsd per lp)", tool)
	}
	msg := strings.TrimSpace(stderr)
	for _, p := range []string{tool + ": ", "Error - ", "error - "} {
		msg = strings.TrimPrefix(msg, p)
	}
	low := strings.ToLower(msg)
	switch {
	case strings.Contains(low, "does not exist") || strings.Contains(low, "not found") || strings.Contains(low, "unknown destination") || strings.Contains(low, "invalid destination"):
		return errorf("la stampante «%s» non esiste in CUPS (le code disponibili: lpstat -p)", queue)
	case strings.Contains(low, "not accepting"):
		return errorf("la stampante «%s» non accetta lavori: riattivarla con cupsaccept %s", queue, queue)
	case strings.Contains(low, "connect") || strings.Contains(low, "connection refused") || strings.Contains(low, "scheduler is not running"):
		return errorf("il server di stampa CUPS non risponde: controllare che sia avviato (%s)", msg)
	case strings.Contains(low, "forbidden") || strings.Contains(low, "not authorized") || strings.Contains(low, "unauthorized"):
		return errorf("CUPS non consente di stampare su «%s»: permesso negato", queue)
	case msg == "":
		return errorf("%s non riuscito: %v", tool, err)
	}
	return errorf("CUPS ha rifiutato il lavoro per «%s»: %s", queue, translateCUPS(msg))
}

// translateCUPS turns the messages printers and backends commonly report into Italian;
// others stay as they are.
func translateCUPS(msg string) string {
	low := strings.ToLower(msg)
	for _, t := range []struct{ en, it string }{
		{"may not exist or is unavailable", "la stampante non risponde (spenta, scollegata o indirizzo errato)"},
		{"connection refused", "la stampante rifiuta la connessione"},
		{"out of paper", "carta esaurita"},
		{"media-empty", "carta esaurita"},
		{"media-jam", "carta inceppata"},
		{"paper jam", "carta inceppata"},
		{"door open", "sportello aperto"},
		{"toner", "toner o nastro esaurito"},
		{"canceled by user", "annullato da un utente"},
		{"filter failed", "conversione del documento non riuscita"},
		{"backend", "errore del collegamento alla stampante"},
	} {
		if strings.Contains(low, t.en) {
			return t.it + " (" + msg + ")"
		}
	}
	return msg
}

// Describe is the one line the TUI and the CLI show for a finished job.
func (r JobResult) Describe() string {
	s := fmt.Sprintf("lavoro %s sulla stampante %s: %s", r.ID, r.Queue, r.State)
	if r.Message != "" && r.State != "completato" {
		s += " (" + translateCUPS(r.Message) + ")"
	}
	return s
}
