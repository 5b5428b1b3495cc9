package service_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/national"
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
		return national.NewClient(cfg.URL, national.WithCAFile(cfg.CAFile), national.WithTimeout(5*time.Second))
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
