package store

import (
	"cmp"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
)

// Sealing (M6, issue 12.5): whoever can write the database file can recompute a bare
// hash chain, so
//   - each audit entry carries a MAC made with a key kept outside the database (the
//     files of package keyring), and so does the chain's head: an entry changed, a
//     chain recomputed or its last entries cut show, unless the key was taken too;
//   - each audit entry carries the hashes of the records (pass versions, people) its
//     operation wrote, and a verify checks every record against the last entry that
//     wrote it: a record changed in place no longer matches.
// The Tx notes each record it writes; Audit takes the notes since the previous entry,
// and a commit whose last records no entry took adds them to its last entry (or
// writes one of its own), so no write path can forget.

// AuditKey is one key that authenticates audit entries from sequence From on.
type AuditKey struct {
	ID     string // short public name, written beside each MAC
	Secret []byte
	From   uint64
}

// auditKeys are the DB's keys, the active (highest From) last.
type auditKeys []AuditKey

// SetAuditKeys gives the database its keys (the service loads them from their files
// at start). Without keys, entries carry no MAC and none is checked.
func (db *DB) SetAuditKeys(keys []AuditKey) {
	ks := append(auditKeys(nil), keys...)
	sort.Slice(ks, func(i, j int) bool { return ks[i].From < ks[j].From })
	db.keys.Store(&ks)
}

// AuditKeys are the keys set with SetAuditKeys (a copy of the register, e.g. an
// import's scratch file, writes with the same keys).
func (db *DB) AuditKeys() []AuditKey {
	if p := db.keys.Load(); p != nil {
		return append([]AuditKey(nil), (*p)...)
	}
	return nil
}

func (db *DB) auditKeys() auditKeys {
	if p := db.keys.Load(); p != nil {
		return *p
	}
	return nil
}

func (ks auditKeys) active() *AuditKey {
	if len(ks) == 0 {
		return nil
	}
	return &ks[len(ks)-1]
}

func (ks auditKeys) byID(id string) *AuditKey {
	for i := range ks {
		if ks[i].ID == id {
			return &ks[i]
		}
	}
	return nil
}

func (k *AuditKey) mac(parts ...string) string {
	m := hmac.New(sha256.New, k.Secret)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return k.ID + ":" + hex.EncodeToString(m.Sum(nil))
}

// entryMAC authenticates an entry's hash (which covers its content and its link).
func (k *AuditKey) entryMAC(e *AuditEntry) string { return k.mac("voce", e.Hash) }

// headMAC authenticates the chain's head: a chain cut after a genuine entry would
// otherwise look whole.
func (k *AuditKey) headMAC(seq uint64, hash string) string {
	return k.mac("testa", strconv.FormatUint(seq, 10), hash)
}

// checkEntry says what is wrong with an entry's MAC ("" = nothing). Entries before the
// first key (registers older than seals) have none; every later one must.
func (ks auditKeys) checkEntry(e *AuditEntry) string {
	if len(ks) == 0 {
		return "" // a copy checked without the keys: MACs cannot be checked
	}
	if e.MAC == "" {
		if e.Seq >= ks[0].From {
			return "voce senza autenticazione: scritta o riscritta fuori dal programma"
		}
		return ""
	}
	k := ks.byID(macKeyID(e.MAC))
	if k == nil {
		return "voce autenticata con la chiave " + macKeyID(e.MAC) + ", che non è nella cartella delle chiavi (copiare la cartella chiavi-firma del server)"
	}
	if !hmac.Equal([]byte(k.entryMAC(e)), []byte(e.MAC)) {
		return "autenticazione non valida: la voce è stata alterata o la catena ricalcolata"
	}
	return ""
}

// checkHead says what is wrong with the head's MAC ("" = nothing).
func (ks auditKeys) checkHead(seq uint64, hash, mac string) string {
	if len(ks) == 0 || seq < ks[0].From {
		return ""
	}
	k := ks.byID(macKeyID(mac))
	if mac == "" || k == nil || !hmac.Equal([]byte(k.headMAC(seq, hash)), []byte(mac)) {
		return "la testa della catena non è autenticata: voci finali rimosse o testa riscritta"
	}
	return ""
}

func macKeyID(mac string) string { id, _, _ := strings.Cut(mac, ":"); return id }

