package service

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"vivipass/store"
)

// BackupOutcome is what the last copy of the register did (M7): shown on the
// administrators' Home, a failure in red until the next success.
type BackupOutcome struct {
	At          time.Time     `json:"at"`                    // when the copy was made
	File        string        `json:"file"`                  // where it was written
	Size        int64         `json:"size"`                  // bytes
	Passes      int           `json:"passes"`                // pass versions in the copy
	Took        time.Duration `json:"took"`                  // writing and checking
	Err         string        `json:"error,omitempty"`       // Italian; empty = the copy is written and verified
	LastSuccess time.Time     `json:"last_success,omitzero"` // the last verified copy, whatever this one did
	// AuditSeq and AuditHead are the audit chain's head when the copy was made, also
	// appended to the anchors' log beside the database (M6, 12.5).
	AuditSeq  uint64 `json:"audit_seq,omitempty"`
	AuditHead string `json:"audit_head,omitempty"`
}

// OK reports whether the copy was written and verified.
func (o BackupOutcome) OK() bool { return o.Err == "" }

const backupMetaKey = "backup_last"

// CopyVerifier checks a copy of the register (every index and the audit chain) and
// counts its pass versions: store.VerifyFile, or the same in a process of its own.
type CopyVerifier func(path string) (problems []store.Problem, passes int, err error)

// WithCopyVerifier checks backups with v. The server verifies them in a child process:
// rebuilding a region's indexes allocates hundreds of MB, and in the server's own heap
// the collector would make the typing sessions pay for it.
func WithCopyVerifier(v CopyVerifier) Option { return func(s *Service) { s.copyVerifier = v } }

func (s *Service) verifyCopy(path string) ([]store.Problem, int, error) { return s.copyVerifier(path) }

// BackupTo writes a hot copy of the register to path (M7) while operators keep working,
// then verifies the copy (every index and the audit chain, store.VerifyFile): a copy
// that does not verify is removed and the outcome is a failure. The outcome is recorded
// for the administrators' Home. The server's administrator only: path names a file of
// the server.
func (s *Service) BackupTo(a Actor, path string) (BackupOutcome, error) {
	if a.Comune != "" || !a.Admin() {
		return BackupOutcome{}, ErrForbidden
	}
	start := s.now()
	o := BackupOutcome{At: start, File: path}
	// The head anchored is one the copy holds: taken before it.
	seq, head, err := s.AnchorAudit()
	inBackground(func() {
		if err != nil {
			return
		}
		var size int64
		if size, err = s.db.BackupFile(path); err != nil {
			return
		}
		o.Size = size
		var problems []store.Problem
		problems, o.Passes, err = s.verifyCopy(path)
		if err == nil && len(problems) > 0 {
			err = fmt.Errorf("la copia %s non è coerente (%d problemi, es. %s: %s): copia eliminata", path, len(problems), problems[0].Index, problems[0].Message)
		}
		if err != nil {
			removeFile(path)
		}
	})
	o.Took = s.now().Sub(start)
	if err == nil {
		o.AuditSeq, o.AuditHead = seq, head
	}
	if err != nil {
		o.Err = err.Error()
	}
	if rerr := s.recordBackup(&o); rerr != nil && err == nil {
		err = rerr
	}
	return o, err
}

// recordBackup stores the outcome, carrying the last success over a failure, and tells
// every session (the Home of administrators shows it).
func (s *Service) recordBackup(o *BackupOutcome) error {
	return s.update(func(tx *store.Tx, ev *[]Event) error {
		var prev BackupOutcome
		if b := tx.Meta(backupMetaKey); b != nil {
			_ = json.Unmarshal(b, &prev) // an unreadable old outcome is simply replaced
		}
		if o.OK() {
			o.LastSuccess = o.At
		} else {
			o.LastSuccess = prev.LastSuccess
		}
		b, err := json.Marshal(o)
		if err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{})
		return tx.PutMeta(backupMetaKey, b)
	})
}

// LastBackup is the outcome of the last copy; ok is false when none was ever made.
func (s *Service) LastBackup() (o BackupOutcome, ok bool, err error) {
	err = s.view(func(tx *store.Tx) error {
		if b := tx.Meta(backupMetaKey); b != nil {
			ok = json.Unmarshal(b, &o) == nil
		}
		return nil
	})
	return o, ok, err
}

func removeFile(path string) { _ = os.Remove(path) }
