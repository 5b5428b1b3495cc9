package service

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"vivipass/domain"
	"vivipass/internal/explain"
	"vivipass/pec/parse"
	"vivipass/pec/worker"
	"vivipass/store"
)

// The PEC inbox (V1–V6): the mailbox settings of each comune, the worker that reads
// the mailboxes (it owns the IMAP connections: sessions never talk IMAP), and the use
// cases of the inbox pane: list, detail, attachments, links, state with a note.
//
// A fetched batch of messages is stored in one transaction (each message's raw bytes,
// its item, and the folder's sync state); only after the commit does the worker mark
// them on the server. Items are unique per comune by the parser's key: the same
// request delivered twice, or a mailbox read again, adds nothing.

// PECPasswordEnv is the environment variable that holds a comune's mailbox password
// when its settings name no password file.
func PECPasswordEnv(comune string) string { return "VIVIPASS_PEC_PASSWORD_" + comune }

// pecActor is who stores the messages in the audit log.
var pecActor = Actor{Operator: "posta PEC", Role: domain.RoleAmministratore, Channel: domain.App}

// PECSettings is what an administrator gives to configure a comune's mailbox.
type PECSettings struct {
	Comune   string
	Host     string
	Port     int
	User     string
	Security string // tls | starttls | plain (loopback only)
	Folder   string // default INBOX
	// ArchiveFolder, when set, makes the worker move stored messages there; otherwise
	// it adds Keyword (default $VivipassArchiviato).
	ArchiveFolder string
	Keyword       string
	// PasswordFile is read at each connection; "" = the environment variable
	// PECPasswordEnv(Comune).
	PasswordFile string
	CAFile       string
	Interval     time.Duration // 0 = 5 minutes
	Disabled     bool
}

// PECConfigure saves a comune's mailbox settings (administrators). The password is
// never stored: only the path of its file.
func (s *Service) PECConfigure(a Actor, in PECSettings) (store.PECConfig, error) {
	in.Comune = strings.ToUpper(strings.TrimSpace(in.Comune))
	// Only the server's administrator (the command line): the settings name files on the
	// server (password, CA) and a host the password is sent to.
	if a.Comune != "" || !a.Admin() {
		return store.PECConfig{}, ErrForbidden
	}
	if _, ok := domain.ComuneByCode(in.Comune); !ok {
		return store.PECConfig{}, &domain.Error{Message: fmt.Sprintf("comune %q sconosciuto", in.Comune)}
	}
	pc := store.PECConfig{
		Comune: in.Comune, Host: strings.TrimSpace(in.Host), Port: in.Port, User: strings.TrimSpace(in.User),
		Security: strings.ToLower(strings.TrimSpace(in.Security)), Folder: strings.TrimSpace(in.Folder),
		Mark: store.MarkKeyword, Keyword: strings.TrimSpace(in.Keyword), ArchiveFolder: strings.TrimSpace(in.ArchiveFolder),
		PasswordFile: strings.TrimSpace(in.PasswordFile), CAFile: strings.TrimSpace(in.CAFile),
		IntervalSeconds: int(in.Interval / time.Second), Disabled: in.Disabled,
	}
	if pc.ArchiveFolder != "" {
		pc.Mark, pc.Keyword = store.MarkMove, ""
	}
	if in.Interval < 0 || (in.Interval > 0 && in.Interval < 10*time.Second) {
		return pc, &domain.Error{Message: "intervallo di lettura troppo breve (almeno 10 secondi)"}
	}
	wc := workerConfig(pc)
	if err := wc.Validate(); err != nil {
		return pc, &domain.Error{Message: err.Error()}
	}
	pc.Folder, pc.Keyword = wc.Folder, wc.Keyword // the defaults (INBOX; the keyword unless moving)
	if pc.PasswordFile != "" {
		if _, err := readPasswordFile(pc.PasswordFile); err != nil {
			return pc, err
		}
	}
	if pc.CAFile != "" {
		if _, err := readCAFile(pc.CAFile); err != nil {
			return pc, err
		}
	}
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		if old, err := tx.PECConfig(pc.Comune); err == nil {
			pc.Version = old.Version
		}
		pc.Version++
		pc.UpdatedAt, pc.UpdatedBy = s.now().UTC().Truncate(time.Second), a.Operator
		if err := tx.PutPECConfig(pc); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{pc.Comune}, InboxChanged{pc.Comune})
		return s.audit(tx, a, pc.Comune, "casella PEC configurata", "posta PEC", 0,
			fmt.Sprintf("%s@%s:%d (%s), cartella %s, %s", pc.User, pc.Host, pc.Port, pc.Security, pc.Folder, markLabel(pc)))
	})
	if err == nil {
		s.pec.reloadWorker()
	}
	return pc, err
}

