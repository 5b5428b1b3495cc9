package service

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"vivipass/domain"
	"vivipass/internal/explain"
	"vivipass/national"
	"vivipass/store"
)

// The national platform (N1–N5): every change the platform must hear about is an outbox
// job written with the change (queueNational in service.go); NationalDrain sends the due
// ones, in order per pass, and writes the platform's answer and closes the job in one
// transaction. A job is sent with its idempotency key, so a send repeated after a crash
// between the answer and that commit is not applied twice by the platform.

// PlatformFor builds the client of a comune's platform from its settings (the HTTPS
// client in production, the simulator in tests and the demo).
type PlatformFor func(cfg store.NationalConfig) (national.Platform, error)

// WithPlatform sets how the national platform is reached.
func WithPlatform(p PlatformFor) Option { return func(s *Service) { s.platformFor = p } }

// nationalActor signs what the platform's answers change.
var nationalActor = SystemActor("piattaforma nazionale")

// NationalSettings is what the server's administrator sets for a comune.
type NationalSettings struct {
	Comune          string
	URL             string
	User            string
	PasswordFile    string
	CAFile          string
	PasswordExpires domain.Date
	WarnDays        int // 0: 14
	Manual          bool
}

// NationalConfigure saves a comune's settings (N4, N5): the server's administrator
// only (they name files of the server and the host the password goes to). Saving
// lifts a pause (a password changed).
func (s *Service) NationalConfigure(a Actor, in NationalSettings) (store.NationalConfig, error) {
	if a.Comune != "" || !a.Admin() {
		return store.NationalConfig{}, ErrForbidden
	}
	code := strings.ToUpper(strings.TrimSpace(in.Comune))
	if _, ok := domain.ComuneByCode(code); !ok {
		return store.NationalConfig{}, &domain.Error{Message: fmt.Sprintf("comune %q sconosciuto", in.Comune)}
	}
	if in.WarnDays == 0 {
		in.WarnDays = 14
	}
	if in.WarnDays < 0 || in.WarnDays > 365 {
		return store.NationalConfig{}, &domain.Error{Message: fmt.Sprintf("giorni di preavviso %d fuori intervallo (1–365)", in.WarnDays)}
	}
	if !in.Manual {
		if err := checkPlatformURL(in.URL); err != nil {
			return store.NationalConfig{}, err
		}
		if strings.TrimSpace(in.User) == "" {
			return store.NationalConfig{}, &domain.Error{Message: "indicare l'utenza CUDE del comune (--user)"}
		}
	}
	if in.PasswordFile != "" { // a file another user may read is refused now, not at the first send
		if fi, err := os.Stat(in.PasswordFile); err == nil {
			if err := secretModeError(in.PasswordFile, fi.Mode()); err != nil {
				return store.NationalConfig{}, err
			}
		}
	}
	cfg := store.NationalConfig{Comune: code, URL: strings.TrimSpace(in.URL), User: strings.TrimSpace(in.User),
		PasswordFile: in.PasswordFile, CAFile: in.CAFile, WarnDays: in.WarnDays, Manual: in.Manual}
	if !in.PasswordExpires.IsZero() {
		cfg.PasswordExpires = in.PasswordExpires.Time()
	}
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		if old, err := tx.NationalConfig(code); err == nil {
			cfg.Version = old.Version
		} else if err != store.ErrNotFound {
			return err
		}
		cfg.Version++
		if err := tx.PutNationalConfig(cfg); err != nil {
			return err
		}
		mode := "invio automatico a " + cfg.URL
		if cfg.Manual {
			mode = "modalità manuale"
		}
		*ev = append(*ev, AdminChanged{code}, NationalQueued{code})
		return s.audit(tx, a, code, "piattaforma nazionale", "comune "+code, 0, mode)
	})
	return cfg, err
}

// SimulatorURL starts the address of the simulator run inside the process, for the
// demo: "simulatore:" followed by the simulator's state file.
const SimulatorURL = "simulatore:"

