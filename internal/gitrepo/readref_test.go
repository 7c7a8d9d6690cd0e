package gitrepo

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// ReadRef reads loose and packed refs and follows symbolic ones; every
// answer is checked against git rev-parse.
func TestReadRefAgreesWithGit(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	c1 := commitFiles(t, r, "", map[string]*string{"a": s("1\n")}, testAuthor.When)
	c2 := commitFiles(t, r, c1, map[string]*string{"a": s("2\n")}, testAuthor.When)
	for ref, id := range map[string]string{"refs/heads/main": c1, "refs/remotes/origin/main": c2, "refs/hearth/applied": c1} {
		if err := r.UpdateRef(ctx, ref, id, "", "t"); err != nil {
			t.Fatal(err)
		}
	}
	check := func(stage string, names ...string) {
		t.Helper()
		for _, name := range names {
			got, err := r.ReadRef(ctx, name)
			if err != nil {
				t.Fatalf("%s: ReadRef(%s): %v", stage, name, err)
			}
			want, err := r.readRefGit(ctx, name)
			if err != nil {
				t.Fatal(err)
			}
			if got != want {
				t.Errorf("%s: ReadRef(%s) = %q, git says %q", stage, name, got, want)
			}
		}
	}
	names := []string{"HEAD", "refs/heads/main", "refs/remotes/origin/main", "refs/hearth/applied", "refs/heads/none"}
	check("loose", names...)
	runEnv(t, r.GitDir, nil, "pack-refs", "--all")
	if _, err := os.Stat(filepath.Join(r.GitDir, "refs", "heads", "main")); err == nil {
		t.Fatal("pack-refs left the loose ref; the packed case is not tested")
	}
	check("packed", names...)
	// A loose ref written after packing wins over the packed one.
	if err := r.UpdateRef(ctx, "refs/heads/main", c2, c1, "t"); err != nil {
		t.Fatal(err)
	}
	check("loose over packed", names...)
	if got, _ := r.ReadRef(ctx, "refs/heads/main"); got != c2 {
		t.Errorf("refs/heads/main = %.7s, want %.7s", got, c2)
	}
	// Detached HEAD.
	if err := os.WriteFile(filepath.Join(r.GitDir, "HEAD"), []byte(c1+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	check("detached", "HEAD")
	for _, bad := range []string{"main", "refs/../x", "-x", "refs/heads/a b"} {
		if _, err := r.ReadRef(ctx, bad); err == nil {
			t.Errorf("ReadRef(%q) accepted an invalid name", bad)
		}
	}
}

func TestOpenPlainOnlyForDefaultLayouts(t *testing.T) {
	tests := []struct {
		name   string
		config string
		plain  bool
	}{
		{"default", "[core]\n\trepositoryformatversion = 0\n\tfilemode = true\n\tbare = false\n\tlogallrefupdates = true\n", true},
		{"remote", "[core]\n\tbare = false\n[remote \"origin\"]\n\turl = file:///x\n", true},
		{"sha256", "[core]\n\trepositoryformatversion = 1\n[extensions]\n\tobjectformat = sha256\n", false},
		{"reftable", "[extensions]\n\trefStorage = reftable\n", false},
		{"worktree", "[core]\n\tworktree = /elsewhere\n", false},
		{"include", "[include]\n\tpath = other\n", false},
		{"bare", "[core]\n\tbare = true\n", false},
		{"bare key alone", "[core]\n\tbare\n", false},
		{"commented", "[core]\n# worktree = /elsewhere\n\tbare = false\n", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := plainConfig(tt.config); got != tt.plain {
				t.Errorf("plainConfig = %v, want %v", got, tt.plain)
			}
		})
	}
	// A real repository opened both ways gives the same answer.
	r := newWork(t)
	p := openPlain(r.WorkTree, Options{})
	if p == nil || p.GitDir != r.GitDir || p.WorkTree != r.WorkTree || p.idLen != r.idLen {
		t.Errorf("openPlain = %+v, want git dir %s, work tree %s", p, r.GitDir, r.WorkTree)
	}
	if openPlain(filepath.Join(r.WorkTree, "sub"), Options{}) != nil {
		t.Error("openPlain opened a directory without .git")
	}
}

// UpdateRefs moves every ref or none.
func TestUpdateRefsIsOneTransaction(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	c1 := commitFiles(t, r, "", map[string]*string{"a": s("1\n")}, testAuthor.When)
	c2 := commitFiles(t, r, c1, map[string]*string{"a": s("2\n")}, testAuthor.When)
	if err := r.UpdateRefs(ctx, []RefUpdate{{Ref: "refs/x", New: c1}, {Ref: "refs/y", New: c1}}, "t"); err != nil {
		t.Fatal(err)
	}
	// refs/y is not at c2, so refs/x must not move either.
	err := r.UpdateRefs(ctx, []RefUpdate{{Ref: "refs/x", New: c2, Old: c1}, {Ref: "refs/y", New: c2, Old: c2}}, "t")
	if !errors.Is(err, ErrRefChanged) {
		t.Fatalf("err = %v, want ErrRefChanged", err)
	}
	for _, ref := range []string{"refs/x", "refs/y"} {
		if got, _ := r.ReadRef(ctx, ref); got != c1 {
			t.Errorf("%s = %.7s after a failed transaction, want %.7s", ref, got, c1)
		}
	}
	if err := r.UpdateRefs(ctx, []RefUpdate{{Ref: "refs/x", New: c2, Old: c1}, {Ref: "refs/y", New: c2, Old: c1}}, "t"); err != nil {
		t.Fatal(err)
	}
	for _, ref := range []string{"refs/x", "refs/y"} {
		if got, _ := r.ReadRef(ctx, ref); got != c2 {
			t.Errorf("%s = %.7s, want %.7s", ref, got, c2)
		}
	}
}
