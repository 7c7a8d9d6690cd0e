package cli_test

import (
	"maps"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestOverlapOnALongNameKeepsBothVersions: home and source edit the same
// line of a file whose name is near the file system's limit (a sidecar
// name adds ~synced~ and an id to it). Home's
// version is taken and the source's displaced one must survive as a
// sidecar; a sidecar name past NAME_MAX used to fail after the source was
// already overwritten, and the round then committed the loss.
func TestOverlapOnALongNameKeepsBothVersions(t *testing.T) {
	testutil.RequireProgram(t, "git")
	long := "dot_" + strings.Repeat("n", 236)
	seed := maps.Clone(dotfilesSeed)
	seed[long] = "colour = blue\nsize = 1\n"
	r := testutil.NewRemote(t)
	r.SeedMain(t, seed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")

	source := filepath.Join(h.Root, "source")
	writeFile(t, filepath.Join(source, long), "colour = red # source edit\nsize = 1\n")
	writeFile(t, filepath.Join(h.Home, "."+strings.Repeat("n", 236)), "colour = green # home edit\nsize = 1\n")
	if res := h.Run(t.Context(), "sync"); res.Code != 0 {
		t.Fatalf("sync with a displaced version: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	for _, edit := range []string{"source edit", "home edit"} {
		if out, _ := testutil.GitErr(r.Dir, "grep", "-l", edit, "main"); out == "" {
			t.Errorf("the %s is in no file the remote has", edit)
		}
	}
	ls := testutil.Git(t, r.Dir, "ls-tree", "-r", "--name-only", "main", syncer.ConflictDir)
	for _, p := range strings.Split(strings.TrimSpace(ls), "\n") {
		if n := len(filepath.Base(p)); n > 255 {
			t.Errorf("sidecar name of %d bytes: no work tree can check it out: %s", n, p)
		}
	}
	h.MustRun(t, "sync")
}