// checkPlatformURL: https, http towards this machine only (tests), or the simulator
// inside the process (the demo).
func checkPlatformURL(raw string) error {
	if state, ok := strings.CutPrefix(strings.TrimSpace(raw), SimulatorURL); ok {
		if !filepath.IsAbs(state) {
			return &domain.Error{Message: "simulatore: indicare il file di stato con un percorso completo"}
		}
		return nil
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" {
		return &domain.Error{Message: fmt.Sprintf("indirizzo della piattaforma %q non valido: es. https://cude.example.it", raw)}
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if ip := net.ParseIP(host); host == "localhost" || (ip != nil && ip.IsLoopback()) {
			return nil
		}
	}
	return &domain.Error{Message: fmt.Sprintf("indirizzo %q: serve https (http solo verso questa macchina)", raw)}
}

// nationalPassword reads the comune's password: the file named in the settings, else
// VIVIPASS_NATIONAL_PASSWORD_<CODE>. Never stored, never logged (national.Secret).
func nationalPassword(cfg store.NationalConfig) (national.Secret, error) {
	if cfg.PasswordFile != "" {
		b, err := readSecretFile(cfg.PasswordFile)
		if err != nil {
			return "", err
		}
		return national.Secret(strings.TrimSpace(string(b))), nil
	}
	if p := os.Getenv("VIVIPASS_NATIONAL_PASSWORD_" + cfg.Comune); p != "" {
		return national.Secret(p), nil
	}
	return "", fmt.Errorf("password della piattaforma non configurata (file o VIVIPASS_NATIONAL_PASSWORD_%s)", cfg.Comune)
}

// NationalQueued: jobs for the platform were written or retried in comune (wakes the
// worker).
type NationalQueued struct{ InComune string }

func (e NationalQueued) Comune() string { return e.InComune }

// The states of a job, for the desk (which does not import store).
const (
	JobPending  = store.JobPending
	JobRejected = store.JobRejected
)

// NationalJob is a job of the queue as operators see it.
type NationalJob struct {
	store.OutboxJob
	Number string `json:"numero_contrassegno"`
	Holder string `json:"titolare"`
}

// Bounds of the closed jobs NationalQueue lists besides the open ones: the latest
// shown, and how far back it looks for them (a region's outbox grows by years).
const (
	queueClosedShown   = 500
	queueClosedScanned = 50000
)

// NationalQueue lists the jobs of the actor's comuni, newest first: the open ones
// (pending or rejected) and, unless pendingOnly, the latest closed ones.
func (s *Service) NationalQueue(a Actor, pendingOnly bool) ([]NationalJob, error) {
	var out []NationalJob
	err := s.view(func(tx *store.Tx) error {
		jobs, err := tx.Jobs(true)
		if err != nil {
			return err
		}
		if !pendingOnly {
			shown, scanned := 0, 0
			err := tx.JobsNewestFirst(func(j store.OutboxJob) bool {
				if !j.Open() && a.Sees(j.Comune) {
					jobs = append(jobs, j)
					shown++
				}
				scanned++
				return shown < queueClosedShown && scanned < queueClosedScanned
			})
			if err != nil {
				return err
			}
			slices.SortFunc(jobs, func(x, y store.OutboxJob) int { return cmp.Compare(x.Seq, y.Seq) })
		}
		for i := len(jobs) - 1; i >= 0; i-- {
			j := jobs[i]
			if !a.Sees(j.Comune) {
				continue
			}
			v := NationalJob{OutboxJob: j}
			if p, err := tx.Pass(j.PassID); err == nil {
				v.Number, v.Holder = p.Number, p.HolderName
			}
			out = append(out, v)
		}
		return nil
	})
	return out, err
}

