package privdrop

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestOwner: whoever owns a component on the way to a path, links
// included, controls the path; root's components do not count.
func TestOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "giving dirs to other users needs root")
	}
	root, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	mk := func(rel string, uid int) {
		p := filepath.Join(root, rel)
		if err := os.MkdirAll(p, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(p, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
	link := func(rel, target string, uid int) {
		p := filepath.Join(root, rel)
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
		if err := os.Lchown(p, uid, uid); err != nil {
			t.Fatal(err)
		}
	}
	mk("rootdir/sub", 0)
	mk("home", 65534)
	mk("home/rootowned", 0)
	mk("home/other", 65533)
	link("rootlink", "home", 0)
	link("home/out", filepath.Join(root, "rootdir"), 65534)
	link("home/up", "../rootdir", 65534)
	tests := []struct {
		path    string
		want    uint32
		wantErr string
	}{
		{path: "rootdir/sub", want: 0},
		{path: "rootdir/missing/deeper", want: 0},
		{path: "home", want: 65534},
		{path: "home/missing/deeper", want: 65534},
		{path: "home/rootowned", want: 65534}, // root's dir inside nobody's: nobody can swap it
		{path: "rootlink", want: 65534},       // root's link to nobody's dir
		{path: "home/out/sub", want: 65534},   // nobody's link out to root's dir
		{path: "home/up/sub", want: 65534},
		{path: "home/other", wantErr: "uid 65533"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			got, err := Owner(filepath.Join(root, tc.path))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Owner = %d, %v; want an error naming %q", got, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Owner = %d, %v; want %d", got, err, tc.want)
			}
		})
	}
	if _, err := Owner("relative/path"); err == nil {
		t.Error("a relative path was accepted")
	}
}

// TestOwnerRefusesDirsOthersMayWrite: a root-owned directory that others
// may write to lets any of them swap what lies beneath it (an attack ran a
// user's template as root this way); with the sticky bit only an entry's
// owner may, and that owner is counted.
func TestOwnerRefusesDirsOthersMayWrite(t *testing.T) {
	for _, tc := range []struct {
		mode    os.FileMode
		refused bool
	}{
		{0o777, true},
		{0o775, true},
		{0o757, true},
		{0o755, false},
		{0o777 | os.ModeSticky, false},
	} {
		root := t.TempDir()
		shared := filepath.Join(root, "shared")
		if err := os.MkdirAll(filepath.Join(shared, "home"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(shared, tc.mode); err != nil {
			t.Fatal(err)
		}
		_, err := Owner(filepath.Join(shared, "home"))
		if refused := err != nil; refused != tc.refused {
			t.Errorf("mode %v: refused = %v (%v), want %v", tc.mode, refused, err, tc.refused)
		}
		if err != nil && !strings.Contains(err.Error(), shared) {
			t.Errorf("mode %v: error does not name %s: %v", tc.mode, shared, err)
		}
	}
}
