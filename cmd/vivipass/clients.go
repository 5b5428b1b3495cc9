//go:build !lean

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"time"

	"vivipass/domain"
	"vivipass/httpapi"
	"vivipass/service"
)

// The clients of the HTTP read side (issue 13): `vivipass client …`, and the HTTP
// server that `serve --http` starts beside the SSH one.

// shutdownGrace is how long sessions get to say goodbye before connections are cut.
const shutdownGrace = 10 * time.Second

const clientUsage = "client add --name NOME --kind gate|polizia|servizio (--comune CODICE | --circuito) [--rate N] | client list | client revoke NOME | client log [--client NOME] [--targa TARGA] [--dal DATA] [--al DATA] [--max N]"

func cmdClient(e *env, args []string) error {
	if len(args) == 0 || strings.HasPrefix(args[0], "-") {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			return helpRequest{"uso: vivipass " + clientUsage + "\n"}
		}
		return usageError{"indicare add, list, revoke o log", clientUsage}
	}
	switch args[0] {
	case "add":
		f := e.flags("client add", clientUsage)
		name := f.String("name", "", "nome del cliente (minuscole, cifre, . _ -)")
		kind := f.String("kind", "", "gate (varco ZTL), polizia o servizio")
		comune := f.String("comune", "", "codice catastale del comune del cliente")
		circuit := f.Bool("circuito", false, "cliente dell'intero circuito (al posto di --comune)")
		rate := f.Float64("rate", 0, "richieste al secondo (0: il limite del server)")
		if _, err := f.parse(args[1:], 0); err != nil {
			return err
		}
		if *name == "" || *kind == "" {
			return usageError{"--name e --kind sono obbligatori", clientUsage}
		}
		svc, done, err := e.open(*f.db)
		if err != nil {
			return err
		}
		defer done()
		c, token, err := svc.AddClient(e.actor(), service.ClientInput{Name: *name, Kind: *kind, Comune: *comune, Circuit: *circuit, Rate: *rate})
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Cliente %s registrato (%s, %s).\n", c.Name, service.ClientKindLabel(c.Kind), service.ClientScope(c))
		fmt.Fprintf(e.stdout, "Token (si mostra solo ora: conservarlo; nel registro resta solo la sua impronta):\n%s\n", token)
		fmt.Fprintln(e.stdout, "Uso: curl -H \"Authorization: Bearer TOKEN\" https://HOST:PORTA/v1/… (vedi docs/API.md)")
		return nil
	case "list":
		f := e.flags("client list", clientUsage)
		if _, err := f.parse(args[1:], 0); err != nil {
			return err
		}
		svc, done, err := e.open(*f.db)
		if err != nil {
			return err
		}
		defer done()
		cs, err := svc.Clients(e.actor())
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			fmt.Fprintln(e.stdout, "Nessun cliente registrato (vivipass client add …).")
		}
		for _, c := range cs {
			state := "attivo"
			if c.Revoked() {
				state = "revocato il " + c.RevokedAt.In(domain.Rome).Format("02/01/2006 15:04")
			}
			rate := "limite del server"
			if c.Rate > 0 {
				rate = fmt.Sprintf("%g richieste/s", c.Rate)
			}
			fmt.Fprintf(e.stdout, "%s  %s, %s, %s, dal %s, %s\n", c.Name, service.ClientKindLabel(c.Kind), service.ClientScope(c),
				rate, c.CreatedAt.In(domain.Rome).Format("02/01/2006"), state)
		}
		return nil
	case "revoke":
		f := e.flags("client revoke", clientUsage)
		pos, err := f.parse(args[1:], 1)
		if err != nil {
			return err
		}
		svc, done, err := e.open(*f.db)
		if err != nil {
			return err
		}
		defer done()
		if err := svc.RevokeClient(e.actor(), pos[0]); err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "Cliente %s revocato: il suo token non apre più nulla.\n", pos[0])
		return nil
	case "log":
		f := e.flags("client log", clientUsage)
		client := f.String("client", "", "solo questo cliente")
		plate := f.String("targa", "", "solo questa targa (o numero di contrassegno)")
		from := f.String("dal", "", "dal giorno (gg/mm/aaaa o aaaa-mm-gg)")
		to := f.String("al", "", "al giorno (compreso)")
		max := f.Int("max", 500, "al massimo tante voci, le più recenti")
		if _, err := f.parse(args[1:], 0); err != nil {
			return err
		}
		q := service.QueryFilter{Client: *client, Subject: domain.NormalizePlate(*plate), Limit: *max}
		var err error
		if *from != "" {
			if q.From, err = domain.ParseDate(*from); err != nil {
				return usageError{"--dal: " + err.Error(), clientUsage}
			}
		}
		if *to != "" {
			if q.To, err = domain.ParseDate(*to); err != nil {
				return usageError{"--al: " + err.Error(), clientUsage}
			}
		}
		if *max < 1 || *max > 100000 {
			return usageError{"--max fuori intervallo: da 1 a 100000", clientUsage}
		}
		svc, done, err := e.open(*f.db)
		if err != nil {
			return err
		}
		defer done()
		es, more, err := svc.QueryLog(e.actor(), q)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			fmt.Fprintln(e.stdout, "Nessuna interrogazione registrata con questi criteri.")
		}
		for _, x := range es {
			fmt.Fprintf(e.stdout, "%s  %s  %s %s %s  %d  %s\n", x.At.In(domain.Rome).Format("02/01/2006 15:04:05"), x.Client,
				x.Endpoint, dash(x.Subject), dash(x.Instant), x.Status, x.Answer)
		}
		if more {
			fmt.Fprintf(e.stdout, "… e altre: mostrate le %d più recenti (--max per vederne di più, --dal/--al per restringere)\n", len(es))
		}
		return nil
	}
	return usageError{"sottocomando sconosciuto " + args[0], clientUsage}
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// httpOptions are serve's flags for the HTTP read side.
type httpOptions struct {
	addr, cert, key string
	rate            float64
	logDays         int
}

