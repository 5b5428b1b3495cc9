package service

import (
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"time"

	"vivipass/domain"
	"vivipass/store"

	gossh "golang.org/x/crypto/ssh"
)

// ParseOperatorKeys reads authorized_keys lines (one or more keys) for an operator. Each
// line that is not blank or a # comment must be a key: a line that is not one is named,
// never skipped (ssh's reader passes over it in silence), and so is a comment with a
// control character or longer than maxKeyComment (it is shown at the desk) (#12.13).
func ParseOperatorKeys(data []byte, now time.Time) ([]domain.OperatorKey, error) {
	var keys []domain.OperatorKey
	text := strings.ReplaceAll(strings.ReplaceAll(string(data), "\r\n", "\n"), "\r", "\n") // CRLF, CR (old Mac)
	for n, line := range strings.Split(text, "\n") {
		line = strings.TrimSpace(line)
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		at := ""
		if strings.Contains(text, "\n") {
			at = fmt.Sprintf(" alla riga %d", n+1)
		}
		pk, comment, _, _, err := gossh.ParseAuthorizedKey([]byte(line))
		if err != nil {
			return nil, &domain.Error{Message: "chiave pubblica SSH non leggibile" + at + ": attesa una riga come 'ssh-ed25519 AAAA… commento'"}
		}
		if err := domain.CheckText("il commento della chiave"+at, comment, false); err != nil {
			return nil, err
		}
		if len(comment) > maxKeyComment {
			return nil, &domain.Error{Message: fmt.Sprintf("il commento della chiave%s è lungo %d byte (al massimo %d): accorciarlo", at, len(comment), maxKeyComment)}
		}
		keys = append(keys, domain.OperatorKey{Fingerprint: gossh.FingerprintSHA256(pk),
			AuthorizedKey: strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pk))), Comment: comment, AddedAt: now.UTC()})
	}
	if len(keys) == 0 {
		return nil, &domain.Error{Message: "nessuna chiave pubblica SSH nel file"}
	}
	return keys, nil
}

// maxKeyComment bounds the comment of an operator's key ("mario@pc-anagrafe").
const maxKeyComment = 200

// AddOperator registers an operator with keys (M4), or adds keys to an existing one.
func (s *Service) AddOperator(a Actor, op domain.Operator) (domain.Operator, error) {
	if !a.Admin() {
		return op, ErrForbidden
	}
	if err := domain.CheckOperatorName(op.Name); err != nil {
		return op, err
	}
	op.FullName = domain.NormalizeFullName(op.FullName)
	if err := domain.CheckFullName(op.FullName); err != nil {
		return op, err
	}
	if _, ok := domain.ComuneByCode(op.Comune); !ok {
		return op, &domain.Error{Message: fmt.Sprintf("comune %q sconosciuto", op.Comune)}
	}
	if !a.Sees(op.Comune) {
		return op, ErrForbidden
	}
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		if old, err := tx.Operator(op.Name); err == nil {
			if !a.Sees(old.Comune) {
				// #12.7: another comune's operator: neither their comune nor their role.
				return &domain.Error{Message: fmt.Sprintf("il nome operatore %s è già in uso in un altro comune: sceglierne un altro", op.Name)}
			}
			if old.Comune != op.Comune || old.Role != op.Role {
				return &domain.Error{Message: fmt.Sprintf("l'operatore %s esiste già (%s, comune %s)", op.Name, old.Role, old.Comune)}
			}
			for _, k := range old.Keys {
				for i := len(op.Keys) - 1; i >= 0; i-- {
					if op.Keys[i].Fingerprint == k.Fingerprint {
						op.Keys = append(op.Keys[:i], op.Keys[i+1:]...)
					}
				}
			}
			op.Keys = append(old.Keys, op.Keys...)
			op.CreatedAt, op.Version, op.Plain, op.Printer = old.CreatedAt, old.Version, old.Plain, old.Printer
			if op.FullName == "" { // adding a key does not forget the name
				op.FullName = old.FullName
			}
		} else {
			op.CreatedAt = s.now().UTC()
		}
		for _, k := range op.Keys {
			if other, err := tx.OperatorByKey(k.Fingerprint); err == nil && other.Name != op.Name {
				if !a.Sees(other.Comune) { // #12.7: not who has it
					return &domain.Error{Message: fmt.Sprintf("la chiave %s è già registrata in un altro comune: ogni operatore usa una chiave propria", k.Fingerprint)}
				}
				return &domain.Error{Message: fmt.Sprintf("la chiave %s è già registrata per l'operatore %s", k.Fingerprint, other.Name)}
			}
		}
		op.Version++
		if err := tx.PutOperator(op); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{op.Comune}, OperatorChanged{op.Name, op.Comune})
		detail := fmt.Sprintf("ruolo %s, %s", op.Role, domain.Count(len(op.Keys), "chiave", "chiavi"))
		if op.FullName != "" {
			detail = op.FullName + ", " + detail
		}
		return s.audit(tx, a, op.Comune, "operatore registrato", "operatore "+op.Name, 0, detail)
	})
	return op, err
}

