package sim

import (
	"context"
	"crypto/tls"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// Usage is the command line of `vivipass national-sim`.
const Usage = "national-sim [--addr INDIRIZZO] [--state FILE] [--down] [--fail-rate F] [--latency DURATA] [--user-file FILE] [--cert FILE --key FILE]"

// Main is `vivipass national-sim`: it serves the simulator until SIGINT or SIGTERM.
// Exit codes: 0 stopped, 1 error, 2 wrong command line.
func Main(args []string, stdout, stderr io.Writer) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return Run(ctx, args, stdout, stderr)
}

// Run is Main until ctx ends instead of a signal.
func Run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("national-sim", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "uso: vivipass %s\n\nSimulatore della piattaforma nazionale CUDE (contratto in docs/NATIONAL.md).\n\n", Usage)
		fs.PrintDefaults()
	}
	addr := fs.String("addr", "127.0.0.1:8790", "indirizzo di ascolto (senza --cert/--key solo su questo computer)")
	stateFile := fs.String("state", "", "file JSON dello stato, riletto all'avvio (vuoto: solo in memoria)")
	down := fs.Bool("down", false, "piattaforma non disponibile: ogni richiesta riceve 503")
	failRate := fs.Float64("fail-rate", 0, "quota di richieste (0…1) che riceve 503")
	failAfter := fs.Bool("fail-after", false, "gli errori di --fail-rate avvengono dopo aver registrato la variazione (risposta persa)")
	seed := fs.Uint64("seed", 0, "seme per --fail-rate (0: casuale)")
	latency := fs.Duration("latency", 0, "ritardo aggiunto a ogni richiesta (es. 200ms)")
	userFile := fs.String("user-file", "", "utenze, una per riga: utente;password;comune;scadenza (senza: venezia/L736 e padova/G224, password uguale al nome)")
	certFile := fs.String("cert", "", "certificato PEM per servire HTTPS")
	keyFile := fs.String("key", "", "chiave privata PEM del certificato")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	usageErr := func(msg string) int {
		fmt.Fprintf(stderr, "errore: %s\nuso: vivipass %s\n", msg, Usage)
		return 2
	}
	switch {
	case fs.NArg() > 0:
		return usageErr(fmt.Sprintf("argomento inatteso %q", fs.Arg(0)))
	case (*certFile == "") != (*keyFile == ""):
		return usageErr("--cert e --key vanno indicati insieme")
	case *failRate < 0 || *failRate > 1:
		return usageErr(fmt.Sprintf("--fail-rate %v: serve un numero tra 0 e 1", *failRate))
	case *latency < 0:
		return usageErr("--latency negativa")
	}
	tlsOn := *certFile != ""
	if !tlsOn {
		if err := loopbackAddr(*addr); err != nil {
			return usageErr(err.Error())
		}
	}
	users := DemoUsers(time.Now())
	if *userFile != "" {
		var err error
		if users, err = LoadUsers(*userFile); err != nil {
			fmt.Fprintf(stderr, "errore: %s\n", err)
			return 1
		}
	}
	srv, err := New(Options{Users: users, State: *stateFile, Down: *down, FailRate: *failRate,
		FailAfter: *failAfter, Seed: *seed, Latency: *latency})
	if err != nil {
		fmt.Fprintf(stderr, "errore: %s\n", err)
		return 1
	}
	hs := &http.Server{Handler: srv, ReadHeaderTimeout: 10 * time.Second, ReadTimeout: time.Minute,
		IdleTimeout: 2 * time.Minute}
	if tlsOn {
		cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
		if err != nil {
			fmt.Fprintf(stderr, "errore: certificato o chiave non validi: %s\n", err)
			return 1
		}
		hs.TLSConfig = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		fmt.Fprintf(stderr, "errore: non riesco ad ascoltare su %s: %s\n", *addr, err)
		return 1
	}
	scheme := "http"
	if tlsOn {
		scheme = "https"
	}
	fmt.Fprintf(stdout, "simulatore della piattaforma nazionale CUDE in ascolto su %s://%s\n", scheme, ln.Addr())
	for _, u := range users {
		exp := "mai"
		if !u.Expires.IsZero() {
			exp = u.Expires.AddDate(0, 0, -1).Format("02/01/2006")
		}
		fmt.Fprintf(stdout, "  utenza %s per il comune %s (password valida fino al %s)\n", u.Name, u.Comune, exp)
	}
	if *stateFile != "" {
		fmt.Fprintf(stdout, "  stato in %s\n", *stateFile)
	}
	if *down {
		fmt.Fprintln(stdout, "  non disponibile (--down): ogni richiesta riceve 503")
	}
	done := make(chan error, 1)
	go func() {
		if tlsOn {
			done <- hs.ServeTLS(ln, "", "")
		} else {
			done <- hs.Serve(ln)
		}
	}()
	select {
	case err := <-done:
		fmt.Fprintf(stderr, "errore: il simulatore si è fermato: %s\n", err)
		return 1
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = hs.Shutdown(sctx)
	fmt.Fprintln(stdout, "simulatore fermato")
	return 0
}

// loopbackAddr refuses a plain-HTTP listening address outside this computer.
func loopbackAddr(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("--addr %q non valido (atteso HOST:PORTA): %v", addr, err)
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("--addr %s: senza --cert/--key il simulatore ascolta solo su questo computer (127.0.0.1, ::1, localhost)", addr)
}
