package dotfiles

import (
	"os"
	"path/filepath"
	"strings"
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

// TestTemplateCommandsRunAsTheHomesOwner: hearth as root rendering a home
// owned by another user runs the templates' commands as that user, never
// as root.
func TestTemplateCommandsRunAsTheHomesOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "running a command as another user needs root")
	}
	testutil.RequireProgram(t, "id")
	f := newFixture(t, "")
	if err := os.Chown(f.home, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(f.src, "dot_uid.tmpl"), `{{ output "id" "-u" }}`, 0o644)
	mustApply(t, f.opts)
	if got := readFile(t, filepath.Join(f.home, ".uid")); got != "65534\n" {
		t.Errorf("template command ran as uid %q, want 65534", got)
	}
}

// TestIncludeAsRootReadsOnlyWhatTheOwnerCan: hearth as root rendering a
// home owned by another user lets a template include a file that user can
// read, and holds one including a root-only file, whose content never
// reaches home.
func TestIncludeAsRootReadsOnlyWhatTheOwnerCan(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "reading as another user needs root")
	}
	f := newFixture(t, "")
	if err := os.Chown(f.home, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, d := range []string{filepath.Dir(dir), dir} { // t.TempDir's are 0700 root
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	writeFile(t, filepath.Join(dir, "public"), "public\n", 0o644)
	writeFile(t, filepath.Join(dir, "rootonly"), "root secret\n", 0o600)
	writeFile(t, filepath.Join(f.src, "dot_pub.tmpl"), `{{ include "`+filepath.Join(dir, "public")+`" }}`, 0o644)
	writeFile(t, filepath.Join(f.src, "dot_loot.tmpl"), `{{ include "`+filepath.Join(dir, "rootonly")+`" }}`, 0o644)
	rep := mustApply(t, f.opts)
	if got, err := os.ReadFile(filepath.Join(f.home, ".pub")); string(got) != "public\n" {
		t.Errorf(".pub = %q (%v); held:\n%s", got, err, heldText(rep.Held))
	}
	if _, err := os.Lstat(filepath.Join(f.home, ".loot")); err == nil {
		t.Error("a root-only file was included into the user's home")
	}
	if held := heldText(rep.Held); !strings.Contains(held, ".loot") || !strings.Contains(held, "permission denied") {
		t.Errorf("held:\n%s", held)
	}
}
