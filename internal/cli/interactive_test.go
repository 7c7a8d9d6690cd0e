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

// TestInteractiveCommandsNeverRunAsTheOwnerOnRootsTerminal: root may run
// dotfiles commands for a home's owner by becoming them, but never one
// that hands the terminal to a program (edit's editor, cd's shell, merge's
// tool): that program, running as the owner, could push input into root's
// terminal. The program here leaves a mark when it runs at all.
func TestInteractiveCommandsNeverRunAsTheOwnerOnRootsTerminal(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "acting on another user's home needs root (CI runs tests as root)")
	}
	sh := testutil.RequireProgram(t, "sh")
	bin := buildHearthBinary(t)
	tests := []struct {
		name string
		args []string
	}{
		{"edit", []string{"edit", "~/.a"}},
		{"edit the source dir", []string{"edit"}},
		{"cd", []string{"cd"}},
		{"merge with a tool", []string{"merge", "--tool", "%PROG%", "~/.a"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, err := filepath.EvalSymlinks(t.TempDir())
			fatalIf(t, err)
			fatalIf(t, os.Chmod(filepath.Dir(root), 0o711))
			fatalIf(t, os.Chmod(root, 0o711))
			home, src, state, marks := filepath.Join(root, "home"), filepath.Join(root, "src"), filepath.Join(root, "state"), filepath.Join(root, "marks")
			putFile(t, filepath.Join(src, "dot_a"), "source\n")
			putFile(t, filepath.Join(home, ".a"), "home\n")
			fatalIf(t, os.MkdirAll(state, 0o755))
			fatalIf(t, os.MkdirAll(marks, 0o777))
			fatalIf(t, os.Chmod(marks, 0o777))
			chownToNobody(t, home, src, state)
			fatalIf(t, os.Chown(filepath.Join(home, ".a"), nobody, nobody))
			fatalIf(t, os.Chown(filepath.Join(src, "dot_a"), nobody, nobody))
			prog := filepath.Join(root, "prog")
			putFile(t, prog, fmt.Sprintf("#!%s\ntouch %s/ran\n", sh, marks))
			fatalIf(t, os.Chmod(prog, 0o755))
			cfg := filepath.Join(root, "config.toml")
			putFile(t, cfg, fmt.Sprintf("host = \"h\"\nstate_dir = %q\n[dotfiles]\nsource_dir = %q\ntarget_dir = %q\n", state, src, home))
			args := make([]string, len(tc.args))
			for i, a := range tc.args {
				args[i] = strings.NewReplacer("%PROG%", prog, "~", home).Replace(a)
			}
			cmd := exec.Command(bin, append([]string{"--config", cfg}, args...)...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/root", "EDITOR=" + prog, "SHELL=" + prog}
			cmd.Dir = "/"
			var stderr strings.Builder
			cmd.Stderr = &stderr
			_ = cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != 1 {
				t.Errorf("exit %d, want 1\nstderr:\n%s", code, stderr.String())
			}
			if want := "run this command as them"; !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
			}
			if _, err := os.Lstat(filepath.Join(marks, "ran")); err == nil {
				t.Errorf("the program ran")
			}
		})
	}
}
