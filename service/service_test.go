package service_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/csv"
	"errors"
	"image"
	"image/png"
	"slices"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"

	gossh "golang.org/x/crypto/ssh"
)

func noon(d domain.Date) time.Time { return d.Time().Add(12 * time.Hour) }

func TestWhitelist(t *testing.T) {
	e := newEnv(t)
	// Issued 01/07/2020 until 01/07/2025, renewed today from 02/07/2025.
	first := e.issueReq(mario, service.IssueRequest{Person: rossi(t), Plates: []service.PlateInput{plate("AB123CD")},
		Pass: domain.IssueInput{Kind: domain.Permanente, DataRilascio: date(2020, time.July, 1)}})
	ren, err := e.s.RenewPass(mario, change(first.Pass), domain.RenewInput{})
	if err != nil {
		t.Fatal(err)
	}
	sus := e.issue(mario, bianchi(t), plate("FG456HJ"))
	if _, err := e.s.SuspendPass(mario, change(sus.Pass), today, "verifica"); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		name   string
		plate  string
		at     time.Time
		ok     bool
		passID uint64
		reason string
	}{
		{"today: the old version is valid until the renewal starts", "ab 123 cd", e.clk.now(), true, first.Pass.ID, "autorizzata dal contrassegno L736_2020_00001"},
		{"in the past, the old version", "AB123CD", noon(date(2021, time.March, 3)), true, first.Pass.ID, "L736_2020_00001"},
		{"before the first issue", "AB123CD", noon(date(2020, time.June, 30)), false, 0, "valido dal"},
		{"after the renewal starts", "AB123CD", noon(date(2025, time.July, 2)), true, ren.Pass.ID, "autorizzata"},
		{"last day of the renewal", "AB123CD", noon(date(2030, time.July, 2)), true, ren.Pass.ID, "autorizzata"},
		{"after the renewal expires", "AB123CD", noon(date(2030, time.July, 3)), false, 0, "scaduto il 02/07/2030"},
		{"suspended", "FG456HJ", e.clk.now(), false, 0, "sospeso dal 10/06/2025"},
		{"unknown plate", "ZZ999ZZ", e.clk.now(), false, 0, "non associata"},
	} {
		w, err := e.s.Whitelist(c.plate, "IT", c.at)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if w.Authorised != c.ok || !strings.Contains(w.Reason, c.reason) || (c.ok && w.PassID != c.passID) ||
			w.Plate != domain.NormalizePlate(c.plate) || !w.Day.Equal(domain.DateOf(c.at)) {
			t.Errorf("%s: %+v", c.name, w)
		}
		if c.ok && (w.Number != "L736_2020_00001" || w.Comune != "L736") {
			t.Errorf("%s: number %s comune %s", c.name, w.Number, w.Comune)
		}
	}
	_, err = e.s.Whitelist("A$", "IT", e.clk.now())
	wantErr(t, "invalid plate", err, "non valida")
}

