package printing_test

import (
	"os"
	"strings"
	"testing"

	"vivipass/printing"
)

// docs/TEMPLATES.md is generated from the same table the code fills templates from.
func TestTemplatesDocUpToDate(t *testing.T) {
	got, err := os.ReadFile("../docs/TEMPLATES.md")
	if err != nil {
		t.Fatalf("%v: run go generate ./printing", err)
	}
	if string(got) != printing.TemplatesDoc() {
		t.Fatal("docs/TEMPLATES.md is not what printing.Tags says: run go generate ./printing")
	}
	for _, tag := range printing.Tags() {
		if !strings.Contains(string(got), "`#"+tag.Name+"#`") {
			t.Errorf("tag %s not documented", tag.Name)
		}
	}
}
