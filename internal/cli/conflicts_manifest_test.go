package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// listedIDs are the ids `hearth conflicts --json` lists.
func listedIDs(t *testing.T, h *clitest.Host) []string {
	t.Helper()
	out := h.MustRun(t, "conflicts", "--json").Stdout
	var list []struct{ ID string }
	if err := json.Unmarshal([]byte(out), &list); err != nil {
		t.Fatalf("conflicts --json: %v\n%s", err, out)
	}
	var ids []string
	for _, c := range list {
		ids = append(ids, c.ID)
	}
	return ids
}

// TestKilledResolveCanBeFinished: a resolve --keep sidecar killed after it
// settled the live file and removed the sidecar, before it dropped the
// manifest entry, is finished by running it again.
func TestKilledResolveCanBeFinished(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	side := syncer.ConflictDir + "/dot_bashrc~b~cccccccccc"
	pushFromElsewhere(t, r, map[string]string{
		syncer.ManifestPath: manifestJSON(t, syncer.Conflict{ID: "cccccccccc", Path: "dot_bashrc", Sidecar: side}),
		side:                "b's bashrc\n",
	}, nil)
	h.MustRun(t, "sync")
	source := filepath.Join(h.Root, "source")
	// What the killed resolve did before it died.
	writeFile(t, filepath.Join(source, "dot_bashrc"), "b's bashrc\n")
	if err := os.Remove(filepath.Join(source, side)); err != nil {
		t.Fatal(err)
	}

	if out := h.MustRun(t, "conflicts").Stdout; !strings.Contains(out, "sidecar missing") {
		t.Errorf("conflicts does not say the sidecar is missing:\n%s", out)
	}
	res := h.Run(t.Context(), "conflicts", "resolve", "cccccccccc", "--keep", "sidecar")
	if res.Code != 0 {
		t.Fatalf("resolve again after the kill: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	if ids := listedIDs(t, h); len(ids) != 0 {
		t.Errorf("entries left: %v", ids)
	}
	if got := readFile(t, filepath.Join(source, "dot_bashrc")); got != "b's bashrc\n" {
		t.Errorf("live file after finishing the resolve: %q", got)
	}
	h.MustRun(t, "sync")
	if got := readFile(t, filepath.Join(h.Home, ".bashrc")); got != "b's bashrc\n" {
		t.Errorf("home after the resolve: %q", got)
	}
}

// TestDuplicateConflictIDsCanEachBeResolved: two entries sharing an id are
// listed under distinct ids; the shared id names the first, and both can
// be resolved.
func TestDuplicateConflictIDsCanEachBeResolved(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")
	s1 := syncer.ConflictDir + "/dot_bashrc~b~dddddddddd"
	s2 := syncer.ConflictDir + "/dot_config/git/config~b~dddddddddd"
	pushFromElsewhere(t, r, map[string]string{
		syncer.ManifestPath: manifestJSON(t,
			syncer.Conflict{ID: "dddddddddd", Path: "dot_bashrc", Sidecar: s1},
			syncer.Conflict{ID: "dddddddddd", Path: "dot_config/git/config", Sidecar: s2}),
		s1: "bashrc from b\n",
		s2: "gitconfig from b\n",
	}, nil)
	h.MustRun(t, "sync")
	ids := listedIDs(t, h)
	if len(ids) != 2 || ids[0] == ids[1] {
		t.Fatalf("duplicate ids listed as %v", ids)
	}
	for _, id := range ids {
		h.MustRun(t, "conflicts", "resolve", id, "--keep", "sidecar")
	}
	source := filepath.Join(h.Root, "source")
	if got := readFile(t, filepath.Join(source, "dot_bashrc")); got != "bashrc from b\n" {
		t.Errorf("dot_bashrc = %q", got)
	}
	if got := readFile(t, filepath.Join(source, "dot_config/git/config")); got != "gitconfig from b\n" {
		t.Errorf("dot_config/git/config = %q", got)
	}
	if ids := listedIDs(t, h); len(ids) != 0 {
		t.Errorf("entries left: %v", ids)
	}
}

// TestMalformedManifestIsReportedAndTheRestUsed: a manifest with an entry
// of the wrong shape, or cut short, is reported naming the file and line,
// and the entries that parse are listed and can be resolved.
func TestMalformedManifestIsReportedAndTheRestUsed(t *testing.T) {
	testutil.RequireProgram(t, "git")
	side := syncer.ConflictDir + "/dot_bashrc~b~eeeeeeeeee"
	good := manifestJSON(t, syncer.Conflict{ID: "eeeeeeeeee", Path: "dot_bashrc", Sidecar: side},
		syncer.Conflict{ID: "ffffffffff", Path: "dot_profile.tmpl", Sidecar: syncer.ConflictDir + "/dot_profile.tmpl~b~ffffffffff"})
	cases := []struct {
		name, manifest, line string
	}{
		{"wrong type", strings.Replace(good, `"conflicts": [`, `"conflicts": [`+"\n"+`{"id": 5, "path": ["x"]},`, 1), ":4:"},
		{"cut short", good[:strings.LastIndex(good, `"policy"`)], ":"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := testutil.NewRemote(t)
			r.SeedMain(t, dotfilesSeed)
			h := dotfileHosts(t, r.FileURL(), "a")[0]
			h.MustRun(t, "sync")
			pushFromElsewhere(t, r, map[string]string{syncer.ManifestPath: tc.manifest, side: "bashrc from b\n"}, nil)
			h.MustRun(t, "sync")
			res := h.Run(t.Context(), "conflicts")
			if res.Code != 0 || !strings.Contains(res.Stdout, "eeeeeeeeee") {
				t.Fatalf("conflicts with a malformed manifest: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
			}
			if !strings.Contains(res.Stderr, syncer.ManifestPath+tc.line) {
				t.Errorf("the problem does not name the manifest and line (%s):\n%s", tc.line, res.Stderr)
			}
			h.MustRun(t, "conflicts", "resolve", "eeeeeeeeee", "--keep", "sidecar")
			if got := readFile(t, filepath.Join(h.Root, "source", "dot_bashrc")); got != "bashrc from b\n" {
				t.Errorf("dot_bashrc = %q", got)
			}
			h.MustRun(t, "sync")
		})
	}
}
