// Package printtest is for the tests of printing, service and cmd: it reads PDFs back
// with the real poppler tools (pdfinfo, pdftotext -bbox, pdfimages, pdftoppm) and zbarimg
// for QR codes, and starts a private cupsd with a cups-pdf queue (StartCUPS). A missing
// tool fails the test with what to install: .ci/run installs them, and no test is
// skipped.
package printtest

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// PtToMM converts PDF points to millimetres.
const PtToMM = 25.4 / 72

// Require fails the test when a tool is missing from PATH.
func Require(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			pkg := map[string]string{"pdfinfo": "poppler-utils", "pdftotext": "poppler-utils", "pdfimages": "poppler-utils",
				"pdftoppm": "poppler-utils", "zbarimg": "zbar-tools", "cupsd": "cups", "lpadmin": "cups",
				"lp": "cups-bsd or cups-client", "lpstat": "cups-client"}[tool]
			t.Fatalf("%s not found in PATH: .ci/run must install the Debian package %s (apt-get install %s)", tool, pkg, pkg)
		}
	}
}

// write puts pdf in a temporary file.
func write(t testing.TB, pdf []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(p, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func run(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	Require(t, name)
	var stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// Info is what pdfinfo says about a document.
type Info struct {
	Pages int
	W, H  float64 // size of the first page in mm
	Title string
}

var rePageSize = regexp.MustCompile(`Page size:\s+([0-9.]+) x ([0-9.]+) pts`)

// PDFInfo runs pdfinfo on a document.
func PDFInfo(t testing.TB, pdf []byte) Info {
	t.Helper()
	return PDFInfoFile(t, write(t, pdf))
}

// PDFInfoFile runs pdfinfo on a file.
func PDFInfoFile(t testing.TB, path string) Info {
	t.Helper()
	out := string(run(t, "pdfinfo", path))
	var in Info
	for _, line := range strings.Split(out, "\n") {
		k, v, _ := strings.Cut(line, ":")
		v = strings.TrimSpace(v)
		switch k {
		case "Pages":
			in.Pages, _ = strconv.Atoi(v)
		case "Title":
			in.Title = v
		}
	}
	m := rePageSize.FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("pdfinfo: no page size in\n%s", out)
	}
	w, _ := strconv.ParseFloat(m[1], 64)
	h, _ := strconv.ParseFloat(m[2], 64)
	in.W, in.H = w*PtToMM, h*PtToMM
	return in
}

// Word is one word pdftotext -bbox found, in mm from the top-left corner of its page.
type Word struct {
	Page                   int // from 1
	Text                   string
	XMin, YMin, XMax, YMax float64
}

func (w Word) String() string {
	return fmt.Sprintf("%q p.%d (%.2f,%.2f)-(%.2f,%.2f) mm", w.Text, w.Page, w.XMin, w.YMin, w.XMax, w.YMax)
}

type bboxDoc struct {
	Pages []struct {
		Words []struct {
			XMin float64 `xml:"xMin,attr"`
			YMin float64 `xml:"yMin,attr"`
			XMax float64 `xml:"xMax,attr"`
			YMax float64 `xml:"yMax,attr"`
			Text string  `xml:",chardata"`
		} `xml:"word"`
	} `xml:"body>doc>page"`
}

// Words runs pdftotext -bbox and parses its XHTML word boxes.
func Words(t testing.TB, pdf []byte) []Word {
	t.Helper()
	out := run(t, "pdftotext", "-bbox", write(t, pdf), "-")
	var d bboxDoc
	dec := xml.NewDecoder(bytes.NewReader(out))
	dec.Strict = false // the DOCTYPE names a DTD we do not fetch
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("pdftotext -bbox output: %v\n%s", err, out)
	}
	var words []Word
	for i, p := range d.Pages {
		for _, w := range p.Words {
			words = append(words, Word{Page: i + 1, Text: w.Text,
				XMin: w.XMin * PtToMM, YMin: w.YMin * PtToMM, XMax: w.XMax * PtToMM, YMax: w.YMax * PtToMM})
		}
	}
	return words
}

// Text runs pdftotext (reading order, pages separated by form feeds).
func Text(t testing.TB, pdf []byte) string {
	t.Helper()
	return string(run(t, "pdftotext", write(t, pdf), "-"))
}

// Image is one row of pdfimages -list.
type Image struct {
	Page          int
	Width, Height int // pixels
	XPPI, YPPI    float64
}

// Images runs pdfimages -list.
func Images(t testing.TB, pdf []byte) []Image {
	t.Helper()
	out := string(run(t, "pdfimages", "-list", write(t, pdf)))
	var imgs []Image
	for i, line := range strings.Split(out, "\n") {
		f := strings.Fields(line)
		if i < 2 || len(f) < 14 {
			continue // header and rule
		}
		if f[2] == "smask" {
			continue // a PNG's alpha channel, not another picture
		}
		var im Image
		im.Page, _ = strconv.Atoi(f[0])
		im.Width, _ = strconv.Atoi(f[3])
		im.Height, _ = strconv.Atoi(f[4])
		im.XPPI, _ = strconv.ParseFloat(f[12], 64)
		im.YPPI, _ = strconv.ParseFloat(f[13], 64)
		imgs = append(imgs, im)
	}
	return imgs
}

// Raster renders one page (from 1) at dpi with pdftoppm.
func Raster(t testing.TB, pdf []byte, page, dpi int) image.Image {
	t.Helper()
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	p := strconv.Itoa(page)
	run(t, "pdftoppm", "-png", "-r", strconv.Itoa(dpi), "-f", p, "-l", p, "-singlefile", in, filepath.Join(dir, "page"))
	f, err := os.Open(filepath.Join(dir, "page.png"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// PNGs renders every page at dpi into dir as prefix-N.png (to look at them).
func PNGs(t testing.TB, pdf []byte, dpi int, dir, prefix string) {
	t.Helper()
	in := filepath.Join(t.TempDir(), "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, "pdftoppm", "-png", "-r", strconv.Itoa(dpi), in, filepath.Join(dir, prefix))
}

// Find returns the words whose text is s.
func Find(words []Word, s string) []Word {
	var out []Word
	for _, w := range words {
		if w.Text == s {
			out = append(out, w)
		}
	}
	return out
}

// QRCodes renders a page at 300 dpi and reads every QR code on it with zbarimg.
func QRCodes(t testing.TB, pdf []byte, page int) []string {
	t.Helper()
	Require(t, "zbarimg", "pdftoppm")
	dir := t.TempDir()
	in := filepath.Join(dir, "doc.pdf")
	if err := os.WriteFile(in, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	p := strconv.Itoa(page)
	run(t, "pdftoppm", "-png", "-r", "300", "-f", p, "-l", p, "-singlefile", in, filepath.Join(dir, "page"))
	cmd := exec.Command("zbarimg", "--quiet", "--raw", "-Sdisable", "-Sqrcode.enable", filepath.Join(dir, "page.png"))
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok && ee.ExitCode() == 4 {
		return nil // zbarimg: no symbol found
	}
	if err != nil {
		t.Fatalf("zbarimg: %v\n%s", err, stderr.String())
	}
	var codes []string
	for _, l := range strings.Split(strings.TrimRight(string(out), "\n"), "\n") {
		if l != "" {
			codes = append(codes, l)
		}
	}
	return codes
}

// DecodeQR is the one QR code of a page.
func DecodeQR(t testing.TB, pdf []byte, page int) string {
	t.Helper()
	codes := QRCodes(t, pdf, page)
	if len(codes) != 1 {
		t.Fatalf("page %d: %d QR codes read, want 1: %q", page, len(codes), codes)
	}
	return codes[0]
}
