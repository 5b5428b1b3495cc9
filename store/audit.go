package store

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"

	"vivipass/domain"
)

// AuditEntry is one change (M6): who, when, what, channel. Entries form a hash chain:
// Hash = sha256(Prev || JSON of the entry with Hash empty), so a changed or removed
// entry breaks every hash after it. Changes is optional and omitted when empty, so the
// JSON, and the hash, of an entry written before it existed are what they were. The
// entry is stored in a compact form that gives back that JSON (auditcodec.go).
type AuditEntry struct {
	Seq      uint64         `json:"seq"`
	At       time.Time      `json:"at"`
	Operator string         `json:"operator"`
	Comune   string         `json:"comune,omitempty"`
	Channel  domain.Channel `json:"channel,omitempty"`
	Action   string         `json:"action"`
	Subject  string         `json:"subject"`
	Lineage  uint64         `json:"lineage,omitempty"`
	Detail   string         `json:"detail,omitempty"`
	// Changes are the fields the change touched, before and after (T5), as the
	// operator read them then; none on entries older than the field.
	Changes []FieldChange `json:"changes,omitempty"`
	// Records are the records the operation wrote, "p/ID:hash" (pass version) or
	// "q/ID:hash" (person); Sealed names the side list when there are many (seal.go).
	Records []string `json:"records,omitempty"`
	Sealed  *SealRef `json:"sealed,omitempty"`
	Prev    string   `json:"prev"`
	Hash    string   `json:"hash"`
	// MAC authenticates Hash with a key kept outside the database: "keyid:hex".
	MAC string `json:"mac,omitempty"`
}

// FieldChange is one field of a change: its Italian name and its value before and
// after, as text ("" = no value: a field set for the first time, or cleared).
type FieldChange struct {
	Field  string `json:"field"`
	Before string `json:"before,omitempty"`
	After  string `json:"after,omitempty"`
}

// Digest is the entry's chain hash (what Hash should be).
func (e AuditEntry) Digest() string { return e.digest() }

func (e AuditEntry) digest() string {
	e.Hash, e.MAC = "", ""
	var buf [1024]byte
	raw, ok := appendAuditJSON(buf[:0], &e)
	if !ok {
		raw, _ = json.Marshal(e)
	}
	h := sha256.New()
	h.Write([]byte(e.Prev))
	h.Write(raw)
	return hex.EncodeToString(h.Sum(nil))
}

// Audit appends an entry to the chain (and to the lineage's history if it has one).
func (t *Tx) Audit(e AuditEntry) (AuditEntry, error) {
	seq, err := t.bucket("audit").NextSequence()
	if err != nil {
		return e, err
	}
	e.Seq = seq
	if e.At.IsZero() {
		e.At = time.Now()
	}
	e.At = e.At.UTC().Round(time.Microsecond)
	e.Prev = string(t.bucket("meta").Get([]byte("audit_head")))
	if err := t.attachRecords(&e); err != nil {
		return e, err
	}
	if err := t.seal(&e); err != nil {
		return e, err
	}
	t.lastAudit = seq
	if e.Lineage != 0 {
		if err := t.index("auditpass").Put(append(u64(e.Lineage), u64(seq)...), nil); err != nil {
			return e, err
		}
	}
	return e, nil
}

// History is the audit entries of a pass lineage, oldest first (T5).
func (t *Tx) History(lineage uint64) ([]AuditEntry, error) {
	var out []AuditEntry
	var err error
	t.scan("auditpass", u64(lineage), func(seq uint64, _ []byte) bool {
		var e AuditEntry
		e, err = t.auditEntry(seq)
		out = append(out, e)
		return err == nil
	})
	return out, err
}

// AuditTail returns the last n entries, newest first.
func (t *Tx) AuditTail(n int) ([]AuditEntry, error) {
	var out []AuditEntry
	c := t.bucket("audit").Cursor()
	for k, v := c.Last(); k != nil && len(out) < n; k, v = c.Prev() {
		var e AuditEntry
		if err := decodeAudit(v, &e); err != nil {
			return out, recordError("audit", k, err)
		}
		out = append(out, e)
	}
	return out, nil
}

// AuditProblem is a break of the chain found by VerifyAudit.
type AuditProblem struct {
	Seq     uint64
	Message string
}

// VerifyAudit walks the chain and reports every entry whose hash or link is wrong,
// entries missing from the sequence and, when the database has its keys, every entry
// and head whose MAC is missing or wrong. n is the number of entries checked.
func (t *Tx) VerifyAudit() (n int, problems []AuditProblem) {
	prev, last := "", uint64(0)
	var want uint64 = 1
	keys := t.db.auditKeys()
	c := t.bucket("audit").Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		n++
		seq := readU64(k)
		if seq != want {
			problems = append(problems, AuditProblem{seq, fmt.Sprintf("mancano le voci da %d a %d", want, seq-1)})
		}
		want = seq + 1
		var e AuditEntry
		if err := decodeAudit(v, &e); err != nil {
			problems = append(problems, AuditProblem{seq, "voce illeggibile: " + err.Error()})
			prev = ""
			continue
		}
		if e.Prev != prev {
			problems = append(problems, AuditProblem{seq, "collegamento alla voce precedente non valido"})
		}
		if e.digest() != e.Hash {
			problems = append(problems, AuditProblem{seq, "contenuto alterato: l'impronta non corrisponde"})
		}
		if p := keys.checkEntry(&e); p != "" {
			problems = append(problems, AuditProblem{seq, p})
		}
		prev, last = e.Hash, seq
	}
	meta := t.bucket("meta")
	if head := string(meta.Get([]byte("audit_head"))); head != prev {
		problems = append(problems, AuditProblem{want, "l'ultima voce non corrisponde alla testa registrata (voci finali rimosse?)"})
	}
	if p := keys.checkHead(last, prev, string(meta.Get([]byte("audit_head_mac")))); p != "" {
		problems = append(problems, AuditProblem{last, p})
	}
	return n, problems
}
