package privdrop

import (
	"bytes"
	"testing"
)

// TestEscaperMakesControlsVisible, whatever the write boundaries: the
// input is written whole and then split at every byte.
func TestEscaperMakesControlsVisible(t *testing.T) {
	tests := []struct{ in, want string }{
		{"sync ok\n\tapplied .bashrc\n", "sync ok\n\tapplied .bashrc\n"},
		{"\x1b]52;c;aGk=\x07", `\x1b]52;c;aGk=\a`},
		{"fake\rsync ok", `fake\rsync ok`},
		{"csi \xc2\x9b2J del \x7f", `csi \u009b2J del \x7f`},
		{"café ±", "café ±"},                 // 0xc3 and 0xc2 0xb1 are text
		{"lone \xc2", `lone \xc2`},           // not UTF-8: escaped
		{"bare c1 \x9b2J", `bare c1 \x9b2J`}, // an 8-bit terminal's CSI
		{"bidi \u202e", `bidi \u202e`},
	}
	for _, tc := range tests {
		for split := 0; split <= len(tc.in); split++ {
			var buf bytes.Buffer
			e := &escaper{w: &buf}
			for _, part := range []string{tc.in[:split], tc.in[split:]} {
				if n, err := e.Write([]byte(part)); err != nil || n != len(part) {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			e.flush()
			if buf.String() != tc.want {
				t.Errorf("%q split at %d: got %q, want %q", tc.in, split, buf.String(), tc.want)
			}
		}
	}
}
