package cli_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestUnrepairableCloneKeepsUnpushedCommitsInABundle: b committed an edit
// while the remote was down; then its clone is damaged (a torn index,
// which is repaired, and an object only this clone had, which nothing can
// bring back). The round fails (exit 1), but before a person starts over,
// b's unpushed commit is saved as a bundle in the state dir, named in the
// error, and fetching it into a fresh clone brings the edit back.
func TestUnrepairableCloneKeepsUnpushedCommitsInABundle(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	b := dotfileHosts(t, r.HTTPURL(), "b")[0]
	b.MustRun(t, "sync")
	r.Stop(t)
	appendFile(t, filepath.Join(b.Home, ".bashrc"), "# from b while offline\n")
	if res := b.MustRun(t, "sync"); !strings.Contains(res.Stdout+res.Stderr, "offline") {
		t.Fatalf("the round with the remote down was not offline:\n%s\n%s", res.Stdout, res.Stderr)
	}
	r.Start(t)

	source := filepath.Join(b.Root, "source")
	lost := filepath.Join(t.TempDir(), "lost")
	writeFile(t, lost, "only this clone ever had it\n")
	blob := testutil.Git(t, source, "hash-object", "-w", lost)
	testutil.Git(t, source, "tag", "only-here", blob)
	if err := os.Remove(filepath.Join(source, ".git", "objects", blob[:2], blob[2:])); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(filepath.Join(source, ".git", "index"), 10); err != nil {
		t.Fatal(err)
	}

	res := b.Run(t.Context(), "sync")
	m := regexp.MustCompile(`saved in (\S+\.bundle)`).FindStringSubmatch(res.Stderr)
	if res.Code != 1 || m == nil {
		t.Fatalf("sync over a clone beyond repair: exit %d, want 1 naming a bundle of the unpushed commits\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	bundle := m[1]
	if !strings.HasPrefix(bundle, b.StateDir+string(filepath.Separator)) {
		t.Errorf("bundle %s is not in the state dir %s", bundle, b.StateDir)
	}
	fresh := filepath.Join(t.TempDir(), "fresh")
	testutil.Git(t, "", "clone", "--quiet", r.FileURL(), fresh)
	testutil.Git(t, fresh, "fetch", "--quiet", bundle, "refs/heads/main:refs/heads/rescued")
	if got := testutil.Git(t, fresh, "show", "rescued:dot_bashrc"); !strings.Contains(got, "# from b while offline") {
		t.Errorf("the bundle does not bring b's unpushed edit back:\n%s", got)
	}
}
