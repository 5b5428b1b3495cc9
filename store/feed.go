package store

import (
	"errors"
	"fmt"
	"sort"
)

// The whitelist's change feed (T6, issue 13): a gate that keeps its own copy of the
// list follows it instead of taking the whole list again. Each committed transaction
// that wrote a pass version or a person adds, in the same transaction, one change per
// pass lineage it touched: the lineage's rows as they are now, replacing what the gate
// had for it. The sequence is monotonic; the oldest changes are pruned, and a gate
// asking from before what is kept must take the full list again (FeedFloor).

// FeedChange replaces everything a gate holds for one pass lineage.
type FeedChange struct {
	Seq     uint64 `json:"seq"`
	Lineage uint64 `json:"contrassegno"`
	// Numbers are every number the lineage's cards carry or carried: a gate that
	// took the full list (which has no lineage) drops the rows with these numbers.
	Numbers []string  `json:"numeri"`
	Rows    []FeedRow `json:"righe"`
}

// FeedRow is one plate authorised by one version of the pass, in a window: the
// columns of the whitelist without its status.
type FeedRow struct {
	Plate   string `json:"targa"`
	Country string `json:"nazione"`
	From    string `json:"dal"`
	To      string `json:"al"`
	Class   string `json:"classe"`
	Number  string `json:"numero"`
	Comune  string `json:"comune"`
}

// FeedHook makes the changes of a committing transaction: passes are the newest
// version it wrote of each lineage, people the people it wrote (the service knows the
// rules of the list).
type FeedHook func(t *Tx, passes, people []uint64) ([]FeedChange, error)

// SetFeedHook installs the hook that feeds the whitelist's changes.
func (db *DB) SetFeedHook(h FeedHook) { db.feed.Store(&h) }

const bFeed = "wlfeed"

// feedKeep is how many changes are kept; older ones are pruned every 1000.
var feedKeep uint64 = 200_000

// ErrFeedGone: the changes asked for are older than what is kept (HTTP 410).
var ErrFeedGone = errors.New("modifiche non più disponibili: scaricare di nuovo la lista completa")

// noteFeed records what a write touched, for the feed at commit: a pass version (its
// lineage and id) or a person.
func (t *Tx) noteFeed(lineage, id, person uint64) {
	if t.db == nil || t.db.feed.Load() == nil {
		return // no change feed on this file (an import's copy): nothing to note per row
	}
	if t.feedLineages == nil {
		t.feedLineages, t.feedPeople = map[uint64]uint64{}, map[uint64]bool{}
	}
	if lineage != 0 && id > t.feedLineages[lineage] {
		t.feedLineages[lineage] = id
	}
	if person != 0 {
		t.feedPeople[person] = true
	}
}

// writeFeed runs before commit (after the caller's function).
func (t *Tx) writeFeed() error {
	p := t.db.feed.Load()
	if p == nil || *p == nil || len(t.feedLineages)+len(t.feedPeople) == 0 {
		return nil
	}
	newest := make([]uint64, 0, len(t.feedLineages))
	for _, id := range t.feedLineages {
		newest = append(newest, id)
	}
	sort.Slice(newest, func(i, j int) bool { return newest[i] < newest[j] })
	people := make([]uint64, 0, len(t.feedPeople))
	for id := range t.feedPeople {
		people = append(people, id)
	}
	sort.Slice(people, func(i, j int) bool { return people[i] < people[j] })
	t.feedLineages, t.feedPeople = nil, nil
	changes, err := (*p)(t, newest, people)
	if err != nil {
		return err
	}
	return t.AppendFeed(changes)
}

// AppendFeed adds changes with the next sequences, pruning the oldest beyond feedKeep.
func (t *Tx) AppendFeed(changes []FeedChange) error {
	if len(changes) == 0 {
		return nil
	}
	b := t.bucket(bFeed)
	for _, c := range changes {
		var err error
		if c.Seq, err = b.NextSequence(); err != nil {
			return err
		}
		raw, err := encodeFeed(&c)
		if err != nil {
			return err
		}
		if err := b.Put(u64(c.Seq), raw); err != nil {
			return err
		}
	}
	if head := b.Sequence(); head%1000 == 0 || head%1000 < uint64(len(changes)) {
		return t.pruneFeed(b, head)
	}
	return nil
}

// pruneFeed deletes the changes older than the last feedKeep and moves the floor.
func (t *Tx) pruneFeed(b recBucket, head uint64) error {
	if head <= feedKeep {
		return nil
	}
	floor := head - feedKeep + 1
	var old [][]byte
	c := b.Cursor()
	for k, _ := c.First(); k != nil && readU64(k) < floor; k, _ = c.Next() {
		old = append(old, append([]byte(nil), k...))
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return t.setFeedFloor(floor)
}

// ResetFeed starts the feed over from the next change: a bulk import writes too much
// for a gate to follow change by change, so every gate takes the full list again.
// It takes a sequence of its own, so a gate at the head before it is behind too.
func (t *Tx) ResetFeed() error {
	seq, err := t.bucket(bFeed).NextSequence()
	if err != nil {
		return err
	}
	return t.setFeedFloor(seq + 1)
}

func (t *Tx) setFeedFloor(floor uint64) error {
	return t.bucket("meta").Put([]byte("wlfeed_floor"), u64(floor))
}

// FeedHead is the sequence of the last change (0: none yet).
func (t *Tx) FeedHead() uint64 { return t.bucket(bFeed).Sequence() }

// FeedFloor is the first change kept: a gate at since >= FeedFloor-1 can follow.
func (t *Tx) FeedFloor() uint64 { return readU64(t.bucket("meta").Get([]byte("wlfeed_floor"))) }

// Feed lists up to max changes after since, and the head. A since before what is
// kept is ErrFeedGone; a since after the head is an error too (a gate of another
// register).
func (t *Tx) Feed(since uint64, max int) (changes []FeedChange, head uint64, err error) {
	head = t.FeedHead()
	if floor := t.FeedFloor(); floor > 0 && since+1 < floor {
		return nil, head, ErrFeedGone
	}
	if since > head {
		return nil, head, fmt.Errorf("sequenza %d oltre l'ultima modifica (%d): lista di un altro registro? scaricare la lista completa", since, head)
	}
	c := t.bucket(bFeed).Cursor()
	for k, v := c.Seek(u64(since + 1)); k != nil && len(changes) < max; k, v = c.Next() {
		var ch FeedChange
		if err := decodeFeed(v, &ch); err != nil {
			return nil, head, fmt.Errorf("modifica %d illeggibile: %w", readU64(k), err)
		}
		changes = append(changes, ch)
	}
	return changes, head, nil
}
