package store

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"
	berrors "go.etcd.io/bbolt/errors"
)

// ErrInUse is returned when another vivipass holds the database file.
var ErrInUse = errors.New("il database è in uso da un altro vivipass (chiuderlo, oppure usare il server in esecuzione)")

// DB is the open register. The mutex only guards swapping the file under a bulk
// import (ReplaceWith); transactions are bbolt's own.
type DB struct {
	mu   sync.RWMutex
	bolt *bolt.DB
	path string
	opt  Options
	open openJobs
	// cap records the writes committed while a bulk load is written elsewhere (capture.go).
	cap captureSlot
	// keys authenticate the audit chain (seal.go); nil until SetAuditKeys.
	keys atomic.Pointer[auditKeys]
	// feed makes the whitelist's changes at each commit (feed.go).
	feed atomic.Pointer[FeedHook]
	// commits counts the committed write transactions and swaps of the file: what was
	// read before is still true while it does not move (Commits).
	commits atomic.Uint64
}

// Commits is a number that changes with every committed write and every file swap: a
// cache of what the register says is good while it stays the same.
func (db *DB) Commits() uint64 { return db.commits.Load() }

// Options tune Open.
type Options struct {
	// LockTimeout bounds the wait for another process's lock (default 1 s).
	LockTimeout time.Duration
	// ReadOnly opens without writing (verify of a backup).
	ReadOnly bool
	// NoSync skips fsync at each commit: only for a scratch copy that is synced once
	// with Sync before it replaces the register (bulk import).
	NoSync bool
}

// Open opens (creating if needed) the database at path and brings its schema up to date.
func Open(path string, opt Options) (*DB, error) {
	if opt.LockTimeout == 0 {
		opt.LockTimeout = time.Second
	}
	if !opt.ReadOnly {
		if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
			return nil, fmt.Errorf("impossibile creare la cartella dei dati: %w", err)
		}
	} else if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("database %s non trovato", path)
	}
	if st, err := os.Stat(path); err == nil && st.IsDir() {
		return nil, fmt.Errorf("%s è una cartella, non il file di un database: indicare il file (--db)", path)
	}
	bo := &bolt.Options{Timeout: opt.LockTimeout, ReadOnly: opt.ReadOnly, NoSync: opt.NoSync, FreelistType: bolt.FreelistMapType}
	if opt.NoSync {
		// A bulk load grows the file fast; each growth of the map makes bbolt copy every
		// node of the open transaction out of it. Reserve address space up front.
		bo.InitialMmapSize = 1 << 30
		// Nor grow the file ahead of the data (AllocSize, 16 MB) with a truncate and an
		// fsync each time: the file ends at its last page written, so the register it
		// becomes is its data, and Sync before the swap makes its size durable with it.
		bo.NoGrowSync = true
	}
	b, err := bolt.Open(path, 0o600, bo)
	if errors.Is(err, berrors.ErrTimeout) {
		return nil, fmt.Errorf("%s: %w", path, ErrInUse)
	}
	if errors.Is(err, berrors.ErrInvalid) || errors.Is(err, berrors.ErrVersionMismatch) || errors.Is(err, berrors.ErrChecksum) {
		return nil, fmt.Errorf("il file %s non è un database di vivipass, o è danneggiato: controllare il percorso (--db); "+
			"un database danneggiato si ripristina dall'ultima copia (vivipass restore)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("apertura del database %s non riuscita: %w", path, err)
	}
	db := &DB{bolt: b, path: path, opt: opt}
	if opt.ReadOnly {
		if err := b.View(func(tx *bolt.Tx) error { return checkVersion(tx) }); err != nil {
			b.Close()
			return nil, err
		}
		return db, nil
	}
	// A register already at this schema is not written at all: an Update would cost
	// every open (each command, each desk) a commit and its fsync.
	var current bool
	if err := b.View(func(tx *bolt.Tx) error { current = currentVersion(tx) == SchemaVersion(); return nil }); err != nil {
		b.Close()
		return nil, err
	}
	if !current {
		if err := b.Update(migrate); err != nil {
			b.Close()
			return nil, err
		}
	}
	// Records a migration marked for re-encoding (recode.go), in chunks; then the
	// file gives back the space the older form took (or a migration's rewritten index).
	if did, err := db.recode(); err != nil || did || (!current && db.mostlyFree()) {
		if err == nil {
			err = db.Compact()
		}
		if err != nil {
			db.Close()
			return nil, err
		}
	}
	return db, nil
}

// Close releases the file.
func (db *DB) Close() error {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.bolt.Close()
}

// Path is the file the database lives in.
func (db *DB) Path() string { return db.path }

// View runs fn in a read-only transaction.
func (db *DB) View(fn func(*Tx) error) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	return db.bolt.View(func(btx *bolt.Tx) error { return fn(&Tx{tx: btx, db: db}) })
}