// check refuses, before anything starts, plain HTTP off loopback and wrong limits.
func (o httpOptions) check(use string) error {
	if o.addr == "" {
		if o.cert != "" || o.key != "" {
			return usageError{"--tls-cert e --tls-key servono con --http INDIRIZZO", use}
		}
		return nil
	}
	if err := httpapi.CheckAddr(o.addr, o.cert != "" || o.key != ""); err != nil {
		return usageError{err.Error(), use}
	}
	if (o.cert == "") != (o.key == "") {
		return usageError{"indicare insieme --tls-cert e --tls-key", use}
	}
	if o.rate < 0 || o.rate > 1000 {
		return usageError{"--http-rate fuori intervallo: da 1 a 1000 richieste al secondo", use}
	}
	if o.logDays < 1 || o.logDays > 3650 {
		return usageError{"--http-log-days fuori intervallo: da 1 a 3650 giorni", use}
	}
	return nil
}

// startHTTP starts the HTTP read side when --http was given; stop ends it (before the
// database closes: the query log still in memory is written then).
func startHTTP(e *env, svc *service.Service, o httpOptions, log *slog.Logger) (stop func(), err error) {
	if o.addr == "" {
		return func() {}, nil
	}
	api, err := httpapi.New(httpapi.Config{Svc: svc, Addr: o.addr, CertFile: e.path(o.cert), KeyFile: e.path(o.key),
		Rate: o.rate, LogDays: o.logDays, Log: log})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", o.addr)
	if err != nil {
		api.Shutdown(context.Background())
		return nil, fmt.Errorf("impossibile ascoltare su %s (--http): %v", o.addr, err)
	}
	scheme := "http"
	if api.TLS() {
		scheme = "https"
	}
	fmt.Fprintf(e.stdout, "API di consultazione per varchi, polizia e servizi: %s://%s/v1/ (vedi docs/API.md; token con vivipass client add)\n", scheme, ln.Addr())
	served := make(chan struct{})
	go func() {
		defer close(served)
		if err := api.Serve(ln); err != nil {
			log.Error("http: server terminato", "errore", err.Error())
		}
	}()
	return func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
		defer cancel()
		if err := api.Shutdown(ctx); err != nil {
			log.Warn("http: chiusura incompleta", "errore", err.Error())
		}
		<-served
	}, nil
}
