package service

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"strings"
	"time"

	"vivipass/domain"
	"vivipass/lookup"
	"vivipass/service/legacy"
	"vivipass/store"
)

// Whitelist answers "is plate of country (empty: Italy) authorised at instant, and by
// which pass?" (T6): lookup.Whitelist.
func (s *Service) Whitelist(plate, country string, at time.Time) (domain.Verdict, error) {
	var v domain.Verdict
	err := s.view(func(tx *store.Tx) error {
		var err error
		v, err = lookup.Whitelist(tx, plate, country, at)
		return err
	})
	return v, err
}

// Export formats (M2, T6). The whitelist format follows domain-facts: UTF-8, ';', ISO dates.
var (
	passesHeader    = []string{"numero_contrassegno", "comune", "comune_rilascio", "codice_fiscale", "cognome_nome", "tipo", "stato", "canale", "data_rilascio", "data_decorrenza", "data_scadenza", "numero_precedente", "duplicato", "consenso_circuito_nazionale", "cude_id", "codice_univoco", "targhe"}
	platesHeader    = []string{"targa", "nazione", "valido_dal", "valido_al", "tipo", "ruolo_nazionale", "numero_contrassegno", "comune", "stato_contrassegno"}
	whitelistHeader = []string{"targa", "nazione", "valido_dal", "valido_al", "tipo", "numero_contrassegno", "comune_rilascio", "stato"}
)

// Export writes passes, plates or whitelist as CSV for the actor's scope. For the
// whitelist, at selects the day: only plates authorised on that day are listed, with
// the window clipped to the pass validity.
func (s *Service) Export(a Actor, what string, at domain.Date, w io.Writer) (int, error) {
	return s.export(a, what, at, w, nil)
}

func (s *Service) export(a Actor, what string, at domain.Date, w io.Writer, start func(feedSeq uint64)) (int, error) {
	var n int
	err := s.view(func(tx *store.Tx) error {
		var err error
		n, err = s.exportIn(tx, a, what, at, w, start)
		return err
	})
	return n, err
}

// WhitelistList is the whole whitelist of a day taken from one snapshot into memory:
// the bytes of `export whitelist`, its rows, and the feed's sequence and the audit
// chain's head of that snapshot. The HTTP list is built once per snapshot and written
// to the gates from memory, with no transaction open while a slow gate reads.
type WhitelistList struct {
	CSV  []byte
	Rows int
	Seq  uint64 // the feed's last change in the snapshot
	Head string // the audit chain's head in the snapshot
}

// WhitelistList builds the whitelist of day (zero: today) in one read transaction.
// sizeHint (the size of a previous list, or 0) saves the buffer's regrowths.
func (s *Service) WhitelistList(a Actor, day domain.Date, sizeHint int) (WhitelistList, error) {
	var out WhitelistList
	err := s.view(func(tx *store.Tx) error {
		b := bytes.NewBuffer(make([]byte, 0, sizeHint))
		_, out.Head = tx.AuditHead()
		n, err := s.exportIn(tx, a, "whitelist", day, b, func(seq uint64) { out.Seq = seq })
		out.CSV, out.Rows = b.Bytes(), n
		return err
	})
	return out, err
}

// WhitelistVersion names the snapshot WhitelistList would read now: the audit chain's
// head and the feed's sequence (read together, in one short transaction).
func (s *Service) WhitelistVersion() (head string, seq uint64, err error) {
	err = s.view(func(tx *store.Tx) error {
		_, head = tx.AuditHead()
		seq = tx.FeedHead()
		return nil
	})
	return head, seq, err
}