// NationalRetry sends a job again at once (seq 0: every job not done of the actor's
// comuni), a rejected one included: the operator has acted on the reason.
func (s *Service) NationalRetry(a Actor, seq uint64) (int, error) {
	n := 0
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		found := false
		var err error
		n, err = s.retryJobs(tx, ev, func(j store.OutboxJob) bool {
			ok := (seq == 0 || j.Seq == seq) && a.Sees(j.Comune)
			found = found || ok
			return ok
		})
		if err == nil && seq != 0 && !found {
			err = &domain.Error{Message: fmt.Sprintf("invio %d non trovato", seq)}
		}
		return err
	})
	return n, err
}

// NationalRetryPass sends the jobs not done of a pass (any of its versions) again at
// once: the Scheda contrassegno's retry.
func (s *Service) NationalRetryPass(a Actor, passID uint64) (int, error) {
	n := 0
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		p, err := loadPass(tx, a, passID)
		if err != nil {
			return err
		}
		n, err = s.retryJobs(tx, ev, func(j store.OutboxJob) bool { return j.Lineage == p.Lineage && a.Sees(j.Comune) })
		if err == nil && n == 0 {
			err = &domain.Error{Message: "il contrassegno " + p.Number + " non ha invii alla piattaforma in attesa"}
		}
		return err
	})
	return n, err
}

// retryJobs makes the pending and rejected jobs that match due now.
func (s *Service) retryJobs(tx *store.Tx, ev *[]Event, match func(store.OutboxJob) bool) (int, error) {
	jobs, err := tx.Jobs(true)
	if err != nil {
		return 0, err
	}
	n, now := 0, s.now().UTC()
	for _, j := range jobs {
		if !match(j) {
			continue
		}
		j.State, j.NextTry = store.JobPending, now
		if err := tx.PutJob(j); err != nil {
			return n, err
		}
		n++
		*ev = append(*ev, NationalQueued{j.Comune})
	}
	return n, nil
}

// NationalManual records the CUDE ID and the codice univoco an operator got from the
// portal (N5, manual mode): the pass's jobs not done are closed as done by hand.
func (s *Service) NationalManual(a Actor, passID uint64, cudeID, codice string) (domain.Pass, error) {
	cudeID, codice = strings.TrimSpace(cudeID), strings.ToUpper(strings.TrimSpace(codice))
	if cudeID == "" || codice == "" || len(cudeID) > 64 || len(codice) > 64 {
		return domain.Pass{}, &domain.Error{Message: "indicare CUDE ID e codice univoco come li dà il portale"}
	}
	return s.closeNational(a, passID, store.JobManual, func(n *domain.National) {
		n.CudeID, n.CodiceUnivoco, n.Status, n.LastError = cudeID, codice, domain.NationalSent, ""
	}, fmt.Sprintf("CUDE ID %s e codice univoco inseriti a mano", cudeID))
}

// NationalSkip marks a pass "non inviare" (N5): its jobs are closed and no new one is
// written.
func (s *Service) NationalSkip(a Actor, passID uint64) (domain.Pass, error) {
	return s.closeNational(a, passID, store.JobSkipped, func(n *domain.National) {
		n.Status, n.LastError = domain.NationalSkipped, ""
	}, "scelto di non inviare il contrassegno")
}

// closeNational closes the jobs not done of a pass's lineage as state and changes the
// current version's national data.
func (s *Service) closeNational(a Actor, passID uint64, state store.JobState, change func(*domain.National), detail string) (domain.Pass, error) {
	var out domain.Pass
	now := s.now().UTC()
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		p, err := loadPass(tx, a, passID)
		if err != nil {
			return err
		}
		if !p.Current() {
			return &domain.Error{Message: "il contrassegno " + p.Number + " è stato sostituito: aprire la versione attuale"}
		}
		jobs, err := tx.Jobs(true)
		if err != nil {
			return err
		}
		for _, j := range jobs {
			if j.Lineage == p.Lineage {
				j.State, j.Done = state, now
				if err := tx.PutJob(j); err != nil {
					return err
				}
			}
		}
		before := p
		change(&p.National)
		s.stamp(&p, a)
		if err := tx.PutPass(&p); err != nil {
			return err
		}
		out = p
		*ev = append(*ev, PassChanged{p.ID, p.Comune})
		return s.auditPass(tx, a, before, p, "piattaforma nazionale", detail)
	})
	return out, err
}