func markLabel(pc store.PECConfig) string {
	if pc.Mark == store.MarkMove {
		return "archiviati spostandoli in " + pc.ArchiveFolder
	}
	return "archiviati con la parola chiave " + pc.Keyword
}

// PECStatus is a comune's mailbox settings and the state of its reading.
type PECStatus struct {
	Config store.PECConfig
	Sync   store.PECSyncState
	// PasswordSource says where the password comes from (never the password).
	PasswordSource string
	// Running reports that the worker reads this mailbox on its timer.
	Running bool
}

// PECStatus reads the settings and the sync state of the actor's comune (or comune,
// for the system).
func (s *Service) PECStatus(a Actor, comune string) (PECStatus, error) {
	comune = strings.ToUpper(strings.TrimSpace(comune))
	if !a.Sees(comune) {
		return PECStatus{}, ErrForbidden
	}
	var st PECStatus
	err := s.view(func(tx *store.Tx) error {
		var err error
		if st.Config, err = tx.PECConfig(comune); err != nil {
			return notConfigured(comune, err)
		}
		st.Sync, err = tx.PECSyncState(comune, st.Config.Folder)
		return err
	})
	if st.Config.PasswordFile != "" {
		st.PasswordSource = "file " + st.Config.PasswordFile
	} else {
		st.PasswordSource = "variabile d'ambiente " + PECPasswordEnv(comune)
	}
	st.Running = s.pec.loopOf(comune) != nil
	return st, err
}

// PECConfigs lists the configured mailboxes the actor sees.
func (s *Service) PECConfigs(a Actor) ([]store.PECConfig, error) {
	var out []store.PECConfig
	err := s.view(func(tx *store.Tx) error {
		all, err := tx.PECConfigs()
		for _, c := range all {
			if a.Sees(c.Comune) {
				out = append(out, c)
			}
		}
		return err
	})
	return out, err
}

func notConfigured(comune string, err error) error {
	if errors.Is(err, store.ErrNotFound) {
		return &domain.Error{Message: fmt.Sprintf("casella PEC del comune %s non configurata (vivipass pec configure --comune %s …)", comune, comune)}
	}
	return err
}

// workerConfig is the worker's view of the settings, without the password.
func workerConfig(pc store.PECConfig) worker.Config {
	c := worker.Config{Host: pc.Host, Port: pc.Port, User: pc.User, Security: pc.Security, Folder: pc.Folder,
		Mark: worker.MarkKeyword, Keyword: pc.Keyword, ArchiveFolder: pc.ArchiveFolder}
	if pc.Mark == store.MarkMove {
		c.Mark = worker.MarkMove
	}
	return c
}

func readPasswordFile(path string) (worker.Secret, error) {
	b, err := readSecretFile(path)
	if err != nil {
		return "", err
	}
	pw := strings.TrimRight(string(b), "\r\n")
	if pw == "" {
		return "", &domain.Error{Message: fmt.Sprintf("il file della password %s è vuoto", path)}
	}
	return worker.Secret(pw), nil
}

func readCAFile(path string) (*x509.CertPool, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, &domain.Error{Message: fmt.Sprintf("file dei certificati %s non leggibile: %v", path, errors.Unwrap(err))}
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		return nil, &domain.Error{Message: fmt.Sprintf("il file %s non contiene certificati PEM", path)}
	}
	return pool, nil
}