// RemoveOperator deletes an operator and their keys.
func (s *Service) RemoveOperator(a Actor, name string) error {
	if !a.Admin() {
		return ErrForbidden
	}
	return s.update(func(tx *store.Tx, ev *[]Event) error {
		op, err := tx.Operator(name)
		if err == store.ErrNotFound || (err == nil && !a.Sees(op.Comune)) {
			return &domain.Error{Message: "operatore " + name + " non trovato"}
		}
		if err != nil {
			return err
		}
		if err := lastAdministrator(tx, op, "rimuovere"); err != nil {
			return err
		}
		if err := tx.DeleteOperator(name); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{op.Comune}, OperatorChanged{op.Name, op.Comune})
		return s.audit(tx, a, op.Comune, "operatore rimosso", "operatore "+name, 0, "")
	})
}

// SetOperatorRole changes an operator's role (M4): administrators of the operator's
// comune only, and never their own (an administrator cannot lock the comune out by
// mistake). The operator's open sessions take the new role at once.
func (s *Service) SetOperatorRole(a Actor, operator string, role domain.Role) error {
	if !a.Admin() {
		return ErrForbidden
	}
	if role != domain.RoleOperatore && role != domain.RoleAmministratore {
		return &domain.Error{Message: fmt.Sprintf("ruolo %q non valido: operatore o amministratore", role)}
	}
	if operator == a.Operator {
		return &domain.Error{Message: "un amministratore non può cambiare il proprio ruolo: lo fa un altro amministratore"}
	}
	return s.updateOperatorTx(a, operator, "ruolo operatore", string(role), func(tx *store.Tx, op *domain.Operator) error {
		if role == domain.RoleOperatore {
			if err := lastAdministrator(tx, *op, "rendere operatore"); err != nil {
				return err
			}
		}
		op.Role = role
		return nil
	})
}

// lastAdministrator refuses to take away (verb: "rimuovere", "rendere operatore") the
// last administrator of a comune: nobody could then manage its operators from the desk
// (#11.14).
func lastAdministrator(tx *store.Tx, op domain.Operator, verb string) error {
	if op.Role != domain.RoleAmministratore {
		return nil
	}
	all, err := tx.Operators()
	if err != nil {
		return err
	}
	for _, o := range all {
		if o.Name != op.Name && o.Comune == op.Comune && o.Role == domain.RoleAmministratore {
			return nil
		}
	}
	return &domain.Error{Message: fmt.Sprintf("non si può %s %s: è l'ultimo amministratore del comune %s; nominare prima un altro amministratore",
		verb, op.Name, op.Comune)}
}

// SetOperatorFullName sets an operator's "Nome Cognome" (#11.14), printed on receipts
// and documents instead of the login; "" clears it. Administrators only.
func (s *Service) SetOperatorFullName(a Actor, operator, fullName string) error {
	if !a.Admin() {
		return ErrForbidden
	}
	fullName = domain.NormalizeFullName(fullName)
	if err := domain.CheckFullName(fullName); err != nil {
		return err
	}
	return s.updateOperator(a, operator, "nome e cognome dell'operatore", orNone(fullName), func(op *domain.Operator) { op.FullName = fullName })
}

// operatorLabel is who an operator is on paper: the full name registered, else the
// login (operators registered before the name was asked, the system's actors).
func operatorLabel(tx *store.Tx, name string) string {
	if op, err := tx.Operator(name); err == nil {
		return op.Label()
	}
	return name
}

