package service

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // photo formats accepted (A3)
	_ "image/png"
	"strings"

	"vivipass/domain"
	"vivipass/service/legacy"
	"vivipass/store"
)

// SavePerson creates (ID 0) or updates a person of the actor's comune (A1, A2). A
// codice fiscale that disagrees with the data needs override (the reason).
func (s *Service) SavePerson(a Actor, p domain.Person, override string) (domain.Person, error) {
	today := s.Today()
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		domain.NormalizePerson(&p)
		action := "nuova anagrafica"
		oldCF := ""
		if p.ID != 0 {
			old, err := loadPerson(tx, a, p.ID)
			if err != nil {
				return err
			}
			if p.Version != old.Version {
				return &StaleError{What: "l'anagrafica di " + old.FullName(), By: old.UpdatedBy, At: old.UpdatedAt}
			}
			p.Comune, p.HasPhoto, p.DataDecesso = old.Comune, old.HasPhoto, old.DataDecesso
			action = "modifica anagrafica"
			oldCF = old.CodiceFiscale
			if old.CodiceFiscale != p.CodiceFiscale {
				if err := cfFree(tx, p.CodiceFiscale, p.Comune, p.ID); err != nil {
					return err
				}
			}
		} else {
			c, err := a.targetComune(p.Comune)
			if err != nil {
				return err
			}
			p.Comune = c
			if err := cfFree(tx, p.CodiceFiscale, p.Comune, 0); err != nil {
				return err
			}
		}
		if err := s.checkAndStampPerson(&p, override, a, today); err != nil {
			return err
		}
		if err := tx.PutPerson(&p); err != nil {
			return err
		}
		if err := s.refreshHolder(tx, a, p, oldCF, today); err != nil {
			return err
		}
		*ev = append(*ev, PersonChanged{p.ID, p.Comune})
		return s.audit(tx, a, p.Comune, action, "persona "+p.CodiceFiscale, 0, p.FullName())
	})
	return p, err
}

func cfFree(tx *store.Tx, cf, comune string, self uint64) error {
	for _, id := range tx.PersonIDsByCF(cf) {
		if o, err := tx.Person(id); err == nil && o.Comune == comune && o.ID != self {
			return &domain.Error{Message: fmt.Sprintf("esiste già un'anagrafica con codice fiscale %s (%s)", cf, o.FullName())}
		}
	}
	return nil
}

// refreshHolder copies the holder's name and CF onto their pass versions (search index,
// P5). A corrected codice fiscale (oldCF) moves the passes filed under the old one:
// looking only under the new one left them there, so P5 no longer saw the active pass
// and a second one could be issued to the corrected code. The correction is refused
// when the new code already has another active pass.
func (s *Service) refreshHolder(tx *store.Tx, a Actor, p domain.Person, oldCF string, today domain.Date) error {
	ids := tx.PassIDsByCF(p.CodiceFiscale)
	if oldCF != "" && oldCF != p.CodiceFiscale {
		ids = append(ids, tx.PassIDsByCF(oldCF)...)
	}
	for _, id := range ids {
		ps, err := tx.Pass(id)
		if err != nil {
			return err
		}
		if ps.PersonID != p.ID {
			continue
		}
		if ps.HolderCF != p.CodiceFiscale && ps.Current() && ps.HoldsActive(today) {
			if other, ok, err := activePassOf(tx, p.CodiceFiscale, today, ps.Lineage); err != nil {
				return err
			} else if ok {
				return errActive(a, p.CodiceFiscale, other)
			}
		}
		if ps.HolderName != p.FullName() || ps.HolderCF != p.CodiceFiscale {
			ps.HolderName, ps.HolderCF = p.FullName(), p.CodiceFiscale
			if err := tx.PutPass(&ps); err != nil {
				return err
			}
		}
	}
	return nil
}

// Person reads a person of the actor's comune.
func (s *Service) Person(a Actor, id uint64) (domain.Person, error) {
	var p domain.Person
	err := s.view(func(tx *store.Tx) error {
		var err error
		p, err = loadPerson(tx, a, id)
		return err
	})
	return p, err
}

// PersonPasses lists the listed passes of a person, newest first.
func (s *Service) PersonPasses(a Actor, personID uint64) ([]domain.Pass, error) {
	var out []domain.Pass
	err := s.view(func(tx *store.Tx) error {
		p, err := loadPerson(tx, a, personID)
		if err != nil {
			return err
		}
		for _, id := range tx.PassIDsByCF(p.CodiceFiscale) {
			ps, err := tx.Pass(id)
			if err == nil && ps.PersonID == p.ID && ps.Listed() {
				out = append([]domain.Pass{ps}, out...)
			}
		}
		return nil
	})
	return out, err
}

