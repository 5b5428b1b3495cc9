package parse

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"vivipass/domain"
)

// FuzzParse: go test -fuzz=FuzzParse ./pec/parse
//
// Seeded with the shared samples and testdata/. It calls parse, the
// function under Parse's recover, so that a panic fails the fuzzer instead
// of hiding in a quarantine, and checks the promises of invariants: exactly
// one valid kind, a reason for every quarantine, safe and unique attachment
// names, a key.
func FuzzParse(f *testing.F) {
	for _, raw := range corpus(f) {
		f.Add(raw)
	}
	// Small messages with the istanza and the text lines in clear, so that
	// mutations reach the XML and the fallback rather than base64 noise.
	for _, s := range []string{
		"From: noreply.viviveneto@pec.regione.veneto.it\nX-Trasporto: posta-certificata\n" +
			"Content-Type: multipart/mixed; boundary=x\n\n--x\nContent-Type: text/plain; charset=iso-8859-1\n" +
			"Content-Transfer-Encoding: quoted-printable\n\nTipo richiesta: TARGHE\nCodice fiscale: RSSMRA80A01L736U\n" +
			"Nome: NICOL=D2\nTarga: AB123CD (AGGIUNGI)\nDal: 01/12/2026\nAl: 2031-11-30\n--x\n" +
			"Content-Type: application/xml\nContent-Disposition: attachment; filename=istanza.xml\n\n" +
			"<istanza xmlns=\"urn:viviveneto:istanza:1\"><id>VV-1</id><tipo>TARGHE</tipo><data>2026-11-20</data>" +
			"<comune codice-catastale=\"L736\"/><richiedente><codice-fiscale>RSSMRA80A01L736U</codice-fiscale></richiedente>" +
			"<contrassegno numero=\"L736_2021_00042\" scadenza=\"2026-12-31\"/><duplicato motivo=\"FURTO\"/>" +
			"<targhe><targa numero=\"AB123CD\" operazione=\"AGGIUNGI\" dal=\"2026-12-01\"/></targhe>" +
			"<verifica-inps esito=\"NEGATIVO\"/><allegati><allegato tipo=\"FOTOTESSERA\" nome=\"f.jpg\"/></allegati></istanza>\n" +
			"--x\nContent-Type: image/jpeg\nContent-Disposition: attachment; filename=\"../f.jpg\"\n\n\xff\xd8\xff\n--x--\n",
		"X-Ricevuta: errore-consegna\nContent-Type: multipart/mixed; boundary=y\n\n--y\nContent-Type: application/xml\n" +
			"Content-Disposition: inline; filename=daticert.xml\n\n<postacert tipo=\"errore-consegna\" errore=\"no-dest\">" +
			"<intestazione><mittente>a@b.it</mittente></intestazione><dati><data zona=\"+0100\"><giorno>20/11/2026</giorno>" +
			"<ora>10:00:00</ora></data><identificativo>id1</identificativo><consegna>c@d.it</consegna>" +
			"<errore-esteso>5.1.1</errore-esteso></dati></postacert>\n--y--\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		r := parse(raw, Options{Now: fixedNow})
		if msg := invariants(r); msg != "" {
			t.Fatalf("%s (kind %s, reason %q)", msg, r.Kind, r.Reason)
		}
		// Issue 12.13: the key is the message's idempotency key, so the same bytes give
		// the same key and kind; what the operator reads has no raw control character;
		// the codice fiscale and plates are normalised as the domain does.
		if again := parse(raw, Options{Now: fixedNow}); again.Key != r.Key || again.Kind != r.Kind {
			t.Fatalf("parsed twice: key %q kind %s, then key %q kind %s", r.Key, r.Kind, again.Key, again.Kind)
		}
		for _, w := range append(r.AllWarnings(), r.Reason) {
			if i := strings.IndexFunc(w, func(c rune) bool { return unicode.IsControl(c) && c != '\n' }); i >= 0 {
				t.Fatalf("raw control character in %q", w)
			}
		}
		if q := r.Request; q != nil {
			if cf := q.Applicant.CodiceFiscale; domain.NormalizeCF(cf) != cf {
				t.Fatalf("codice fiscale %q not normalised", cf)
			}
			for _, p := range q.Plates {
				if domain.NormalizePlate(p.Numero) != p.Numero {
					t.Fatalf("plate %q not normalised", p.Numero)
				}
			}
		}
	})
}

// FuzzSafeName: whatever the name, the result is safe and not empty.
func FuzzSafeName(f *testing.F) {
	for _, s := range []string{"", "..", "../../etc/passwd", `C:\evil\x.exe`, "foto\x1b[31m.jpg", "nul", "a..b", "\xff"} {
		f.Add(s, "application/pdf")
	}
	f.Fuzz(func(t *testing.T, name, ct string) {
		got := SafeName(name, ct)
		if !isSafeName(got) || !utf8.ValidString(got) {
			t.Fatalf("SafeName(%q, %q) = %q", name, ct, got)
		}
		if again := SafeName(got, ct); again != got {
			t.Fatalf("SafeName is not idempotent: %q → %q → %q", name, got, again)
		}
	})
}
