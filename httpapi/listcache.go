package httpapi

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"sync"
	"sync/atomic"

	"vivipass/domain"
	"vivipass/service"
)

// maxLists bounds the full lists kept in memory: today's and a few other days asked
// for (about 15 MB plain and 3 MB gzip'd each for 200,000 plates).
const maxLists = 4

// list is the whitelist of one day from one snapshot of the register, in memory: a
// gate that reads it slowly holds no transaction (a bbolt reader open for minutes
// would stall the writers that grow the file, and an import's swap).
type list struct {
	tag  string // ETag without quotes: the snapshot (audit head, feed sequence) and the day
	day  domain.Date
	csv  []byte
	rows int
	seq  uint64

	gzOnce sync.Once
	gz     []byte // made the first time a gate asks for gzip
	gzErr  error
}

// gzipped is the list compressed, made once.
func (l *list) gzipped() ([]byte, error) {
	l.gzOnce.Do(func() {
		var b bytes.Buffer
		b.Grow(len(l.csv) / 4)
		zw, _ := gzip.NewWriterLevel(&b, gzip.BestSpeed)
		if _, l.gzErr = zw.Write(l.csv); l.gzErr == nil {
			l.gzErr = zw.Close()
		}
		l.gz = b.Bytes()
	})
	return l.gz, l.gzErr
}

// listTag names the list of day in the snapshot (head, seq).
func listTag(head string, seq uint64, day domain.Date) string {
	sum := sha256.Sum256([]byte(head + "|" + strconv.FormatUint(seq, 10) + "|" + day.ISO()))
	return hex.EncodeToString(sum[:12])
}

// listCache keeps the last lists built, at most maxLists, one per day; concurrent
// first requests for the same snapshot build it once.
type listCache struct {
	svc      *service.Service
	mu       sync.Mutex
	lists    []*list // oldest first
	building map[string]*build
	builds   atomic.Int64 // lists built (tests)
}

type build struct {
	done chan struct{}
	l    *list
	err  error
}

func newListCache(svc *service.Service) *listCache {
	return &listCache{svc: svc, building: map[string]*build{}}
}

// get is the list named tag (read with WhitelistVersion just before), built if no
// other request has. When the register changed in between, the list built is of the
// newer snapshot, with its own tag: what is sent always says what it is.
func (lc *listCache) get(tag string, day domain.Date, a service.Actor) (*list, error) {
	lc.mu.Lock()
	for _, l := range lc.lists {
		if l.tag == tag {
			lc.mu.Unlock()
			return l, nil
		}
	}
	if b, ok := lc.building[tag]; ok {
		lc.mu.Unlock()
		<-b.done
		return b.l, b.err
	}
	b := &build{done: make(chan struct{})}
	lc.building[tag] = b
	hint := 0
	for _, l := range lc.lists {
		hint = max(hint, len(l.csv)+len(l.csv)/16)
	}
	lc.mu.Unlock()

	defer func() {
		lc.mu.Lock()
		delete(lc.building, tag)
		lc.mu.Unlock()
		close(b.done)
	}()
	lc.builds.Add(1)
	wl, err := lc.svc.WhitelistList(a, day, hint)
	if err != nil {
		b.err = err
		return nil, err
	}
	b.l = &list{tag: listTag(wl.Head, wl.Seq, day), day: day, csv: wl.CSV, rows: wl.Rows, seq: wl.Seq}
	lc.put(b.l)
	return b.l, nil
}

// put keeps l in place of the day's older list, dropping the oldest beyond maxLists.
func (lc *listCache) put(l *list) {
	lc.mu.Lock()
	defer lc.mu.Unlock()
	kept := make([]*list, 0, maxLists+1)
	for _, o := range lc.lists {
		if o.day != l.day {
			kept = append(kept, o)
		}
	}
	kept = append(kept, l)
	lc.lists = kept[max(0, len(kept)-maxLists):]
}
