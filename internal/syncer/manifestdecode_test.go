package syncer

import (
	"strings"
	"testing"
)

func TestDecodeManifest(t *testing.T) {
	entry := func(id, p string) string {
		return `{"id": "` + id + `", "path": "` + p + `", "sidecar": ".hearth-conflicts/` + p + `~h~` + id + `"}`
	}
	cases := []struct {
		name     string
		data     string
		ids      []string // after dedupe; "*" is any new id
		problems []string // substrings, in order
	}{
		{"empty", "", nil, nil},
		{"valid", `{"version": 1, "conflicts": [` + entry("a1", "f") + `]}`, []string{"a1"}, nil},
		{"null list", `{"version": 1, "conflicts": null}`, nil, nil},
		{"wrong type entry", "{\"conflicts\": [\n" + entry("a1", "f") + ",\n{\"id\": 7},\n" + entry("b2", "g") + "]}",
			[]string{"a1", "b2"}, []string{"m.json:3: entry 2"}},
		{"cut short", "{\"conflicts\": [\n" + entry("a1", "f") + ",\n" + entry("b2", "g")[:20],
			[]string{"a1"}, []string{"m.json:3: unexpected EOF"}},
		{"not an object", `[1, 2]`, nil, []string{"m.json:1: want"}},
		{"exact repeat", `{"conflicts": [` + entry("a1", "f") + `,` + entry("a1", "f") + `]}`, []string{"a1"}, []string{"listed twice"}},
		{"shared id", `{"conflicts": [` + entry("a1", "f") + `,` + entry("a1", "g") + `]}`, []string{"a1", "*"}, []string{"not unique"}},
		{"no id", `{"conflicts": [` + entry("", "f") + `]}`, []string{"*"}, []string{"not unique"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := DecodeManifest("m.json", []byte(tc.data))
			if len(m.Conflicts) != len(tc.ids) {
				t.Fatalf("entries %+v, want ids %v (problems %v)", m.Conflicts, tc.ids, m.Problems)
			}
			seen := map[string]bool{}
			for i, c := range m.Conflicts {
				if c.ID == "" || seen[c.ID] || tc.ids[i] != "*" && c.ID != tc.ids[i] {
					t.Errorf("entry %d id %q, want %q, unique", i, c.ID, tc.ids[i])
				}
				seen[c.ID] = true
			}
			if len(m.Problems) != len(tc.problems) {
				t.Fatalf("problems %q, want %q", m.Problems, tc.problems)
			}
			for i, p := range tc.problems {
				if !strings.Contains(m.Problems[i], p) {
					t.Errorf("problem %q does not contain %q", m.Problems[i], p)
				}
			}
			// The same bytes always give the same ids.
			again := DecodeManifest("m.json", []byte(tc.data))
			for i := range again.Conflicts {
				if again.Conflicts[i].ID != m.Conflicts[i].ID {
					t.Errorf("ids differ between two reads: %q, %q", again.Conflicts[i].ID, m.Conflicts[i].ID)
				}
			}
		})
	}
}

// Manifest paths from the remote that leave the tree or reach into a git
// dir are refused before anything is read or written.
func TestCheckRefusesEscapingPaths(t *testing.T) {
	dir := t.TempDir()
	for _, p := range []string{"", ".", "..", "../x", "/etc/passwd", "a/../../x", ".git/config", "sub/.git/hooks/x", "sub/.GIT/x", ConflictDir + "/x"} {
		c := Conflict{ID: "x", Path: p, Sidecar: ConflictDir + "/f~h~x"}
		if err := Check(dir, c); err == nil || err == ErrSidecarMissing {
			t.Errorf("path %q: %v", p, err)
		}
	}
	for _, s := range []string{"", "f", "../f", ConflictDir, ManifestPath, ConflictDir + "/../f", ConflictDir + "/a/.git/x"} {
		c := Conflict{ID: "x", Path: "f", Sidecar: s}
		if err := Check(dir, c); err == nil || err == ErrSidecarMissing {
			t.Errorf("sidecar %q: %v", s, err)
		}
	}
}