// pecConfig builds the worker's configuration of a comune: settings, password (from
// its file or the environment), trusted CA, trusted senders (domain.ComuneSettings).
func (s *Service) pecConfig(comune string) (worker.Config, error) {
	var pc store.PECConfig
	var cs domain.ComuneSettings
	err := s.view(func(tx *store.Tx) error {
		var err error
		if pc, err = tx.PECConfig(comune); err != nil {
			return notConfigured(comune, err)
		}
		cs, err = tx.ComuneSettings(comune)
		return err
	})
	if err != nil {
		return worker.Config{}, err
	}
	c := workerConfig(pc)
	if pc.PasswordFile != "" {
		if c.Password, err = readPasswordFile(pc.PasswordFile); err != nil {
			return c, err
		}
	} else if pw := os.Getenv(PECPasswordEnv(comune)); pw != "" {
		c.Password = worker.Secret(pw)
	} else {
		return c, &domain.Error{Message: fmt.Sprintf("password della casella PEC di %s non disponibile: indicare --password-file o la variabile d'ambiente %s", comune, PECPasswordEnv(comune))}
	}
	if pc.CAFile != "" {
		if c.RootCAs, err = readCAFile(pc.CAFile); err != nil {
			return c, err
		}
	}
	c.Parse = parse.Options{TrustedSenders: cs.TrustedSenders}
	return c, c.Validate()
}

// ---- the sink: what the worker fetches goes into bbolt ----

type pecSink struct {
	s      *Service
	comune string
}

func (k *pecSink) State(folder string) (worker.State, error) {
	var st store.PECSyncState
	err := k.s.view(func(tx *store.Tx) error {
		var err error
		st, err = tx.PECSyncState(k.comune, folder)
		return err
	})
	return worker.State{UIDValidity: st.UIDValidity, LastUID: st.LastUID, Pending: st.Pending}, err
}

// Commit stores a batch and the folder's state in one transaction; a message whose key
// is known adds nothing.
func (k *pecSink) Commit(folder string, msgs []worker.Message, st worker.State) (int, error) {
	now := k.s.now().UTC().Truncate(time.Second)
	added := 0
	err := k.s.update(func(tx *store.Tx, ev *[]Event) error {
		added = 0
		var first, last uint64
		for i := range msgs {
			m := &msgs[i]
			if _, dup := tx.PECItemByKey(k.comune, m.Result.Key); dup {
				continue
			}
			it := pecItem(k.comune, folder, st.UIDValidity, m, now)
			linkByCF(tx, &it)
			if err := tx.AddPECItem(&it, m.Raw); err != nil {
				return err
			}
			if first == 0 {
				first = it.ID
			}
			last = it.ID
			added++
		}
		prev, err := tx.PECSyncState(k.comune, folder)
		if err != nil {
			return err
		}
		prev.UIDValidity, prev.LastUID, prev.Pending = st.UIDValidity, st.LastUID, slices.Clone(st.Pending)
		if err := tx.PutPECSyncState(k.comune, folder, prev); err != nil {
			return err
		}
		if added == 0 {
			return nil
		}
		*ev = append(*ev, InboxChanged{k.comune})
		detail := fmt.Sprintf("%d messaggi (n. %d–%d)", added, first, last)
		if added == 1 {
			detail = fmt.Sprintf("1 messaggio (n. %d)", first)
		}
		return k.s.audit(tx, pecActor, k.comune, "posta PEC ricevuta", "posta PEC", 0, detail)
	})
	if err != nil {
		return 0, err
	}
	return added, nil
}

// pecItem makes the inbox item of a fetched message.
func pecItem(comune, folder string, validity uint32, m *worker.Message, now time.Time) store.PECItem {
	r := &m.Result
	it := store.PECItem{
		Comune: comune, Key: r.Key, Kind: r.Kind.String(), Reason: r.Reason, Warnings: r.AllWarnings(),
		State: domain.RequestNuova, Channel: domain.App, Received: now,
		Sender: r.Sender, SenderTrusted: r.SenderTrusted, Certified: r.Certified,
		Size: m.Size, Truncated: m.Truncated, Folder: folder, UIDValidity: validity, UID: m.UID,
		Subject: r.Envelope.Subject,
	}
	if it.Size == 0 {
		it.Size = int64(len(m.Raw))
	}
	switch {
	case r.Daticert != nil && !r.Daticert.Time.IsZero():
		it.Sent = r.Daticert.Time.UTC()
	case r.Original != nil && !r.Original.Date.IsZero():
		it.Sent = r.Original.Date.UTC()
	case !r.Envelope.Date.IsZero():
		it.Sent = r.Envelope.Date.UTC()
	}
	if r.Original != nil && r.Original.Subject != "" {
		it.Subject = r.Original.Subject
	}
	if r.Receipt != nil {
		it.ReceiptType = string(r.Receipt.Type)
		if it.Subject == "" {
			it.Subject = r.Receipt.Oggetto
		}
	}
	if q := r.Request; q != nil {
		if r.Kind == parse.KindRequest {
			it.Type = q.Type.String()
			it.SportelloReason = q.SportelloReason
		}
		it.RequestID = q.ID
		it.CodiceFiscale = q.Applicant.CodiceFiscale
		it.Cognome, it.Nome = q.Applicant.Cognome, q.Applicant.Nome
		if q.Pass != nil {
			it.PassNumber = q.Pass.Numero
		}
	}
	for _, a := range r.Attachments {
		it.Attachments = append(it.Attachments, store.PECAttachment{Type: string(a.Type), Name: a.Name, SafeName: a.SafeName,
			ContentType: a.ContentType, Size: a.Size, Damaged: a.Damaged})
	}
	return it
}

