package httpapi_test

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/httpapi"
	"vivipass/service"
	"vivipass/store"
)

// BenchmarkPlateCheckHandler is the CPU of one plate check inside the API (token,
// scope, rate, verdict, JSON, query log), without the network: what bench/http.sh's
// plate checks spend beyond the bare handler's (issue 13).
func BenchmarkPlateCheckHandler(b *testing.B) {
	db, err := store.Open(filepath.Join(b.TempDir(), "vivipass.db"), store.Options{})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	now := time.Date(2026, 12, 3, 10, 30, 0, 0, domain.Rome)
	svc := service.New(db, service.WithClock(func() time.Time { return now }))
	if _, err := svc.LoadDemo(sys); err != nil {
		b.Fatal(err)
	}
	_, token, err := svc.AddClient(sys, service.ClientInput{Name: "varco", Kind: service.ClientGate, Circuit: true})
	if err != nil {
		b.Fatal(err)
	}
	srv, err := httpapi.New(httpapi.Config{Svc: svc, Addr: "127.0.0.1:0", Rate: 1e9, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown(b.Context())
	h := srv.Handler()
	req := httptest.NewRequest(http.MethodGet, "/v1/targhe/AB123CD", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	b.ReportAllocs()
	for b.Loop() {
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != 200 {
			b.Fatalf("status %d: %s", w.Code, w.Body)
		}
	}
}
