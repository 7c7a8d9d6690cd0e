package gitrepo

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestBuildTree(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	base := commitFiles(t, r, "", map[string]*string{"a": s("a\n"), "dir/b": s("b\n"), "gone": s("g\n")}, time.Unix(1_700_000_000, 0))
	// The real index and work tree must not change: check them out, then compare.
	if err := r.Checkout(ctx, "", base); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", base, "", "checkout"); err != nil {
		t.Fatal(err)
	}
	indexBefore, err := os.ReadFile(filepath.Join(r.GitDir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	blob := func(data string) string {
		id, err := r.HashObject(ctx, []byte(data))
		if err != nil {
			t.Fatal(err)
		}
		return id
	}
	tree, err := r.BuildTree(ctx, base, []TreeEdit{
		{Path: "a", Mode: ModeFile, ID: blob("A\n")},
		{Path: "dir/sub/new", Mode: ModeExec, ID: blob("#!/bin/sh\n")},
		{Path: "link", Mode: ModeSymlink, ID: blob("a")},
		{Path: "gone", Delete: true},
	})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := r.LsTree(ctx, tree, true)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range entries {
		data, err := r.ReadBlob(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		got[e.Path] = e.Mode + " " + string(data)
	}
	want := map[string]string{"a": "100644 A\n", "dir/b": "100644 b\n", "dir/sub/new": "100755 #!/bin/sh\n", "link": "120000 a"}
	if len(got) != len(want) {
		t.Errorf("tree = %q, want %q", got, want)
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("%s = %q, want %q", p, got[p], w)
		}
	}
	indexAfter, err := os.ReadFile(filepath.Join(r.GitDir, "index"))
	if err != nil || !bytes.Equal(indexBefore, indexAfter) {
		t.Errorf("BuildTree changed the repository's index (%v)", err)
	}
	if data, err := os.ReadFile(filepath.Join(r.WorkTree, "a")); err != nil || string(data) != "a\n" {
		t.Errorf("work tree a = %q, %v; BuildTree must not touch the work tree", data, err)
	}
	if st, err := r.Status(ctx); err != nil || len(st) != 0 {
		t.Errorf("status after BuildTree = %+v, %v; want clean", st, err)
	}
	leftovers, _ := filepath.Glob(filepath.Join(r.GitDir, "hearth-index-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary index files left behind: %q", leftovers)
	}

	empty, err := r.BuildTree(ctx, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if et, err := r.EmptyTree(ctx); err != nil || empty != et {
		t.Errorf("BuildTree(\"\", nil) = %s, want the empty tree %s (%v)", empty, et, err)
	}
}

func TestBuildTreeRefusesBadEdits(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	id, err := r.HashObject(ctx, []byte("x"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		edit TreeEdit
	}{
		{"dot-dot", TreeEdit{Path: "../escape", Mode: ModeFile, ID: id}},
		{"absolute", TreeEdit{Path: "/etc/passwd", Mode: ModeFile, ID: id}},
		{"git dir", TreeEdit{Path: ".git/hooks/post-checkout", Mode: ModeFile, ID: id}},
		{"git dir other case", TreeEdit{Path: "sub/.GIT/config", Mode: ModeFile, ID: id}},
		{"empty component", TreeEdit{Path: "a//b", Mode: ModeFile, ID: id}},
		{"bad mode", TreeEdit{Path: "a", Mode: "160000", ID: id}},
		{"bad id", TreeEdit{Path: "a", Mode: ModeFile, ID: "HEAD"}},
		{"newline in path", TreeEdit{Path: "a\nb", Mode: ModeFile, ID: id}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tree, err := r.BuildTree(ctx, "", []TreeEdit{tt.edit}); err == nil {
				t.Errorf("BuildTree accepted %+v (tree %s)", tt.edit, tree)
			}
		})
	}
}

// Deleting a path writes a null id of the repository's hash length.
func TestBuildTreeSHA256(t *testing.T) {
	ctx := context.Background()
	dir := filepath.Join(t.TempDir(), "r")
	testutil.Git(t, "", "init", "--quiet", "--object-format=sha256", dir)
	r, err := Open(ctx, dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := r.HashObject(ctx, []byte("a"))
	if err != nil || len(a) != 64 {
		t.Fatalf("HashObject in a sha256 repository = %q, %v", a, err)
	}
	base, err := r.BuildTree(ctx, "", []TreeEdit{{Path: "a", Mode: ModeFile, ID: a}, {Path: "b", Mode: ModeFile, ID: a}})
	if err != nil {
		t.Fatal(err)
	}
	tree, err := r.BuildTree(ctx, base, []TreeEdit{{Path: "b", Delete: true}})
	if err != nil {
		t.Fatal(err)
	}
	entries, err := r.LsTree(ctx, tree, true)
	if err != nil || len(entries) != 1 || entries[0].Path != "a" {
		t.Errorf("tree after deleting b = %+v, %v; want only a", entries, err)
	}
}
