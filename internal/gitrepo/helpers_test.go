package gitrepo

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

var testAuthor = Signature{Name: "Host A", Email: "a@example.invalid", When: time.Unix(1_700_000_000, 0)}

// newWork makes an empty non-bare repository on branch main.
func newWork(t *testing.T) *Repo {
	t.Helper()
	testutil.RequireProgram(t, "git")
	r, err := Init(context.Background(), filepath.Join(t.TempDir(), "work"), false, "main", Options{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// commitFiles commits files on top of parent ("" for a root commit) with
// porcelain git in a scratch index, independent of the code under test, and
// returns the commit id. A nil content deletes the path.
func commitFiles(t *testing.T, r *Repo, parent string, files map[string]*string, when time.Time) string {
	t.Helper()
	env := append(testutil.GitEnv(), "GIT_INDEX_FILE="+filepath.Join(t.TempDir(), "index"),
		"GIT_AUTHOR_DATE=@"+itoa(when.Unix())+" +0000", "GIT_COMMITTER_DATE=@"+itoa(when.Unix())+" +0000")
	git := func(args ...string) string {
		t.Helper()
		return runEnv(t, r.GitDir, env, args...)
	}
	if parent != "" {
		git("read-tree", parent)
	}
	paths := make([]string, 0, len(files))
	for p := range files {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if files[p] == nil {
			git("update-index", "--force-remove", "--", p)
			continue
		}
		tmp := filepath.Join(t.TempDir(), "blob")
		if err := os.WriteFile(tmp, []byte(*files[p]), 0o644); err != nil {
			t.Fatal(err)
		}
		id := git("hash-object", "-w", "--", tmp)
		git("update-index", "--add", "--cacheinfo", "100644,"+id+","+p)
	}
	tree := git("write-tree")
	args := []string{"commit-tree", tree, "-m", "test commit"}
	if parent != "" {
		args = append(args, "-p", parent)
	}
	return git(args...)
}

func s(v string) *string { return &v }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// runEnv runs git against gitDir with env and returns trimmed stdout.
func runEnv(t *testing.T, gitDir string, env []string, args ...string) string {
	t.Helper()
	cmd := exec.Command("git", append([]string{"--git-dir=" + gitDir}, args...)...)
	cmd.Env = env
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("git %v: %v: %s", args, err, stderr.String())
	}
	return strings.TrimSpace(stdout.String())
}
