package nix_test

import (
	"testing"

	"github.com/hearth-fleet/hearth/internal/testutil"
)

// TestVMTestNodeEvaluates evaluates the VM test's hostB (nix/tests/vm.nix,
// which needs KVM and the full nixpkgs to run) with the kit: the node
// imports the flake's module under read-only pkgs, and its secret, its
// reader's ordering and its timer are there.
func TestVMTestNodeEvaluates(t *testing.T) {
	env := testutil.Nix(t)
	kit := kitDir(t)
	r, err := evalModule(t, env, kit, evalCase{Entry: "none", Pkgs: "ro", Overlays: noHearth, Config: `(let
    h = import ./tests/eval/harness.nix { kit = ` + kit + `; config = { }; };
    test = import ./tests/vm.nix {
      pkgs = h.pkgs // { testers.runNixOSTest = args: args; };
      hearthModule = h.self.nixosModules.default;
    };
  in test.nodes.hostB)`})
	if err != nil {
		t.Fatalf("hostB does not evaluate:\n%s", tail(err.Error(), 40))
	}
	checkAssertions(t, r.FailedAssertions, nil)
	if len(r.Warnings) > 0 {
		t.Errorf("warnings: %q", r.Warnings)
	}
	wantWords(t, "secret-reader.service", unit(t, r, "secret-reader.service"), "Unit", "After", "hearth-secrets.service")
	wantWords(t, "hearth-secrets.service", unit(t, r, "hearth-secrets.service"), "Install", "WantedBy", "sysinit.target")
	wantWords(t, "hearth-sync.timer", unit(t, r, "hearth-sync.timer"), "Install", "WantedBy", "timers.target")
	wantValue(t, "hearth-sync.service", unit(t, r, "hearth-sync.service"), "Service", "User", "alice")
}
