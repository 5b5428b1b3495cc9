package store

import (
	"bytes"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	bolt "go.etcd.io/bbolt"
)

// A bulk load (import of a region file) is written into a copy of the register while
// the desks keep saving into the live one (issue 12.8). A Capture records, from
// StartCapture on, the keys every committed write transaction of the live register put
// or deleted, per bucket path ("passes", "idx/number"), and the bucket sequences it
// changed. ReplaceMerged then replays them onto the copy, with every transaction of the
// live register kept out, and swaps the copy in: nothing a desk saved meanwhile is lost.
//
// The ids the load allocates are reserved in the live register first (Reserve), so the
// copy's new records and the desks' never share a key.

// captureSlot is the DB's capture: at most one at a time.
type captureSlot struct {
	one sync.Mutex // held from StartCapture to the capture's end
	p   atomic.Pointer[Capture]
}

// Capture is the record of the writes committed to the live register since it started.
type Capture struct {
	db   *DB
	stop sync.Once
	mu   sync.Mutex
	keys map[string]map[string]struct{} // bucket path → keys put or deleted, not replayed yet
	all  map[string]map[string]struct{} // every key captured (Keys)
	seqs map[string]struct{}            // bucket paths whose sequence changed
}

// txCapture is what a transaction holds for captures: its writes (nil unless a capture
// is active) and the reserved ids it allocates from (UseIDs).
type txCapture struct {
	w   *txWrites
	ids *IDs
}

// txWrites are one transaction's writes, handed to the capture only if it commits.
type txWrites struct {
	c    *Capture
	keys map[string]map[string]struct{}
	seqs map[string]struct{}
}

// writes starts the record of a write transaction: nil when no capture is active.
// Called with bbolt's writer lock held, so it orders with StartCapture.
func (s *captureSlot) writes() *txWrites {
	c := s.p.Load()
	if c == nil {
		return nil
	}
	return &txWrites{c: c}
}

func (w *txWrites) key(path string, k []byte) {
	if w.keys == nil {
		w.keys = map[string]map[string]struct{}{}
	}
	m := w.keys[path]
	if m == nil {
		m = map[string]struct{}{}
		w.keys[path] = m
	}
	m[string(k)] = struct{}{}
}

func (w *txWrites) seq(path string) {
	if w.seqs == nil {
		w.seqs = map[string]struct{}{}
	}
	w.seqs[path] = struct{}{}
}

// commit hands a committed transaction's writes to its capture.
func (w *txWrites) commit() {
	if w == nil || (len(w.keys) == 0 && len(w.seqs) == 0) {
		return
	}
	c := w.c
	c.mu.Lock()
	defer c.mu.Unlock()
	addKeys(c.keys, w.keys)
	addKeys(c.all, w.keys)
	for path := range w.seqs {
		c.seqs[path] = struct{}{}
	}
}

func addKeys(dst, src map[string]map[string]struct{}) {
	for path, keys := range src {
		m := dst[path]
		if m == nil {
			m = make(map[string]struct{}, len(keys))
			dst[path] = m
		}
		for k := range keys {
			m[k] = struct{}{}
		}
	}
}

// take hands out the keys not replayed yet, and forgets them.
func (c *Capture) take() map[string]map[string]struct{} {
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.keys
	c.keys = map[string]map[string]struct{}{}
	return k
}

// giveBack returns keys whose replay failed.
func (c *Capture) giveBack(keys map[string]map[string]struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	addKeys(c.keys, keys)
}

// StartCapture starts recording the writes committed to the register: every write
// transaction that commits after it returns is in the capture, and any copy of the
// register taken after it returns misses nothing the capture does not have. Only one
// capture runs at a time: a second waits for the first to end. End it with Stop or
// ReplaceMerged.
func (db *DB) StartCapture() (*Capture, error) {
	db.cap.one.Lock()
	c := &Capture{db: db, keys: map[string]map[string]struct{}{}, all: map[string]map[string]struct{}{}, seqs: map[string]struct{}{}}
	db.mu.RLock()
	defer db.mu.RUnlock()
	// Holding the writer lock: every transaction before has committed, every one after
	// sees the capture when it begins.
	tx, err := db.bolt.Begin(true)
	if err != nil {
		db.cap.one.Unlock()
		return nil, fmt.Errorf("avvio della registrazione delle modifiche non riuscito: %w", err)
	}
	db.cap.p.Store(c)
	tx.Rollback()
	return c, nil
}