// NationalBanner is what the Home of the actor's comune says about the platform (N4):
// the password expiring within the warning days, or expired, or the queue paused.
func (s *Service) NationalBanner(a Actor) ([]string, error) {
	if a.Comune == "" {
		return nil, nil
	}
	var out []string
	today := s.Today()
	err := s.view(func(tx *store.Tx) error {
		cfg, err := tx.NationalConfig(a.Comune)
		if err == store.ErrNotFound {
			return nil
		} else if err != nil {
			return err
		}
		if cfg.Paused != "" {
			out = append(out, "invii alla piattaforma nazionale sospesi: "+cfg.Paused)
		}
		if !cfg.PasswordExpires.IsZero() && !cfg.Manual {
			exp := domain.DateOf(cfg.PasswordExpires)
			switch days := today.DaysUntil(exp); {
			case days < 0:
				out = append(out, fmt.Sprintf("la password della piattaforma nazionale è scaduta il %s: cambiarla sul Portale dell'Automobilista e aggiornarla in vivipass", exp))
			case days <= cfg.WarnDays:
				out = append(out, fmt.Sprintf("password CUDE nazionale in scadenza il %s (tra %s)", exp, domain.Count(days, "giorno", "giorni")))
			}
		}
		return nil
	})
	return out, err
}

// DrainReport says what one pass over the queue did.
type DrainReport struct {
	Sent, Failed, Rejected, Waiting int
	Next                            time.Time // the earliest retry still planned (zero: none)
}

// NationalRetryAt is the hour of the nightly retry (N2: "every night until it
// succeeds"), Italian time.
const NationalRetryAt = 3 * time.Hour

// dayBackoff are the retries within the day after the first failures; then the next
// night at NationalRetryAt, every night.
var dayBackoff = []time.Duration{time.Minute, 5 * time.Minute, 15 * time.Minute, time.Hour, 2 * time.Hour}

// nextTry is when a job that failed attempts times is sent again.
func nextTry(now time.Time, attempts int) time.Time {
	local := now.In(domain.Rome)
	y, m, d := local.Date()
	night := time.Date(y, m, d, 0, 0, 0, 0, domain.Rome).Add(NationalRetryAt)
	if !night.After(local) {
		night = time.Date(y, m, d+1, 0, 0, 0, 0, domain.Rome).Add(NationalRetryAt)
	}
	if attempts <= len(dayBackoff) {
		if t := local.Add(dayBackoff[attempts-1]); t.Before(night) {
			return t
		}
	}
	return night
}

