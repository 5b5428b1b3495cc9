package mailtest

import (
	"bytes"
	"testing"
	"time"
)

func TestDovecotStartSaveStop(t *testing.T) {
	d := StartDovecot(t, "desk", "segreta")
	start := time.Now()
	reqs := Requests(t, 1, 20)
	d.Save("INBOX", reqs...)
	t.Logf("doveadm save of 20: %v", time.Since(start))
	c := Client(t, d.PlainAddr(), "desk", "segreta")
	msgs := Messages(t, c, "INBOX")
	c.Close()
	if len(msgs) != 20 {
		t.Fatalf("%d messages, want 20", len(msgs))
	}
	for _, m := range msgs {
		if m.Has(`\Seen`) || len(m.Raw) < 10000 {
			t.Errorf("uid %d: flags %v size %d", m.UID, m.Flags, len(m.Raw))
		}
	}
	d.Stop()
	d.Start()
	c = Client(t, d.PlainAddr(), "desk", "segreta")
	defer c.Close()
	start = time.Now()
	Append(t, c, "INBOX", Requests(t, 100, 200)...)
	t.Logf("APPEND of 200: %v", time.Since(start))
	if n := len(Messages(t, c, "INBOX")); n != 220 {
		t.Fatalf("%d messages after restart and append, want 220", n)
	}
}

func TestMemAndRequests(t *testing.T) {
	m := NewMem(t, "desk", "segreta")
	reqs := Requests(t, 1, 3)
	if bytes.Equal(reqs[0], reqs[1]) {
		t.Fatal("requests are not distinct")
	}
	m.Seed("INBOX", reqs...)
	c := Client(t, m.PlainAddr, "desk", "segreta")
	if n := len(Messages(t, c, "INBOX")); n != 3 {
		t.Fatalf("%d messages", n)
	}
	c.Close()
	m.Stop()
	m.Start()
	c = Client(t, m.PlainAddr, "desk", "segreta")
	defer c.Close()
	if n := len(Messages(t, c, "INBOX")); n != 3 {
		t.Fatalf("%d messages after restart", n)
	}
	if len(Samples(t)) < 4 {
		t.Fatal("samples")
	}
}