// Update runs fn in one read-write transaction: all or nothing.
func (db *DB) Update(fn func(*Tx) error) error {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var jobs map[uint64]bool
	var w *txWrites
	err := db.bolt.Update(func(btx *bolt.Tx) error {
		t := &Tx{tx: btx, db: db}
		t.cap.w = db.cap.writes()
		w = t.cap.w
		err := fn(t)
		if err == nil {
			err = t.writeFeed() // the whitelist's changes (feed.go)
		}
		if err == nil {
			err = t.coverRecords() // every record written is in an entry (seal.go)
		}
		jobs = t.jobs
		return err
	})
	if err == nil {
		db.commits.Add(1)
		db.open.apply(jobs) // committed: the set of open jobs follows
		w.commit()          // and the capture, if one runs
	}
	return err
}

// Sync flushes a NoSync database to disk.
func (db *DB) Sync() error { return db.bolt.Sync() }

// ReplaceWith makes the file at scratch (a closed, synced database) the register: the
// rename is atomic, so a crash leaves either the old register or the new one. Callers
// must keep other writers out while scratch was being prepared.
func (db *DB) ReplaceWith(scratch string) error {
	db.mu.Lock()
	defer db.mu.Unlock()
	return db.replaceLocked(scratch)
}

func (db *DB) replaceLocked(scratch string) error {
	if err := db.bolt.Close(); err != nil {
		return err
	}
	renameErr := os.Rename(scratch, db.path)
	b, err := bolt.Open(db.path, 0o600, &bolt.Options{Timeout: db.opt.LockTimeout, NoSync: db.opt.NoSync, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("riapertura del database dopo l'import non riuscita: %w", err)
	}
	db.bolt = b
	db.open.reset()
	db.commits.Add(1)
	return renameErr
}

// Compact rewrites the register with its live data only (bbolt keeps what was deleted
// in freed pages, and copies carry them): after a secret leaves the database, nothing
// of it survives in the file or in its later backups. Callers keep other writers out,
// as for ReplaceWith.
func (db *DB) Compact() error {
	tmp := fmt.Sprintf("%s.compatta-%d", db.path, os.Getpid())
	os.Remove(tmp)
	dst, err := bolt.Open(tmp, 0o600, &bolt.Options{Timeout: db.opt.LockTimeout, FreelistType: bolt.FreelistMapType})
	if err != nil {
		return fmt.Errorf("compattazione del database non riuscita: %w", err)
	}
	db.mu.RLock()
	err = bolt.Compact(dst, db.bolt, 1<<20)
	db.mu.RUnlock()
	if err == nil {
		err = dst.Sync()
	}
	if cerr := dst.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("compattazione del database non riuscita: %w", err)
	}
	return db.ReplaceWith(tmp)
}

// Backup writes a consistent copy of the live database to w while others keep working (M7).
func (db *DB) Backup(w io.Writer) (int64, error) {
	db.mu.RLock()
	defer db.mu.RUnlock()
	var n int64
	err := db.bolt.View(func(tx *bolt.Tx) error {
		var err error
		n, err = tx.WriteTo(w)
		return err
	})
	return n, err
}

// BackupFile writes the copy to path atomically (temp file, fsync, rename).
func (db *DB) BackupFile(path string) (int64, error) {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".backup-*")
	if err != nil {
		return 0, fmt.Errorf("impossibile creare il file di backup: %w", err)
	}
	defer os.Remove(tmp.Name())
	n, err := db.Backup(tmp)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), path)
	}
	if err != nil {
		return 0, fmt.Errorf("backup non riuscito: %w", err)
	}
	return n, nil
}

// Tx is a transaction with the register's typed operations.
type Tx struct {
	tx *bolt.Tx
	db *DB
	// jobs are the outbox jobs this transaction wrote: seq → still open.
	jobs map[uint64]bool
	// bulk, when not nil, collects the index entries of new records (see Bulk).
	bulk *Bulk
	// enqueued are the comuni of the outbox jobs this transaction wrote (Enqueued).
	enqueued []string
	// cap records the writes for a capture and hands out reserved ids (capture.go).
	cap txCapture
	// records are the records written since the last audit entry; lastAudit is the
	// sequence of this transaction's last entry (seal.go).
	records   []recordRef
	lastAudit uint64
	// feedLineages and feedPeople are what it wrote, for the feed (feed.go).
	feedLineages map[uint64]uint64 // lineage → newest version written
	feedPeople   map[uint64]bool
}

func (t *Tx) bucket(name string) recBucket {
	b := t.tx.Bucket([]byte(name))
	switch name {
	case "passes", "people", "audit", "outbox", "pec_items", "pec_raw", bSeals, bFeed:
		// Keys are NextSequence ids: new records append, so full pages lose nothing
		// (the default 0.5 left the file half empty after an import).
		b.FillPercent = 1.0
	}
	return recBucket{Bucket: b, t: t, name: name}
}
func (t *Tx) index(name string) recBucket {
	return recBucket{Bucket: t.tx.Bucket(bIdx).Bucket([]byte(name)), t: t, name: name, idx: true}
}

// Writable reports whether the transaction may write.
func (t *Tx) Writable() bool { return t.tx.Writable() }

func u64(v uint64) []byte {
	b := make([]byte, 8)
	binary.BigEndian.PutUint64(b, v)
	return b
}

func readU64(b []byte) uint64 {
	if len(b) != 8 {
		return 0
	}
	return binary.BigEndian.Uint64(b)
}
