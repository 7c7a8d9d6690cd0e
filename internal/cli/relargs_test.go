package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestRelativeTargetsWhenRootRunsAsTheOwner: root runs hearth add for a
// home's owner by re-executing itself as them in /; a target named
// relative to root's working dir must still mean that file.
func TestRelativeTargetsWhenRootRunsAsTheOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "acting on another user's home needs root (CI runs tests as root)")
	}
	bin := buildHearthBinary(t)
	root, err := filepath.EvalSymlinks(t.TempDir())
	fatalIf(t, err)
	fatalIf(t, os.Chmod(filepath.Dir(root), 0o711))
	fatalIf(t, os.Chmod(root, 0o711))
	home, src, state := filepath.Join(root, "home"), filepath.Join(root, "src"), filepath.Join(root, "state")
	putFile(t, filepath.Join(home, ".x"), "x\n")
	fatalIf(t, os.MkdirAll(src, 0o755))
	fatalIf(t, os.MkdirAll(state, 0o755))
	chownToNobody(t, home, src, state)
	fatalIf(t, os.Chown(filepath.Join(home, ".x"), nobody, nobody))
	cfg := filepath.Join(root, "config.toml")
	putFile(t, cfg, fmt.Sprintf("host = \"h\"\nstate_dir = %q\n[dotfiles]\nsource_dir = %q\ntarget_dir = %q\n", state, src, home))
	cmd := exec.Command(bin, "--config", cfg, "add", "home/.x")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/root"}
	cmd.Dir = root
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("hearth add home/.x: %v\nstderr:\n%s", err, stderr.String())
	}
	if !strings.Contains(string(out), "added .x as dot_x") {
		t.Errorf("stdout %q lacks the addition", out)
	}
	if b, err := os.ReadFile(filepath.Join(src, "dot_x")); err != nil || string(b) != "x\n" {
		t.Errorf("source dot_x = %q, %v; want home's .x", b, err)
	}
}
