package store

import (
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"

	"vivipass/domain"
)

// This file holds the PEC inbox (V1–V6): the mailbox settings of each comune, the sync
// state of each mailbox folder, and the items (one per message, with its raw bytes
// beside it). The rules (what a message is, when a state may change) live in pec/parse,
// domain and service; here are only records, keys and indexes.

// Mark modes: how the worker marks on the server a message it has stored.
const (
	MarkKeyword = "keyword" // add a keyword (PECConfig.Keyword)
	MarkMove    = "move"    // move it to PECConfig.ArchiveFolder
)

// PECConfig is a comune's mailbox settings. The password is never stored: it is read
// at each connection from PasswordFile, or from the environment (see service).
type PECConfig struct {
	Comune   string `json:"comune"`
	Host     string `json:"host"`
	Port     int    `json:"port"`
	User     string `json:"user"`
	Security string `json:"security"` // tls | starttls | plain
	Folder   string `json:"folder"`   // the folder read (INBOX)
	// Mark is MarkKeyword or MarkMove; ArchiveFolder is where MarkMove moves messages.
	Mark          string `json:"mark"`
	Keyword       string `json:"keyword,omitempty"`
	ArchiveFolder string `json:"archive_folder,omitempty"`
	PasswordFile  string `json:"password_file,omitempty"`
	// CAFile, when set, is the PEM file of the certificates trusted for this server
	// (instead of the system's).
	CAFile string `json:"ca_file,omitempty"`
	// IntervalSeconds is the time between two syncs of the worker (0 = the default).
	IntervalSeconds int  `json:"interval_s,omitempty"`
	Disabled        bool `json:"disabled,omitempty"`

	UpdatedAt time.Time `json:"updated_at"`
	UpdatedBy string    `json:"updated_by"`
	Version   uint64    `json:"version"`
}

// PECSyncState is what the worker remembers of one folder of a comune's mailbox.
type PECSyncState struct {
	// UIDValidity and LastUID: every message with UID <= LastUID under this UIDValidity
	// is stored. When the server's UIDVALIDITY differs, the folder is read again from
	// the start (items are deduplicated by their key, so nothing is doubled).
	UIDValidity uint32 `json:"uidvalidity"`
	LastUID     uint32 `json:"last_uid"`
	// Pending are UIDs (under UIDValidity) stored but not yet marked on the server: the
	// mark goes only after the commit, so a crash between the two leaves them here,
	// and the next sync marks them first.
	Pending []uint32 `json:"pending,omitempty"`

	LastSync  time.Time `json:"last_sync,omitzero"`   // end of the last successful sync
	LastError string    `json:"last_error,omitempty"` // of the last failed attempt, cleared by a success
	ErrorAt   time.Time `json:"error_at,omitzero"`
}

// PECItem is one message of the inbox: what it is, the request it carries (if any),
// and where the desk stands with it. The message itself is in pec_raw under the same id.
type PECItem struct {
	ID     uint64 `json:"id"`
	Comune string `json:"comune"`
	// Key is the parser's idempotency key: one item per key per comune.
	Key  string `json:"key"`
	Kind string `json:"kind"` // request | receipt | anomaly | other | quarantine
	// Type of a request: RINNOVO | DUPLICATO | TARGHE | SPORTELLO (what the app cannot do).
	Type            string   `json:"type,omitempty"`
	SportelloReason string   `json:"sportello_reason,omitempty"`
	Reason          string   `json:"reason,omitempty"` // why a quarantine
	Warnings        []string `json:"warnings,omitempty"`

	State   domain.RequestState `json:"state"`
	Note    string              `json:"note,omitempty"`
	StateAt time.Time           `json:"state_at,omitzero"`
	StateBy string              `json:"state_by,omitempty"`
	// History holds every change of state and of links, oldest first.
	History []PECChange `json:"history,omitempty"`
	// Channel of what the desk creates from this item (P11): App.
	Channel domain.Channel `json:"channel"`

	Received      time.Time `json:"received"`      // when vivipass stored it
	Sent          time.Time `json:"sent,omitzero"` // certification or message date
	Subject       string    `json:"subject,omitempty"`
	Sender        string    `json:"sender,omitempty"` // the real sender (never the envelope From)
	SenderTrusted bool      `json:"sender_trusted,omitempty"`
	Certified     bool      `json:"certified,omitempty"`
	ReceiptType   string    `json:"receipt_type,omitempty"`

	RequestID     string `json:"request_id,omitempty"` // istanza id
	CodiceFiscale string `json:"codice_fiscale,omitempty"`
	Cognome       string `json:"cognome,omitempty"`
	Nome          string `json:"nome,omitempty"`
	PassNumber    string `json:"pass_number,omitempty"`
	// PersonID and PassID link the request to the register (0 = not linked); LinkedBy
	// is "automatico" (by codice fiscale when stored) or the operator who linked it.
	PersonID uint64 `json:"person_id,omitempty"`
	PassID   uint64 `json:"pass_id,omitempty"`
	LinkedBy string `json:"linked_by,omitempty"`

	Attachments []PECAttachment `json:"attachments,omitempty"`

	Size int64 `json:"size"` // of the message on the server
	// Truncated: pec_raw holds only the first bytes (a message over the size limit,
	// kept in quarantine rather than dropped).
	Truncated   bool   `json:"truncated,omitempty"`
	Folder      string `json:"folder"`
	UIDValidity uint32 `json:"uidvalidity"`
	UID         uint32 `json:"uid"`

	Version uint64 `json:"version"`
}

