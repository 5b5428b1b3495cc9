package printing

import (
	"testing"

	"rsc.io/qr"
)

// The rectangles cover exactly the dark modules, each once.
func TestQRRectsCoverTheCode(t *testing.T) {
	code, err := qr.Encode("CUDE1;0a1b2c3d;L736_2025_00042;20300610;L736;"+string(make([]byte, 86)), qr.M)
	if err != nil {
		t.Fatal(err)
	}
	covered := make([]int, code.Size*code.Size)
	rects := qrRects(code)
	for _, r := range rects {
		for y := r.y; y < r.y+r.h; y++ {
			for x := r.x; x < r.x+r.w; x++ {
				covered[y*code.Size+x]++
			}
		}
	}
	runs := 0
	for y := 0; y < code.Size; y++ {
		for x := 0; x < code.Size; x++ {
			want := 0
			if code.Black(x, y) {
				want = 1
				if x == 0 || !code.Black(x-1, y) {
					runs++
				}
			}
			if covered[y*code.Size+x] != want {
				t.Fatalf("module (%d,%d) covered %d times, dark %v", x, y, covered[y*code.Size+x], want == 1)
			}
		}
	}
	t.Logf("%d rectangles for %d runs (%d×%d modules)", len(rects), runs, code.Size, code.Size)
}