// Stop ends the capture without using it (a load abandoned). It may be called again.
func (c *Capture) Stop() {
	c.stop.Do(func() {
		c.db.cap.p.CompareAndSwap(c, nil)
		c.db.cap.one.Unlock()
	})
}

// Keys lists the captured keys of a bucket path, in key order.
func (c *Capture) Keys(path string) [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return sortedKeys(c.all[path])
}

// Sequences lists the bucket paths whose sequence a captured write changed.
func (c *Capture) Sequences() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := make([]string, 0, len(c.seqs))
	for p := range c.seqs {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

func sortedKeys(m map[string]struct{}) [][]byte {
	out := make([][]byte, 0, len(m))
	for k := range m {
		out = append(out, []byte(k))
	}
	sort.Slice(out, func(i, j int) bool { return bytes.Compare(out[i], out[j]) < 0 })
	return out
}

// ReplaceMerged makes scratch (a copy of the register taken after c started, with a
// load written into it) the register, with every write c captured replayed onto it.
// No transaction of the register runs meanwhile. check, if not nil, reads the live
// register first and may refuse the merge (a desk saved what the load also writes):
// then nothing changes. finish is then the last write into scratch, after the replay
// (the audit chain goes on from the live register's head). scratch is closed in every
// case; the caller removes its file when ReplaceMerged fails. c ends.
func (db *DB) ReplaceMerged(c *Capture, scratch *DB, check func(live *Tx, c *Capture) error, finish func(*Tx) error) error {
	defer c.Stop()
	db.mu.Lock()
	defer db.mu.Unlock()
	db.cap.p.CompareAndSwap(c, nil) // no transaction runs: every write since the start is in c
	err := func() error {
		ltx, err := db.bolt.Begin(false)
		if err != nil {
			return err
		}
		defer ltx.Rollback() // before the register is closed below
		if check != nil {
			if err := check(&Tx{tx: ltx, db: db}, c); err != nil {
				return err
			}
		}
		return scratch.Update(func(st *Tx) error {
			if err := c.replay(ltx, st.tx, c.take()); err != nil {
				return err
			}
			return finish(st)
		})
	}()
	if err == nil {
		err = scratch.Sync()
	}
	if cerr := scratch.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return db.replaceLocked(scratch.path)
}

// CatchUp replays onto scratch what c captured so far, while the register's writers go
// on: what they commit from now on is replayed again by ReplaceMerged, which then has
// little left to do while it holds them. If it fails, abandon the load.
func (db *DB) CatchUp(c *Capture, scratch *DB) error {
	keys := c.take()
	db.mu.RLock()
	defer db.mu.RUnlock()
	// Begun after take: a commit it misses is captured again.
	ltx, err := db.bolt.Begin(false)
	if err != nil {
		c.giveBack(keys)
		return err
	}
	defer ltx.Rollback()
	if err := scratch.Update(func(st *Tx) error { return c.replay(ltx, st.tx, keys) }); err != nil {
		c.giveBack(keys)
		return err
	}
	return nil
}

// replay writes onto dst the live value of every key of keys (or its deletion) and
// every captured sequence (the higher of both). Counters keep the higher value: the
// load raises them too.
func (c *Capture) replay(live, dst *bolt.Tx, keys map[string]map[string]struct{}) error {
	c.mu.Lock()
	seqs := make([]string, 0, len(c.seqs))
	for p := range c.seqs {
		seqs = append(seqs, p)
	}
	c.mu.Unlock()
	paths := make([]string, 0, len(keys))
	for p := range keys {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, path := range paths {
		lb := boltBucket(live, path)
		db, err := boltBucketCreate(dst, path)
		if err != nil {
			return err
		}
		var lc *bolt.Cursor
		if lb != nil {
			lc = lb.Cursor()
		}
		for _, k := range sortedKeys(keys[path]) {
			var v []byte
			found := false
			if lc != nil {
				var lk []byte
				lk, v = lc.Seek(k)
				found = bytes.Equal(lk, k)
			}
			switch {
			case !found:
				if err := db.Delete(k); err != nil {
					return fmt.Errorf("%s/%x: %w", path, k, err)
				}
				continue
			case path == "counters" && readU64(db.Get(k)) > readU64(v):
				continue
			}
			if err := db.Put(k, v); err != nil {
				return fmt.Errorf("%s/%x: %w", path, k, err)
			}
		}
	}
	// The side lists of long audit entries (seal.go) are written beside the entry,
	// past the recording buckets: an entry captured brings its own.
	if side := live.Bucket([]byte(bSeals)); side != nil {
		for _, k := range sortedKeys(keys["audit"]) {
			if v := side.Get(k); v != nil {
				db, err := dst.CreateBucketIfNotExists([]byte(bSeals))
				if err != nil {
					return err
				}
				if err := db.Put(k, v); err != nil {
					return err
				}
			}
		}
	}
	for _, path := range seqs {
		lb, db := boltBucket(live, path), boltBucket(dst, path)
		if lb == nil || db == nil || lb.Sequence() <= db.Sequence() {
			continue
		}
		if err := db.SetSequence(lb.Sequence()); err != nil {
			return err
		}
	}
	return nil
}

// boltBucket resolves a bucket path ("passes", "idx/number").
func boltBucket(tx *bolt.Tx, path string) *bolt.Bucket {
	top, nested, ok := strings.Cut(path, "/")
	b := tx.Bucket([]byte(top))
	if ok && b != nil {
		b = b.Bucket([]byte(nested))
	}
	return b
}

func boltBucketCreate(tx *bolt.Tx, path string) (*bolt.Bucket, error) {
	top, nested, ok := strings.Cut(path, "/")
	b, err := tx.CreateBucketIfNotExists([]byte(top))
	if err == nil && ok {
		b, err = b.CreateBucketIfNotExists([]byte(nested))
	}
	return b, err
}

// IDs are ranges of bucket sequences reserved in the live register (Reserve) for a
// load written into a copy of it: the load's transactions take their new ids from
// them (UseIDs), the desks theirs after the ranges, so no key is written by both.
type IDs struct {
	start, next, end map[string]uint64
}

// NewIDs starts an empty set of ranges.
func NewIDs() *IDs {
	return &IDs{start: map[string]uint64{}, next: map[string]uint64{}, end: map[string]uint64{}}
}

// Reserved reports whether id is in the range reserved for bucket: a record of the
// load, not of the register it was copied from.
func (ids *IDs) Reserved(bucket string, id uint64) bool {
	end, ok := ids.end[bucket]
	return ok && id >= ids.start[bucket] && id < end
}

// Reserve sets aside the next n ids of bucket ("passes", "people", "outbox") in ids.
func (t *Tx) Reserve(ids *IDs, bucket string, n uint64) error {
	b := t.bucket(bucket)
	seq := b.Sequence()
	if err := b.SetSequence(seq + n); err != nil {
		return err
	}
	ids.start[bucket], ids.next[bucket], ids.end[bucket] = seq+1, seq+1, seq+n+1
	return nil
}

// Fresh reports whether the range reserved for bucket starts at its first id: the
// register had no record in it when the copy was taken, so the load meets only its own.
func (ids *IDs) Fresh(bucket string) bool {
	_, ok := ids.end[bucket]
	return ok && ids.start[bucket] == 1
}

// Unreserve gives back the ranges of ids (a load abandoned), each one only if no id
// was taken after it meanwhile: then the register's sequences are as before Reserve.
func (t *Tx) Unreserve(ids *IDs) error {
	for bucket, end := range ids.end {
		b := t.bucket(bucket)
		if b.Sequence() != end-1 {
			continue
		}
		if err := b.SetSequence(ids.start[bucket] - 1); err != nil {
			return err
		}
	}
	return nil
}

// UseIDs makes this transaction take the new ids of the reserved buckets from ids.
func (t *Tx) UseIDs(ids *IDs) { t.cap.ids = ids }

var errIDsUsedUp = errors.New("gli identificativi riservati per l'import sono finiti")

// take is the next reserved id of bucket; ok is false when bucket has no range.
func (ids *IDs) take(bucket string) (id uint64, ok bool, err error) {
	end, ok := ids.end[bucket]
	if !ok {
		return 0, false, nil
	}
	id = ids.next[bucket]
	if id >= end {
		return 0, true, fmt.Errorf("%s: %w", bucket, errIDsUsedUp)
	}
	ids.next[bucket] = id + 1
	return id, true, nil
}

// recBucket is a bucket of a transaction: bbolt's, with the writes recorded for a
// capture and the new ids taken from reserved ranges. With neither active, each write
// costs a nil check, and a read nothing.
type recBucket struct {
	*bolt.Bucket
	t    *Tx
	name string
	idx  bool // a nested bucket of idx
}

func (b recBucket) path() string {
	if b.idx {
		return "idx/" + b.name
	}
	return b.name
}

// Put writes a key.
func (b recBucket) Put(k, v []byte) error {
	if err := b.Bucket.Put(k, v); err != nil {
		return err
	}
	if w := b.t.cap.w; w != nil {
		w.key(b.path(), k)
	}
	return nil
}

// Delete removes a key.
func (b recBucket) Delete(k []byte) error {
	if err := b.Bucket.Delete(k); err != nil {
		return err
	}
	if w := b.t.cap.w; w != nil {
		w.key(b.path(), k)
	}
	return nil
}

// NextSequence allocates a new id: from the reserved range when the transaction uses one.
func (b recBucket) NextSequence() (uint64, error) {
	if ids := b.t.cap.ids; ids != nil && !b.idx {
		if id, ok, err := ids.take(b.name); ok {
			return id, err
		}
	}
	n, err := b.Bucket.NextSequence()
	if err == nil {
		if w := b.t.cap.w; w != nil {
			w.seq(b.path())
		}
	}
	return n, err
}

// SetSequence sets the bucket's sequence.
func (b recBucket) SetSequence(v uint64) error {
	if err := b.Bucket.SetSequence(v); err != nil {
		return err
	}
	if w := b.t.cap.w; w != nil {
		w.seq(b.path())
	}
	return nil
}

// Cursor is bbolt's cursor, whose Delete is recorded.
func (b recBucket) Cursor() recCursor {
	c := recCursor{Cursor: b.Bucket.Cursor()}
	if w := b.t.cap.w; w != nil {
		c.rec = &cursorRec{w: w, path: b.path()}
	}
	return c
}

// recCursor remembers, only while its transaction records, the key it stands on.
type recCursor struct {
	*bolt.Cursor
	rec *cursorRec
}

type cursorRec struct {
	w    *txWrites
	path string
	key  []byte
}

func (c recCursor) at(k, v []byte) ([]byte, []byte) {
	if c.rec != nil {
		c.rec.key = append(c.rec.key[:0], k...)
	}
	return k, v
}

func (c recCursor) First() ([]byte, []byte)        { return c.at(c.Cursor.First()) }
func (c recCursor) Last() ([]byte, []byte)         { return c.at(c.Cursor.Last()) }
func (c recCursor) Next() ([]byte, []byte)         { return c.at(c.Cursor.Next()) }
func (c recCursor) Prev() ([]byte, []byte)         { return c.at(c.Cursor.Prev()) }
func (c recCursor) Seek(s []byte) ([]byte, []byte) { return c.at(c.Cursor.Seek(s)) }

// Delete removes the key the cursor stands on.
func (c recCursor) Delete() error {
	if err := c.Cursor.Delete(); err != nil {
		return err
	}
	if c.rec != nil {
		c.rec.w.key(c.rec.path, c.rec.key)
	}
	return nil
}