// linkByCF links a request to the person of its comune with that codice fiscale and
// to their pass: the one the request names, else the current one.
func linkByCF(tx *store.Tx, it *store.PECItem) {
	if it.CodiceFiscale == "" {
		return
	}
	for _, id := range tx.PersonIDsByCF(it.CodiceFiscale) {
		if p, err := tx.Person(id); err == nil && p.Comune == it.Comune {
			it.PersonID = id
			break
		}
	}
	var current uint64
	for _, id := range tx.PassIDsByCF(it.CodiceFiscale) {
		p, err := tx.Pass(id)
		if err != nil || p.Comune != it.Comune || !p.Current() {
			continue
		}
		if it.PassNumber != "" && p.Number == it.PassNumber {
			current = id
			break
		}
		if current == 0 {
			current = id
		}
	}
	it.PassID = current
	if it.PersonID != 0 || it.PassID != 0 {
		it.LinkedBy = "automatico"
	}
}

// ---- syncing: on demand and by the worker ----

// PECSyncReport tells what one sync of a mailbox did.
type PECSyncReport struct {
	Comune     string    `json:"comune"`
	Folder     string    `json:"folder"`
	Found      int       `json:"found"`      // new messages on the server
	Fetched    int       `json:"fetched"`    // fetched and stored
	New        int       `json:"new"`        // new items (the others were known: same key)
	Duplicates int       `json:"duplicates"` // fetched but already in the inbox
	Truncated  int       `json:"truncated"`  // over 30 MB: kept in quarantine with their first bytes
	Marked     int       `json:"marked"`     // marked on the server
	Resync     bool      `json:"resync"`     // UIDVALIDITY changed: read again from the start
	At         time.Time `json:"at"`
}

// PECSyncOptions tune an on-demand sync.
type PECSyncOptions struct {
	// Progress is told the number of messages stored so far, after each batch.
	Progress func(stored int)
	// BatchMessages bounds a batch (0 = the worker's default, 200).
	BatchMessages int
}

// PECSync reads a comune's mailbox now. When the worker runs it does the sync (it owns
// the connection); otherwise a connection is opened for this sync and closed after.
func (s *Service) PECSync(ctx context.Context, a Actor, comune string, opts PECSyncOptions) (PECSyncReport, error) {
	comune = strings.ToUpper(strings.TrimSpace(comune))
	if !a.Sees(comune) {
		return PECSyncReport{}, ErrForbidden
	}
	if err := s.view(func(tx *store.Tx) error {
		_, err := tx.PECConfig(comune)
		return notConfigured(comune, err)
	}); err != nil {
		return PECSyncReport{}, err
	}
	if l := s.pec.loopOf(comune); l != nil && opts.Progress == nil && opts.BatchMessages == 0 {
		err := l.Now(ctx)
		if !errors.Is(err, worker.ErrLoopStopped) {
			return s.pec.lastReport(comune), err
		}
	}
	mb := &worker.Mailbox{Config: func() (worker.Config, error) {
		c, err := s.pecConfig(comune)
		if opts.BatchMessages > 0 {
			c.BatchMessages = opts.BatchMessages
		}
		return c, err
	}}
	defer mb.Close()
	return s.pecSyncOnce(ctx, comune, mb, opts.Progress)
}

