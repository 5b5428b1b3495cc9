package printtest

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// CUPSPDFPPD is the PPD of the cups-pdf virtual printer (printer-driver-cups-pdf).
const CUPSPDFPPD = "/usr/share/ppd/cups-pdf/CUPS-PDF_noopt.ppd"

// CUPS is a private cupsd started for one test: its own configuration, spool and logs
// in a temporary directory, listening on a free port of 127.0.0.1, with one cups-pdf
// queue that writes the PDFs it receives into OutDir. Everything is stopped and removed
// when the test ends. See ../shared/design/libraries.md §9.
type CUPS struct {
	Addr   string // host:port, for lp -h and Spooler.Server
	Queue  string // the cups-pdf queue
	OutDir string // where cups-pdf writes (file name = job title)
	dir    string
	cmd    *exec.Cmd
}

// StartCUPS starts the server. It needs root: the cups-pdf backend is mode 0700 root, and
// cups-pdf reads its configuration from /etc/cups/cups-pdf-<name>.conf (the path is
// compiled in), which the test writes and removes. CI (.ci/run) runs as root and installs
// cups, cups-client, cups-bsd and printer-driver-cups-pdf; a missing piece fails the test.
func StartCUPS(t testing.TB) *CUPS {
	t.Helper()
	Require(t, "cupsd", "lpadmin", "lp", "lpstat")
	if os.Geteuid() != 0 {
		t.Fatalf("the CUPS print test must run as root (the cups-pdf backend is 0700 root, its configuration lives in /etc/cups): run it as .ci/run does")
	}
	for _, f := range []string{CUPSPDFPPD, "/usr/lib/cups/backend/cups-pdf"} {
		if _, err := os.Stat(f); err != nil {
			t.Fatalf("%s missing: .ci/run must install printer-driver-cups-pdf", f)
		}
	}
	var rnd [4]byte
	rand.Read(rnd[:])
	name := "vivipass" + hex.EncodeToString(rnd[:])
	dir, err := os.MkdirTemp("", "vivipass-cups-")
	if err != nil {
		t.Fatal(err)
	}
	c := &CUPS{Queue: "VIVIPASS_PDF", OutDir: filepath.Join(dir, "pdf"), dir: dir}
	conf := "/etc/cups/cups-pdf-" + name + ".conf"
	t.Cleanup(func() {
		c.stop(t)
		os.Remove(conf)
		os.RemoveAll(dir)
	})
	// cupsd's children (filters as user lp, cups-pdf's ghostscript as the submitter)
	// must reach the spool and the output directory.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"etc/ppd", "spool/tmp", "cache", "state", "log", "pdf"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, d := range []string{"spool/tmp", "pdf"} {
		if err := os.Chmod(filepath.Join(dir, d), 0o1777); err != nil {
			t.Fatal(err)
		}
	}
	c.Addr = freeAddr(t)
	writeFile(t, filepath.Join(dir, "etc/cupsd.conf"), `Listen `+c.Addr+`
LogLevel info
WebInterface No
Browsing Off
DefaultAuthType None
<Location />
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Location /admin>
  Order allow,deny
  Allow from 127.0.0.1
</Location>
<Policy default>
  <Limit All>
    Order deny,allow
  </Limit>
</Policy>
`)
	writeFile(t, filepath.Join(dir, "etc/cups-files.conf"), fmt.Sprintf(`ServerRoot %[1]s/etc
RequestRoot %[1]s/spool
TempDir %[1]s/spool/tmp
CacheDir %[1]s/cache
StateDir %[1]s/state
ErrorLog %[1]s/log/error_log
AccessLog %[1]s/log/access_log
PageLog %[1]s/log/page_log
SystemGroup root lpadmin
`, dir))
	writeFile(t, conf, fmt.Sprintf("Out %[1]s\nAnonDirName %[1]s\nLabel 0\nTitlePref 1\n", c.OutDir))
	c.cmd = exec.Command("cupsd", "-f", "-c", filepath.Join(dir, "etc/cupsd.conf"), "-s", filepath.Join(dir, "etc/cups-files.conf"))
	c.cmd.Stdout, c.cmd.Stderr = os.Stderr, os.Stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("cupsd: %v", err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		out, err := c.Command("lpstat", "-r").Output()
		if err == nil && strings.Contains(string(out), "scheduler is running") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("cupsd did not answer on %s within 15 s; log:\n%s", c.Addr, c.Log())
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.AddQueue(t, c.Queue, "cups-pdf:/"+name)
	return c
}

// Command is a CUPS client command against this server.
func (c *CUPS) Command(name string, args ...string) *exec.Cmd {
	cmd := exec.Command(name, append([]string{"-h", c.Addr}, args...)...)
	cmd.Env = append(os.Environ(), "LC_ALL=C")
	return cmd
}

// AddQueue creates and enables a queue on the cups-pdf driver with another device (a
// printer that never answers: socket://127.0.0.1:1).
func (c *CUPS) AddQueue(t testing.TB, queue, deviceURI string, opts ...string) {
	t.Helper()
	args := append([]string{"-p", queue, "-E", "-v", deviceURI, "-P", CUPSPDFPPD}, opts...)
	if out, err := c.Command("lpadmin", args...).CombinedOutput(); err != nil {
		t.Fatalf("lpadmin %v: %v\n%s", args, err, out)
	}
}

// Run runs a CUPS client command and fails the test if it fails.
func (c *CUPS) Run(t testing.TB, name string, args ...string) string {
	t.Helper()
	out, err := c.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out)
	}
	return string(out)
}

// Output waits for the one PDF cups-pdf writes and returns its path.
func (c *CUPS) Output(t testing.TB, timeout time.Duration) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		m, _ := filepath.Glob(filepath.Join(c.OutDir, "*.pdf"))
		if len(m) == 1 {
			if st, err := os.Stat(m[0]); err == nil && st.Size() > 0 {
				return m[0]
			}
		}
		if len(m) > 1 {
			t.Fatalf("cups-pdf wrote %d files: %v", len(m), m)
		}
		if time.Now().After(deadline) {
			t.Fatalf("no PDF from cups-pdf in %s within %s; log:\n%s\n%s", c.OutDir, timeout, c.Log(), c.cupsPDFLog())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// Clear removes the PDFs written so far.
func (c *CUPS) Clear(t testing.TB) {
	m, _ := filepath.Glob(filepath.Join(c.OutDir, "*.pdf"))
	for _, f := range m {
		if err := os.Remove(f); err != nil {
			t.Fatal(err)
		}
	}
}

// Log is cupsd's error log.
func (c *CUPS) Log() string {
	b, _ := os.ReadFile(filepath.Join(c.dir, "log/error_log"))
	return string(b)
}

func (c *CUPS) cupsPDFLog() string {
	b, _ := os.ReadFile("/var/log/cups/cups-pdf-" + c.Queue + "_log")
	return string(b)
}

func (c *CUPS) stop(t testing.TB) {
	if c.cmd == nil || c.cmd.Process == nil {
		return
	}
	c.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan struct{})
	go func() { c.cmd.Wait(); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		c.cmd.Process.Kill()
		<-done
	}
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func writeFile(t testing.TB, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}