// Record kinds in seals.
const (
	sealPass   = 'p'
	sealPerson = 'q'
)

// recordRef is a record a transaction wrote: kind, id and the hash of its bytes.
type recordRef struct {
	kind byte
	id   uint64
	hash [16]byte
}

func refOf(kind byte, id uint64, raw []byte) recordRef {
	sum := sha256.Sum256(raw)
	r := recordRef{kind: kind, id: id}
	copy(r.hash[:], sum[:16])
	return r
}

func (r recordRef) key() string {
	var b [9]byte
	b[0] = r.kind
	binary.BigEndian.PutUint64(b[1:], r.id)
	return string(b[:])
}

// text is the inline form in an entry: "p/12:<32 hex>".
func (r recordRef) text() string {
	return fmt.Sprintf("%c/%d:%x", r.kind, r.id, r.hash)
}

func parseRef(s string) (recordRef, bool) {
	var r recordRef
	head, h, ok := strings.Cut(s, ":")
	if !ok || len(head) < 3 || head[1] != '/' || len(h) != 32 {
		return r, false
	}
	id, err := strconv.ParseUint(head[2:], 10, 64)
	if err != nil {
		return r, false
	}
	if _, err := hex.Decode(r.hash[:], []byte(h)); err != nil {
		return r, false
	}
	r.kind, r.id = head[0], id
	return r, r.kind == sealPass || r.kind == sealPerson
}

// The side form of many refs. First form (fixed): per ref kind(1) id(8) hash(16).
// Since #14.1: magicSideList, then per ref uvarint(zigzag(id − the previous id of its
// kind) << 1 | person) and hash(16): an import's sequential ids take one byte, not
// nine. The hashes stay whole; the list's sha256 in the entry covers its bytes.
const (
	refSize       = 25
	magicSideList = 0xB4
)

// packRefs is the side form of many refs (a bulk import, the first seal).
func packRefs(refs []recordRef) []byte {
	for _, r := range refs {
		if r.kind != sealPass && r.kind != sealPerson {
			return packRefsFixed(refs) // a kind the compact form has no bit for
		}
	}
	out := make([]byte, 0, 1+len(refs)*18)
	out = append(out, magicSideList)
	var prev [2]uint64 // passes, people
	for _, r := range refs {
		k := uint64(0)
		if r.kind == sealPerson {
			k = 1
		}
		d := int64(r.id - prev[k]) // wraps: any id is reached
		prev[k] = r.id
		zz := uint64(d<<1 ^ d>>63)
		if zz>>63 != 0 { // a jump of 2⁶² or more: no room for the kind's bit
			return packRefsFixed(refs)
		}
		out = binary.AppendUvarint(out, zz<<1|k)
		out = append(out, r.hash[:]...)
	}
	return out
}

func packRefsFixed(refs []recordRef) []byte {
	out := make([]byte, 0, len(refs)*refSize)
	for _, r := range refs {
		out = append(out, r.kind)
		out = binary.BigEndian.AppendUint64(out, r.id)
		out = append(out, r.hash[:]...)
	}
	return out
}

// unpackRefs reads a side list of either form; false: malformed.
func unpackRefs(b []byte, fn func(recordRef)) bool {
	if len(b) > 0 && b[0] == magicSideList {
		var prev [2]uint64
		for b = b[1:]; len(b) > 0; {
			v, n := binary.Uvarint(b)
			if n <= 0 || len(b)-n < 16 {
				return false
			}
			b = b[n:]
			k, z := v&1, v>>1
			d := int64(z>>1) ^ -int64(z&1)
			prev[k] += uint64(d)
			r := recordRef{kind: sealPass, id: prev[k]}
			if k == 1 {
				r.kind = sealPerson
			}
			copy(r.hash[:], b[:16])
			b = b[16:]
			fn(r)
		}
		return true
	}
	if len(b)%refSize != 0 {
		return false
	}
	for ; len(b) > 0; b = b[refSize:] {
		r := recordRef{kind: b[0], id: binary.BigEndian.Uint64(b[1:9])}
		copy(r.hash[:], b[9:refSize])
		fn(r)
	}
	return true
}

