package parse

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"vivipass/domain"
)

var fixedNow = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)

func parseFile(t *testing.T, path string, opts Options) Result {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if opts.Now.IsZero() {
		opts.Now = fixedNow
	}
	r := Parse(raw, opts)
	if msg := invariants(r); msg != "" {
		t.Fatalf("%s: %s", path, msg)
	}
	return r
}

// TestSamplesManifest: each shared sample classifies as manifest.tsv says.
func TestSamplesManifest(t *testing.T) {
	dir := filepath.Join(sharedDir(t), "samples", "pec")
	f, err := os.Open(filepath.Join(dir, "manifest.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	rows := 0
	for line := 0; sc.Scan(); line++ {
		if line == 0 || strings.TrimSpace(sc.Text()) == "" {
			continue // header
		}
		cols := strings.Split(sc.Text(), "\t")
		if len(cols) != 5 {
			t.Fatalf("manifest line %d: %d columns", line+1, len(cols))
		}
		rows++
		file, kind, typ, cf, atts := cols[0], cols[1], cols[2], cols[3], cols[4]
		t.Run(file, func(t *testing.T) {
			r := parseFile(t, filepath.Join(dir, file), Options{})
			if r.Kind.String() != kind {
				t.Fatalf("kind %s (%s), want %s; warnings %q", r.Kind, r.Reason, kind, r.AllWarnings())
			}
			switch r.Kind {
			case KindRequest:
				if got := r.Request.Type.String(); got != typ {
					t.Errorf("type %s, want %s", got, typ)
				}
				if got := r.Request.Applicant.CodiceFiscale; got != dash(cf) {
					t.Errorf("codice fiscale %q, want %q", got, cf)
				}
				if len(r.Request.Warnings) != 0 || len(r.Warnings) != 0 {
					t.Errorf("a clean sample gave warnings: %q", r.AllWarnings())
				}
				if !r.Certified || !r.SenderTrusted || r.Request.IDDerived || r.Request.Source != SourceIstanza {
					t.Errorf("certified %v trusted %v derived %v source %s", r.Certified, r.SenderTrusted, r.Request.IDDerived, r.Request.Source)
				}
				if r.Key != "istanza:"+r.Request.ID {
					t.Errorf("key %q for istanza %q", r.Key, r.Request.ID)
				}
			case KindReceipt:
				if got := string(r.Receipt.Type); got != typ {
					t.Errorf("receipt %s, want %s", got, typ)
				}
			}
			var got []string
			for _, a := range r.Attachments {
				if a.Type != AttachIstanza {
					got = append(got, string(a.Type))
				}
			}
			var want []string
			if atts != "-" {
				want = strings.Split(atts, ",")
			}
			slices.Sort(got)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("attachments %v, want %v", got, want)
			}
		})
	}
	if rows < 4 {
		t.Fatalf("manifest has %d rows", rows)
	}
}

func dash(s string) string {
	if s == "-" {
		return ""
	}
	return s
}

type want struct {
	kind    Kind
	typ     Type        // requests (and anomalies carrying one)
	receipt ReceiptType // receipts
	reason  string      // substring of the quarantine reason
	warns   []string    // substrings each found in AllWarnings
	check   func(t *testing.T, r Result)
}

// testdataCases: what each malformed or unusual message of testdata/ must
// give. TestTestdataCovered keeps this table and the directory in step.
var testdataCases = map[string]want{
	"truncated-mime.eml": {kind: KindRequest, typ: TypeRinnovo,
		warns: []string{"troncato", "allegato danneggiato o incompleto: fototessera.jpg"},
		check: func(t *testing.T, r Result) {
			ph := r.AttachmentsOf(AttachPhoto)
			if len(ph) != 1 || !ph[0].Damaged || len(ph[0].Data) == 0 {
				t.Errorf("photo should be kept, partial and damaged: %+v", ph)
			}
		}},
	"missing-boundary.eml": {kind: KindRequest, typ: TypeRinnovo,
		warns: []string{"boundary mancante nell'intestazione"}},
	"missing-boundary-unrecoverable.eml": {kind: KindQuarantine, reason: "struttura MIME danneggiata",
		check: func(t *testing.T, r Result) {
			if r.Key != "msgid:opec.noboundary@pec.aruba.it" {
				t.Errorf("key %q", r.Key)
			}
		}},
	"broken-base64.eml": {kind: KindRequest, typ: TypeRinnovo,
		warns: []string{"allegato danneggiato o incompleto: fototessera.jpg"},
		check: func(t *testing.T, r Result) {
			if ph := r.AttachmentsOf(AttachPhoto); len(ph) != 1 || !ph[0].Damaged {
				t.Errorf("photo %+v", ph)
			}
		}},
	"istanza-broken-text-fallback.eml": {kind: KindRequest, typ: TypeDuplicato,
		warns: []string{"istanza.xml non valido", "dati letti dal testo"},
		check: func(t *testing.T, r Result) {
			q := r.Request
			if q.Source != SourceText || !q.IDDerived || !strings.HasPrefix(q.ID, "MSG-") || len(q.ID) != 36 {
				t.Errorf("source %s id %q derived %v", q.Source, q.ID, q.IDDerived)
			}
			a := q.Applicant
			if a.CodiceFiscale != "BNCGNN75L63L736M" || a.Cognome != "BIANCHI" || a.Nome != "GIOVANNA" ||
				a.Email != "cittadino@example.it" || a.Cellulare != "+39 333 1234567" {
				t.Errorf("applicant %+v", a)
			}
			if q.DuplicateReason != DuplicateFurto || q.INPS != INPSNegative || q.Pass == nil || q.Pass.Numero != "L736_2022_00007" {
				t.Errorf("motivo %s inps %s pass %+v", q.DuplicateReason, q.INPS, q.Pass)
			}
			// Without istanza allegati the attachments are typed by name.
			if len(r.AttachmentsOf(AttachPhoto)) != 1 || len(r.AttachmentsOf(AttachCertificate)) != 1 || len(r.AttachmentsOf(AttachReport)) != 1 {
				t.Errorf("attachments %+v", r.Attachments)
			}
			if r.Key != "istanza:"+q.ID {
				t.Errorf("key %q", r.Key)
			}
		}},
	"istanza-broken-no-text.eml": {kind: KindQuarantine, reason: "istanza.xml non leggibile e testo del messaggio senza dati",
		check: func(t *testing.T, r Result) {
			if len(r.Attachments) != 2 || r.Original == nil {
				t.Errorf("a quarantined message keeps what could be read: %d attachments", len(r.Attachments))
			}
		}},
	"latin1-nicolo.eml": {kind: KindRequest, typ: TypeRinnovo,
		check: func(t *testing.T, r Result) {
			if n := r.Request.Applicant.Nome; n != "NICOLÒ" {
				t.Errorf("nome %q", n)
			}
			if c := r.Request.Applicant.Cognome; c != "D'ANGELO" {
				t.Errorf("cognome %q", c)
			}
			if !strings.Contains(r.Original.Text, "Nome: NICOLÒ") {
				t.Errorf("text %q", r.Original.Text)
			}
			if !strings.HasSuffix(r.Original.Subject, "D'ANGELO NICOLÒ") {
				t.Errorf("subject %q", r.Original.Subject)
			}
			if len(r.AllWarnings()) != 0 {
				t.Errorf("warnings %q", r.AllWarnings())
			}
		}},
	"charset-mislabelled.eml": {kind: KindRequest, typ: TypeRinnovo,
		warns: []string{"letto come ISO-8859-1", "istanza.xml mancante"},
		check: func(t *testing.T, r Result) {
			if n := r.Request.Applicant.Nome; n != "NICOLÒ" {
				t.Errorf("nome %q", n)
			}
		}},
	"anomalia.eml": {kind: KindAnomaly, warns: []string{"busta di anomalia"},
		check: func(t *testing.T, r Result) {
			if r.Certified || r.Request != nil || r.Original == nil || r.Sender != "mario.bianchi@gmail.com" {
				t.Errorf("certified %v request %v sender %q", r.Certified, r.Request, r.Sender)
			}
		}},
	"anomalia-richiesta.eml": {kind: KindAnomaly, typ: TypeRinnovo, warns: []string{"busta di anomalia", WarnUntrustedSender},
		check: func(t *testing.T, r Result) {
			if r.Request.SenderTrusted || r.Certified {
				t.Error("a request inside an anomaly is not trusted")
			}
			if strings.HasPrefix(r.Key, "istanza:") {
				t.Errorf("an anomaly keeps a message key, got %q", r.Key)
			}
		}},
	"ricevuta-accettazione.eml":      {kind: KindReceipt, receipt: ReceiptAccettazione},
	"ricevuta-non-accettazione.eml":  {kind: KindReceipt, receipt: ReceiptNonAccettazione, check: receiptError("Destinatario non valido")},
	"ricevuta-presa-in-carico.eml":   {kind: KindReceipt, receipt: ReceiptPresaInCarico},
	"ricevuta-avvenuta-consegna.eml": {kind: KindReceipt, receipt: ReceiptAvvenutaConsegna},
	"ricevuta-errore-consegna.eml": {kind: KindReceipt, receipt: ReceiptErroreConsegna,
		check: receiptError("casella inesistente")},
	"ricevuta-preavviso-errore-consegna.eml": {kind: KindReceipt, receipt: ReceiptPreavvisoErroreConsegna},
	"ricevuta-rilevazione-virus.eml":         {kind: KindReceipt, receipt: ReceiptRilevazioneVirus},
	"ricevuta-senza-intestazione.eml": {kind: KindReceipt, receipt: ReceiptAccettazione,
		warns: []string{"intestazioni PEC"}},
	"tipo-sconosciuto.eml": {kind: KindRequest, typ: TypeSportello,
		check: sportello("tipo di richiesta sconosciuto: CAMBIO_INTESTATARIO")},
	"temporaneo.eml":       {kind: KindRequest, typ: TypeSportello, check: sportello("permesso temporaneo")},
	"cambio-residenza.eml": {kind: KindRequest, typ: TypeSportello, check: sportello("cambio di residenza")},
	"nomi-pericolosi.eml": {kind: KindRequest, typ: TypeRinnovo,
		check: func(t *testing.T, r Result) {
			want := []string{"istanza.xml", "passwd", "x.exe", "foto_31m_evil.jpg", "fattura_fdp.exe", "_CON.pdf",
				"allegato.pdf", "allegato-2.pdf", strings.Repeat("x", 96) + ".pdf", "hosts", "hidden"}
			var got []string
			for _, a := range r.Attachments {
				got = append(got, a.SafeName)
				for _, c := range a.Name {
					if c < 0x20 || c == 0x7f || c == 0x202e {
						t.Errorf("Name %q keeps a control character", a.Name)
					}
				}
			}
			if !slices.Equal(got, want) {
				t.Errorf("safe names\n got %q\nwant %q", got, want)
			}
			if r.Attachments[1].Name != "../../etc/passwd" || r.Attachments[2].Name != `C:\evil\x.exe` {
				t.Errorf("the name as sent is kept for display: %q %q", r.Attachments[1].Name, r.Attachments[2].Name)
			}
		}},
	"mittente-non-verificato.eml": {kind: KindRequest, typ: TypeRinnovo, warns: []string{WarnUntrustedSender},
		check: func(t *testing.T, r Result) {
			if r.SenderTrusted || r.Request.SenderTrusted || r.Sender != "falso.viviveneto@pec.example.it" {
				t.Errorf("trusted %v sender %q", r.SenderTrusted, r.Sender)
			}
			// Same istanza id as sample 001: it must not take its key.
			if r.Key != "istanza:VV-2026-000101|da:falso.viviveneto@pec.example.it" {
				t.Errorf("key %q", r.Key)
			}
		}},
	"posta-normale.eml": {kind: KindOther,
		check: func(t *testing.T, r Result) {
			if r.Certified || r.Sender != "mario.bianchi@gmail.com" || r.Key != "msgid:plain.2@gmail.com" {
				t.Errorf("certified %v sender %q key %q", r.Certified, r.Sender, r.Key)
			}
		}},
	"allegati-duplicati.eml": {kind: KindRequest, typ: TypeDuplicato,
		warns: []string{"scansione.pdf abbinato a denuncia", "non indicato nell'istanza: FOTO.JPG"},
		check: func(t *testing.T, r Result) {
			var names []string
			for _, a := range r.Attachments {
				names = append(names, a.SafeName)
			}
			if want := []string{"istanza.xml", "FOTO.JPG", "foto-2.jpg", "foto-3.jpg", "scansione.pdf"}; !slices.Equal(names, want) {
				t.Errorf("names %q, want %q", names, want)
			}
			// The exact name wins over the case-insensitive one.
			if r.Attachments[2].Type != AttachPhoto || r.Attachments[1].Type != AttachOther || r.Attachments[4].Type != AttachReport {
				t.Errorf("types %s %s %s", r.Attachments[1].Type, r.Attachments[2].Type, r.Attachments[4].Type)
			}
			if d := r.Request.Declared; len(d) != 2 || d[0].Index != 2 || d[1].Index != 4 {
				t.Errorf("declared %+v", d)
			}
		}},
	"rfc822-annidato.eml": {kind: KindOther,
		check: func(t *testing.T, r Result) {
			if len(r.Attachments) != 1 || r.Attachments[0].ContentType != "message/rfc822" ||
				r.Attachments[0].SafeName != "richiesta_inoltrata.eml" || r.Attachments[0].Type != AttachOther {
				t.Errorf("the forwarded request is one opaque attachment: %+v", r.Attachments)
			}
			if !bytes.Contains(r.Attachments[0].Data, []byte("istanza.xml")) {
				t.Error("the nested message's bytes are kept")
			}
		}},
	"pec-altro.eml": {kind: KindOther,
		check: func(t *testing.T, r Result) {
			if !r.Certified || r.Sender != "cittadino@pec.it" || len(r.Attachments) != 1 ||
				r.Attachments[0].SafeName != "documento_identita.pdf" || r.Attachments[0].Name != "documento identità.pdf" {
				t.Errorf("certified %v sender %q attachments %+v", r.Certified, r.Sender, r.Attachments)
			}
		}},
	"senza-postacert.eml": {kind: KindQuarantine, reason: "senza il messaggio originale"},
	"testo-senza-istanza.eml": {kind: KindRequest, typ: TypeTarghe, warns: []string{"istanza.xml mancante"},
		check: func(t *testing.T, r Result) {
			q := r.Request
			if q.Source != SourceText || len(q.Plates) != 3 {
				t.Fatalf("source %s plates %+v", q.Source, q.Plates)
			}
			p0, p1, p2 := q.Plates[0], q.Plates[1], q.Plates[2]
			if p0.Numero != "AB123CD" || p0.Operazione != PlateAdd || p0.Dal != domain.MustDate(2026, 12, 1) || p0.Al != domain.MustDate(2031, 11, 30) {
				t.Errorf("plate 0 %+v", p0)
			}
			if p1.Numero != "EF456GH" || p1.Operazione != PlateRemove || p1.Dal != domain.MustDate(2026, 12, 1) || !p1.Al.IsZero() {
				t.Errorf("plate 1 %+v", p1)
			}
			// No date anywhere in the request: dal is the certification day.
			if p2.Operazione != "" || !p2.DalDefault || p2.Dal != domain.MustDate(2026, 11, 20) {
				t.Errorf("plate 2 %+v", p2)
			}
		}},
	"richiesta-non-certificata.eml": {kind: KindRequest, typ: TypeRinnovo, warns: []string{WarnNotCertified, WarnUntrustedSender},
		check: func(t *testing.T, r Result) {
			if r.Certified || r.SenderTrusted {
				t.Error("a plain mail is neither certified nor trusted, whatever its From")
			}
			if !strings.HasSuffix(r.Key, "|non-certificato") {
				t.Errorf("key %q", r.Key)
			}
		}},
	"html-only.eml": {kind: KindRequest, typ: TypeRinnovo,
		check: func(t *testing.T, r Result) {
			a := r.Request.Applicant
			if a.CodiceFiscale != "RSSMRA80A01L736U" || a.Email != "cittadino@example.it" || a.Cellulare != "+39 333 1234567" {
				t.Errorf("applicant %+v", a)
			}
		}},
	"header-illeggibile.eml": {kind: KindQuarantine, reason: "intestazione non valida",
		check: func(t *testing.T, r Result) {
			if !strings.HasPrefix(r.Key, "sha256:") {
				t.Errorf("key %q", r.Key)
			}
		}},
	"istanza-senza-namespace.eml": {kind: KindRequest, typ: TypeTarghe,
		warns: []string{"targa \"GH!!\" non valida", "operazione sconosciuta \"SPOSTA\"", "certificato medico non allegato"},
		check: func(t *testing.T, r Result) {
			q := r.Request
			if q.Applicant.CodiceFiscale != "RSSMRA80A01L736U" || len(q.Plates) != 3 {
				t.Fatalf("cf %q plates %+v", q.Applicant.CodiceFiscale, q.Plates)
			}
			// dal defaults to the request date, al to the pass expiry.
			p := q.Plates[0]
			if p.Numero != "AB123CD" || p.Dal != domain.MustDate(2026, 11, 20) || !p.DalDefault ||
				p.Al != domain.MustDate(2026, 12, 31) || !p.AlDefault {
				t.Errorf("plate 0 %+v", p)
			}
		}},
	"valori-non-validi.eml": {kind: KindRequest, typ: TypeDuplicato,
		warns: []string{"codice fiscale non valido", "scadenza del contrassegno non valida", "motivo del duplicato sconosciuto: ROTTURA",
			"istanza senza id", "assente: denuncia", "non sembra un'immagine"},
		check: func(t *testing.T, r Result) {
			if !r.Request.IDDerived || r.Request.Applicant.CodiceFiscale != "RSSMRA80A01L736X" {
				t.Errorf("derived %v cf %q (kept as written)", r.Request.IDDerived, r.Request.Applicant.CodiceFiscale)
			}
		}},
}

func receiptError(text string) func(t *testing.T, r Result) {
	return func(t *testing.T, r Result) {
		if !strings.Contains(r.Receipt.ErroreEsteso, text) || !r.Receipt.Type.Failure() {
			t.Errorf("receipt %+v", r.Receipt)
		}
	}
}

func sportello(reason string) func(t *testing.T, r Result) {
	return func(t *testing.T, r Result) {
		if !strings.Contains(r.Request.SportelloReason, reason) {
			t.Errorf("sportello reason %q, want %q", r.Request.SportelloReason, reason)
		}
	}
}

func TestTestdata(t *testing.T) {
	for name, w := range testdataCases {
		t.Run(name, func(t *testing.T) {
			r := parseFile(t, filepath.Join("testdata", name), Options{})
			if r.Kind != w.kind {
				t.Fatalf("kind %s (%q), want %s; warnings %q", r.Kind, r.Reason, w.kind, r.AllWarnings())
			}
			if w.reason != "" && !strings.Contains(r.Reason, w.reason) {
				t.Errorf("reason %q, want %q", r.Reason, w.reason)
			}
			if w.typ != 0 {
				if r.Request == nil {
					t.Fatalf("no request; warnings %q", r.AllWarnings())
				}
				if r.Request.Type != w.typ {
					t.Errorf("type %s, want %s", r.Request.Type, w.typ)
				}
			}
			if w.receipt != "" && r.Receipt.Type != w.receipt {
				t.Errorf("receipt %s, want %s", r.Receipt.Type, w.receipt)
			}
			all := strings.Join(r.AllWarnings(), "\n")
			for _, s := range w.warns {
				if !strings.Contains(all, s) {
					t.Errorf("no warning %q in\n%s", s, all)
				}
			}
			if w.check != nil {
				w.check(t, r)
			}
		})
	}
}

// TestTestdataCovered: every message in testdata/ has its expectation.
func TestTestdataCovered(t *testing.T) {
	files, _ := filepath.Glob(filepath.Join("testdata", "*.eml"))
	if len(files) < 15 {
		t.Fatalf("only %d testdata messages", len(files))
	}
	for _, f := range files {
		if _, ok := testdataCases[filepath.Base(f)]; !ok {
			t.Errorf("%s has no expectation in testdataCases", f)
		}
	}
	for name := range testdataCases {
		if _, err := os.Stat(filepath.Join("testdata", name)); err != nil {
			t.Errorf("expectation for missing file %s", name)
		}
	}
}

// bigMessage builds a plain mail of at least size bytes with a base64 attachment.
func bigMessage(size int) []byte {
	var b bytes.Buffer
	b.WriteString("From: cittadino@pec.it\r\nTo: protocollo@pec.example.it\r\nSubject: allegato enorme\r\n" +
		"Message-ID: <big.1@pec.it>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n" +
		"Content-Disposition: attachment; filename=\"grande.pdf\"\r\n\r\n")
	line := base64.StdEncoding.EncodeToString(bytes.Repeat([]byte("PDFDATA!"), 8)[:57]) + "\r\n"
	for b.Len() < size {
		b.WriteString(line)
	}
	b.WriteString("--B--\r\n")
	return b.Bytes()
}

// TestOversize: over MaxSize the message is quarantined unread, with the
// header block still read for the list and the key. The 30 MB message is
// built here, not stored in git.
func TestOversize(t *testing.T) {
	raw := bigMessage(int(DefaultMaxSize) + 1)
	r := Parse(raw, Options{})
	if r.Kind != KindQuarantine || r.Reason != "messaggio oltre 30 MB" {
		t.Fatalf("kind %s reason %q", r.Kind, r.Reason)
	}
	if r.Size != int64(len(raw)) || r.Envelope.Subject != "allegato enorme" || r.Key != "msgid:big.1@pec.it" {
		t.Errorf("size %d subject %q key %q", r.Size, r.Envelope.Subject, r.Key)
	}
	if r.Original != nil || len(r.Attachments) != 0 {
		t.Error("an oversize message is not parsed")
	}
	if msg := invariants(r); msg != "" {
		t.Fatal(msg)
	}

	// A smaller limit, and a message just under it that is parsed.
	small := bigMessage(2 << 20)
	if r := Parse(small, Options{MaxSize: 1 << 20}); r.Kind != KindQuarantine || r.Reason != "messaggio oltre 1 MB" {
		t.Errorf("1 MB limit: %s %q", r.Kind, r.Reason)
	}
	if r := Parse(small, Options{MaxSize: int64(len(small))}); r.Kind != KindOther || len(r.Attachments) != 1 {
		t.Errorf("at the limit: %s %q, %d attachments", r.Kind, r.Reason, len(r.Attachments))
	}
}

// TestDeterministic: the same bytes give the same result (and key), and
// Parse does not touch its input.
func TestDeterministic(t *testing.T) {
	for path, raw := range corpus(t) {
		keep := bytes.Clone(raw)
		a := Parse(raw, Options{Now: fixedNow})
		b := Parse(raw, Options{Now: fixedNow})
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: two parses differ", path)
		}
		if !bytes.Equal(raw, keep) {
			t.Errorf("%s: input modified", path)
		}
		if msg := invariants(a); msg != "" {
			t.Errorf("%s: %s", path, msg)
		}
	}
}

