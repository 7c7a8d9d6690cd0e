package nix_test

import (
	"encoding/json"
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
				if ok, out := buildCheck(t, text); !ok {
					t.Errorf("/etc/%s fails hearth config check: %s\n%s", path, out, text)
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

// TestModuleConfigRejectedByHearth: a config the module's types accept but
// hearth does not fails the same check the system build runs, naming the key.
func TestModuleConfigRejectedByHearth(t *testing.T) {
	env := testutil.Nix(t)
	kit := kitDir(t)
	r, err := evalModule(t, env, kit, evalCase{Config: `{ services.hearth.enable = true; services.hearth.settings.state_dir = "var/lib/hearth"; }`})
	if err != nil {
		t.Fatal(err)
	}
	ok, out := buildCheck(t, r.Configs["hearth/config.toml"])
	if ok || !strings.Contains(out, "state_dir") {
		t.Errorf("hearth config check accepted a relative state_dir (ok %v): %s", ok, out)
	}
}
