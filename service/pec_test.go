package service_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/internal/mailtest"
	"vivipass/service"
	"vivipass/store"
)

const (
	pecUser = "protocollo.venezia"
	// pecPassword is distinctive so that a leak is found by a plain search.
	pecPassword = "Pw-Venezia-Segreta-9157"
)

// mailbox is where a test's PEC server listens.
type mailbox struct {
	plainAddr, tlsAddr string
	certPEM            []byte
}

func memMailbox(m *mailtest.Mem) mailbox {
	return mailbox{plainAddr: m.PlainAddr, tlsAddr: m.TLSAddr, certPEM: m.Cert.CertPEM}
}

// configurePEC configures comune's mailbox on mb (password in a file, the test
// certificate trusted) and returns the settings used.
func (e *env) configurePEC(a service.Actor, comune string, mb mailbox, security string, edit ...func(*service.PECSettings)) service.PECSettings {
	e.t.Helper()
	pw := filepath.Join(e.dir, "pec-password-"+comune)
	if err := os.WriteFile(pw, []byte(pecPassword+"\n"), 0o600); err != nil {
		e.t.Fatal(err)
	}
	ca := filepath.Join(e.dir, "pec-ca-"+comune+".pem")
	if err := os.WriteFile(ca, mb.certPEM, 0o644); err != nil {
		e.t.Fatal(err)
	}
	addr := mb.tlsAddr
	if security != "tls" {
		addr = mb.plainAddr
	}
	host, port, _ := net.SplitHostPort(addr)
	p, _ := strconv.Atoi(port)
	in := service.PECSettings{Comune: comune, Host: host, Port: p, User: pecUser, Security: security,
		PasswordFile: pw, CAFile: ca}
	for _, f := range edit {
		f(&in)
	}
	if _, err := e.s.PECConfigure(a, in); err != nil {
		e.t.Fatalf("PECConfigure: %v", err)
	}
	return in
}

func (e *env) pecSync(a service.Actor, comune string) service.PECSyncReport {
	e.t.Helper()
	rep, err := e.s.PECSync(context.Background(), a, comune, service.PECSyncOptions{})
	if err != nil {
		e.t.Fatalf("PECSync(%s): %v", comune, err)
	}
	return rep
}

func (e *env) inbox(a service.Actor) []store.PECItem {
	e.t.Helper()
	items, err := e.s.PECList(a, service.PECFilter{})
	if err != nil {
		e.t.Fatalf("PECList: %v", err)
	}
	return items
}

// checkManifest compares the inbox (newest first) with the samples, in order.
func checkManifest(t *testing.T, items []store.PECItem, samples []mailtest.Sample) {
	t.Helper()
	if len(items) != len(samples) {
		t.Fatalf("%d items, want one per sample (%d)", len(items), len(samples))
	}
	for i, s := range samples {
		it := items[len(items)-1-i]
		typ := it.Type
		if it.Kind == "receipt" {
			typ = it.ReceiptType
		}
		var atts []string
		for _, a := range it.Attachments {
			if a.Type != "ISTANZA" {
				atts = append(atts, a.Type)
			}
		}
		if it.Kind != s.Kind || typ != s.TypeOrReceipt || it.CodiceFiscale != s.CF || !slices.Equal(atts, s.Attachments) {
			t.Errorf("%s: stored as %s %s %q %v, manifest says %s %s %q %v", s.File, it.Kind, typ, it.CodiceFiscale, atts,
				s.Kind, s.TypeOrReceipt, s.CF, s.Attachments)
		}
		if it.State != domain.RequestNuova || it.Channel != domain.App || it.Comune != "L736" {
			t.Errorf("%s: state %s channel %s comune %s", s.File, it.State, it.Channel, it.Comune)
		}
	}
}

