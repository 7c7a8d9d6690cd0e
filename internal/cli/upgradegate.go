package cli

import (
	"context"
	"time"

	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/rollout"
)

// rolloutGate is the upgrade's deploy.Gate: it reads every host's record
// (one fetch) and asks rollout.Decide about the tip.
type rolloutGate struct {
	a      *app
	cfg    *config.Config
	policy rollout.Policy
	now    func() time.Time
}

func (a *app) rolloutGate(cfg *config.Config, now, retryQuarantined bool) *rolloutGate {
	r := cfg.System.Rollout
	return &rolloutGate{a: a, cfg: cfg, now: time.Now, policy: rollout.Policy{
		Host: cfg.Host, Wave: r.Wave, Soak: r.Soak.Duration, Quorum: r.Quorum,
		RequireVerified: cfg.Fleet.AllowedSigners != "",
		SkipWait:        now, SkipQuarantine: retryQuarantined,
	}}
}

func (g *rolloutGate) Check(ctx context.Context, tip string) deploy.GateDecision {
	log := g.a.logger()
	rd, err := fleetReader(ctx, g.a, g.cfg)
	if err == nil {
		entries, rerr := rd.Read(ctx)
		warnRewound(g.a, rd)
		if rerr == nil {
			d := rollout.Decide(entries, g.policy, tip, g.now())
			log.Info("rollout gate", "tip", tip, "verdict", d.Verdict, "healthy", d.Healthy, "ignored", d.Ignored)
			if d.Verdict == rollout.Go {
				return deploy.GateDecision{}
			}
			return deploy.GateDecision{Hold: d.Verdict, Reason: d.Reason}
		}
		err = rerr
	}
	// Without the records a canary goes on (the quarantine is the fleet's
	// advice, its own checks still guard it); a later wave cannot know
	// that its canaries are healthy, so it waits.
	if g.policy.Wave == 0 || g.policy.SkipWait {
		log.Warn("cannot read the host records; deploying without the fleet's quarantine", "err", err)
		return deploy.GateDecision{}
	}
	return deploy.GateDecision{Hold: deploy.OutcomeWaiting, Reason: rollout.WaitingFor(g.policy.Wave) + ": cannot read the host records: " + err.Error()}
}
