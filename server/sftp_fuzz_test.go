package server

import (
	"errors"
	"path"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/pkg/sftp"

	"vivipass/files"
)

// FuzzSFTPPath (issue 12.13): the paths of SFTP requests come from the client. parse
// never panics and maps any path onto the comune's tree only: the root, one of
// files.Subfolders, or one name inside one (no separator, never "." or ".."); a
// refusal is not found, or for a file to be made permission denied; the tree's own
// paths read back as themselves.
func FuzzSFTPPath(f *testing.F) {
	for _, s := range []string{"/", "", ".", "..", "/foto", "foto/ritratto.jpg", "/stampe/../../etc/passwd", "/../../root/.ssh/authorized_keys",
		"//allegati//x.pdf/", "/import/a/b.csv", "/moduli/./modello.txt", "/foto/\x00.jpg", "/FOTO/x", "\\foto\\x.jpg",
		"/allegati/" + strings.Repeat("a", 300), "/stampe/..", "/stampe/ .. ", "/foto/\x1b[2J"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		sp, err := parse(p)
		if err != nil {
			if !errors.Is(err, sftp.ErrSSHFxNoSuchFile) {
				t.Fatalf("parse(%q): %v", p, err)
			}
		} else {
			switch {
			case sp.sub == "" && sp.name != "",
				sp.sub != "" && !slices.Contains(files.Subfolders, sp.sub),
				strings.Contains(sp.name, "/"), sp.name == ".", sp.name == "..":
				t.Fatalf("parse(%q) = %+v", p, sp)
			}
			if again, err := parse(sp.sub + "/" + sp.name); err != nil || again != sp {
				t.Fatalf("parse(%q) = %+v, again %+v, %v", p, sp, again, err)
			}
			if s := sp.String(); sp.name != "" && path.Base(s) != files.SafeName(sp.name) {
				t.Fatalf("%+v shown as %q", sp, s)
			}
		}
		if tp, err := parseTarget(p); err == nil {
			if tp.sub == "" || tp.name == "" {
				t.Fatalf("parseTarget(%q) = %+v", p, tp)
			}
		} else if !errors.Is(err, sftp.ErrSSHFxNoSuchFile) && !errors.Is(err, sftp.ErrSSHFxPermissionDenied) {
			t.Fatalf("parseTarget(%q): %v", p, err)
		} else if !utf8.ValidString(err.Error()) && utf8.ValidString(p) {
			t.Fatalf("parseTarget(%q): message %q", p, err)
		}
	})
}
