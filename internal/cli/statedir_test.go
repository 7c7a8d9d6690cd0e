package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// TestStateDirOfAnotherUserRefused: root refuses a state dir that uid
// 65534 owns (it could plant locks and state there), or that others may
// write, names the dir, owner and mode with the remedy, and writes nothing
// into it.
func TestStateDirOfAnotherUserRefused(t *testing.T) {
	testutil.RequireProgram(t, "true")
	tests := []struct {
		name  string
		setup func(t *testing.T, dir string)
		want  []string
	}{
		{"owned by uid 65534", func(t *testing.T, dir string) {
			requireRoot(t)
			if err := os.Chown(dir, 65534, 65534); err != nil {
				t.Fatal(err)
			}
		}, []string{"owned by uid 65534", "0755", "chown"}},
		{"writable by others", func(t *testing.T, dir string) {
			if err := os.Chmod(dir, 0o777); err != nil {
				t.Fatal(err)
			}
		}, []string{"writable by group or others", "0777", "chmod go-w"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := clitest.NewHost(t, "desk")
			tt.setup(t, h.StateDir)
			for _, args := range [][]string{{"lock", "sync", "--", "true"}, {"secrets", "install", "--allow-empty"}} {
				res := h.Run(t.Context(), args...)
				if res.Code != 1 || !strings.Contains(res.Stderr, h.StateDir) {
					t.Errorf("hearth %s: exit %d, want 1 naming %s:\n%s", strings.Join(args, " "), res.Code, h.StateDir, res.Stderr)
				}
				for _, w := range tt.want {
					if !strings.Contains(res.Stderr, w) {
						t.Errorf("hearth %s: error lacks %q:\n%s", strings.Join(args, " "), w, res.Stderr)
					}
				}
			}
			if ents, _ := os.ReadDir(h.StateDir); len(ents) != 0 {
				t.Errorf("wrote %d entries into the refused state dir", len(ents))
			}
		})
	}
}

// TestLockFileSymlinkNotFollowed: a lock file that is a symlink to a
// victim file is refused with a clear error; the victim is untouched.
func TestLockFileSymlinkNotFollowed(t *testing.T) {
	testutil.RequireProgram(t, "true")
	h := clitest.NewHost(t, "desk")
	victim := filepath.Join(h.Root, "victim")
	const content = "precious\n"
	if err := os.WriteFile(victim, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(victim, filepath.Join(h.StateDir, "upgrade.lock")); err != nil {
		t.Fatal(err)
	}
	res := h.Run(t.Context(), "lock", "upgrade", "--", "true")
	if res.Code != 1 || !strings.Contains(res.Stderr, "upgrade.lock") || !strings.Contains(res.Stderr, "symlink") {
		t.Errorf("exit %d, want 1 saying the lock file is a symlink:\n%s", res.Code, res.Stderr)
	}
	if got := readFile(t, victim); got != content {
		t.Errorf("victim overwritten through the lock file: %q", got)
	}
}

// TestLockRefusesUnknownJob: `hearth lock` takes only a known job name, so
// a name like ../../x cannot put a lock file outside the state dir.
func TestLockRefusesUnknownJob(t *testing.T) {
	testutil.RequireProgram(t, "true")
	h := clitest.NewHost(t, "desk")
	for _, job := range []string{"../../x", "nosuchjob", "sync/../x", ""} {
		res := h.Run(t.Context(), "lock", job, "--", "true")
		if res.Code != 1 || !strings.Contains(res.Stderr, "sync, upgrade, golden, secrets") {
			t.Errorf("lock %q: exit %d, want 1 listing the known jobs:\n%s", job, res.Code, res.Stderr)
		}
	}
	outside := filepath.Join(h.StateDir, "../../x.lock")
	if _, err := os.Lstat(outside); !os.IsNotExist(err) {
		t.Errorf("lock ../../x created %s (%v)", outside, err)
	}
	if ents, _ := os.ReadDir(h.StateDir); len(ents) != 0 {
		t.Errorf("unknown jobs left %d entries in the state dir", len(ents))
	}
	h.MustRun(t, "lock", "secrets", "--", "true")
}
