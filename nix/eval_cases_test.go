package nix_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestModuleEvaluationCasesFile runs nix/tests/eval/cases.nix, the matrix the
// flake's checks.module-evaluation runs against the real nixpkgs, here with
// the kit: so the check's expectations are themselves tested.
func TestModuleEvaluationCasesFile(t *testing.T) {
	env := testutil.Nix(t)
	kit := kitDir(t)
	var cases struct {
		OK map[string]struct {
			Units  map[string][]string `json:"units"`
			Absent []string            `json:"absent"`
		} `json:"ok"`
		Rejected []string `json:"rejected"`
	}
	evalJSON(t, env, `let c = import ./tests/eval/cases.nix; in {
  ok = builtins.mapAttrs (_: v: { units = v.units or { }; absent = v.absent or [ ]; }) c.ok;
  rejected = builtins.attrNames c.rejected;
}`, &cases)
	if len(cases.OK) < 8 || len(cases.Rejected) < 5 {
		t.Fatalf("cases.nix has %d ok and %d rejected cases; the matrix shrank", len(cases.OK), len(cases.Rejected))
	}
	for name, want := range cases.OK {
		t.Run(name, func(t *testing.T) {
			r, err := evalModule(t, env, kit, evalCase{Config: "(import ./tests/eval/cases.nix).ok." + nixString(name) + ".config"})
			if err != nil {
				t.Fatalf("evaluation failed:\n%s", tail(err.Error(), 40))
			}
			checkAssertions(t, r.FailedAssertions, nil)
			if len(r.Warnings) > 0 {
				t.Errorf("warnings: %q", r.Warnings)
			}
			for u, lines := range want.Units {
				text, ok := r.Units[u]
				if !ok {
					t.Errorf("no unit %s", u)
					continue
				}
				have := strings.Split(text, "\n")
				for _, l := range lines {
					if !slices.Contains(have, l) {
						t.Errorf("%s lacks the line %q:\n%s", u, l, text)
					}
				}
			}
			for _, u := range want.Absent {
				if _, ok := r.Units[u]; ok {
					t.Errorf("unit %s rendered; it must not be", u)
				}
			}
			for path, text := range r.Configs {
				file := filepath.Join(t.TempDir(), "config.toml")
				if err := os.WriteFile(file, []byte(text), 0o644); err != nil {
					t.Fatal(err)
				}
				if code, _, stderr := configCheck(t, file); code != 0 {
					t.Errorf("/etc/%s fails hearth config check (exit %d): %s", path, code, stderr)
				}
			}
		})
	}
	for _, name := range cases.Rejected {
		t.Run("rejected "+name, func(t *testing.T) {
			_, err := evalModule(t, env, kit, evalCase{
				Config: "(import ./tests/eval/cases.nix).rejected." + nixString(name),
				Probe:  `config: builtins.deepSeq (builtins.mapAttrs (_: s: s.path) config.services.hearth.secrets) null`,
			})
			if err == nil || !strings.Contains(err.Error(), "services.hearth.") {
				t.Errorf("evaluation: %v; want an error naming the option", err)
			}
		})
	}
}

func nixString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
