package cli_test

import (
	"maps"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestBigDataDocumentIsHeld: a remote's 5 MB .chezmoidata.yaml of one flow
// sequence, well under max_file_size, costs the YAML decoder about 400
// bytes per input byte (run for real: 2 GB and 36 s; at the 64 MiB cap it
// would be ~26 GB, every round, on every host, and the OOM kill leaves the
// capture breaker to skip every other round). JSON and TOML data expand
// less but still past 20x. A data document should be held as too big for
// its decoder, naming the file, before it is decoded.
func TestBigDataDocumentIsHeld(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, maps.Clone(dotfilesSeed))
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	pushFromElsewhere(t, r, map[string]string{
		".chezmoidata.yaml": "a: [" + strings.Repeat("0,", 2500000) + "0]\n",
	}, nil)
	res := h.Run(t.Context(), "sync")
	if out := res.Stdout + res.Stderr; res.Code != 0 || !strings.Contains(out, ".chezmoidata.yaml") {
		t.Fatalf("sync over a 5 MB YAML data document: exit %d, want 0 and the file held, named:\n%.2000s", res.Code, out)
	}
}
