package service_test

// Integration tests against a real Dovecot that each test starts itself (config of
// ../shared/design/libraries.md §9 in a temporary directory, free ports). They never
// skip: without dovecot they fail, saying that .ci/run installs it.

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vivipass/internal/mailtest"
	"vivipass/service"
	"vivipass/store"
)

func dovecotMailbox(t *testing.T, d *mailtest.Dovecot) mailbox {
	cert, err := os.ReadFile(d.CertFile)
	if err != nil {
		t.Fatal(err)
	}
	return mailbox{plainAddr: d.PlainAddr(), tlsAddr: d.TLSAddr(), certPEM: cert}
}

// localhost: the certificate names localhost, as isync insists on.
func viaLocalhost(s *service.PECSettings) { s.Host = "localhost" }

func dovecotMessages(t *testing.T, d *mailtest.Dovecot, folder string) []mailtest.MessageInfo {
	t.Helper()
	c := mailtest.Client(t, d.PlainAddr(), d.Username, d.Password)
	defer c.Close()
	return mailtest.Messages(t, c, folder)
}

// TestDovecotSamples: the shared samples through STARTTLS and then implicit TLS: stored
// once and classified as the manifest says; a second sync adds nothing; fetching never
// set \Seen (Dovecot does set it on a plain BODY[]); every message carries the keyword.
func TestDovecotSamples(t *testing.T) {
	d := mailtest.StartDovecot(t, pecUser, pecPassword)
	samples := mailtest.Samples(t)
	for _, s := range samples {
		d.Save("INBOX", s.Raw) // one at a time: in manifest order
	}
	e := newEnv(t)
	e.configurePEC(admin, "L736", dovecotMailbox(t, d), "starttls", viaLocalhost)
	rep := e.pecSync(mario, "L736")
	if rep.New != len(samples) || rep.Marked != len(samples) {
		t.Fatalf("first sync: %+v", rep)
	}
	checkManifest(t, e.inbox(mario), samples)
	msgs := dovecotMessages(t, d, "INBOX")
	if len(msgs) != len(samples) {
		t.Fatalf("%d messages left on the server, want %d", len(msgs), len(samples))
	}
	for i, mi := range msgs {
		if mi.Has(`\Seen`) || !mi.Has("$VivipassArchiviato") {
			t.Errorf("uid %d: flags %v, want $VivipassArchiviato and not \\Seen", mi.UID, mi.Flags)
		}
		if !bytes.Equal(bytes.ReplaceAll(mi.Raw, []byte("\r\n"), []byte("\n")), bytes.ReplaceAll(samples[i].Raw, []byte("\r\n"), []byte("\n"))) {
			t.Errorf("uid %d: the message on the server changed", mi.UID)
		}
	}
	for _, it := range e.inbox(mario) {
		raw, err := e.s.PECRaw(mario, it.ID)
		if err != nil || len(raw) == 0 || int64(len(raw)) != it.Size {
			t.Errorf("item %d: raw %d bytes, size %d, %v", it.ID, len(raw), it.Size, err)
		}
	}

	e.configurePEC(admin, "L736", dovecotMailbox(t, d), "tls", viaLocalhost)
	if rep := e.pecSync(mario, "L736"); rep.Found != 0 || rep.New != 0 {
		t.Errorf("second sync, over TLS: %+v", rep)
	}
	if n := len(e.inbox(mario)); n != len(samples) {
		t.Errorf("%d items after the second sync", n)
	}
}

