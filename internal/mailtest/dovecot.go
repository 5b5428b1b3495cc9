package mailtest

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Dovecot is a real Dovecot started by the test (the config of
// ../shared/design/libraries.md §9, in a temporary directory, on free ports), with
// one user. It stops at the end of the test.
type Dovecot struct {
	Dir       string
	Conf      string
	PlainPort int // IMAP with STARTTLS
	TLSPort   int // IMAPS
	Username  string
	Password  string
	CertFile  string // PEM of the server certificate (CN and SAN localhost, 127.0.0.1)

	t       testing.TB
	running bool
}

// PlainAddr is 127.0.0.1:PlainPort.
func (d *Dovecot) PlainAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(d.PlainPort)) }

// TLSAddr is 127.0.0.1:TLSPort.
func (d *Dovecot) TLSAddr() string { return net.JoinHostPort("127.0.0.1", strconv.Itoa(d.TLSPort)) }

// NeedDovecot fails the test when dovecot is not installed: integration tests never
// skip.
func NeedDovecot(t testing.TB) {
	t.Helper()
	for _, b := range []string{"dovecot", "doveadm"} {
		if _, err := exec.LookPath(b); err != nil {
			t.Fatalf("%s not found: the PEC integration tests need a real Dovecot; .ci/run installs it "+
				"(apt-get install dovecot-imapd), install it the same way to run the tests here", b)
		}
	}
}

