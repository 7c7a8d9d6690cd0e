package gitrepo

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestCommitTreeSignsWithSSHKey(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	key, pub := testutil.SSHKey(t, "signer")
	allowed := filepath.Join(t.TempDir(), "allowed")
	if err := os.WriteFile(allowed, []byte("signer@example.com "+pub+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tree, err := r.EmptyTree(ctx)
	if err != nil {
		t.Fatal(err)
	}
	signed, err := r.CommitTree(ctx, CommitSpec{Tree: tree, Message: "signed", Author: testAuthor, SigningKey: key})
	if err != nil {
		t.Fatal(err)
	}
	if s, err := r.VerifyCommit(ctx, signed, allowed); err != nil || s.Principal != "signer@example.com" {
		t.Fatalf("signed commit: %+v, %v", s, err)
	}
	unsigned, err := r.CommitTree(ctx, CommitSpec{Tree: tree, Message: "unsigned", Author: testAuthor})
	if err != nil {
		t.Fatal(err)
	}
	good, err := r.VerifyCommits(ctx, []string{signed, unsigned}, allowed)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := good[signed]; !ok || len(good) != 1 {
		t.Fatalf("VerifyCommits: %+v, want only the signed commit", good)
	}
	if _, err := r.CommitTree(ctx, CommitSpec{Tree: tree, Message: "x", Author: testAuthor, SigningKey: "relative/key"}); err == nil {
		t.Fatal("a relative signing key path was accepted")
	}
}

func TestReadBlobsMissingAndTooBig(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	small, err := r.HashObject(ctx, []byte("small"))
	if err != nil {
		t.Fatal(err)
	}
	big, err := r.HashObject(ctx, []byte(strings.Repeat("b", 100)))
	if err != nil {
		t.Fatal(err)
	}
	tree, err := r.MkTree(ctx, []TreeEntry{{Mode: ModeFile, ID: small, Path: "f"}})
	if err != nil {
		t.Fatal(err)
	}
	res, err := r.ReadBlobs(ctx, []string{small, big, tree + ":f", tree + ":nope", tree}, 10)
	if err != nil {
		t.Fatal(err)
	}
	if string(res[0].Data) != "small" || !res[1].TooBig || res[1].Data != nil || string(res[2].Data) != "small" || !res[3].Missing || !res[4].Missing {
		t.Fatalf("ReadBlobs: %+v", res)
	}
}

func TestListRefsAndFirstParents(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	c1 := commitFiles(t, r, "", map[string]*string{"a": s("1")}, testAuthor.When)
	c2 := commitFiles(t, r, c1, map[string]*string{"a": s("2")}, testAuthor.When)
	for _, ref := range []string{"refs/x/a", "refs/x/b", "refs/y/c"} {
		if err := r.UpdateRef(ctx, ref, c2, "", "t"); err != nil {
			t.Fatal(err)
		}
	}
	refs, err := r.ListRefs(ctx, "refs/x/")
	if err != nil || len(refs) != 2 || refs[0].Name != "refs/x/a" || refs[1].ID != c2 {
		t.Fatalf("ListRefs: %+v, %v", refs, err)
	}
	ids, err := r.FirstParents(ctx, c2, 5)
	if err != nil || len(ids) != 2 || ids[0] != c2 || ids[1] != c1 {
		t.Fatalf("FirstParents: %v, %v", ids, err)
	}
}

// TestListRefsMatchesGit: the refs read from files (loose over packed)
// are exactly what git's for-each-ref lists.
func TestListRefsMatchesGit(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	c1 := commitFiles(t, r, "", map[string]*string{"a": s("1")}, testAuthor.When)
	c2 := commitFiles(t, r, c1, map[string]*string{"a": s("2")}, testAuthor.When)
	for _, ref := range []string{"refs/x/a", "refs/x/b", "refs/x/d/e", "refs/xy/c"} {
		if err := r.UpdateRef(ctx, ref, c1, "", "t"); err != nil {
			t.Fatal(err)
		}
	}
	testutil.Git(t, r.WorkTree, "pack-refs", "--all")
	if err := r.UpdateRef(ctx, "refs/x/b", c2, c1, "t"); err != nil { // loose over packed
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, "refs/x/f", c2, "", "t"); err != nil { // loose only
		t.Fatal(err)
	}
	if err := r.DeleteRef(ctx, "refs/x/a", c1, "t"); err != nil {
		t.Fatal(err)
	}
	got, err := r.ListRefs(ctx, "refs/x/")
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, ref := range got {
		lines = append(lines, ref.ID+" "+ref.Name)
	}
	want := testutil.Git(t, r.WorkTree, "for-each-ref", "--format=%(objectname) %(refname)", "refs/x/")
	if strings.Join(lines, "\n") != want {
		t.Fatalf("ListRefs:\n%s\nfor-each-ref:\n%s", strings.Join(lines, "\n"), want)
	}
	if _, ok := r.listRefFiles("refs/x/"); !ok {
		t.Fatal("the files backend was not read directly")
	}
	testutil.Git(t, r.WorkTree, "symbolic-ref", "refs/x/sym", "refs/x/b")
	if _, ok := r.listRefFiles("refs/x/"); ok {
		t.Fatal("a symbolic ref was read as a plain one")
	}
	if refs, err := r.ListRefs(ctx, "refs/none/"); err != nil || len(refs) != 0 {
		t.Fatalf("no refs under a prefix: %v, %v", refs, err)
	}
}

// TestReadBlobsStreamsPastBigObjects: objects over the limit, split over
// many pipe writes, are skipped and the ones around them read intact.
func TestReadBlobsStreamsPastBigObjects(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	var ids []string
	want := []string{"first\n", strings.Repeat("x", 1<<20), "", strings.Repeat("y", 64), "last"}
	for _, c := range want {
		id, err := r.HashObject(ctx, []byte(c))
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	res, err := r.ReadBlobs(ctx, ids, 64)
	if err != nil {
		t.Fatal(err)
	}
	for i, c := range want {
		big := len(c) > 64
		if res[i].TooBig != big || (!big && string(res[i].Data) != c) || res[i].Size != int64(len(c)) {
			t.Errorf("object %d: %+v (data %q), want %q", i, res[i], res[i].Data, c[:min(len(c), 10)])
		}
	}
}