// NationalDrain sends the jobs due at now, oldest first, one pass's in order (a pass
// whose earlier job is not done waits), skipping comuni in manual mode, paused or not
// configured. It stops early when ctx ends.
func (s *Service) NationalDrain(ctx context.Context, now time.Time) (DrainReport, error) {
	var rep DrainReport
	var jobs []store.OutboxJob
	cfgs := map[string]store.NationalConfig{}
	err := s.view(func(tx *store.Tx) error {
		var err error
		if jobs, err = tx.Jobs(true); err != nil {
			return err
		}
		cs, err := tx.NationalConfigs()
		for _, c := range cs {
			cfgs[c.Comune] = c
		}
		return err
	})
	if err != nil {
		return rep, err
	}
	sort.Slice(jobs, func(i, k int) bool { return jobs[i].Seq < jobs[k].Seq })
	blocked := map[uint64]bool{} // lineages with an earlier job not done
	platforms := map[string]national.Platform{}
	for _, j := range jobs {
		if ctx.Err() != nil {
			return rep, ctx.Err()
		}
		if j.State == store.JobRejected { // an operator must act first: the pass's later jobs wait
			blocked[j.Lineage] = true
			continue
		}
		cfg, ok := cfgs[j.Comune]
		if blocked[j.Lineage] || !ok || cfg.Manual || cfg.Paused != "" || j.NextTry.After(now) {
			blocked[j.Lineage] = true
			rep.Waiting++
			if ok && !cfg.Manual && cfg.Paused == "" && (rep.Next.IsZero() || j.NextTry.Before(rep.Next)) {
				rep.Next = j.NextTry
			}
			continue
		}
		var receipt national.Receipt
		change, err := s.nationalChange(j)
		if err == nil && change.Comune != cfg.Comune { // a transfer goes with the credentials of the comune it left
			if sender, ok := cfgs[change.Comune]; ok && !sender.Manual && sender.Paused == "" {
				cfg = sender
			} else {
				err = fmt.Errorf("il comune %s, che cede il contrassegno, non è collegato alla piattaforma", change.Comune)
			}
		}
		if err == nil {
			var p national.Platform
			if p, err = s.platform(platforms, cfg); err == nil {
				var pw national.Secret
				if pw, err = nationalPassword(cfg); err == nil {
					receipt, err = p.Send(ctx, national.Credentials{User: cfg.User, Password: pw}, change)
				}
			}
		}
		if err == nil {
			err = s.applyReceipt(j, receipt, now)
			if err == nil {
				rep.Sent++
				continue
			}
		}
		blocked[j.Lineage] = true
		switch r := s.recordFailure(j, cfg, err, now); r {
		case store.JobRejected:
			rep.Rejected++
		default:
			rep.Failed++
			if next := nextTry(now, j.Attempts+1); rep.Next.IsZero() || next.Before(rep.Next) {
				rep.Next = next
			}
		}
	}
	return rep, nil
}

// platform is the comune's client, built once per drain.
func (s *Service) platform(cache map[string]national.Platform, cfg store.NationalConfig) (national.Platform, error) {
	if p, ok := cache[cfg.Comune]; ok {
		return p, nil
	}
	if s.platformFor == nil {
		return nil, errors.New("nessun client della piattaforma nazionale in questo processo")
	}
	p, err := s.platformFor(cfg)
	if err == nil {
		cache[cfg.Comune] = p
	}
	return p, err
}

// nationalChange is the message of a job: the pass as it was when the change was
// made (the job's snapshot; a later change to the same version must not alter an
// earlier message), with the CUDE ID the lineage has by now.
func (s *Service) nationalChange(j store.OutboxJob) (national.Change, error) {
	var c national.Change
	err := s.view(func(tx *store.Tx) error {
		p, err := tx.Pass(j.PassID)
		if err != nil {
			return err
		}
		if len(j.Change) > 0 {
			if err := json.Unmarshal(j.Change, &c); err != nil {
				return fmt.Errorf("invio %d illeggibile: %w", j.Seq, err)
			}
		} else if c, err = changeOf(tx, p, j.Kind); err != nil { // a job written before the snapshots
			return err
		}
		c.Key = j.Key
		if c.CudeID == "" {
			c.CudeID = lineageCudeID(tx, p)
		}
		if c.CudeID == "" {
			c.Kind = national.KindIssue // the platform has not heard of the pass yet
		}
		return c.Check()
	})
	return c, err
}

// lineageCudeID is the CUDE ID the platform gave the pass, on any of its versions.
func lineageCudeID(tx *store.Tx, p domain.Pass) string {
	if cur, err := currentVersion(tx, p); err == nil && cur.National.CudeID != "" {
		return cur.National.CudeID
	}
	versions, _ := tx.Versions(p)
	for _, v := range versions {
		if v.National.CudeID != "" {
			return v.National.CudeID
		}
	}
	return ""
}

