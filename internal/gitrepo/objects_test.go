package gitrepo

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestRevParseAncestryMergeBase(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	t0 := time.Unix(1_700_000_000, 0)
	c1 := commitFiles(t, r, "", map[string]*string{"a": s("1\n")}, t0)
	c2 := commitFiles(t, r, c1, map[string]*string{"a": s("2\n")}, t0.Add(time.Minute))
	c3 := commitFiles(t, r, c1, map[string]*string{"b": s("x\n")}, t0.Add(2*time.Minute))
	orphan := commitFiles(t, r, "", map[string]*string{"z": s("z\n")}, t0)
	if err := r.UpdateRef(ctx, "refs/heads/main", c2, "", "test"); err != nil {
		t.Fatal(err)
	}

	revs := []struct {
		rev     string
		want    string
		wantErr error
	}{
		{rev: "main", want: c2},
		{rev: "refs/heads/main~1", want: c1},
		{rev: c3, want: c3},
		{rev: "refs/heads/nope", wantErr: ErrNotFound},
	}
	for _, tt := range revs {
		got, err := r.RevParse(ctx, tt.rev)
		if got != tt.want || !errors.Is(err, tt.wantErr) {
			t.Errorf("RevParse(%s) = %q, %v; want %q, %v", tt.rev, got, err, tt.want, tt.wantErr)
		}
	}
	if _, err := r.RevParse(ctx, "--all"); err == nil || !strings.Contains(err.Error(), "invalid revision") {
		t.Errorf("RevParse(--all) = %v, want an invalid revision error", err)
	}

	anc := []struct {
		a, b string
		want bool
	}{
		{c1, c2, true}, {c2, c1, false}, {c2, c2, true}, {c2, c3, false}, {orphan, c2, false},
	}
	for _, tt := range anc {
		if got, err := r.IsAncestor(ctx, tt.a, tt.b); err != nil || got != tt.want {
			t.Errorf("IsAncestor(%.7s, %.7s) = %v, %v; want %v", tt.a, tt.b, got, err, tt.want)
		}
	}
	if _, err := r.IsAncestor(ctx, c1, strings.Repeat("1", 40)); err == nil {
		t.Error("IsAncestor with a missing commit must be an error, not false")
	}

	if got, err := r.MergeBase(ctx, c2, c3); err != nil || got != c1 {
		t.Errorf("MergeBase(c2, c3) = %q, %v; want c1 %q", got, err, c1)
	}
	if _, err := r.MergeBase(ctx, c2, orphan); !errors.Is(err, ErrNoMergeBase) {
		t.Errorf("MergeBase of unrelated commits: %v, want ErrNoMergeBase", err)
	}
}

func TestHashObjectReadBlob(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	tests := []struct {
		name string
		data []byte
	}{
		{"text", []byte("hello\n")},
		{"empty", nil},
		{"binary with NUL and CRLF", []byte{0, 1, 2, '\r', '\n', 0xff}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			id, err := r.HashObject(ctx, tt.data)
			if err != nil {
				t.Fatal(err)
			}
			if !isHexID(id) {
				t.Fatalf("HashObject returned %q, not an object id", id)
			}
			got, err := r.ReadBlob(ctx, id)
			if err != nil || !bytes.Equal(got, tt.data) {
				t.Errorf("ReadBlob(HashObject(x)) = %q, %v; want %q", got, err, tt.data)
			}
		})
	}
	_, err := r.ReadBlob(ctx, strings.Repeat("e", 40))
	if !errors.Is(err, ErrNotFound) {
		t.Errorf("ReadBlob of a missing object: %v, want ErrNotFound", err)
	}
	// The error names the repository, the command and what git said.
	for _, part := range []string{r.Dir(), "cat-file", "fatal"} {
		if err == nil || !strings.Contains(err.Error(), part) {
			t.Errorf("error %q does not contain %q", err, part)
		}
	}
}

