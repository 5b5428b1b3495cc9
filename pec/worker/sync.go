package worker

import (
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sync"

	"github.com/emersion/go-imap/v2"
	"github.com/emersion/go-imap/v2/imapclient"

	"vivipass/pec/parse"
)

// State is what the sink remembers of a folder (see store.PECSyncState).
type State struct {
	UIDValidity uint32
	LastUID     uint32
	// Pending are UIDs committed but not yet marked on the server.
	Pending []uint32
}

// Message is one fetched message and what the parser made of it.
type Message struct {
	UID  uint32
	Size int64 // on the server
	// Raw is the message as fetched; only its first bytes when Truncated (a message
	// over the size limit: Result is then parse.Truncated's quarantine).
	Raw       []byte
	Truncated bool
	Result    parse.Result
}

// Sink stores what the worker fetches. The service implements it over bbolt.
type Sink interface {
	// State reads the folder's state (zero when never synced).
	State(folder string) (State, error)
	// Commit stores msgs and st in ONE transaction: a message already known by its
	// Result.Key is not stored again. It reports how many were new. msgs may be empty
	// (only the state changes).
	Commit(folder string, msgs []Message, st State) (added int, err error)
}

// Stats tell what one sync did.
type Stats struct {
	Listed    int   // new messages found on the server
	Fetched   int   // fetched and committed
	Added     int   // new items (the others were already stored: same key)
	Truncated int   // over the size limit: kept in quarantine with their first bytes
	Missing   int   // listed, then gone before they could be fetched
	Marked    int   // marked on the server (keyword or move), pending ones included
	Bytes     int64 // fetched
	Resync    bool  // UIDVALIDITY changed: the folder was read again from the start
	LastUID   uint32
	Validity  uint32
	Batches   int
}

// Progress is called after each commit with the number of messages fetched and
// stored so far in this sync.
type Progress func(stored int)

// Sync fetches what is new in the folder, hands it to the sink batch by batch and
// marks it on the server after each commit (see doc.go). On error the session must be
// closed: its connection may be half way through a command.
func (s *Session) Sync(ctx context.Context, sink Sink, progress Progress) (Stats, error) {
	var st Stats
	err := s.guard(ctx, func() error { return s.sync(ctx, sink, progress, &st) })
	return st, redact(err, s.cfg.Password)
}

func (s *Session) sync(ctx context.Context, sink Sink, progress Progress, stats *Stats) error {
	folder := s.cfg.Folder
	sel, err := s.c.Select(folder, nil).Wait()
	if err != nil {
		return fmt.Errorf("cartella %s non disponibile: %w", folder, err)
	}
	if sel.UIDValidity == 0 {
		return fmt.Errorf("il server non indica UIDVALIDITY per %s: impossibile sincronizzare senza doppioni", folder)
	}
	if err := s.prepare(sel); err != nil {
		return err
	}
	state, err := sink.State(folder)
	if err != nil {
		return fmt.Errorf("stato della sincronizzazione illeggibile: %w", err)
	}
	dirty := false
	if state.UIDValidity != sel.UIDValidity {
		// A new UIDVALIDITY (mailbox recreated, server migrated): the old UIDs mean
		// nothing. Read everything again; the sink knows what it has by key.
		stats.Resync = state.UIDValidity != 0
		state = State{UIDValidity: sel.UIDValidity}
		dirty = true
	}
	stats.Validity = sel.UIDValidity
	if len(state.Pending) > 0 {
		if err := s.mark(toUIDs(state.Pending)); err != nil {
			return err
		}
		stats.Marked += len(state.Pending)
		state.Pending = nil
		dirty = true
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		list, err := s.list(imap.UID(state.LastUID))
		if err != nil {
			return err
		}
		if len(list) == 0 {
			break
		}
		stats.Listed += len(list)
		for _, b := range plan(list, s.cfg.BatchMessages, s.cfg.BatchBytes, s.cfg.Parse.MaxSize) {
			if err := ctx.Err(); err != nil {
				return err
			}
			msgs, err := s.fetch(b)
			if err != nil {
				return err
			}
			state.LastUID = uint32(b.last)
			state.Pending = state.Pending[:0]
			for _, m := range msgs {
				state.Pending = append(state.Pending, m.UID)
				stats.Bytes += int64(len(m.Raw))
				if m.Truncated {
					stats.Truncated++
				}
			}
			stats.Missing += len(b.uids) - len(msgs)
			added, err := sink.Commit(folder, msgs, state)
			if err != nil {
				return fmt.Errorf("salvataggio dei messaggi non riuscito (nulla marcato sul server): %w", err)
			}
			stats.Batches++
			stats.Fetched += len(msgs)
			stats.Added += added
			if progress != nil {
				progress(stats.Fetched)
			}
			if err := s.mark(toUIDs(state.Pending)); err != nil {
				return err
			}
			stats.Marked += len(state.Pending)
			state.Pending = nil
			dirty = true
		}
	}
	stats.LastUID = state.LastUID
	if dirty {
		if _, err := sink.Commit(folder, nil, state); err != nil {
			return fmt.Errorf("salvataggio dello stato non riuscito: %w", err)
		}
	}
	return nil
}

