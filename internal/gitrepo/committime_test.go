package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestCommitTimeOutOfRangeIsTheEpoch: a remote can push a commit whose
// time git accepts but cannot represent (it shows 1970); reading it, or
// asking when a path last changed, gives the epoch instead of an error
// that failed every sync round touching that path.
func TestCommitTimeOutOfRangeIsTheEpoch(t *testing.T) {
	r := newWork(t)
	ctx := context.Background()
	base := commitFiles(t, r, "", map[string]*string{"dot_bashrc": s("a\n")}, time.Unix(1_700_000_000, 0))
	edited := commitFiles(t, r, base, map[string]*string{"dot_bashrc": s("b\n")}, time.Unix(1_700_000_100, 0))
	tree := runEnv(t, r.GitDir, testutil.GitEnv(), "rev-parse", edited+"^{tree}")
	raw := "tree " + tree + "\nparent " + base + "\n" +
		"author Mallory <m@example.com> 99999999999999999999 +0000\n" +
		"committer Mallory <m@example.com> 99999999999999999999 +0000\n\nodd time\n"
	tmp := filepath.Join(t.TempDir(), "commit")
	if err := os.WriteFile(tmp, []byte(raw), 0o644); err != nil {
		t.Fatal(err)
	}
	odd := runEnv(t, r.GitDir, testutil.GitEnv(), "hash-object", "-t", "commit", "-w", "--literally", tmp)
	info, err := r.ReadCommit(ctx, odd)
	if err != nil {
		t.Fatalf("ReadCommit: %v", err)
	}
	if !info.Committer.When.Equal(time.Unix(0, 0)) || !info.Author.When.Equal(time.Unix(0, 0)) {
		t.Errorf("times = %v / %v, want the epoch", info.Author.When, info.Committer.When)
	}
	if !strings.Contains(info.Message, "odd time") {
		t.Errorf("message = %q", info.Message)
	}
	if id, when, err := r.LastChange(ctx, odd, "dot_bashrc"); err != nil || id != odd || !when.Equal(time.Unix(0, 0)) {
		t.Errorf("LastChange = %s, %v, %v; want %s at the epoch", id, when, err, odd)
	}
}
