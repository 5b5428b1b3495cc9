package service_test

import (
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
)

// Issue #8, point 6 (P6): a pass moved to Milano, outside the circuit, ends here as
// "trasferito fuori circuito": its plate leaves the whitelist from that day, the
// national platform is told, Milano gets nothing, and the holder may have a pass again.
func TestTransferOutsideTheCircuit(t *testing.T) {
	e := newEnv(t)
	req := service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente, Consent: true},
		Plates: []service.PlateInput{{Number: "AB123CD", Role: domain.RolePrincipale}}}
	first := e.issueReq(mario, req)
	if in, err := e.s.InCircuit("F205"); err != nil || in {
		t.Fatalf("InCircuit(Milano) = %v, %v", in, err)
	}
	if in, _ := e.s.InCircuit("G224"); !in {
		t.Fatal("Padova is not in the circuit")
	}
	moved := today.AddDays(30)
	e.clk.set(moved)
	jobsBefore := len(e.jobs())
	res, err := e.s.TransferPass(mario, change(first.Pass), "f205")
	if err != nil {
		t.Fatal(err)
	}
	p := res.Pass
	if p.ID != first.Pass.ID || p.Comune != "L736" || p.State != domain.TrasferitoFuori || !p.StateFrom.Equal(moved) ||
		!strings.Contains(p.StateReason, "MILANO (MI)") || p.NextID != 0 {
		t.Errorf("after the transfer: %+v", p)
	}
	if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "non aderisce al circuito") {
		t.Errorf("warnings %q", res.Warnings)
	}
	jobs := e.jobs()
	if len(jobs) != jobsBefore+1 || jobs[len(jobs)-1].Kind != string(domain.ActTransfer) || jobs[len(jobs)-1].PassID != p.ID {
		t.Errorf("outbox %+v, want one trasferimento job more", jobs)
	}
	if w, _ := e.s.Whitelist("AB123CD", "IT", e.clk.now()); w.Authorised || !strings.Contains(w.Reason, "trasferito fuori circuito dal 10/07/2025") {
		t.Errorf("whitelist today: %+v", w)
	}
	if w, _ := e.s.Whitelist("AB123CD", "IT", e.clk.now().Add(-24*time.Hour)); !w.Authorised {
		t.Errorf("whitelist yesterday: %+v", w)
	}
	var csv strings.Builder
	if _, err := e.s.Export(mario, "whitelist", moved, &csv); err != nil || strings.Contains(csv.String(), "AB123CD") {
		t.Errorf("the whitelist export still lists the plate: %v\n%s", err, csv.String())
	}
	v := e.get(mario, p.ID)
	if v.Status != domain.TrasferitoFuori || len(v.Versions) != 1 {
		t.Errorf("the card: status %s, %d versions", v.Status, len(v.Versions))
	}
	if got := actions(v.History); len(got) != 2 || got[1] != "trasferimento" {
		t.Errorf("history %v", got)
	}
	if _, err := e.s.RenewPass(mario, change(p), domain.RenewInput{}); err == nil {
		t.Error("a pass transferred out was renewed")
	}
	// Back in Venezia years later, the holder is issued a new pass (P5: none active).
	again := e.issue(mario, rossi(t))
	if again.Pass.Number == p.Number {
		t.Errorf("new pass %s", again.Pass.Number)
	}
}
