package dotfiles

import (
	"github.com/hearth-fleet/hearth/internal/textdiff"

	"strings"
	"testing"
)

// applyOps rebuilds both inputs from an edit script: context and deletions
// give a, context and insertions give b.
func applyOps(ops []textdiff.Op) (a, b string) {
	var sa, sb strings.Builder
	for _, o := range ops {
		if o.Kind != '+' {
			sa.WriteString(o.Line)
		}
		if o.Kind != '-' {
			sb.WriteString(o.Line)
		}
	}
	return sa.String(), sb.String()
}

// FuzzDiffAndMerge: the Myers edit script always reproduces both inputs,
// the unified diff is empty exactly when the inputs are equal, and a
// one-sided merge always yields that side.
func FuzzDiffAndMerge(f *testing.F) {
	f.Add("a\nb\nc\n", "a\nc\nd\n")
	f.Add("", "x")
	f.Add("same\n", "same\n")
	f.Add("no newline", "no newline\n")
	f.Fuzz(func(t *testing.T, a, b string) {
		ga, gb := applyOps(textdiff.Ops(textdiff.SplitLines(a), textdiff.SplitLines(b)))
		if ga != a || gb != b {
			t.Fatalf("edit script rebuilds %q/%q, want %q/%q", ga, gb, a, b)
		}
		if d := textdiff.Unified("a", "b", []byte(a), []byte(b)); (d == "") != (a == b) {
			t.Fatalf("unified diff %q for equal=%v", d, a == b)
		}
		if m, ok := merge3([]byte(a), []byte(b), []byte(a)); !ok || string(m) != b {
			t.Fatalf("one-sided merge = %q, %v; want %q", m, ok, b)
		}
		if m, ok := merge3([]byte(a), []byte(a), []byte(b)); !ok || string(m) != b {
			t.Fatalf("other one-sided merge = %q, %v; want %q", m, ok, b)
		}
	})
}
