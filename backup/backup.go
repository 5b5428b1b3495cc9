// Package backup makes the register's scheduled copies: one a day at a set hour, each
// written hot and verified (service.BackupTo), the oldest pruned, the outcome recorded
// for the administrators' Home (M7).
package backup

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"syscall"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// Prefix and Suffix frame the name of a scheduled copy: vivipass-20261203-0230.db.
// Pruning touches only files so named: whatever else is in the folder is left alone.
const (
	Prefix = "vivipass-"
	Suffix = ".db"
)

// Schedule says where, when and how many copies.
type Schedule struct {
	Dir  string        // the folder of the copies (created 0700)
	At   time.Duration // time of day, Italian time, as an offset from midnight (02:30 → 2h30m)
	Keep int           // copies kept (the newest); at least 1
}

// ParseAt reads a time of day "hh:mm".
func ParseAt(s string) (time.Duration, error) {
	t, err := time.Parse("15:04", strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("ora non valida %q: usare hh:mm, per esempio 02:30", s)
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// Next is the first instant at the schedule's time of day after now (Italian time, so
// the hour holds across daylight saving changes).
func (sc Schedule) Next(now time.Time) time.Time {
	local := now.In(domain.Rome)
	y, m, d := local.Date()
	h, min := int(sc.At/time.Hour), int(sc.At%time.Hour/time.Minute)
	next := time.Date(y, m, d, h, min, 0, 0, domain.Rome)
	if !next.After(local) {
		next = time.Date(y, m, d+1, h, min, 0, 0, domain.Rome)
	}
	return next
}

// Run makes one copy now: written and verified, then the oldest pruned beyond Keep.
// The outcome is recorded by the service whatever happens.
func Run(svc *service.Service, sc Schedule, now time.Time) (service.BackupOutcome, error) {
	if err := os.MkdirAll(sc.Dir, 0o700); err != nil {
		return service.BackupOutcome{}, fmt.Errorf("cartella dei backup %s non utilizzabile: %w", sc.Dir, err)
	}
	name := Prefix + now.In(domain.Rome).Format("20060102-150405") + Suffix
	o, err := svc.BackupTo(service.SystemActor("backup"), filepath.Join(sc.Dir, name))
	if err != nil {
		return o, err
	}
	_, err = Prune(sc.Dir, sc.Keep)
	return o, err
}

// Prune removes the oldest scheduled copies of dir beyond keep, and says which. Only
// files named Prefix…Suffix count; names sort by time.
func Prune(dir string, keep int) ([]string, error) {
	keep = max(keep, 1)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var copies []string
	for _, e := range entries {
		if n := e.Name(); e.Type().IsRegular() && strings.HasPrefix(n, Prefix) && strings.HasSuffix(n, Suffix) {
			copies = append(copies, n)
		}
	}
	sort.Strings(copies)
	var removed []string
	for len(copies) > keep {
		if err := os.Remove(filepath.Join(dir, copies[0])); err != nil {
			return removed, err
		}
		removed = append(removed, copies[0])
		copies = copies[1:]
	}
	return removed, nil
}

// Scheduler runs the daily copy until its context ends.
type Scheduler struct {
	Svc      *service.Service
	Schedule Schedule
	Log      *slog.Logger
	Now      func() time.Time                       // nil: time.Now
	After    func(d time.Duration) <-chan time.Time // nil: time.After (tests move the clock)
}

// Run waits for the next copy time, copies, and again, until ctx ends.
func (s *Scheduler) Run(ctx context.Context) {
	now, after := s.Now, s.After
	if now == nil {
		now = time.Now
	}
	if after == nil {
		after = time.After
	}
	log := s.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	for {
		next := s.Schedule.Next(now())
		select {
		case <-ctx.Done():
			return
		case <-after(next.Sub(now())):
		}
		o, err := Run(s.Svc, s.Schedule, now())
		if err != nil {
			log.Error("backup non riuscito", "file", o.File, "errore", err.Error())
			continue
		}
		log.Info("backup scritto e verificato", "file", o.File, "byte", o.Size, "contrassegni", o.Passes, "durata", o.Took.Round(time.Millisecond).String())
	}
}

// VerifyApart is a service.CopyVerifier that checks a copy in a child process, `exe
// store verify --db COPY --json`, at the lowest CPU priority: the hundreds of MB that
// rebuilding a region's indexes allocates stay out of the server's heap. Even so, on a
// two-core machine any busy process lengthens the sessions' key → frame time (measured:
// a bare loop at idle priority took ten typists' p99 from 16 to 35 ms), so the child
// is also paused while busy() says operators are typing (see pace). exe is the
// vivipass binary; busy may be nil.
func VerifyApart(exe string, busy func() bool) service.CopyVerifier {
	return func(path string) ([]store.Problem, int, error) {
		var out, errOut bytes.Buffer
		cmd := exec.Command(exe, "store", "verify", "--json", "--db", path)
		// Idle scheduling and nice 19 from the exec on, so that every thread of the child
		// (its collector's too) has them; Setpriority after the start would reach only
		// the first thread. Without chrt or nice, the priority is set on that one.
		var prefix []string
		if p, err := exec.LookPath("chrt"); err == nil {
			prefix = append(prefix, p, "--idle", "0")
		}
		if p, err := exec.LookPath("nice"); err == nil {
			prefix = append(prefix, p, "-n", "19")
		}
		if len(prefix) > 0 {
			cmd = exec.Command(prefix[0], append(append(prefix[1:], exe), cmd.Args[1:]...)...)
		}
		cmd.Stdout, cmd.Stderr = &out, &errOut
		cmd.Env = append(os.Environ(), "VIVIPASS_DB="+path)
		if err := cmd.Start(); err != nil {
			return nil, 0, fmt.Errorf("verifica della copia non avviata: %w", err)
		}
		if len(prefix) == 0 {
			_ = syscall.Setpriority(syscall.PRIO_PROCESS, cmd.Process.Pid, 19)
		}
		stopPacing := pace(cmd.Process.Pid, busy)
		waitErr := cmd.Wait()
		stopPacing()
		var res struct {
			Problems []store.Problem `json:"problems"`
			Passes   int             `json:"passes"`
		}
		if err := json.Unmarshal(out.Bytes(), &res); err != nil {
			msg := strings.TrimSpace(errOut.String())
			if msg == "" && waitErr != nil {
				msg = waitErr.Error()
			}
			return nil, 0, fmt.Errorf("la copia %s non si verifica: %s", path, strings.TrimPrefix(msg, "errore: "))
		}
		return res.Problems, res.Passes, nil
	}
}

// Pacing of a background process: stopped (SIGSTOP) while busy() holds, continued
// (SIGCONT) when it no longer does; never stopped for longer than paceStarve at once,
// then given paceSlice, so that it finishes even under constant typing.
const (
	paceTick   = 20 * time.Millisecond
	paceStarve = 5 * time.Second
	paceSlice  = 50 * time.Millisecond
)

// pace runs the pacing of pid until the returned function is called (it continues the
// process before returning).
func pace(pid int, busy func() bool) (stop func()) {
	if busy == nil {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(paceTick)
		defer t.Stop()
		stopped := false
		var since time.Time // when it was stopped, or last given a slice
		for {
			select {
			case <-done:
				if stopped {
					_ = syscall.Kill(pid, syscall.SIGCONT)
				}
				return
			case now := <-t.C:
				switch {
				case !stopped && busy() && now.Sub(since) >= paceSlice:
					if syscall.Kill(pid, syscall.SIGSTOP) == nil {
						stopped, since = true, now
					}
				case stopped && (!busy() || now.Sub(since) >= paceStarve):
					if syscall.Kill(pid, syscall.SIGCONT) == nil {
						stopped, since = false, now
					}
				}
			}
		}
	}()
	return func() { close(done); <-finished }
}
