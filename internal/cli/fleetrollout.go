package cli

import (
	"github.com/hearth-fleet/hearth/internal/config"
	"github.com/hearth-fleet/hearth/internal/deploy"
	"github.com/hearth-fleet/hearth/internal/fleet"
	"github.com/hearth-fleet/hearth/internal/rollout"
	"github.com/hearth-fleet/hearth/internal/state"
)

// rolloutState is the host's place in the staged rollout, for its record.
type rolloutState struct {
	wave    *int   // nil: this host does not deploy (no system.remote)
	waiting string // why the last upgrade held the tip; "" when it did not
	known   bool   // the upgrade's status record was read
}

func readRolloutState(cfg *config.Config, jobs map[string]state.Record) rolloutState {
	var rs rolloutState
	if cfg.System.Remote != "" {
		w := cfg.System.Rollout.Wave
		rs.wave = &w
	}
	up, ok := jobs["upgrade"]
	if !ok {
		return rs
	}
	rs.known = true
	switch up.Result {
	case deploy.OutcomeWaiting:
		rs.waiting = rollout.WaitingFor(cfg.System.Rollout.Wave)
	case deploy.OutcomeQuarantined:
		tip, _ := up.Details["tip"].(string)
		rs.waiting = "tip " + short(tip) + " quarantined"
	}
	return rs
}

// applyRollout sets the record's wave and, when the last upgrade is known
// here, its waiting state: the state only ("waiting for wave 0"), the
// reason's details stay in this host's status. A build the boot check
// rolled back to golden is one of the record's bad commits.
func applyRollout(rec *fleet.Record, ls localState) {
	rs := ls.rollout
	rec.Wave = rs.wave
	if rs.known {
		rec.Waiting = rs.waiting
	}
	b := bootBad(ls)
	if b == nil || rec.FoundBad(b.Commit) != nil {
		return
	}
	rec.BadCommits = append(rec.BadCommits, *b)
	if over := len(rec.BadCommits) - fleet.MaxBadCommits; over > 0 {
		rec.BadCommits = rec.BadCommits[over:]
	}
}

// bootBad is the deployed commit when the boot check rolled its build back
// to golden after failed boots: bad at the "boot" stage, as a failed
// confirmation is at "confirm". A manual rollback says nothing of the commit.
func bootBad(ls localState) *fleet.BadCommit {
	if ls.deploy == nil || ls.boot == nil || ls.boot.LastRollback == nil {
		return nil
	}
	rb, d := ls.boot.LastRollback, ls.deploy
	if rb.Manual || d.Deployed == "" || d.StorePath == "" || rb.From != d.StorePath || rb.Time.Before(d.DeployedAt) {
		return nil
	}
	return &fleet.BadCommit{Commit: d.Deployed, Stage: "boot", Error: "rolled back to golden after failed boots", Time: rb.Time.UTC()}
}