// SealRef names the side list of an entry with many records: how many, and the
// sha256 of the list (kept in bucket "sigilli" under the entry's sequence).
type SealRef struct {
	N      int    `json:"n"`
	Digest string `json:"digest"`
}

// maxInline records go in the entry itself; more go to the side list.
const maxInline = 32

const bSeals = "sigilli"

// noteRecord is called by every write of a pass version or a person.
func (t *Tx) noteRecord(kind byte, id uint64, raw []byte) { t.noteRef(refOf(kind, id, raw)) }

// attachRecords moves the noted records (and a bulk load's) into e.
func (t *Tx) attachRecords(e *AuditEntry) error {
	refs := t.records
	t.records = nil
	if b := t.bulk; b != nil && b.seal.n > maxInline && len(b.records) == 0 && len(refs) == 0 && e.Sealed == nil && len(e.Records) == 0 {
		// A bulk load's entry: its list is already in the side form (sealstream.go).
		n := b.seal.n
		side, err := b.seal.take()
		if err != nil {
			return err
		}
		sum := sha256.Sum256(side)
		e.Sealed = &SealRef{N: n, Digest: hex.EncodeToString(sum[:])}
		return t.bucket(bSeals).Put(u64(e.Seq), side)
	}
	if t.bulk != nil {
		bulk, err := t.bulk.takeRecords()
		if err != nil {
			return err
		}
		refs = append(refs, bulk...)
	}
	if e.Sealed != nil { // amending: the side list grows
		old, err := t.sideRefs(e.Seq, e.Sealed)
		if err != nil {
			return err
		}
		refs, e.Sealed = append(old, refs...), nil
	}
	for _, s := range e.Records {
		if r, ok := parseRef(s); ok {
			refs = append([]recordRef{r}, refs...)
		}
	}
	e.Records = nil
	if len(refs) <= maxInline {
		for _, r := range refs {
			e.Records = append(e.Records, r.text())
		}
		return nil
	}
	side := packRefs(refs)
	sum := sha256.Sum256(side)
	e.Sealed = &SealRef{N: len(refs), Digest: hex.EncodeToString(sum[:])}
	return t.bucket(bSeals).Put(u64(e.Seq), side)
}

// sideRefs reads and checks an entry's side list.
func (t *Tx) sideRefs(seq uint64, s *SealRef) ([]recordRef, error) {
	var refs []recordRef
	if !checkSide(t.bucket(bSeals).Get(u64(seq)), s, func(r recordRef) { refs = append(refs, r) }) {
		return nil, sideListAltered(seq)
	}
	return refs, nil
}

// checkSide reports whether side is the list s names (digest, form, count), calling fn
// for each of its refs as it reads them (all of them are read even when it is not).
func checkSide(side []byte, s *SealRef, fn func(recordRef)) bool {
	sum := sha256.Sum256(side)
	if hex.EncodeToString(sum[:]) != s.Digest {
		return false
	}
	n := 0
	return unpackRefs(side, func(r recordRef) { n++; fn(r) }) && n == s.N
}

func sideListAltered(seq uint64) error {
	return fmt.Errorf("voce %d: l'elenco dei record scritti è alterato o mancante", seq)
}

// seal finishes an entry: hash, MAC, the head and its MAC.
func (t *Tx) seal(e *AuditEntry) error {
	e.MAC = ""
	e.Hash = e.digest()
	if k := t.db.auditKeys().active(); k != nil {
		e.MAC = k.entryMAC(e)
	}
	if err := put(t, "audit", u64(e.Seq), e); err != nil {
		return err
	}
	meta := t.bucket("meta")
	if err := meta.Put([]byte("audit_head"), []byte(e.Hash)); err != nil {
		return err
	}
	if k := t.db.auditKeys().active(); k != nil {
		return meta.Put([]byte("audit_head_mac"), []byte(k.headMAC(e.Seq, e.Hash)))
	}
	return meta.Delete([]byte("audit_head_mac"))
}

// coverRecords runs before commit: records written after the transaction's last entry
// go into that entry (it is still the head), or into an entry of their own.
func (t *Tx) coverRecords() error {
	if len(t.records) == 0 {
		return nil
	}
	if t.lastAudit != 0 {
		e, err := get[AuditEntry](t, "audit", u64(t.lastAudit))
		if err != nil {
			return err
		}
		if err := t.attachRecords(&e); err != nil {
			return err
		}
		return t.seal(&e)
	}
	_, err := t.Audit(AuditEntry{Operator: "sistema", Action: "registrazione", Subject: "record aggiornati",
		Detail: "scrittura senza un'operazione di sportello"})
	return err
}

