package cli_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestRootRunsScriptsAsTheHomeOwnerAndReportsFailures: root applies, then
// syncs, a source whose run_ scripts run as the home's owner (nobody),
// never as root; a failing one is reported with its source and exit
// status, its stderr reaches the log escaped, the rest applies, the
// command exits 0 and the sync round's result is "held".
func TestRootRunsScriptsAsTheHomeOwnerAndReportsFailures(t *testing.T) {
	if os.Geteuid() != 0 {
		testutil.Missing(t, "running scripts as the home's owner needs root (CI runs tests as root)")
	}
	testutil.RequireProgram(t, "id")
	testutil.RequireProgram(t, "git")
	bin := buildHearthBinary(t)
	root, err := filepath.EvalSymlinks(t.TempDir())
	fatalIf(t, err)
	fatalIf(t, os.Chmod(filepath.Dir(root), 0o711))
	fatalIf(t, os.Chmod(root, 0o711))
	home, src, stateDir := filepath.Join(root, "home"), filepath.Join(root, "src"), filepath.Join(root, "state")
	files := map[string]string{
		"run_once_before_a.sh": "#!/bin/sh\necho 'broken \x1b[31mred' >&2\nexit 3\n",
		"run_b.sh":             "#!/bin/sh\nid -u > \"$CHEZMOI_DEST_DIR/uid\"\n",
		"dot_file":             "f\n",
	}
	for name, body := range files {
		putFile(t, filepath.Join(src, name), body)
	}
	for _, d := range []string{home, stateDir} {
		fatalIf(t, os.MkdirAll(d, 0o755))
	}
	chownToNobody(t, src, home, stateDir)
	cfg := filepath.Join(root, "config.toml")
	putFile(t, cfg, fmt.Sprintf("host = \"h\"\nstate_dir = %q\n[dotfiles]\nsource_dir = %q\ntarget_dir = %q\n", stateDir, src, home))

	run := func(args ...string) (int, string, string) {
		cmd := exec.Command(bin, append([]string{"--config", cfg}, args...)...)
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=/root"}
		var stdout, stderr strings.Builder
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return cmd.ProcessState.ExitCode(), stdout.String(), stderr.String()
	}
	code, out, errOut := run("apply", "--json")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s%s", code, out, errOut)
	}
	var rep struct {
		Scripts []struct {
			Source, Result, Error string
			ExitCode              int `json:"exit_code"`
		}
	}
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("apply --json: %v\n%s", err, out)
	}
	if len(rep.Scripts) != 2 || rep.Scripts[0].Source != "run_once_before_a.sh" || rep.Scripts[0].Result != "failed" ||
		rep.Scripts[0].ExitCode != 3 || rep.Scripts[1].Result != "ran" {
		t.Fatalf("scripts = %+v, want a failed (exit 3) then b ran", rep.Scripts)
	}
	if b, err := os.ReadFile(filepath.Join(home, "uid")); err != nil || strings.TrimSpace(string(b)) != "65534" {
		t.Errorf("run_b.sh wrote uid %q (%v), want the home owner's 65534", b, err)
	}
	if b, err := os.ReadFile(filepath.Join(home, ".file")); err != nil || string(b) != "f\n" {
		t.Errorf("the failed before_ script blocked .file: %q %v", b, err)
	}
	if !strings.Contains(errOut, "broken") || strings.Contains(errOut, "\x1b") {
		t.Errorf("the script's stderr is not in the log, escaped:\n%q", errOut)
	}

	// A sync round with the same failing script ends "held".
	r := testutil.NewRemote(t)
	r.SeedMain(t, files)
	// The first round clones beside source_dir: a dir nobody owns.
	clones := filepath.Join(root, "clones")
	fatalIf(t, os.Mkdir(clones, 0o755))
	chownToNobody(t, clones)
	putFile(t, cfg, fmt.Sprintf("host = \"h\"\nstate_dir = %q\n[dotfiles]\nremote = %q\nsource_dir = %q\ntarget_dir = %q\n",
		stateDir, r.HTTPURL(), filepath.Join(clones, "src"), home))
	code, out, errOut = run("sync")
	if code != 0 {
		t.Fatalf("sync: exit %d\n%s%s", code, out, errOut)
	}
	if !strings.HasPrefix(out, "sync held:") || !strings.Contains(out, "script failed run_once_before_a.sh: exit status 3") {
		t.Errorf("sync output does not report the failed script and a held round:\n%s", out)
	}
}
