package dotfiles

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestOwnerOwnsWrittenFiles: with Owner set (hearth as root applying a
// user's home), what Apply creates and what Capture writes belong to the
// owner. Real chown to an existing uid (nobody), so it needs root.
func TestOwnerOwnsWrittenFiles(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "chown to another user needs root")
	}
	const uid, gid = 65534, 65534
	f := newFixture(t, "")
	writeFile(t, filepath.Join(f.src, "dot_config", "app.conf"), "a\n", 0o644)
	writeFile(t, filepath.Join(f.src, "symlink_dot_link"), ".config\n", 0o644)
	f.opts.Owner = &Owner{UID: uid, GID: gid}
	mustApply(t, f.opts)
	for _, p := range []string{".config", ".config/app.conf", ".link"} {
		fi, err := os.Lstat(filepath.Join(f.home, p))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if st.Uid != uid || st.Gid != gid {
			t.Errorf("%s owned by %d:%d, want %d:%d", p, st.Uid, st.Gid, uid, gid)
		}
	}
	writeFile(t, filepath.Join(f.home, ".config", "app.conf"), "edited\n", 0o644)
	mustCapture(t, f.opts)
	fi, err := os.Stat(filepath.Join(f.src, "dot_config", "app.conf"))
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != uid {
		t.Errorf("captured source owned by %d, want %d", st.Uid, uid)
	}
}
