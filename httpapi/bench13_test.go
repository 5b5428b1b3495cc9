package httpapi_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"vivipass/service"
)

// BenchmarkPlateCheckHandler is the CPU of one plate check inside the API (token,
// scope, rate, verdict, JSON, query log), without the network: what bench/http.sh's
// plate checks spend beyond the bare handler's (issue 13).
func BenchmarkPlateCheckHandler(b *testing.B) {
	h, tokens := demoHandler(b, service.ClientInput{Name: "varco", Kind: service.ClientGate, Circuit: true})
	token := tokens[0]
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
