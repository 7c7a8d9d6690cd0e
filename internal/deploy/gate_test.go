package deploy_test

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/testutil"
)

// fixedGate answers every tip the same and remembers what it was asked.
type fixedGate struct {
	d     deploy.GateDecision
	asked []string
}

func (g *fixedGate) Check(_ context.Context, tip string) deploy.GateDecision {
	g.asked = append(g.asked, tip)
	return g.d
}

// A gate that holds the tip ends the round before any nix evaluation,
// without an error and without touching the state; once it lets the tip
// through, the round deploys it. A no-op round never asks the gate.
func TestGateHoldsBeforeTheBuild(t *testing.T) {
	t.Parallel()
	env := testutil.Nix(t)
	repo := testutil.NewNixSystemRepo(t, env)
	h := newHost(t, env, "desk", repo.Dir)
	v1 := repo.Commit(t, testutil.NixSystem{Version: "v1"})
	for _, hold := range []string{deploy.OutcomeWaiting, deploy.OutcomeQuarantined} {
		g := &fixedGate{d: deploy.GateDecision{Hold: hold, Reason: "because " + hold}}
		res := h.mustRound(t, hold, func(o *deploy.Options) { o.Gate = g })
		if res.Hold != "because "+hold || len(g.asked) != 1 || g.asked[0] != v1 {
			t.Fatalf("%s: result %+v, gate asked %v", hold, res, g.asked)
		}
		if n := h.exec.nix.Load(); n != 0 {
			t.Fatalf("%s: %d nix invocations, want none before the gate lets the tip through", hold, n)
		}
		if _, err := os.Stat(filepath.Join(h.stateDir, deploy.StateFile)); !os.IsNotExist(err) {
			t.Fatalf("%s wrote the upgrade state (%v)", hold, err)
		}
	}
	g := &fixedGate{}
	if res := h.mustRound(t, deploy.OutcomeDeployed, func(o *deploy.Options) { o.Gate = g }); res.Commit != v1 {
		t.Fatalf("deployed %s, want %s", res.Commit, v1)
	}
	h.mustRound(t, deploy.OutcomeNoop, func(o *deploy.Options) { o.Gate = g })
	if len(g.asked) != 1 {
		t.Fatalf("gate asked %d times; a no-op round must not ask it", len(g.asked))
	}
}