// changeOf is the message telling the platform of a change of kind to pass p as it is
// now: the holder, the dates, the plates of the national circuit (principale first),
// the event's date, and for a transfer who hands it over and to whom.
func changeOf(tx *store.Tx, p domain.Pass, kind string) (national.Change, error) {
	holder, err := tx.Person(p.PersonID)
	if err != nil {
		return national.Change{}, err
	}
	c := national.Change{Kind: kind, Comune: p.Comune, CudeID: p.National.CudeID, Number: p.Number,
		PreviousNumber: p.PreviousNumber, CodiceFiscale: holder.CodiceFiscale, Cognome: holder.Cognome, Nome: holder.Nome,
		DataRilascio: p.DataRilascio.ISO(), DataScadenza: p.DataScadenza.ISO(), Reason: p.StateReason}
	if !p.StateFrom.IsZero() {
		c.Date = p.StateFrom.ISO()
	}
	if !holder.DataDecesso.IsZero() && kind == string(domain.ActDeceased) {
		c.Date = holder.DataDecesso.ISO()
	}
	if kind == string(domain.ActTransfer) {
		switch {
		case p.State == domain.TrasferitoFuori: // ended here: the comune it went to
			c.Destination = p.TransferredTo
		case p.PrevID != 0: // handed over: the comune that held it tells the platform
			prev, err := tx.Pass(p.PrevID)
			if err != nil {
				return c, err
			}
			c.Comune, c.Destination, c.Date = prev.Comune, p.Comune, prev.StateFrom.ISO()
		}
	}
	for _, role := range []domain.PlateRole{domain.RolePrincipale, domain.RoleSecondaria} {
		for _, pl := range p.Plates {
			if pl.Role == role {
				c.Plates = append(c.Plates, national.Plate{Number: pl.Number, Country: domain.NormalizeCountry(pl.Country)})
			}
		}
	}
	return c, nil
}

// applyReceipt closes the job and writes the platform's answer on the pass, in one
// transaction: a crash before it sends again with the same key, and the platform
// answers the same without applying anything twice.
func (s *Service) applyReceipt(j store.OutboxJob, r national.Receipt, now time.Time) error {
	return s.update(func(tx *store.Tx, ev *[]Event) error {
		cur, err := tx.Job(j.Seq)
		if err != nil {
			return err
		}
		if cur.State != store.JobPending {
			return nil // closed meanwhile (by hand): nothing to apply
		}
		cur.State, cur.Done, cur.LastError = store.JobDone, now.UTC(), ""
		cur.Attempts++
		if err := tx.PutJob(cur); err != nil {
			return err
		}
		p, err := tx.Pass(j.PassID)
		if err != nil {
			return err
		}
		targets := []domain.Pass{p}
		if cur, err := currentVersion(tx, p); err != nil {
			return err
		} else if cur.ID != p.ID {
			targets = append(targets, cur) // the live version too: it shows the CUDE ID
		}
		first := ""
		var changes []store.FieldChange // of the live version (the last target)
		for _, v := range targets {
			was := v
			if v.National.CudeID == "" {
				first = r.CudeID
			}
			v.National.CudeID, v.National.Status, v.National.LastError = r.CudeID, domain.NationalSent, ""
			if r.CodiceUnivoco != "" {
				v.National.CodiceUnivoco = r.CodiceUnivoco
			}
			v.Version++
			v.UpdatedAt, v.UpdatedBy = now.UTC(), nationalActor.Operator
			if err := tx.PutPass(&v); err != nil {
				return err
			}
			*ev = append(*ev, PassChanged{v.ID, v.Comune})
			changes = passChanges(was, v, s.Today())
		}
		// Who is the platform: the action and the text do not say it again.
		detail := fmt.Sprintf("comunicazione di %s accettata", j.Kind)
		if first != "" {
			detail = fmt.Sprintf("%s; assegnati CUDE ID %s e codice univoco", detail, first)
		}
		return s.auditChanges(tx, nationalActor, p.Comune, "esito dell'invio", "contrassegno "+p.Number, p.Lineage, detail, changes)
	})
}