// exportIn is export inside the caller's transaction.
func (s *Service) exportIn(tx *store.Tx, a Actor, what string, at domain.Date, w io.Writer, start func(feedSeq uint64)) (int, error) {
	if at.IsZero() {
		at = s.Today()
	}
	cw := csv.NewWriter(w)
	cw.Comma = ';'
	write := func(rec []string) error { return cw.Write(legacy.SafeRecord(rec)) } // issue 12.10
	var header []string
	switch what {
	case "passes":
		header = passesHeader
	case "plates":
		header = platesHeader
	case "whitelist":
		header = whitelistHeader
	default:
		return 0, &domain.Error{Message: fmt.Sprintf("esportazione %q sconosciuta: passes, plates o whitelist", what)}
	}
	n := 0
	err := func() error {
		if start != nil {
			start(tx.FeedHead())
		}
		if err := write(header); err != nil {
			return err
		}
		alert := map[string]int{}
		deaths := map[uint64]domain.Date{}
		listed := map[lineagePlate]bool{} // whitelist: the plates of a lineage already written
		return tx.ForEachPass(func(p domain.Pass) bool {
			// The whitelist looks at every version: a renewed one stays valid until its
			// successor starts, so skipping the versions no longer listed dropped the
			// plate from the gates between a renewal and its decorrenza.
			if !a.Sees(p.Comune) || (!p.Listed() && what != "whitelist") {
				return true
			}
			if _, ok := alert[p.Comune]; !ok {
				st, _ := tx.ComuneSettings(p.Comune)
				alert[p.Comune] = st.AlertDays
			}
			status := p.Status(at, alert[p.Comune])
			switch what {
			case "passes":
				var plates []string
				for _, pl := range p.Plates {
					plates = append(plates, pl.Number)
				}
				write([]string{p.Number, p.Comune, p.IssuingComune, p.HolderCF, p.HolderName, string(p.Kind), string(status),
					string(p.Channel), p.DataRilascio.ISO(), p.DataDecorrenza.ISO(), p.DataScadenza.ISO(), p.PreviousNumber,
					siNoFlag(p.Duplicate), siNoFlag(p.National.Consent), p.National.CudeID, p.National.CodiceUnivoco, strings.Join(plates, " ")})
				n++
			case "plates":
				for _, pl := range p.Plates {
					f, t := pl.Window(p.DataScadenza)
					write([]string{pl.Number, pl.Country, f.ISO(), t.ISO(), string(pl.Class), string(pl.Role), p.Number, p.Comune, string(status)})
					n++
				}
			case "whitelist":
				var died domain.Date
				diedRead := false
				for _, pl := range p.Plates {
					f, t := pl.Window(p.DataScadenza)
					key := lineagePlate{p.Lineage, pl.Number}
					if listed[key] || !at.InRange(f, t) {
						continue // one row per plate and lineage: the window in force on at
					}
					if !diedRead { // the holder is read only for a pass with a plate in force
						diedRead = true
						var ok bool
						if died, ok = deaths[p.PersonID]; !ok {
							if h, err := tx.Person(p.PersonID); err == nil {
								died = h.DataDecesso
							}
							deaths[p.PersonID] = died
						}
					}
					v := domain.Authorise(pl.Number, pl.Country, at, []domain.Holding{{Pass: p, HolderDied: died}})
					if !v.Authorised {
						continue
					}
					listed[key] = true
					if !p.Current() { // closed later than at: it was in force then
						q := p
						q.State = domain.Attivo
						status = q.Status(at, alert[p.Comune])
					}
					if f.Before(p.DataDecorrenza) {
						f = p.DataDecorrenza
					}
					if end := validUntil(p, died); t.After(end) {
						t = end
					}
					write([]string{pl.Number, pl.Country, f.ISO(), t.ISO(), string(pl.Class), p.Number, p.IssuingComune, string(status)})
					n++
				}
			}
			return true
		})
	}()
	cw.Flush()
	if err == nil {
		err = cw.Error()
	}
	return n, err
}

type lineagePlate struct {
	lineage uint64
	plate   string
}

// validUntil is the last day a pass version authorises anything.
func validUntil(p domain.Pass, died domain.Date) domain.Date {
	end := p.DataScadenza
	limit := func(d domain.Date) {
		if !d.IsZero() && d.AddDays(-1).Before(end) {
			end = d.AddDays(-1)
		}
	}
	if p.State != domain.Attivo {
		limit(p.StateFrom)
	}
	limit(died)
	return end
}

func siNoFlag(b bool) string {
	if b {
		return "S"
	}
	return "N"
}
