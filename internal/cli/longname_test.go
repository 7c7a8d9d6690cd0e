package cli_test

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestLongFileNamesApplyAndSync: a managed file whose name is 250 bytes
// (the longest a home file may nearly have) is applied, its home edit is
// captured and pushed, and another host applies the edit. Before, every
// writer's temporary name ".<name>.tmp-<digits>" passed NAME_MAX and the
// target was held on every host.
func TestLongFileNamesApplyAndSync(t *testing.T) {
	testutil.RequireProgram(t, "git")
	name := "." + strings.Repeat("l", 249)
	seed := maps.Clone(dotfilesSeed)
	seed["dot_"+name[1:]] = "v = 1\n"
	r := testutil.NewRemote(t)
	r.SeedMain(t, seed)
	hs := dotfileHosts(t, r.FileURL(), "a", "b")
	a, b := hs[0], hs[1]
	for _, h := range hs {
		if res := h.Run(t.Context(), "sync"); res.Code != 0 || strings.Contains(res.Stdout+res.Stderr, "held") {
			t.Fatalf("%s: first sync: exit %d\n%s%s", h.Name, res.Code, res.Stdout, res.Stderr)
		}
		if got := readFile(t, filepath.Join(h.Home, name)); got != "v = 1\n" {
			t.Fatalf("%s: %d-byte name = %q", h.Name, len(name), got)
		}
	}
	writeFile(t, filepath.Join(a.Home, name), "v = 2 # edited on a\n")
	for _, h := range hs {
		if res := h.Run(t.Context(), "sync"); res.Code != 0 || strings.Contains(res.Stdout+res.Stderr, "held") {
			t.Fatalf("%s: sync: exit %d\n%s%s", h.Name, res.Code, res.Stdout, res.Stderr)
		}
	}
	if got := readFile(t, filepath.Join(b.Home, name)); got != "v = 2 # edited on a\n" {
		t.Errorf("b has %q, want a's edit", got)
	}
}