// RemoveOperatorKey removes one SSH key of an operator (by its SHA256 fingerprint): the
// sessions opened with it close at once; the operator's other keys keep working.
func (s *Service) RemoveOperatorKey(a Actor, operator, fingerprint string) error {
	if !a.Admin() {
		return ErrForbidden
	}
	has := func(op domain.Operator) bool {
		return slices.ContainsFunc(op.Keys, func(k domain.OperatorKey) bool { return k.Fingerprint == fingerprint })
	}
	found := false
	if err := s.view(func(tx *store.Tx) error {
		op, err := tx.Operator(operator)
		found = err == nil && a.Sees(op.Comune) && has(op)
		return nil
	}); err != nil {
		return err
	}
	if !found {
		return &domain.Error{Message: fmt.Sprintf("l'operatore %s non ha la chiave %s", operator, fingerprint)}
	}
	return s.updateOperatorTx(a, operator, "chiave rimossa", fingerprint, func(_ *store.Tx, op *domain.Operator) error {
		if !has(*op) {
			return &domain.Error{Message: fmt.Sprintf("l'operatore %s non ha la chiave %s", operator, fingerprint)}
		}
		if operator == a.Operator && len(op.Keys) == 1 {
			// #11.14: the administrator would lock themselves out.
			return &domain.Error{Message: "è la tua unica chiave SSH: senza non potresti più collegarti; aggiungine prima un'altra (k), o la toglie un altro amministratore"}
		}
		op.Keys = slices.DeleteFunc(op.Keys, func(k domain.OperatorKey) bool { return k.Fingerprint == fingerprint })
		return nil
	})
}

// Operators lists the operators in the actor's scope.
func (s *Service) Operators(a Actor) ([]domain.Operator, error) {
	var out []domain.Operator
	err := s.view(func(tx *store.Tx) error {
		all, err := tx.Operators()
		for _, o := range all {
			if a.Sees(o.Comune) {
				out = append(out, o)
			}
		}
		return err
	})
	return out, err
}

// Authenticate finds the operator owning an SSH key (fingerprint SHA256:…).
func (s *Service) Authenticate(fingerprint string) (domain.Operator, bool) {
	var op domain.Operator
	err := s.view(func(tx *store.Tx) error {
		var err error
		op, err = tx.OperatorByKey(fingerprint)
		return err
	})
	return op, err == nil
}

// Settings reads a comune's settings (defaults when never saved).
func (s *Service) Settings(a Actor, comune string) (domain.ComuneSettings, error) {
	comune, err := a.targetComune(comune)
	if err != nil {
		return domain.ComuneSettings{}, err
	}
	var st domain.ComuneSettings
	err = s.view(func(tx *store.Tx) error {
		st, err = tx.ComuneSettings(comune)
		return err
	})
	return st, err
}

// SaveSettings saves a comune's settings (M5): administrators only.
func (s *Service) SaveSettings(a Actor, st domain.ComuneSettings) (domain.ComuneSettings, error) {
	if !a.Admin() || !a.Sees(st.Code) {
		return st, ErrForbidden
	}
	if err := st.Validate(); err != nil {
		return st, err
	}
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		cur, err := tx.ComuneSettings(st.Code)
		if err != nil {
			return err
		}
		if cur.Version != st.Version {
			return &StaleError{What: "le impostazioni del comune " + st.Code, By: "un altro amministratore", At: s.now()}
		}
		st.Version++
		if err := tx.PutComuneSettings(st); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{st.Code})
		return s.audit(tx, a, st.Code, "impostazioni comune", "comune "+st.Code, 0,
			fmt.Sprintf("scadenza: %s; finestra temporale: %s; preavviso %d giorni", st.ExpiryRule.Label(), siNo(st.FinestraTemporale), st.AlertDays))
	})
	return st, err
}

// Init prepares a new database for a comune: its settings saved with defaults, the key
// that signs the cards' QR codes (once per register) and the first audit entry.
func (s *Service) Init(a Actor, comune string) error {
	if a.Comune != "" || !a.Admin() {
		return ErrForbidden // the server's administrator, at the command line
	}
	p, ok := domain.ComuneByCode(strings.ToUpper(comune))
	if !ok {
		return &domain.Error{Message: fmt.Sprintf("comune %q sconosciuto: indicare il codice catastale (es. L736 per Venezia)", comune)}
	}
	return s.update(func(tx *store.Tx, ev *[]Event) error {
		if _, err := tx.ComuneSettings(p.Code); err != nil {
			return err
		}
		if cfg, _ := tx.ConfiguredComuni(); len(cfg) == 0 || true {
			st, _ := tx.ComuneSettings(p.Code)
			if st.Version == 0 {
				st.Version = 1
				if err := tx.PutComuneSettings(st); err != nil {
					return err
				}
			}
		}
		if err := tx.PutMeta("comune_principale", []byte(p.Code)); err != nil {
			return err
		}
		if _, err := s.ensureSigningKey(tx, a); err != nil { // S9: the key that signs the cards' QR codes
			return err
		}
		*ev = append(*ev, AdminChanged{p.Code})
		return s.audit(tx, a, p.Code, "inizializzazione", "comune "+p.Code, 0, "database inizializzato per "+p.Name)
	})
}