// TestKeysDistinct: the messages of the corpus that are different messages
// get different keys (the samples share envelope ids on purpose).
func TestKeysDistinct(t *testing.T) {
	seen := map[string]string{}
	for path, raw := range corpus(t) {
		r := Parse(raw, Options{Now: fixedNow})
		if prev, ok := seen[r.Key]; ok {
			t.Errorf("%s and %s share key %q", prev, path, r.Key)
		}
		seen[r.Key] = path
	}
}

func TestTrustedSenders(t *testing.T) {
	path := filepath.Join(sharedDir(t), "samples", "pec", "001-rinnovo.eml")
	for _, tc := range []struct {
		name    string
		trusted []string
		ok      bool
	}{
		{"default", nil, true},
		{"case-insensitive", []string{"  NoReply.VIVIVENETO@pec.regione.veneto.it "}, true},
		{"other address", []string{"altro@pec.regione.veneto.it"}, false},
		{"nobody", []string{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := parseFile(t, path, Options{TrustedSenders: tc.trusted})
			warned := slices.Contains(r.Request.Warnings, WarnUntrustedSender)
			if r.Kind != KindRequest || r.SenderTrusted != tc.ok || r.Request.SenderTrusted != tc.ok || warned == tc.ok {
				t.Errorf("kind %s trusted %v warned %v", r.Kind, r.SenderTrusted, warned)
			}
			if tc.ok != (r.Key == "istanza:VV-2026-000101") {
				t.Errorf("key %q", r.Key)
			}
		})
	}
}

