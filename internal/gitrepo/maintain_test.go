package gitrepo

import (
	"context"
	"crypto/sha1"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

func TestMaintain(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name       string
		gcAuto     string // repository config; "" leaves git's default
		objects    int    // loose objects in objects/17
		wantPacked bool
	}{
		{name: "over the repository's threshold", gcAuto: "1", objects: 3, wantPacked: true},
		{name: "under git's default threshold", objects: 3, wantPacked: false},
		// 28 in objects/17 is over git's default estimate (6700/256).
		{name: "over git's default threshold", objects: 28, wantPacked: true},
		{name: "gc disabled in the repository", gcAuto: "0", objects: 3, wantPacked: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newWork(t)
			if tt.gcAuto != "" {
				testutil.Git(t, r.WorkTree, "config", "gc.auto", tt.gcAuto)
			}
			// gc --auto estimates the loose objects from the fan-out directory
			// objects/17 alone; with gc.auto=1 two objects there are "too many".
			// Pick contents whose blob ids start with 17, so a few objects do.
			var edits []TreeEdit
			for _, data := range blobsInFanout17(tt.objects) {
				id, err := r.HashObject(ctx, data)
				if err != nil {
					t.Fatal(err)
				}
				edits = append(edits, TreeEdit{Path: fmt.Sprintf("f%d", len(edits)), Mode: ModeFile, ID: id})
			}
			// Make them reachable: gc packs reachable objects and leaves
			// young unreachable ones loose.
			tree, err := r.BuildTree(ctx, "", edits)
			if err != nil {
				t.Fatal(err)
			}
			c, err := r.CommitTree(ctx, CommitSpec{Tree: tree, Message: "many", Author: testAuthor})
			if err != nil {
				t.Fatal(err)
			}
			if err := r.UpdateRef(ctx, "refs/heads/main", c, "", "t"); err != nil {
				t.Fatal(err)
			}
			before := looseCount(t, r)
			if before < len(edits) {
				t.Fatalf("only %d loose objects before gc", before)
			}
			if err := r.Maintain(ctx); err != nil {
				t.Fatal(err)
			}
			after := looseCount(t, r)
			if packed := after < before; packed != tt.wantPacked {
				t.Errorf("loose objects %d → %d; want packed %v", before, after, tt.wantPacked)
			}
		})
	}
}

// blobsInFanout17 returns n contents whose SHA-1 blob ids start with "17".
func blobsInFanout17(n int) [][]byte {
	var out [][]byte
	for i := 0; len(out) < n; i++ {
		data := []byte(fmt.Sprintf("object %d\n", i))
		sum := sha1.Sum(append([]byte(fmt.Sprintf("blob %d\x00", len(data))), data...))
		if sum[0] == 0x17 {
			out = append(out, data)
		}
	}
	return out
}

// looseCount is the "count" line of git count-objects -v.
func looseCount(t *testing.T, r *Repo) int {
	t.Helper()
	out := testutil.Git(t, r.WorkTree, "count-objects", "-v")
	for line := range strings.SplitSeq(out, "\n") {
		if v, ok := strings.CutPrefix(line, "count: "); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no count in %q", out)
	return 0
}