// currentVersion follows the lineage from p to its live version.
func currentVersion(tx *store.Tx, p domain.Pass) (domain.Pass, error) {
	for i := 0; p.NextID != 0 && i < 1000; i++ {
		next, err := tx.Pass(p.NextID)
		if err != nil {
			return p, err
		}
		p = next
	}
	return p, nil
}

// recordFailure writes what a failed send means: retried later, the comune paused
// (password), or the job rejected (an operator must act). It returns the job's state.
func (s *Service) recordFailure(j store.OutboxJob, cfg store.NationalConfig, sendErr error, now time.Time) store.JobState {
	state := store.JobPending
	var rejected *national.Rejected
	switch {
	case errors.As(sendErr, &rejected):
		state = store.JobRejected
	case errors.Is(sendErr, national.ErrPasswordExpired), errors.Is(sendErr, national.ErrCredentials):
		_ = s.update(func(tx *store.Tx, ev *[]Event) error {
			c, err := tx.NationalConfig(cfg.Comune)
			if err != nil {
				return err
			}
			c.Paused, c.PausedAt = sendErr.Error(), now.UTC()
			*ev = append(*ev, AdminChanged{cfg.Comune})
			return tx.PutNationalConfig(c)
		})
	}
	_ = s.update(func(tx *store.Tx, ev *[]Event) error {
		cur, err := tx.Job(j.Seq)
		if err != nil || cur.State != store.JobPending {
			return err
		}
		cur.Attempts++
		cur.State, cur.LastError = state, explain.Text(sendErr)
		if state == store.JobPending {
			cur.NextTry = nextTry(now, cur.Attempts)
		}
		if err := tx.PutJob(cur); err != nil {
			return err
		}
		if p, err := tx.Pass(j.PassID); err == nil {
			p.National.Status, p.National.LastError = domain.NationalFailed, explain.Text(sendErr)
			if err := tx.PutPass(&p); err != nil {
				return err
			}
			*ev = append(*ev, PassChanged{p.ID, p.Comune})
		}
		return nil
	})
	return state
}

// NationalWorker drains the queue at once after each change, then when the earliest
// retry is due (the nightly one included), until its context ends.
type NationalWorker struct {
	Svc *Service
	// Wait is the longest sleep between two drains (a clock changed by hand, a job
	// retried from another process): default 15 minutes.
	Wait time.Duration
	// Now and After are the clock (tests move it); nil: time.Now and time.After.
	Now   func() time.Time
	After func(time.Duration) <-chan time.Time
	// Drained, when not nil, hears each drain's report (tests, logs).
	Drained func(DrainReport, error)
}

// Run drains until ctx ends.
func (w *NationalWorker) Run(ctx context.Context) {
	now, after, wait := w.Now, w.After, w.Wait
	if now == nil {
		now = time.Now
	}
	if after == nil {
		after = time.After
	}
	if wait <= 0 {
		wait = 15 * time.Minute
	}
	events, cancel := w.Svc.Hub().Subscribe("")
	defer cancel()
	for {
		rep, err := w.Svc.NationalDrain(ctx, now())
		if w.Drained != nil {
			w.Drained(rep, err)
		}
		sleep := wait
		if !rep.Next.IsZero() {
			sleep = min(sleep, max(rep.Next.Sub(now()), time.Second))
		}
		timer := after(sleep)
	wait:
		for {
			select {
			case <-ctx.Done():
				return
			case <-timer:
				break wait
			case e, ok := <-events:
				if !ok {
					return
				}
				if _, ok := e.(NationalQueued); ok { // a change wrote a job, or one was retried
					break wait
				}
			}
		}
	}
}