func TestMarkDeceased(t *testing.T) {
	e := newEnv(t)
	later := today.AddDays(20)
	r := e.issueReq(mario, service.IssueRequest{Person: rossi(t),
		Pass:   domain.IssueInput{Kind: domain.Permanente, DataRilascio: date(2024, time.January, 15), Consent: true},
		Plates: []service.PlateInput{{Number: "AB123CD", Role: domain.RolePrincipale}, {Number: "FG456HJ", From: later}}})
	died := date(2025, time.June, 1)
	_, err := e.s.MarkDeceased(mario, r.Pass.PersonID, today.AddDays(1))
	wantErr(t, "death in the future", err, "nel futuro")
	changed, err := e.s.MarkDeceased(mario, r.Pass.PersonID, died)
	if err != nil {
		t.Fatalf("MarkDeceased: %v", err)
	}
	if len(changed) != 1 || changed[0].ID != r.Pass.ID {
		t.Fatalf("changed %+v", changed)
	}
	v := e.get(mario, r.Pass.ID)
	p := v.Pass
	if p.State != domain.Revocato || !p.StateFrom.Equal(died) || !strings.Contains(p.StateReason, "decesso") || v.Status != domain.Revocato {
		t.Errorf("pass after death %+v", p)
	}
	// The plate in use closes the day before; the one that had not started is dropped.
	if len(p.Plates) != 1 || p.Plates[0].Number != "AB123CD" || !p.Plates[0].To.Equal(date(2025, time.May, 31)) {
		t.Errorf("plates after death %+v", p.Plates)
	}
	if !v.Holder.DataDecesso.Equal(died) {
		t.Errorf("holder %+v", v.Holder)
	}
	h := v.History[len(v.History)-1]
	if h.Action != "decesso" || !strings.Contains(h.Detail, "01/06/2025") || !strings.Contains(h.Detail, "rimossa targa FG456HJ") {
		t.Errorf("audit %+v", h)
	}
	w, err := e.s.Whitelist("AB123CD", "IT", e.clk.now())
	if err != nil || w.Authorised || !strings.Contains(w.Reason, "deceduto") {
		t.Errorf("whitelist after death = %+v, %v; want refused, 'deceduto'", w, err)
	}
	if w, _ := e.s.Whitelist("AB123CD", "IT", noon(date(2025, time.May, 31))); !w.Authorised {
		t.Errorf("whitelist the day before death = %+v", w)
	}
	// The national platform hears of it.
	jobs := e.jobs()
	if len(jobs) != 2 || jobs[0].Kind != "rilascio" || jobs[1].Kind != "decesso" || jobs[1].PassID != r.Pass.ID {
		t.Errorf("outbox %+v", jobs)
	}
	_, err = e.s.IssuePass(mario, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "issue to a deceased holder", err, "deceduto")
	// Marking again the same date changes nothing.
	audits := e.auditCount()
	if again, err := e.s.MarkDeceased(mario, r.Pass.PersonID, died); err != nil || len(again) != 0 || e.auditCount() != audits {
		t.Errorf("second MarkDeceased: %+v, %v", again, err)
	}
}

func TestImportDeceased(t *testing.T) {
	e := newEnv(t)
	a := e.issue(mario, rossi(t), plate("AB123CD"))
	b := e.issue(mario, bianchi(t))
	other := e.issue(giulia, verdi(t))
	audits := e.auditCount()
	bad := "codice_fiscale;data_decesso\n" +
		a.Pass.HolderCF + ";01/06/2025\n" +
		"\n" +
		b.Pass.HolderCF + ";31/02/2025\n" +
		"XYZ;01/01/2025\n"
	rep, err := e.s.ImportDeceased(mario, []byte(bad))
	wantErr(t, "file with bad lines", err, "2 righe errate", "nessun decesso")
	if len(rep.Errors) != 2 || rep.Errors[0].Line != 4 || !strings.Contains(rep.Errors[0].Message, "31/02/2025") || rep.Errors[1].Line != 5 {
		t.Errorf("errors %+v", rep.Errors)
	}
	if v := e.get(mario, a.Pass.ID); v.Pass.State != domain.Attivo || !v.Holder.DataDecesso.IsZero() || v.Pass.Version != 1 {
		t.Errorf("a refused file changed %s: %+v", a.Pass.Number, v.Pass)
	}
	if got := e.auditCount(); got != audits {
		t.Errorf("audit %d → %d", audits, got)
	}

	good := "\ufeff# elenco dall'anagrafe\n" +
		a.Pass.HolderCF + ";01/06/2025\n" +
		b.Pass.HolderCF + "\t2025-06-02\n" +
		other.Pass.HolderCF + ",03/06/2025\n" + // Padova's: out of Venezia's scope
		person(t, "NERI", "ANNA", 'F', date(1950, time.May, 5), "L736").CodiceFiscale + " 01/06/2025\n" // nobody's pass
	rep, err = e.s.ImportDeceased(mario, []byte(good))
	if err != nil {
		t.Fatalf("ImportDeceased: %v (%+v)", err, rep)
	}
	if rep.Lines != 4 || rep.Marked != 2 || rep.Revoked != 2 || len(rep.Unknown) != 2 || rep.Unknown[0] != other.Pass.HolderCF || len(rep.Errors) != 0 {
		t.Errorf("report %+v", rep)
	}
	if v := e.get(mario, b.Pass.ID); v.Pass.State != domain.Revocato || !v.Pass.StateFrom.Equal(date(2025, time.June, 2)) {
		t.Errorf("%s after import %+v", b.Pass.Number, v.Pass)
	}
	if v := e.get(giulia, other.Pass.ID); v.Pass.State != domain.Attivo {
		t.Errorf("Venezia's list revoked Padova's pass: %+v", v.Pass)
	}
}

