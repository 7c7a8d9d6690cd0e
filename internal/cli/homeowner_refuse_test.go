package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestDotfilesCommandsRunOnlyAsTheHomeOwner: every dotfiles command that
// renders templates renders them as the home's owner or not at all. Root
// becomes the owner when the owner also has the source and state dirs,
// refuses apply (status still shows the rest) when not; anyone else is
// refused on a home that is not theirs. A template that runs `touch`
// shows who rendered it.
func TestDotfilesCommandsRunOnlyAsTheHomeOwner(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "acting on another user's home needs root (CI runs tests as root)")
	}
	testutil.RequireProgram(t, "git")
	touch := testutil.RequireProgram(t, "touch")
	bin := buildHearthBinary(t)
	tests := []struct {
		name       string
		asNobody   bool   // run hearth itself as nobody
		homeOwner  uint32 // owner of target_dir
		rootState  bool   // state_dir is root's
		userSource bool   // source_dir is nobody's whoever owns home
		remote     bool   // sync: the source is cloned into home from a remote of nobody's
		args       []string
		wantCode   int
		wantErr    string // in stderr
		wantMark   int    // uid that rendered the template; -1: never rendered
	}{
		{name: "apply as the owner", homeOwner: nobody, args: []string{"apply"}, wantMark: nobody},
		{name: "diff as the owner", homeOwner: nobody, args: []string{"diff"}, wantMark: nobody},
		// status reports only: it never runs the programs templates name.
		{name: "status as the owner runs no template program", homeOwner: nobody, args: []string{"status"}, wantMark: -1},
		{name: "sync as the owner", homeOwner: nobody, remote: true, args: []string{"sync"}, wantMark: nobody},
		{name: "apply with root's state dir is refused", homeOwner: nobody, rootState: true, args: []string{"apply"},
			wantCode: 1, wantErr: "state_dir %STATE% is controlled by root (uid 0)", wantMark: -1},
		{name: "status with root's state dir skips dotfiles", homeOwner: nobody, rootState: true, args: []string{"status"},
			wantErr: "dotfile targets not inspected", wantMark: -1},
		{name: "a user on root's home is refused", asNobody: true, homeOwner: 0, args: []string{"apply"},
			wantCode: 1, wantErr: "is controlled by root (uid 0), not by nobody (uid 65534)", wantMark: -1},
		{name: "root on its own home stays root", homeOwner: 0, args: []string{"apply"}, wantMark: 0},
		{name: "root on its own home with a user's source is refused", homeOwner: 0, userSource: true, args: []string{"apply"},
			wantCode: 1, wantErr: "dotfiles.source_dir %SRC% is controlled by nobody (uid 65534)", wantMark: -1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			root, err := filepath.EvalSymlinks(t.TempDir())
			fatalIf(t, err)
			fatalIf(t, os.Chmod(filepath.Dir(root), 0o711))
			fatalIf(t, os.Chmod(root, 0o711))
			home, src, state, marks := filepath.Join(root, "home"), filepath.Join(root, "src"), filepath.Join(root, "state"), filepath.Join(root, "marks")
			mark := filepath.Join(marks, "rendered")
			putFile(t, filepath.Join(src, "dot_rendered.tmpl"), fmt.Sprintf("{{ output %q %q }}\n", touch, mark))
			putFile(t, filepath.Join(src, "dot_plain"), "plain\n")
			testutil.Git(t, src, "init", "-q", "-b", "main")
			extra := ""
			if tc.remote {
				testutil.Git(t, src, "add", ".")
				testutil.Git(t, src, "commit", "-qm", "seed")
				testutil.Git(t, root, "clone", "-q", "--bare", src, "remote.git")
				fatalIf(t, os.RemoveAll(src))
				src = filepath.Join(home, ".local/share/chezmoi") // sync clones it
				fatalIf(t, os.MkdirAll(src, 0o755))
				chownToNobody(t, filepath.Join(root, "remote.git"))
				extra = fmt.Sprintf("remote = %q\n", "file://"+filepath.Join(root, "remote.git"))
			}
			for _, d := range []string{home, state, marks} {
				fatalIf(t, os.MkdirAll(d, 0o755))
			}
			fatalIf(t, os.Chmod(marks, 0o777))
			if tc.homeOwner != 0 {
				chownToNobody(t, home)
			}
			if tc.homeOwner != 0 || tc.userSource {
				chownToNobody(t, src)
			}
			if !tc.rootState && (tc.homeOwner != 0 || tc.asNobody) {
				chownToNobody(t, state)
			}
			cfg := filepath.Join(root, "config.toml")
			putFile(t, cfg, fmt.Sprintf("host = \"h\"\nstate_dir = %q\n[dotfiles]\nsource_dir = %q\ntarget_dir = %q\n%s", state, src, home, extra))

			cmd := exec.Command(bin, append([]string{"--config", cfg}, tc.args...)...)
			cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/root"}
			cmd.Dir = "/"
			if tc.asNobody {
				cmd.SysProcAttr = asNobody()
			}
			var stderr strings.Builder
			cmd.Stderr = &stderr
			_ = cmd.Run()
			if code := cmd.ProcessState.ExitCode(); code != tc.wantCode {
				t.Errorf("exit %d, want %d\nstderr:\n%s", code, tc.wantCode, stderr.String())
			}
			if want := strings.NewReplacer("%STATE%", state, "%SRC%", src).Replace(tc.wantErr); !strings.Contains(stderr.String(), want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr.String())
			}
			fi, err := os.Lstat(mark)
			switch {
			case tc.wantMark < 0 && err == nil:
				t.Errorf("a template was rendered by uid %d; it must not be rendered at all", fi.Sys().(*syscall.Stat_t).Uid)
			case tc.wantMark >= 0 && err != nil:
				t.Errorf("the template was not rendered: %v\nstderr:\n%s", err, stderr.String())
			case tc.wantMark >= 0 && fi.Sys().(*syscall.Stat_t).Uid != uint32(tc.wantMark):
				t.Errorf("the template was rendered by uid %d, want %d", fi.Sys().(*syscall.Stat_t).Uid, tc.wantMark)
			}
			if tc.wantCode != 0 {
				if entries, _ := os.ReadDir(home); len(entries) != 0 {
					t.Errorf("a refused run wrote %d entries into home", len(entries))
				}
			}
		})
	}
}
