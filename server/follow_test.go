package server_test

import (
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/server"
	"vivipass/server/sshtest"
	"vivipass/service"
)

// Issue #9, point 4 (M4): over real SSH connections, a role change shows at once in the
// operator's open session; removing the operator closes it with a message and the log
// says why; another operator's session goes on.
func TestSessionsFollowTheRegister(t *testing.T) {
	f := newFixture(t, server.Config{})
	mario := f.connect("mario", sshtest.Options{})
	giulia := f.connect("giulia", sshtest.Options{})
	must(t, mario.WaitFor(wait, "mario · VENEZIA"))
	if strings.Contains(mario.Screen.Text(), "Amministrazione") {
		t.Fatalf("an operator sees Amministrazione:\n%s", mario.Screen.Text())
	}
	boss := service.OperatorActor(operator(t, f.svc, "admin"))
	must(t, f.svc.SetOperatorRole(boss, "mario", domain.RoleAmministratore))
	must(t, mario.WaitFor(wait, "ora sei amministratore")) // (the fixture's desk has no Amministrazione section)

	must(t, f.svc.RemoveOperator(boss, "mario"))
	must(t, mario.WaitEnd(wait))
	if s := mario.Screen.Text(); !strings.Contains(s, "l'accesso è stato revocato da un amministratore") {
		t.Errorf("no message on mario's screen:\n%s", s)
	}
	waitSessions(t, f.srv, 1)
	if !strings.Contains(f.log.String(), "motivo=\"accesso revocato\"") {
		t.Errorf("the log does not say why mario's session ended:\n%s", f.log.String())
	}
	must(t, giulia.Send(sshtest.F2))
	must(t, giulia.WaitFor(wait, "trovati"))
}