// TestPECSyncSamples: the shared samples arrive in Venezia's mailbox, are stored once,
// classified as the manifest says, linked to the holder by codice fiscale, seen by
// Venezia's operators only; a second sync adds nothing; sessions hear InboxChanged.
func TestPECSyncSamples(t *testing.T) {
	e := newEnv(t)
	holder := e.issue(mario, rossi(t))
	m := mailtest.NewMem(t, pecUser, pecPassword)
	samples := mailtest.Samples(t)
	for _, s := range samples {
		m.Seed("INBOX", s.Raw)
	}
	e.configurePEC(admin, "L736", memMailbox(m), "tls")
	events, cancel := e.s.Hub().Subscribe("L736")
	defer cancel()

	rep := e.pecSync(mario, "L736")
	if rep.Found != len(samples) || rep.New != len(samples) || rep.Marked != len(samples) {
		t.Fatalf("first sync: %+v", rep)
	}
	items := e.inbox(mario)
	checkManifest(t, items, samples)
	for _, it := range items {
		if it.CodiceFiscale == holder.Pass.HolderCF {
			if it.PersonID != holder.Pass.PersonID || it.PassID != holder.Pass.ID || it.LinkedBy != "automatico" {
				t.Errorf("item %d (%s): person %d pass %d by %q, want linked to %d/%d", it.ID, it.Type, it.PersonID, it.PassID, it.LinkedBy, holder.Pass.PersonID, holder.Pass.ID)
			}
		} else if it.PassID != 0 {
			t.Errorf("item %d linked to pass %d", it.ID, it.PassID)
		}
	}
	gotInbox := false
	for len(events) > 0 {
		if _, ok := (<-events).(service.InboxChanged); ok {
			gotInbox = true
		}
	}
	if !gotInbox {
		t.Error("no InboxChanged event after the sync")
	}

	rep2 := e.pecSync(mario, "L736")
	if rep2.Found != 0 || rep2.New != 0 || len(e.inbox(mario)) != len(samples) {
		t.Errorf("second sync: %+v", rep2)
	}
	if items := e.inbox(giulia); len(items) != 0 {
		t.Errorf("Padova sees %d items of Venezia", len(items))
	}
	_, err := e.s.PECItem(giulia, items[0].ID)
	wantNotFound(t, "Padova reads a Venezia item", err)
	if _, err := e.s.PECSync(context.Background(), giulia, "L736", service.PECSyncOptions{}); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("Padova syncs Venezia's mailbox: %v", err)
	}
	st, err := e.s.PECStatus(mario, "L736")
	if err != nil || st.Sync.LastSync.IsZero() || st.Sync.LastError != "" || st.Sync.LastUID != uint32(len(samples)) ||
		!strings.Contains(st.PasswordSource, "file") {
		t.Errorf("status %+v %v", st, err)
	}
	c := mailtest.Client(t, m.PlainAddr, pecUser, pecPassword)
	defer c.Close()
	for _, mi := range mailtest.Messages(t, c, "INBOX") {
		if !mi.Has("$VivipassArchiviato") || mi.Has(`\Seen`) {
			t.Errorf("uid %d: flags %v", mi.UID, mi.Flags)
		}
	}
}

// TestPECSameRequestTwice: a request delivered twice (and a copy forwarded as plain
// mail) is one item; both copies are marked.
func TestPECSameRequestTwice(t *testing.T) {
	e := newEnv(t)
	m := mailtest.NewMem(t, pecUser, pecPassword)
	req := mailtest.Requests(t, 1, 1)[0]
	m.Seed("INBOX", req, req)
	e.configurePEC(admin, "L736", memMailbox(m), "starttls")
	rep := e.pecSync(admin, "L736")
	if rep.Fetched != 2 || rep.New != 1 || rep.Duplicates != 1 || rep.Marked != 2 {
		t.Errorf("sync: %+v", rep)
	}
	if n := len(e.inbox(mario)); n != 1 {
		t.Errorf("%d items, want 1", n)
	}
	// Delivered again later, with another envelope Message-ID: still the same request.
	again := bytes.Replace(req, []byte("opec21.bulk.000001@pec.aruba.it"), []byte("opec21.redelivered@pec.aruba.it"), -1)
	m.Seed("INBOX", again)
	if rep := e.pecSync(admin, "L736"); rep.Fetched != 1 || rep.New != 0 {
		t.Errorf("redelivery: %+v", rep)
	}
	if n := len(e.inbox(mario)); n != 1 {
		t.Errorf("%d items after the redelivery, want 1", n)
	}
}

