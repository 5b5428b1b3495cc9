package service_test

import (
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
)

// Issue 11.4: a wrong revoke is undone by its author within the window: the pass is
// active again in a new version, the history says so, nothing is erased; another
// operator cannot, the same operator cannot twice, and not after the window.
func TestUndoRevoke(t *testing.T) {
	e := newEnv(t)
	r := e.issue(mario, rossi(t), plate("AB123CD"))
	rev, err := e.s.RevokePass(mario, change(r.Pass), today, "errore di persona")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.UndoLast(anna, rev.Pass.ID); err == nil || !strings.Contains(err.Error(), "nessuna operazione da annullare") {
		t.Errorf("another operator undid: %v", err)
	}
	u, err := e.s.LastUndoable(mario, rev.Pass.ID)
	if err != nil || u.Action != "revoca" {
		t.Fatalf("undoable: %+v, %v", u, err)
	}
	audit := e.auditCount()
	res, err := e.s.UndoLast(mario, rev.Pass.ID)
	if err != nil {
		t.Fatal(err)
	}
	v := e.get(mario, res.Pass.ID)
	if v.Pass.State != domain.Attivo || v.Pass.StateReason != "" || v.Pass.Version <= rev.Pass.Version || len(v.Pass.Plates) != 1 {
		t.Errorf("after the undo: %+v", v.Pass)
	}
	if e.auditCount() != audit+1 {
		t.Errorf("audit entries %d, want %d", e.auditCount(), audit+1)
	}
	last := v.History[len(v.History)-1]
	if v.History[0].Action == service.ActUndo {
		last = v.History[0]
	}
	if last.Action != service.ActUndo || !strings.Contains(last.Detail, "annullata la revoca") {
		t.Errorf("history: %+v", v.History)
	}
	if _, err := e.s.UndoLast(mario, rev.Pass.ID); err == nil {
		t.Error("undone twice")
	}
	// Later than the window: no.
	sus, err := e.s.SuspendPass(mario, change(v.Pass), today, "verifica")
	if err != nil {
		t.Fatal(err)
	}
	e.clk.mu.Lock()
	e.clk.t = e.clk.t.Add(service.UndoWindow + time.Minute)
	e.clk.mu.Unlock()
	if _, err := e.s.UndoLast(mario, sus.Pass.ID); err == nil || !strings.Contains(err.Error(), "entro 15 minuti") {
		t.Errorf("undo after the window: %v", err)
	}
}

// A duplicate with a new number and a transfer to another comune are undone: the
// version they made closes as "sostituito (operazione annullata)", a new version is the
// pass as it was, with its number, in its comune.
func TestUndoDuplicateAndTransfer(t *testing.T) {
	e := newEnv(t)
	r := e.issue(mario, rossi(t), plate("AB123CD"))
	dup, err := e.s.DuplicatePass(mario, change(r.Pass), domain.DuplicateInput{Reason: domain.Deterioramento, Number: "L736_2025_00099"})
	if err != nil {
		t.Fatal(err)
	}
	res, err := e.s.UndoLast(mario, dup.Pass.ID)
	if err != nil {
		t.Fatal(err)
	}
	back := e.get(mario, res.Pass.ID).Pass
	if back.Number != r.Pass.Number || back.Duplicate || !back.Current() || back.PrevID != dup.Pass.ID || back.Lineage != r.Pass.Lineage {
		t.Errorf("restored: %+v", back)
	}
	if d := e.get(mario, dup.Pass.ID).Pass; d.State != domain.Sostituito || d.StateReason != "operazione annullata" || d.NextID != back.ID {
		t.Errorf("the duplicate after the undo: %+v", d)
	}
	rows, _ := e.s.Search(mario, service.Query{Text: "ROSSI"})
	if len(rows.Rows) != 1 || rows.Rows[0].ID != back.ID {
		t.Errorf("search after the undo: %+v", rows.Rows)
	}

	tr, err := e.s.TransferPass(mario, change(back), "G224")
	if err != nil {
		t.Fatal(err)
	}
	res, err = e.s.UndoLast(mario, back.ID) // from Venezia's card of the pass handed over
	if err != nil {
		t.Fatal(err)
	}
	home := e.get(mario, res.Pass.ID).Pass
	if home.Comune != "L736" || !home.Current() || home.Number != back.Number {
		t.Errorf("transfer undone: %+v", home)
	}
	if p, err := e.s.GetPass(giulia, tr.Pass.ID); err != nil || p.Pass.State != domain.Sostituito {
		t.Errorf("Padova's version after the undo: %+v, %v", p.Pass, err)
	}
	if rows, _ := e.s.Search(giulia, service.Query{Text: "ROSSI"}); len(rows.Rows) != 0 {
		t.Errorf("Padova still lists it: %+v", rows.Rows)
	}
}