func TestExportCSV(t *testing.T) {
	e := newEnv(t)
	a := e.issue(mario, rossi(t), service.PlateInput{Number: "AB123CD", Role: domain.RolePrincipale}, plate("FG456HJ"))
	b := e.issue(mario, bianchi(t), plate("KL789MN"))
	if _, err := e.s.SuspendPass(mario, change(b.Pass), today, "verifica"); err != nil {
		t.Fatal(err)
	}
	e.issue(giulia, verdi(t), plate("EF456GH"))

	read := func(a service.Actor, what string, at domain.Date) [][]string {
		t.Helper()
		var buf bytes.Buffer
		n, err := e.s.Export(a, what, at, &buf)
		if err != nil {
			t.Fatalf("Export(%s): %v", what, err)
		}
		r := csv.NewReader(&buf)
		r.Comma = ';'
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatalf("Export(%s) is not ';' CSV: %v\n%s", what, err, buf.String())
		}
		if len(recs) != n+1 {
			t.Errorf("Export(%s) said %d rows, wrote %d", what, n, len(recs)-1)
		}
		return recs
	}

	passes := read(mario, "passes", domain.Date{})
	if want := []string{"numero_contrassegno", "comune", "comune_rilascio", "codice_fiscale", "cognome_nome", "tipo", "stato", "canale",
		"data_rilascio", "data_decorrenza", "data_scadenza", "numero_precedente", "duplicato", "consenso_circuito_nazionale",
		"cude_id", "codice_univoco", "targhe"}; !slices.Equal(passes[0], want) {
		t.Errorf("passes header %q", passes[0])
	}
	if len(passes) != 3 {
		t.Fatalf("passes rows %q", passes)
	}
	if want := []string{a.Pass.Number, "L736", "L736", a.Pass.HolderCF, "ROSSI MARIO", "P", "attivo", "sportello",
		"2025-06-10", "2025-06-10", "2030-06-10", "", "N", "N", "", "", "AB123CD FG456HJ"}; !slices.Equal(passes[1], want) {
		t.Errorf("passes row 1 %q\nwant %q", passes[1], want)
	}
	if passes[2][0] != b.Pass.Number || passes[2][6] != "sospeso" || passes[2][16] != "KL789MN" {
		t.Errorf("passes row 2 %q", passes[2])
	}

	plates := read(mario, "plates", domain.Date{})
	if want := []string{"targa", "nazione", "valido_dal", "valido_al", "tipo", "ruolo_nazionale", "numero_contrassegno", "comune", "stato_contrassegno"}; !slices.Equal(plates[0], want) {
		t.Errorf("plates header %q", plates[0])
	}
	if len(plates) != 4 ||
		!slices.Equal(plates[1], []string{"AB123CD", "IT", "2025-06-10", "2030-06-10", "autoveicolo", "principale", a.Pass.Number, "L736", "attivo"}) ||
		plates[2][0] != "FG456HJ" || plates[2][5] != "" || plates[3][0] != "KL789MN" || plates[3][8] != "sospeso" {
		t.Errorf("plates rows %q", plates)
	}

	wl := read(mario, "whitelist", domain.Date{})
	if want := []string{"targa", "nazione", "valido_dal", "valido_al", "tipo", "numero_contrassegno", "comune_rilascio", "stato"}; !slices.Equal(wl[0], want) {
		t.Errorf("whitelist header %q", wl[0])
	}
	if len(wl) != 3 || wl[1][0] != "AB123CD" || wl[2][0] != "FG456HJ" || wl[1][5] != a.Pass.Number || wl[1][3] != "2030-06-10" {
		t.Errorf("whitelist rows %q (the suspended pass's plate must be absent)", wl)
	}
	// The whitelist of a past day, before the issue, is empty.
	if wl := read(mario, "whitelist", date(2025, time.January, 1)); len(wl) != 1 {
		t.Errorf("whitelist of 01/01/2025 %q", wl)
	}
	// Padova exports only its own; the system actor everything.
	if g := read(giulia, "passes", domain.Date{}); len(g) != 2 || g[1][1] != "G224" {
		t.Errorf("Padova's export %q", g)
	}
	if all := read(admin, "plates", domain.Date{}); len(all) != 5 {
		t.Errorf("system export has %d plate rows, want 4", len(all)-1)
	}
	_, err := e.s.Export(mario, "persone", domain.Date{}, &bytes.Buffer{})
	wantErr(t, "unknown export", err, "sconosciuta")
}