// TestPECRequestStates: a request goes through its states with notes, refused when the
// rule says so or when someone changed it meanwhile; each change is audited and kept in
// the item's history; the counts follow.
func TestPECRequestStates(t *testing.T) {
	e := newEnv(t)
	m := mailtest.NewMem(t, pecUser, pecPassword)
	m.Seed("INBOX", mailtest.Requests(t, 1, 3)...)
	e.configurePEC(admin, "L736", memMailbox(m), "tls")
	e.pecSync(admin, "L736")
	items := e.inbox(mario)
	if len(items) != 3 {
		t.Fatalf("%d items", len(items))
	}
	counts, err := e.s.PECCounts(mario)
	if err != nil || counts[domain.RequestNuova] != 3 {
		t.Fatalf("counts %v %v", counts, err)
	}
	it := items[0]
	before := e.auditCount()
	_, err = e.s.SetRequestState(mario, it.ID, it.Version, domain.RequestRespinta, "")
	wantErr(t, "respinta without a note", err, "motivo")
	it2, err := e.s.SetRequestState(mario, it.ID, it.Version, domain.RequestInLavorazione, "")
	if err != nil {
		t.Fatal(err)
	}
	_, err = e.s.SetRequestState(anna, it.ID, it.Version, domain.RequestEvasa, "")
	var stale *service.StaleError
	if !errors.As(err, &stale) || !strings.Contains(err.Error(), "mario") {
		t.Errorf("change on an old version: %v", err)
	}
	it3, err := e.s.SetRequestState(anna, it.ID, it2.Version, domain.RequestIntegrazione, "manca la fototessera: chiesta via e-mail")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.SetRequestState(giulia, it.ID, 0, domain.RequestEvasa, ""); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("Padova changes a Venezia request: %v", err)
	}
	if _, err := e.s.SetRequestState(mario, it.ID, it3.Version, domain.RequestEvasa, "rinnovo fatto"); err != nil {
		t.Fatal(err)
	}
	d, err := e.s.PECItem(mario, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	if d.Item.State != domain.RequestEvasa || d.Item.Note != "rinnovo fatto" || d.Item.StateBy != "mario" || len(d.Item.History) != 3 {
		t.Errorf("after the changes: %+v", d.Item)
	}
	if d.Item.History[1].To != domain.RequestIntegrazione || d.Item.History[1].By != "anna" || !strings.Contains(d.Item.History[1].Note, "fototessera") {
		t.Errorf("history %+v", d.Item.History)
	}
	if n := e.auditCount(); n != before+3 {
		t.Errorf("audit entries: %d, want %d", n, before+3)
	}
	counts, _ = e.s.PECCounts(mario)
	if counts[domain.RequestNuova] != 2 || counts[domain.RequestEvasa] != 1 {
		t.Errorf("counts %v", counts)
	}
	open, _ := e.s.PECList(mario, service.PECFilter{Open: true})
	nuove, _ := e.s.PECList(mario, service.PECFilter{State: domain.RequestNuova})
	if len(open) != 2 || len(nuove) != 2 {
		t.Errorf("open %d, nuove %d", len(open), len(nuove))
	}
}

