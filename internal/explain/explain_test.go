package explain_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"vivipass/internal/explain"
)

// Issue 11.9: the errors the operators met in English come out in Italian, with the
// context the program put around them, and no server path.
func TestRealErrorsInItalian(t *testing.T) {
	// A port nobody listens on: take one, then close it.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, dialErr := net.DialTimeout("tcp", addr, time.Second)
	_, httpErr := (&http.Client{Timeout: 2 * time.Second}).Get("http://" + addr + "/cude")
	_, fileErr := os.ReadFile(filepath.Join(t.TempDir(), "stampe", "contrassegno.pdf"))
	dir := t.TempDir()
	os.Chmod(dir, 0)
	defer os.Chmod(dir, 0o700)
	_, permErr := os.Create(filepath.Join(dir, "x.pdf"))

	ctx, cancel := context.WithTimeout(context.Background(), time.Nanosecond)
	defer cancel()
	<-ctx.Done()

	cases := []struct {
		err        error
		want, gone []string
	}{
		{fmt.Errorf("lettura della casella non riuscita: %w", dialErr),
			[]string{"lettura della casella non riuscita: connessione a " + addr, "rifiutata", "controllare che sia avviato"},
			[]string{"dial", "refused"}},
		{httpErr, []string{"collegamento a " + addr + " non riuscito", "rifiutata"}, []string{"Get ", "dial", "refused"}},
		{fmt.Errorf("stampa non riuscita: %w", fileErr), []string{"stampa non riuscita: file contrassegno.pdf: non esiste"},
			[]string{"no such file", t.TempDir()[:5] + "/"}},
		{ctx.Err(), []string{"nessuna risposta in tempo"}, []string{"deadline"}},
		{errors.New("il contrassegno è revocato"), []string{"il contrassegno è revocato"}, nil},
	}
	if os.Geteuid() != 0 { // root reads and writes anywhere
		cases = append(cases, struct {
			err        error
			want, gone []string
		}{permErr, []string{"file x.pdf: permesso negato"}, []string{"permission denied"}})
	}
	for _, c := range cases {
		if c.err == nil {
			t.Fatal("the error to explain did not happen")
		}
		got := explain.Text(c.err)
		for _, w := range c.want {
			if !strings.Contains(got, w) {
				t.Errorf("%q\n  → %q: missing %q", c.err, got, w)
			}
		}
		for _, g := range c.gone {
			if strings.Contains(got, g) {
				t.Errorf("%q\n  → %q: still has %q", c.err, got, g)
			}
		}
	}
}

// A connection the program already named is not named twice.
func TestNamedConnectionOnce(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	_, dialErr := net.DialTimeout("tcp", addr, time.Second)
	got := explain.Text(fmt.Errorf("connessione a %s non riuscita: %w", addr, dialErr))
	if strings.Count(got, addr) != 1 || !strings.Contains(got, "connessione rifiutata") {
		t.Errorf("%q", got)
	}
}