// AuditVerify checks the audit hash chain, its MACs with the keys beside the register,
// the heads anchored outside it, and every pass version and person against the last
// entry that wrote it (M6, issue 12.5).
func (s *Service) AuditVerify() (int, []store.AuditProblem, error) {
	var n int
	var pr []store.AuditProblem
	if err := s.ensureSealed(false); err != nil {
		return 0, nil, err
	}
	anchors, aerr := store.ReadAnchors(store.AnchorPath(s.db.Path()))
	err := s.view(func(tx *store.Tx) error {
		n, pr = tx.VerifyAudit()
		pr = append(pr, tx.CheckAnchors(anchors)...) // the heads written outside the file
		if len(s.db.AuditKeys()) == 0 {
			// Not sealed yet (nothing written since seals), or its keys are missing.
			if seq := tx.FirstAuthenticated(); seq != 0 {
				pr = append(pr, store.AuditProblem{Seq: seq, Message: "le voci sono autenticate ma in " + s.keyRing().Dir() +
					" non c'è nessuna chiave del registro: copiare la cartella chiavi-firma del server accanto al database"})
			}
			return nil
		}
		_, rp := tx.VerifyRecords(50)
		pr = append(pr, rp...)
		return nil
	})
	if err == nil {
		err = aerr
	}
	return n, pr, err
}

// AnchorAudit writes the chain's head to the anchors' log beside the database and
// returns it (each backup does, and says it in its report).
func (s *Service) AnchorAudit() (seq uint64, hash string, err error) {
	if err := s.view(func(tx *store.Tx) error { seq, hash = tx.AuditHead(); return nil }); err != nil || seq == 0 {
		return seq, hash, err
	}
	return seq, hash, store.AppendAnchor(store.AnchorPath(s.db.Path()), store.Anchor{Seq: seq, Hash: hash, At: s.now()})
}

// StoreVerify rebuilds and compares every index.
func (s *Service) StoreVerify() ([]store.Problem, error) {
	pr, _, err := s.StoreCheck()
	return pr, err
}

// StoreCheck is StoreVerify with the number of pass versions in the register.
func (s *Service) StoreCheck() (problems []store.Problem, passes int, err error) {
	err = s.view(func(tx *store.Tx) error {
		if problems, err = tx.Verify(); err != nil {
			return err
		}
		passes = tx.PassCount()
		return nil
	})
	return problems, passes, err
}

// FileHash is the sha256 of a file's content, to name it in the audit log.
func FileHash(data []byte) string { return fmt.Sprintf("%x", sha256.Sum256(data)) }

// SetOperatorPlain turns an operator's plain mode (no colours, for thin terminals and
// monochrome screens) on or off; an operator may change their own.
func (s *Service) SetOperatorPlain(a Actor, operator string, plain bool) error {
	return s.updateOperator(a, operator, "modo semplice", siNo(plain), func(op *domain.Operator) { op.Plain = plain })
}

// updateOperator changes one preference of an operator: their own, or any of the
// administrator's comune; audited as action with detail.
func (s *Service) updateOperator(a Actor, operator, action, detail string, change func(*domain.Operator)) error {
	return s.updateOperatorTx(a, operator, action, detail, func(_ *store.Tx, op *domain.Operator) error { change(op); return nil })
}

// updateOperatorTx is updateOperator whose change reads the register and may refuse.
func (s *Service) updateOperatorTx(a Actor, operator, action, detail string, change func(*store.Tx, *domain.Operator) error) error {
	if operator != a.Operator && !a.Admin() {
		return ErrForbidden
	}
	return s.update(func(tx *store.Tx, ev *[]Event) error {
		op, err := tx.Operator(operator)
		if err == store.ErrNotFound || (err == nil && !a.Sees(op.Comune)) {
			return &domain.Error{Message: "operatore " + operator + " non trovato"}
		}
		if err != nil {
			return err
		}
		if err := change(tx, &op); err != nil {
			return err
		}
		op.Version++
		if err := tx.PutOperator(op); err != nil {
			return err
		}
		*ev = append(*ev, AdminChanged{op.Comune}, OperatorChanged{op.Name, op.Comune})
		return s.audit(tx, a, op.Comune, action, "operatore "+operator, 0, detail)
	})
}