// SealAll writes an entry covering every pass version and person as they are now:
// the first seal of a register made before seals (the service does it once, when
// its first key is made).
func (t *Tx) SealAll(e AuditEntry) (AuditEntry, error) {
	for _, bk := range []struct {
		bucket string
		kind   byte
	}{{"passes", sealPass}, {"people", sealPerson}} {
		c := t.bucket(bk.bucket).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			t.records = append(t.records, refOf(bk.kind, readU64(k), v))
		}
	}
	if err := t.DeleteMeta(metaResealPending); err != nil { // sealed again after a re-encoding
		return e, err
	}
	return t.Audit(e)
}

// SealProblem is a record that does not match the last entry that wrote it.
type SealProblem = AuditProblem

// VerifyRecords checks every pass version and person against the last audit entry
// that wrote it (M6): a record changed outside the program, or written by none,
// shows. It reports at most max problems one by one, then how many more.
func (t *Tx) VerifyRecords(max int) (checked int, problems []AuditProblem) {
	if m := t.bucket("meta").Get([]byte(metaResealPending)); m != nil {
		// Re-encoded by a migration and not sealed again yet: every record's bytes
		// changed, so their hashes cannot match (the service seals them again at its
		// first write or check with the register open for writing).
		problems = append(problems, AuditProblem{0, "i record sono stati ricodificati dalla migrazione " + string(m) +
			" e non sono ancora stati sigillati di nuovo: eseguire la verifica con il registro aperto in scrittura (sul server)"})
	} else {
		checked, problems = t.recordProblems(max, true)
	}
	return checked, append(problems, t.migrationSealProblems()...)
}

// recordProblems compares every record with the last entry that wrote it; gone: also
// report the records written by an entry that are no longer there.
func (t *Tx) recordProblems(max int, gone bool) (checked int, problems []AuditProblem) {
	last := newLastWriters(t)
	c := t.bucket("audit").Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		var e AuditEntry
		if decodeAudit(v, &e) != nil {
			continue // VerifyAudit says it
		}
		for _, s := range e.Records {
			if r, ok := parseRef(s); ok {
				last.note(r, e.Seq)
			}
		}
		if e.Sealed != nil {
			side := t.bucket(bSeals).Get(u64(e.Seq))
			if !checkSide(side, e.Sealed, func(r recordRef) { last.note(r, e.Seq) }) {
				problems = append(problems, AuditProblem{e.Seq, sideListAltered(e.Seq).Error()})
			}
		}
	}
	more := 0
	report := func(p AuditProblem) {
		if len(problems) < max {
			problems = append(problems, p)
		} else {
			more++
		}
	}
	for _, bk := range []struct {
		bucket, what string
		kind         byte
	}{{"passes", "contrassegno (versione %d%s)", sealPass}, {"people", "persona %d%s", sealPerson}} {
		c := t.bucket(bk.bucket).Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			checked++
			r := refOf(bk.kind, readU64(k), v)
			s, ok := last.take(r.kind, r.id)
			switch {
			case !ok:
				report(AuditProblem{0, fmt.Sprintf(bk.what, r.id, recordLabel(bk.kind, v)) + ": nessuna voce del registro lo ha scritto (aggiunto fuori dal programma?)"})
			case s.hash != r.hash:
				report(AuditProblem{s.seq, fmt.Sprintf(bk.what, r.id, recordLabel(bk.kind, v)) + ": il contenuto non è quello scritto dalla voce " + strconv.FormatUint(s.seq, 10) + " (modificato fuori dal programma)"})
			}
		}
	}
	if gone {
		last.left(func(kind byte, id, seq uint64) {
			what := "contrassegno (versione %d)"
			if kind == sealPerson {
				what = "persona %d"
			}
			report(AuditProblem{seq, fmt.Sprintf(what, id) + ": scritto dalla voce " + strconv.FormatUint(seq, 10) + ", non c'è più (rimosso fuori dal programma)"})
		})
	}
	if more > 0 {
		problems = append(problems, AuditProblem{0, fmt.Sprintf("e altri %d record non corrispondenti", more)})
	}
	return checked, problems
}

