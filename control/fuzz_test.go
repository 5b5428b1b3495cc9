package control

import (
	"bytes"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

// FuzzRequest (issue 12.13): the request frame comes from whatever connects to the
// socket. decodeRequest never panics; a request it accepts passes check, has bounded
// fields with no control character in its user and paths, and reads back the same once
// encoded again; a refusal is a short Italian message (not the JSON decoder's English)
// with no raw control character, since it goes to the log and the client.
func FuzzRequest(f *testing.F) {
	for _, r := range []Request{
		{Version: Version, Args: []string{"pass", "list", "--comune", "L736"}, Dir: "/home/mario", DefaultDB: "/home/mario/.local/share/vivipass/vivipass.db", User: "mario"},
		{Version: Version, Args: []string{"import", "-", "--dry-run"}, Dir: "/tmp", User: "root"},
		{Version: Version},
		{Version: 2, Args: []string{"x"}},
	} {
		b, err := json.Marshal(r)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	for _, s := range []string{`{"v":1,"dir":"relativa"}`, `{"v":1,"user":"mario\u001b[2J"}`, `{"v":1,"args":[1,2]}`,
		`{"v":1,"user":"` + strings.Repeat("m", 300) + `"}`, `{"v":1,"dir":"/` + strings.Repeat("é", 3000) + `"}`, `{`, ``, `null`, "\xff"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, p []byte) {
		r, err := decodeRequest(p)
		if err != nil {
			msg := err.Error()
			if msg == "" || !utf8.ValidString(msg) || len(msg) > 300 || strings.Contains(msg, "json") {
				t.Fatalf("refused with a message of %d bytes: %.200q", len(msg), msg)
			}
			for _, c := range msg {
				if unicode.IsControl(c) {
					t.Fatalf("raw control character %q in %q", c, msg)
				}
			}
			return
		}
		if r.check() != nil || len(r.User) > maxUser || len(r.Dir) > maxPath || len(r.DefaultDB) > maxPath {
			t.Fatalf("accepted %+v", r)
		}
		for _, s := range []string{r.User, r.Dir, r.DefaultDB} {
			if strings.IndexFunc(s, unicode.IsControl) >= 0 {
				t.Fatalf("accepted %q", s)
			}
		}
		b, err := json.Marshal(r)
		if err != nil {
			t.Fatal(err)
		}
		again, err := decodeRequest(b)
		if err != nil || !reflect.DeepEqual(again, r) {
			t.Fatalf("%+v encoded as %s reads back as %+v, %v", r, b, again, err)
		}
	})
}

// FuzzFrames (issue 12.13): whatever bytes arrive on the socket, readFrame never
// returns a payload over its bound, and the frames it reads are exactly the bytes they
// came from (writeFrame writes them back the same).
func FuzzFrames(f *testing.F) {
	var b bytes.Buffer
	writeFrame(&b, frameRequest, []byte(`{"v":1,"args":["versione"]}`))
	writeFrame(&b, frameStdin, []byte("codice_fiscale;cognome\n"))
	writeFrame(&b, frameStdin, nil)
	writeFrame(&b, frameCancel, nil)
	f.Add(b.Bytes())
	f.Add([]byte{frameStdin, 0xff, 0xff, 0xff, 0xff})
	f.Add([]byte{frameStdin, 0, 0, 0, 9, 'a'})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, stream []byte) {
		const max = 64
		r := bytes.NewReader(stream)
		var again bytes.Buffer
		for {
			typ, p, err := readFrame(r, max)
			if err != nil {
				if msg := err.Error(); !utf8.ValidString(msg) || len(msg) > 200 {
					t.Fatalf("message %q", msg)
				}
				break
			}
			if len(p) > max {
				t.Fatalf("a frame of %d bytes read with a bound of %d", len(p), max)
			}
			writeFrame(&again, typ, p)
		}
		if !bytes.HasPrefix(stream, again.Bytes()) {
			t.Fatalf("frames read from %x written back as %x", stream, again.Bytes())
		}
	})
}