// StartDovecot writes the config and starts the server. As root (CI), the master runs
// as root and the mail belongs to the user vmail, created if missing (§9 a); as any
// other user everything runs as that user (§9 b).
func StartDovecot(t testing.TB, username, password string) *Dovecot {
	t.Helper()
	NeedDovecot(t)
	// Not t.TempDir(): its parents are 0700, and the mail processes run as vmail.
	dir, err := os.MkdirTemp("", "vivipass-dovecot-")
	if err != nil {
		t.Fatal(err)
	}
	d := &Dovecot{Dir: dir, Conf: filepath.Join(dir, "dovecot.conf"), Username: username, Password: password,
		CertFile: filepath.Join(dir, "cert.pem"), t: t}
	t.Cleanup(func() {
		d.Stop()
		if t.Failed() {
			if log, err := os.ReadFile(filepath.Join(dir, "dovecot.log")); err == nil {
				t.Logf("dovecot.log:\n%s", tail(log, 4000))
			}
		}
		os.RemoveAll(dir)
	})
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, sub := range []string{"run", "state", "home"} {
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cert := NewCert(t)
	if err := os.WriteFile(d.CertFile, cert.CertPEM, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), cert.KeyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "users"), []byte(username+":{PLAIN}"+password+"::::::\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var userdb, extra string
	if os.Geteuid() == 0 {
		if _, err := user.Lookup("vmail"); err != nil {
			out, err := exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "vmail").CombinedOutput()
			// Tests of other packages may create it at the same moment.
			if _, lerr := user.Lookup("vmail"); err != nil && lerr != nil {
				t.Fatalf("useradd vmail: %v\n%s", err, out)
			}
		}
		if out, err := exec.Command("chown", "vmail:vmail", filepath.Join(dir, "home")).CombinedOutput(); err != nil {
			t.Fatalf("chown: %v\n%s", err, out)
		}
		userdb = fmt.Sprintf("userdb {\n  driver = passwd-file\n  args = username_format=%%u %s/users\n  default_fields = uid=vmail gid=vmail home=%s/home/%%u\n}\n", dir, dir)
	} else {
		u, err := user.Current()
		if err != nil {
			t.Fatal(err)
		}
		g, err := user.LookupGroupId(u.Gid)
		if err != nil {
			t.Fatal(err)
		}
		userdb = fmt.Sprintf("userdb {\n  driver = static\n  args = home=%s/home/%%u\n}\n", dir)
		extra = fmt.Sprintf("default_login_user = %s\ndefault_internal_user = %s\ndefault_internal_group = %s\nservice anvil {\n  chroot =\n}\n", u.Username, u.Username, g.Name)
	}
	chroot := ""
	if extra != "" {
		chroot = "  chroot =\n"
	}
	// A free port may be taken by someone else before dovecot binds it: try again
	// with others.
	for attempt := 0; attempt < 3; attempt++ {
		d.PlainPort, d.TLSPort = FreePort(t), FreePort(t)
		for d.TLSPort == d.PlainPort {
			d.TLSPort = FreePort(t)
		}
		if err = os.WriteFile(d.Conf, []byte(dovecotConf(dir, userdb, extra, chroot, d.PlainPort, d.TLSPort)), 0o644); err != nil {
			break
		}
		if err = d.start(); err == nil || !strings.Contains(err.Error(), "in use") {
			break
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// dovecotConf is the config of libraries.md §9.
func dovecotConf(dir, userdb, extra, chroot string, plainPort, tlsPort int) string {
	return fmt.Sprintf(`protocols = imap
listen = 127.0.0.1
base_dir = %[1]s/run
state_dir = %[1]s/state
log_path = %[1]s/dovecot.log
ssl = yes
ssl_cert = <%[1]s/cert.pem
ssl_key = <%[1]s/key.pem
disable_plaintext_auth = no
auth_mechanisms = plain login
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%%u %[1]s/users
}
%[2]smail_location = maildir:~/Maildir
namespace inbox {
  inbox = yes
  separator = /
}
%[3]sservice imap-login {
%[4]s  inet_listener imap {
    port = %[5]d
  }
  inet_listener imaps {
    port = %[6]d
    ssl = yes
  }
}
`, dir, userdb, extra, chroot, plainPort, tlsPort)
}

// Start runs the master (it daemonises) and waits for both ports.
func (d *Dovecot) Start() {
	d.t.Helper()
	if err := d.start(); err != nil {
		d.t.Fatal(err)
	}
}

func (d *Dovecot) start() error {
	if d.running {
		return nil
	}
	// The master daemonises and its children keep stdout and stderr open: with
	// pipes (CombinedOutput) Wait would never return. Write them to a file.
	out, err := os.OpenFile(filepath.Join(d.Dir, "start.log"), os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
	if err != nil {
		return err
	}
	cmd := exec.Command("dovecot", "-c", d.Conf)
	cmd.Stdout, cmd.Stderr = out, out
	err = cmd.Run()
	out.Close()
	if err != nil {
		msg, _ := os.ReadFile(out.Name())
		return fmt.Errorf("dovecot -c %s: %v\n%s", d.Conf, err, msg)
	}
	d.running = true
	for _, addr := range []string{d.PlainAddr(), d.TLSAddr()} {
		if err := waitPort(addr, 10*time.Second); err != nil {
			return fmt.Errorf("dovecot: %v", err)
		}
	}
	return nil
}

// Stop closes every session and stops the master, and waits until the ports are
// closed.
func (d *Dovecot) Stop() {
	if !d.running {
		return
	}
	d.running = false
	pid, _ := os.ReadFile(filepath.Join(d.Dir, "run", "master.pid"))
	// The imap processes of open sessions outlive the master for a while: drop them
	// first, as a real server going down would.
	d.Doveadm(nil, "kick", d.Username)
	if out, err := d.Doveadm(nil, "stop"); err != nil {
		d.t.Logf("doveadm stop: %v %s", err, out)
		if p, err := strconv.Atoi(strings.TrimSpace(string(pid))); err == nil {
			if proc, err := os.FindProcess(p); err == nil {
				proc.Kill()
			}
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		c, err := net.DialTimeout("tcp", d.PlainAddr(), 100*time.Millisecond)
		if err != nil {
			return
		}
		c.Close()
		time.Sleep(50 * time.Millisecond)
	}
	d.t.Errorf("dovecot still listening on %s after stop", d.PlainAddr())
}

func waitPort(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, 200*time.Millisecond)
		if err == nil {
			c.Close()
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not listening after %v: %v", addr, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Doveadm runs doveadm with this config.
func (d *Dovecot) Doveadm(stdin []byte, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "doveadm", append([]string{"-c", d.Conf}, args...)...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	cmd.WaitDelay = 5 * time.Second
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Save delivers messages into a folder with `doveadm save` (no IMAP involved), a few
// at a time.
func (d *Dovecot) Save(folder string, raws ...[]byte) {
	d.t.Helper()
	var wg sync.WaitGroup
	errs := make(chan error, len(raws))
	sem := make(chan struct{}, 4)
	for _, raw := range raws {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			if out, err := d.Doveadm(raw, "save", "-u", d.Username, "-m", folder); err != nil {
				errs <- fmt.Errorf("doveadm save: %v %s", err, out)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		d.t.Fatal(err)
	}
}

func tail(b []byte, n int) []byte {
	if len(b) > n {
		return b[len(b)-n:]
	}
	return b
}
