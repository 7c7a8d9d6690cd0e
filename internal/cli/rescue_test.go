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
// bring back). With the remote down again the clone cannot be made anew:
// the round fails (exit 1), but b's unpushed commit is saved as a bundle
// in the state dir, named in the error, and fetching it into a fresh clone
// brings the edit back. (With the remote up, the round clones again and
// replays it: TestCloneBeyondRepairIsClonedAgainAndReplayed.)
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

	r.Stop(t)
	res := b.Run(t.Context(), "sync")
	m := regexp.MustCompile(`saved in (\S+\.bundle)`).FindStringSubmatch(res.Stderr)
	if res.Code != 1 || m == nil {
		t.Fatalf("sync over a clone beyond repair: exit %d, want 1 naming a bundle of the unpushed commits\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	bundle := m[1]
	if !strings.HasPrefix(bundle, b.StateDir+string(filepath.Separator)) {
		t.Errorf("bundle %s is not in the state dir %s", bundle, b.StateDir)
	}
	if _, err := os.Stat(filepath.Join(source, ".git")); err != nil {
		t.Errorf("the damaged clone was moved although no new one could be made: %v", err)
	}
	r.Start(t)
	fresh := filepath.Join(t.TempDir(), "fresh")
	testutil.Git(t, "", "clone", "--quiet", r.FileURL(), fresh)
	testutil.Git(t, fresh, "fetch", "--quiet", bundle, "refs/heads/main:refs/heads/rescued")
	if got := testutil.Git(t, fresh, "show", "rescued:dot_bashrc"); !strings.Contains(got, "# from b while offline") {
		t.Errorf("the bundle does not bring b's unpushed edit back:\n%s", got)
	}
}

// TestCloneBeyondRepairIsClonedAgainAndReplayed: b committed an edit while
// the remote was down, the remote moved on meanwhile, then b's clone is
// damaged beyond repair (an object only it had is deleted, its index torn).
// The next round saves the unpushed commit in a bundle, clones the remote
// again, replays the commit as a merge with the remote's newer one and
// pushes both; the damaged clone is kept aside, the bundle removed once its
// commits are pushed, and the round after is clean.
func TestCloneBeyondRepairIsClonedAgainAndReplayed(t *testing.T) {
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
	testutil.Git(t, "", "clone", "--quiet", "--branch", "main", r.FileURL(), work)
	writeFile(t, filepath.Join(work, "dot_fromremote"), "pushed by another host\n")
	testutil.Git(t, work, "add", "--all")
	testutil.Git(t, work, "commit", "--quiet", "-m", "another host's edit")
	testutil.Git(t, work, "push", "--quiet", "origin", "main")

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
	if res.Code != 0 {
		t.Fatalf("sync over a clone beyond repair: exit %d\n%s\n%s", res.Code, res.Stdout, res.Stderr)
	}
	if got := testutil.Git(t, r.Dir, "show", "main:dot_bashrc"); !strings.Contains(got, "# from b while offline") {
		t.Errorf("b's unpushed edit is not on the remote:\n%s", got)
	}
	if got := testutil.Git(t, r.Dir, "show", "main:dot_fromremote"); got != "pushed by another host" {
		t.Errorf("the remote's own commit is gone: %q", got)
	}
	if got := readFileOr(filepath.Join(b.Home, ".fromremote")); got != "pushed by another host\n" {
		t.Errorf("home .fromremote = %q", got)
	}
	rescue := filepath.Join(b.StateDir, "rescue")
	bundles, _ := filepath.Glob(filepath.Join(rescue, "*.bundle"))
	if len(bundles) != 0 {
		t.Errorf("bundles kept after their commits were pushed: %v", bundles)
	}
	aside, _ := filepath.Glob(filepath.Join(rescue, "clone-*", ".git"))
	if len(aside) != 1 {
		t.Errorf("the damaged clone is not kept aside in %s: %v", rescue, aside)
	}
	testutil.Git(t, source, "fsck", "--no-progress")
	if res := b.MustRun(t, "sync"); strings.Contains(res.Stdout+res.Stderr, "held") || strings.Contains(res.Stderr, "damaged") {
		t.Errorf("the round after is not clean:\n%s\n%s", res.Stdout, res.Stderr)
	}
}
