package service

import (
	"fmt"

	"vivipass/keyring"
	"vivipass/store"
)

// metaSealed names the register key whose first entry sealed every record.
const metaSealed = "audit_sealed"

// ensureSealed loads the keys that authenticate the audit chain (M6, issue 12.5) from
// their files beside the register, making the first one if there is none, and seals
// the records already in the register with an entry of its own, once per key
// folder: from then on every record is tied to the entry that wrote it. writing: the
// caller is about to write (a check alone does not write into an empty register).
func (s *Service) ensureSealed(writing bool) error {
	if s.sealed.Load() {
		return nil
	}
	s.sealMu.Lock()
	defer s.sealMu.Unlock()
	if s.sealed.Load() || s.db.ReadOnly() {
		return nil
	}
	ring := s.keyRing()
	keys, err := ring.RegisterKeys()
	if err != nil {
		return err
	}
	var head uint64
	var sealedBy string
	var records int
	var recoded string
	if err := s.view(func(tx *store.Tx) error {
		head, _ = tx.AuditHead()
		sealedBy = string(tx.Meta(metaSealed))
		recoded = tx.ResealPending()
		records = tx.PassCount() + tx.PersonCount()
		return nil
	}); err != nil {
		return err
	}
	if len(keys) == 0 {
		if !writing {
			return nil // a check makes no key: AuditVerify says what it cannot check
		}
		// A register whose entries were authenticated by a key that is not here (the
		// folder not copied with the database) goes on with a new one: its older
		// entries stay unverifiable, and audit verify says so at every check.
		k, err := ring.NewRegisterKey(head + 1)
		if err != nil {
			return err
		}
		keys = append(keys, k)
	}
	sk := make([]store.AuditKey, len(keys))
	for i, k := range keys {
		sk[i] = store.AuditKey{ID: k.ID, Secret: k.Secret, From: k.From}
	}
	s.db.SetAuditKeys(sk)
	active := keys[len(keys)-1]
	if sealedBy != active.ID {
		if records == 0 && head == 0 && !writing {
			return nil // an empty register: sealed by its first write, not by a check
		}
		detail := fmt.Sprintf("%d record sigillati; da qui ogni voce è autenticata con una chiave fuori dal database (in %s)",
			records, ring.Dir())
		if recoded != "" {
			// Issue 14.1: a migration re-encoded every record; the entries before it
			// name their older bytes, this one their new ones.
			detail = fmt.Sprintf("%d record sigillati di nuovo dopo la ricodifica della migrazione %s (codifica compatta); "+
				"le voci precedenti restano verificabili, i record ora si confrontano con questa", records, recoded)
		}
		s.writeMu.Lock()
		err := s.db.Update(func(tx *store.Tx) error {
			if records > 0 || head > 0 {
				if _, err := tx.SealAll(store.AuditEntry{At: s.now(), Operator: "sistema", Action: "sigillo del registro",
					Subject: "chiave " + active.ID, Detail: detail}); err != nil {
					return err
				}
			}
			return tx.PutMeta(metaSealed, []byte(active.ID))
		})
		s.writeMu.Unlock()
		if err != nil {
			return err
		}
	}
	s.sealed.Store(true)
	return nil
}

// RegisterKeys are the keys of the audit chain (for `audit verify`'s report).
func (s *Service) RegisterKeys() ([]keyring.RegisterKey, error) { return s.keyRing().RegisterKeys() }

// RotateRegisterKey makes a new key authenticate the entries from the next one on
// (vivipass key rotate --registro); the older keys keep verifying theirs. The server's
// administrator only.
func (s *Service) RotateRegisterKey(a Actor) (keyring.RegisterKey, error) {
	var k keyring.RegisterKey
	if !a.Admin() || a.Comune != "" {
		return k, ErrForbidden
	}
	if err := s.ensureSealed(true); err != nil {
		return k, err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	err := s.db.Update(func(tx *store.Tx) error {
		head, _ := tx.AuditHead()
		var err error
		if k, err = s.keyRing().NewRegisterKey(head + 1); err != nil {
			return err
		}
		keys := s.db.AuditKeys()
		s.db.SetAuditKeys(append(keys, store.AuditKey{ID: k.ID, Secret: k.Secret, From: k.From}))
		if _, err := tx.Audit(store.AuditEntry{At: s.now(), Operator: a.Operator, Channel: a.channel(),
			Action: "chiave del registro ruotata", Subject: "chiave " + k.ID,
			Detail: "da questa voce le modifiche sono autenticate con la nuova chiave; le precedenti restano verificabili"}); err != nil {
			return err
		}
		return tx.PutMeta(metaSealed, []byte(k.ID))
	})
	return k, err
}
