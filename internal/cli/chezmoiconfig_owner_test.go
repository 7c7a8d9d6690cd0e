package cli_test

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestRootReadsTheOwnersChezmoiConfigAsTheOwner: root applying a home owned
// by nobody uses nobody's ~/.config/chezmoi/chezmoi.toml and dotfiles.data
// (integers stay integers across the re-exec as the owner); when nobody
// makes that file a link to a root-only file, root's hearth reads it as
// nobody, so the round is held and nothing of the root-only file reaches
// home.
func TestRootReadsTheOwnersChezmoiConfigAsTheOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "acting on another user's home needs root (CI runs tests as root)")
	}
	bin := buildHearthBinary(t)
	root, err := filepath.EvalSymlinks(t.TempDir())
	fatalIf(t, err)
	fatalIf(t, os.Chmod(filepath.Dir(root), 0o711))
	fatalIf(t, os.Chmod(root, 0o711))
	home, src, stateDir := filepath.Join(root, "home"), filepath.Join(root, "src"), filepath.Join(root, "state")
	putFile(t, filepath.Join(src, "dot_x.tmpl"), "{{ .email }} {{ if eq .n 2 }}two{{ end }}\n")
	czDir := filepath.Join(home, ".config", "chezmoi")
	fatalIf(t, os.MkdirAll(czDir, 0o700))
	fatalIf(t, os.MkdirAll(stateDir, 0o755))
	putFile(t, filepath.Join(czDir, "chezmoi.toml"), "[data]\nemail = \"nobody@example.com\"\n")
	chownToNobody(t, src, home, stateDir)
	cfg := filepath.Join(root, "config.toml")
	putFile(t, cfg, fmt.Sprintf("host = \"h\"\nstate_dir = %q\n[dotfiles]\nsource_dir = %q\ntarget_dir = %q\n[dotfiles.data]\nn = 2\n", stateDir, src, home))
	apply := func() (int, string) {
		cmd := exec.Command(bin, "--config", cfg, "apply")
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/root"}
		out, err := cmd.CombinedOutput()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), string(out)
	}
	if code, out := apply(); code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, out)
	}
	if got := readFileOr(filepath.Join(home, ".x")); got != "nobody@example.com two\n" {
		t.Errorf(".x = %q, want the owner's config data and dotfiles.data", got)
	}

	secret := filepath.Join(root, "root-only", "secret.toml")
	putFile(t, secret, "[data]\nemail = \"ROOT-SECRET\"\n")
	fatalIf(t, os.Chmod(filepath.Dir(secret), 0o700))
	fatalIf(t, os.Chmod(secret, 0o600))
	fatalIf(t, os.Remove(filepath.Join(czDir, "chezmoi.toml")))
	fatalIf(t, os.Symlink(secret, filepath.Join(czDir, "chezmoi.toml")))
	fatalIf(t, os.Lchown(filepath.Join(czDir, "chezmoi.toml"), nobody, nobody))
	code, out := apply()
	if !strings.Contains(out, "chezmoi.toml") {
		t.Errorf("apply with the config linked to a root-only file: exit %d, the problem is not reported:\n%s", code, out)
	}
	if got := readFileOr(filepath.Join(home, ".x")); strings.Contains(got, "ROOT-SECRET") {
		t.Errorf("root-only data reached home: .x = %q", got)
	}
}
