//go:build !lean

package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"time"

	"vivipass/backup"
	"vivipass/domain"
	"vivipass/files"
	"vivipass/server"
	"vivipass/service"
	"vivipass/tui"
)

// cmdServe serves the desk over SSH until SIGTERM or SIGINT: the host key is kept next
// to the database (host_ed25519), and every operator connects with a registered key.
func cmdServe(e *env, args []string) error {
	const use = "serve [--db FILE] [--ssh INDIRIZZO] [--idle DURATA] [--backup-dir CARTELLA] [--backup-at 02:30] [--keep 14] [--files CARTELLA] [--http INDIRIZZO [--tls-cert FILE --tls-key FILE] [--http-rate N] [--http-log-days 90]]"
	f := newFlags("vivipass serve", use)
	addr := f.String("ssh", ":2222", "indirizzo di ascolto SSH (host:porta)")
	idleText := f.String("idle", "30m", "chiude le sessioni senza tasti premuti da tanto (es. 30m, 1h; 0 = mai)")
	backupDir := f.String("backup-dir", "", "cartella dei backup giornalieri (vuoto: nessun backup automatico)")
	backupAt := f.String("backup-at", "02:30", "ora del backup giornaliero, ora italiana (hh:mm)")
	keep := f.Int("keep", 14, "backup da conservare (i più recenti)")
	filesDir := f.String("files", "", "cartella dei file dei comuni, raggiungibili via SFTP (default: 'file' accanto al database)")
	var web httpOptions // the HTTP read side (issue 13, clients.go)
	f.StringVar(&web.addr, "http", "", "indirizzo dell'API per varchi, polizia e servizi (host:porta; senza TLS solo su loopback)")
	f.StringVar(&web.cert, "tls-cert", "", "certificato TLS dell'API (PEM)")
	f.StringVar(&web.key, "tls-key", "", "chiave del certificato TLS dell'API (PEM)")
	f.Float64Var(&web.rate, "http-rate", 20, "richieste al secondo per token (se il cliente non ne ha un limite proprio)")
	f.IntVar(&web.logDays, "http-log-days", 90, "giorni di conservazione del registro delle interrogazioni")
	if _, err := f.parse(args, 0); err != nil {
		return err
	}
	if err := web.check(use); err != nil {
		return err
	}
	schedule, err := backupSchedule(*backupDir, *backupAt, *keep, use)
	if err != nil {
		return err
	}
	idle, err := time.ParseDuration(strings.TrimSpace(*idleText))
	if err != nil || idle < 0 {
		return usageError{fmt.Sprintf("durata non valida per --idle: %q (esempi: 30m, 1h, 90s; 0 = mai)", *idleText), use}
	}
	if idle == 0 {
		idle = -1 // never
	}
	// Before anything is announced: a SIGTERM right after the address is printed must
	// find the handler in place (else it kills the process with the database open).
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	// Backups are verified in a child process (backup.VerifyApart): rebuilding a
	// region's indexes in the server's heap would slow the sessions typing meanwhile.
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	var serving atomic.Pointer[server.Server] // set below: the verification pauses while operators type
	typing := func() bool { s := serving.Load(); return s != nil && s.Typing(300*time.Millisecond) }
	svc, done, err := openService(*f.db, service.WithCopyVerifier(backup.VerifyApart(exe, typing)))
	server.TuneGC()
	if err != nil {
		return err
	}
	defer func() { done() }()

	// Each comune's folder (files/), served over SFTP to its operators.
	if *filesDir == "" {
		*filesDir = filepath.Join(filepath.Dir(*f.db), "file")
	}
	fileStore, err := files.New(*filesDir)
	if err != nil {
		return err
	}
	hostKey := filepath.Join(filepath.Dir(*f.db), server.HostKeyName)
	if err := server.EnsureHostKey(hostKey); err != nil { // before New: its folder keeps its mode
		return err
	}
	log := slog.New(slog.NewTextHandler(e.stderr, nil))
	if schedule != nil { // what a backup killed halfway left (#12 point 12)
		for _, p := range sweepLeftovers(schedule.Dir, "", time.Now()) {
			log.Info("rimosso un file temporaneo lasciato da un vivipass interrotto", "file", p)
		}
	}
	srv, err := server.New(server.Config{
		Svc:         svc,
		Desk:        func(op domain.Operator, plain bool) tui.Options { return desk(svc, op, plain) },
		Addr:        *addr,
		HostKeyPath: hostKey,
		IdleTimeout: idle,
		Log:         log,
		Files:       fileStore,
	})
	if err != nil {
		return err
	}
	serving.Store(srv)
	ln, err := net.Listen("tcp", *addr)
	switch {
	case errors.Is(err, syscall.EADDRINUSE):
		return fmt.Errorf("l'indirizzo %s è già in uso: un altro server è in ascolto (scegliere un'altra porta con --ssh)", *addr)
	case errors.Is(err, syscall.EACCES):
		return fmt.Errorf("permesso negato per %s: le porte sotto 1024 richiedono privilegi (usare per esempio --ssh :2222)", *addr)
	case err != nil:
		return fmt.Errorf("impossibile ascoltare su %s: %v", *addr, err)
	}
	port := *addr
	if _, p, err := net.SplitHostPort(ln.Addr().String()); err == nil {
		port = p
	}
	// The control socket (control/): while this process holds the database, every other
	// vivipass command runs here through it. It closes before the database does.
	ctl, err := serveControl(e, svc, *f.db, fmt.Sprintf("ssh -p %s NOME@%s", port, hostHint(ln.Addr())), log)
	if err != nil {
		ln.Close()
		return err
	}
	closeDB := done
	done = func() { ctl.Shutdown(shutdownGrace); closeDB() }
	stopHTTP, err := startHTTP(e, svc, web, log)
	if err != nil {
		ln.Close()
		return err
	}
	closeCtl := done
	done = func() { stopHTTP(); closeCtl() }
	fmt.Fprintf(e.stdout, "vivipass: server SSH su %s (database %s)\n", ln.Addr(), *f.db)
	fmt.Fprintf(e.stdout, "chiave dell'host: %s (%s)\n", hostKey, srv.HostKey())
	fmt.Fprintf(e.stdout, "gli operatori si collegano con: ssh -p %s NOME@%s\n", port, hostHint(ln.Addr()))
	fmt.Fprintf(e.stdout, "file dei comuni: %s (con la stessa chiave: sftp -P %s NOME@%s)\n", fileStore.Base(), port, hostHint(ln.Addr()))
	fmt.Fprintf(e.stdout, "comandi di vivipass (dallo stesso utente o da root) tramite il socket %s\n", ctl.Path())
	if schedule != nil {
		fmt.Fprintf(e.stdout, "backup: ogni giorno alle %s in %s (si tengono gli ultimi %d)\n", *backupAt, schedule.Dir, schedule.Keep)
	} else {
		fmt.Fprintln(e.stdout, "backup: nessun backup automatico (--backup-dir CARTELLA per attivarli)")
	}
	fmt.Fprintln(e.stdout, "ctrl+c o SIGTERM per chiudere")

	// The background workers of the process: the PEC mailboxes of every configured comune.
	workers, stopWorkers := context.WithCancel(context.Background())
	defer stopWorkers()
	workersDone := make(chan struct{})
	go func() {
		defer close(workersDone)
		if err := svc.PECWorker(service.PECWorkerOptions{Log: log}).Run(workers); err != nil {
			log.Warn("lettura PEC terminata", "errore", err.Error())
		}
	}()
	if schedule != nil { // the daily copy (M7); it ends with the other workers
		go (&backup.Scheduler{Svc: svc, Schedule: *schedule, Log: log}).Run(workers)
	}
	// The national platform's queue (N2): at once after each change, then as retries fall due.
	go (&service.NationalWorker{Svc: svc, Drained: func(r service.DrainReport, err error) {
		switch {
		case err != nil:
			log.Warn("piattaforma nazionale: giro della coda non riuscito", "errore", err.Error())
		case r.Sent+r.Failed+r.Rejected > 0:
			log.Info("piattaforma nazionale", "inviati", r.Sent, "non_riusciti", r.Failed, "rifiutati", r.Rejected, "in_attesa", r.Waiting)
		}
	}}).Run(workers)

	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	select {
	case err := <-served:
		return err
	case <-ctx.Done():
	}
	stop() // a second signal kills the process the usual way
	grace, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	err = srv.Shutdown(grace)
	if serr := <-served; serr != nil && err == nil {
		err = serr
	}
	stopWorkers()
	select { // the workers log out of their mailboxes before the database closes
	case <-workersDone:
	case <-grace.Done():
	}
	if err != nil {
		log.Warn("chiusura incompleta", "errore", err.Error())
	}
	done()
	done = func() {}
	log.Info("database chiuso, server fermo")
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// backupSchedule reads the backup flags of serve: nil without --backup-dir.
func backupSchedule(dir, at string, keep int, use string) (*backup.Schedule, error) {
	if strings.TrimSpace(dir) == "" {
		return nil, nil
	}
	when, err := backup.ParseAt(at)
	if err != nil {
		return nil, usageError{err.Error() + " (--backup-at)", use}
	}
	if keep < 1 || keep > 3650 {
		return nil, usageError{fmt.Sprintf("--keep %d fuori intervallo: da 1 a 3650", keep), use}
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(abs, 0o700); err != nil {
		return nil, fmt.Errorf("cartella dei backup %s non utilizzabile: %v", abs, err)
	}
	return &backup.Schedule{Dir: abs, At: when, Keep: keep}, nil
}

// hostHint is the host part of the connection hint: the listening address, or "host"
// when it listens on every address.
func hostHint(a net.Addr) string {
	h, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return "host"
	}
	if ip := net.ParseIP(h); ip == nil || ip.IsUnspecified() {
		return "host"
	}
	return h
}
