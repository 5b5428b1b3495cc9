package httpapi_test

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"vivipass/httpapi"
	"vivipass/service"
)

// stuckWriter is a gate that asked for the list and reads nothing: its first Write
// blocks until release.
type stuckWriter struct {
	header  http.Header
	status  int
	once    sync.Once
	wrote   chan struct{}
	release chan struct{}
	body    bytes.Buffer
}

func (w *stuckWriter) Header() http.Header { return w.header }
func (w *stuckWriter) WriteHeader(s int)   { w.status = s }
func (w *stuckWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.wrote) })
	<-w.release
	return w.body.Write(p)
}

// TestSlowGateHoldsNoTransaction (issue 13, speed): the full list is written from
// memory. While a gate reads it slowly (the network write blocked), the register can
// be rewritten whole (Compact swaps the file under the lock that waits for every read
// transaction: it used to wait for the gate) and changed; the next request gets the
// new list with a new ETag, and the slow gate still gets the list it asked for whole.
func TestSlowGateHoldsNoTransaction(t *testing.T) {
	a := newAPI(t, 1000)
	before := a.exportToday()
	w := &stuckWriter{header: http.Header{}, wrote: make(chan struct{}), release: make(chan struct{})}
	req := httptest.NewRequest(http.MethodGet, "/v1/whitelist.csv", nil)
	req.Header.Set("Authorization", "Bearer "+a.tokens["varco-venezia"])
	served := make(chan struct{})
	go func() { a.srv.Handler().ServeHTTP(w, req); close(served) }()
	defer func() { <-served }()
	released := false
	unstick := func() {
		if !released {
			released = true
			close(w.release)
		}
	}
	defer unstick()
	select {
	case <-w.wrote:
	case <-time.After(10 * time.Second):
		t.Fatal("the list was never written")
	}

	compacted := make(chan error, 1)
	go func() { compacted <- a.svc.DB().Compact() }()
	select {
	case err := <-compacted:
		if err != nil {
			t.Fatalf("Compact while a gate reads: %v", err)
		}
	case <-time.After(5 * time.Second):
		unstick()
		t.Fatal("Compact waited for the slow gate: its list holds a read transaction open")
	}
	r := a.row("ROSSI MARIO")
	done := make(chan error, 1)
	go func() {
		_, err := a.svc.SuspendPass(sys, service.Change{PassID: r.ID, Version: r.Version}, a.svc.Today(), "verifica")
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		unstick()
		t.Fatal("a suspension waited for the slow gate")
	}

	st, hdr, body := a.do("varco-venezia", http.MethodGet, "/v1/whitelist.csv", nil)
	after := a.exportToday()
	if st != http.StatusOK || hdr.Get("ETag") == w.header.Get("ETag") || !bytes.Equal(body, after) || bytes.Contains(body, []byte("AB123CD")) {
		t.Errorf("next request: %d, ETag %s (the slow gate's %s), want 200, a new tag and the list without the suspended AB123CD",
			st, hdr.Get("ETag"), w.header.Get("ETag"))
	}
	unstick()
	<-served
	if w.status != http.StatusOK || !bytes.Equal(w.body.Bytes(), before) || !bytes.Contains(before, []byte("AB123CD")) {
		t.Errorf("the slow gate got %d and %d bytes, want 200 and the list before the suspension (%d bytes, with AB123CD)",
			w.status, w.body.Len(), len(before))
	}
}

// TestListBuiltOncePerSnapshot (issue 13, speed): gates asking at once for the same
// list share one build; a change of the register makes a new one.
func TestListBuiltOncePerSnapshot(t *testing.T) {
	a := newAPI(t, 1000)
	want := a.exportToday()
	var wg sync.WaitGroup
	tags := make([]string, 8)
	for i := range tags {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, hdr, body := a.do("varco-venezia", http.MethodGet, "/v1/whitelist.csv", nil)
			if st != http.StatusOK || !bytes.Equal(body, want) {
				t.Errorf("request %d: %d, equal to export whitelist: %v", i, st, bytes.Equal(body, want))
			}
			tags[i] = hdr.Get("ETag") + " " + hdr.Get("X-Vivipass-Sequenza")
		}()
	}
	wg.Wait()
	for i, tag := range tags {
		if tag != tags[0] {
			t.Errorf("request %d: ETag and sequence %q, request 0: %q", i, tag, tags[0])
		}
	}
	if builds := httpapi.ListBuilds(a.srv); builds != 1 {
		t.Errorf("8 gates at once: %d builds of the list, want 1", builds)
	}
	r := a.row("ROSSI MARIO")
	if _, err := a.svc.SuspendPass(sys, service.Change{PassID: r.ID, Version: r.Version}, a.svc.Today(), "verifica"); err != nil {
		t.Fatal(err)
	}
	if st, _, body := a.do("varco-venezia", http.MethodGet, "/v1/whitelist.csv", nil); st != http.StatusOK || !bytes.Equal(body, a.exportToday()) {
		t.Errorf("after a suspension: %d, equal to export whitelist: %v", st, bytes.Equal(body, a.exportToday()))
	}
	if builds := httpapi.ListBuilds(a.srv); builds != 2 {
		t.Errorf("after a change: %d builds, want 2", builds)
	}
}

func (a *api) exportToday() []byte {
	a.t.Helper()
	var b bytes.Buffer
	if _, err := a.svc.Export(sys, "whitelist", a.svc.Today(), &b); err != nil {
		a.t.Fatal(err)
	}
	return b.Bytes()
}
