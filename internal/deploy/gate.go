package deploy

import "context"

// Gate decides, before anything is built, whether this host may deploy a
// verified tip now: the staged rollout and the fleet's quarantine. The CLI
// supplies it (from the host records); nil lets every tip through.
type Gate interface {
	Check(ctx context.Context, tip string) GateDecision
}

// GateDecision is a Gate's answer. An empty Hold lets the round go on;
// OutcomeWaiting or OutcomeQuarantined end it there, without a failure:
// the host did nothing wrong and asks again next round.
type GateDecision struct {
	Hold   string `json:"hold,omitempty"`
	Reason string `json:"reason,omitempty"`
}

// gate is step 2b: ask the gate about the tip.
func (r *round) gate(ctx context.Context) bool {
	if r.o.Gate == nil || r.o.DryRun {
		return false
	}
	d := r.o.Gate.Check(ctx, r.tip)
	if d.Hold == "" {
		return false
	}
	r.res.Outcome, r.res.Hold = d.Hold, d.Reason
	r.p.say("%s: %s", short(r.tip), d.Reason)
	r.o.Logger.Info("upgrade held", "tip", r.tip, "outcome", d.Hold, "reason", d.Reason)
	return true
}
