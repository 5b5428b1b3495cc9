package store

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// The audit chain's anchors (M6, issue 12.5, first part): whoever can write the
// database file can recompute its chain, so its head is also written outside it, to a
// log beside the database that is only ever appended to ("<db>.catena", 0600): a line
// "seq hash time" at each backup. `audit verify` checks that every anchored entry is
// still in the chain with its hash: entries removed or rewritten before the last anchor
// show, however well the chain was recomputed.

// AnchorPath is the anchors' log of the database at db.
func AnchorPath(db string) string { return db + ".catena" }

// Anchor is one line of the log.
type Anchor struct {
	Seq  uint64
	Hash string
	At   time.Time
}

// AuditHead is the chain's last entry: its sequence and hash (0, "" when empty).
func (t *Tx) AuditHead() (uint64, string) {
	k, v := t.bucket("audit").Cursor().Last()
	if k == nil {
		return 0, ""
	}
	var e AuditEntry
	if decodeAudit(v, &e) != nil {
		return readU64(k), ""
	}
	return e.Seq, e.Hash
}

// AppendAnchor appends a to the log at path (created 0600), synced.
func AppendAnchor(path string, a Anchor) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return fmt.Errorf("registro delle ancore %s non scrivibile: %w", path, err)
	}
	_, err = fmt.Fprintf(f, "%d %s %s\n", a.Seq, a.Hash, a.At.UTC().Format(time.RFC3339))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

// maxAnchors bounds what is read of the log (one line a backup: years of them).
const maxAnchors = 100000

// ReadAnchors reads the log (none: no file yet).
func ReadAnchors(path string) ([]Anchor, error) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []Anchor
	sc := bufio.NewScanner(io.LimitReader(f, 200*maxAnchors))
	for n := 1; sc.Scan() && len(out) < maxAnchors; n++ {
		parts := strings.Fields(sc.Text())
		if len(parts) != 3 {
			return out, fmt.Errorf("%s, riga %d: attesa «numero impronta data»", path, n)
		}
		seq, err1 := strconv.ParseUint(parts[0], 10, 64)
		at, err2 := time.Parse(time.RFC3339, parts[2])
		if err1 != nil || err2 != nil || len(parts[1]) != 64 {
			return out, fmt.Errorf("%s, riga %d: ancora illeggibile", path, n)
		}
		out = append(out, Anchor{Seq: seq, Hash: parts[1], At: at})
	}
	return out, sc.Err()
}

// CheckAnchors reports the anchored entries that are no longer in the chain as they
// were when anchored.
func (t *Tx) CheckAnchors(anchors []Anchor) []AuditProblem {
	var problems []AuditProblem
	b := t.bucket("audit")
	for _, a := range anchors {
		v := b.Get(u64(a.Seq))
		when := a.At.Format("02/01/2006 15:04")
		if v == nil {
			problems = append(problems, AuditProblem{a.Seq, fmt.Sprintf("la voce ancorata il %s non c'è più (voci rimosse)", when)})
			continue
		}
		var e AuditEntry
		if decodeAudit(v, &e) != nil || e.Hash != a.Hash {
			problems = append(problems, AuditProblem{a.Seq, fmt.Sprintf("la voce ancorata il %s è stata riscritta: la catena è stata ricalcolata", when)})
		}
	}
	return problems
}