// SetPhoto attaches or replaces a person's photo (A3); nil removes it.
func (s *Service) SetPhoto(a Actor, personID uint64, img []byte) error {
	if img != nil {
		if len(img) > 5<<20 {
			return &domain.Error{Message: "foto troppo grande (oltre 5 MB)"}
		}
		if _, _, err := image.DecodeConfig(bytes.NewReader(img)); err != nil {
			return &domain.Error{Message: "il file non è una foto JPEG o PNG leggibile"}
		}
	}
	return s.update(func(tx *store.Tx, ev *[]Event) error {
		p, err := loadPerson(tx, a, personID)
		if err != nil {
			return err
		}
		if err := tx.PutPhoto(p.ID, img); err != nil {
			return err
		}
		p.HasPhoto = img != nil
		p.Version++
		p.UpdatedAt, p.UpdatedBy = s.now().UTC(), a.Operator
		if err := tx.PutPerson(&p); err != nil {
			return err
		}
		what := "foto allegata"
		if img == nil {
			what = "foto rimossa"
		}
		*ev = append(*ev, PersonChanged{p.ID, p.Comune})
		return s.audit(tx, a, p.Comune, what, "persona "+p.CodiceFiscale, 0, p.FullName())
	})
}

// Photo returns a person's photo (nil if none).
func (s *Service) Photo(a Actor, personID uint64) ([]byte, error) {
	var img []byte
	err := s.view(func(tx *store.Tx) error {
		p, err := loadPerson(tx, a, personID)
		if err == nil {
			img = tx.Photo(p.ID)
		}
		return err
	})
	return img, err
}

// MarkDeceased records a holder's death (A4, P8): every active pass of the codice
// fiscale in the actor's scope is revoked from that date, its plates closed (out of the
// whitelist) and the national platform told.
func (s *Service) MarkDeceased(a Actor, personID uint64, died domain.Date) ([]domain.Pass, error) {
	var changed []domain.Pass
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		p, err := loadPerson(tx, a, personID)
		if err != nil {
			return err
		}
		changed, err = s.deceased(tx, a, p.CodiceFiscale, died, ev)
		return err
	})
	return changed, err
}

func (s *Service) deceased(tx *store.Tx, a Actor, cf string, died domain.Date, ev *[]Event) ([]domain.Pass, error) {
	today := s.Today()
	if died.After(today) {
		return nil, &domain.Error{Message: fmt.Sprintf("la data di decesso %s è nel futuro", died)}
	}
	var changed []domain.Pass
	found := false
	for _, id := range tx.PersonIDsByCF(cf) {
		p, err := tx.Person(id)
		if err != nil {
			return nil, err
		}
		if !a.Sees(p.Comune) {
			continue
		}
		found = true
		if !died.IsZero() && !p.DataNascita.IsZero() && died.Before(p.DataNascita) {
			return nil, &domain.Error{Message: fmt.Sprintf("la data di decesso %s precede la nascita di %s", died, p.FullName())}
		}
		if p.DataDecesso.Equal(died) {
			continue
		}
		p.DataDecesso = died
		p.Version++
		p.UpdatedAt, p.UpdatedBy = s.now().UTC(), a.Operator
		if err := tx.PutPerson(&p); err != nil {
			return nil, err
		}
		*ev = append(*ev, PersonChanged{p.ID, p.Comune})
		if err := s.audit(tx, a, p.Comune, string(domain.ActDeceased), "persona "+cf, 0, fmt.Sprintf("%s %s il %s", p.FullName(), p.Agree("deceduto", "deceduta"), died)); err != nil {
			return nil, err
		}
	}
	if !found {
		return nil, fmt.Errorf("codice fiscale %s: persona %w", cf, ErrNotFound)
	}
	for _, id := range tx.PassIDsByCF(cf) {
		ps, err := tx.Pass(id)
		if err != nil {
			return nil, err
		}
		if !a.Sees(ps.Comune) || !ps.Current() || domain.CheckTransition(ps, domain.ActDeceased, today) != nil {
			continue
		}
		n, dropped, err := ps.HolderDeceased(died, today)
		if err != nil {
			return nil, err
		}
		s.stamp(&n, a)
		if err := queueNational(tx, &n, domain.ActDeceased); err != nil {
			return nil, err
		}
		if err := tx.PutPass(&n); err != nil {
			return nil, err
		}
		detail := fmt.Sprintf("revocato per decesso del titolare dal %s; targhe chiuse", died)
		for _, d := range dropped {
			detail += "; rimossa targa " + d.Number
		}
		if err := s.auditPass(tx, a, ps, n, string(domain.ActDeceased), detail); err != nil {
			return nil, err
		}
		changed = append(changed, n)
		*ev = append(*ev, PassChanged{n.ID, n.Comune})
	}
	return changed, nil
}

// DeceasedReport is the outcome of a bulk import of deaths.
type DeceasedReport struct {
	Lines   int             `json:"lines"`
	Marked  int             `json:"marked"`
	Revoked int             `json:"revoked"`
	Unknown []string        `json:"unknown"` // codici fiscali with no person in scope
	Errors  []DeceasedError `json:"errors"`  // the first 100, then one line with how many more
	Invalid int             `json:"invalid"` // the lines in error, all of them
}

