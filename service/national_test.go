package service_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/national"
	"vivipass/service"
	"vivipass/store"
)

// platformDouble is the platform's behaviour the worker relies on, in memory: a key is
// applied once and its answer replayed; failures are switched on by the test. (The
// HTTPS client against the simulator is tested in national/.)
type platformDouble struct {
	mu       sync.Mutex
	applied  map[string]int // by key
	answers  map[string]national.Receipt
	kinds    []string // applied, in order
	changes  []national.Change
	users    []string // who sent each applied change
	fail     error    // returned before applying
	loseNext bool     // apply, then lose the answer (a crash before the commit)
	cudes    int
}

func newPlatformDouble() *platformDouble {
	return &platformDouble{applied: map[string]int{}, answers: map[string]national.Receipt{}}
}

func (p *platformDouble) Send(_ context.Context, cred national.Credentials, c national.Change) (national.Receipt, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if string(cred.Password) != "segreta" {
		return national.Receipt{}, national.ErrCredentials
	}
	if p.fail != nil {
		return national.Receipt{}, p.fail
	}
	if r, ok := p.answers[c.Key]; ok {
		return r, nil
	}
	r := national.Receipt{CudeID: c.CudeID}
	if c.Kind == national.KindIssue {
		p.cudes++
		r = national.Receipt{CudeID: fmt.Sprintf("CUDE-%010d", p.cudes), CodiceUnivoco: fmt.Sprintf("CU%010d", p.cudes)}
	}
	if len(c.Plates) > 0 {
		r.ActivePlate = c.Plates[0].Number
	}
	p.answers[c.Key] = r
	p.applied[c.Key]++
	p.kinds = append(p.kinds, c.Kind)
	p.changes = append(p.changes, c)
	p.users = append(p.users, cred.User)
	if p.loseNext {
		p.loseNext = false
		return national.Receipt{}, national.ErrUnavailable
	}
	return r, nil
}

