package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
	"github.com/hearth-fleet/hearth/internal/testutil/clitest"
)

// TestDemoAsRootRefusesAUsersDir: root runs `hearth demo --dir` into a
// directory a user owns (uid 65534), who could swap any directory of the
// fleet for a link while root writes there. It is refused, exit 1, naming
// the directory, and nothing is created in it; a dir of root's own works.
func TestDemoAsRootRefusesAUsersDir(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root: the directory must belong to another user (uid 65534)")
	}
	testutil.RequireProgram(t, "git")
	h := clitest.NewHost(t, "demo")
	base := t.TempDir()
	if err := os.Chmod(base, 0o755); err != nil {
		t.Fatal(err)
	}
	user := filepath.Join(base, "user")
	if err := os.Mkdir(user, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(user, 65534, 65534); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{user, filepath.Join(user, "fleet")} {
		res := h.Run(t.Context(), "demo", "--dir", dir)
		if res.Code != 1 || !strings.Contains(res.Stderr, "refusing to run the demo there as root") || !strings.Contains(res.Stderr, dir) {
			t.Errorf("demo --dir %s as root: exit %d, want 1 with the refusal naming it\n%s\n%s", dir, res.Code, res.Stdout, res.Stderr)
		}
	}
	if ents, _ := os.ReadDir(user); len(ents) != 0 {
		t.Errorf("root created %d entries in the user's dir: %v", len(ents), ents)
	}
	own := filepath.Join(base, "root-fleet")
	if res := h.Run(t.Context(), "demo", "--dir", own); res.Code != 0 {
		t.Errorf("demo --dir %s (root's own): exit %d\n%s", own, res.Code, res.Stderr)
	}
}