func toUIDs(u []uint32) []imap.UID {
	out := make([]imap.UID, len(u))
	for i, v := range u {
		out[i] = imap.UID(v)
	}
	return out
}

// batch is a set of UIDs fetched with one command and committed in one transaction.
type batch struct {
	uids      []imap.UID
	last      imap.UID
	truncated bool // over the size limit: fetch only the first parse.HeadSize bytes
}

// plan splits a listing (in UID order) into batches of at most maxMsgs messages and
// maxBytes bytes (a single message over maxBytes goes alone); a message over maxSize
// goes alone, truncated.
func plan(list []uidSize, maxMsgs int, maxBytes, maxSize int64) []batch {
	var out []batch
	var cur batch
	var bytes int64
	flush := func() {
		if len(cur.uids) > 0 {
			out = append(out, cur)
		}
		cur, bytes = batch{}, 0
	}
	for _, m := range list {
		if m.size > maxSize {
			flush()
			out = append(out, batch{uids: []imap.UID{m.uid}, last: m.uid, truncated: true})
			continue
		}
		if len(cur.uids) > 0 && (len(cur.uids) >= maxMsgs || bytes+m.size > maxBytes) {
			flush()
		}
		cur.uids = append(cur.uids, m.uid)
		cur.last = m.uid
		bytes += m.size
	}
	flush()
	return out
}

// fetch reads one batch with BODY.PEEK[] (never setting \Seen) and parses each
// message while the next ones arrive.
func (s *Session) fetch(b batch) ([]Message, error) {
	sec := &imap.FetchItemBodySection{Peek: true}
	if b.truncated {
		sec.Partial = &imap.SectionPartial{Offset: 0, Size: parse.HeadSize}
	}
	cmd := s.c.Fetch(imap.UIDSetNum(b.uids...), &imap.FetchOptions{
		UID: true, RFC822Size: true, BodySection: []*imap.FetchItemBodySection{sec},
	})
	var (
		msgs []*Message
		wg   sync.WaitGroup
		sem  = make(chan struct{}, runtime.GOMAXPROCS(0))
	)
	var readErr error
	for m := cmd.Next(); m != nil; m = cmd.Next() {
		msg := &Message{Truncated: b.truncated}
		got := false
		for item := m.Next(); item != nil; item = m.Next() {
			switch d := item.(type) {
			case imapclient.FetchItemDataUID:
				msg.UID = uint32(d.UID)
			case imapclient.FetchItemDataRFC822Size:
				msg.Size = d.Size
			case imapclient.FetchItemDataBodySection:
				if d.Literal == nil {
					continue
				}
				raw, truncated, err := readLiteral(d.Literal, s.cfg.Parse.MaxSize)
				if err != nil {
					readErr = fmt.Errorf("lettura del messaggio non riuscita: %w", err)
					continue
				}
				msg.Raw, got = raw, true
				msg.Truncated = msg.Truncated || truncated
			}
		}
		if !got || msg.UID == 0 {
			continue // a flags-only update, or a message without its body
		}
		msgs = append(msgs, msg)
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer func() { <-sem; wg.Done() }()
			msg.parse(s.cfg.Parse)
		}()
	}
	err := cmd.Close()
	wg.Wait()
	if err == nil {
		err = readErr
	}
	if err != nil {
		return nil, fmt.Errorf("scaricamento dei messaggi non riuscito: %w", err)
	}
	out := make([]Message, 0, len(msgs))
	seen := map[uint32]bool{}
	for _, m := range msgs {
		if !seen[m.UID] && b.contains(imap.UID(m.UID)) {
			seen[m.UID] = true
			out = append(out, *m)
		}
	}
	return out, nil
}

func (b batch) contains(u imap.UID) bool {
	for _, v := range b.uids {
		if v == u {
			return true
		}
	}
	return false
}

// readLiteral reads a message body; one larger than maxSize (a server whose
// RFC822.SIZE was wrong) is cut to its first parse.HeadSize bytes.
func readLiteral(lit imap.LiteralReader, maxSize int64) (raw []byte, truncated bool, err error) {
	n := lit.Size()
	if n > maxSize {
		raw = make([]byte, parse.HeadSize)
		k, err := io.ReadFull(lit, raw)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, false, err
		}
		return raw[:k], true, nil // the rest is discarded by the client
	}
	raw = make([]byte, n)
	if _, err := io.ReadFull(lit, raw); err != nil {
		return nil, false, err
	}
	return raw, false, nil
}

func (m *Message) parse(opts parse.Options) {
	if m.Truncated {
		size := m.Size
		if size < int64(len(m.Raw)) {
			size = int64(len(m.Raw))
		}
		m.Result = parse.Truncated(m.Raw, size, opts)
		return
	}
	m.Result = parse.Parse(m.Raw, opts)
	if m.Size == 0 {
		m.Size = int64(len(m.Raw))
	}
}
