package gitrepo

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestCommitTree(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	p1 := commitFiles(t, r, "", map[string]*string{"a": s("1\n")}, time.Unix(1_700_000_000, 0))
	p2 := commitFiles(t, r, p1, map[string]*string{"a": s("2\n")}, time.Unix(1_700_000_100, 0))
	tree, err := r.RevParse(ctx, p2+"^{tree}")
	if err != nil {
		t.Fatal(err)
	}
	zone := time.FixedZone("", 2*3600)
	committer := Signature{Name: "hearth", Email: "hearth@desktop", When: time.Unix(1_700_000_500, 0).In(zone)}
	tests := []struct {
		name        string
		spec        CommitSpec
		wantMessage string
		wantErr     string
	}{
		{
			name: "merge with trailers",
			spec: CommitSpec{Tree: tree, Parents: []string{p2, p1}, Message: "sync: merge\n", Author: testAuthor, Committer: committer,
				Trailers: []Trailer{{"Hearth-Host", "desktop"}, {"Hearth-Time", "2026-11-27T05:00:00Z"}}},
			wantMessage: "sync: merge\n\nHearth-Host: desktop\nHearth-Time: 2026-11-27T05:00:00Z",
		},
		{
			name:        "root commit, committer defaults to author",
			spec:        CommitSpec{Tree: tree, Message: "first", Author: testAuthor},
			wantMessage: "first",
		},
		{name: "no author", spec: CommitSpec{Tree: tree, Message: "m"}, wantErr: "author name and email are required"},
		{name: "empty message", spec: CommitSpec{Tree: tree, Message: "\n", Author: testAuthor}, wantErr: "empty commit message"},
		{name: "bad trailer key", spec: CommitSpec{Tree: tree, Message: "m", Author: testAuthor, Trailers: []Trailer{{"Bad Key", "v"}}}, wantErr: "invalid trailer"},
		{name: "newline in trailer", spec: CommitSpec{Tree: tree, Message: "m", Author: testAuthor, Trailers: []Trailer{{"K", "v\nInjected: x"}}}, wantErr: "invalid trailer"},
		{name: "angle bracket in email", spec: CommitSpec{Tree: tree, Message: "m", Author: Signature{Name: "x", Email: "a>b"}}, wantErr: "may not contain"},
		{name: "missing tree", spec: CommitSpec{Tree: strings.Repeat("0", 39) + "1", Message: "m", Author: testAuthor}, wantErr: "commit-tree"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := r.CommitTree(ctx, tt.spec)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("CommitTree = %s, %v; want error containing %q", id, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			info, err := r.ReadCommit(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			wantCommitter := tt.spec.Committer
			if wantCommitter.Name == "" {
				wantCommitter = tt.spec.Author
			}
			if info.ID != id || info.Tree != tree || !slices.Equal(info.Parents, tt.spec.Parents) || info.Message != tt.wantMessage {
				t.Errorf("commit = %+v; want tree %s parents %v message %q", info, tree, tt.spec.Parents, tt.wantMessage)
			}
			if !sameSig(info.Author, tt.spec.Author) || !sameSig(info.Committer, wantCommitter) {
				t.Errorf("identities = %+v / %+v, want %+v / %+v", info.Author, info.Committer, tt.spec.Author, wantCommitter)
			}
		})
	}
}

func sameSig(a, b Signature) bool {
	return a.Name == b.Name && a.Email == b.Email && a.When.Equal(b.When)
}

func TestUpdateRefCompareAndSwap(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	c1 := commitFiles(t, r, "", map[string]*string{"a": s("1\n")}, time.Unix(1_700_000_000, 0))
	c2 := commitFiles(t, r, c1, map[string]*string{"a": s("2\n")}, time.Unix(1_700_000_100, 0))
	const ref = "refs/hearth/applied"
	steps := []struct {
		name      string
		do        func() error
		wantErr   error // nil with anyErr: some error
		anyErr    bool
		wantAfter string // "" means the ref must not exist
	}{
		{"create when absent", func() error { return r.UpdateRef(ctx, ref, c1, "", "t") }, nil, false, c1},
		{"create when present", func() error { return r.UpdateRef(ctx, ref, c2, "", "t") }, ErrRefChanged, false, c1},
		{"stale old value", func() error { return r.UpdateRef(ctx, ref, c1, c2, "t") }, ErrRefChanged, false, c1},
		{"matching old value", func() error { return r.UpdateRef(ctx, ref, c2, c1, "t") }, nil, false, c2},
		{"delete stale", func() error { return r.DeleteRef(ctx, ref, c1, "t") }, ErrRefChanged, false, c2},
		{"delete matching", func() error { return r.DeleteRef(ctx, ref, c2, "t") }, nil, false, ""},
		{"abbreviated id refused", func() error { return r.UpdateRef(ctx, ref, c1[:12], "", "t") }, nil, true, ""},
	}
	for _, st := range steps {
		err := st.do()
		if st.anyErr {
			if err == nil {
				t.Errorf("%s: accepted", st.name)
			}
		} else if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
			t.Errorf("%s: %v, want %v", st.name, err, st.wantErr)
		}
		got, err := r.RevParse(ctx, ref)
		if st.wantAfter == "" {
			if !errors.Is(err, ErrNotFound) {
				t.Errorf("%s: ref is %s (%v), want absent", st.name, got, err)
			}
		} else if got != st.wantAfter {
			t.Errorf("%s: ref = %s, want %s", st.name, got, st.wantAfter)
		}
	}
	listRefs := func(prefixes ...string) string {
		return runEnv(t, r.GitDir, testutil.GitEnv(), append([]string{"for-each-ref", "--format=%(objectname) %(refname)"}, prefixes...)...)
	}
	if refs := listRefs("refs/heads/", "refs/hearth/"); refs != "" {
		t.Errorf("refs = %q; want none", refs)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", c2, "", "t"); err != nil {
		t.Fatal(err)
	}
	if refs := listRefs("refs/heads/"); refs != c2+" refs/heads/main" {
		t.Errorf("refs = %q; want main at c2", refs)
	}
}

func TestSymbolicRef(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	if got, err := r.SymbolicRef(ctx, "HEAD"); err != nil || got != "refs/heads/main" {
		t.Errorf("SymbolicRef(HEAD) = %q, %v; want refs/heads/main (unborn is fine)", got, err)
	}
	c := commitFiles(t, r, "", map[string]*string{"a": s("a\n")}, testAuthor.When)
	if err := r.UpdateRef(ctx, "refs/heads/main", c, "", "t"); err != nil {
		t.Fatal(err)
	}
	if _, err := r.SymbolicRef(ctx, "refs/heads/main"); !errors.Is(err, ErrNotFound) {
		t.Errorf("SymbolicRef of a plain ref: %v, want ErrNotFound", err)
	}
}
