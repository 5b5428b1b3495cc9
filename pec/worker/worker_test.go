package worker

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-imap/v2"

	"vivipass/internal/mailtest"
	"vivipass/pec/parse"
)

// memSink is a Sink in memory: items by key, state by folder, every commit counted.
type memSink struct {
	mu      sync.Mutex
	items   map[string]Message
	order   []string
	states  map[string]State
	commits int
	// afterCommit runs after each commit with messages (outside the lock).
	afterCommit func(n int)
	failCommit  error
}

func newSink() *memSink {
	return &memSink{items: map[string]Message{}, states: map[string]State{}}
}

func (s *memSink) State(folder string) (State, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.states[folder]
	st.Pending = slices.Clone(st.Pending)
	return st, nil
}

func (s *memSink) Commit(folder string, msgs []Message, st State) (int, error) {
	s.mu.Lock()
	if s.failCommit != nil {
		s.mu.Unlock()
		return 0, s.failCommit
	}
	added := 0
	for _, m := range msgs {
		if _, ok := s.items[m.Result.Key]; ok {
			continue
		}
		s.items[m.Result.Key] = m
		s.order = append(s.order, m.Result.Key)
		added++
	}
	st.Pending = slices.Clone(st.Pending)
	s.states[folder] = st
	s.commits++
	n := s.commits
	hook := s.afterCommit
	s.mu.Unlock()
	if hook != nil && len(msgs) > 0 {
		hook(n)
	}
	return added, nil
}

func (s *memSink) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.items)
}

const (
	testUser = "protocollo"
	// testPassword is distinctive so that a leak is found by a plain search.
	testPassword = "Pw-Segretissima-7731"
)

func memConfig(m *mailtest.Mem, security string) Config {
	addr := m.TLSAddr
	if security != SecurityTLS {
		addr = m.PlainAddr
	}
	host, port := splitAddr(addr)
	return Config{Host: host, Port: port, User: testUser, Password: testPassword, Security: security,
		RootCAs: m.Cert.Pool, DialTimeout: 5 * time.Second}
}

func splitAddr(addr string) (string, int) {
	i := strings.LastIndexByte(addr, ':')
	var port int
	fmt.Sscan(addr[i+1:], &port)
	return addr[:i], port
}

