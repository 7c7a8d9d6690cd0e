package gitrepo

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestMergeTree(t *testing.T) {
	ctx := context.Background()
	t0 := time.Unix(1_700_000_000, 0)
	base := map[string]*string{
		"shared":  s("line1\nline2\nline3\nline4\nline5\n"),
		"deleted": s("d\n"),
		"renamed": s("r1\nr2\nr3\nr4\nr5\nr6\n"),
	}
	tests := []struct {
		name          string
		ours, theirs  map[string]*string
		wantClean     bool
		wantConflicts map[string][3]*string // path → base, ours, theirs content (nil: no such stage)
		wantFiles     map[string]string     // content in the merged tree
	}{
		{
			name:      "different files",
			ours:      map[string]*string{"o": s("o\n")},
			theirs:    map[string]*string{"t": s("t\n")},
			wantClean: true,
			wantFiles: map[string]string{"o": "o\n", "t": "t\n"},
		},
		{
			name:      "non-overlapping hunks",
			ours:      map[string]*string{"shared": s("LINE1\nline2\nline3\nline4\nline5\n")},
			theirs:    map[string]*string{"shared": s("line1\nline2\nline3\nline4\nLINE5\n")},
			wantClean: true,
			wantFiles: map[string]string{"shared": "LINE1\nline2\nline3\nline4\nLINE5\n"},
		},
		{
			name:   "same line both sides",
			ours:   map[string]*string{"shared": s("line1\nline2\nOURS\nline4\nline5\n")},
			theirs: map[string]*string{"shared": s("line1\nline2\nTHEIRS\nline4\nline5\n")},
			wantConflicts: map[string][3]*string{
				"shared": {base["shared"], s("line1\nline2\nOURS\nline4\nline5\n"), s("line1\nline2\nTHEIRS\nline4\nline5\n")},
			},
		},
		{
			name:   "modify versus delete",
			ours:   map[string]*string{"deleted": s("edited\n")},
			theirs: map[string]*string{"deleted": nil},
			wantConflicts: map[string][3]*string{
				"deleted": {base["deleted"], s("edited\n"), nil},
			},
			wantFiles: map[string]string{"deleted": "edited\n"},
		},
		{
			name:   "add versus add",
			ours:   map[string]*string{"new": s("mine\n")},
			theirs: map[string]*string{"new": s("yours\n")},
			wantConflicts: map[string][3]*string{
				"new": {nil, s("mine\n"), s("yours\n")},
			},
		},
		{
			// A chezmoi attribute change is a rename; an edit elsewhere must follow it.
			name:      "rename on one side, edit on the other",
			ours:      map[string]*string{"renamed": nil, "executable_renamed": s("r1\nr2\nr3\nr4\nr5\nr6\n")},
			theirs:    map[string]*string{"renamed": s("r1\nr2\nr3\nr4\nr5\nEDIT\n")},
			wantClean: true,
			wantFiles: map[string]string{"executable_renamed": "r1\nr2\nr3\nr4\nr5\nEDIT\n"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newWork(t)
			b := commitFiles(t, r, "", base, t0)
			ours := commitFiles(t, r, b, tt.ours, t0.Add(time.Minute))
			theirs := commitFiles(t, r, b, tt.theirs, t0.Add(2*time.Minute))
			res, err := r.MergeTree(ctx, ours, theirs)
			if err != nil {
				t.Fatal(err)
			}
			wantClean := len(tt.wantConflicts) == 0
			if res.Clean != wantClean || res.Clean != tt.wantClean {
				t.Fatalf("Clean = %v, want %v; conflicts %+v messages %+v", res.Clean, wantClean, res.Conflicts, res.Messages)
			}
			if len(res.Conflicts) != len(tt.wantConflicts) {
				t.Fatalf("conflicts %+v, want paths of %v", res.Conflicts, tt.wantConflicts)
			}
			for _, c := range res.Conflicts {
				want, ok := tt.wantConflicts[c.Path]
				if !ok {
					t.Errorf("unexpected conflict on %s", c.Path)
					continue
				}
				for i, st := range []Stage{c.Base, c.Ours, c.Theirs} {
					checkStage(t, r, c.Path, []string{"base", "ours", "theirs"}[i], st, want[i])
				}
			}
			if !res.Clean {
				found := false
				for _, m := range res.Messages {
					found = found || strings.HasPrefix(m.Type, "CONFLICT")
				}
				if !found {
					t.Errorf("no CONFLICT message among %+v", res.Messages)
				}
			}
			for p, want := range tt.wantFiles {
				got, err := r.ReadBlob(ctx, res.Tree+":"+p)
				if err != nil || string(got) != want {
					t.Errorf("merged %s = %q, %v; want %q", p, got, err, want)
				}
			}
		})
	}
}

func checkStage(t *testing.T, r *Repo, path, side string, st Stage, want *string) {
	t.Helper()
	if want == nil {
		if st.ID != "" {
			t.Errorf("%s %s stage = %+v, want none", path, side, st)
		}
		return
	}
	got, err := r.ReadBlob(context.Background(), st.ID)
	if err != nil || string(got) != *want || st.Mode != ModeFile {
		t.Errorf("%s %s stage = %+v → %q, %v; want %q", path, side, st, got, err, *want)
	}
}

func TestMergeTreeBadInput(t *testing.T) {
	r := newWork(t)
	c := commitFiles(t, r, "", map[string]*string{"a": s("a\n")}, time.Unix(1_700_000_000, 0))
	for _, theirs := range []string{"refs/heads/missing", "-x"} {
		if _, err := r.MergeTree(context.Background(), c, theirs); err == nil {
			t.Errorf("MergeTree(c, %q) succeeded", theirs)
		}
	}
}