// TestPECDetailAttachmentsLinks: the detail reads the request again from the stored
// message; attachments come with safe names and their bytes; an operator links a
// request by hand.
func TestPECDetailAttachmentsLinks(t *testing.T) {
	e := newEnv(t)
	m := mailtest.NewMem(t, pecUser, pecPassword)
	var dup mailtest.Sample
	for _, s := range mailtest.Samples(t) {
		if s.TypeOrReceipt == "DUPLICATO" {
			dup = s
		}
	}
	m.Seed("INBOX", dup.Raw)
	e.configurePEC(admin, "L736", memMailbox(m), "tls")
	e.pecSync(admin, "L736")
	it := e.inbox(mario)[0]
	if it.PersonID != 0 {
		t.Fatalf("linked to %d without anybody in the register", it.PersonID)
	}
	d, err := e.s.PECItem(mario, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	q := d.Parsed.Request
	if q == nil || q.Applicant.CodiceFiscale != dup.CF || q.DuplicateReason == "" || q.Applicant.Email == "" {
		t.Fatalf("parsed request: %+v", q)
	}
	files, err := e.s.PECAttachments(mario, it.ID)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		if len(f.Data) == 0 || strings.ContainsAny(f.SafeName, `/\`) {
			t.Errorf("attachment %q: %d bytes", f.SafeName, len(f.Data))
		}
		names = append(names, f.SafeName)
	}
	if len(files) != 4 {
		t.Errorf("attachments %v", names)
	}
	raw, err := e.s.PECRaw(mario, it.ID)
	if err != nil || !bytes.Equal(raw, dup.Raw) {
		t.Errorf("raw: %d bytes, %v", len(raw), err)
	}

	// The holder comes to the counter; the operator links the request by hand.
	p := bianchi(t)
	if p.CodiceFiscale != dup.CF {
		t.Fatalf("test data: %s vs %s", p.CodiceFiscale, dup.CF)
	}
	res := e.issue(mario, p)
	other := e.issue(mario, rossi(t))
	_, err = e.s.LinkRequest(mario, it.ID, it.Version, res.Pass.PersonID, other.Pass.ID)
	wantErr(t, "pass of somebody else", err, "non è della persona")
	got, err := e.s.LinkRequest(mario, it.ID, it.Version, res.Pass.PersonID, res.Pass.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.PersonID != res.Pass.PersonID || got.PassID != res.Pass.ID || got.LinkedBy != "mario" {
		t.Errorf("linked: %+v", got)
	}
	if _, err := e.s.LinkRequest(giulia, it.ID, 0, 0, 0); !errors.Is(err, service.ErrNotFound) {
		t.Errorf("Padova links a Venezia request: %v", err)
	}
	d, _ = e.s.PECItem(mario, it.ID)
	if d.Pass == nil || d.Pass.ID != res.Pass.ID || d.Person == nil {
		t.Errorf("detail links: pass %v person %v", d.Pass, d.Person)
	}
}

// TestPECConfigure: who may configure, what is refused, and that the password is
// never stored.
func TestPECConfigure(t *testing.T) {
	e := newEnv(t)
	m := mailtest.NewMem(t, pecUser, pecPassword)
	mb := memMailbox(m)
	host, port, _ := net.SplitHostPort(mb.tlsAddr)
	p, _ := strconv.Atoi(port)
	base := service.PECSettings{Comune: "L736", Host: host, Port: p, User: pecUser, Security: "tls"}
	if _, err := e.s.PECConfigure(mario, base); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("an operator configures: %v", err)
	}
	g := base
	g.Comune = "G224"
	if _, err := e.s.PECConfigure(capo, g); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("Venezia's administrator configures Padova: %v", err)
	}
	for name, edit := range map[string]func(*service.PECSettings){
		"plain off loopback": func(s *service.PECSettings) { s.Security, s.Host = "plain", "pec.example.it" },
		"security":           func(s *service.PECSettings) { s.Security = "ssl3" },
		"port":               func(s *service.PECSettings) { s.Port = 0 },
		"password file":      func(s *service.PECSettings) { s.PasswordFile = filepath.Join(e.dir, "manca") },
		"ca file":            func(s *service.PECSettings) { s.CAFile = filepath.Join(e.dir, "manca.pem") },
		"archive = folder":   func(s *service.PECSettings) { s.ArchiveFolder = "INBOX" },
		"comune":             func(s *service.PECSettings) { s.Comune = "Z999" },
	} {
		in := base
		edit(&in)
		if _, err := e.s.PECConfigure(admin, in); err == nil || !domain.IsRule(err) {
			t.Errorf("%s: %v, want a rule error", name, err)
		}
	}
	// A comune's administrator cannot either: the settings name files on the server
	// and the host the password goes to; the server's administrator sets them.
	if _, err := e.s.PECConfigure(capo, base); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("Venezia's administrator configures the mailbox: %v", err)
	}
	e.configurePEC(admin, "L736", mb, "tls", func(s *service.PECSettings) { s.ArchiveFolder = "Archivio" })
	cfgs, _ := e.s.PECConfigs(mario)
	if len(cfgs) != 1 || cfgs[0].Mark != store.MarkMove || cfgs[0].ArchiveFolder != "Archivio" || cfgs[0].Folder != "INBOX" {
		t.Errorf("configs %+v", cfgs)
	}
	var raw bytes.Buffer
	if _, err := e.s.DB().Backup(&raw); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(raw.Bytes(), []byte(pecPassword)) {
		t.Error("the password is in the database file")
	}
}

// TestPECPasswordFromEnvironment: without a password file, the environment variable;
// without either, a clear error naming the variable (and never a password).
func TestPECPasswordFromEnvironment(t *testing.T) {
	e := newEnv(t)
	m := mailtest.NewMem(t, pecUser, pecPassword)
	m.Seed("INBOX", mailtest.Plain(1, "x"))
	e.configurePEC(admin, "L736", memMailbox(m), "tls", func(s *service.PECSettings) { s.PasswordFile = "" })
	t.Setenv(service.PECPasswordEnv("L736"), "")
	_, err := e.s.PECSync(context.Background(), admin, "L736", service.PECSyncOptions{})
	wantErr(t, "no password", err, "VIVIPASS_PEC_PASSWORD_L736")
	st, _ := e.s.PECStatus(admin, "L736")
	if !strings.Contains(st.Sync.LastError, "VIVIPASS_PEC_PASSWORD_L736") || !strings.Contains(st.PasswordSource, "VIVIPASS_PEC_PASSWORD_L736") {
		t.Errorf("status %+v", st)
	}
	t.Setenv(service.PECPasswordEnv("L736"), "sbagliata-"+pecPassword)
	_, err = e.s.PECSync(context.Background(), admin, "L736", service.PECSyncOptions{})
	if err == nil || strings.Contains(err.Error(), pecPassword) {
		t.Errorf("wrong password: %v", err)
	}
	t.Setenv(service.PECPasswordEnv("L736"), pecPassword)
	if rep := e.pecSync(admin, "L736"); rep.New != 1 {
		t.Errorf("with the variable: %+v", rep)
	}
}

// logBuffer is a concurrency-safe log sink.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitFor polls cond until it holds or the deadline passes.
func waitFor(t *testing.T, what string, within time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestPECWorker: the worker reads the mailbox at once and on demand; with the server
// down it logs, records the error and backs off; when the server is back it succeeds;
// a new setting takes effect at once; the password is never logged.
func TestPECWorker(t *testing.T) {
	e := newEnv(t)
	m := mailtest.NewMem(t, pecUser, pecPassword)
	m.Seed("INBOX", mailtest.Requests(t, 1, 2)...)
	e.configurePEC(admin, "L736", memMailbox(m), "tls")
	var logs logBuffer
	w := e.s.PECWorker(service.PECWorkerOptions{Log: slog.New(slog.NewTextHandler(&logs, nil)),
		Interval: time.Hour, MinBackoff: 20 * time.Millisecond, MaxBackoff: 100 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
	}()
	waitFor(t, "the first sync", 10*time.Second, func() bool { return len(e.inbox(mario)) == 2 })
	if err := e.s.PECWorker(service.PECWorkerOptions{}).Run(ctx); err == nil {
		t.Error("a second worker started")
	}

	m.Seed("INBOX", mailtest.Plain(1, "su richiesta"))
	// Once the on-demand sync returns, the new message is stored: by this sync, or by
	// one of the loop's that began just before it (under load the loop may run first;
	// the report is then that of a sync with nothing new).
	rep, err := e.s.PECSync(ctx, mario, "L736", service.PECSyncOptions{})
	if n := len(e.inbox(mario)); err != nil || n != 3 || rep.New > 1 {
		t.Fatalf("on demand through the worker: %+v %v, %d items stored", rep, err, n)
	}
	if st, _ := e.s.PECStatus(mario, "L736"); !st.Running {
		t.Error("status: not running")
	}

	m.Stop()
	m.Seed("INBOX", mailtest.Plain(2, "mentre il server è giù"))
	if _, err := e.s.PECSync(ctx, mario, "L736", service.PECSyncOptions{}); err == nil {
		t.Fatal("sync with the server down succeeded")
	}
	waitFor(t, "retries with backoff", 10*time.Second, func() bool {
		return strings.Count(logs.String(), "lettura non riuscita") >= 3
	})
	st, _ := e.s.PECStatus(mario, "L736")
	if st.Sync.LastError == "" || st.Sync.ErrorAt.IsZero() {
		t.Errorf("status after failures: %+v", st.Sync)
	}
	m.Start()
	waitFor(t, "the sync after the server came back", 10*time.Second, func() bool { return len(e.inbox(mario)) == 4 })
	waitFor(t, "the error cleared", 5*time.Second, func() bool {
		st, _ := e.s.PECStatus(mario, "L736")
		return st.Sync.LastError == ""
	})

	// Disabled: the loop stops at once.
	e.configurePEC(admin, "L736", memMailbox(m), "tls", func(s *service.PECSettings) { s.Disabled = true })
	waitFor(t, "the loop stopped", 5*time.Second, func() bool {
		st, _ := e.s.PECStatus(mario, "L736")
		return !st.Running
	})
	for _, s := range []string{logs.String(), st.Sync.LastError} {
		if strings.Contains(s, pecPassword) {
			t.Errorf("password in the log or status:\n%s", s)
		}
	}
	if !strings.Contains(logs.String(), "nuovo_tentativo_tra") {
		t.Errorf("log without the retry:\n%s", logs.String())
	}
}
