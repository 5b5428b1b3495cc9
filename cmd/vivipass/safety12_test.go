//go:build !lean

package main

import (
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"vivipass/domain"
	"vivipass/service"
	"vivipass/store"
)

// countingReader counts what the command took from its standard input.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// endless gives size bytes of b without holding them.
type endless struct {
	b    byte
	size int64
}

func (e *endless) Read(p []byte) (int, error) {
	if e.size <= 0 {
		return 0, io.EOF
	}
	n := int64(len(p))
	if n > e.size {
		n = e.size
	}
	for i := range p[:n] {
		p[i] = e.b
	}
	e.size -= n
	return int(n), nil
}

// issue 12.9: `import -` of a 50 MB line without separators stops reading after the
// first 64 KB, says why in Italian and writes nothing; a header of a million columns
// in a file is refused with the line named.
func TestImportRefusesAbsurdFilesEarly(t *testing.T) {
	db := newDB(t, "L736")
	in := &countingReader{r: &endless{b: 'A', size: 50 << 20}}
	r := vpIn(t, "", in, "import", "-", "--db", db)
	if r.code != 1 {
		t.Fatalf("exit %d\n%s", r.code, r)
	}
	contains(t, "stderr", r.stderr, "la riga 1 del file è più lunga di 64 KB", "controllare il file scelto")
	if in.n > 1<<20 {
		t.Errorf("the command read %d bytes of a 50 MB line before refusing it", in.n)
	}

	hdr := strings.TrimRight(strings.SplitAfter(string(service.ImportTemplate()), "\n")[0], "\r\n")
	file := write(t, "colonne.csv", []byte(hdr+strings.Repeat(";c", 1_000_000)+"\n"))
	r = vp(t, "import", file, "--json", "--db", db)
	if r.code != 1 || !strings.Contains(r.stdout, "la riga 1 del file è più lunga di 64 KB") {
		t.Errorf("a million columns:\n%s", r)
	}
	file = write(t, "poche.csv", []byte(hdr+strings.Repeat(";c", 500)+"\n"))
	r = must(t, 1, "import", file, "--db", db)
	contains(t, "stderr", r.stderr, "l'intestazione ha 535 colonne, più delle 200 ammesse")
}

// issue 12.10: a record that holds escape sequences (old data, written here with the
// store directly) is shown with them escaped, in text and in valid JSON; an export
// neutralises a formula.
func TestOutputEscapesControlCharacters(t *testing.T) {
	db := demoDB(t)
	st, err := store.Open(db, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	var number string
	err = st.Update(func(tx *store.Tx) error {
		var p domain.Pass
		tx.ForEachPass(func(q domain.Pass) bool {
			if q.Comune == "L736" && q.Current() {
				p = q
				return false
			}
			return true
		})
		h, err := tx.Person(p.PersonID)
		if err != nil {
			return err
		}
		h.Cognome = "=ROSSI\x1b[31m"
		h.Nome += "\u009b2J\x07"
		p.HolderName = h.FullName()
		number = p.Number
		if err := tx.PutPerson(&h); err != nil {
			return err
		}
		return tx.PutPass(&p)
	})
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	raw := func(what, s string) {
		t.Helper()
		if strings.ContainsAny(s, "\x1b\x07\u009b") {
			t.Errorf("%s prints control characters raw: %q", what, s)
		}
	}
	r := must(t, 0, "pass", "show", number, "--db", db)
	raw("pass show", r.stdout)
	contains(t, "pass show", r.stdout, `=ROSSI\u001b[31m`, `\u009b2J\u0007`)
	r = must(t, 0, "pass", "show", number, "--json", "--db", db)
	raw("pass show --json", r.stdout)
	var p passShow
	if err := json.Unmarshal([]byte(r.stdout), &p); err != nil || p.Cognome != "=ROSSI\x1b[31m" {
		t.Errorf("pass show --json: %v, cognome %q\n%s", err, p.Cognome, r.stdout)
	}
	r = must(t, 0, "search", number, "--db", db)
	raw("search", r.stdout)
	contains(t, "search", r.stdout, `\u001b[31m`, `\u009b2J`)
	r = must(t, 0, "export", "passes", "--db", db)
	raw("export", r.stdout)
	contains(t, "export", r.stdout, `'=ROSSI\u001b[31m`)
}

// issue 12.10: the escaper leaves text, line ends and accents alone, also when a
// character or a CRLF is split between two writes.
func TestEscaper(t *testing.T) {
	for _, c := range []struct {
		writes []string
		want   string
	}{
		{[]string{"NICOLÒ «FORLÌ»\tok\r\n"}, "NICOLÒ «FORLÌ»\tok\r\n"},
		{[]string{"a\x1b[31mb"}, `a\u001b[31mb`},
		{[]string{"a\rb"}, `a\u000db`},
		{[]string{"a\r", "\nb"}, "a\r\nb"},
		{[]string{"a\r", "b"}, `a\u000db`},
		{[]string{"x\u009b2J"}, `x\u009b2J`},
		{[]string{"x\xc2", "\x9b2J"}, `x\u009b2J`},
		{[]string{"«\xc2", "\xbb"}, "«»"},
		{[]string{"\x00\x7f"}, `\u0000\u007f`},
	} {
		var b bytes.Buffer
		x := &escaper{w: &b}
		for _, w := range c.writes {
			if n, err := x.Write([]byte(w)); n != len(w) || err != nil {
				t.Errorf("Write(%q) = %d, %v", w, n, err)
			}
		}
		if b.String() != c.want {
			t.Errorf("%q → %q, want %q", c.writes, b.String(), c.want)
		}
	}
}
