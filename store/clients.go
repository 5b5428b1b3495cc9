package store

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// The clients of the HTTP read side (issue 13): gates, police units and other services,
// each with a token kept only as its sha256; and the log of their queries.

// Client is one client of the HTTP API.
type Client struct {
	Name      string    `json:"name"`
	Kind      string    `json:"kind"`             // gate, polizia, servizio
	Comune    string    `json:"comune,omitempty"` // "" = the whole circuit
	TokenHash string    `json:"token_hash"`       // hex sha256 of the token
	Rate      float64   `json:"rate,omitempty"`   // requests a second (0 = the server's default)
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	RevokedAt time.Time `json:"revoked_at,omitzero"`
	RevokedBy string    `json:"revoked_by,omitempty"`
}

// Revoked reports whether the client's token no longer opens anything.
func (c Client) Revoked() bool { return !c.RevokedAt.IsZero() }

// QueryEntry is one query a client made (bucket querylog/, seq(8) keys in time order).
type QueryEntry struct {
	Seq      uint64    `json:"seq"`
	At       time.Time `json:"at"`
	Client   string    `json:"client"`
	Endpoint string    `json:"endpoint"`          // targhe, whitelist.csv, verifica, contrassegni
	Subject  string    `json:"subject,omitempty"` // the plate or the number asked about
	Instant  string    `json:"instant,omitempty"` // the instant or day asked about
	Status   int       `json:"status"`            // HTTP status of the answer
	Answer   string    `json:"answer"`            // the answer in a few words
}

// createClients is migration 9: the clients, their tokens' hashes, the query log.
func createClients(tx *bolt.Tx) error {
	return createBuckets(tx, "clients", "client_tokens", "querylog")
}

// Client reads a client by name.
func (t *Tx) Client(name string) (Client, error) { return get[Client](t, "clients", []byte(name)) }

// ClientByTokenHash finds the client whose token hashes to hash (hex sha256).
func (t *Tx) ClientByTokenHash(hash string) (Client, error) {
	name := t.bucket("client_tokens").Get([]byte(hash))
	if name == nil {
		return Client{}, ErrNotFound
	}
	return t.Client(string(name))
}

// PutClient saves a client and the index of its token's hash.
func (t *Tx) PutClient(c Client) error {
	if old, err := t.Client(c.Name); err == nil && old.TokenHash != c.TokenHash {
		if err := t.bucket("client_tokens").Delete([]byte(old.TokenHash)); err != nil {
			return err
		}
	}
	if err := t.bucket("client_tokens").Put([]byte(c.TokenHash), []byte(c.Name)); err != nil {
		return err
	}
	return put(t, "clients", []byte(c.Name), c)
}

// Clients lists every client by name.
func (t *Tx) Clients() ([]Client, error) {
	var out []Client
	err := t.bucket("clients").ForEach(func(k, v []byte) error {
		var c Client
		if err := json.Unmarshal(v, &c); err != nil {
			return fmt.Errorf("cliente %s illeggibile: %w", k, err)
		}
		out = append(out, c)
		return nil
	})
	return out, err
}

// AppendQueries writes query log entries (their Seq is set here).
func (t *Tx) AppendQueries(es []QueryEntry) error {
	b := t.bucket("querylog")
	b.FillPercent = 1.0 // keys only grow
	for _, e := range es {
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		e.Seq = seq
		raw, err := encodeQuery(&e)
		if err != nil {
			return err
		}
		if err := b.Put(u64(seq), raw); err != nil {
			return err
		}
	}
	return nil
}

// PruneQueries drops the entries older than before, and the oldest beyond max entries
// (max <= 0: no cap); it returns how many went. Entries are in time order, so it stops
// at the first one kept.
func (t *Tx) PruneQueries(before time.Time, max int) (int, error) {
	b := t.bucket("querylog")
	c := b.Cursor()
	lk, _ := c.Last()
	last := readU64(lk)
	n := 0
	for k, v := c.First(); k != nil; k, v = c.First() {
		over := max > 0 && last-readU64(k)+1 > uint64(max) // seqs only grow and go from the front
		if !over {
			var e QueryEntry
			if err := decodeQuery(v, &e); err == nil && !e.At.Before(before) {
				break
			}
		}
		if err := c.Delete(); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}

// Queries calls fn with the entries newest first, until fn returns false.
func (t *Tx) Queries(fn func(QueryEntry) bool) error {
	c := t.bucket("querylog").Cursor()
	for k, v := c.Last(); k != nil; k, v = c.Prev() {
		var e QueryEntry
		if err := decodeQuery(v, &e); err != nil {
			return fmt.Errorf("voce %d del registro delle interrogazioni illeggibile: %w", readU64(k), err)
		}
		if !fn(e) {
			return nil
		}
	}
	return nil
}