// National platform: a change not yet sent is not sent after its undo; a suspension
// the platform received is followed by the riattivazione; a revocation it received
// cannot be undone.
func TestUndoAndTheNationalPlatform(t *testing.T) {
	e, p, a := nationalEnv(t)
	first := consentIssue(t, e, a, rossi(t))
	drain(t, e)
	cur := e.get(a, first.Pass.ID).Pass
	sus, err := e.s.SuspendPass(a, change(cur), today, "verifica")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.UndoLast(a, sus.Pass.ID); err != nil { // not sent yet
		t.Fatal(err)
	}
	drain(t, e)
	if got := strings.Join(p.kinds, ","); got != "rilascio" {
		t.Errorf("the platform heard %s, want the issue only", got)
	}
	cur = e.get(a, first.Pass.ID).Pass
	if cur.National.Status != domain.NationalSent {
		t.Errorf("national status after an undo before the send: %s", cur.National.Status)
	}
	sus, err = e.s.SuspendPass(a, change(cur), today, "verifica")
	if err != nil {
		t.Fatal(err)
	}
	drain(t, e)
	if _, err := e.s.UndoLast(a, sus.Pass.ID); err != nil {
		t.Fatal(err)
	}
	drain(t, e)
	if got := strings.Join(p.kinds, ","); got != "rilascio,sospensione,riattivazione" {
		t.Errorf("the platform heard %s", got)
	}
	cur = e.get(a, first.Pass.ID).Pass
	rev, err := e.s.RevokePass(a, change(cur), today, "requisiti")
	if err != nil {
		t.Fatal(err)
	}
	drain(t, e)
	if _, err := e.s.LastUndoable(a, rev.Pass.ID); err == nil || !strings.Contains(err.Error(), "non consente di annullarla") {
		t.Errorf("the desk is not told before asking: %v", err)
	}
	if _, err := e.s.UndoLast(a, rev.Pass.ID); err == nil || !strings.Contains(err.Error(), "non consente di annullarla") {
		t.Errorf("undo of a revocation the platform received: %v", err)
	}
	if v := e.get(a, rev.Pass.ID).Pass; v.State != domain.Revocato {
		t.Errorf("the refused undo changed the pass: %s", v.State)
	}
}

// A change made since by another operator is not undone under their feet.
func TestUndoNotAfterAnotherChange(t *testing.T) {
	e := newEnv(t)
	r := e.issue(mario, rossi(t), plate("AB123CD"))
	sus, err := e.s.SuspendPass(mario, change(r.Pass), today, "verifica")
	if err != nil {
		t.Fatal(err)
	}
	note := "telefonato"
	if _, err := e.s.EditPass(anna, change(sus.Pass), service.PassEdit{Note: &note}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.UndoLast(mario, sus.Pass.ID); err == nil {
		t.Fatal("undid a suspension another operator's change followed")
	}
	if v := e.get(mario, sus.Pass.ID).Pass; v.State != domain.Sospeso || v.Note != note {
		t.Errorf("the refused undo changed the pass: %+v", v)
	}
}