// pecSyncOnce runs one sync through mb and records its outcome in the sync state.
func (s *Service) pecSyncOnce(ctx context.Context, comune string, mb *worker.Mailbox, progress worker.Progress) (PECSyncReport, error) {
	// One sync of a mailbox at a time in this process: two would race on its state.
	unlock := s.pec.lock(comune)
	st, err := mb.Sync(ctx, &pecSink{s: s, comune: comune}, progress)
	unlock()
	rep := PECSyncReport{Comune: comune, Found: st.Listed, Fetched: st.Fetched, New: st.Added,
		Duplicates: st.Fetched - st.Added, Truncated: st.Truncated, Marked: st.Marked, Resync: st.Resync,
		At: s.now().UTC().Truncate(time.Second)}
	folder := "INBOX"
	if c, cerr := s.pecFolder(comune); cerr == nil {
		folder = c
	}
	rep.Folder = folder
	if ctx.Err() != nil {
		return rep, err // shutting down: not a failure of the mailbox
	}
	rerr := s.update(func(tx *store.Tx, ev *[]Event) error {
		ss, err2 := tx.PECSyncState(comune, folder)
		if err2 != nil {
			return err2
		}
		if err != nil {
			ss.LastError, ss.ErrorAt = explain.Text(err), rep.At // read by operators, in Italian
		} else {
			ss.LastError, ss.ErrorAt, ss.LastSync = "", time.Time{}, rep.At
		}
		*ev = append(*ev, InboxChanged{comune})
		return tx.PutPECSyncState(comune, folder, ss)
	})
	s.pec.setLast(comune, rep)
	if err == nil {
		err = rerr
	}
	return rep, err
}

func (s *Service) pecFolder(comune string) (string, error) {
	var f string
	err := s.view(func(tx *store.Tx) error {
		pc, err := tx.PECConfig(comune)
		f = pc.Folder
		return err
	})
	if f == "" {
		f = "INBOX"
	}
	return f, err
}

// pecRuntime is the process's PEC machinery: the running worker's loops by comune.
type pecRuntime struct {
	mu      sync.Mutex
	running bool
	loops   map[string]*worker.Loop
	last    map[string]PECSyncReport
	reload  chan struct{}
	syncing map[string]*sync.Mutex
}

// lock takes the comune's sync lock and returns its release.
func (rt *pecRuntime) lock(comune string) func() {
	rt.mu.Lock()
	if rt.syncing == nil {
		rt.syncing = map[string]*sync.Mutex{}
	}
	m := rt.syncing[comune]
	if m == nil {
		m = &sync.Mutex{}
		rt.syncing[comune] = m
	}
	rt.mu.Unlock()
	m.Lock()
	return m.Unlock
}

func (rt *pecRuntime) loopOf(comune string) *worker.Loop {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.loops[comune]
}

func (rt *pecRuntime) lastReport(comune string) PECSyncReport {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	return rt.last[comune]
}

func (rt *pecRuntime) setLast(comune string, r PECSyncReport) {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.last == nil {
		rt.last = map[string]PECSyncReport{}
	}
	rt.last[comune] = r
}

func (rt *pecRuntime) reloadWorker() {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.reload != nil {
		select {
		case rt.reload <- struct{}{}:
		default:
		}
	}
}

// PECWorkerOptions tune the worker.
type PECWorkerOptions struct {
	// Log receives the worker's notices (default: discarded). Never the password.
	Log *slog.Logger
	// Interval between syncs of a mailbox whose settings name none (default 5 minutes).
	Interval time.Duration
	// MinBackoff and MaxBackoff bound the wait after failures (defaults 5 s, 5 minutes).
	MinBackoff, MaxBackoff time.Duration
}

// PECWorker reads every configured mailbox on its timer. One runs per process: the
// server starts it with Run.
type PECWorker struct {
	s    *Service
	opts PECWorkerOptions
}

// PECWorker makes the worker; Run starts it.
func (s *Service) PECWorker(opts PECWorkerOptions) *PECWorker {
	if opts.Log == nil {
		opts.Log = slog.New(slog.DiscardHandler)
	}
	return &PECWorker{s: s, opts: opts}
}