func dialT(t *testing.T, cfg Config) *Session {
	t.Helper()
	s, err := Dial(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func syncT(t *testing.T, s *Session, sink Sink) Stats {
	t.Helper()
	st, err := s.Sync(context.Background(), sink, nil)
	if err != nil {
		t.Fatalf("Sync: %v", err)
	}
	return st
}

// serverFlags returns the flags of every message of folder, by position.
func serverMessages(t *testing.T, m *mailtest.Mem, folder string) []mailtest.MessageInfo {
	t.Helper()
	c := mailtest.Client(t, m.PlainAddr, testUser, testPassword)
	defer c.Close()
	return mailtest.Messages(t, c, folder)
}

// TestSyncSamples: every shared sample is fetched, stored once and classified as the
// manifest says; a second sync adds nothing; every message is marked with the keyword
// and none is \Seen.
func TestSyncSamples(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	samples := mailtest.Samples(t)
	for _, s := range samples {
		m.Seed("INBOX", s.Raw)
	}
	sink := newSink()
	s := dialT(t, memConfig(m, SecurityTLS))
	st := syncT(t, s, sink)
	if st.Listed != len(samples) || st.Fetched != len(samples) || st.Added != len(samples) || st.Marked != len(samples) {
		t.Fatalf("first sync: %+v, want %d listed, fetched, added, marked", st, len(samples))
	}
	if sink.count() != len(samples) {
		t.Fatalf("%d items, want %d", sink.count(), len(samples))
	}
	for i, key := range sink.order {
		checkSample(t, samples[i], sink.items[key])
	}
	st2 := syncT(t, s, sink)
	if st2.Listed != 0 || st2.Fetched != 0 || st2.Added != 0 || sink.count() != len(samples) {
		t.Errorf("second sync: %+v, %d items: want nothing new", st2, sink.count())
	}
	for _, mi := range serverMessages(t, m, "INBOX") {
		if !mi.Has(DefaultKeyword) || mi.Has(`\Seen`) {
			t.Errorf("uid %d on the server: flags %v, want %s and not \\Seen", mi.UID, mi.Flags, DefaultKeyword)
		}
	}
	if got := sink.states["INBOX"]; got.LastUID != uint32(len(samples)) || len(got.Pending) != 0 || got.UIDValidity == 0 {
		t.Errorf("state %+v", got)
	}
}

// checkSample compares a stored message with its manifest line.
func checkSample(t *testing.T, want mailtest.Sample, got Message) {
	t.Helper()
	r := got.Result
	if r.Kind.String() != want.Kind {
		t.Errorf("%s: kind %s, want %s (%s)", want.File, r.Kind, want.Kind, r.Reason)
		return
	}
	if !bytes.Equal(got.Raw, want.Raw) {
		t.Errorf("%s: raw bytes differ from the file (%d vs %d bytes)", want.File, len(got.Raw), len(want.Raw))
	}
	switch r.Kind {
	case parse.KindRequest:
		if r.Request.Type.String() != want.TypeOrReceipt || r.Request.Applicant.CodiceFiscale != want.CF {
			t.Errorf("%s: %s %s, want %s %s", want.File, r.Request.Type, r.Request.Applicant.CodiceFiscale, want.TypeOrReceipt, want.CF)
		}
		var types []string
		for _, a := range r.Attachments {
			if a.Type != parse.AttachIstanza {
				types = append(types, string(a.Type))
			}
		}
		if !slices.Equal(types, want.Attachments) {
			t.Errorf("%s: attachments %v, want %v", want.File, types, want.Attachments)
		}
	case parse.KindReceipt:
		if string(r.Receipt.Type) != want.TypeOrReceipt {
			t.Errorf("%s: receipt %s, want %s", want.File, r.Receipt.Type, want.TypeOrReceipt)
		}
	}
}

func TestSecurityModes(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	m.Seed("INBOX", mailtest.Plain(1, "prova"))
	for _, sec := range []string{SecurityTLS, SecurityStartTLS, SecurityPlain} {
		t.Run(sec, func(t *testing.T) {
			sink := newSink()
			st := syncT(t, dialT(t, memConfig(m, sec)), sink)
			if st.Added != 1 {
				t.Errorf("%s: %+v", sec, st)
			}
		})
	}
	t.Run("plain refused off loopback", func(t *testing.T) {
		cfg := Config{Host: "pec.example.it", Port: 143, User: "u", Password: "p", Security: SecurityPlain}
		if err := cfg.Validate(); err == nil || !strings.Contains(err.Error(), "solo verso questo computer") {
			t.Errorf("Validate: %v", err)
		}
	})
	t.Run("unknown certificate", func(t *testing.T) {
		for _, sec := range []string{SecurityTLS, SecurityStartTLS} {
			cfg := memConfig(m, sec)
			cfg.RootCAs = nil // the system's roots do not know the test certificate
			if _, err := Dial(context.Background(), cfg); err == nil || !strings.Contains(err.Error(), "certificate") {
				t.Errorf("%s with an unknown certificate: %v", sec, err)
			}
		}
	})
	t.Run("wrong host name", func(t *testing.T) {
		cfg := memConfig(m, SecurityTLS)
		cfg.Host = "127.0.0.2" // not in the certificate
		if _, err := Dial(context.Background(), cfg); err == nil {
			t.Error("a certificate for another name was accepted")
		}
	})
}

// TestPasswordNeverShown: the password never appears in an error, in the Config
// printed in any way, nor in Stats.
func TestPasswordNeverShown(t *testing.T) {
	m := mailtest.NewMem(t, testUser, "altra-password")
	cfg := memConfig(m, SecurityTLS)
	var texts []string
	_, err := Dial(context.Background(), cfg)
	if err == nil {
		t.Fatal("login with a wrong password accepted")
	}
	texts = append(texts, err.Error())
	cfg2 := cfg
	cfg2.Port = mailtest.FreePort(t)
	_, err = Dial(context.Background(), cfg2)
	texts = append(texts, err.Error())
	texts = append(texts, fmt.Sprintf("%v %+v %#v %s", cfg, cfg, cfg, cfg.Password))
	// An error text that happens to hold the password (a server echoing it) is cleaned.
	texts = append(texts, redact(fmt.Errorf("server said: bad %s", testPassword), cfg.Password).Error())
	for _, s := range texts {
		if strings.Contains(s, testPassword) {
			t.Errorf("password shown: %s", s)
		}
	}
	if !errors.Is(redact(fmt.Errorf("x %s: %w", testPassword, context.Canceled), cfg.Password), context.Canceled) {
		t.Error("a redacted error lost errors.Is")
	}
}

// TestArrivalDuringSync: a message delivered while a sync runs is taken by that sync.
func TestArrivalDuringSync(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	m.Seed("INBOX", mailtest.Requests(t, 1, 10)...)
	cfg := memConfig(m, SecurityTLS)
	cfg.BatchMessages = 4
	sink := newSink()
	var once sync.Once
	sink.afterCommit = func(int) {
		once.Do(func() { m.Seed("INBOX", mailtest.Plain(99, "arrivato durante la sincronizzazione")) })
	}
	st := syncT(t, dialT(t, cfg), sink)
	if st.Added != 11 || sink.count() != 11 || st.Batches < 3 {
		t.Fatalf("sync: %+v, %d items: want 11 in at least 3 batches", st, sink.count())
	}
	for _, mi := range serverMessages(t, m, "INBOX") {
		if !mi.Has(DefaultKeyword) {
			t.Errorf("uid %d not marked", mi.UID)
		}
	}
}

// TestUIDValidityChange: the folder is deleted and created again with the same
// messages (new UIDs, new UIDVALIDITY) and one more: the sync reads it all again,
// stores only the new one, and marks them all.
func TestUIDValidityChange(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	if err := m.User.Create("PEC", nil); err != nil {
		t.Fatal(err)
	}
	reqs := mailtest.Requests(t, 1, 5)
	m.Seed("PEC", reqs...)
	cfg := memConfig(m, SecurityTLS)
	cfg.Folder = "PEC"
	sink := newSink()
	s := dialT(t, cfg)
	syncT(t, s, sink)
	before := sink.states["PEC"]

	if err := m.User.Delete("PEC"); err != nil {
		t.Fatal(err)
	}
	if err := m.User.Create("PEC", nil); err != nil {
		t.Fatal(err)
	}
	m.Seed("PEC", mailtest.Plain(1, "nuovo"))
	m.Seed("PEC", reqs...)
	st := syncT(t, s, sink)
	if !st.Resync || st.Fetched != 6 || st.Added != 1 || sink.count() != 6 {
		t.Fatalf("after the new UIDVALIDITY: %+v, %d items; want a resync of 6 adding 1", st, sink.count())
	}
	after := sink.states["PEC"]
	if after.UIDValidity == before.UIDValidity || after.LastUID != 6 {
		t.Errorf("state before %+v after %+v", before, after)
	}
	for _, mi := range serverMessages(t, m, "PEC") {
		if !mi.Has(DefaultKeyword) {
			t.Errorf("uid %d not marked after the resync", mi.UID)
		}
	}
	if st := syncT(t, s, sink); st.Fetched != 0 || st.Resync {
		t.Errorf("third sync: %+v", st)
	}
}

// TestCommittedNotMarked: the connection dies after a commit, before the mark: the
// next sync marks those messages first and stores nothing twice.
func TestCommittedNotMarked(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	m.Seed("INBOX", mailtest.Requests(t, 1, 6)...)
	cfg := memConfig(m, SecurityTLS)
	cfg.BatchMessages = 4
	sink := newSink()
	sink.afterCommit = func(n int) {
		if n == 1 {
			m.Stop()
		}
	}
	_, err := func() (Stats, error) {
		s, err := Dial(context.Background(), cfg)
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		return s.Sync(context.Background(), sink, nil)
	}()
	if err == nil {
		t.Fatal("sync went on with the server down")
	}
	st := sink.states["INBOX"]
	if sink.count() != 4 || len(st.Pending) != 4 || st.LastUID != 4 {
		t.Fatalf("after the failure: %d items, state %+v; want 4 stored and pending", sink.count(), st)
	}
	for _, mi := range serverMessages2(t, m) {
		if mi.Has(DefaultKeyword) {
			t.Errorf("uid %d marked though the mark failed", mi.UID)
		}
	}
	sink.afterCommit = nil
	m.Start()
	st2 := syncT(t, dialT(t, cfg), sink)
	if st2.Marked != 6 || st2.Added != 2 || sink.count() != 6 {
		t.Fatalf("second sync: %+v, %d items", st2, sink.count())
	}
	for _, mi := range serverMessages(t, m, "INBOX") {
		if !mi.Has(DefaultKeyword) {
			t.Errorf("uid %d not marked", mi.UID)
		}
	}
	if len(sink.states["INBOX"].Pending) != 0 {
		t.Errorf("pending left: %v", sink.states["INBOX"].Pending)
	}
}

func serverMessages2(t *testing.T, m *mailtest.Mem) []mailtest.MessageInfo {
	m.Start()
	defer m.Stop()
	return serverMessages(t, m, "INBOX")
}

// TestCommitFails: a store that cannot write stops the sync before anything is marked.
func TestCommitFails(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	m.Seed("INBOX", mailtest.Requests(t, 1, 3)...)
	sink := newSink()
	sink.failCommit = errors.New("disco pieno")
	s, err := Dial(context.Background(), memConfig(m, SecurityTLS))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Sync(context.Background(), sink, nil); err == nil || !strings.Contains(err.Error(), "disco pieno") {
		t.Fatalf("Sync: %v", err)
	}
	for _, mi := range serverMessages(t, m, "INBOX") {
		if len(mi.Flags) != 0 {
			t.Errorf("uid %d has flags %v after a failed commit", mi.UID, mi.Flags)
		}
	}
}

// TestMoveMode: stored messages go to the archive folder (created if missing);
// nothing is lost or deleted.
func TestMoveMode(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	m.Seed("INBOX", mailtest.Requests(t, 1, 5)...)
	cfg := memConfig(m, SecurityTLS)
	cfg.Mark, cfg.ArchiveFolder = MarkMove, "Archivio/vivipass"
	cfg.BatchMessages = 2
	sink := newSink()
	s := dialT(t, cfg)
	st := syncT(t, s, sink)
	if st.Added != 5 || st.Marked != 5 {
		t.Fatalf("%+v", st)
	}
	if n := len(serverMessages(t, m, "INBOX")); n != 0 {
		t.Errorf("%d messages left in INBOX", n)
	}
	arch := serverMessages(t, m, "Archivio/vivipass")
	if len(arch) != 5 {
		t.Fatalf("%d messages in the archive, want 5", len(arch))
	}
	for _, mi := range arch {
		if mi.Has(`\Deleted`) || mi.Has(`\Seen`) {
			t.Errorf("archived uid %d: flags %v", mi.UID, mi.Flags)
		}
	}
	m.Seed("INBOX", mailtest.Plain(1, "dopo"))
	if st := syncT(t, s, sink); st.Added != 1 {
		t.Errorf("next sync: %+v", st)
	}
	if n := len(serverMessages(t, m, "Archivio/vivipass")); n != 6 {
		t.Errorf("%d archived, want 6", n)
	}
}

// TestMoveRefusedWithoutMove: without MOVE nor UIDPLUS, moving would need an EXPUNGE
// of every \Deleted message of the folder: the sync refuses before fetching anything.
func TestMoveRefusedWithoutMove(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	m.Stop()
	m.Caps = imap.CapSet{imap.CapIMAP4rev1: {}}
	m.Start()
	m.Seed("INBOX", mailtest.Plain(1, "x"))
	cfg := memConfig(m, SecurityTLS)
	cfg.Mark, cfg.ArchiveFolder = MarkMove, "Archivio"
	sink := newSink()
	s := dialT(t, cfg)
	if _, err := s.Sync(context.Background(), sink, nil); err == nil || !strings.Contains(err.Error(), "MOVE") {
		t.Fatalf("Sync: %v", err)
	}
	if sink.count() != 0 {
		t.Error("messages fetched before the refusal")
	}
}

// TestOversize: a message over the size limit is fetched only in part and kept in
// quarantine, not dropped.
func TestOversize(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	big := append([]byte("From: a@example.it\r\nSubject: enorme\r\nMessage-ID: <enorme@example.it>\r\n\r\n"),
		bytes.Repeat([]byte("0123456789abcdef\r\n"), 40000)...) // 720 KB
	m.Seed("INBOX", mailtest.Plain(1, "prima"), big, mailtest.Plain(2, "dopo"))
	cfg := memConfig(m, SecurityTLS)
	cfg.Parse.MaxSize = 500 << 10
	sink := newSink()
	st := syncT(t, dialT(t, cfg), sink)
	if st.Added != 3 || st.Truncated != 1 {
		t.Fatalf("%+v", st)
	}
	got := sink.items["msgid:enorme@example.it"]
	if got.Result.Kind != parse.KindQuarantine || !got.Truncated || len(got.Raw) != parse.HeadSize ||
		got.Size != int64(len(big)) || !bytes.Equal(got.Raw, big[:parse.HeadSize]) {
		t.Errorf("big message: kind %v truncated %v raw %d size %d reason %q", got.Result.Kind, got.Truncated, len(got.Raw), got.Size, got.Result.Reason)
	}
	if st.Bytes > int64(len(big)) {
		t.Errorf("fetched %d bytes: the big message was fetched whole", st.Bytes)
	}
}

// TestBatchesAndProgress: batches bound the messages per commit; progress counts.
func TestBatchesAndProgress(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	m.Seed("INBOX", mailtest.Requests(t, 1, 23)...)
	cfg := memConfig(m, SecurityTLS)
	cfg.BatchMessages = 5
	sink := newSink()
	var seen []int
	s := dialT(t, cfg)
	st, err := s.Sync(context.Background(), sink, func(n int) { seen = append(seen, n) })
	if err != nil {
		t.Fatal(err)
	}
	if st.Batches != 5 || !slices.Equal(seen, []int{5, 10, 15, 20, 23}) {
		t.Errorf("batches %d, progress %v", st.Batches, seen)
	}
	if got := plan([]uidSize{{1, 10}, {2, 10}, {3, 100}, {4, 10}, {5, 1000}, {6, 10}}, 10, 25, 500); len(got) != 5 ||
		!got[3].truncated || got[0].last != 2 || got[1].last != 3 || got[2].last != 4 {
		t.Errorf("plan: %+v", got)
	}
}

// TestCancel: cancelling the context stops a sync promptly, with ctx's error.
func TestCancel(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	m.Seed("INBOX", mailtest.Requests(t, 1, 10)...)
	cfg := memConfig(m, SecurityTLS)
	cfg.BatchMessages = 2
	ctx, cancel := context.WithCancel(context.Background())
	sink := newSink()
	sink.afterCommit = func(int) { cancel() }
	s, err := Dial(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.Sync(ctx, sink, nil); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync after cancel: %v", err)
	}
	if sink.count() != 2 {
		t.Errorf("%d stored, want the first batch", sink.count())
	}
}

// TestLoopBackoff: failures wait longer and longer (up to the maximum); a success
// goes back to the interval; Now runs a sync at once.
func TestLoopBackoff(t *testing.T) {
	var mu sync.Mutex
	fails := 4
	var waits []time.Duration
	l := NewLoop(func(context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if fails > 0 {
			fails--
			return errors.New("server giù")
		}
		return nil
	})
	l.Interval, l.MinBackoff, l.MaxBackoff = time.Hour, time.Millisecond, 4*time.Millisecond
	done := make(chan struct{})
	l.OnResult = func(err error, next time.Duration) {
		mu.Lock()
		waits = append(waits, next)
		n := len(waits)
		mu.Unlock()
		if n == 5 {
			close(done)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := l.Now(ctx); !errors.Is(err, ErrLoopStopped) {
		t.Errorf("Now before Run: %v", err)
	}
	stopped := make(chan struct{})
	go func() { l.Run(ctx); close(stopped) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("the loop did not retry")
	}
	mu.Lock()
	want := []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond, 4 * time.Millisecond, time.Hour}
	if !slices.Equal(waits, want) {
		t.Errorf("waits %v, want %v", waits, want)
	}
	fails = 1
	mu.Unlock()
	if err := l.Now(ctx); err == nil {
		t.Error("Now: the failure was not reported")
	}
	if err := l.Now(ctx); err != nil {
		t.Errorf("Now: %v", err)
	}
	cancel()
	<-stopped
	if err := l.Now(context.Background()); !errors.Is(err, ErrLoopStopped) {
		t.Errorf("Now after the end: %v", err)
	}
}

// TestMailboxServerDownThenBack: the loop keeps one session; with the server down the
// attempts fail and back off; when it is back, the next attempt reconnects and syncs.
func TestMailboxServerDownThenBack(t *testing.T) {
	m := mailtest.NewMem(t, testUser, testPassword)
	m.Seed("INBOX", mailtest.Plain(1, "prima"))
	cfg := memConfig(m, SecurityTLS)
	sink := newSink()
	mb := &Mailbox{Config: func() (Config, error) { return cfg, nil }}
	defer mb.Close()
	var mu sync.Mutex
	var errs []error
	var waits []time.Duration
	results := make(chan error, 100)
	l := NewLoop(func(ctx context.Context) error { _, err := mb.Sync(ctx, sink, nil); return err })
	l.Interval, l.MinBackoff, l.MaxBackoff = time.Hour, 20*time.Millisecond, 80*time.Millisecond
	l.OnResult = func(err error, next time.Duration) {
		mu.Lock()
		errs, waits = append(errs, err), append(waits, next)
		mu.Unlock()
		results <- err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go l.Run(ctx)
	if err := <-results; err != nil || sink.count() != 1 {
		t.Fatalf("first sync: %v, %d items", err, sink.count())
	}
	m.Stop()
	m.Seed("INBOX", mailtest.Plain(2, "mentre il server è giù"))
	go func() { l.Now(ctx) }()
	for i := 0; i < 3; i++ {
		if err := <-results; err == nil {
			t.Fatalf("attempt %d with the server down succeeded", i+1)
		}
	}
	m.Start()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case err := <-results:
			if err != nil {
				continue
			}
		case <-deadline:
			t.Fatal("no success after the server came back")
		}
		break
	}
	if sink.count() != 2 {
		t.Errorf("%d items after the server came back, want 2", sink.count())
	}
	mu.Lock()
	defer mu.Unlock()
	if len(waits) < 5 || waits[1] != 20*time.Millisecond || waits[2] != 40*time.Millisecond || waits[len(waits)-1] != time.Hour {
		t.Errorf("waits %v: want backoff 20ms, 40ms… then the interval", waits)
	}
	for _, err := range errs {
		if err != nil && strings.Contains(err.Error(), testPassword) {
			t.Errorf("password in %v", err)
		}
	}
}