// DeceasedError is a bad line of the deaths file.
type DeceasedError struct {
	Line    int    `json:"line"`
	Message string `json:"message"`
}

// deceasedEntry is a valid line of the deaths file.
type deceasedEntry struct {
	cf   string
	died domain.Date
}

// maxDeceasedErrors bounds the errors a deaths file reports (a wrong file would list one
// a line); the count says how many there were.
const maxDeceasedErrors = 100

// readDeceased checks every line of a deaths file (pure: fuzzed, issue 12.13).
func readDeceased(data []byte, today domain.Date) ([]deceasedEntry, DeceasedReport) {
	var rep DeceasedReport
	var entries []deceasedEntry
	bad := 0
	fail := func(e DeceasedError) {
		bad++
		if len(rep.Errors) < maxDeceasedErrors {
			rep.Errors = append(rep.Errors, e)
		}
	}
	seen := map[string]struct{ index, line int }{}
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 4<<10), legacy.MaxLine) // issue 12.9: a longer line stops the reading
	n := 1
	for ; sc.Scan(); n++ {
		line := strings.TrimSpace(strings.TrimPrefix(sc.Text(), "\ufeff"))
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ';' || r == ',' || r == '\t' || r == ' ' })
		if len(f) == 2 && strings.EqualFold(f[0], "codice_fiscale") {
			continue // header
		}
		rep.Lines++
		if len(f) != 2 {
			fail(DeceasedError{n, "attesi due campi: codice fiscale e data di decesso"})
			continue
		}
		cf := domain.NormalizeCF(f[0])
		if err := domain.ValidateCFSyntax(cf); err != nil {
			fail(DeceasedError{n, "codice fiscale " + deceasedField(cf) + ": " + err.Error()})
			continue
		}
		if len(f[1]) > 20 { // no date is this long: said without quoting all of it
			fail(DeceasedError{n, fmt.Sprintf("data %s non valida: usare gg/mm/aaaa o aaaa-mm-gg", deceasedField(f[1]))})
			continue
		}
		d, err := domain.ParseDate(f[1])
		if err != nil {
			fail(DeceasedError{n, err.Error()})
			continue
		}
		if d.After(today) {
			fail(DeceasedError{n, fmt.Sprintf("la data di decesso %s è nel futuro", d)})
			continue
		}
		if prev, ok := seen[cf]; ok {
			if !entries[prev.index].died.Equal(d) {
				fail(DeceasedError{n, fmt.Sprintf("codice fiscale %s già alla riga %d con un'altra data (%s)", cf, prev.line, entries[prev.index].died)})
			}
			continue // the same death twice: once
		}
		seen[cf] = struct{ index, line int }{len(entries), n}
		entries = append(entries, deceasedEntry{cf, d})
	}
	if sc.Err() != nil { // before, the lines after it were dropped in silence
		fail(DeceasedError{n, fmt.Sprintf("riga più lunga di %d KB senza andare a capo: il file dei decessi ha una riga per persona (codice fiscale e data); controllare di aver scelto il file giusto", legacy.MaxLine>>10)})
	}
	if bad > len(rep.Errors) {
		rep.Errors = append(rep.Errors, DeceasedError{0, fmt.Sprintf("… e altre %d righe errate", bad-len(rep.Errors))})
	}
	rep.Invalid = bad
	return entries, rep
}

// deceasedField is a field of the deaths file as an error message quotes it: escaped
// (no control character reaches the terminal) and cut to 30 characters (issue 12.13).
func deceasedField(s string) string {
	if r := []rune(s); len(r) > 30 {
		return fmt.Sprintf("%q…", string(r[:30]))
	}
	return fmt.Sprintf("%q", s)
}

// ImportDeceased reads "codice fiscale;date" lines (separator ; , tab or space) and
// marks each holder deceased (P8). Every line is checked first; with any error nothing
// is written. Codici fiscali unknown in scope are listed, not errors (the anagrafe list
// has everybody, not only holders).
func (s *Service) ImportDeceased(a Actor, data []byte) (DeceasedReport, error) {
	entries, rep := readDeceased(data, s.Today())
	if rep.Invalid > 0 {
		return rep, &domain.Error{Message: domain.Count(rep.Invalid, "riga errata", "righe errate") + ": nessun decesso registrato"}
	}
	err := s.update(func(tx *store.Tx, ev *[]Event) error {
		rep.Marked, rep.Revoked, rep.Unknown = 0, 0, nil
		for _, e := range entries {
			changed, err := s.deceased(tx, a, e.cf, e.died, ev)
			if err != nil && strings.Contains(err.Error(), ErrNotFound.Error()) {
				rep.Unknown = append(rep.Unknown, e.cf)
				continue
			}
			if err != nil {
				return fmt.Errorf("codice fiscale %s: %w", e.cf, err)
			}
			rep.Marked++
			rep.Revoked += len(changed)
		}
		return nil
	})
	return rep, err
}
