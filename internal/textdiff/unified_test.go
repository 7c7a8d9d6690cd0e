package textdiff

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestUnifiedDiffAppliesWithPatch(t *testing.T) {
	testutil.RequireProgram(t, "patch")
	long := func(n int, mod func(i int) string) string {
		var b strings.Builder
		for i := range n {
			b.WriteString(mod(i))
		}
		return b.String()
	}
	tests := []struct{ name, a, b string }{
		{"append", "a\nb\n", "a\nb\nc\n"},
		{"prepend", "b\nc\n", "a\nb\nc\n"},
		{"change middle", "1\n2\n3\n4\n5\n6\n7\n8\n9\n", "1\n2\n3\n4\nX\n6\n7\n8\n9\n"},
		{"from empty", "", "x\ny\n"},
		{"to empty", "x\ny\n", ""},
		{"no newline at end", "a\nb", "a\nc"},
		{"add newline at end", "a\nb", "a\nb\n"},
		{"two hunks", long(40, func(i int) string { return fmt.Sprintf("l%d\n", i) }),
			long(40, func(i int) string {
				if i == 3 || i == 30 {
					return "changed\n"
				}
				return fmt.Sprintf("l%d\n", i)
			})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Unified("a/f", "b/f", []byte(tt.a), []byte(tt.b))
			if d == "" {
				t.Fatal("no diff for different inputs")
			}
			if got := testutil.PatchRoundTrip(t, []byte(tt.a), d); !bytes.Equal(got, []byte(tt.b)) {
				t.Errorf("patched = %q, want %q\n%s", got, tt.b, d)
			}
		})
	}
	if d := Unified("a", "b", []byte("same\n"), []byte("same\n")); d != "" {
		t.Errorf("diff of equal inputs = %q", d)
	}
}

// TestUnifiedDiffRandomEdits checks random edit scripts round-trip
// through patch; the seed is fixed so failures reproduce.
func TestUnifiedDiffRandomEdits(t *testing.T) {
	testutil.RequireProgram(t, "patch")
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 40 {
		var a []string
		for j := range r.IntN(30) {
			a = append(a, fmt.Sprintf("line %d\n", r.IntN(8)+j%3))
		}
		b := append([]string(nil), a...)
		for range r.IntN(6) + 1 {
			switch pos := r.IntN(len(b) + 1); r.IntN(3) {
			case 0:
				b = append(b[:pos], append([]string{fmt.Sprintf("new %d\n", r.IntN(5))}, b[pos:]...)...)
			case 1:
				if pos < len(b) {
					b = append(b[:pos], b[pos+1:]...)
				}
			default:
				if pos < len(b) {
					b[pos] = "replaced\n"
				}
			}
		}
		as, bs := strings.Join(a, ""), strings.Join(b, "")
		if as == bs {
			continue
		}
		t.Run(fmt.Sprint(i), func(t *testing.T) {
			d := Unified("a/f", "b/f", []byte(as), []byte(bs))
			if got := testutil.PatchRoundTrip(t, []byte(as), d); string(got) != bs {
				t.Errorf("patched = %q, want %q\n%s", got, bs, d)
			}
		})
	}
}