// Run reads the mailboxes until ctx ends: each enabled comune has its loop (a sync at
// once, then every interval, with backoff after failures, and on demand through
// PECSync); settings saved with PECConfigure take effect at once. It returns when
// every loop has stopped and logged out.
func (w *PECWorker) Run(ctx context.Context) error {
	rt := &w.s.pec
	rt.mu.Lock()
	if rt.running {
		rt.mu.Unlock()
		return errors.New("la lettura della posta PEC è già attiva in questo processo")
	}
	rt.running = true
	rt.loops = map[string]*worker.Loop{}
	rt.reload = make(chan struct{}, 1)
	rt.mu.Unlock()

	type running struct {
		version uint64
		cancel  context.CancelFunc
		done    chan struct{}
	}
	active := map[string]*running{}
	stop := func(comune string) {
		r := active[comune]
		r.cancel()
		<-r.done
		delete(active, comune)
		rt.mu.Lock()
		delete(rt.loops, comune)
		rt.mu.Unlock()
	}
	defer func() {
		for c := range active {
			stop(c)
		}
		rt.mu.Lock()
		rt.running, rt.loops, rt.reload = false, nil, nil
		rt.mu.Unlock()
	}()
	apply := func() {
		var cfgs []store.PECConfig
		if err := w.s.view(func(tx *store.Tx) error {
			var err error
			cfgs, err = tx.PECConfigs()
			return err
		}); err != nil {
			w.opts.Log.Error("posta PEC: impostazioni illeggibili", "err", err)
			return
		}
		want := map[string]store.PECConfig{}
		for _, c := range cfgs {
			if !c.Disabled {
				want[c.Comune] = c
			}
		}
		for c, r := range active {
			if pc, ok := want[c]; !ok || pc.Version != r.version {
				stop(c)
			}
		}
		for c, pc := range want {
			if active[c] != nil {
				continue
			}
			lctx, cancel := context.WithCancel(ctx)
			r := &running{version: pc.Version, cancel: cancel, done: make(chan struct{})}
			active[c] = r
			l, mb := w.loop(c, pc)
			rt.mu.Lock()
			rt.loops[c] = l
			rt.mu.Unlock()
			go func() {
				defer close(r.done)
				l.Run(lctx)
				mb.Close()
			}()
			w.opts.Log.Info("posta PEC: lettura avviata", "comune", c, "casella", pc.User+"@"+pc.Host, "cartella", pc.Folder)
		}
	}
	apply()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-rt.reload:
			apply()
		}
	}
}

// loop makes the loop of one comune, around one Mailbox kept across syncs.
func (w *PECWorker) loop(comune string, pc store.PECConfig) (*worker.Loop, *worker.Mailbox) {
	mb := &worker.Mailbox{Config: func() (worker.Config, error) { return w.s.pecConfig(comune) }}
	l := worker.NewLoop(func(ctx context.Context) error {
		rep, err := w.s.pecSyncOnce(ctx, comune, mb, nil)
		if err == nil && rep.New > 0 {
			w.opts.Log.Info("posta PEC: nuovi messaggi", "comune", comune, "nuovi", rep.New, "scaricati", rep.Fetched)
		}
		return err
	})
	l.Interval = time.Duration(pc.IntervalSeconds) * time.Second
	if l.Interval <= 0 {
		l.Interval = w.opts.Interval
	}
	l.MinBackoff, l.MaxBackoff = w.opts.MinBackoff, w.opts.MaxBackoff
	l.OnResult = func(err error, next time.Duration) {
		if err != nil {
			w.opts.Log.Warn("posta PEC: lettura non riuscita", "comune", comune, "err", err.Error(), "nuovo_tentativo_tra", next.String())
		}
	}
	return l, mb
}

// ---- the inbox: list, detail, attachments, links, state ----

// PECFilter selects inbox items; the zero value selects all.
type PECFilter struct {
	Comune string              // "" = the actor's (every comune for the system)
	Kind   string              // request, receipt, anomaly, other, quarantine
	State  domain.RequestState // "" = any
	// Open: only the items to handle: neither evasa nor respinta, and no receipt of our
	// own mail that arrived (accettazione, consegna: #11.16); a receipt of a failure
	// stays. Kind "receipt" lists every receipt all the same.
	Open bool
}

// Routine reports whether the item is a receipt that our own mail was accepted or
// delivered: kept, listed under its kind, never a request to handle (#11.16).
func Routine(it store.PECItem) bool {
	t := parse.ReceiptType(it.ReceiptType)
	return it.Kind == parse.KindReceipt.String() && t.Known() && !t.Failure()
}

