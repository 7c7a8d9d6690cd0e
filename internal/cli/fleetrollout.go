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

// apply sets the record's wave and, when the last upgrade is known here,
// its waiting state: the state only ("waiting for wave 0"), the reason's
// details stay in this host's status.
func (rs rolloutState) apply(rec *fleet.Record) {
	rec.Wave = rs.wave
	if rs.known {
		rec.Waiting = rs.waiting
	}
}
