package cli_test

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestDeepDottedKeysInDataAreHeld: a remote's .chezmoidata.toml whose one
// dotted key is thousands of parts deep has no brackets to count, and the
// decoder's cost grows with the square of the depth (600 KB took 23 GB
// and ignored SIGTERM when run for real). It is held as bad data, naming
// the file; the round exits 0, and the remote's fix arrives.
func TestDeepDottedKeysInDataAreHeld(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, maps.Clone(dotfilesSeed))
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	pushFromElsewhere(t, r, map[string]string{
		".chezmoidata.toml": "x = 1\n" + strings.Repeat("a.", 5000) + "a = 1\n",
	}, nil)
	res := h.Run(t.Context(), "sync")
	if out := res.Stdout + res.Stderr; res.Code != 0 || !strings.Contains(out, ".chezmoidata.toml") || !strings.Contains(out, "nested too deep") {
		t.Fatalf("sync over the deep dotted key: exit %d, want 0 and the file held, named:\n%.2000s", res.Code, out)
	}
	pushFromElsewhere(t, r, map[string]string{".chezmoidata.toml": "x = 1\n", "dot_fixed": "fixed\n"}, nil)
	if res := h.Run(t.Context(), "sync"); res.Code != 0 {
		t.Fatalf("sync after the fix: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if got := readFile(t, filepath.Join(h.Home, ".fixed")); got != "fixed\n" {
		t.Errorf("the fix did not arrive: .fixed = %q", got)
	}
}