// PECList lists the inbox items the actor sees, newest first.
func (s *Service) PECList(a Actor, f PECFilter) ([]store.PECItem, error) {
	comune := strings.ToUpper(strings.TrimSpace(f.Comune))
	if comune == "" {
		comune = a.Comune
	}
	if !a.Sees(comune) {
		return nil, ErrForbidden
	}
	var out []store.PECItem
	err := s.view(func(tx *store.Tx) error {
		var ids []uint64
		if f.State != "" && comune != "" {
			ids = tx.PECItemIDsByState(comune, f.State)
		} else {
			ids = tx.PECItemIDs(comune)
		}
		slices.Sort(ids)
		for i := len(ids) - 1; i >= 0; i-- {
			it, err := tx.PECItem(ids[i])
			if err != nil {
				return err
			}
			if !a.Sees(it.Comune) || (f.Kind != "" && it.Kind != f.Kind) || (f.State != "" && it.State != f.State) ||
				(f.Open && (it.State.Closed() || (Routine(it) && f.Kind != it.Kind))) {
				continue
			}
			out = append(out, it)
		}
		return nil
	})
	return out, err
}

// PECCounts counts the requests of the actor's comune by state (the Home screen shows
// the new ones).
func (s *Service) PECCounts(a Actor) (map[domain.RequestState]int, error) {
	out := map[domain.RequestState]int{}
	err := s.view(func(tx *store.Tx) error {
		var comuni []string
		if a.Comune != "" {
			comuni = []string{a.Comune}
		} else {
			cfgs, err := tx.PECConfigs()
			if err != nil {
				return err
			}
			for _, c := range cfgs {
				comuni = append(comuni, c.Comune)
			}
		}
		for _, c := range comuni {
			for _, st := range domain.RequestStates() {
				for _, id := range tx.PECItemIDsByState(c, st) {
					if it, err := tx.PECItem(id); err == nil && it.Kind == parse.KindRequest.String() {
						out[st]++
					}
				}
			}
		}
		return nil
	})
	return out, err
}

// PECDetail is everything the detail of an inbox item shows.
type PECDetail struct {
	Item store.PECItem
	// Parsed is the message read again from the stored bytes: the request's fields,
	// contacts, INPS outcome, plates, and the attachments with their bytes.
	Parsed parse.Result
	// Person and Pass are the linked ones (nil when not linked).
	Person *domain.Person
	Pass   *domain.Pass
}

// PECItem reads one item of the actor's comune with its parsed message and links.
func (s *Service) PECItem(a Actor, id uint64) (PECDetail, error) {
	var d PECDetail
	var raw []byte
	var trusted []string
	err := s.view(func(tx *store.Tx) error {
		it, err := loadPECItem(tx, a, id)
		if err != nil {
			return err
		}
		d.Item, raw = it, tx.PECRaw(id)
		if cs, err := tx.ComuneSettings(it.Comune); err == nil {
			trusted = cs.TrustedSenders
		}
		if it.PersonID != 0 {
			if p, err := tx.Person(it.PersonID); err == nil {
				d.Person = &p
			}
		}
		if it.PassID != 0 {
			if p, err := tx.Pass(it.PassID); err == nil {
				d.Pass = &p
			}
		}
		return nil
	})
	if err != nil {
		return d, err
	}
	opts := parse.Options{TrustedSenders: trusted, Now: d.Item.Received}
	if d.Item.Truncated {
		d.Parsed = parse.Truncated(raw, d.Item.Size, opts)
	} else {
		d.Parsed = parse.Parse(raw, opts)
	}
	return d, nil
}

func loadPECItem(tx *store.Tx, a Actor, id uint64) (store.PECItem, error) {
	it, err := tx.PECItem(id)
	if errors.Is(err, store.ErrNotFound) || (err == nil && !a.Sees(it.Comune)) {
		return it, fmt.Errorf("messaggio PEC %w", ErrNotFound)
	}
	return it, err
}

// PECAttachmentFile is one attachment ready to be saved: SafeName is the only name to
// use for the file.
type PECAttachmentFile struct {
	SafeName    string
	Type        string
	ContentType string
	Data        []byte
}