// TestEnvelopeFromNeverSender: the envelope From ("Per conto di: …"
// <posta-certificata@provider>) is not the sender, even when daticert is gone.
func TestEnvelopeFromNeverSender(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sharedDir(t), "samples", "pec", "001-rinnovo.eml"))
	if err != nil {
		t.Fatal(err)
	}
	// Rename daticert.xml and make its content unrecognisable: the sender must
	// then come from postacert.eml's From.
	s := strings.ReplaceAll(string(raw), "daticert.xml", "dati.bin")
	s = strings.ReplaceAll(s, "Content-Type: application/xml; name=\"dati.bin\"", "Content-Type: application/octet-stream")
	r := Parse([]byte(s), Options{})
	if r.Kind != KindRequest || r.Daticert != nil {
		t.Fatalf("kind %s daticert %v", r.Kind, r.Daticert)
	}
	if r.Sender != DefaultTrustedSender || strings.Contains(r.Sender, "posta-certificata") {
		t.Errorf("sender %q", r.Sender)
	}
	if !slices.Contains(r.Warnings, warnNoDaticert) {
		t.Errorf("warnings %q", r.Warnings)
	}
}

func TestEmptyAndGarbage(t *testing.T) {
	for _, raw := range [][]byte{nil, {}, []byte("\r\n\r\n  \n"), []byte("\x00\x01\x02"), []byte(":"), []byte("From")} {
		r := Parse(raw, Options{})
		if msg := invariants(r); msg != "" {
			t.Errorf("%q: %s", raw, msg)
		}
		if r.Kind != KindQuarantine && r.Kind != KindOther {
			t.Errorf("%q: kind %s", raw, r.Kind)
		}
	}
	if r := Parse(nil, Options{}); r.Reason != reasonEmpty {
		t.Errorf("empty: %q", r.Reason)
	}
}