// lastWriters maps each record to the hash the last entry that wrote it gave, and that
// entry. Ids are dense sequences, so passes and people up to their bucket's last id are
// slices indexed by id (24 B a record: ~6 MB for a region, where a map of every record
// took ~150 MB); an id beyond, or another kind, goes to a map (a record removed since).
type lastWriters struct {
	dense [2][]writer // passes, people; seq 0: none
	other map[recordKey]writer
}

type writer struct {
	hash [16]byte
	seq  uint64
}

type recordKey struct {
	kind byte
	id   uint64
}

func newLastWriters(t *Tx) *lastWriters {
	w := &lastWriters{other: map[recordKey]writer{}}
	for i, name := range []string{"passes", "people"} {
		b := t.bucket(name)
		if k, _ := b.Cursor().Last(); k != nil {
			// The last id is read from the file this check exists to distrust: a record
			// put at id 2⁶⁰ must not size the table. Ids are dense (gaps only where a
			// write was undone), so twice the records bound it; beyond, the map.
			w.dense[i] = make([]writer, min(readU64(k)+1, uint64(2*b.Stats().KeyN+4096)))
		}
	}
	return w
}

func (w *lastWriters) slot(kind byte, id uint64) *writer {
	i := -1
	switch kind {
	case sealPass:
		i = 0
	case sealPerson:
		i = 1
	}
	if i >= 0 && id < uint64(len(w.dense[i])) {
		return &w.dense[i][id]
	}
	return nil
}

func (w *lastWriters) note(r recordRef, seq uint64) {
	if s := w.slot(r.kind, r.id); s != nil {
		*s = writer{r.hash, seq}
		return
	}
	w.other[recordKey{r.kind, r.id}] = writer{r.hash, seq}
}

// take returns and forgets what the last writer of the record gave.
func (w *lastWriters) take(kind byte, id uint64) (writer, bool) {
	if s := w.slot(kind, id); s != nil {
		got := *s
		*s = writer{}
		return got, got.seq != 0
	}
	got, ok := w.other[recordKey{kind, id}]
	delete(w.other, recordKey{kind, id})
	return got, ok
}

// left calls fn for every record written and not taken, by kind and id.
func (w *lastWriters) left(fn func(kind byte, id, seq uint64)) {
	rest := make([]recordKey, 0, len(w.other))
	for k := range w.other {
		rest = append(rest, k)
	}
	for i, kind := range []byte{sealPass, sealPerson} {
		for id, s := range w.dense[i] {
			if s.seq != 0 {
				rest = append(rest, recordKey{kind, uint64(id)})
			}
		}
	}
	slices.SortFunc(rest, func(a, b recordKey) int {
		return cmp.Or(cmp.Compare(a.kind, b.kind), cmp.Compare(a.id, b.id))
	})
	for _, k := range rest {
		s := w.other[k]
		if d := w.slot(k.kind, k.id); d != nil {
			s = *d
		}
		fn(k.kind, k.id, s.seq)
	}
}

// recordLabel names a record in a problem: the pass number, the codice fiscale.
func recordLabel(kind byte, raw []byte) string {
	switch kind {
	case sealPass:
		if p, err := DecodePass(raw); err == nil && p.Number != "" {
			return ", numero " + p.Number
		}
	case sealPerson:
		if p, err := DecodePerson(raw); err == nil && p.CodiceFiscale != "" {
			return ", " + p.CodiceFiscale
		}
	}
	return ""
}

// PersonCount is the number of people in the register.
func (t *Tx) PersonCount() int { return t.bucket("people").Stats().KeyN }

// ReadOnly reports whether the database was opened read-only.
func (db *DB) ReadOnly() bool { return db.opt.ReadOnly }

// FirstAuthenticated is the sequence of the chain's first entry with a MAC (0: none).
func (t *Tx) FirstAuthenticated() uint64 {
	c := t.bucket("audit").Cursor()
	for k, v := c.First(); k != nil; k, v = c.Next() {
		if auditHasMAC(v) {
			return readU64(k)
		}
	}
	return 0
}
