package dotfiles

import (
	"fmt"
	"strings"
	"testing"
)

// TestIgnoreCostIsNotQuadratic: a .chezmoiignore of 20,000 literal
// patterns plus globs under literal directories, checked against 500
// targets three levels deep, costs a bounded number of pattern evaluations
// per path checked (not one per pattern), and still matches what it must.
func TestIgnoreCostIsNotQuadratic(t *testing.T) {
	var b strings.Builder
	for i := range 20000 {
		fmt.Fprintf(&b, "cache/file-%05d\n", i)
	}
	for i := range 200 {
		fmt.Fprintf(&b, "dir%03d/*.log\n", i)
	}
	b.WriteString("*.swp\n!keep/*.swp\n")
	var s IgnoreSet
	if err := s.ParseIgnore(".chezmoiignore", "", b.String()); err != nil {
		t.Fatal(err)
	}
	const targets = 500
	for i := range targets {
		s.Ignored(fmt.Sprintf("a/b/c%d", i))
	}
	perPath := float64(s.evals) / (targets * 3)
	t.Logf("%d evaluations, %.1f per path checked", s.evals, perPath)
	if perPath > 10 {
		t.Errorf("%.0f pattern evaluations per path checked, want at most 10", perPath)
	}
	for path, want := range map[string]bool{
		"cache/file-00042": true, "cache/file-00042/x": true, "cache/file-20000": false,
		"dir007/x.log": true, "dir007/x.txt": false, "dir999/x.log": false,
		"x.swp": true, "keep/x.swp": false, "a/b/c1": false,
	} {
		if got := s.Ignored(path); got != want {
			t.Errorf("Ignored(%s) = %v, want %v", path, got, want)
		}
	}
}