// TestDovecotArrivalAndResync: a message delivered during a sync is taken by it; the
// folder deleted and created again (new UIDVALIDITY, new UIDs) is read again without
// doubling anything, and everything in it is marked again.
func TestDovecotArrivalAndResync(t *testing.T) {
	d := mailtest.StartDovecot(t, pecUser, pecPassword)
	if out, err := d.Doveadm(nil, "mailbox", "create", "-u", pecUser, "PEC"); err != nil {
		t.Fatalf("mailbox create: %v %s", err, out)
	}
	reqs := mailtest.Requests(t, 1, 30)
	d.Save("PEC", reqs...)
	e := newEnv(t)
	e.configurePEC(admin, "L736", dovecotMailbox(t, d), "tls", viaLocalhost, func(s *service.PECSettings) { s.Folder = "PEC" })
	late := mailtest.Plain(1, "arrivata durante la lettura")
	arrived := false
	rep, err := e.s.PECSync(context.Background(), admin, "L736", service.PECSyncOptions{BatchMessages: 10, Progress: func(n int) {
		if !arrived {
			arrived = true
			d.Save("PEC", late)
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	if rep.New != 31 || rep.Found != 31 || len(e.inbox(admin)) != 31 {
		t.Fatalf("sync with a message arriving: %+v, %d items; want 31 in one sync", rep, len(e.inbox(admin)))
	}
	before, _ := e.s.PECStatus(admin, "L736")

	if out, err := d.Doveadm(nil, "mailbox", "delete", "-u", pecUser, "PEC"); err != nil {
		t.Fatalf("mailbox delete: %v %s", err, out)
	}
	if out, err := d.Doveadm(nil, "mailbox", "create", "-u", pecUser, "PEC"); err != nil {
		t.Fatalf("mailbox create: %v %s", err, out)
	}
	d.Save("PEC", reqs[:10]...)
	d.Save("PEC", mailtest.Plain(2, "nuova dopo la ricreazione"))
	rep = e.pecSync(admin, "L736")
	if !rep.Resync || rep.Fetched != 11 || rep.New != 1 || rep.Marked != 11 {
		t.Fatalf("after the new UIDVALIDITY: %+v", rep)
	}
	if n := len(e.inbox(admin)); n != 32 {
		t.Errorf("%d items, want 32", n)
	}
	after, _ := e.s.PECStatus(admin, "L736")
	if after.Sync.UIDValidity == before.Sync.UIDValidity {
		t.Errorf("UIDVALIDITY kept: %d", after.Sync.UIDValidity)
	}
	for _, mi := range dovecotMessages(t, d, "PEC") {
		if !mi.Has("$VivipassArchiviato") || mi.Has(`\Seen`) {
			t.Errorf("uid %d: flags %v", mi.UID, mi.Flags)
		}
	}
}

// TestDovecotDownThenBack: the worker reads the mailbox; Dovecot stops: the attempts
// fail and back off, the error is recorded; Dovecot starts again: the next attempt
// succeeds and takes what arrived meanwhile. The password never reaches the log.
func TestDovecotDownThenBack(t *testing.T) {
	d := mailtest.StartDovecot(t, pecUser, pecPassword)
	d.Save("INBOX", mailtest.Requests(t, 1, 5)...)
	e := newEnv(t)
	e.configurePEC(admin, "L736", dovecotMailbox(t, d), "tls", viaLocalhost)
	var logs logBuffer
	w := e.s.PECWorker(service.PECWorkerOptions{Log: slog.New(slog.NewTextHandler(&logs, nil)),
		Interval: time.Hour, MinBackoff: 50 * time.Millisecond, MaxBackoff: 400 * time.Millisecond})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Run(ctx) }()
	defer func() { cancel(); <-done }()
	waitFor(t, "the first sync", 20*time.Second, func() bool { return len(e.inbox(mario)) == 5 })

	d.Stop()
	if _, err := e.s.PECSync(ctx, mario, "L736", service.PECSyncOptions{}); err == nil {
		t.Fatal("sync with Dovecot down succeeded")
	}
	waitFor(t, "retries with backoff", 20*time.Second, func() bool {
		return strings.Count(logs.String(), "lettura non riuscita") >= 4
	})
	st, _ := e.s.PECStatus(mario, "L736")
	if st.Sync.LastError == "" {
		t.Error("no error recorded while Dovecot was down")
	}
	d.Start()
	d.Save("INBOX", mailtest.Requests(t, 100, 3)...)
	waitFor(t, "the sync after Dovecot came back", 20*time.Second, func() bool { return len(e.inbox(mario)) == 8 })
	waitFor(t, "the error cleared", 10*time.Second, func() bool {
		st, _ := e.s.PECStatus(mario, "L736")
		return st.Sync.LastError == ""
	})
	log := logs.String()
	for _, want := range []string{"nuovo_tentativo_tra=50ms", "nuovo_tentativo_tra=100ms", "nuovo_tentativo_tra=200ms"} {
		if !strings.Contains(log, want) {
			t.Errorf("log without %s (backoff):\n%s", want, log)
		}
	}
	if strings.Contains(log, pecPassword) {
		t.Errorf("password in the log:\n%s", log)
	}
	for _, mi := range dovecotMessages(t, d, "INBOX") {
		if !mi.Has("$VivipassArchiviato") || mi.Has(`\Seen`) {
			t.Errorf("uid %d: flags %v", mi.UID, mi.Flags)
		}
	}
}

// TestDovecotMoveOversizeAndSecrets: move mode on Dovecot (MOVE, advertised beside
// IMAP4rev1); a 31 MB message kept in quarantine with its first bytes; a wrong password
// gives an error and a status that never show it.
func TestDovecotMoveOversizeAndSecrets(t *testing.T) {
	d := mailtest.StartDovecot(t, pecUser, pecPassword)
	big := append([]byte("From: cittadino@example.it\r\nSubject: foto enormi\r\nMessage-ID: <enorme@example.it>\r\n"+
		"Content-Type: text/plain\r\n\r\n"), bytes.Repeat([]byte(strings.Repeat("x", 78)+"\r\n"), 31<<20/80+1)...)
	d.Save("INBOX", mailtest.Requests(t, 1, 3)...)
	d.Save("INBOX", big)
	e := newEnv(t)
	e.configurePEC(admin, "L736", dovecotMailbox(t, d), "tls", viaLocalhost, func(s *service.PECSettings) { s.ArchiveFolder = "Archivio/vivipass" })
	rep := e.pecSync(admin, "L736")
	if rep.New != 4 || rep.Truncated != 1 || rep.Marked != 4 {
		t.Fatalf("sync: %+v", rep)
	}
	var q store.PECItem
	for _, it := range e.inbox(admin) {
		if it.Kind == "quarantine" {
			q = it
		}
	}
	raw, _ := e.s.PECRaw(admin, q.ID)
	if !q.Truncated || q.Size < 31<<20 || len(raw) != 256<<10 || !strings.Contains(q.Reason, "30 MB") || !bytes.HasPrefix(big, raw) {
		t.Errorf("the big message: %+v, %d bytes kept", q, len(raw))
	}
	if n := len(dovecotMessages(t, d, "INBOX")); n != 0 {
		t.Errorf("%d messages left in INBOX after the move", n)
	}
	arch := dovecotMessages(t, d, "Archivio/vivipass")
	if len(arch) != 4 {
		t.Fatalf("%d messages in the archive, want 4 (nothing lost, nothing deleted)", len(arch))
	}
	for _, mi := range arch {
		if mi.Has(`\Deleted`) || mi.Has(`\Seen`) {
			t.Errorf("archived uid %d: flags %v", mi.UID, mi.Flags)
		}
	}

	pw := filepath.Join(e.dir, "pec-password-L736")
	if err := os.WriteFile(pw, []byte("sbagliata-"+pecPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := e.s.PECSync(context.Background(), admin, "L736", service.PECSyncOptions{})
	if err == nil {
		t.Fatal("a wrong password was accepted")
	}
	st, _ := e.s.PECStatus(admin, "L736")
	for _, s := range []string{err.Error(), st.Sync.LastError, st.PasswordSource} {
		if strings.Contains(s, pecPassword) || strings.Contains(s, "sbagliata") {
			t.Errorf("password shown: %q", s)
		}
	}
	if !strings.Contains(err.Error(), "rifiutato") {
		t.Errorf("error %q does not say the login was refused", err)
	}
}