func TestSafeName(t *testing.T) {
	for _, tc := range []struct{ in, ct, want string }{
		{"fototessera.jpg", "image/jpeg", "fototessera.jpg"},
		{"../../etc/passwd", "", "passwd"},
		{`C:\evil\x.exe`, "", "x.exe"},
		{"C:x.exe", "", "x.exe"},
		{"..", "application/pdf", "allegato.pdf"},
		{"...", "", "allegato.bin"},
		{"", "image/png", "allegato.png"},
		{"/", "message/rfc822", "allegato.eml"},
		{".bashrc", "", "bashrc"},
		{"-rf", "", "rf"},
		{"a..b.pdf", "", "a.b.pdf"},
		{"certificato medico (1).pdf", "", "certificato_medico_1.pdf"},
		{"àèìòù ÀÈÌÒÙ.pdf", "", "aeiou_AEIOU.pdf"},
		{"fattura\u202efdp.exe", "", "fattura_fdp.exe"},
		{"foto\x00.jpg", "", "foto.jpg"},
		{"nul", "", "_nul"},
		{"LPT1.txt", "", "_LPT1.txt"},
		{"CONIN$", "", "CONIN"},
		{"日本語.pdf", "application/pdf", "allegato.pdf"},
		{"x." + strings.Repeat("e", 40), "", "x." + strings.Repeat("e", 40)},
		{strings.Repeat("a", 200) + ".pdf", "", strings.Repeat("a", 96) + ".pdf"},
		{"\xff\xfe.pdf", "", "allegato.pdf"},
		{"foto.", "", "foto"},
		{"0. 0.", "", "0.0"},
		{"x_.pdf", "", "x.pdf"},
		{"a._-.b", "", "a.b"},
		{"x._pdf_", "", "x.pdf"},
	} {
		got := SafeName(tc.in, tc.ct)
		if got != tc.want {
			t.Errorf("SafeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if !isSafeName(got) {
			t.Errorf("SafeName(%q) = %q is not safe", tc.in, got)
		}
	}
}

func TestUniqueNames(t *testing.T) {
	atts := []Attachment{{SafeName: "a.pdf"}, {SafeName: "A.PDF"}, {SafeName: "a-2.pdf"}, {SafeName: "a.pdf"},
		{SafeName: strings.Repeat("b", 96) + ".pdf"}, {SafeName: strings.Repeat("b", 96) + ".pdf"}}
	uniqueNames(atts)
	var got []string
	for _, a := range atts {
		got = append(got, a.SafeName)
		if !isSafeName(a.SafeName) {
			t.Errorf("%q not safe", a.SafeName)
		}
	}
	want := []string{"a.pdf", "A-2.PDF", "a-2-2.pdf", "a-3.pdf", strings.Repeat("b", 96) + ".pdf", strings.Repeat("b", 94) + "-2.pdf"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
}

func TestTextLines(t *testing.T) {
	r := parseTextLines("TIPO_RICHIESTA :  duplicato\n  codice  fiscale: rss mra 80a01 l736u\r\n- Motivo Duplicato: smarrimento\n" +
		"Targa: AB 123 CD - rimuovi\nAl: 31/12/2030\nNome:\nnome: MARIO\nRiga senza campo\nCampo ignoto: x\n")
	if r == nil {
		t.Fatal("nil")
	}
	if r.tipo != "duplicato" || r.cf != "rss mra 80a01 l736u" || r.motivo != "smarrimento" || r.nome != "MARIO" {
		t.Errorf("%+v", r)
	}
	if len(r.plates) != 1 || r.plates[0] != (rawPlate{numero: "AB 123 CD", op: "RIMUOVI", al: "31/12/2030"}) {
		t.Errorf("plates %+v", r.plates)
	}
	if parseTextLines("Buongiorno,\nnessun campo qui.\n") != nil {
		t.Error("no known field must give nil")
	}
}

func TestClassifyTipo(t *testing.T) {
	for in, want := range map[string]Type{
		"RINNOVO": TypeRinnovo, " rinnovo ": TypeRinnovo, "Duplicato": TypeDuplicato, "TARGHE": TypeTarghe,
		"": TypeSportello, "TEMPORANEO": TypeSportello, "RINNOVO_CAMBIO_RESIDENZA": TypeSportello, "NUOVO": TypeSportello,
	} {
		if got, reason := classifyTipo(in); got != want || (got == TypeSportello) != (reason != "") {
			t.Errorf("classifyTipo(%q) = %s %q, want %s", in, got, reason, want)
		}
	}
}

func TestLabels(t *testing.T) {
	for _, k := range Kinds() {
		if !k.Valid() || k.Label() == "" || k.String() == "invalid" {
			t.Errorf("kind %d", k)
		}
		if back, ok := KindFromString(k.String()); !ok || back != k {
			t.Errorf("KindFromString(%q)", k.String())
		}
	}
	if Kind(0).Valid() {
		t.Error("the zero Kind must not be valid")
	}
	for _, ty := range []Type{TypeRinnovo, TypeDuplicato, TypeTarghe, TypeSportello} {
		if ty.Label() == "" || ty.String() == "INVALIDO" {
			t.Errorf("type %d", ty)
		}
	}
	if TypeSportello.Label() != "da gestire allo sportello" {
		t.Error(TypeSportello.Label())
	}
	for _, rt := range ReceiptTypes() {
		if !rt.Known() || !strings.HasPrefix(rt.Label(), "ricevuta") && !strings.HasPrefix(rt.Label(), "avviso") && !strings.HasPrefix(rt.Label(), "preavviso") {
			t.Errorf("receipt %s: %q", rt, rt.Label())
		}
	}
	if ReceiptType("boh").Known() || ReceiptType("boh").Label() != "ricevuta (boh)" {
		t.Error("unknown receipt")
	}
	for _, a := range []AttachmentType{AttachPhoto, AttachCertificate, AttachReport, AttachIstanza, AttachOther} {
		if a.Label() == "" {
			t.Errorf("attachment type %s", a)
		}
	}
}

// TestPanicBecomesQuarantine pins the last-resort net: a panic inside the
// parser gives a quarantined result with a key instead of stopping the
// mailbox worker.
func TestPanicBecomesQuarantine(t *testing.T) {
	raw := []byte("Subject: x\r\n\r\nbody")
	r := Parse(raw, Options{testHook: func() { panic("boom") }})
	if msg := invariants(r); msg != "" || r.Kind != KindQuarantine || !strings.Contains(r.Reason, "boom") || r.Key != rawKey(raw) {
		t.Errorf("%s %s %q %q", msg, r.Kind, r.Reason, r.Key)
	}
}

// TestDaticertWithoutHeader: a busta with daticert.xml but no X-Trasporto
// is read as one, but neither certified nor trusted: otherwise any mail with
// a daticert.xml attached would pass for a certified request.
func TestDaticertWithoutHeader(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(sharedDir(t), "samples", "pec", "001-rinnovo.eml"))
	if err != nil {
		t.Fatal(err)
	}
	s := strings.Replace(string(raw), "X-Trasporto: posta-certificata\r\n", "", 1)
	if s == string(raw) {
		t.Fatal("sample changed: no X-Trasporto line")
	}
	r := Parse([]byte(s), Options{})
	if r.Kind != KindRequest || r.Certified || r.SenderTrusted || r.Request.ID != "VV-2026-000101" {
		t.Fatalf("kind %s certified %v trusted %v", r.Kind, r.Certified, r.SenderTrusted)
	}
	all := strings.Join(r.AllWarnings(), "\n")
	for _, w := range []string{warnNoPECHeader, WarnNotCertified, WarnUntrustedSender} {
		if !strings.Contains(all, w) {
			t.Errorf("no warning %q in %q", w, all)
		}
	}
	if r.Key == "istanza:VV-2026-000101" {
		t.Error("an uncertified copy took the genuine request's key")
	}
}

// TestHostileStructure: nesting and part bombs end with a warning, within
// the limits, instead of exhausting the stack or the memory.
func TestHostileStructure(t *testing.T) {
	var deep bytes.Buffer
	deep.WriteString("From: a@b.it\r\nMessage-ID: <deep@b.it>\r\nMIME-Version: 1.0\r\n")
	const levels = 5000
	for i := 0; i < levels; i++ {
		fmt.Fprintf(&deep, "Content-Type: multipart/mixed; boundary=\"b%d\"\r\n\r\n--b%d\r\n", i, i)
	}
	deep.WriteString("Content-Type: text/plain\r\n\r\nTipo richiesta: RINNOVO\r\n")
	for i := levels - 1; i >= 0; i-- {
		fmt.Fprintf(&deep, "--b%d--\r\n", i)
	}
	r := Parse(deep.Bytes(), Options{})
	if msg := invariants(r); msg != "" {
		t.Fatal(msg)
	}
	if !slices.Contains(r.Warnings, warnTooDeep) {
		t.Errorf("deep: %s %q", r.Kind, r.Warnings)
	}

	var wide bytes.Buffer
	wide.WriteString("From: a@b.it\r\nMessage-ID: <wide@b.it>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=w\r\n\r\n")
	for i := 0; i < 3*maxParts; i++ {
		fmt.Fprintf(&wide, "--w\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"a.pdf\"\r\n\r\n%%PDF-%d\r\n", i)
	}
	wide.WriteString("--w--\r\n")
	r = Parse(wide.Bytes(), Options{})
	if msg := invariants(r); msg != "" {
		t.Fatal(msg)
	}
	if len(r.Attachments) >= maxParts || !slices.Contains(r.Warnings, say(warnTooManyParts, maxParts)) {
		t.Errorf("wide: %d attachments, warnings %q", len(r.Attachments), r.Warnings)
	}
}

func TestRequestSubject(t *testing.T) {
	for s, want := range map[string]bool{
		"viviVeneto - RINNOVO - L736_2021_00042 - ROSSI MARIO":                   true,
		"POSTA CERTIFICATA: viviVeneto - TARGHE - L736_2021_00042 - ROSSI MARIO": true,
		"vivi veneto - DUPLICATO - nuovo - BIANCHI GIOVANNA":                     true,
		"VIVIVENETO - RINNOVO - L736_2021_00042 - D'ANGELO-FOSCARI NICOLÒ":       true,
		"Re: viviVeneto - RINNOVO - L736_2021_00042 - ROSSI MARIO":               false,
		"viviVeneto - problema con l'app":                                        false,
		"viviVeneto":                                                             false,
		"viviVenetoX - A - B - C":                                                false,
		"POSTA CERTIFICATA: Richiesta appuntamento":                              false,
	} {
		if got := looksLikeRequestSubject(s); got != want {
			t.Errorf("%q: %v, want %v", s, got, want)
		}
	}
}