func (p *platformDouble) set(f func(*platformDouble)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

// nationalEnv is a register with Venezia configured for the platform (the double).
func nationalEnv(t *testing.T) (*env, *platformDouble, service.Actor) {
	t.Helper()
	e := newEnv(t)
	p := newPlatformDouble()
	e.s = service.New(e.s.DB(), service.WithClock(e.clk.now), service.WithPlatform(func(store.NationalConfig) (national.Platform, error) { return p, nil }))
	t.Setenv("VIVIPASS_NATIONAL_PASSWORD_L736", "segreta")
	if _, err := e.s.NationalConfigure(admin, service.NationalSettings{Comune: "L736", URL: "https://cude.example.it", User: "comune.venezia",
		PasswordExpires: today.AddDays(30)}); err != nil {
		t.Fatal(err)
	}
	return e, p, mario
}

func consentIssue(t *testing.T, e *env, a service.Actor, p domain.Person) service.Result {
	t.Helper()
	return e.issueReq(a, service.IssueRequest{Person: p, Pass: domain.IssueInput{Kind: domain.Permanente, Consent: true},
		Plates: []service.PlateInput{{Number: "AB123CD", Role: domain.RolePrincipale}, {Number: "EF456GH", Role: domain.RoleSecondaria}}})
}

func drain(t *testing.T, e *env) service.DrainReport {
	t.Helper()
	rep, err := e.s.NationalDrain(context.Background(), e.clk.now())
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// N1–N3: issue, renewal, suspension and revocation queued before any send reach the
// platform in order, once each; the CUDE ID and the codice univoco are written on the
// pass and its current version, with the history.
func TestNationalChangesInOrderOnce(t *testing.T) {
	e, p, a := nationalEnv(t)
	first := consentIssue(t, e, a, rossi(t))
	ren, err := e.s.RenewPass(a, change(first.Pass), domain.RenewInput{})
	if err != nil {
		t.Fatal(err)
	}
	sus, err := e.s.SuspendPass(a, change(ren.Pass), today.AddDays(3), "verifica")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RevokePass(a, change(sus.Pass), today.AddDays(10), "requisiti non più presenti"); err != nil {
		t.Fatal(err)
	}
	rep := drain(t, e)
	if rep.Sent != 4 || rep.Failed != 0 || strings.Join(p.kinds, ",") != "rilascio,rinnovo,sospensione,revoca" {
		t.Fatalf("drain %+v, platform saw %v", rep, p.kinds)
	}
	for k, n := range p.applied {
		if n != 1 {
			t.Errorf("%s applied %d times", k, n)
		}
	}
	v := e.get(a, ren.Pass.ID)
	if v.Pass.National.CudeID != "CUDE-0000000001" || v.Pass.National.CodiceUnivoco != "CU0000000001" || v.Pass.National.Status != domain.NationalSent {
		t.Errorf("national data of the current version: %+v", v.Pass.National)
	}
	if !strings.Contains(fmt.Sprint(v.History), "CUDE ID CUDE-0000000001") {
		t.Errorf("history lacks the CUDE ID: %+v", v.History)
	}
	if rep := drain(t, e); rep.Sent != 0 {
		t.Errorf("a second drain sent again: %+v", rep)
	}
	jobs, _ := e.s.NationalQueue(a, true)
	if len(jobs) != 0 {
		t.Errorf("jobs not done: %+v", jobs)
	}
}

// N2: a platform that does not answer: retried within the day with backoff, then every
// night at 03:00 until it answers; nothing is lost, nothing sent twice.
func TestNationalNightlyRetry(t *testing.T) {
	e, p, a := nationalEnv(t)
	p.set(func(p *platformDouble) { p.fail = national.ErrUnavailable })
	first := consentIssue(t, e, a, rossi(t))
	now := e.clk.now()
	for attempt := 1; attempt <= 6; attempt++ {
		rep := drain(t, e)
		if rep.Sent != 0 || rep.Failed != 1 {
			t.Fatalf("attempt %d: %+v", attempt, rep)
		}
		jobs, _ := e.s.NationalQueue(a, true)
		if len(jobs) != 1 || jobs[0].Attempts != attempt || !strings.Contains(jobs[0].LastError, "non raggiungibile") {
			t.Fatalf("attempt %d: queue %+v", attempt, jobs)
		}
		next := jobs[0].NextTry.In(domain.Rome)
		if attempt <= 5 && next.Hour() != 3 && next.Sub(now) > 3*time.Hour {
			t.Errorf("attempt %d: next try %s, too late for the day", attempt, next)
		}
		if attempt == 6 && (next.Hour() != 3 || next.Minute() != 0) {
			t.Errorf("attempt 6: next try %s, want the night at 03:00", next)
		}
		// Before it is due nothing goes.
		if rep := drain(t, e); rep.Failed != 0 || rep.Sent != 0 || rep.Waiting != 1 {
			t.Fatalf("before the retry time: %+v", rep)
		}
		e.clk.set(domain.DateOf(next))
		e.clk.t = next.Add(time.Second)
		now = e.clk.now()
	}
	if v := e.get(a, first.Pass.ID); v.Pass.National.Status != domain.NationalFailed {
		t.Errorf("status while failing: %+v", v.Pass.National)
	}
	p.set(func(p *platformDouble) { p.fail = nil })
	if rep := drain(t, e); rep.Sent != 1 {
		t.Fatalf("the night the platform answers: %+v", rep)
	}
	if v := e.get(a, first.Pass.ID); v.Pass.National.CudeID == "" || v.Pass.National.Status != domain.NationalSent {
		t.Errorf("after the nightly retry: %+v", v.Pass.National)
	}
}

// N2: the platform applied a change but its answer was lost (a crash before the commit
// is the same): the next send, with the same key, gets the same answer and nothing is
// applied twice.
func TestNationalLostAnswerAppliedOnce(t *testing.T) {
	e, p, a := nationalEnv(t)
	p.set(func(p *platformDouble) { p.loseNext = true })
	first := consentIssue(t, e, a, rossi(t))
	if rep := drain(t, e); rep.Failed != 1 {
		t.Fatalf("lost answer: %+v", rep)
	}
	e.clk.t = e.clk.now().Add(2 * time.Minute)
	if rep := drain(t, e); rep.Sent != 1 {
		t.Fatalf("resend: %+v", rep)
	}
	if len(p.applied) != 1 || p.cudes != 1 {
		t.Errorf("applied %v, CUDE IDs made %d: want one", p.applied, p.cudes)
	}
	if v := e.get(a, first.Pass.ID); v.Pass.National.CudeID != "CUDE-0000000001" {
		t.Errorf("%+v", v.Pass.National)
	}
}

// N4: an expired password pauses the comune's queue, says so on Home, and the queue
// goes on once the settings are saved with the new password; the banner warns from 14
// days before the expiry.
func TestNationalPasswordExpired(t *testing.T) {
	e, p, a := nationalEnv(t)
	if b, _ := e.s.NationalBanner(a); len(b) != 0 {
		t.Errorf("banner 30 days before the expiry: %q", b)
	}
	e.clk.set(today.AddDays(20))
	if b, _ := e.s.NationalBanner(a); len(b) != 1 || !strings.Contains(b[0], "in scadenza il") {
		t.Errorf("banner 10 days before: %q", b)
	}
	p.set(func(p *platformDouble) { p.fail = national.ErrPasswordExpired })
	consentIssue(t, e, a, rossi(t))
	if rep := drain(t, e); rep.Failed != 1 {
		t.Fatalf("%+v", rep)
	}
	b, _ := e.s.NationalBanner(a)
	if len(b) == 0 || !strings.Contains(b[0], "sospesi") || !strings.Contains(b[0], "password") {
		t.Errorf("banner when paused: %q", b)
	}
	p.set(func(p *platformDouble) { p.fail = nil })
	e.clk.t = e.clk.now().Add(time.Hour)
	if rep := drain(t, e); rep.Sent != 0 || rep.Waiting != 1 {
		t.Fatalf("a paused comune sent: %+v", rep)
	}
	if _, err := e.s.NationalConfigure(admin, service.NationalSettings{Comune: "L736", URL: "https://cude.example.it", User: "comune.venezia",
		PasswordExpires: today.AddDays(120)}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.NationalRetry(admin, 0); err != nil {
		t.Fatal(err)
	}
	if rep := drain(t, e); rep.Sent != 1 {
		t.Fatalf("after the new password: %+v", rep)
	}
}

// A rejection reaches the operator with its reason and stops the pass's queue until
// retried; manual mode and "non inviare" close the jobs without sending.
func TestNationalRejectedManualSkip(t *testing.T) {
	e, p, a := nationalEnv(t)
	p.set(func(p *platformDouble) { p.fail = &national.Rejected{Reason: "targa non immatricolata"} })
	r1 := consentIssue(t, e, a, rossi(t))
	if _, err := e.s.SuspendPass(a, change(r1.Pass), today, "verifica"); err != nil {
		t.Fatal(err)
	}
	if rep := drain(t, e); rep.Rejected != 1 || rep.Waiting != 1 {
		t.Fatalf("%+v", rep)
	}
	jobs, _ := e.s.NationalQueue(a, true)
	if len(jobs) != 2 || jobs[1].State != store.JobRejected || !strings.Contains(jobs[1].LastError, "targa non immatricolata") {
		t.Fatalf("queue %+v", jobs)
	}
	if v := e.get(a, r1.Pass.ID); !strings.Contains(v.Pass.National.LastError, "targa non immatricolata") {
		t.Errorf("the card does not say why: %+v", v.Pass.National)
	}
	p.set(func(p *platformDouble) { p.fail = nil })
	if rep := drain(t, e); rep.Sent != 0 {
		t.Fatalf("a rejected job was sent again by itself: %+v", rep)
	}
	if n, err := e.s.NationalRetry(a, jobs[1].Seq); err != nil || n != 1 {
		t.Fatalf("retry: %d %v", n, err)
	}
	if rep := drain(t, e); rep.Sent != 2 {
		t.Fatalf("after the retry: %+v", rep)
	}
	// Padova cannot retry Venezia's jobs.
	if _, err := e.s.NationalRetry(giulia, jobs[1].Seq); err == nil {
		t.Error("Padova retried Venezia's job")
	}

	// Manual mode: nothing sent; the operator types what the portal gave.
	if _, err := e.s.NationalConfigure(admin, service.NationalSettings{Comune: "L736", Manual: true}); err != nil {
		t.Fatal(err)
	}
	r2 := consentIssue(t, e, a, bianchi(t))
	if rep := drain(t, e); rep.Sent != 0 || rep.Waiting != 1 {
		t.Fatalf("manual mode sent: %+v", rep)
	}
	got, err := e.s.NationalManual(a, r2.Pass.ID, "CUDE-777", "abc123")
	if err != nil || got.National.CudeID != "CUDE-777" || got.National.CodiceUnivoco != "ABC123" || got.National.Status != domain.NationalSent {
		t.Fatalf("manual: %+v, %v", got.National, err)
	}
	if jobs, _ := e.s.NationalQueue(a, true); len(jobs) != 0 {
		t.Errorf("jobs left after the manual entry: %+v", jobs)
	}
	// Non inviare: no job now, none later.
	r3 := consentIssue(t, e, a, verdiVenezia(t))
	if _, err := e.s.NationalSkip(a, r3.Pass.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.SuspendPass(a, service.Change{PassID: r3.Pass.ID}, today, "verifica"); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := e.s.NationalQueue(a, true); len(jobs) != 0 {
		t.Errorf("jobs of a pass marked non inviare: %+v", jobs)
	}
}

func verdiVenezia(t *testing.T) domain.Person {
	return person(t, "VERDI", "ANNA", 'F', date(1970, time.May, 5), "L736")
}

// The worker drains at once after a change (no timer needed) and stops with its context.
func TestNationalWorkerWakesOnChange(t *testing.T) {
	e, p, a := nationalEnv(t)
	drained := make(chan service.DrainReport, 8)
	w := &service.NationalWorker{Svc: e.s, Now: e.clk.now, Wait: time.Hour,
		Drained: func(r service.DrainReport, err error) {
			if err == nil {
				drained <- r
			}
		}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	<-drained // the first drain, at start
	consentIssue(t, e, a, rossi(t))
	select {
	case r := <-drained:
		if r.Sent != 1 {
			t.Errorf("drain after the change: %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the worker did not wake on the new job")
	}
	cancel()
	<-done
	if len(p.kinds) != 1 {
		t.Errorf("platform saw %v", p.kinds)
	}
	if errors.Is(ctx.Err(), context.Canceled) == false {
		t.Error("context")
	}
}

// P6 and N3: a pass handed over inside the circuit is told to the platform by the comune
// that held it, naming the one it goes to; a pass moved outside, by its own comune.
func TestNationalTransfers(t *testing.T) {
	e, p, a := nationalEnv(t)
	t.Setenv("VIVIPASS_NATIONAL_PASSWORD_G224", "segreta")
	if _, err := e.s.NationalConfigure(admin, service.NationalSettings{Comune: "G224", URL: "https://cude.example.it", User: "comune.padova"}); err != nil {
		t.Fatal(err)
	}
	r := consentIssue(t, e, a, rossi(t))
	moved, err := e.s.TransferPass(a, change(r.Pass), "G224")
	if err != nil {
		t.Fatal(err)
	}
	r2 := consentIssue(t, e, a, bianchi(t))
	if _, err := e.s.TransferPass(a, change(r2.Pass), "F205"); err != nil { // Milano: outside
		t.Fatal(err)
	}
	if rep := drain(t, e); rep.Sent != 4 {
		t.Fatalf("%+v (platform saw %v)", rep, p.kinds)
	}
	var got []string
	for i, c := range p.changes {
		if c.Kind == national.KindTransfer {
			got = append(got, fmt.Sprintf("%s→%s by %s on %s", c.Comune, c.Destination, p.users[i], c.Date))
		}
	}
	want := []string{"L736→G224 by comune.venezia on " + today.ISO(), "L736→F205 by comune.venezia on " + today.ISO()}
	if strings.Join(got, "; ") != strings.Join(want, "; ") {
		t.Errorf("transfers sent: %q, want %q", got, want)
	}
	if v := e.get(giulia, moved.Pass.ID); v.Pass.National.CudeID == "" {
		t.Errorf("Padova's version lacks the CUDE ID: %+v", v.Pass.National)
	}
}

// N5: the CUDE ID and the codice univoco typed on the card (notes and national data)
// close the pass's sends: done on the portal, no longer "in coda".
func TestNationalTypedOnTheCard(t *testing.T) {
	e, _, a := nationalEnv(t)
	if _, err := e.s.NationalConfigure(admin, service.NationalSettings{Comune: "L736", Manual: true}); err != nil {
		t.Fatal(err)
	}
	r := consentIssue(t, e, a, rossi(t))
	cude, codice := "CUDE-42", "ABCDEF123456"
	res, err := e.s.EditPass(a, change(r.Pass), service.PassEdit{CudeID: &cude, CodiceUnivoco: &codice})
	if err != nil {
		t.Fatal(err)
	}
	if n := res.Pass.National; n.CudeID != cude || n.CodiceUnivoco != codice || n.Status != domain.NationalSent {
		t.Errorf("national data %+v", n)
	}
	if jobs, _ := e.s.NationalQueue(a, true); len(jobs) != 0 {
		t.Errorf("still queued: %+v", jobs)
	}
}
