package gitrepo

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestPeekLocalRef(t *testing.T) {
	ctx := context.Background()
	testutil.RequireProgram(t, "git")
	bare, err := Init(ctx, filepath.Join(t.TempDir(), "remote.git"), true, "main", Options{})
	if err != nil {
		t.Fatal(err)
	}
	work := newWork(t)
	c1 := commitFiles(t, work, "", map[string]*string{"a": s("1\n")}, testAuthor.When)
	runEnv(t, work.GitDir, testutil.GitEnv(), "push", "--quiet", bare.GitDir, c1+":refs/heads/main")

	check := func(stage, remote string, wantID string, wantOK bool) {
		t.Helper()
		id, ok := PeekLocalRef(remote, "refs/heads/main")
		if id != wantID || ok != wantOK {
			t.Errorf("%s: PeekLocalRef(%s) = %.7s, %v; want %.7s, %v", stage, remote, id, ok, wantID, wantOK)
		}
	}
	check("loose, file URL", "file://"+bare.GitDir, c1, true)
	check("loose, path", bare.GitDir, c1, true)
	runEnv(t, bare.GitDir, testutil.GitEnv(), "pack-refs", "--all")
	check("packed", "file://"+bare.GitDir, c1, true)
	if id, ok := PeekLocalRef("file://"+bare.GitDir, "refs/heads/none"); id != "" || !ok {
		t.Errorf("missing branch = %q, %v; want \"\", true", id, ok)
	}
	// Everything else is left to git.
	check("missing remote (offline)", "file://"+filepath.Join(t.TempDir(), "gone.git"), "", false)
	check("a work tree, not a bare repository", "file://"+work.WorkTree, "", false)
	check("http", "http://127.0.0.1:1/remote.git", "", false)
	check("ssh", "git@example.org:dotfiles.git", "", false)
	check("file URL with a host", "file://elsewhere"+bare.GitDir, "", false)
	if _, ok := PeekLocalRef(bare.GitDir, "refs/../x"); ok {
		t.Error("an escaping ref name was read")
	}
}
