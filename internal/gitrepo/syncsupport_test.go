package gitrepo

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestMergeFile(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	base := []byte("1\n2\n3\n4\n5\n6\n7\n")
	tests := []struct {
		name         string
		ours, theirs string
		favor        Favor
		want         string // exact, or with markers a substring
		wantOverlaps int
	}{
		{name: "non-overlapping", ours: "ONE\n2\n3\n4\n5\n6\n7\n", theirs: "1\n2\n3\n4\n5\n6\nSEVEN\n", want: "ONE\n2\n3\n4\n5\n6\nSEVEN\n"},
		{name: "overlap with markers", ours: "1\n2\nO\n4\n5\n6\n7\n", theirs: "1\n2\nT\n4\n5\n6\n7\n", want: "<<<<<<< ours\nO\n=======\nT\n>>>>>>> theirs\n", wantOverlaps: 1},
		{name: "overlap, ours wins", ours: "1\n2\nO\n4\n5\n6\n7\n", theirs: "1\n2\nT\n4\n5\n6\nSEVEN\n", favor: FavorOurs, want: "1\n2\nO\n4\n5\n6\nSEVEN\n", wantOverlaps: 1},
		{name: "overlap, theirs wins", ours: "ONE\n2\nO\n4\n5\n6\n7\n", theirs: "1\n2\nT\n4\n5\n6\n7\n", favor: FavorTheirs, want: "ONE\n2\nT\n4\n5\n6\n7\n", wantOverlaps: 1},
		{name: "appends to the same end", ours: "1\n2\n3\n4\n5\n6\n7\nours\n", theirs: "1\n2\n3\n4\n5\n6\n7\ntheirs\n", favor: FavorTheirs, want: "1\n2\n3\n4\n5\n6\n7\ntheirs\n", wantOverlaps: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, overlaps, err := r.MergeFile(ctx, base, []byte(tt.ours), []byte(tt.theirs), tt.favor)
			if err != nil {
				t.Fatal(err)
			}
			if overlaps != tt.wantOverlaps {
				t.Errorf("overlaps = %d, want %d", overlaps, tt.wantOverlaps)
			}
			if strings.Contains(tt.want, "<<<<<<<") {
				if !bytes.Contains(got, []byte(tt.want)) {
					t.Errorf("merged = %q, want it to contain %q", got, tt.want)
				}
			} else if string(got) != tt.want {
				t.Errorf("merged = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestChangedAndStageAll(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	c := commitFiles(t, r, "", map[string]*string{"keep": s("k\n"), "edit": s("1\n"), "gone": s("g\n"), ".gitignore": s("*.tmp\n")}, testAuthor.When)
	if err := r.Checkout(ctx, "", c); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", c, "", "t"); err != nil {
		t.Fatal(err)
	}
	if changed, err := r.Changed(ctx); err != nil || changed {
		t.Fatalf("Changed on a clean checkout = %v, %v; want false", changed, err)
	}
	write(t, filepath.Join(r.WorkTree, "scratch.tmp"), "ignored\n")
	if changed, err := r.Changed(ctx); err != nil || changed {
		t.Fatalf("Changed with only an ignored file = %v, %v; want false", changed, err)
	}
	// Same size as before: only the content differs.
	write(t, filepath.Join(r.WorkTree, "edit"), "2\n")
	if changed, err := r.Changed(ctx); err != nil || !changed {
		t.Fatalf("Changed after a same-size edit = %v, %v; want true", changed, err)
	}
	write(t, filepath.Join(r.WorkTree, "dir", "new"), "n\n")
	if err := os.Remove(filepath.Join(r.WorkTree, "gone")); err != nil {
		t.Fatal(err)
	}
	tree, err := r.StageAll(ctx)
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
		got[e.Path] = string(data)
	}
	want := map[string]string{"keep": "k\n", "edit": "2\n", "dir/new": "n\n", ".gitignore": "*.tmp\n"}
	if len(got) != len(want) {
		t.Errorf("staged tree = %q, want %q", got, want)
	}
	for p, w := range want {
		if got[p] != w {
			t.Errorf("staged tree: %s = %q, want %q", p, got[p], w)
		}
	}
}

// ResetIndex keeps the stat data of entries whose content it does not
// change, so git does not hash every file of the work tree again.
func TestResetIndexKeepsStatData(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	files := map[string]*string{}
	for i := range 50 {
		files[fmt.Sprintf("f%02d", i)] = s(fmt.Sprintf("%d\n", i))
	}
	c1 := commitFiles(t, r, "", files, testAuthor.When)
	c2 := commitFiles(t, r, c1, map[string]*string{"f00": s("changed\n")}, testAuthor.When)
	if err := r.Checkout(ctx, "", c1); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", c1, "", "t"); err != nil {
		t.Fatal(err)
	}
	if changed, err := r.Changed(ctx); err != nil || changed { // refreshes the stat data
		t.Fatalf("Changed = %v, %v", changed, err)
	}
	if err := r.ResetIndex(ctx, c2); err != nil {
		t.Fatal(err)
	}
	// diff-files without refreshing lists every entry whose stat data does
	// not match the file: only f00, whose index entry is now c2's.
	out := runEnv(t, r.GitDir, append(testutil.GitEnv(), "GIT_WORK_TREE="+r.WorkTree), "diff-files", "--name-only")
	if out != "f00" {
		t.Errorf("entries without matching stat data after ResetIndex: %q, want only f00", out)
	}
}

func TestLastChangeResetIndexCountCommits(t *testing.T) {
	ctx := context.Background()
	r := newWork(t)
	t0 := time.Unix(1_700_000_000, 0)
	c1 := commitFiles(t, r, "", map[string]*string{"a": s("1\n"), "b": s("b\n")}, t0)
	c2 := commitFiles(t, r, c1, map[string]*string{"a": s("2\n")}, t0.Add(time.Hour))
	c3 := commitFiles(t, r, c2, map[string]*string{"c": s("c\n")}, t0.Add(2*time.Hour))

	changes := []struct {
		path     string
		wantID   string
		wantWhen time.Time
	}{
		{"a", c2, t0.Add(time.Hour)},
		{"b", c1, t0},
		{"never", "", time.Time{}},
	}
	for _, tt := range changes {
		id, when, err := r.LastChange(ctx, c3, tt.path)
		if err != nil || id != tt.wantID || !when.Equal(tt.wantWhen) {
			t.Errorf("LastChange(%s) = %.7s %v %v; want %.7s %v", tt.path, id, when, err, tt.wantID, tt.wantWhen)
		}
	}

	counts := []struct {
		from, to string
		want     int
	}{
		{c1, c3, 2}, {c3, c1, 0}, {c2, c2, 0},
	}
	for _, tt := range counts {
		if n, err := r.CountCommits(ctx, tt.from, tt.to); err != nil || n != tt.want {
			t.Errorf("CountCommits(%.7s, %.7s) = %d, %v; want %d", tt.from, tt.to, n, err, tt.want)
		}
	}

	// ResetIndex: the index follows c3 while the work tree stays at c1, so
	// every difference shows as an unstaged local modification.
	if err := r.Checkout(ctx, "", c1); err != nil {
		t.Fatal(err)
	}
	if err := r.UpdateRef(ctx, "refs/heads/main", c3, "", "t"); err != nil {
		t.Fatal(err)
	}
	if err := r.ResetIndex(ctx, c3); err != nil {
		t.Fatal(err)
	}
	st, err := r.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, e := range st {
		got[e.Path] = string([]byte{e.X, e.Y})
	}
	if len(got) != 2 || got["a"] != " M" || got["c"] != " D" {
		t.Errorf("status after ResetIndex = %q, want a modified and c deleted in the work tree only", got)
	}
	if data, err := os.ReadFile(filepath.Join(r.WorkTree, "a")); err != nil || string(data) != "1\n" {
		t.Errorf("ResetIndex touched the work tree: a = %q, %v", data, err)
	}
}
