package nix_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestModuleUnitsPassSystemdAnalyzeVerify runs systemd's own checker over
// the units the module renders for every case of cases.nix, as `hearth
// units`' files are checked (internal/units): an unknown key or a value
// systemd misreads is reported. verify exits 0 on unknown keys, so any
// output at all is a failure. ExecStart's and ExecReload's store paths are
// replaced by an existing program, which verify insists on.
func TestModuleUnitsPassSystemdAnalyzeVerify(t *testing.T) {
	sa := testutil.RequireProgram(t, "systemd-analyze")
	env := testutil.Nix(t)
	kit := kitDir(t)
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	evalJSON(t, env, `builtins.attrNames (import ./tests/eval/cases.nix).ok`, &names)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			r, err := evalModule(t, env, kit, evalCase{Config: "(import ./tests/eval/cases.nix).ok." + nixString(name) + ".config"})
			if err != nil {
				t.Fatalf("evaluation failed:\n%s", tail(err.Error(), 40))
			}
			dir := t.TempDir()
			var files []string
			for u, text := range r.Units {
				if !strings.HasPrefix(u, "hearth-") {
					continue
				}
				var lines []string
				for _, l := range strings.Split(text, "\n") {
					for _, key := range []string{"ExecStart=", "ExecReload="} {
						if rest, ok := strings.CutPrefix(l, key); ok {
							_, args, _ := strings.Cut(rest, " ")
							l = key + exe + " " + args
						}
					}
					lines = append(lines, l)
				}
				f := filepath.Join(dir, u)
				if err := os.WriteFile(f, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
					t.Fatal(err)
				}
				files = append(files, f)
			}
			if len(files) == 0 {
				return
			}
			slices.Sort(files)
			cmd := exec.Command(sa, append([]string{"verify", "--man=no"}, files...)...)
			cmd.Env = append(os.Environ(), "XDG_RUNTIME_DIR="+t.TempDir(), "SYSTEMD_LOG_COLOR=0")
			out, err := cmd.CombinedOutput()
			if err != nil || len(strings.TrimSpace(string(out))) > 0 {
				t.Errorf("systemd-analyze verify: %v\n%s", err, out)
			}
		})
	}
}