func TestOutboxJobWrittenWithIssue(t *testing.T) {
	e := newEnv(t)
	res := e.issueReq(mario, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente, Consent: true},
		Plates: []service.PlateInput{{Number: "AB123CD", Role: domain.RolePrincipale}}})
	jobs := e.jobs()
	if len(jobs) != 1 {
		t.Fatalf("jobs %+v, want exactly one", jobs)
	}
	j := jobs[0]
	if j.Kind != "rilascio" || j.PassID != res.Pass.ID || j.Lineage != res.Pass.Lineage || j.Comune != "L736" ||
		j.State != store.JobPending || j.Attempts != 0 || j.Key != "1-1-rilascio" {
		t.Errorf("job %+v", j)
	}
	// The job and the pass marked in_coda were written together.
	if v := e.get(mario, res.Pass.ID); v.Pass.National.Status != domain.NationalPending || res.Pass.National.Status != domain.NationalPending {
		t.Errorf("national status %q / %q", v.Pass.National.Status, res.Pass.National.Status)
	}
	// No consent, or consent without a principale plate: nothing for the platform.
	e.issueReq(mario, service.IssueRequest{Person: bianchi(t), Pass: domain.IssueInput{Kind: domain.Permanente},
		Plates: []service.PlateInput{{Number: "FG456HJ", Role: domain.RolePrincipale}}})
	e.issueReq(mario, service.IssueRequest{Person: verdi(t), Pass: domain.IssueInput{Kind: domain.Permanente, Consent: true},
		Plates: []service.PlateInput{plate("KL789MN")}})
	// A refused issue writes no job.
	_, err := e.s.IssuePass(mario, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente, Consent: true},
		Plates: []service.PlateInput{{Number: "AB123CD", Role: domain.RolePrincipale}}})
	wantErr(t, "refused issue", err, "contrassegno attivo")
	if jobs := e.jobs(); len(jobs) != 1 {
		t.Errorf("jobs after issues without consent/principale/refused: %+v", jobs)
	}
	// A later change of the consented pass is queued too (N3); a note is not.
	sus, err := e.s.SuspendPass(mario, change(res.Pass), today, "verifica")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.EditPass(mario, change(sus.Pass), service.PassEdit{Note: ptr("nota")}); err != nil {
		t.Fatal(err)
	}
	jobs = e.jobs()
	if len(jobs) != 2 || jobs[1].Kind != "sospensione" || jobs[1].Key != "1-2-sospensione" {
		t.Errorf("jobs after suspension and edit %+v", jobs)
	}
}

