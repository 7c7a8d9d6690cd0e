package nix_test

import (
	"strings"
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// checksExpr evaluates the flake's checks.module-evaluation
// (nix/tests/eval/checks.nix) with the kit standing in for nixpkgs'
// nixosSystem, returning the check's derivation name.
func checksExpr(kit, cases string) string {
	return `let
  h = args: import ./tests/eval/harness.nix ({ kit = ` + kit + `; } // args);
  probe = h { config = { }; };
in (import ./tests/eval/checks.nix {
  nixpkgs = { inherit (probe) lib; };
  inherit (probe) pkgs;
  inherit (probe) self;
  ` + cases + `
  evalNixos = modules: (h { entry = "none"; pkgsMode = "ro"; overlays = [ ]; config = { imports = modules; }; }).eval.config;
}).name`
}

// TestFlakeCheckModuleEvaluation runs the flake check's own logic with the
// kit: it passes on the real matrix and fails, naming the case and the line,
// when an expectation does not hold.
func TestFlakeCheckModuleEvaluation(t *testing.T) {
	env := testutil.Nix(t)
	kit := kitDir(t)
	var name string
	evalJSON(t, env, checksExpr(kit, ""), &name)
	if name != "hearth-module-evaluation" {
		t.Errorf("check derivation %q", name)
	}

	broken := `cases = let c = import ./tests/eval/cases.nix; in c // {
    ok = c.ok // { "sync only" = c.ok."sync only" // { units."hearth-sync.service" = [ "User=somebody-else" ]; }; };
    rejected = c.rejected // { "not wrong" = { services.hearth.enable = true; }; };
  };`
	cmd := env.Command("nix-instantiate", "--eval", "--strict", "--json", "-E", checksExpr(kit, broken))
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("the check passed with a wrong expectation: %s", out)
	}
	for _, want := range []string{"sync only: hearth-sync.service lacks the line User=somebody-else", "rejected case not wrong evaluated"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("check failure does not say %q:\n%s", want, out)
		}
	}
}
