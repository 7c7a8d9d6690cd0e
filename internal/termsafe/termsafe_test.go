package termsafe

import (
	"strings"
	"testing"
)

func TestQuote(t *testing.T) {
	tests := []struct{ in, want string }{
		{"dot_bashrc", "dot_bashrc"},
		{"with space/ünïcode.txt", "with space/ünïcode.txt"},
		{"x\n2026 sync ok", `"x\n2026 sync ok"`},
		{"\x1b]52;c;aGk=\a", `"\x1b]52;c;aGk=\a"`},
		{"tab\there", `"tab\there"`},
		{"del\x7f", `"del\x7f"`},
		{"c1\u009b31m", `"c1\u009b31m"`},
		{"bad\xffutf8", `"bad\xffutf8"`},
		{"rtl\u202eexe.txt", `"rtl\u202eexe.txt"`},
		{`"looks quoted"`, `"\"looks quoted\""`},
		{"", ""},
	}
	for _, tt := range tests {
		if got := Quote(tt.in); got != tt.want {
			t.Errorf("Quote(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// No quoted output holds a byte a terminal acts on.
func TestQuoteLeavesNoControlByte(t *testing.T) {
	for b := 0; b < 256; b++ {
		got := Quote("a" + string([]byte{byte(b)}) + "b")
		for _, r := range got {
			if r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f) || r == 0xfffd && !strings.Contains(got, `\x`) {
				t.Errorf("byte %#x: Quote kept %q raw in %q", b, r, got)
			}
		}
	}
	if got := Join([]string{"a", "b\nc"}, ", "); got != `a, "b\nc"` {
		t.Errorf("Join = %s", got)
	}
}
