package printing_test

import (
	"context"
	"math"
	"strings"
	"testing"
	"time"

	"vivipass/printing"
	"vivipass/printing/printtest"
)

// A real print: a private cupsd with a cups-pdf queue, the card submitted with lp and
// waited for; cups-pdf's file has the card's size, because the job names its media
// (without -o PageSize=Custom.148x106mm cups-pdf makes it A4).
func TestPrintCardThroughCUPS(t *testing.T) {
	cups := printtest.StartCUPS(t)
	sp := printing.Spooler{Server: cups.Addr, Timeout: time.Minute}
	l := printing.DefaultLayout()
	d := sampleCard()
	d.Duplicate = true
	pdf := card(t, d, printing.ModeFronteRetro, printing.Offset{})
	res, err := sp.Print(context.Background(), printing.Job{Queue: cups.Queue, Title: "contrassegno L736_2025_00042",
		PDF: pdf, PageSize: printing.CardPageSize(l), Sides: "one-sided"})
	if err != nil {
		t.Fatalf("Print: %v\n%s", err, cups.Log())
	}
	if !strings.HasPrefix(res.ID, cups.Queue+"-") || res.State != "completato" {
		t.Errorf("result %+v", res)
	}
	info := printtest.PDFInfoFile(t, cups.Output(t, 30*time.Second))
	if info.Pages != 2 || math.Abs(info.W-148) > 0.5 || math.Abs(info.H-106) > 0.5 {
		t.Errorf("cups-pdf wrote %d pages of %.1f × %.1f mm, want 2 of 148 × 106", info.Pages, info.W, info.H)
	}
	if !strings.Contains(res.Describe(), "completato") {
		t.Errorf("Describe: %q", res.Describe())
	}

	// CUPS errors in Italian.
	for _, c := range []struct {
		sp    printing.Spooler
		queue string
		want  string
	}{
		{sp, "NESSUNA", "la stampante «NESSUNA» non esiste"},
		{sp, "con spazi", "nome della coda di stampa"},
		{printing.Spooler{Server: "127.0.0.1:1"}, cups.Queue, "non risponde"},
	} {
		_, err := c.sp.Print(context.Background(), printing.Job{Queue: c.queue, PDF: pdf})
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("queue %q on %s: err %v, want %q", c.queue, c.sp.Server, err, c.want)
		}
	}
	cups.AddQueue(t, "SPENTA", "cups-pdf:/x")
	cups.Run(t, "cupsreject", "SPENTA")
	if _, err := sp.Print(context.Background(), printing.Job{Queue: "SPENTA", PDF: pdf}); err == nil || !strings.Contains(err.Error(), "non accetta lavori") {
		t.Errorf("rejecting queue: %v", err)
	}

	// A printer that never answers: the wait ends with what CUPS says, in Italian.
	cups.AddQueue(t, "MUTA", "socket://127.0.0.1:1")
	short := printing.Spooler{Server: cups.Addr, Timeout: 4 * time.Second}
	res, err = short.Print(context.Background(), printing.Job{Queue: "MUTA", Title: "muta", PDF: pdf})
	t.Logf("silent printer: %v", err)
	if err == nil || !strings.Contains(err.Error(), "non è terminato entro") || !strings.HasPrefix(res.ID, "MUTA-") {
		t.Errorf("silent printer: %+v, %v", res, err)
	}
	cups.Run(t, "cancel", "-a", "MUTA")

	// A job cancelled while it waits is reported as cancelled, not printed.
	cups.AddQueue(t, "FERMA", "cups-pdf:/x")
	cups.Run(t, "cupsdisable", "FERMA")
	go func() {
		time.Sleep(time.Second)
		cups.Command("cancel", "-a", "FERMA").Run()
	}()
	res, err = sp.Print(context.Background(), printing.Job{Queue: "FERMA", Title: "ferma", PDF: pdf})
	t.Logf("cancelled: %v", err)
	if err == nil || !strings.Contains(err.Error(), "annullato") || res.State != "annullato" {
		t.Errorf("cancelled job: %+v, %v", res, err)
	}
}