// PECAttachments returns the attachments of an item with their bytes.
func (s *Service) PECAttachments(a Actor, id uint64) ([]PECAttachmentFile, error) {
	d, err := s.PECItem(a, id)
	if err != nil {
		return nil, err
	}
	var out []PECAttachmentFile
	for _, at := range d.Parsed.Attachments {
		out = append(out, PECAttachmentFile{SafeName: at.SafeName, Type: string(at.Type), ContentType: at.ContentType, Data: at.Data})
	}
	return out, nil
}

// PECRaw returns the stored message as fetched (for saving it as a .eml).
func (s *Service) PECRaw(a Actor, id uint64) ([]byte, error) {
	var raw []byte
	err := s.view(func(tx *store.Tx) error {
		if _, err := loadPECItem(tx, a, id); err != nil {
			return err
		}
		raw = tx.PECRaw(id)
		return nil
	})
	return raw, err
}

// SetRequestState moves an item to a state with a note (V4): respinta and
// integrazione richiesta need one. version is the item's Version the operator saw
// (0 = do not check: CLI).
func (s *Service) SetRequestState(a Actor, id, version uint64, to domain.RequestState, note string) (store.PECItem, error) {
	var it store.PECItem
	note = strings.TrimSpace(note)
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		var err error
		if it, err = loadPECItem(tx, a, id); err != nil {
			return err
		}
		if version != 0 && it.Version != version {
			return &StaleError{What: fmt.Sprintf("il messaggio PEC n. %d", id), By: it.StateBy, At: it.StateAt}
		}
		if err := domain.RequestTransition(it.State, to, note); err != nil {
			return err
		}
		now := s.now().UTC().Truncate(time.Second)
		it.History = append(it.History, store.PECChange{At: now, By: a.Operator, From: it.State, To: to, Note: note})
		from := it.State
		it.State, it.Note, it.StateAt, it.StateBy = to, note, now, a.Operator
		it.Version++
		if err := tx.PutPECItem(&it); err != nil {
			return err
		}
		*ev = append(*ev, InboxChanged{it.Comune})
		detail := from.Label() + " → " + to.Label()
		if note != "" {
			detail += ": " + note
		}
		return s.audit(tx, a, it.Comune, "richiesta PEC "+to.Label(), fmt.Sprintf("messaggio PEC n. %d", id), 0, detail)
	})
	return it, err
}

// LinkRequest links an item to a person and a pass of its comune by hand (0 = unlink
// that one).
func (s *Service) LinkRequest(a Actor, id, version, personID, passID uint64) (store.PECItem, error) {
	var it store.PECItem
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		var err error
		if it, err = loadPECItem(tx, a, id); err != nil {
			return err
		}
		if version != 0 && it.Version != version {
			return &StaleError{What: fmt.Sprintf("il messaggio PEC n. %d", id), By: it.StateBy, At: it.StateAt}
		}
		var what []string
		if personID != 0 {
			p, err := loadPerson(tx, a, personID)
			if err != nil {
				return err
			}
			if p.Comune != it.Comune {
				return &domain.Error{Message: "la persona è di un altro comune"}
			}
			what = append(what, "persona "+p.FullName())
		}
		if passID != 0 {
			p, err := loadPass(tx, a, passID)
			if err != nil {
				return err
			}
			if p.Comune != it.Comune {
				return &domain.Error{Message: "il contrassegno è di un altro comune"}
			}
			if personID != 0 && p.PersonID != personID {
				return &domain.Error{Message: fmt.Sprintf("il contrassegno %s non è della persona indicata", p.Number)}
			}
			what = append(what, "contrassegno "+p.Number)
		}
		if len(what) == 0 {
			what = []string{"nessun collegamento"}
		}
		now := s.now().UTC().Truncate(time.Second)
		it.PersonID, it.PassID, it.LinkedBy = personID, passID, a.Operator
		it.History = append(it.History, store.PECChange{At: now, By: a.Operator, Note: "collegata a " + strings.Join(what, " e ")})
		it.Version++
		if err := tx.PutPECItem(&it); err != nil {
			return err
		}
		*ev = append(*ev, InboxChanged{it.Comune})
		return s.audit(tx, a, it.Comune, "richiesta PEC collegata", fmt.Sprintf("messaggio PEC n. %d", id), 0, strings.Join(what, " e "))
	})
	return it, err
}
