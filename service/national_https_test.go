package service_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/national"
	"vivipass/national/httpclient"
	"vivipass/national/nationaltest"
	"vivipass/national/sim"
	"vivipass/service"
	"vivipass/store"
)

// httpsEnv is a register whose Venezia sends to the simulator over real HTTPS on
// loopback, trusting the test CA from a file as an operator would configure it.
func httpsEnv(t *testing.T, users []sim.User) (*env, *sim.Server) {
	t.Helper()
	e := newEnv(t)
	platform, err := sim.New(sim.Options{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	url, ca := nationaltest.ServeHTTPS(t, platform)
	e.s = service.New(e.s.DB(), service.WithClock(e.clk.now), service.WithPlatform(func(cfg store.NationalConfig) (national.Platform, error) {
		return httpclient.New(cfg.URL, httpclient.WithCAFile(cfg.CAFile), httpclient.WithTimeout(5*time.Second))
	}))
	t.Setenv("VIVIPASS_NATIONAL_PASSWORD_L736", "segreta")
	if _, err := e.s.NationalConfigure(admin, service.NationalSettings{Comune: "L736", URL: url, User: "venezia", CAFile: ca}); err != nil {
		t.Fatal(err)
	}
	return e, platform
}

// N1–N3 over HTTPS: issue, renewal, plate change, suspension, resumption, revocation and
// a death reach the simulator in order, each key applied once; the card ends revoked
// there, with the CUDE ID and the codice univoco on the pass here.
func TestNationalOverHTTPS(t *testing.T) {
	e, platform := httpsEnv(t, []sim.User{{Name: "venezia", Password: "segreta", Comune: "L736"}})
	a := mario
	first := consentIssue(t, e, a, rossi(t))
	ren, err := e.s.RenewPass(a, change(first.Pass), domain.RenewInput{})
	if err != nil {
		t.Fatal(err)
	}
	pl, err := e.s.AddPlate(a, change(ren.Pass), service.PlateInput{Number: "GH789JK", Role: domain.RolePrincipale}, true)
	if err != nil {
		t.Fatal(err)
	}
	sus, err := e.s.SuspendPass(a, change(pl.Pass), today, "verifica")
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.s.ResumePass(a, change(sus.Pass))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.RevokePass(a, change(res.Pass), today.AddDays(5), "requisiti non più presenti"); err != nil {
		t.Fatal(err)
	}
	second := consentIssue(t, e, a, bianchi(t))
	if _, err := e.s.MarkDeceased(a, second.Pass.PersonID, today); err != nil {
		t.Fatal(err)
	}
	rep, err := e.s.NationalDrain(context.Background(), e.clk.now())
	if err != nil || rep.Sent != 8 || rep.Failed+rep.Rejected != 0 {
		jobs, _ := e.s.NationalQueue(a, false)
		t.Fatalf("drain %+v, %v; queue %+v", rep, err, jobs)
	}
	jobs, _ := e.s.NationalQueue(a, false)
	for _, j := range jobs {
		if n := platform.Applied("L736", j.Key); n != 1 {
			t.Errorf("%s applied %d times", j.Key, n)
		}
	}
	v := e.get(a, res.Pass.ID)
	card, ok := platform.Card(v.Pass.National.CudeID)
	if !ok || card.CodiceUnivoco != v.Pass.National.CodiceUnivoco || card.State != sim.StateRevoked {
		t.Errorf("the platform's card %+v (known %v), the pass's national data %+v", card, ok, v.Pass.National)
	}
	w := e.get(a, second.Pass.ID)
	if c, _ := platform.Card(w.Pass.National.CudeID); c.State != sim.StateDeceased {
		t.Errorf("after the death the platform has %+v", c)
	}
}

// N4 over HTTPS: the platform says the password expired; the comune pauses, Home says
// so, and a password changed on the platform and saved again lets the queue go on.
func TestNationalPasswordExpiredOverHTTPS(t *testing.T) {
	e, platform := httpsEnv(t, []sim.User{{Name: "venezia", Password: "segreta", Comune: "L736", Expires: time.Now().Add(-time.Hour)}})
	consentIssue(t, e, mario, rossi(t))
	if rep, _ := e.s.NationalDrain(context.Background(), e.clk.now()); rep.Failed != 1 {
		t.Fatalf("%+v", rep)
	}
	b, _ := e.s.NationalBanner(mario)
	if len(b) == 0 || !strings.Contains(b[0], "sospesi") {
		t.Errorf("banner %q", b)
	}
	platform.SetUser(sim.User{Name: "venezia", Password: "segreta", Comune: "L736"})
	cfg, _ := e.s.NationalQueue(mario, true)
	if len(cfg) != 1 {
		t.Fatalf("queue %+v", cfg)
	}
	// Saving the settings again (the new password in its file) lifts the pause.
	var url, ca string
	_ = e.s.DB().View(func(tx *store.Tx) error {
		c, err := tx.NationalConfig("L736")
		url, ca = c.URL, c.CAFile
		return err
	})
	if _, err := e.s.NationalConfigure(admin, service.NationalSettings{Comune: "L736", URL: url, User: "venezia", CAFile: ca}); err != nil {
		t.Fatal(err)
	}
	e.s.NationalRetry(admin, 0)
	if rep, _ := e.s.NationalDrain(context.Background(), e.clk.now()); rep.Sent != 1 {
		t.Fatalf("after the new password: %+v", rep)
	}
}

// The platform down all day over HTTPS: the day's retries fail, the night's run (an
// injected clock) delivers, and the card gets its CUDE ID.
func TestNationalDownAllDayOverHTTPS(t *testing.T) {
	e, platform := httpsEnv(t, []sim.User{{Name: "venezia", Password: "segreta", Comune: "L736"}})
	platform.SetDown(true)
	r := consentIssue(t, e, mario, rossi(t))
	for attempt := 1; ; attempt++ {
		if rep, _ := e.s.NationalDrain(context.Background(), e.clk.now()); rep.Failed != 1 || rep.Sent != 0 {
			t.Fatalf("attempt %d while down: %+v", attempt, rep)
		}
		jobs, _ := e.s.NationalQueue(mario, true)
		if len(jobs) != 1 || !strings.Contains(jobs[0].LastError, "non raggiungibile") {
			t.Fatalf("attempt %d: queue %+v", attempt, jobs)
		}
		next := jobs[0].NextTry.In(domain.Rome)
		e.clk.set(domain.DateOf(next))
		e.clk.t = next.Add(time.Second)
		if next.Hour() == 3 && next.Minute() == 0 {
			break // the day's retries are over: the night comes
		}
		if attempt > 10 {
			t.Fatalf("no nightly retry after %d attempts", attempt)
		}
	}
	platform.SetDown(false)
	if rep, _ := e.s.NationalDrain(context.Background(), e.clk.now()); rep.Sent != 1 {
		t.Fatalf("the night the platform answers: %+v", rep)
	}
	v := e.get(mario, r.Pass.ID)
	if c, ok := platform.Card(v.Pass.National.CudeID); !ok || c.CodiceUnivoco != v.Pass.National.CodiceUnivoco {
		t.Errorf("after the night: card %+v (known %v), pass %+v", c, ok, v.Pass.National)
	}
}

// A rejection over HTTPS: the card was entered on the ministry's portal by hand before
// the queue sent it, so the platform refuses the issue; the operator reads why on the
// queue and the card, types the portal's CUDE ID and codice univoco, and the job closes.
func TestNationalRejectionOverHTTPS(t *testing.T) {
	e, platform := httpsEnv(t, []sim.User{{Name: "venezia", Password: "segreta", Comune: "L736"}})
	platform.SetDown(true)
	r := consentIssue(t, e, mario, rossi(t))
	e.s.NationalDrain(context.Background(), e.clk.now())
	jobs, _ := e.s.NationalQueue(mario, true)
	if len(jobs) != 1 {
		t.Fatalf("queue %+v", jobs)
	}
	// The same card typed on the portal: another key, the same comune and number.
	var portal national.Change
	if err := json.Unmarshal(jobs[0].Change, &portal); err != nil {
		t.Fatal(err)
	}
	portal.Key, portal.Kind = "portale-1", national.KindIssue
	platform.SetDown(false)
	var cfg store.NationalConfig
	_ = e.s.DB().View(func(tx *store.Tx) (err error) { cfg, err = tx.NationalConfig("L736"); return err })
	cl, err := httpclient.New(cfg.URL, httpclient.WithCAFile(cfg.CAFile))
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	onPortal, err := cl.Send(context.Background(), national.Credentials{User: "venezia", Password: "segreta"}, portal)
	if err != nil {
		t.Fatal(err)
	}
	e.s.NationalRetry(mario, 0)
	if rep, _ := e.s.NationalDrain(context.Background(), e.clk.now()); rep.Rejected != 1 || rep.Sent != 0 {
		t.Fatalf("%+v", rep)
	}
	jobs, _ = e.s.NationalQueue(mario, true)
	if len(jobs) != 1 || jobs[0].State != store.JobRejected || !strings.Contains(jobs[0].LastError, "già sulla piattaforma") {
		t.Fatalf("queue %+v", jobs)
	}
	if v := e.get(mario, r.Pass.ID); !strings.Contains(v.Pass.National.LastError, onPortal.CudeID) {
		t.Errorf("the card does not say why: %+v", v.Pass.National)
	}
	if _, err := e.s.NationalManual(mario, r.Pass.ID, onPortal.CudeID, onPortal.CodiceUnivoco); err != nil {
		t.Fatal(err)
	}
	if jobs, _ := e.s.NationalQueue(mario, true); len(jobs) != 0 {
		t.Errorf("still open after the manual data: %+v", jobs)
	}
	if n := platform.Applied("L736", "portale-1"); n != 1 || len(platform.Cards()) != 1 {
		t.Errorf("the platform has %d cards, the portal's key applied %d times", len(platform.Cards()), n)
	}
}