// PECChange is one change the desk made to an item.
type PECChange struct {
	At   time.Time           `json:"at"`
	By   string              `json:"by"`
	From domain.RequestState `json:"from,omitempty"`
	To   domain.RequestState `json:"to,omitempty"`
	Note string              `json:"note,omitempty"`
}

// PECAttachment describes an attachment; the bytes are read again from the raw message.
type PECAttachment struct {
	Type        string `json:"type"`
	Name        string `json:"name"`      // as sent: untrusted, for display only
	SafeName    string `json:"safe_name"` // the only name to use for a file
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
	Damaged     bool   `json:"damaged,omitempty"`
}

// pecIndexNames are the indexes of the inbox (schema 4; see doc.go).
var pecIndexNames = []string{"peckey", "pecstate", "peccf"}

// pecKey makes a parser key safe inside an index key (no 0 byte, bounded length).
func pecKey(k string) string {
	if strings.IndexByte(k, 0) < 0 && len(k) <= 300 {
		return k
	}
	sum := sha256.Sum256([]byte(k))
	return "sha256k:" + hex.EncodeToString(sum[:])
}

func pecIndexEntries(it *PECItem) []indexEntry {
	e := []indexEntry{
		{"peckey", indexKey(it.ID, it.Comune, pecKey(it.Key)), nil},
		{"pecstate", indexKey(it.ID, it.Comune, string(it.State)), nil},
	}
	if it.CodiceFiscale != "" {
		e = append(e, indexEntry{"peccf", indexKey(it.ID, it.CodiceFiscale), nil})
	}
	return e
}

func pecConfigKey(comune string) []byte { return []byte(comune) }

func pecSyncKey(comune, folder string) []byte {
	return append(prefixKey(comune), folder...)
}

// PECConfig reads a comune's mailbox settings (ErrNotFound when none).
func (t *Tx) PECConfig(comune string) (PECConfig, error) {
	return get[PECConfig](t, "pec_config", pecConfigKey(comune))
}

// PutPECConfig writes a comune's mailbox settings.
func (t *Tx) PutPECConfig(c PECConfig) error { return put(t, "pec_config", pecConfigKey(c.Comune), c) }

// PECConfigs lists every configured mailbox, by comune.
func (t *Tx) PECConfigs() ([]PECConfig, error) {
	var out []PECConfig
	err := forEach(t, "pec_config", func(c PECConfig) bool { out = append(out, c); return true })
	return out, err
}

// PECSyncState reads the state of one folder (zero when never synced).
func (t *Tx) PECSyncState(comune, folder string) (PECSyncState, error) {
	s, err := get[PECSyncState](t, "pec_sync", pecSyncKey(comune, folder))
	if err == ErrNotFound {
		return PECSyncState{}, nil
	}
	return s, err
}

// PutPECSyncState writes the state of one folder.
func (t *Tx) PutPECSyncState(comune, folder string, s PECSyncState) error {
	return put(t, "pec_sync", pecSyncKey(comune, folder), s)
}

// PECItemByKey finds the item of comune with that key.
func (t *Tx) PECItemByKey(comune, key string) (uint64, bool) {
	var id uint64
	t.scan("peckey", prefixKey(comune, pecKey(key)), func(i uint64, _ []byte) bool { id = i; return false })
	return id, id != 0
}

// AddPECItem stores a new item and its raw message, with its index entries, and sets
// it.ID. Callers check PECItemByKey first, in the same transaction.
func (t *Tx) AddPECItem(it *PECItem, raw []byte) error {
	id, err := t.bucket("pec_items").NextSequence()
	if err != nil {
		return err
	}
	it.ID = id
	if it.Version == 0 {
		it.Version = 1
	}
	if err := put(t, "pec_items", u64(id), it); err != nil {
		return err
	}
	if err := t.bucket("pec_raw").Put(u64(id), raw); err != nil {
		return err
	}
	return t.replaceIndex(nil, pecIndexEntries(it))
}

// PutPECItem writes a changed item (state, note, links) and moves its index entries.
func (t *Tx) PutPECItem(it *PECItem) error {
	prev, err := t.PECItem(it.ID)
	if err != nil {
		return err
	}
	if err := put(t, "pec_items", u64(it.ID), it); err != nil {
		return err
	}
	return t.replaceIndex(pecIndexEntries(&prev), pecIndexEntries(it))
}

// PECItem reads one item.
func (t *Tx) PECItem(id uint64) (PECItem, error) { return get[PECItem](t, "pec_items", u64(id)) }

// PECRaw returns a copy of the raw message of an item (nil when missing).
func (t *Tx) PECRaw(id uint64) []byte {
	v := t.bucket("pec_raw").Get(u64(id))
	if v == nil {
		return nil
	}
	return append([]byte(nil), v...)
}

// PECItemIDs lists the items of comune ("" = every comune) in id order, newest last.
func (t *Tx) PECItemIDs(comune string) []uint64 {
	if comune == "" {
		var out []uint64
		c := t.bucket("pec_items").Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			out = append(out, readU64(k))
		}
		return out
	}
	ids := t.ids("peckey", prefixKey(comune))
	slices.Sort(ids)
	return ids
}

// PECItemIDsByState lists the items of comune in a state.
func (t *Tx) PECItemIDsByState(comune string, st domain.RequestState) []uint64 {
	return t.ids("pecstate", prefixKey(comune, string(st)))
}

// PECItemIDsByCF lists the items about a codice fiscale (every comune).
func (t *Tx) PECItemIDsByCF(cf string) []uint64 { return t.ids("peccf", prefixKey(cf)) }

// ForEachPECItem calls fn for every item in id order until it returns false.
func (t *Tx) ForEachPECItem(fn func(PECItem) bool) error { return forEach(t, "pec_items", fn) }
