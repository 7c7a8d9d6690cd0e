package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/syncer"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestRecreatedRemoteIsMerged: the dotfiles remote is re-created with a
// history of its own, holding a file this host also has (with other
// content) and a new one. The next round exits 0 and pushes a merge of
// both histories: every file of both sides is there, the overlap settled
// with the other version kept as a sidecar, and the host's own edit pushed.
func TestRecreatedRemoteIsMerged(t *testing.T) {
	testutil.RequireProgram(t, "git")
	r := testutil.NewRemote(t)
	r.SeedMain(t, dotfilesSeed)
	h := dotfileHosts(t, r.FileURL(), "a")[0]
	h.MustRun(t, "sync")

	if err := os.RemoveAll(r.Dir); err != nil {
		t.Fatal(err)
	}
	testutil.Git(t, filepath.Dir(r.Dir), "init", "--quiet", "--bare", "--initial-branch=main", r.Dir)
	r.SeedMain(t, map[string]string{
		"dot_bashrc":  "# the re-created remote's bashrc\n",
		"dot_newfile": "new on the re-created remote\n",
	})
	appendFile(t, filepath.Join(h.Home, ".config/git/config"), "# edit on a\n")

	res := h.Run(t.Context(), "sync")
	if res.Code != 0 {
		t.Fatalf("sync against the re-created remote: exit %d\n%s%s", res.Code, res.Stdout, res.Stderr)
	}
	remote := r.Head(t, "main")
	if head := testutil.Git(t, filepath.Join(h.Root, "source"), "rev-parse", "HEAD"); head != remote {
		t.Errorf("the merge was not pushed: local %s, remote %s", head, remote)
	}
	show := func(p string) string {
		out, err := testutil.GitErr(r.Dir, "show", "main:"+p)
		if err != nil {
			return "<missing>"
		}
		return out + "\n"
	}
	if got := show("dot_newfile"); got != "new on the re-created remote\n" {
		t.Errorf("remote's new file: %q", got)
	}
	if got := show("private_dot_ssh/config"); got != dotfilesSeed["private_dot_ssh/config"] {
		t.Errorf("host's own file: %q", got)
	}
	if got := show("dot_config/git/config"); !strings.Contains(got, "# edit on a") {
		t.Errorf("host's edit was not pushed: %q", got)
	}
	live := show("dot_bashrc")
	ls := testutil.Git(t, r.Dir, "ls-tree", "-r", "--name-only", "main", syncer.ConflictDir)
	var sidecar string
	for _, p := range strings.Split(ls, "\n") {
		if strings.HasPrefix(p, syncer.ConflictDir+"/dot_bashrc~") {
			sidecar = show(p)
		}
	}
	both := []string{dotfilesSeed["dot_bashrc"], "# the re-created remote's bashrc\n"}
	if !(live == both[0] && sidecar == both[1] || live == both[1] && sidecar == both[0]) {
		t.Errorf("overlap: live %q, sidecar %q; want one version each", live, sidecar)
	}
	if got := readFile(t, filepath.Join(h.Home, ".newfile")); got != "new on the re-created remote\n" {
		t.Errorf("home .newfile = %q", got)
	}
	if out := h.MustRun(t, "conflicts").Stdout; !strings.Contains(out, "dot_bashrc") {
		t.Errorf("conflicts does not list the overlap:\n%s", out)
	}
	if res := h.Run(t.Context(), "sync"); res.Code != 0 {
		t.Errorf("the round after: exit %d\n%s", res.Code, res.Stderr)
	}
}
