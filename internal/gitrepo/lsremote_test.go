package gitrepo

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestLsRemote(t *testing.T) {
	ctx := context.Background()
	testutil.RequireProgram(t, "git")
	bare, err := Init(ctx, filepath.Join(t.TempDir(), "remote.git"), true, "main", Options{})
	if err != nil {
		t.Fatal(err)
	}
	work := newWork(t)
	c1 := commitFiles(t, work, "", map[string]*string{"a": s("1\n")}, testAuthor.When)
	runEnv(t, work.GitDir, testutil.GitEnv(), "push", "--quiet", bare.GitDir, c1+":refs/heads/main", c1+":refs/heads/x/main")
	tests := []struct {
		name, remote, ref, want string
		offline, fails          bool
	}{
		{name: "the branch", remote: "file://" + bare.GitDir, ref: "refs/heads/main", want: c1},
		{name: "a branch whose name ends the same is not it", remote: "file://" + bare.GitDir, ref: "refs/heads/other/main"},
		{name: "no such branch", remote: "file://" + bare.GitDir, ref: "refs/heads/none"},
		{name: "a remote that is gone is offline", remote: "file://" + filepath.Join(t.TempDir(), "gone.git"), ref: "refs/heads/main", offline: true},
		{name: "an option is no remote", remote: "--upload-pack=touch /tmp/x", ref: "refs/heads/main", fails: true},
		{name: "an escaping ref", remote: bare.GitDir, ref: "refs/../HEAD", fails: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id, err := work.LsRemote(ctx, tc.remote, tc.ref)
			switch {
			case tc.offline:
				if !errors.Is(err, ErrOffline) {
					t.Fatalf("err = %v, want offline", err)
				}
			case tc.fails:
				if err == nil {
					t.Fatalf("accepted, id %q", id)
				}
			case err != nil:
				t.Fatal(err)
			case id != tc.want:
				t.Fatalf("id %q, want %q", id, tc.want)
			}
		})
	}
}
