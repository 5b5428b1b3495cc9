package admin_test

import (
	"strings"
	"testing"

	"vivipass/tui/pages/admin"
	"vivipass/tui/tuitest"
)

// issue 12.9: a file of import/ with a 2 MB line without separators, or a header of
// 1,000 columns, is refused with a message that names the line and says what to do.
func TestImportRefusesAbsurdFiles(t *testing.T) {
	h, k := newAdmin(t, false)
	ik := admin.NewImportKeys()
	put(t, h, "import", "lunga.csv", []byte(strings.Repeat("A", 2<<20)))
	put(t, h, "import", "colonne.csv", []byte("codice_fiscale;cognome"+strings.Repeat(";x", 1000)+"\nA;B\n"))
	h.Press(k.Import)
	h.WantView("listed", "lunga.csv", "colonne.csv")

	chooseFile(t, h, "lunga.csv")
	h.Send(tuitest.Key("enter"))
	h.WantView("long line", "Il file non si importa", "64 KB", "template-csv")
	h.Fits("long line")
	h.Press(ik.Again)

	chooseFile(t, h, "colonne.csv")
	h.Send(tuitest.Key("enter"))
	h.WantView("many columns", "Il file non si importa", "1002 colonne", "200 ammesse")
	h.Fits("many columns")
}
