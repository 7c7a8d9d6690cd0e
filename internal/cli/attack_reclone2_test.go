package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestCloneBeyondRepairOverARewrittenRemoteIsReplayed: b has an unpushed
// commit, the remote's history was rewritten (a re-created repository),
// then b's clone is damaged beyond repair. The bundle used to hold only
// the commits past the old tracking ref, whose history the new clone
// lacks: its replay failed and every round exited 1, adding one more
// bundle each time. The round must replay b's commit (merged as
// unrelated history) and push it.
func TestCloneBeyondRepairOverARewrittenRemoteIsReplayed(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	b := dotfileHosts(t, r.HTTPURL(), "b")[0]
	b.MustRun(t, "sync")
	r.Stop(t)
	appendFile(t, filepath.Join(b.Home, ".bashrc"), "# from b while offline\n")
	b.MustRun(t, "sync")
	r.Start(t)
	work := filepath.Join(t.TempDir(), "elsewhere")
	testutil.Git(t, "", "init", "--quiet", "-b", "main", work)
	writeFile(t, filepath.Join(work, "dot_rewritten"), "rewritten\n")
	testutil.Git(t, work, "add", "--all")
	testutil.Git(t, work, "commit", "--quiet", "-m", "rewritten")
	testutil.Git(t, work, "push", "--quiet", "--force", r.FileURL(), "main")
	breakBeyondRepair(t, filepath.Join(b.Root, "source"))

	if res := b.Run(t.Context(), "sync"); res.Code != 0 {
		t.Fatalf("sync over a clone beyond repair, remote rewritten: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if got := testutil.Git(t, r.Dir, "show", "main:dot_bashrc"); !strings.Contains(got, "# from b while offline") {
		t.Errorf("b's unpushed edit is not on the remote:\n%s", got)
	}
	if got := testutil.Git(t, r.Dir, "show", "main:dot_rewritten"); got != "rewritten" {
		t.Errorf("the remote's rewritten commit is gone: %q", got)
	}
	bundles, _ := filepath.Glob(filepath.Join(b.StateDir, "rescue", "*.bundle"))
	if len(bundles) != 0 {
		t.Errorf("bundles kept after their commits were pushed: %v", bundles)
	}
	if _, err := os.Stat(filepath.Join(b.Home, ".rewritten")); err != nil {
		t.Errorf("the remote's file is not applied: %v", err)
	}
}