func TestHubPublishesAfterCommit(t *testing.T) {
	e := newEnv(t)
	venezia, cancelV := e.s.Hub().Subscribe("L736")
	defer cancelV()
	padova, cancelP := e.s.Hub().Subscribe("G224")
	defer cancelP()
	res := e.issue(mario, rossi(t))
	deadline := time.After(2 * time.Second)
	got := false
	for !got {
		select {
		case ev := <-venezia:
			if pc, ok := ev.(service.PassChanged); ok {
				if pc.PassID != res.Pass.ID || pc.Comune() != "L736" {
					t.Errorf("event %+v", pc)
				}
				got = true
			}
		case <-deadline:
			t.Fatal("no PassChanged received after IssuePass")
		}
	}
	select {
	case ev := <-padova:
		t.Errorf("Padova's subscriber got %+v", ev)
	default:
	}
	// A refused change publishes nothing.
	for len(venezia) > 0 {
		<-venezia
	}
	_, err := e.s.IssuePass(mario, service.IssueRequest{Person: rossi(t), Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "refused issue", err, "contrassegno attivo")
	select {
	case ev := <-venezia:
		t.Errorf("refused issue published %+v", ev)
	default:
	}
}

func TestSavePersonAndPhoto(t *testing.T) {
	e := newEnv(t)
	p := rossi(t)
	p.Cognome, p.Nome = " rossi ", "mario"
	saved, err := e.s.SavePerson(mario, p, "")
	if err != nil {
		t.Fatal(err)
	}
	if saved.ID == 0 || saved.Comune != "L736" || saved.Cognome != "ROSSI" || saved.Version != 1 || saved.UpdatedBy != "mario" {
		t.Errorf("saved %+v", saved)
	}
	_, err = e.s.SavePerson(mario, rossi(t), "")
	wantErr(t, "same CF twice in a comune", err, "esiste già")
	// A codice fiscale that disagrees with the data needs a reason (A2).
	wrong := bianchi(t)
	wrong.DataNascita = date(1976, time.July, 23)
	_, err = e.s.SavePerson(mario, wrong, "")
	var mm *service.MismatchError
	if !errors.As(err, &mm) || !strings.Contains(err.Error(), "indicare il motivo") {
		t.Errorf("mismatch: err = %v", err)
	}
	ok, err := e.s.SavePerson(mario, wrong, "come da tessera sanitaria")
	if err != nil || ok.CFOverride != "come da tessera sanitaria" {
		t.Errorf("override: %+v, %v", ok, err)
	}
	// Update: the version seen must be the current one.
	upd := saved
	upd.Indirizzo = "via garibaldi 1"
	upd, err = e.s.SavePerson(anna, upd, "")
	if err != nil || upd.Version != 2 || upd.Indirizzo != "VIA GARIBALDI 1" {
		t.Fatalf("update %+v, %v", upd, err)
	}
	saved.Note = "vecchia copia"
	_, err = e.s.SavePerson(mario, saved, "")
	var stale *service.StaleError
	if !errors.As(err, &stale) || stale.By != "anna" {
		t.Errorf("stale person save: %v", err)
	}
	// The holder's new name reaches the pass list.
	r := e.issueReq(mario, service.IssueRequest{PersonID: upd.ID, Pass: domain.IssueInput{Kind: domain.Permanente}})
	upd.Nome = "MARIO LUIGI"
	if _, err := e.s.SavePerson(mario, upd, "nome completo"); err != nil {
		t.Fatal(err)
	}
	if v := e.get(mario, r.Pass.ID); v.Pass.HolderName != "ROSSI MARIO LUIGI" {
		t.Errorf("holder name on the pass %q", v.Pass.HolderName)
	}
	if rows, _ := e.s.Search(mario, service.Query{Text: "ROSSI MARIO L"}); len(rows.Rows) != 1 {
		t.Errorf("search by the new name: %+v", rows.Rows)
	}

	var img bytes.Buffer
	if err := png.Encode(&img, image.NewGray(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetPhoto(mario, upd.ID, []byte("non è una foto")); err == nil || !strings.Contains(err.Error(), "JPEG o PNG") {
		t.Errorf("bad photo: %v", err)
	}
	if err := e.s.SetPhoto(mario, upd.ID, img.Bytes()); err != nil {
		t.Fatal(err)
	}
	got, err := e.s.Photo(mario, upd.ID)
	if err != nil || !bytes.Equal(got, img.Bytes()) {
		t.Errorf("photo back: %d bytes, %v", len(got), err)
	}
	if pp, _ := e.s.Person(mario, upd.ID); !pp.HasPhoto {
		t.Errorf("HasPhoto false after SetPhoto")
	}
	if err := e.s.SetPhoto(mario, upd.ID, nil); err != nil {
		t.Fatal(err)
	}
	if got, _ := e.s.Photo(mario, upd.ID); got != nil {
		t.Errorf("photo after removal: %d bytes", len(got))
	}
	if pp, _ := e.s.Person(mario, upd.ID); pp.HasPhoto {
		t.Errorf("HasPhoto true after removal")
	}
}

func TestOperatorsAndAuthenticate(t *testing.T) {
	e := newEnv(t)
	pub, err := gossh.NewPublicKey(ed25519.NewKeyFromSeed(make([]byte, ed25519.SeedSize)).Public())
	if err != nil {
		t.Fatal(err)
	}
	key := strings.TrimSpace(string(gossh.MarshalAuthorizedKey(pub))) + " mario@sportello\n"
	keys, err := service.ParseOperatorKeys([]byte(key), e.clk.now())
	if err != nil || len(keys) != 1 || !strings.HasPrefix(keys[0].Fingerprint, "SHA256:") || keys[0].Comment != "mario@sportello" {
		t.Fatalf("ParseOperatorKeys: %+v, %v", keys, err)
	}
	if _, err := service.ParseOperatorKeys([]byte("non una chiave"), e.clk.now()); err == nil {
		t.Error("ParseOperatorKeys accepted garbage")
	}
	op := domain.Operator{Name: "mario", Role: domain.RoleOperatore, Comune: "L736", Keys: keys}
	if _, err := e.s.AddOperator(mario, op); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("operator adding operators: %v", err)
	}
	if _, err := e.s.AddOperator(capo, domain.Operator{Name: "giulia", Role: domain.RoleOperatore, Comune: "G224"}); !errors.Is(err, service.ErrForbidden) {
		t.Errorf("Venezia's administrator adding a Padova operator: %v", err)
	}
	_, err = e.s.AddOperator(capo, domain.Operator{Name: "Mario Rossi", Role: domain.RoleOperatore, Comune: "L736"})
	wantErr(t, "bad name", err, "non valido")
	saved, err := e.s.AddOperator(capo, op)
	if err != nil || saved.Version != 1 {
		t.Fatalf("AddOperator: %+v, %v", saved, err)
	}
	got, ok := e.s.Authenticate(keys[0].Fingerprint)
	if !ok || got.Name != "mario" || got.Comune != "L736" || got.Role != domain.RoleOperatore {
		t.Errorf("Authenticate = %+v, %v", got, ok)
	}
	if _, ok := e.s.Authenticate("SHA256:nessuno"); ok {
		t.Error("unknown key authenticated")
	}
	_, err = e.s.AddOperator(admin, domain.Operator{Name: "giulia", Role: domain.RoleOperatore, Comune: "G224", Keys: keys})
	wantErr(t, "key of another operator", err, "già registrata", "mario")
	if ops, _ := e.s.Operators(giulia); len(ops) != 0 {
		t.Errorf("Padova sees operators %+v", ops)
	}
	if ops, _ := e.s.Operators(mario); len(ops) != 1 || ops[0].Name != "mario" {
		t.Errorf("Venezia's operators %+v", ops)
	}
	if err := e.s.RemoveOperator(capo, "mario"); err != nil {
		t.Fatal(err)
	}
	if _, ok := e.s.Authenticate(keys[0].Fingerprint); ok {
		t.Error("removed operator's key still authenticates")
	}
	wantErr(t, "remove twice", e.s.RemoveOperator(capo, "mario"), "non trovato")
}

func TestLoadDemoTwice(t *testing.T) {
	e := newEnv(t)
	n, err := e.s.LoadDemo(admin)
	if err != nil {
		t.Fatalf("LoadDemo: %v", err)
	}
	if n != 20 {
		t.Errorf("LoadDemo created %d passes, want 20", n)
	}
	audits := e.auditCount()
	all, _ := e.s.Search(admin, service.Query{Limit: 1000})
	n2, err := e.s.LoadDemo(admin)
	if err != nil || n2 != 0 {
		t.Errorf("second LoadDemo = %d, %v; want 0", n2, err)
	}
	again, _ := e.s.Search(admin, service.Query{Limit: 1000})
	if e.auditCount() != audits || len(again.Rows) != len(all.Rows) {
		t.Errorf("second LoadDemo changed the register: audit %d → %d, rows %d → %d", audits, e.auditCount(), len(all.Rows), len(again.Rows))
	}
	ops, _ := e.s.Operators(admin)
	if len(ops) != 3 {
		t.Errorf("demo operators %+v", ops)
	}
	pr, err := e.s.StoreVerify()
	if err != nil || len(pr) != 0 {
		t.Errorf("StoreVerify after the demo: %+v, %v", pr, err)
	}
}

// Regression: a corrected codice fiscale left the holder's passes filed under the old
// one, so P5 no longer saw the active pass and a second one was issued to the new code.
func TestSavePersonCorrectedCodiceFiscaleMovesPasses(t *testing.T) {
	e := newEnv(t)
	r := e.issue(mario, rossi(t))
	h := e.get(mario, r.Pass.ID).Holder
	h.DataNascita = date(1980, time.January, 2) // the counter typed the wrong day
	h.CodiceFiscale = person(t, "ROSSI", "MARIO", 'M', h.DataNascita, "L736").CodiceFiscale
	if _, err := e.s.SavePerson(mario, h, ""); err != nil {
		t.Fatalf("SavePerson: %v", err)
	}
	v := e.get(mario, r.Pass.ID)
	if v.Pass.HolderCF != h.CodiceFiscale {
		t.Errorf("pass still under %s, holder now %s", v.Pass.HolderCF, h.CodiceFiscale)
	}
	if rows, _ := e.s.Search(mario, service.Query{Text: h.CodiceFiscale}); len(rows.Rows) != 1 {
		t.Errorf("search by the corrected code: %+v", rows.Rows)
	}
	if rows, _ := e.s.Search(mario, service.Query{Text: rossi(t).CodiceFiscale}); len(rows.Rows) != 0 {
		t.Errorf("search by the old code still finds %+v", rows.Rows)
	}
	p := rossi(t)
	p.DataNascita, p.CodiceFiscale = h.DataNascita, h.CodiceFiscale
	_, err := e.s.IssuePass(giulia, service.IssueRequest{Person: p, Pass: domain.IssueInput{Kind: domain.Permanente}})
	wantErr(t, "issue to the corrected code", err, "contrassegno attivo", "in un altro comune") // issue 12.7: not which

	// Correcting a code to one that already holds another active pass is refused.
	b := e.issue(giulia, bianchi(t))
	v2 := verdi(t)
	saved, err := e.s.SavePerson(giulia, v2, "")
	if err != nil {
		t.Fatal(err)
	}
	vp := e.issueReq(giulia, service.IssueRequest{PersonID: saved.ID, Pass: domain.IssueInput{Kind: domain.Permanente}})
	saved.CodiceFiscale = b.Pass.HolderCF
	_, err = e.s.SavePerson(giulia, saved, "codice della tessera sanitaria")
	if err == nil {
		t.Fatal("correction onto a code with another active pass accepted")
	}
	// cfFree refuses it first in the same comune; across comuni P5 does.
	m := e.get(mario, r.Pass.ID).Holder
	m.CodiceFiscale = vp.Pass.HolderCF
	_, err = e.s.SavePerson(mario, m, "codice della tessera sanitaria")
	wantErr(t, "correction onto Padova's holder", err, "contrassegno attivo", "in un altro comune") // issue 12.7: not which
	if v := e.get(mario, r.Pass.ID); v.Pass.HolderCF != h.CodiceFiscale || v.Holder.CodiceFiscale != h.CodiceFiscale {
		t.Errorf("refused correction changed %+v / %+v", v.Pass.HolderCF, v.Holder.CodiceFiscale)
	}
}

// Regression: the whitelist export skipped versions no longer listed, so a plate
// vanished from the gates between a renewal and the start of the new validity.
func TestExportWhitelistBetweenRenewalAndDecorrenza(t *testing.T) {
	e := newEnv(t)
	first := e.issueReq(mario, service.IssueRequest{Person: rossi(t), Plates: []service.PlateInput{plate("AB123CD")},
		Pass: domain.IssueInput{Kind: domain.Permanente, DataRilascio: date(2020, time.July, 1)}})
	if _, err := e.s.RenewPass(mario, change(first.Pass), domain.RenewInput{}); err != nil {
		t.Fatal(err)
	}
	export := func(at domain.Date) [][]string {
		t.Helper()
		var buf bytes.Buffer
		if _, err := e.s.Export(mario, "whitelist", at, &buf); err != nil {
			t.Fatal(err)
		}
		r := csv.NewReader(&buf)
		r.Comma = ';'
		recs, err := r.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs[1:]
	}
	if rows := export(today); len(rows) != 1 ||
		!slices.Equal(rows[0], []string{"AB123CD", "IT", "2020-07-01", "2025-07-01", "autoveicolo", "L736_2020_00001", "L736", "in_scadenza"}) {
		t.Errorf("whitelist of today (old version in force) %q", rows)
	}
	if rows := export(date(2025, time.July, 2)); len(rows) != 1 ||
		!slices.Equal(rows[0], []string{"AB123CD", "IT", "2025-07-02", "2030-07-02", "autoveicolo", "L736_2020_00001", "L736", "attivo"}) {
		t.Errorf("whitelist of 02/07/2025 (new version) %q", rows)
	}
	// A duplicate and a transfer leave one row per plate on a past day, not two.
	r := e.issueReq(mario, service.IssueRequest{Person: bianchi(t), Plates: []service.PlateInput{plate("FG456HJ")},
		Pass: domain.IssueInput{Kind: domain.Permanente, DataRilascio: date(2024, time.January, 10)}})
	d, err := e.s.DuplicatePass(mario, change(r.Pass), domain.DuplicateInput{Reason: domain.Deterioramento})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.TransferPass(mario, change(d.Pass), "G224"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if _, err := e.s.Export(admin, "whitelist", date(2025, time.January, 1), &buf); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(buf.String(), "FG456HJ"); got != 1 {
		t.Errorf("FG456HJ appears %d times in the whitelist of 01/01/2025:\n%s", got, buf.String())
	}
}

// Regression: through its closed "trasferito" version, the old comune read every later
// change the new comune made (M4).
func TestTransferHistoryScopedToEachComune(t *testing.T) {
	e := newEnv(t)
	first := e.issue(mario, rossi(t))
	res, err := e.s.TransferPass(mario, change(first.Pass), "G224")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.SuspendPass(giulia, change(res.Pass), today, "motivo riservato di Padova"); err != nil {
		t.Fatal(err)
	}
	venezia := e.get(mario, first.Pass.ID).History
	for _, h := range venezia {
		if h.Comune == "G224" && h.Action != "trasferimento" || strings.Contains(h.Detail, "riservato") {
			t.Errorf("Venezia reads Padova's entry %+v", h)
		}
	}
	if got := actions(venezia); !slices.Contains(got, "rilascio") || !slices.Contains(got, "trasferimento") {
		t.Errorf("Venezia's history %v, want its issue and the handover", got)
	}
	padova := e.get(giulia, res.Pass.ID).History
	if got := actions(padova); !slices.Equal(got, []string{"rilascio", "trasferimento", "sospensione"}) {
		t.Errorf("Padova's history %v, want the inherited issue, the transfer and its suspension", got)
	}
	if got := actions(e.get(admin, res.Pass.ID).History); len(got) != 4 {
		t.Errorf("system history %v, want all 4 entries", got)
	}
}