func TestLsTreeAndLastChange(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	t0 := time.Unix(1_700_000_000, 0)
	c1 := commitFiles(t, r, "", map[string]*string{"a": s("1\n"), "dir/b": s("b\n"), "c": s("c\n")}, t0)
	c2 := commitFiles(t, r, c1, map[string]*string{"a": s("2\n")}, t0.Add(time.Hour))
	c3 := commitFiles(t, r, c2, map[string]*string{"dir/b": s("b2\n")}, t0.Add(2*time.Hour))

	entries, err := r.LsTree(ctx, c3, true)
	if err != nil {
		t.Fatal(err)
	}
	var paths []string
	for _, e := range entries {
		paths = append(paths, e.Path)
		if e.Mode != ModeFile || e.Type != "blob" || !isHexID(e.ID) {
			t.Errorf("entry %+v: want a regular blob", e)
		}
	}
	if !slices.Equal(paths, []string{"a", "c", "dir/b"}) {
		t.Errorf("recursive ls-tree paths = %q", paths)
	}
	top, err := r.LsTree(ctx, c3, false)
	if err != nil || len(top) != 3 || top[2].Type != "tree" || top[2].Path != "dir" {
		t.Errorf("top-level ls-tree = %+v, %v; want a, c, and tree dir", top, err)
	}
	only, err := r.LsTree(ctx, c3, true, "dir")
	if err != nil || len(only) != 1 || only[0].Path != "dir/b" {
		t.Errorf("ls-tree limited to dir = %+v, %v", only, err)
	}

	times := []struct {
		rev, path string
		want      time.Time
	}{
		{c3, "a", t0.Add(time.Hour)},
		{c3, "dir/b", t0.Add(2 * time.Hour)},
		{c3, "c", t0},
		{c1, "a", t0},
		{c3, "never", time.Time{}},
	}
	for _, tt := range times {
		_, got, err := r.LastChange(ctx, tt.rev, tt.path)
		if err != nil || !got.Equal(tt.want) {
			t.Errorf("LastChange(%.7s, %s) = %v, %v; want %v", tt.rev, tt.path, got, err, tt.want)
		}
	}
	if _, _, err := r.LastChange(ctx, c3, "../etc/passwd"); err == nil {
		t.Error("LastChange accepted a path escaping the tree")
	}
}

func TestDiffTree(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	t0 := time.Unix(1_700_000_000, 0)
	c1 := commitFiles(t, r, "", map[string]*string{"keep": s("k\n"), "mod": s("1\n"), "gone": s("g\n"), "old": s("same\n")}, t0)
	c2 := commitFiles(t, r, c1, map[string]*string{"mod": s("2\n"), "gone": nil, "new": s("n\n"), "old": nil, "renamed": s("same\n")}, t0)
	changes, err := r.DiffTree(ctx, c1, c2)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]byte{}
	for _, c := range changes {
		got[c.Path] = c.Status
	}
	want := map[string]byte{"mod": 'M', "gone": 'D', "new": 'A', "old": 'D', "renamed": 'A'}
	if len(got) != len(want) {
		t.Errorf("changes %v, want %v (renames as delete + add)", got, want)
	}
	for p, st := range want {
		if got[p] != st {
			t.Errorf("%s: status %q, want %q", p, got[p], st)
		}
	}
	for _, c := range changes {
		if c.Path == "new" && (c.OldMode != "000000" || c.NewMode != ModeFile || !isHexID(c.NewID)) {
			t.Errorf("added entry %+v: want old mode 000000 and a new blob", c)
		}
	}
	root, err := r.DiffTree(ctx, "", c1)
	if err != nil || len(root) != 4 {
		t.Errorf("DiffTree from the empty tree = %+v, %v; want 4 additions", root, err)
	}
}

// A hostile remote can send trees with names git itself never writes; they
// must be refused before anyone turns them into file paths.
func TestUnsafeTreeEntries(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	blob, err := r.HashObject(ctx, []byte("evil\n"))
	if err != nil {
		t.Fatal(err)
	}
	mktree := func(entries string) string {
		cmd := exec.Command("git", "--git-dir="+r.GitDir, "mktree")
		cmd.Env = testutil.GitEnv()
		cmd.Stdin = strings.NewReader(entries)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("mktree: %v", err)
		}
		return strings.TrimSpace(string(out))
	}
	for _, name := range []string{"..", ".git", ".GIT"} {
		t.Run(name, func(t *testing.T) {
			inner := mktree("100644 blob " + blob + "\thooks\n")
			tree := mktree("040000 tree " + inner + "\t" + name + "\n")
			if entries, err := r.LsTree(ctx, tree, true); err == nil || !strings.Contains(err.Error(), "unsafe") {
				t.Errorf("LsTree = %+v, %v; want an unsafe-entry error", entries, err)
			}
			if changes, err := r.DiffTree(ctx, "", tree); err == nil || !strings.Contains(err.Error(), "unsafe") {
				t.Errorf("DiffTree = %+v, %v; want an unsafe-entry error", changes, err)
			}
		})
	}
}
